"""What the modules' writes CONTAIN, read from the emulator's request log (`body` of each write):
a write carries only what changes, and Graph's replace-the-whole-thing properties are sent whole."""

import copy

import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
US, CN = "microsoftonline.us", "partner.microsoftonline.cn"
ALL_IN = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
          "applications": {"access": "allowed", "targets": ["all"]}}
GROUP = "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"
ALL_USERS = {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]}
ALL_APPS = {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}
TRUST = {"isMfaAccepted": True, "isCompliantDeviceAccepted": False, "isHybridAzureADJoinedDeviceAccepted": False}


def _task(name, module, **args):
    return {"name": name, "entra.crosscloud." + module: args}


def _writes(emulator):
    """(method, path, body) of every Graph write since the reset ($batch items included, outer $batch not)."""
    return [(e["method"], e["path"], e["body"]) for e in emulator.log() if e["write"]]


def _ctap(emulator, tenant="contoso"):
    return emulator.state(tenant)["data"]["ctap"]


@pytest.fixture
def gov_partner(emulator):
    """contoso has enabled US Gov and has Tailspin (GCC High) as a partner that already trusts its MFA."""
    gov = emulator.tenant("tailspin_gcch")["id"]
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [US]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gov, "inboundTrust": TRUST})
    return gov


@pytest.mark.parametrize("outbound,sent_users", [
    (ALL_IN, ALL_USERS),
    # only one half given: the other half (applications) is filled from the default, never left out
    ({"users_and_groups": {"access": "allowed", "targets": [{"group": GROUP}]}},
     {"accessType": "allowed", "targets": [{"target": GROUP, "targetType": "group"}]}),
], ids=["both-halves-given", "users-half-given"])
def test_access_settings_patch_carries_only_changed_settings_each_whole(run_in_place, emulator, connection,
                                                                        gov_partner, outbound, sent_users):
    default_apps = _ctap(emulator)["default"]["b2bCollaborationOutbound"]["applications"]
    assert default_apps == ALL_APPS          # the seed this test relies on
    args = dict(partner=gov_partner, inbound_trust={"mfa": True, "compliant_device": False,
                                                    "hybrid_joined_device": False},
                b2b_collaboration_outbound=outbound)
    run = run_in_place(play(connection("contoso"), [_task("out", "access_settings", **args)]))
    res = run.task("out")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert res["result"]["changed_settings"] == ["b2b_collaboration_outbound"]
    path = CTAP + "/partners/" + gov_partner
    expected = {"b2bCollaborationOutbound": {"usersAndGroups": sent_users, "applications": default_apps}}
    assert _writes(emulator) == [("PATCH", path, expected)]
    stored = _ctap(emulator)["partners"][gov_partner]
    assert stored["b2bCollaborationOutbound"] == expected["b2bCollaborationOutbound"]
    assert stored["inboundTrust"] == TRUST and stored["b2bCollaborationInbound"] is None


def test_access_settings_patch_sends_the_kept_half_of_an_existing_setting(run_in_place, emulator, connection,
                                                                          gov_partner):
    blocked_apps = {"accessType": "blocked", "targets": [{"target": "Office365", "targetType": "application"}]}
    emulator.as_admin("contoso", "PATCH", CTAP + "/partners/" + gov_partner,
                      {"b2bCollaborationInbound": {"usersAndGroups": ALL_USERS, "applications": blocked_apps}})
    run = run_in_place(play(connection("contoso"), [_task("users", "access_settings", partner=gov_partner,
                                                          b2b_collaboration_inbound={"users_and_groups": {
                                                              "access": "allowed", "targets": [{"group": GROUP}]}})]))
    assert run.task("users")["status"] == "ok", run.output
    group = {"accessType": "allowed", "targets": [{"target": GROUP, "targetType": "group"}]}
    assert _writes(emulator) == [("PATCH", CTAP + "/partners/" + gov_partner,
                                  {"b2bCollaborationInbound": {"usersAndGroups": group,
                                                               "applications": blocked_apps}})]
    assert _ctap(emulator)["partners"][gov_partner]["b2bCollaborationInbound"]["applications"] == blocked_apps


