"""Check mode and diff: every module predicts the change (changed, diff before/after) and sends no write;
info modules stay unchanged under --check; partner present never touches an existing partner's settings."""

import json

import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
US, CN = "microsoftonline.us", "partner.microsoftonline.cn"
BOTH = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                               "targetType": "application"}]}}
TRUST = {"isMfaAccepted": True, "isCompliantDeviceAccepted": True, "isHybridAzureADJoinedDeviceAccepted": False}


def _task(name, module, **args):
    return {"name": name, "entra.crosscloud." + module: args}


def _data(emulator, tenant="contoso"):
    return emulator.state(tenant)["data"]


def _invite(emulator, address):
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": address,
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})


def _domain_lists(emulator):
    policies = list(_data(emulator)["b2b_management_policies"].values())
    if not policies:
        return None
    doc = json.loads(policies[0]["definition"][0])
    lists = doc["B2BManagementPolicy"]["InvitationsAllowedAndBlockedDomainsPolicy"]
    return lists["AllowedDomains"], lists["BlockedDomains"]


# --- partner: present leaves an existing partner's settings alone ------------------------------------

@pytest.mark.parametrize("name,cloud_endpoint", [("woodgrove_gcc", None), ("tailspin_gcch", US)],
                         ids=["same-cloud", "cross-cloud"])
def test_partner_present_leaves_existing_settings_alone(run_in_place, emulator, connection, name, cloud_endpoint):
    tid = emulator.tenant(name)["id"]
    if cloud_endpoint:
        emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [cloud_endpoint]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": tid, "b2bCollaborationInbound": BOTH,
                                                              "b2bCollaborationOutbound": BOTH, "inboundTrust": TRUST})
    before = _data(emulator)["ctap"]
    run = run_in_place(play(connection("contoso"), [_task("present", "partner", partner_tenant_id=tid)]), diff=True)
    res = run.task("present")
    assert res["status"] == "ok" and res["result"]["changed"] is False, res["result"]
    assert res["result"]["diff"] == {"before": {"partner": True}, "after": {"partner": True}}
    assert res["result"]["partner"]["tenant_id"] == tid
    assert res["result"]["partner"]["b2b_collaboration_inbound"] is not None     # reported as found
    assert writes(emulator) == 0
    assert _data(emulator)["ctap"] == before


# --- check mode + diff, zero writes -------------------------------------------------------------------

def test_partner_absent_check_mode_diff(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gcc, "inboundTrust": TRUST})
    run = run_in_place(play(connection("contoso"), [_task("check", "partner", partner_tenant_id=gcc,
                                                          state="absent")]), check=True, diff=True)
    res = run.task("check")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert res["result"]["diff"] == {"before": {"partner": True}, "after": {"partner": False}}
    assert writes(emulator) == 0
    assert _data(emulator)["ctap"]["partners"][gcc]["inboundTrust"] == TRUST


