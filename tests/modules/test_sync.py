"""sync_inbound and sync_configuration against the emulator: cross-tenant synchronization from contoso
(commercial) into tailspin_gcch (GCC High), the direction of Microsoft's tutorial. Check mode writes nothing,
diff, idempotence, the job started and paused, deletion; a refused connection test saves nothing; directions
Microsoft does not support and bad input are refused before any request."""

import pytest

from tests.integration.helpers import play

POLICY = "/v1.0/policies/crossTenantAccessPolicy"
ADELE = "adele.vance@contoso.com"
NAME = "Contoso to Tailspin"


def _ids(emulator):
    return emulator.tenant("contoso")["id"], emulator.tenant("tailspin_gcch")["id"]


def _pair(emulator, source_outbound=True, target_inbound=True):
    """Both tenants know each other (cloud settings, partner entries) with automatic redemption as asked."""
    contoso, tailspin = _ids(emulator)
    for tenant, endpoint, partner, consent in (
            ("contoso", "microsoftonline.us", tailspin, {"outboundAllowed": source_outbound}),
            ("tailspin_gcch", "microsoftonline.com", contoso, {"inboundAllowed": target_inbound})):
        emulator.as_admin(tenant, "PATCH", POLICY, {"allowedCloudEndpoints": [endpoint]})
        emulator.as_admin(tenant, "POST", POLICY + "/partners",
                          {"tenantId": partner, "automaticUserConsentSettings": consent})


def _inbound(name, **args):
    return {"name": name, "entra.crosscloud.sync_inbound": args}


def _config(task_name, **args):
    args.setdefault("name", NAME)
    return {"name": task_name, "entra.crosscloud.sync_configuration": args}


def _seq(emulator):
    """The log's last sequence number: counts(since=...) then covers what came after."""
    log = emulator.log()
    return log[-1]["seq"] if log else 0


def _sync_policy(emulator, tenant, partner):
    return emulator.state(tenant)["data"]["ctap"]["identity_sync"].get(partner)


