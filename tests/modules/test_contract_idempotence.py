"""Idempotence proven by the emulator's write count: the first run writes exactly what it must, a re-run of
the same task reports changed=false AND sends no write at all."""

import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
US, CN = "microsoftonline.us", "partner.microsoftonline.cn"
TRUST = {"isMfaAccepted": True, "isCompliantDeviceAccepted": True, "isHybridAzureADJoinedDeviceAccepted": False}


def _task(module, **args):
    return {"name": "task", "entra.crosscloud." + module: args}


def _twice(run_in_place, emulator, conn, task, first_writes):
    """Run `task` twice (two playbook runs); return the emulator state after each and both results."""
    first = run_in_place(play(conn, [task])).task("task")
    assert first["status"] == "ok" and first["result"]["changed"] is True, first["result"]
    assert writes(emulator) == first_writes, emulator.log()
    second = run_in_place(play(conn, [task])).task("task")
    assert second["status"] == "ok" and second["result"]["changed"] is False, second["result"]
    assert writes(emulator) == first_writes         # the re-run sent nothing
    return first["result"], second["result"]


def _data(emulator, tenant="contoso"):
    return emulator.state(tenant)["data"]


def test_partner_present_rerun(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    _twice(run_in_place, emulator, connection("contoso"), _task("partner", partner_tenant_id=gcc), 1)
    assert list(_data(emulator)["ctap"]["partners"]) == [gcc]


def test_partner_absent_rerun(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gcc})
    _twice(run_in_place, emulator, connection("contoso"), _task("partner", partner_tenant_id=gcc, state="absent"), 1)
    assert _data(emulator)["ctap"]["partners"] == {}


def test_cloud_settings_absent_rerun(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [CN, US]})
    _twice(run_in_place, emulator, connection("contoso"), _task("cloud_settings", clouds=["china"], state="absent"), 1)
    assert _data(emulator)["ctap"]["policy"]["allowedCloudEndpoints"] == [US]


def test_access_settings_inherit_rerun(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [US]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gov, "inboundTrust": TRUST})
    first, second = _twice(run_in_place, emulator, connection("contoso"),
                           _task("access_settings", partner=gov, inherit=["inbound_trust"]), 1)
    assert first["changed_settings"] == ["inbound_trust"] and second["changed_settings"] == []
    assert [e["body"] for e in emulator.log() if e["write"]] == [{"inboundTrust": None}]
    assert _data(emulator)["ctap"]["partners"][gov]["inboundTrust"] is None


def test_access_settings_reset_rerun(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP + "/default", {"inboundTrust": TRUST})
    assert _data(emulator)["ctap"]["default"]["isServiceDefault"] is False
    _twice(run_in_place, emulator, connection("contoso"), _task("access_settings", partner="default", reset=True), 1)
    default = _data(emulator)["ctap"]["default"]
    assert default["isServiceDefault"] is True and default["inboundTrust"]["isMfaAccepted"] is False
    assert [e["path"] for e in emulator.log() if e["write"]] == [CTAP + "/default/resetToSystemDefault"]


def test_email_otp_rerun(run_in_place, emulator, connection):
    _twice(run_in_place, emulator, connection("contoso"), _task("external_collaboration",
                                                                email_otp_for_guests="disabled"), 1)
    assert _data(emulator)["email_method"]["allowExternalIdToUseEmailOtp"] == "disabled"


@pytest.mark.parametrize("args,expected", [
    ({"blocked_domains": ["live.com", "Outlook.com"]}, ["live.com", "outlook.com"]),
    ({"blocked_domains": ["live.com"], "domains_state": "absent"}, ["outlook.com"]),
    ({"blocked_domains": ["example.com"], "domains_exclusive": True}, ["example.com"]),
], ids=["add", "remove", "exclusive"])
def test_domain_lists_rerun(run_in_place, emulator, connection, args, expected):
    conn = connection("contoso")
    seeded = 0
    if args.get("domains_state") or args.get("domains_exclusive"):
        run = run_in_place(play(conn, [_task("external_collaboration", blocked_domains=["live.com", "outlook.com"])]))
        assert run.task("task")["result"]["changed"] is True, run.output
        seeded = writes(emulator)
        assert seeded == 1
    _twice(run_in_place, emulator, conn, _task("external_collaboration", **args), seeded + 1)
    policies = list(_data(emulator)["b2b_management_policies"].values())
    assert len(policies) == 1 and all(d in policies[0]["definition"][0] for d in expected)
    assert [(e["method"], e["path"].rsplit("/", 1)[0]) for e in emulator.log() if e["write"]][1:] == (
        [("PATCH", "/beta/policies/b2bManagementPolicies")] * seeded)


def test_guest_removal_rerun(run_in_place, emulator, connection):
    for address in ("pat.kim@woodgrove.gov", "li.wei@fabrikam.cn"):
        emulator.as_admin("contoso", "POST", "/v1.0/invitations",
                          {"invitedUserEmailAddress": address, "inviteRedirectUrl": "https://myapps.microsoft.com"})
    guests = [{"email": "pat.kim@woodgrove.gov"}, {"email": "li.wei@fabrikam.cn"}, {"email": "nobody@example.org"}]
    first, second = _twice(run_in_place, emulator, connection("contoso"),
                           _task("guest_invitation", guests=guests, state="absent"), 2)
    assert [g["action"] for g in first["guests"]] == ["removed", "removed", "absent"]
    assert [g["action"] for g in second["guests"]] == ["absent", "absent", "absent"]
    assert sorted(e["method"] for e in emulator.log() if e["write"]) == ["DELETE", "DELETE"]
    assert not [u for u in _data(emulator)["users"].values() if u["userType"] == "Guest"]


def test_guest_invitation_rerun(run_in_place, emulator, connection):
    guests = [{"email": "pat.kim@woodgrove.gov"}, {"email": "li.wei@fabrikam.cn", "user_type": "Member"}]
    first, second = _twice(run_in_place, emulator, connection("contoso"), _task("guest_invitation", guests=guests), 2)
    assert [g["action"] for g in second["guests"]] == ["exists", "exists"]