def test_cloud_settings_absent_check_mode_diff(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [CN, US]})
    run = run_in_place(play(connection("contoso"), [_task("check", "cloud_settings", clouds=["china"],
                                                          state="absent")]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True, res
    assert sorted(res["diff"]["before"]["clouds"]) == ["china", "usgov"]
    assert res["diff"]["after"] == {"clouds": ["usgov"]}
    assert res["allowed_cloud_endpoints"] == [US]           # the prediction
    assert writes(emulator) == 0
    assert _data(emulator)["ctap"]["policy"]["allowedCloudEndpoints"] == [CN, US]


def test_guest_invitation_absent_check_mode_diff(run_in_place, emulator, connection):
    _invite(emulator, "pat.kim@woodgrove.gov")
    users_before = _data(emulator)["users"]
    guests = [{"email": "pat.kim@woodgrove.gov"}, {"email": "nobody@example.org"}]
    run = run_in_place(play(connection("contoso"), [{"name": "check", "entra.crosscloud.guest_invitation": {
        "guests": guests, "state": "absent"}}]), check=True, diff=True)
    res = run.task("check")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert [g["action"] for g in res["result"]["guests"]] == ["removed", "absent"]
    assert res["result"]["diff"] == {"before": {"guests": ["pat.kim@woodgrove.gov"]}, "after": {"guests": []}}
    assert writes(emulator) == 0
    assert _data(emulator)["users"] == users_before


def test_email_otp_check_mode_diff(run_in_place, emulator, connection):
    current = _data(emulator)["email_method"]["allowExternalIdToUseEmailOtp"]
    assert current != "disabled"
    run = run_in_place(play(connection("contoso"), [_task("check", "external_collaboration",
                                                          email_otp_for_guests="disabled")]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["changed_settings"] == ["email_otp_for_guests"], res
    assert res["diff"] == {"before": {"email_otp_for_guests": current}, "after": {"email_otp_for_guests": "disabled"}}
    assert writes(emulator) == 0
    assert _data(emulator)["email_method"]["allowExternalIdToUseEmailOtp"] == current


@pytest.mark.parametrize("args,before,after", [
    ({"blocked_domains": ["Outlook.com"]}, {"blocked_domains": ["live.com"]},
     {"blocked_domains": ["live.com", "outlook.com"]}),
    ({"blocked_domains": ["live.com"], "domains_state": "absent"}, {"blocked_domains": ["live.com"]},
     {"blocked_domains": []}),
    ({"allowed_domains": ["fabrikam.cn"]}, {"blocked_domains": ["live.com"]}, {"allowed_domains": ["fabrikam.cn"]}),
], ids=["add", "remove", "switch-to-allow"])
def test_domain_lists_check_mode_diff(run_in_place, emulator, connection, args, before, after):
    run = run_in_place(play(connection("contoso"), [_task("seed", "external_collaboration",
                                                          blocked_domains=["live.com"])]))
    assert run.task("seed")["result"]["changed"] is True, run.output
    seeded, lists = writes(emulator), _domain_lists(emulator)
    assert lists == ([], ["live.com"])
    run = run_in_place(play(connection("contoso"), [_task("check", "external_collaboration", **args)]),
                       check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True, res
    assert res["diff"] == {"before": before, "after": after}
    assert writes(emulator) == seeded
    assert _domain_lists(emulator) == lists


def test_access_settings_reset_check_mode(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP + "/default", {"inboundTrust": TRUST})
    default = _data(emulator)["ctap"]["default"]
    assert default["isServiceDefault"] is False
    run = run_in_place(play(connection("contoso"), [_task("reset", "access_settings", partner="default",
                                                          reset=True)]), check=True, diff=True)
    res = run.task("reset")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert writes(emulator) == 0
    assert _data(emulator)["ctap"]["default"] == default


# --- info modules under --check ---------------------------------------------------------------------

def test_guest_info_in_check_mode(run_in_place, emulator, connection):
    _invite(emulator, "pat.kim@woodgrove.gov")
    run = run_in_place(play(connection("contoso"), [
        {"name": "all", "entra.crosscloud.guest_info": {}},
        {"name": "lookup", "entra.crosscloud.guest_info": {"emails": ["pat.kim@woodgrove.gov", "nobody@x.org"]}}]),
        check=True, diff=True)
    assert run.rc == 0, run.output
    listed, lookup = run.task("all")["result"], run.task("lookup")["result"]
    assert listed["changed"] is False and [g["mail"] for g in listed["guests"]] == ["pat.kim@woodgrove.gov"]
    assert lookup["changed"] is False and lookup["not_found"] == ["nobody@x.org"]
    counts = emulator.counts()
    assert counts["graph_requests"] > 0 and counts["graph_writes"] == 0


def test_cross_tenant_access_info_in_check_mode(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gcc, "inboundTrust": TRUST})
    run = run_in_place(play(connection("contoso"), [{"name": "info", "entra.crosscloud.cross_tenant_access_info": {
        "include_domain_lists": True}}]), check=True, diff=True)
    res = run.task("info")
    assert res["status"] == "ok" and res["result"]["changed"] is False, res["result"]
    assert [p["partner"] for p in res["result"]["partners"]] == [gcc]
    assert res["result"]["partners"][0]["settings"]["inbound_trust"]["compliant_device"] is True
    assert any(e["path"].endswith("/$batch") for e in emulator.log())   # the batch of reads still ran
    assert emulator.counts()["graph_writes"] == 0
