"""access_settings through ansible-playbook against the emulator."""


import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
ALL_IN = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
          "applications": {"access": "allowed", "targets": ["all"]}}


def _task(name, **args):
    return {"name": name, "entra.crosscloud.access_settings": args}


def _partner(emulator, tenant, partner):
    return emulator.state(tenant)["data"]["ctap"]["partners"][emulator.tenant(partner)["id"]]


@pytest.fixture
def gov_partner(emulator):
    """contoso has enabled US Gov and added Tailspin (GCC High) as a partner with nothing set."""
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": emulator.tenant("tailspin_gcch")["id"]})
    return emulator.tenant("tailspin_gcch")["id"]


def test_explicit_in_and_outbound_cross_cloud(run_in_place, emulator, connection, gov_partner):
    conn = connection("contoso")
    args = dict(partner=gov_partner, b2b_collaboration_inbound=ALL_IN, b2b_collaboration_outbound=ALL_IN,
                inbound_trust={"mfa": True})
    run = run_in_place(play(conn, [_task("check", **args)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and writes(emulator) == 0
    assert res["changed_settings"] == ["b2b_collaboration_inbound", "b2b_collaboration_outbound", "inbound_trust"]
    assert res["diff"]["before"]["inbound_trust"] is None
    assert res["diff"]["after"]["inbound_trust"] == {"mfa": True, "compliant_device": False,
                                                     "hybrid_joined_device": False}
    run = run_in_place(play(conn, [_task("apply", **args), _task("again", **args)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed"] is True and run.task("apply")["result"]["cross_cloud"] is True
    assert run.task("again")["result"]["changed"] is False
    assert writes(emulator) == 1
    stored = _partner(emulator, "contoso", "tailspin_gcch")
    assert stored["b2bCollaborationInbound"]["applications"]["targets"] == [
        {"target": "AllApplications", "targetType": "application"}]
    assert stored["inboundTrust"] == {"isMfaAccepted": True, "isCompliantDeviceAccepted": False,
                                      "isHybridAzureADJoinedDeviceAccepted": False}
    # redemption now works once the other side mirrors it
    emulator.as_admin("tailspin_gcch", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.com"]})
    both = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
            "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                                   "targetType": "application"}]}}
    emulator.as_admin("tailspin_gcch", "POST", CTAP + "/partners", {
        "tenantId": emulator.tenant("contoso")["id"], "b2bCollaborationInbound": both, "b2bCollaborationOutbound": both})
    emulator.as_admin("contoso", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": "jordan.ellis@tailspin-defense.us",
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})
    verdict = emulator.admin("POST", "/_emulator/redeem", {"resource_tenant": emulator.tenant("contoso")["id"],
                                                           "address": "jordan.ellis@tailspin-defense.us"})
    assert verdict["allowed"] is True, verdict


def test_only_named_settings_are_touched(run_in_place, emulator, connection, gov_partner):
    emulator.as_admin("contoso", "PATCH", CTAP + "/partners/" + gov_partner, {"inboundTrust": {
        "isMfaAccepted": True, "isCompliantDeviceAccepted": True, "isHybridAzureADJoinedDeviceAccepted": False}})
    run = run_in_place(play(connection("contoso"), [_task("out", partner=gov_partner,
                                                          b2b_collaboration_outbound=ALL_IN)]))
    assert run.rc == 0, run.output
    stored = _partner(emulator, "contoso", "tailspin_gcch")
    assert stored["inboundTrust"]["isCompliantDeviceAccepted"] is True      # untouched
    assert stored["b2bCollaborationInbound"] is None                       # untouched (still inherits)
    patches = [e for e in emulator.log() if e["method"] == "PATCH"]
    assert len(patches) == 1
    # an unset setting of a cross-cloud partner inherits the default (Microsoft's cross-cloud guide): no warning
    assert not any("inherit" in w for w in run.task("out")["result"].get("warnings") or [])


def test_half_setting_keeps_the_other_half(run_in_place, emulator, connection, gov_partner):
    conn = connection("contoso")
    run_in_place(play(conn, [_task("both", partner=gov_partner, b2b_collaboration_inbound=ALL_IN)]))
    group = "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"
    run = run_in_place(play(conn, [_task("users only", partner=gov_partner, b2b_collaboration_inbound={
        "users_and_groups": {"access": "allowed", "targets": [{"group": group}]}})]))
    assert run.rc == 0, run.output
    stored = _partner(emulator, "contoso", "tailspin_gcch")["b2bCollaborationInbound"]
    assert stored["usersAndGroups"]["targets"] == [{"target": group, "targetType": "group"}]
    assert stored["applications"]["targets"][0]["target"] == "AllApplications"


def test_inherit_resets_explicitly(run_in_place, emulator, connection, gov_partner):
    conn = connection("contoso")
    run_in_place(play(conn, [_task("trust", partner=gov_partner, inbound_trust={"mfa": True})]))
    run = run_in_place(play(conn, [_task("inherit", partner=gov_partner, inherit=["inbound_trust"]),
                                   _task("again", partner=gov_partner, inherit=["inbound_trust"])]))
    assert run.task("inherit")["result"]["changed"] is True
    assert run.task("again")["result"]["changed"] is False
    assert _partner(emulator, "contoso", "tailspin_gcch")["inboundTrust"] is None


def test_default_patch_and_reset(run_in_place, emulator, connection):
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("trust", partner="default", inbound_trust={"mfa": True}),
                                   _task("reset check", partner="default", reset=True)]))
    assert run.task("trust")["result"]["changed"] is True
    assert run.task("reset check")["result"]["changed"] is True
    default = emulator.state("contoso")["data"]["ctap"]["default"]
    assert default["isServiceDefault"] is True and default["inboundTrust"]["isMfaAccepted"] is False
    run = run_in_place(play(conn, [_task("reset again", partner="default", reset=True)]))
    assert run.task("reset again")["result"]["changed"] is False


@pytest.mark.parametrize("args,needle", [
    ({"b2b_direct_connect_outbound": ALL_IN}, "not supported across Microsoft clouds"),
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "blocked", "targets": ["all"]},
                                    "applications": {"access": "allowed", "targets": ["all"]}}},
     "blocking all users requires blocking all applications"),
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "allowed", "targets": ["all"]},
                                    "applications": {"access": "blocked", "targets": ["all"]}}},
     "allow at least one application"),
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "allowed",
                                                         "targets": ["2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"]}}},
     "use 'all', {user: <object id>} or {group: <object id>}"),
    ({"b2b_collaboration_inbound": {"applications": {"access": "allowed", "targets": ["teams"]}}},
     "or an application (client) ID"),
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "permitted"}}}, "allowed, blocked"),
    ({"b2b_collaboration_inbound": ALL_IN, "inherit": ["b2b_collaboration_inbound"]}, "either inherits or is set"),
    ({"reset": True}, "reset: true is for partner: default alone"),
    ({}, "nothing to do"),
])
def test_bad_input_before_any_write(run_in_place, emulator, connection, gov_partner, args, needle):
    run = run_in_place(play(connection("contoso"), [_task("bad", partner=gov_partner, **args)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert writes(emulator) == 0


def test_check_mode_plans_a_partner_an_earlier_task_would_add(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    args = dict(partner=gcc, b2b_collaboration_inbound=ALL_IN, inbound_trust={"mfa": True})
    run = run_in_place(play(connection("contoso"), [_task("planned", **args)]), check=True, diff=True)
    res = run.task("planned")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert res["result"]["changed_settings"] == ["b2b_collaboration_inbound", "inbound_trust"]
    assert res["result"]["diff"]["before"]["b2b_collaboration_inbound"] is None
    assert any("check mode: assuming an earlier task adds it" in w for w in res["result"]["warnings"])
    assert writes(emulator) == 0


@pytest.mark.parametrize("args,needle", [
    ({"automatic_user_consent": {"inbound": True}}, "read-only there"),
    ({"inherit": ["inbound_trust"]}, "inherit applies to partners only"),
])
def test_default_refuses_partner_only_options(run_in_place, emulator, connection, args, needle):
    run = run_in_place(play(connection("contoso"), [_task("bad", partner="default", **args)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert writes(emulator) == 0


def test_unknown_partner_fails_with_zero_writes(run_in_place, emulator, connection):
    """A partner that is not there: failed, the fix named, nothing written or created."""
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    run = run_in_place(play(connection("contoso"), [_task("missing", partner=gcc, partner_cloud="global",
                                                          b2b_collaboration_inbound=ALL_IN,
                                                          replication_wait=2)]))
    res = run.task("missing")
    assert res["status"] == "failed", res["result"]
    assert "partner %s is not a partner organisation" % gcc in res["result"]["msg"]
    assert "add it first with entra.crosscloud.partner (partner_tenant_id: %s)" % gcc in res["result"]["msg"]
    assert res["result"].get("changed") is not True
    assert writes(emulator) == 0
    assert emulator.state("contoso")["data"]["ctap"]["partners"] == {}


# ---- tenant restrictions and the invitation redemption order ---------------------------------------

OFFICE_ONLY = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
               "applications": {"access": "allowed", "targets": ["office365"]}}


def test_tenant_restrictions_on_a_partner_check_apply_idempotent(run_in_place, emulator, connection, gov_partner):
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("check", partner=gov_partner, tenant_restrictions=OFFICE_ONLY)]),
                       check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["changed_settings"] == ["tenant_restrictions"] and writes(emulator) == 0
    assert res["diff"] == {"before": {"tenant_restrictions": None}, "after": {"tenant_restrictions": OFFICE_ONLY}}
    run = run_in_place(play(conn, [_task("apply", partner=gov_partner, tenant_restrictions=OFFICE_ONLY),
                                   _task("again", partner=gov_partner, tenant_restrictions=OFFICE_ONLY),
                                   # one half given: the other keeps what the partner has
                                   _task("users", partner=gov_partner, tenant_restrictions={
                                       "users_and_groups": {"access": "blocked", "targets": ["all"]},
                                       "applications": {"access": "blocked", "targets": ["all"]}})]))
    assert run.rc == 0, run.output
    assert run.task("again")["result"]["changed"] is False
    entry = _partner(emulator, "contoso", "tailspin_gcch")
    assert entry["tenantRestrictions"]["usersAndGroups"]["accessType"] == "blocked"
    assert entry["b2bCollaborationInbound"] is None and entry["inboundTrust"] is None     # not named: untouched
    assert run.task("users")["result"]["settings"]["tenant_restrictions"]["users_and_groups"]["access"] == "blocked"
    assert writes(emulator) == 2


def test_tenant_restrictions_refused_before_any_request_when_inconsistent(
        run_in_place, emulator, connection, gov_partner):
    bad = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
           "applications": {"access": "blocked", "targets": ["all"]}}
    run = run_in_place(play(connection("contoso"), [_task("bad", partner=gov_partner, tenant_restrictions=bad)]))
    assert "tenant_restrictions: users are allowed but every application is blocked" in run.task("bad")["result"]["msg"]
    assert writes(emulator) == 0


def test_invitation_redemption_order_on_the_default(run_in_place, emulator, connection):
    conn = connection("contoso")
    order = {"primary_identity_providers": ["external_federation", "entra_id"],
             "fallback_identity_provider": "email_one_time_passcode"}
    run = run_in_place(play(conn, [_task("check", partner="default", invitation_redemption=order)]),
                       check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed_settings"] == ["invitation_redemption"] and writes(emulator) == 0
    assert res["diff"]["before"]["invitation_redemption"] == {
        "primary_identity_providers": ["entra_id", "external_federation", "social_identity_providers"],
        "fallback_identity_provider": "default_configured_idp"}
    run = run_in_place(play(conn, [
        _task("apply", partner="default", invitation_redemption=order),
        _task("again", partner="default", invitation_redemption=order),
        # the same providers in another order is another setting
        _task("reorder", partner="default", invitation_redemption={
            "primary_identity_providers": ["entra_id", "external_federation"]}),
        _task("fallback only", partner="default", invitation_redemption={
            "fallback_identity_provider": "microsoft_account"})]))
    assert run.rc == 0, run.output
    assert run.task("again")["result"]["changed"] is False and run.task("reorder")["result"]["changed"] is True
    idp = emulator.state("contoso")["data"]["ctap"]["default"]["invitationRedemptionIdentityProviderConfiguration"]
    assert idp == {"primaryIdentityProviderPrecedenceOrder": ["azureActiveDirectory", "externalFederation"],
                   "fallbackIdentityProvider": "microsoftAccount"}
    assert writes(emulator) == 3


@pytest.mark.parametrize("partner,redemption,needle", [
    ("partner", {"fallback_identity_provider": "microsoft_account"},
     "invitation_redemption applies to the default only"),
    ("default", {"primary_identity_providers": []}, "primary_identity_providers: [] names no identity provider"),
    ("default", {"primary_identity_providers": ["entra_id", "entra_id"]}, "lists a provider twice"),
    ("default", {}, "names neither primary_identity_providers nor fallback_identity_provider"),
])
def test_invitation_redemption_bad_input_before_any_request(
        run_in_place, emulator, connection, partner, redemption, needle):
    target = emulator.tenant("tailspin_gcch")["id"] if partner == "partner" else "default"
    run = run_in_place(play(connection("contoso"), [_task("bad", partner=target, invitation_redemption=redemption)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]
    assert "Fix:" in res["result"]["msg"]
    assert emulator.counts()["total"] == 0
