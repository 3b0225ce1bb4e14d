"""Cross-tenant synchronization as data and decisions: the supported directions, entra_synchronization checked
against the pairs (automatic redemption merged in), the verify verdict, and sync.py's pure comparisons."""

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import pairing
from ansible_collections.entra.crosscloud.plugins.module_utils import sync as sy
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import load_catalogue

CAT = load_catalogue()
HOSTS = ["contoso", "fabrikam_cn", "tailspin_gcch", "northwind_dod"]
CLOUDS = {"contoso": "global", "fabrikam_cn": "china", "tailspin_gcch": "usgov", "northwind_dod": "usgov_dod"}
PAIRS = [{"hub": "contoso", "spokes": ["fabrikam_cn", "tailspin_gcch", "northwind_dod"]},
         {"tenants": ["tailspin_gcch", "northwind_dod"]}]


@pytest.mark.parametrize("source, target, status", [
    ("global", "usgov", "supported"), ("global", "usgov_dod", "supported"), ("usgov", "global", "supported"),
    ("usgov_dod", "global", "supported"), ("global", "china", "supported"), ("china", "global", "unsupported"),
    ("usgov", "china", "unsupported"), ("china", "usgov", "unsupported"), ("usgov", "usgov_dod", "same_cloud"),
    ("china", "china", "same_cloud"),
])
def test_sync_directions_are_microsofts_supported_cloud_pairs(source, target, status):
    assert CAT.sync_status(source, target) == status
    words = CAT.explain_sync(source, target)
    assert ("not supported by Microsoft" in words) == (status == "unsupported")
    if status == "supported":
        assert "Microsoft Entra ID Governance" in words


def test_a_clouds_file_adds_sync_directions(tmp_path):
    f = tmp_path / "clouds.yml"
    f.write_text("sync_pairs:\n  - [partner.microsoftonline.cn, microsoftonline.com]\n")
    assert load_catalogue(str(f)).sync_status("china", "global") == "supported"
    f.write_text("sync_pairs: [partner.microsoftonline.cn]\n")
    with pytest.raises(Exception, match="sync_pairs"):
        load_catalogue(str(f))


def test_synchronisation_turns_automatic_redemption_on_in_both_entries():
    out = pairing.normalise(PAIRS, HOSTS, CLOUDS, CAT, sync=[
        {"source": "contoso", "target": "tailspin_gcch", "users": ["adele.vance@contoso.com"]}])
    assert out["problems"] == []
    (sync,) = out["syncs"]
    assert sync["name"] == "contoso to tailspin_gcch" and sync["cross_cloud"] is True and sync["scope"] == "assigned"
    assert sync["started"] is True and sync["target_cloud"] == "usgov"
    pair = [p for p in out["pairs"] if p["name"] == "contoso <-> tailspin_gcch"][0]
    assert pair["settings"]["contoso"]["automatic_user_consent"] == {"outbound": True}
    assert pair["settings"]["tailspin_gcch"]["automatic_user_consent"] == {"inbound": True}
    assert pair["syncs"] == [sync]
    other = [p for p in out["pairs"] if p["name"] == "contoso <-> fabrikam_cn"][0]
    assert "automatic_user_consent" not in other["settings"]["contoso"]


@pytest.mark.parametrize("entry, words", [
    ({"source": "fabrikam_cn", "target": "contoso"}, ["not supported by Microsoft", "china"]),
    ({"source": "tailspin_gcch", "target": "fabrikam_cn"}, ["not a declared pair", "entra_partnerships"]),
    ({"source": "contoso", "target": "contoso"}, ["not a declared pair"]),
    ({"source": "contoso"}, ["takes source and target"]),
    ({"source": "contoso", "target": "tailspin_gcch", "scope": "some"}, ["scope must be one of assigned, all"]),
    ({"source": "contoso", "target": "tailspin_gcch", "users": "adele"}, ["users must be a list"]),
    ({"source": "contoso", "target": "tailspin_gcch", "started": "yes"}, ["started must be true or false"]),
    ({"source": "contoso", "target": "tailspin_gcch", "extra": 1}, ["takes source and target"]),
])
def test_bad_synchronisation_entries_are_named(entry, words):
    out = pairing.normalise(PAIRS, HOSTS, CLOUDS, CAT, sync=[entry])
    assert out["syncs"] == [] and len(out["problems"]) == 1
    for word in words:
        assert word in out["problems"][0], out["problems"]


def test_a_side_that_refuses_automatic_redemption_and_repeats_are_problems():
    pairs = [{"tenants": ["contoso", "tailspin_gcch"],
              "settings_by_tenant": {"tailspin_gcch": {"automatic_user_consent": {"inbound": False}}}}]
    entry = {"source": "contoso", "target": "tailspin_gcch"}
    out = pairing.normalise(pairs, HOSTS, CLOUDS, CAT, sync=[entry, entry])
    assert any("automatic_user_consent.inbound false" in p for p in out["problems"]), out["problems"]
    assert any("listed twice" in p for p in out["problems"]), out["problems"]
    # both directions of one pair are two entries, each fine
    out = pairing.normalise(PAIRS, HOSTS, CLOUDS, CAT, sync=[entry, {"source": "tailspin_gcch", "target": "contoso"}])
    assert out["problems"] == [] and len(out["syncs"]) == 2


