"""conditional_access against the emulator: check mode, diff, idempotence by display name, an admin's other
conditions kept, the untrusted-MFA warning, deletion, bad input before any request, Graph's 1-a-second limit."""

import pytest

from tests.integration.helpers import play

WOODGROVE = "aed2310d-0acd-4282-918b-c95ecdc95344"
NAME = "Partner guests: MFA"
PATH = "/v1.0/identity/conditionalAccess/policies"


def _task(name, **args):
    args.setdefault("display_name", NAME)
    return {"name": name, "entra.crosscloud.conditional_access": args}


def _policies(emulator):
    return list(emulator.state("contoso")["data"]["ca_policies"].values())


def _partner(emulator, mfa):
    emulator.as_admin("contoso", "POST", "/v1.0/policies/crossTenantAccessPolicy/partners",
                      {"tenantId": WOODGROVE, "inboundTrust": {"isMfaAccepted": mfa, "isCompliantDeviceAccepted": False,
                                                               "isHybridAzureADJoinedDeviceAccepted": False}})


def test_create_check_apply_rerun_update_delete(run_in_place, emulator, connection):
    conn = connection("contoso")
    _partner(emulator, True)
    run = run_in_place(play(conn, [_task("check", partners=[WOODGROVE.upper()])]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["action"] == "created" and res["changed"] is True and res["untrusted_mfa"] == []
    assert res["diff"]["before"] is None and res["diff"]["after"]["policy_state"] == "report_only"
    assert _policies(emulator) == []
    run = run_in_place(play(conn, [_task("apply", partners=[WOODGROVE]), _task("again", partners=[WOODGROVE])]))
    assert run.rc == 0, run.output
    assert run.task("again")["result"]["action"] == "unchanged"
    (policy,) = _policies(emulator)
    assert policy["state"] == "enabledForReportingButNotEnforced"
    assert policy["conditions"]["users"]["includeGuestsOrExternalUsers"] == {
        "guestOrExternalUserTypes": "b2bCollaborationGuest,b2bCollaborationMember",
        "externalTenants": {"@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
                            "membershipKind": "enumerated", "members": [WOODGROVE]}}
    assert policy["grantControls"] == {"operator": "OR", "builtInControls": ["mfa"]}
    # an admin excludes a break-glass account: kept when the module changes the controls and state
    people = dict(policy["conditions"]["users"], excludeUsers=["11111111-2222-3333-4444-555555555555"])
    conditions = dict(policy["conditions"], users=people)
    emulator.as_admin("contoso", "PATCH", PATH + "/" + policy["id"], {"conditions": conditions})
    run = run_in_place(play(conn, [_task("enforce", partners=[WOODGROVE], require=["mfa", "compliant_device"],
                                         policy_state="enabled")]), diff=True)
    res = run.task("enforce")["result"]
    assert res["action"] == "updated" and res["diff"]["after"]["require"] == ["mfa", "compliant_device"]
    (policy,) = _policies(emulator)
    assert policy["state"] == "enabled" and policy["grantControls"]["operator"] == "AND"
    assert policy["conditions"]["users"]["excludeUsers"] == ["11111111-2222-3333-4444-555555555555"]
    run = run_in_place(play(conn, [_task("delete", state="absent"), _task("delete again", state="absent")]))
    assert run.task("delete")["result"]["action"] == "deleted"
    assert run.task("delete again")["result"]["action"] == "absent" and _policies(emulator) == []


def test_warns_when_the_partners_mfa_is_not_trusted(run_in_place, emulator, connection):
    _partner(emulator, False)
    run = run_in_place(play(connection("contoso"), [_task("apply", partners=[WOODGROVE])]), check=True)
    res = run.task("apply")["result"]
    assert res["untrusted_mfa"] == [WOODGROVE]
    assert any(WOODGROVE in w and "inbound_trust" in w for w in res["warnings"])
    run = run_in_place(play(connection("contoso"), [_task("device", partners=[WOODGROVE],
                                                          require=["compliant_device"])]), check=True)
    assert run.task("device")["result"]["untrusted_mfa"] == []     # no MFA asked: nothing to warn about


def test_two_policies_with_the_name_refused(run_in_place, emulator, connection):
    run_in_place(play(connection("contoso"), [_task("apply", partners=[WOODGROVE])]))
    (policy,) = _policies(emulator)
    body = dict((k, policy[k]) for k in ("displayName", "state", "conditions", "grantControls"))
    emulator.as_admin("contoso", "POST", PATH, body)
    run = run_in_place(play(connection("contoso"), [_task("again", partners=[WOODGROVE])]))
    msg = run.task("again")["result"]["msg"]
    assert "2 Conditional Access policies are named" in msg and "Fix:" in msg
    assert len(_policies(emulator)) == 2


@pytest.mark.parametrize("args,needle", [
    ({"partners": ["contoso.com"]}, "partners[0] 'contoso.com' is not a tenant ID"),
    ({}, "partners is required with state: present"),
    ({"partners": [WOODGROVE], "require": []}, "require is empty"),
    ({"partners": [WOODGROVE], "display_name": "  "}, "display_name is empty"),
])
def test_bad_input_before_any_request(run_in_place, emulator, connection, args, needle):
    run = run_in_place(play(connection("contoso"), [_task("bad", **args)]))
    assert needle in run.task("bad")["result"]["msg"]
    assert emulator.counts()["total"] == 0


def test_a_create_cut_off_while_the_policy_is_invisible_makes_one_policy(run_in_place, emulator, connection):
    # the POST is applied and its answer lost, and the new policy stays invisible for 3 s: sending it again at
    # once would make a second policy of the same name (Graph does not refuse one)
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 3})
    emulator.faults({"host": "graph", "method": "POST", "path": "conditionalAccess/policies$", "status": 503,
                     "when": "after", "times": 1})
    run = run_in_place(play(connection("contoso"), [_task("apply", partners=[WOODGROVE], replication_wait=10)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["action"] == "created" and len(_policies(emulator)) == 1
    posts = [e["status"] for e in emulator.log() if e["method"] == "POST" and e["path"].endswith("/policies")]
    # the cut-off POST first; sent again (after throttling, if any) only when it had not been applied
    assert posts[0] == 503 and posts.count(201) == (0 if posts[-1] == 503 else 1), posts
