"""The shared connection options through ansible-playbook: credentials, environment fallbacks,
the token cache across tasks, error messages, and that secrets never reach the output."""


from tests.integration.helpers import play


def _lookup(name, tenant, **opts):
    args = {"tenant": tenant}
    args.update(opts)
    return {"name": name, "entra.crosscloud.tenant_info": args}


def test_credentials_token_cache_and_graph_lookup(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")
    tasks = [_lookup("lookup %d" % i, gov["id"], **connection("tailspin_gcch")) for i in range(3)]
    run = run_in_place(play(None, tasks))
    assert run.rc == 0, run.output
    results = [run.task("lookup %d" % i)["result"] for i in range(3)]
    assert [r["token_source"] for r in results] == ["identity_provider", "cache", "cache"]
    assert results[0]["display_name"] == gov["display_name"]
    assert results[0]["default_domain"] == "tailspin-defense.us"
    counts = emulator.counts()
    assert counts["token_requests"] == 1 and counts["graph_requests"] == 3 and counts["graph_writes"] == 0


def test_module_defaults_group_and_check_mode(run_in_place, emulator, connection):
    run = run_in_place(play(connection("contoso"), [_lookup("in check mode", emulator.tenant("contoso")["id"])]),
                       check=True)
    assert run.rc == 0, run.output
    res = run.task("in check mode")["result"]
    assert res["changed"] is False and res["display_name"] == "Contoso (commercial hub)"


def test_environment_fallbacks_awx_names(run_in_place, emulator):
    t = emulator.tenant("fabrikam_cn")
    env = {"AZURE_TENANT": t["id"], "AZURE_CLIENT_ID": t["client_id"], "AZURE_SECRET": t["client_secret"],
           "AZURE_CLOUD_ENVIRONMENT": "AzureChinaCloud"}
    run = run_in_place(play(None, [_lookup("from env", t["id"])]), env=env)
    assert run.rc == 0, run.output
    res = run.task("from env")["result"]
    assert res["cloud"] == "china" and res["pair"] == "same_cloud" and res["token_source"] == "identity_provider"


def test_option_wins_over_environment(run_in_place, emulator, connection):
    t = emulator.tenant("contoso")
    env = {"AZURE_CLIENT_SECRET": "wrong-secret-from-env", "AZURE_CLIENT_ID": t["client_id"],
           "AZURE_TENANT_ID": t["id"], "ENTRA_CLOUD": "global"}
    run = run_in_place(play(None, [_lookup("explicit", t["id"], client_secret=t["client_secret"])]), env=env)
    assert run.rc == 0, run.output
    assert run.task("explicit")["result"]["token_source"] == "identity_provider"


def test_wrong_cloud_is_explained(run_in_place, emulator, connection):
    t = emulator.tenant("contoso")
    run = run_in_place(play(None, [_lookup("wrong cloud", t["id"], **connection("contoso", cloud="usgov"))]))
    res = run.task("wrong cloud")
    assert res["status"] == "failed" and "AADSTS90002" in res["result"]["msg"] and "`cloud`" in res["result"]["msg"]


def test_missing_credentials_named(run_in_place, emulator):
    t = emulator.tenant("contoso")
    run = run_in_place(play(None, [_lookup("half", t["id"], client_id=t["client_id"])]))
    res = run.task("half")
    assert res["status"] == "failed"
    assert "missing connection settings" in res["result"]["msg"] and "client_secret" in res["result"]["msg"]
    assert "tenant_id" in res["result"]["msg"]


def test_two_credentials_refused(run_in_place, emulator, connection):
    run = run_in_place(play(None, [_lookup("both", "contoso.com", **connection("contoso", access_token="some-supplied-token"))]))
    res = run.task("both")
    assert res["status"] == "failed" and "mutually exclusive" in res["result"]["msg"]


def test_certificate_credential(run_in_place, emulator):
    t = emulator.tenant("contoso")
    app = [a for a in t["apps"] if a.get("client_certificate_path")][0]
    task = _lookup("cert", t["id"], tenant_id=t["id"], client_id=app["client_id"],
                   client_certificate_path=app["client_certificate_path"], cloud="global")
    run = run_in_place(play(None, [task]))
    assert run.rc == 0, run.output
    assert run.task("cert")["result"]["token_source"] == "identity_provider"


def test_missing_permission_is_named_and_the_granted_ones_returned(run_in_place, emulator):
    """tenant_info's Graph lookup is an extra: without its permission it warns, naming the permission,
    and still returns discovery and the (empty) permissions of the token, which preflight checks."""
    t = emulator.tenant("contoso")
    app = [a for a in t["apps"] if a["display_name"] == "app without consent"][0]
    task = _lookup("no consent", "woodgrove.gov", tenant_id=t["id"], client_id=app["client_id"],
                   client_secret=app["client_secret"], cloud="global")
    run = run_in_place(play(None, [task]))
    res = run.task("no consent")
    assert res["status"] == "ok" and res["result"]["cloud"] == "global", res["result"]
    assert res["result"]["permissions"] == [] and res["result"]["app_id"] == app["client_id"]
    warning = " ".join(res["result"]["warnings"])
    assert "403 Authorization_RequestDenied" in warning
    assert "grant the application permission CrossTenantInformation.ReadBasic.All" in warning
    assert "display_name" not in res["result"]
    reader = [a for a in t["apps"] if a["display_name"] == "read-only auditor"][0]
    run = run_in_place(play(None, [_lookup("reader", "woodgrove.gov", tenant_id=t["id"], client_id=reader["client_id"],
                                           client_secret=reader["client_secret"], cloud="global")]))
    assert run.task("reader")["result"]["permissions"] == sorted(reader["roles"])


def test_graph_cannot_resolve_other_cloud_tenant_is_a_warning(run_in_place, emulator, connection):
    run = run_in_place(play(None, [_lookup("cross", emulator.tenant("fabrikam_cn")["id"], **connection("contoso"))]))
    assert run.rc == 0, run.output
    res = run.task("cross")["result"]
    assert res["cloud"] == "china" and "display_name" not in res
    assert any("could not resolve" in w for w in res.get("warnings", []))


def test_a_failure_from_an_exception_carries_its_traceback(run_in_place, emulator, connection):
    """With ANSIBLE_DISPLAY_TRACEBACK=error (ansible-core >= 2.19) a failure says where it came from:
    `exception` holds the traceback, never the secret; by default it is left out, as ansible-core does."""
    conn = connection("contoso", client_secret="not-the-secret")
    task = [{"name": "t", "entra.crosscloud.cross_tenant_access_info": {}}]
    shown = run_in_place(play(conn, task), env={"ANSIBLE_DISPLAY_TRACEBACK": "error"})
    res = shown.task("t")["result"]
    assert res["failed"] is True and "AADSTS7000215" in res["msg"], res
    assert "Traceback (most recent call last)" in res["exception"] and "AuthError" in res["exception"], res
    assert "not-the-secret" not in shown.output
    assert "exception" not in run_in_place(play(conn, task)).task("t")["result"]
