import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import collaboration as co


@pytest.mark.parametrize("mode,wanted,state,exclusive,cur_mode,cur,expected", [
    ("block", ["a.com"], "present", False, None, [], ("block", ["a.com"])),
    ("block", ["a.com"], "present", False, "block", ["b.com"], ("block", ["b.com", "a.com"])),
    ("block", ["b.com"], "absent", False, "block", ["b.com"], (None, [])),
    ("allow", ["x.com"], "absent", False, "block", ["b.com"], ("block", ["b.com"])),   # nothing to remove
    ("allow", ["x.com"], "present", False, "block", ["b.com"], ("allow", ["x.com"])),  # switching replaces
    ("block", ["c.com"], "present", True, "block", ["a.com", "b.com"], ("block", ["c.com"])),
])
def test_plan_domains(mode, wanted, state, exclusive, cur_mode, cur, expected):
    assert co.plan_domains(mode, wanted, state, exclusive, cur_mode, cur) == expected


def test_definition_round_trip_and_single_quotes():
    assert co.parse_definition(co.definition("allow", ["a.com"])) == ("allow", ["a.com"])
    assert co.parse_definition(["{'B2BManagementPolicy':{'Version':1}}"]) == (None, [])


def test_check_domains():
    checked = co.check_domains("blocked_domains", ["Live.com", "live.com", "*.example.org"])
    assert checked == ["live.com", "*.example.org"]
    with pytest.raises(co.CollaborationError) as err:
        co.check_domains("blocked_domains", ["bad domain"])
    assert "blocked_domains: 'bad domain'" in str(err.value)


def test_plan_authorization_maps_words_to_graph():
    current = {"allowInvitesFrom": "none", "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3"}
    body, before, after = co.plan_authorization({"allow_invites_from": "everyone", "guest_user_role": "guest"},
                                                current)
    assert body == {"allowInvitesFrom": "everyone"}
    assert before == {"allow_invites_from": "none", "guest_user_role": "guest"}


@pytest.mark.parametrize("raw,expected", [
    ([" Live.com ", "live.com", "LIVE.COM"], ["live.com"]),
    (["bücher.de", "xn--bcher-kva.de"], ["xn--bcher-kva.de"]),
    (["*.Fabrikam.com"], ["*.fabrikam.com"]),
])
def test_check_domains_normalises(raw, expected):
    assert co.check_domains("allowed_domains", raw) == expected


@pytest.mark.parametrize("bad", ["-bad-.com", "fabrikam.123", "fabrikam..com", "a" * 64 + ".com", "bücher..de",
                                 "no_underscores.com", "fabrikam"])
def test_check_domains_refuses_naming_option_and_value(bad):
    with pytest.raises(co.CollaborationError) as err:
        co.check_domains("allowed_domains", ["good.com", bad])
    msg = str(err.value)
    assert msg.startswith("allowed_domains: %r" % bad) and "Fix:" in msg, msg


def test_check_domains_refuses_empty_exclusive_list():
    with pytest.raises(co.CollaborationError) as err:
        co.check_domains("blocked_domains", [], exclusive=True)
    assert str(err.value).startswith("blocked_domains: [] with domains_exclusive: true")
    assert "domains_state: absent" in str(err.value)
    assert co.check_domains("blocked_domains", []) == []     # not exclusive: nothing to add or remove
