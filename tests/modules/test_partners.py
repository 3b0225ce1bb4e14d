"""partners (a tenant's whole partner list in one task) through ansible-playbook against the emulator."""

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
ALL = {"users_and_groups": {"access": "allowed"}, "applications": {"access": "allowed"}}
BLOCK_ALL = {"users_and_groups": {"access": "blocked"}, "applications": {"access": "blocked"}}


def _task(name, **args):
    return {"name": name, "entra.crosscloud.partners": args}


def _stored(emulator, tenant):
    return emulator.state(tenant)["data"]["ctap"]["partners"]


def _enable(emulator, tenant, *endpoints):
    emulator.as_admin(tenant, "PATCH", CTAP, {"allowedCloudEndpoints": list(endpoints)})


def _hub_entries(emulator, **settings):
    return [dict({"tenant_id": emulator.tenant(name)["id"], "cloud": cloud}, **settings)
            for name, cloud in (("tailspin_gcch", "usgov"), ("fabrikam_cn", "china"))]


def _graph_writes(emulator, since=0):
    """Writes as Graph sees them: each $batch item counts (the emulator logs items as their own entries)."""
    return [e for e in emulator.log(since) if e["write"]]


def test_whole_list_in_one_task_check_apply_idempotent(run_in_place, emulator, connection):
    _enable(emulator, "contoso", "microsoftonline.us", "partner.microsoftonline.cn")
    conn = connection("contoso")
    entries = _hub_entries(emulator, b2b_collaboration_inbound=ALL, b2b_collaboration_outbound=ALL,
                           inbound_trust={"mfa": True})
    run = run_in_place(play(conn, [_task("check", partners=entries)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert run.rc == 0, run.output
    assert res["changed"] is True and writes(emulator) == 0
    assert [p["action"] for p in res["partners"]] == ["added", "added"]
    gcch = emulator.tenant("tailspin_gcch")["id"]
    assert res["diff"]["before"][gcch] is None
    assert res["diff"]["after"][gcch]["inbound_trust"] == {"mfa": True, "compliant_device": False,
                                                           "hybrid_joined_device": False}
    since = len(emulator.log())
    run = run_in_place(play(conn, [_task("apply", partners=entries), _task("again", partners=entries)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed"] is True
    assert run.task("again")["result"]["changed"] is False
    log = emulator.log(since)
    # one POST per new partner, both carried by ONE $batch request; nothing written by the second task
    outer = [e for e in log if e["path"].endswith("/$batch") and not e["batch_item"]]
    posts = [e for e in log if e["batch_item"] and e["method"] == "POST"]
    assert len(posts) == 2 and all(e["status"] == 201 for e in posts)
    assert len(_graph_writes(emulator, since)) == 2
    assert [e for e in log if e["kind"] == "graph" and e["method"] == "POST" and not e["batch_item"]
            and not e["path"].endswith("/$batch")] == []
    assert len(outer) <= 4, [e["path"] for e in log]   # a read and a write batch for the first task, a read for the second
    stored = _stored(emulator, "contoso")
    assert stored[gcch]["inboundTrust"]["isMfaAccepted"] is True
    assert stored[gcch]["b2bCollaborationInbound"]["usersAndGroups"]["accessType"] == "allowed"


def test_only_named_settings_and_listed_partners_are_touched(run_in_place, emulator, connection):
    _enable(emulator, "contoso", "microsoftonline.us", "partner.microsoftonline.cn")
    gcch, cn = emulator.tenant("tailspin_gcch")["id"], emulator.tenant("fabrikam_cn")["id"]
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gcch, "inboundTrust": {
        "isMfaAccepted": True, "isCompliantDeviceAccepted": True, "isHybridAzureADJoinedDeviceAccepted": False}})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": cn, "b2bCollaborationOutbound": {
        "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications",
                                                               "targetType": "application"}]}}})
    before_cn = _stored(emulator, "contoso")[cn]
    run = run_in_place(play(connection("contoso"), [_task("one", partners=[
        {"tenant_id": gcch, "b2b_collaboration_outbound": BLOCK_ALL}])]))
    assert run.rc == 0, run.output
    stored = _stored(emulator, "contoso")
    assert stored[cn] == before_cn                                     # not listed: untouched
    assert stored[gcch]["inboundTrust"]["isCompliantDeviceAccepted"] is True   # not named: untouched
    assert stored[gcch]["b2bCollaborationInbound"] is None
    assert stored[gcch]["b2bCollaborationOutbound"]["usersAndGroups"]["accessType"] == "blocked"
    assert len(_graph_writes(emulator)) == 1


