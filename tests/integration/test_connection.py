"""The shared connection options through ansible-playbook: credentials, environment fallbacks,
the token cache across tasks, error messages, and that secrets never reach the output."""

import json

from tests.integration.helpers import play


def _lookup(name, tenant, **opts):
    args = {"tenant": tenant}
    args.update(opts)
    return {"name": name, "entra.crosscloud.tenant_info": args}


def test_credentials_token_cache_and_graph_lookup(run_playbook, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")
    tasks = [_lookup("lookup %d" % i, gov["id"], **connection("tailspin_gcch")) for i in range(3)]
    run = run_playbook(play(None, tasks))
    assert run.rc == 0, run.output
    results = [run.task("lookup %d" % i)["result"] for i in range(3)]
    assert [r["token_source"] for r in results] == ["identity_provider", "cache", "cache"]
    assert results[0]["display_name"] == gov["display_name"]
    assert results[0]["default_domain"] == "tailspin-defense.us"
    counts = emulator.counts()
    assert counts["token_requests"] == 1 and counts["graph_requests"] == 3 and counts["graph_writes"] == 0


def test_module_defaults_group_and_check_mode(run_playbook, emulator, connection):
    run = run_playbook(play(connection("contoso"), [_lookup("in check mode", emulator.tenant("contoso")["id"])]),
                       check=True)
    assert run.rc == 0, run.output
    res = run.task("in check mode")["result"]
    assert res["changed"] is False and res["display_name"] == "Contoso (commercial hub)"


def test_environment_fallbacks_awx_names(run_playbook, emulator):
    t = emulator.tenant("fabrikam_cn")
    env = {"AZURE_TENANT": t["id"], "AZURE_CLIENT_ID": t["client_id"], "AZURE_SECRET": t["client_secret"],
           "AZURE_CLOUD_ENVIRONMENT": "AzureChinaCloud"}
    run = run_playbook(play(None, [_lookup("from env", t["id"])]), env=env)
    assert run.rc == 0, run.output
    res = run.task("from env")["result"]
    assert res["cloud"] == "china" and res["pair"] == "same_cloud" and res["token_source"] == "identity_provider"


def test_option_wins_over_environment(run_playbook, emulator, connection):
    t = emulator.tenant("contoso")
    env = {"AZURE_CLIENT_SECRET": "wrong-secret-from-env", "AZURE_CLIENT_ID": t["client_id"],
           "AZURE_TENANT_ID": t["id"], "ENTRA_CLOUD": "global"}
    run = run_playbook(play(None, [_lookup("explicit", t["id"], client_secret=t["client_secret"])]), env=env)
    assert run.rc == 0, run.output
    assert run.task("explicit")["result"]["token_source"] == "identity_provider"


def test_wrong_secret_surfaces_aadsts_and_hides_the_secret(run_playbook, emulator, connection):
    secret = "Sup3r-Secret-Value-42"
    t = emulator.tenant("contoso")
    run = run_playbook(play(None, [_lookup("bad secret", t["id"], **connection("contoso", client_secret=secret))]),
                       args=["-vvv"])
    res = run.task("bad secret")
    assert res["status"] == "failed"
    assert "AADSTS7000215" in res["result"]["msg"] and "check client_secret" in res["result"]["msg"]
    assert res["result"]["error"]["aadsts"] == 7000215
    assert secret not in run.output and secret not in json.dumps(run.results)
    assert emulator.counts()["graph_requests"] == 0


def test_wrong_cloud_is_explained(run_playbook, emulator, connection):
    t = emulator.tenant("contoso")
    run = run_playbook(play(None, [_lookup("wrong cloud", t["id"], **connection("contoso", cloud="usgov"))]))
    res = run.task("wrong cloud")
    assert res["status"] == "failed" and "AADSTS90002" in res["result"]["msg"] and "`cloud`" in res["result"]["msg"]


def test_token_never_reaches_output(run_playbook, emulator, connection):
    token = emulator.token("contoso")
    before = emulator.counts()["token_requests"]
    tid = emulator.tenant("contoso")["id"]
    task = _lookup("with token", tid, access_token=token, tenant_id=tid, cloud="global")
    run = run_playbook(play(None, [task]), args=["-vvv"])
    assert run.rc == 0, run.output
    assert run.task("with token")["result"]["token_source"] == "supplied"
    assert token not in run.output and token not in json.dumps(run.results)
    assert emulator.counts()["token_requests"] == before


def test_missing_credentials_named(run_playbook, emulator):
    t = emulator.tenant("contoso")
    run = run_playbook(play(None, [_lookup("half", t["id"], client_id=t["client_id"])]))
    res = run.task("half")
    assert res["status"] == "failed"
    assert "missing connection settings" in res["result"]["msg"] and "client_secret" in res["result"]["msg"]
    assert "tenant_id" in res["result"]["msg"]


def test_two_credentials_refused(run_playbook, emulator, connection):
    run = run_playbook(play(None, [_lookup("both", "contoso.com", **connection("contoso", access_token="some-supplied-token"))]))
    res = run.task("both")
    assert res["status"] == "failed" and "mutually exclusive" in res["result"]["msg"]


def test_certificate_credential(run_playbook, emulator):
    t = emulator.tenant("contoso")
    app = [a for a in t["apps"] if a.get("client_certificate_path")][0]
    task = _lookup("cert", t["id"], tenant_id=t["id"], client_id=app["client_id"],
                   client_certificate_path=app["client_certificate_path"], cloud="global")
    run = run_playbook(play(None, [task]))
    assert run.rc == 0, run.output
    assert run.task("cert")["result"]["token_source"] == "identity_provider"


def test_missing_permission_is_named_and_the_granted_ones_returned(run_playbook, emulator):
    """tenant_info's Graph lookup is an extra: without its permission it warns, naming the permission,
    and still returns discovery and the (empty) permissions of the token, which preflight checks."""
    t = emulator.tenant("contoso")
    app = [a for a in t["apps"] if a["display_name"] == "app without consent"][0]
    task = _lookup("no consent", "woodgrove.gov", tenant_id=t["id"], client_id=app["client_id"],
                   client_secret=app["client_secret"], cloud="global")
    run = run_playbook(play(None, [task]))
    res = run.task("no consent")
    assert res["status"] == "ok" and res["result"]["cloud"] == "global", res["result"]
    assert res["result"]["permissions"] == [] and res["result"]["app_id"] == app["client_id"]
    warning = " ".join(res["result"]["warnings"])
    assert "403 Authorization_RequestDenied" in warning
    assert "grant the application permission CrossTenantInformation.ReadBasic.All" in warning
    assert "display_name" not in res["result"]
    reader = [a for a in t["apps"] if a["display_name"] == "read-only auditor"][0]
    run = run_playbook(play(None, [_lookup("reader", "woodgrove.gov", tenant_id=t["id"], client_id=reader["client_id"],
                                           client_secret=reader["client_secret"], cloud="global")]))
    assert run.task("reader")["result"]["permissions"] == sorted(reader["roles"])


def test_graph_cannot_resolve_other_cloud_tenant_is_a_warning(run_playbook, emulator, connection):
    run = run_playbook(play(None, [_lookup("cross", emulator.tenant("fabrikam_cn")["id"], **connection("contoso"))]))
    assert run.rc == 0, run.output
    res = run.task("cross")["result"]
    assert res["cloud"] == "china" and "display_name" not in res
    assert any("could not resolve" in w for w in res.get("warnings", []))
