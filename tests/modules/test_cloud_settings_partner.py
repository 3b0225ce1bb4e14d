"""cloud_settings and partner through ansible-playbook: create, no-op, check, diff, absent, bad input."""


import pytest

from tests.integration.helpers import play, writes

US, CN, COM = "microsoftonline.us", "partner.microsoftonline.cn", "microsoftonline.com"


def _task(name, module, **args):
    return {"name": name, "entra.crosscloud." + module: args}


def _endpoints(emulator, tenant):
    return emulator.state(tenant)["data"]["ctap"]["policy"]["allowedCloudEndpoints"]


def test_cloud_settings_enable_idempotent_check_and_diff(run_in_place, emulator, connection):
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("check", "cloud_settings", clouds=["usgov", "china"])]), check=True,
                       diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["clouds"] == ["usgov", "china"]
    assert res["diff"] == {"before": {"clouds": []}, "after": {"clouds": ["usgov", "china"]}}
    assert writes(emulator) == 0 and _endpoints(emulator, "contoso") == []

    run = run_in_place(play(conn, [_task("apply", "cloud_settings", clouds=["usgov", "usgov_dod", "china"]),
                                   _task("again", "cloud_settings", clouds=["china", "AzureUSGovernment"])]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed"] is True
    assert run.task("again")["result"]["changed"] is False
    assert _endpoints(emulator, "contoso") == [US, CN]
    assert writes(emulator) == 1


def test_cloud_settings_keeps_unnamed_clouds_and_absent_exclusive(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", "/v1.0/policies/crossTenantAccessPolicy", {"allowedCloudEndpoints": [CN]})
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("add", "cloud_settings", clouds=["usgov"])]))
    assert run.task("add")["result"]["allowed_cloud_endpoints"] == [CN, US]
    run = run_in_place(play(conn, [_task("remove", "cloud_settings", clouds=["china"], state="absent"),
                                   _task("remove again", "cloud_settings", clouds=["china"], state="absent")]))
    assert run.task("remove")["result"]["changed"] is True
    assert run.task("remove again")["result"]["changed"] is False
    assert _endpoints(emulator, "contoso") == [US]
    run = run_in_place(play(conn, [_task("only", "cloud_settings", clouds=["china"], exclusive=True)]))
    assert run.task("only")["result"]["changed"] is True and _endpoints(emulator, "contoso") == [CN]