def test_compact_leaves_what_equals_the_default_to_inherit(run_in_place, emulator, connection):
    _enable(emulator, "contoso", "microsoftonline.us", "partner.microsoftonline.cn")
    gcch = emulator.tenant("tailspin_gcch")["id"]
    # an explicit entry equal to the default (Microsoft's default allows everyone both ways)
    open_all = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
                "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                                       "targetType": "application"}]}}
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gcch, "b2bCollaborationInbound": open_all})
    entries = _hub_entries(emulator, b2b_collaboration_inbound=ALL, b2b_collaboration_outbound=ALL,
                           inbound_trust={"mfa": True})
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("compact", partners=entries, compact=True)]), diff=True)
    assert run.rc == 0, run.output
    res = run.task("compact")["result"]
    stored = _stored(emulator, "contoso")
    for tid in (gcch, emulator.tenant("fabrikam_cn")["id"]):
        assert stored[tid]["b2bCollaborationInbound"] is None and stored[tid]["b2bCollaborationOutbound"] is None
        assert stored[tid]["inboundTrust"]["isMfaAccepted"] is True      # differs from the default: explicit
    gcch_result = [p for p in res["partners"] if p["tenant_id"] == gcch][0]
    assert gcch_result["action"] == "updated" and gcch_result["changed_settings"] == [
        "b2b_collaboration_inbound", "inbound_trust"]
    size = res["policy_size"]
    assert size["limit"] == 25600 and size["headroom"] == 25600 - size["bytes"] and 0 < size["bytes"] < 2000
    # collaboration still works across clouds: the partner inherits the open default
    emulator.as_admin("tailspin_gcch", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.com"]})
    emulator.as_admin("tailspin_gcch", "POST", CTAP + "/partners", {"tenantId": emulator.tenant("contoso")["id"]})
    emulator.as_admin("contoso", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": "jordan.ellis@tailspin-defense.us",
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})
    verdict = emulator.admin("POST", "/_emulator/redeem", {"resource_tenant": emulator.tenant("contoso")["id"],
                                                           "address": "jordan.ellis@tailspin-defense.us"})
    assert verdict["allowed"] is True, verdict
    # and it is idempotent
    run = run_in_place(play(conn, [_task("again", partners=entries, compact=True)]))
    assert run.task("again")["result"]["changed"] is False


def test_bad_entries_fail_before_any_request_naming_each(run_in_place, emulator, connection):
    gcch = emulator.tenant("tailspin_gcch")["id"]
    entries = [{"tenant_id": "not-a-guid"}, {"tenant_id": gcch}, {"tenant_id": gcch.upper()},
               {"tenant_id": emulator.tenant("fabrikam_cn")["id"], "b2b_collaboration_inbound": {
                   "users_and_groups": {"access": "allowed", "targets": []}}}]
    run = run_in_place(play(connection("contoso"), [_task("bad", partners=entries)]))
    assert run.task("bad")["status"] == "failed"
    res = run.task("bad")["result"]
    msg = res["msg"]
    assert "partners[0].tenant_id: 'not-a-guid' is not a tenant ID" in msg
    assert "partners[2].tenant_id: %s is listed already as partners[1]" % gcch in msg
    assert "partners[3]" in msg and "targets" in msg
    assert [e for e in emulator.log() if "/_emulator" not in e["path"]] == []


def test_cloud_not_enabled_is_refused_before_any_write_and_a_warning_in_check_mode(run_in_place, emulator,
                                                                                   connection):
    _enable(emulator, "contoso", "microsoftonline.us")
    entries = _hub_entries(emulator, b2b_collaboration_inbound=ALL)
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("apply", partners=entries)]))
    assert run.task("apply")["status"] == "failed"
    res = run.task("apply")["result"]
    assert "partners[1] (%s) lives in the china cloud" % emulator.tenant("fabrikam_cn")["id"] in res["msg"]
    assert "cloud_settings with clouds: [china]" in res["msg"]
    assert _graph_writes(emulator) == []
    run = run_in_place(play(conn, [_task("check", partners=entries)]), check=True)
    res = run.task("check")["result"]
    assert run.rc == 0 and any("assuming an earlier task enables it" in w for w in res["warnings"])


def test_policy_over_the_size_limit_is_refused_before_any_write(run_in_place, emulator, connection):
    _enable(emulator, "contoso", "microsoftonline.us", "partner.microsoftonline.cn")
    # long explicit target lists make each entry large; the estimate must refuse before the first write
    groups = [{"group": "2c057a25-45d1-4fe3-a7c8-%012x" % i} for i in range(200)]
    big = {"users_and_groups": {"access": "allowed", "targets": groups}, "applications": {"access": "allowed"}}
    entries = _hub_entries(emulator, b2b_collaboration_inbound=big, b2b_collaboration_outbound=big)
    run = run_in_place(play(connection("contoso"), [_task("big", partners=entries)]))
    assert run.task("big")["status"] == "failed"
    res = run.task("big")["result"]
    assert "over Microsoft's limit of 25600 bytes" in res["msg"] and "compact: true" in res["msg"]
    assert res["policy_size"]["bytes"] > 25600
    assert _graph_writes(emulator) == []


def test_enable_clouds_enables_only_what_partners_need_before_adding_them(run_in_place, emulator, connection):
    _enable(emulator, "contoso", "microsoftonline.us")
    entries = _hub_entries(emulator, b2b_collaboration_inbound=ALL)
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("check", partners=entries, enable_clouds=True)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert run.rc == 0 and res["clouds_enabled"] == ["china"] and writes(emulator) == 0
    assert res["diff"]["before"]["clouds"] == ["usgov"] and res["diff"]["after"]["clouds"] == ["usgov", "china"]
    since = len(emulator.log())
    run = run_in_place(play(conn, [_task("apply", partners=entries, enable_clouds=True),
                                   _task("again", partners=entries, enable_clouds=True)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["clouds_enabled"] == ["china"]
    assert run.task("again")["result"]["changed"] is False and run.task("again")["result"]["clouds_enabled"] == []
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == [
        "microsoftonline.us", "partner.microsoftonline.cn"]
    written = _graph_writes(emulator, since)
    # the cloud first (the whole list, as Graph replaces it), then the two partners
    assert [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in written] == [
        ("PATCH", "crossTenantAccessPolicy"), ("POST", "partners"), ("POST", "partners")]
    assert written[0]["body"] == {"allowedCloudEndpoints": ["microsoftonline.us", "partner.microsoftonline.cn"]}
