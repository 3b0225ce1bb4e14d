import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import access

ALLOW_ALL = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
             "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                                    "targetType": "application"}]}}
DEFAULT = {"b2bCollaborationInbound": ALLOW_ALL, "b2bCollaborationOutbound": ALLOW_ALL,
           "inboundTrust": {"isMfaAccepted": False, "isCompliantDeviceAccepted": True,
                            "isHybridAzureADJoinedDeviceAccepted": False}}
PARTNER = {"tenantId": "t", "b2bCollaborationInbound": None, "b2bCollaborationOutbound": None, "inboundTrust": None,
           "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}


def params(**kw):
    base = dict((k, None) for k in access.ALL_SETTINGS)
    base["inherit"] = None
    base.update(kw)
    return base


def test_graph_names_are_exact():
    assert access.TRUST["hybrid_joined_device"] == "isHybridAzureADJoinedDeviceAccepted"
    assert access.B2B_SETTINGS["b2b_collaboration_inbound"] == "b2bCollaborationInbound"


def test_whole_setting_from_a_half_uses_default_when_inherited():
    body, before, after = access.plan(params(b2b_collaboration_inbound={
        "users_and_groups": {"access": "allowed", "targets": [{"group": "2C057A25-45D1-4FE3-A7C8-618E2C46A5BC"}]}}),
        PARTNER, DEFAULT, False, True)
    sent = body["b2bCollaborationInbound"]
    assert sent["usersAndGroups"]["targets"] == [{"target": "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc",
                                                  "targetType": "group"}]
    assert sent["applications"] == ALLOW_ALL["applications"]
    assert before == {"b2bCollaborationInbound": None}


def test_trust_fills_unnamed_flags_from_default():
    body, _b, _a = access.plan(params(inbound_trust={"mfa": True}), PARTNER, DEFAULT, False, False)
    assert body == {"inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": True,
                                     "isHybridAzureADJoinedDeviceAccepted": False}}


def test_no_change_means_empty_body_even_with_reordered_targets():
    current = dict(PARTNER, b2bCollaborationInbound={
        "usersAndGroups": {"accessType": "allowed", "targets": [
            {"target": "11111111-1111-1111-1111-111111111111", "targetType": "user"},
            {"target": "22222222-2222-2222-2222-222222222222", "targetType": "group"}]},
        "applications": ALLOW_ALL["applications"]})
    body, _b, _a = access.plan(params(b2b_collaboration_inbound={
        "users_and_groups": {"access": "allowed", "targets": [{"group": "22222222-2222-2222-2222-222222222222"},
                                                              {"user": "11111111-1111-1111-1111-111111111111"}]},
        "applications": {"access": "allowed", "targets": ["all"]}}), current, DEFAULT, False, False)
    assert body == {}