@pytest.mark.parametrize("tenant,args,needle", [
    ("contoso", {"clouds": ["global"]}, "own cloud"),
    ("tailspin_gcch", {"clouds": ["china"]}, "not supported by Microsoft"),
    ("contoso", {"clouds": ["mars"]}, "unknown cloud 'mars'"),
    ("contoso", {"clouds": ["usgov"], "state": "absent", "exclusive": True}, "exclusive: true goes with state: present"),
])
def test_cloud_settings_bad_input_before_any_write(run_in_place, emulator, connection, tenant, args, needle):
    run = run_in_place(play(connection(tenant), [_task("bad", "cloud_settings", **args)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert writes(emulator) == 0


def test_cloud_settings_missing_permission(run_in_place, emulator):
    t = emulator.tenant("contoso")
    reader = [a for a in t["apps"] if a["display_name"] == "read-only auditor"][0]
    conn = {"tenant_id": t["id"], "client_id": reader["client_id"], "client_secret": reader["client_secret"]}
    run = run_in_place(play(conn, [_task("reader", "cloud_settings", clouds=["usgov"])]))
    res = run.task("reader")
    assert res["status"] == "failed" and "Policy.ReadWrite.CrossTenantAccess" in res["result"]["msg"]


def test_partner_cross_cloud_full_cycle(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    conn = connection("contoso")
    # the cloud is not enabled yet: refused before any write, naming the missing call
    run = run_in_place(play(conn, [_task("too early", "partner", partner_tenant_id=gov)]))
    res = run.task("too early")
    assert res["status"] == "failed" and "cloud_settings with clouds: [usgov]" in res["result"]["msg"]
    assert writes(emulator) == 0
    run = run_in_place(play(conn, [_task("clouds", "cloud_settings", clouds=["usgov"]),
                                   _task("check", "partner", partner_tenant_id=gov)]), check=True, diff=True)
    assert run.task("check")["result"]["changed"] is True and writes(emulator) == 0
    run = run_in_place(play(conn, [_task("clouds", "cloud_settings", clouds=["usgov"]),
                                   _task("add", "partner", partner_tenant_id=gov),
                                   _task("again", "partner", partner_tenant_id=gov.upper())]), diff=True)
    assert run.rc == 0, run.output
    add = run.task("add")["result"]
    assert add["changed"] is True and add["partner_cloud"] == "usgov" and add["cross_cloud"] is True
    assert add["partner"]["tenant_id"] == gov and add["partner"]["b2b_collaboration_inbound"] is None
    assert add["diff"] == {"before": {"partner": False}, "after": {"partner": True}}
    # a new cross-cloud partner inherits the default like any other (Microsoft's cross-cloud guide): no warning
    assert not add.get("warnings")
    assert run.task("again")["result"]["changed"] is False
    assert list(emulator.state("contoso")["data"]["ctap"]["partners"]) == [gov]
    before = writes(emulator)
    run = run_in_place(play(conn, [_task("remove", "partner", partner_tenant_id=gov, state="absent"),
                                   _task("remove again", "partner", partner_tenant_id=gov, state="absent")]))
    assert run.task("remove")["result"]["changed"] is True
    assert run.task("remove again")["result"]["changed"] is False
    assert writes(emulator) == before + 1
    assert emulator.state("contoso")["data"]["ctap"]["partners"] == {}


def test_partner_same_cloud_needs_no_cloud_setting(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    run = run_in_place(play(connection("contoso"), [_task("add", "partner", partner_tenant_id=gcc)]))
    res = run.task("add")["result"]
    assert res["changed"] is True and res["cross_cloud"] is False and not res.get("warnings")
    gets = [e for e in emulator.log() if e["method"] == "GET" and e["path"].endswith("crossTenantAccessPolicy")]
    assert gets == []   # same cloud: the cloud settings were not even read


def test_partner_absent_removes_identity_sync_first(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    emulator.as_admin("contoso", "POST", "/v1.0/policies/crossTenantAccessPolicy/partners", {"tenantId": gcc})
    emulator.as_admin("contoso", "PUT", "/v1.0/policies/crossTenantAccessPolicy/partners/%s/identitySynchronization"
                      % gcc, {"displayName": "Woodgrove", "userSyncInbound": {"isSyncAllowed": True}})
    run = run_in_place(play(connection("contoso"), [_task("check", "partner", partner_tenant_id=gcc,
                                                          state="absent")]), check=True)
    assert run.task("check")["result"]["identity_synchronization_removed"] is True and writes(emulator) == 0
    run = run_in_place(play(connection("contoso"), [_task("remove", "partner", partner_tenant_id=gcc,
                                                          state="absent")]))
    assert run.rc == 0, run.output
    assert run.task("remove")["result"]["identity_synchronization_removed"] is True
    deletes = [e["path"].rsplit("/", 1)[-1] for e in emulator.log() if e["method"] == "DELETE"]
    assert deletes == ["identitySynchronization", gcc]


@pytest.mark.parametrize("tenant,args,needle", [
    ("contoso", {"partner_tenant_id": "fabrikam.cn"}, "is not a tenant ID (GUID)"),
    ("tailspin_gcch", {"partner_tenant_id": "cf596d2c-1283-4d6d-8580-e315c3e58b4b"}, "not supported by Microsoft"),
    ("contoso", {"partner_tenant_id": "8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d"}, "cannot be its own partner"),
    ("contoso", {"partner_tenant_id": "00000000-0000-4000-8000-000000000000"}, "not found by OpenID discovery"),
    ("contoso", {"partner_tenant_id": "6ba8af09-9774-4419-98d1-7db643f0c384", "partner_cloud": "mars"},
     "partner_cloud: unknown cloud 'mars'"),
])
def test_partner_bad_input_before_any_write(run_in_place, emulator, connection, tenant, args, needle):
    run = run_in_place(play(connection(tenant), [_task("bad", "partner", **args)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert writes(emulator) == 0


def test_partner_drift_is_reported_by_check_mode(run_in_place, emulator, connection):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    conn = connection("contoso")
    run_in_place(play(conn, [_task("add", "partner", partner_tenant_id=gcc)]))
    emulator.as_admin("contoso", "DELETE", "/v1.0/policies/crossTenantAccessPolicy/partners/" + gcc)
    run = run_in_place(play(conn, [_task("drift", "partner", partner_tenant_id=gcc)]), check=True, diff=True)
    res = run.task("drift")["result"]
    assert res["changed"] is True and res["diff"]["before"] == {"partner": False}


def test_partner_check_mode_warns_when_cloud_not_enabled(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    run = run_in_place(play(connection("contoso"), [_task("check", "partner", partner_tenant_id=gov)]), check=True)
    res = run.task("check")
    assert res["status"] == "ok" and res["result"]["changed"] is True
    assert any("has not enabled" in w for w in res["result"]["warnings"])
    assert writes(emulator) == 0