def test_cloud_settings_patch_sends_the_whole_merged_list(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [CN]})
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("add", "cloud_settings", clouds=["usgov"])]))
    assert run.task("add")["result"]["changed"] is True, run.output
    (method, path, body), = _writes(emulator)
    assert (method, path, list(body)) == ("PATCH", CTAP, ["allowedCloudEndpoints"])
    assert sorted(body["allowedCloudEndpoints"]) == sorted([CN, US])      # the kept cloud is sent too
    assert sorted(_ctap(emulator)["policy"]["allowedCloudEndpoints"]) == sorted([CN, US])
    run = run_in_place(play(conn, [_task("remove", "cloud_settings", clouds=["china"], state="absent")]))
    assert run.task("remove")["result"]["changed"] is True, run.output
    assert _writes(emulator)[1:] == [("PATCH", CTAP, {"allowedCloudEndpoints": [US]})]
    assert _ctap(emulator)["policy"]["allowedCloudEndpoints"] == [US]


def test_partner_post_body_is_the_tenant_id_only(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    run = run_in_place(play(connection("contoso"), [_task("add", "partner", partner_tenant_id=gcc.upper())]))
    assert run.task("add")["result"]["changed"] is True, run.output
    assert _writes(emulator) == [("POST", CTAP + "/partners", {"tenantId": gcc})]
    stored = _ctap(emulator)["partners"][gcc]
    assert stored["b2bCollaborationInbound"] is None and stored["inboundTrust"] is None   # nothing else was set


def _guest(emulator, address):
    users = [u for u in emulator.state("contoso")["data"]["users"].values() if u["mail"] == address]
    assert len(users) == 1, users
    return users[0]


def test_guest_user_type_patch_body_is_exactly_the_user_type(run_in_place, emulator, connection):
    address = "pat.kim@woodgrove.gov"
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": address,
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})
    guest = _guest(emulator, address)
    assert guest["userType"] == "Guest"
    before = copy.deepcopy(guest)
    conn = connection("contoso")
    for wanted in ("Member", "Guest"):
        seen = writes(emulator)
        run = run_in_place(play(conn, [{"name": "type", "entra.crosscloud.guest_invitation": {
            "guests": [{"email": address, "user_type": wanted}]}}]))
        res = run.task("type")
        assert res["status"] == "ok" and res["result"]["guests"][0]["action"] == "updated", res["result"]
        assert res["result"]["guests"][0]["user"]["user_type"] == wanted
        assert _writes(emulator)[seen:] == [("PATCH", "/v1.0/users/" + guest["id"], {"userType": wanted})]
        assert _guest(emulator, address)["userType"] == wanted
    after = _guest(emulator, address)
    unchanged = {k: v for k, v in before.items() if k != "userType"}
    assert {k: v for k, v in after.items() if k != "userType"} == unchanged


def test_guest_invitation_post_body(run_in_place, emulator, connection):
    guests = [{"email": "pat.kim@woodgrove.gov", "display_name": "Pat Kim"}, {"email": "li.wei@fabrikam.cn"}]
    run = run_in_place(play(connection("contoso"), [{"name": "invite", "entra.crosscloud.guest_invitation": {
        "guests": guests, "redirect_url": "https://apps.contoso.com/start"}}]))
    assert run.task("invite")["status"] == "ok", run.output
    common = {"invitedUserType": "Guest", "inviteRedirectUrl": "https://apps.contoso.com/start",
              "sendInvitationMessage": False}
    assert sorted(_writes(emulator), key=lambda w: w[2]["invitedUserEmailAddress"]) == [
        ("POST", "/v1.0/invitations", dict(common, invitedUserEmailAddress="li.wei@fabrikam.cn")),
        ("POST", "/v1.0/invitations", dict(common, invitedUserEmailAddress="pat.kim@woodgrove.gov",
                                           invitedUserDisplayName="Pat Kim"))]
