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


def test_export_feeds_access_settings_back_with_no_change(run_playbook, emulator, connection):
    _setup(emulator)
    gov = emulator.tenant("tailspin_gcch")["id"]
    info = {"partner": gov, "include_external_collaboration": False}
    tasks = [{"name": "info", "entra.crosscloud.cross_tenant_access_info": info, "register": "exported"},
             {"name": "reapply", "entra.crosscloud.access_settings": {
                 "partner": gov, "partner_cloud": "usgov",
                 "b2b_collaboration_inbound": "{{ exported.partners[0].settings.b2b_collaboration_inbound }}",
                 "inbound_trust": "{{ exported.partners[0].settings.inbound_trust }}"}}]
    run = run_playbook(play(connection("contoso"), tasks))
    assert run.rc == 0, run.output
    assert len(run.task("info")["result"]["partners"]) == 1
    assert "external_collaboration" not in run.task("info")["result"]
    assert run.task("reapply")["result"]["changed"] is False
    assert emulator.counts()["graph_writes"] == 0
