"""cross_tenant_access_info: export in module shapes, batch reads, and feeding the export back."""

from tests.integration.helpers import play


CTAP = "/v1.0/policies/crossTenantAccessPolicy"
BOTH = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                               "targetType": "application"}]}}


def _setup(emulator):
    endpoints = ["microsoftonline.us", "partner.microsoftonline.cn"]
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": endpoints})
    for name in ("tailspin_gcch", "northwind_dod", "fabrikam_cn", "litware_usg", "woodgrove_gcc"):
        emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": emulator.tenant(name)["id"]})
    emulator.as_admin("contoso", "PATCH", CTAP + "/partners/" + emulator.tenant("tailspin_gcch")["id"],
                      {"b2bCollaborationInbound": BOTH, "inboundTrust": {"isMfaAccepted": True}})
    emulator.as_admin("contoso", "PUT", CTAP + "/partners/%s/identitySynchronization"
                      % emulator.tenant("woodgrove_gcc")["id"],
                      {"displayName": "Woodgrove", "userSyncInbound": {"isSyncAllowed": True}})


def test_export_everything(run_in_place, emulator, connection):
    _setup(emulator)
    run = run_in_place(play(connection("contoso"), [{"name": "info",
                                                     "entra.crosscloud.cross_tenant_access_info": {}}]))
    assert run.rc == 0, run.output
    res = run.task("info")["result"]
    assert res["changed"] is False
    assert res["cloud_settings"] == {"clouds": ["usgov", "china"],
                                     "allowed_cloud_endpoints": ["microsoftonline.us", "partner.microsoftonline.cn"]}
    assert res["default"]["is_service_default"] is True
    assert res["default"]["b2b_collaboration_inbound"]["users_and_groups"] == {"access": "allowed", "targets": ["all"]}
    by_id = {p["partner"]: p for p in res["partners"]}
    assert len(by_id) == 5
    gov = by_id[emulator.tenant("tailspin_gcch")["id"]]
    assert gov["settings"]["inbound_trust"]["mfa"] is True and gov["settings"]["b2b_collaboration_outbound"] is None
    assert by_id[emulator.tenant("woodgrove_gcc")["id"]]["identity_synchronization"] == {
        "display_name": "Woodgrove", "user_sync_inbound": {"is_sync_allowed": True}}
    assert res["external_collaboration"] == {"allow_invites_from": "everyone", "guest_user_role": "guest",
                                             "allow_email_verified_users_to_join_organization": False,
                                             "allowed_to_sign_up_email_based_subscriptions": True,
                                             "email_otp_for_guests": "default"}
    # one $batch round: the policy, the default, the partners with identity sync expanded, external collaboration
    batches = [e for e in emulator.log() if e["path"].endswith("/$batch") and not e["batch_item"]]
    assert len(batches) == 1
    assert [e for e in emulator.log() if e["kind"] == "graph" and not e["batch_item"] and e not in batches] == []
    assert emulator.counts()["graph_writes"] == 0


def test_only_the_domain_lists_when_the_rest_is_not_asked_for(run_in_place, emulator, connection):
    _setup(emulator)
    emulator.as_admin("contoso", "POST", "/beta/policies/b2bManagementPolicies", {
        "displayName": "B2BManagementPolicy", "isOrganizationDefault": True, "definition": [
            '{"B2BManagementPolicy":{"InvitationsAllowedAndBlockedDomainsPolicy":{"BlockedDomains":["live.com"]}}}']})
    log = emulator.log()
    since = log[-1]["seq"] if log else 0
    args = {"include_cross_tenant_access": False, "include_external_collaboration": False,
            "include_domain_lists": True}
    run = run_in_place(play(connection("contoso"), [{"name": "lists",
                                                     "entra.crosscloud.cross_tenant_access_info": args}]))
    assert run.rc == 0, run.output
    res = run.task("lists")["result"]
    assert res["external_collaboration"] == {"domain_lists_supported": True, "allowed_domains": None,
                                             "blocked_domains": ["live.com"]}
    assert not set(res) & {"cloud_settings", "default", "partners", "policy_size"}
    # one request: the domain list policy (no $batch, no cross-tenant access policy)
    graph = [e for e in emulator.log() if e["seq"] > since and e["kind"] == "graph"]
    assert [(e["method"], e["path"]) for e in graph] == [("GET", "/beta/policies/b2bManagementPolicies")]
    # with the cross-tenant access policy too, still one $batch round for it
    args["include_cross_tenant_access"] = True
    run = run_in_place(play(connection("contoso"), [{"name": "both",
                                                     "entra.crosscloud.cross_tenant_access_info": args}]))
    res = run.task("both")["result"]
    assert len(res["partners"]) == 5 and res["external_collaboration"]["blocked_domains"] == ["live.com"]


def test_reader_app_is_enough_and_bad_partner_refused(run_in_place, emulator):
    t = emulator.tenant("contoso")
    reader = [a for a in t["apps"] if a["display_name"] == "read-only auditor"][0]
    conn = {"tenant_id": t["id"], "client_id": reader["client_id"], "client_secret": reader["client_secret"]}
    run = run_in_place(play(conn, [{"name": "info", "entra.crosscloud.cross_tenant_access_info": {}}]))
    assert run.rc == 0, run.output
    info = run.task("info")
    assert info["status"] == "ok" and info["result"]["changed"] is False
    assert info["result"]["cloud_settings"]["allowed_cloud_endpoints"] == []
    assert info["result"]["external_collaboration"]["allow_invites_from"] == "everyone"
    counts = emulator.counts()
    assert counts["graph_requests"] > 0 and counts["graph_writes"] == 0 and counts["by_status"].get("403") is None
    seen = emulator.log()[-1]["seq"]
    run = run_in_place(play(conn, [{"name": "bad", "entra.crosscloud.cross_tenant_access_info": {"partner": "x"}}]))
    res = run.task("bad")
    assert res["status"] == "failed" and "partner 'x' is not a tenant ID" in res["result"]["msg"], res["result"]
    assert emulator.counts(since=seen)["total"] == 0       # refused before signing in or reading anything