def test_inbound_check_apply_rerun_update_delete(run_in_place, emulator, connection):
    contoso, _tailspin = _ids(emulator)
    _pair(emulator)
    conn = connection("tailspin_gcch")
    args = {"partner_tenant_id": contoso.upper(), "partner_cloud": "global", "display_name": "Contoso"}
    run = run_in_place(play(conn, [_inbound("check", **args)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["action"] == "created" and res["changed"] is True
    assert res["diff"] == {"before": None, "after": {"allow_user_sync": True, "display_name": "Contoso"}}
    assert emulator.counts()["graph_writes"] == 0 and _sync_policy(emulator, "tailspin_gcch", contoso) is None
    run = run_in_place(play(conn, [_inbound("apply", **args), _inbound("again", **args)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["action"] == "created"
    assert run.task("again")["result"]["changed"] is False
    assert _sync_policy(emulator, "tailspin_gcch", contoso) == {
        "displayName": "Contoso", "userSyncInbound": {"isSyncAllowed": True}}
    # the name is not given: left as it is; only the flag changes
    run = run_in_place(play(conn, [_inbound("stop", partner_tenant_id=contoso, allow_user_sync=False)]), diff=True)
    res = run.task("stop")["result"]
    assert res["action"] == "updated" and res["diff"]["after"] == {"allow_user_sync": False, "display_name": "Contoso"}
    assert _sync_policy(emulator, "tailspin_gcch", contoso)["userSyncInbound"] == {"isSyncAllowed": False}
    run = run_in_place(play(conn, [_inbound("delete", partner_tenant_id=contoso, state="absent"),
                                   _inbound("delete again", partner_tenant_id=contoso, state="absent")]))
    assert run.task("delete")["result"]["action"] == "deleted"
    assert run.task("delete again")["result"]["action"] == "absent"
    assert _sync_policy(emulator, "tailspin_gcch", contoso) is None


def test_inbound_needs_the_partner_and_a_supported_direction(run_in_place, emulator, connection):
    contoso, _tailspin = _ids(emulator)
    conn = connection("tailspin_gcch", replication_wait=2)
    run = run_in_place(play(conn, [dict(_inbound("no partner", partner_tenant_id=contoso), ignore_errors=True)]))
    msg = run.task("no partner")["result"]["msg"]
    assert "is not a partner" in msg and "Fix:" in msg and emulator.counts()["graph_writes"] == 0
    run = run_in_place(play(conn, [_inbound("predicted", partner_tenant_id=contoso)]), check=True)
    res = run.task("predicted")["result"]
    assert res["action"] == "created" and any("not a partner yet" in str(w) for w in res["warnings"])
    since = _seq(emulator)
    run = run_in_place(play(conn, [dict(_inbound("china", partner_tenant_id=contoso, partner_cloud="china"),
                                        ignore_errors=True)]))
    msg = run.task("china")["result"]["msg"]
    assert "not supported by Microsoft" in msg and "partner_cloud 'china'" in msg
    assert emulator.counts(since)["total"] == 0


def test_configuration_created_tested_started_then_idempotent_paused_deleted(run_in_place, emulator, connection):
    contoso, tailspin = _ids(emulator)
    _pair(emulator)
    run_in_place(play(connection("tailspin_gcch"), [_inbound("allow", partner_tenant_id=contoso)]))
    conn = connection("contoso")
    # a dynamic group may be assigned (Microsoft: static or dynamic), unlike for member changes
    args = {"target_tenant_id": tailspin, "target_cloud": "usgov", "users": [ADELE], "groups": ["sales (DYNAMIC)"]}
    since = emulator.counts()["graph_writes"]
    run = run_in_place(play(conn, [_config("check", **args)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["actions"] == [
        "created the configuration", "created the job", "saved AuthenticationType, CompanyId, SyncAll",
        "assigned " + ADELE, "assigned sales (DYNAMIC)", "started the job"]
    assert res["diff"]["before"] is None and res["diff"]["after"]["target_tenant_id"] == tailspin
    assert emulator.counts()["graph_writes"] == since
    run = run_in_place(play(conn, [_config("apply", **args), _config("again", **args)]), diff=True)
    assert run.rc == 0, run.output
    res = run.task("apply")["result"]
    assert res["actions"][-1] == "started the job"
    status = res["configuration"]["status"]
    assert status["code"] == "Active" and status["last_run"] == "Succeeded" and status["users_in_scope"] >= 1
    assert len(res["configuration"]["assigned"]) == 2
    again = run.task("again")["result"]
    assert again["changed"] is False and again["actions"] == [] and again["diff"]["before"] == again["diff"]["after"]
    sp_id = res["configuration"]["id"]
    secrets = emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/secrets" % sp_id).json()
    assert {s["key"]: s["value"] for s in secrets["value"]} == {
        "AuthenticationType": "SyncPolicy", "CompanyId": tailspin, "SyncAll": "false"}
    run = run_in_place(play(conn, [_config("pause", started=False, **args)]))
    res = run.task("pause")["result"]
    assert res["actions"] == ["paused the job"] and res["configuration"]["status"]["code"] == "Paused"
    run = run_in_place(play(conn, [_config("delete", state="absent"), _config("delete again", state="absent")]))
    assert run.task("delete")["result"]["changed"] is True
    assert run.task("delete again")["result"]["changed"] is False
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + sp_id).status_code == 404


def test_a_refused_connection_test_saves_nothing_and_names_the_fix(run_in_place, emulator, connection):
    _contoso, tailspin = _ids(emulator)
    _pair(emulator, target_inbound=False)        # and the target never allowed synchronisation
    conn = connection("contoso", replication_wait=2)
    run = run_in_place(play(conn, [dict(_config("apply", target_tenant_id=tailspin, target_cloud="usgov",
                                                users=[ADELE]), ignore_errors=True)]))
    res = run.task("apply")["result"]
    assert "connection test to target tenant %s failed" % tailspin in res["msg"]
    assert "entra.crosscloud.sync_inbound" in res["msg"] and "cross-cloud synchronization checkbox" in res["msg"]
    assert res["actions"] == ["created the configuration", "created the job"]
    sp_id = [a for a in emulator.graph("contoso", "GET", "/servicePrincipals").json()["value"]
             if a["displayName"] == NAME][0]["id"]
    secrets = emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/secrets" % sp_id).json()
    assert secrets["value"] == []


@pytest.mark.parametrize("args, words", [
    ({"target_tenant_id": "tailspin"}, ["target_tenant_id 'tailspin' is not a tenant ID", "Fix:"]),
    ({"users": [ADELE, ADELE.upper()]}, ["users[1]", "listed twice"]),
    ({"users": ["adele"]}, ["users[0] 'adele' is neither a user principal name nor an object ID"]),
    ({"name": " "}, ["name is empty", "Fix:"]),
    ({"target_cloud": "mars"}, ["target_cloud", "unknown cloud 'mars'"]),
])
def test_bad_configuration_input_refused_before_any_request(run_in_place, emulator, connection, args, words):
    _contoso, tailspin = _ids(emulator)
    task = dict(_config("bad", **dict({"target_tenant_id": tailspin}, **args)), ignore_errors=True)
    run = run_in_place(play(connection("contoso"), [task]))
    msg = run.task("bad")["result"]["msg"]
    for word in words:
        assert word in msg, msg
    assert emulator.counts()["total"] == 0


def test_unsupported_direction_and_guests_refused(run_in_place, emulator, connection):
    _contoso, tailspin = _ids(emulator)
    china = emulator.tenant("fabrikam_cn")["id"]
    run = run_in_place(play(connection("tailspin_gcch"), [dict(_config("us to china", target_tenant_id=china,
                                                                       target_cloud="china"), ignore_errors=True)]))
    assert "not supported by Microsoft" in run.task("us to china")["result"]["msg"]
    assert emulator.counts()["total"] == 0
    # a guest of the source tenant cannot be synchronised: refused before any write
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": "pat.kim@woodgrove.gov",
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})
    guest = emulator.as_admin("contoso", "GET", "/v1.0/users?$filter=mail eq 'pat.kim@woodgrove.gov'")
    upn = guest["body"]["value"][0]["userPrincipalName"]
    run = run_in_place(play(connection("contoso"), [dict(_config("guest", target_tenant_id=tailspin, users=[upn]),
                                                         ignore_errors=True)]))
    msg = run.task("guest")["result"]["msg"]
    assert "is a guest here" in msg and emulator.counts()["graph_writes"] == 0


def test_two_configurations_of_the_name_are_refused_and_absent_deletes_both(run_in_place, emulator, connection):
    _contoso, tailspin = _ids(emulator)
    for _copy in range(2):
        emulator.as_admin("contoso", "POST", "/v1.0/applicationTemplates/518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
                          "/instantiate", {"displayName": NAME})
    conn = connection("contoso")
    run = run_in_place(play(conn, [dict(_config("apply", target_tenant_id=tailspin), ignore_errors=True)]))
    msg = run.task("apply")["result"]["msg"]
    assert "2 cross-tenant synchronization configurations are named" in msg and "Fix:" in msg
    assert emulator.counts()["graph_writes"] == 0
    run = run_in_place(play(conn, [_config("check", state="absent")]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and len(res["actions"]) == 2 and len(res["diff"]["before"]) == 2
    assert emulator.counts()["graph_writes"] == 0
    run = run_in_place(play(conn, [_config("delete", state="absent")]))
    assert run.task("delete")["result"]["changed"] is True
    assert emulator.state("contoso")["data"]["sync"]["applications"] == {}