def test_inherit_sends_null_and_consent_nulls():
    current = dict(PARTNER, inboundTrust=DEFAULT["inboundTrust"],
                   automaticUserConsentSettings={"inboundAllowed": True, "outboundAllowed": None})
    body, _b, after = access.plan(params(inherit=["inbound_trust", "automatic_user_consent"]), current, DEFAULT,
                                  False, False)
    assert body == {"inboundTrust": None,
                    "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}
    assert after["inboundTrust"] is None


def test_inherit_already_inherited_is_no_change():
    body, _b, _a = access.plan(params(inherit=["inbound_trust", "automatic_user_consent"]), PARTNER, DEFAULT,
                               False, False)
    assert body == {}


@pytest.mark.parametrize("kw,is_default,cross,needle", [
    ({"b2b_direct_connect_inbound": {"users_and_groups": {"access": "allowed", "targets": ["all"]},
                                     "applications": {"access": "allowed", "targets": ["all"]}}},
     False, True, "not supported across Microsoft clouds"),
    ({"inherit": ["inbound_trust"]}, True, False, "partners only"),
    ({"automatic_user_consent": {"inbound": True}}, True, False, "read-only"),
    ({"inherit": ["everything"]}, False, False, "is not a setting"),
])
def test_refusals(kw, is_default, cross, needle):
    with pytest.raises(access.AccessError) as err:
        access.plan(params(**kw), PARTNER, DEFAULT, is_default, cross)
    assert needle in str(err.value)


def test_friendly_round_trip():
    f = access.friendly("b2bCollaborationInbound", ALLOW_ALL)
    assert f == {"users_and_groups": {"access": "allowed", "targets": ["all"]},
                 "applications": {"access": "allowed", "targets": ["all"]}}
    assert access.friendly("inboundTrust", DEFAULT["inboundTrust"]) == {
        "mfa": False, "compliant_device": True, "hybrid_joined_device": False}


# --- targets: empty lists, keywords in any case, IDs with whitespace ----------------------------------

GROUP = "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"
APP = "00000003-0000-0ff1-ce00-000000000000"


@pytest.mark.parametrize("option", sorted(access.B2B_SETTINGS))
@pytest.mark.parametrize("kind_option", ["users_and_groups", "applications"])
@pytest.mark.parametrize("empty,shown", [([], "[]"), (None, "null")])
def test_empty_targets_are_refused_naming_the_full_path(option, kind_option, empty, shown):
    with pytest.raises(access.AccessError) as err:
        access.to_graph_target_config(option, kind_option, {"access": "allowed", "targets": empty})
    msg = str(err.value)
    assert msg.startswith("%s.%s.targets: %s" % (option, kind_option, shown)), msg
    assert "omit targets" in msg and "Fix:" in msg


def test_targets_left_out_mean_everyone():
    assert access.to_graph_target_config("b2b_collaboration_inbound", "users_and_groups", {"access": "blocked"}) == {
        "accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]}


def test_empty_targets_refused_by_validate_before_anything_is_read():
    with pytest.raises(access.AccessError) as err:
        access.validate(params(b2b_collaboration_outbound={
            "users_and_groups": {"access": "allowed", "targets": ["all"]},
            "applications": {"access": "allowed", "targets": []}}), False)
    assert str(err.value).startswith("b2b_collaboration_outbound.applications.targets: []")


@pytest.mark.parametrize("item", ["all", "ALL", " All ", "AllUsers", "allusers"])
def test_user_keywords_any_case(item):
    cfg = access.to_graph_target_config("b2b_collaboration_inbound", "users_and_groups",
                                        {"access": "allowed", "targets": [item]})
    assert cfg["targets"] == [{"target": "AllUsers", "targetType": "user"}]


@pytest.mark.parametrize("item,graph", [
    ("all", "AllApplications"), ("All", "AllApplications"), ("AllApplications", "AllApplications"),
    ("OFFICE365", "Office365"), ("Office365", "Office365"), (" office365 ", "Office365"),
    ("ALL_MICROSOFT_APPS", "AllMicrosoftApps"), ("allmicrosoftapps", "AllMicrosoftApps"),
])
def test_application_keywords_any_case(item, graph):
    cfg = access.to_graph_target_config("b2b_collaboration_inbound", "applications",
                                        {"access": "allowed", "targets": [item]})
    assert cfg["targets"] == [{"target": graph, "targetType": "application"}]


@pytest.mark.parametrize("item,expected", [
    ({"group": " %s " % GROUP.upper()}, {"target": GROUP, "targetType": "group"}),
    ({"Group": GROUP}, {"target": GROUP, "targetType": "group"}),
    ({" USER ": "\t" + GROUP}, {"target": GROUP, "targetType": "user"}),
])
def test_user_and_group_ids_trimmed_and_keys_any_case(item, expected):
    cfg = access.to_graph_target_config("b2b_collaboration_inbound", "users_and_groups",
                                        {"access": "allowed", "targets": [item]})
    assert cfg["targets"] == [expected]


@pytest.mark.parametrize("item", [" %s " % APP, APP.upper(), {"Application": " %s" % APP}])
def test_application_ids_trimmed(item):
    cfg = access.to_graph_target_config("b2b_collaboration_inbound", "applications",
                                        {"access": "allowed", "targets": [item]})
    assert cfg["targets"] == [{"target": APP, "targetType": "application"}]


@pytest.mark.parametrize("kind_option,item", [
    ("users_and_groups", "everyone"), ("users_and_groups", {"group": "not-a-guid"}),
    ("users_and_groups", {"team": GROUP}), ("users_and_groups", GROUP),
    ("applications", "office"), ("applications", {"application": "nope"}), ("applications", {"user": APP}),
])
def test_bad_targets_name_the_path_and_value(kind_option, item):
    with pytest.raises(access.AccessError) as err:
        access.to_graph_target_config("b2b_direct_connect_inbound", kind_option, {"access": "allowed", "targets": [item]})
    msg = str(err.value)
    assert msg.startswith("b2b_direct_connect_inbound.%s.targets: %r" % (kind_option, item)) and "Fix:" in msg


def test_validate_refuses_direct_connect_across_clouds_from_the_given_half():
    kw = {"b2b_direct_connect_outbound": {"users_and_groups": {"access": "allowed", "targets": ["all"]}}}
    access.validate(params(**kw), False, cross_cloud=False)     # same cloud: fine
    with pytest.raises(access.AccessError) as err:
        access.validate(params(**kw), False, cross_cloud=True)
    assert "not supported across Microsoft clouds" in str(err.value)


def test_validate_lets_blocked_direct_connect_across_clouds_through():
    access.validate(params(b2b_direct_connect_inbound={
        "users_and_groups": {"access": "blocked", "targets": ["all"]},
        "applications": {"access": "blocked", "targets": ["all"]}}), False, cross_cloud=True)