def test_removal_ignores_synchronisation_and_manual_steps_name_the_cross_cloud_checkbox():
    sync = [{"source": "contoso", "target": "tailspin_gcch"}, {"source": "tailspin_gcch", "target": "northwind_dod"}]
    # taking pairs apart: a bad entry is no problem, and what the sync wrote is not foreign to the pair
    removal = pairing.normalise(PAIRS, HOSTS, CLOUDS, CAT, removal=True, sync=sync + [{"source": "fabrikam_cn",
                                                                                      "target": "contoso"}])
    assert removal["problems"] == [] and len(removal["syncs"]) == 2
    sides = pairing.removal_sides("tailspin_gcch", removal["pairs"], removal["pairs"])
    side = [s for s in sides if s["partner"] == "contoso"][0]
    assert side["sync_in"] is True and side["settings"]["automatic_user_consent"] == {"inbound": True}
    entry = {"settings": {"automatic_user_consent": {"inbound": True, "outbound": False}},
             "identity_synchronization": {"user_sync_inbound": {"is_sync_allowed": True}}}
    assert "identity_synchronization" not in pairing.foreign_settings(entry, side["settings"], True)
    assert "identity_synchronization" in pairing.foreign_settings(entry, side["settings"], False)
    out = pairing.normalise(PAIRS, HOSTS, CLOUDS, CAT, sync=sync)
    tenants = dict((h, {"tenant_id": h + "-id", "cloud": CLOUDS[h]}) for h in HOSTS)
    steps = pairing.manual_steps(out["pairs"], tenants, CAT)
    checkbox = [s for e in steps for s in e["steps"] if "cross-cloud synchronization from" in s["step"]]
    assert [s["tenant"] for s in checkbox] == ["tailspin_gcch"]    # the same-cloud pair needs none
    assert "Microsoft Entra (commercial" in checkbox[0]["step"]


def test_permissions_of_a_source_and_a_target():
    source = pairing.required_permissions(has_partners=True, verify=False, sync_source=True)
    assert {"create synchronisation configurations", "run synchronisation jobs",
            "assign users to synchronisation"} <= set(source)
    reading = pairing.required_permissions(has_partners=True, verify=False, writes=False, sync_source=True)
    assert "read synchronisation jobs" in reading and "run synchronisation jobs" not in reading
    target = pairing.required_permissions(has_partners=True, verify=False, sync_target=True)
    assert "allow synchronisation into the tenant" in target and "run synchronisation jobs" not in target


SYNC = {"source": "contoso", "target": "tailspin_gcch", "name": "c to t", "started": True}
ACTIVE = {"code": "Active", "last_run": "Succeeded", "users_in_scope": 2, "error": None}


@pytest.mark.parametrize("result, check, ok, words", [
    ({"changed": False, "actions": [], "configuration": {"status": ACTIVE}}, False, True, ["ok", "job Active", "2 user"]),
    ({"changed": True, "actions": ["assigned x"], "configuration": {"status": ACTIVE}}, False, False,
     ["not as declared: would assigned x"]),
    ({"changed": True, "actions": ["created the configuration"], "configuration": {"status": None}}, True, True,
     ["not created yet"]),
    ({"actions": [], "configuration": {"status": dict(ACTIVE, code="Quarantine", error="E: no")}}, False, False,
     ["Quarantine, not running: E: no"]),
    ({"failed": False, "msg": "boom"}, False, False, ["FAILED - boom"]),
    (None, False, False, ["not read"]),
])
def test_verify_verdict_of_a_synchronisation(result, check, ok, words):
    out = pairing.sync_state(SYNC, result, check_mode=check)
    assert out["ok"] is ok, out
    for word in words:
        assert word in out["line"], out


def test_inbound_changes_only_what_was_asked():
    assert sy.inbound_changes(None, True, None) == {"userSyncInbound": {"isSyncAllowed": True}}
    assert sy.inbound_changes(None, True, "C") == {"userSyncInbound": {"isSyncAllowed": True}, "displayName": "C"}
    current = {"displayName": "C", "userSyncInbound": {"isSyncAllowed": True}}
    assert sy.inbound_changes(current, True, None) is None
    assert sy.inbound_changes(current, False, None) == {"userSyncInbound": {"isSyncAllowed": False}}
    assert sy.inbound_changes(current, True, "D") == {"displayName": "D"}


def test_secrets_compared_and_merged_keeping_what_others_set():
    wanted = sy.wanted_secrets("6BA8AF09-9774-4419-98D1-7DB643F0C384", "assigned")
    saved = {"AuthenticationType": "SyncPolicy", "CompanyId": "6BA8AF09-9774-4419-98D1-7DB643F0C384",
             "SyncAll": "false", "SyncNotificationSettings": "{\"Enabled\":true}"}
    assert sy.secrets_changes(saved, wanted) == []
    assert sy.secrets_changes(dict(saved, SyncAll="true"), wanted) == ["SyncAll"]
    merged = dict((s["key"], s["value"]) for s in sy.merged_secrets(dict(saved, SyncAll="true"), wanted))
    assert merged["SyncAll"] == "false" and merged["SyncNotificationSettings"] == "{\"Enabled\":true}"
    with pytest.raises(sy.SyncError, match="SecretToken"):
        sy.merged_secrets(dict(saved, SecretToken=sy.MASKED), wanted)


def test_friendly_status_of_a_quarantined_job():
    job = {"id": "Azure2Azure.x.y", "schedule": {"state": "Active"},
           "status": {"code": "Quarantine", "lastExecution": {"state": "Failed", "timeEnded": "t"},
                      "quarantine": {"reason": "EncounteredQuarantineException",
                                     "error": {"code": "AzureDirectoryB2BManagementPolicyCheckFailure", "message": "m"}},
                      "synchronizedEntryCountByType": []}}
    status = sy.friendly_status(job)
    assert status["started"] is True and status["code"] == "Quarantine" and status["last_run"] == "Failed"
    assert status["error"] == "AzureDirectoryB2BManagementPolicyCheckFailure: m" and status["users_in_scope"] is None
