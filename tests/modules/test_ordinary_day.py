"""Microsoft's ordinary day, module by module through ansible-playbook: new objects answer 404 for a
while, requests fail now and then, cached tokens go stale. Each test sets the day it needs."""

import glob
import json
import os

from tests.integration.helpers import play, writes

CTAP = "/policies/crossTenantAccessPolicy"
OPEN = {"users_and_groups": {"access": "allowed"}, "applications": {"access": "allowed"}}


def _task(name, module, **args):
    return {"name": name, "entra.crosscloud." + module: args}


def _delay(emulator, seconds):
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": seconds})


def _graph(emulator, since=0):
    return [e for e in emulator.log(since) if e["kind"] == "graph"]


def test_partner_returns_only_once_the_new_partner_can_be_read(run_in_place, emulator, connection):
    _delay(emulator, 6)
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]       # same cloud: no cloud setting needed
    run = run_in_place(play(connection("contoso"), [_task("add", "partner", partner_tenant_id=woodgrove)]))
    assert run.rc == 0, run.output
    res = run.task("add")["result"]
    assert res["changed"] is True and res["partner"]["tenant_id"] == woodgrove and res["retries"] >= 1
    # readable the moment the task is done, by anyone
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + woodgrove).status_code == 200
    reads = [e["status"] for e in _graph(emulator) if e["method"] == "GET" and e["path"].endswith(woodgrove)]
    assert reads[0] == 404 and reads[-1] == 200 and 404 in reads[1:-1] + [404]
    assert [e["method"] for e in _graph(emulator) if e["write"]] == ["POST"]


def test_readme_partner_then_access_settings_with_a_15_s_replication_delay(run_in_place, emulator, connection):
    _delay(emulator, 15)
    tailspin = emulator.tenant("tailspin_gcch")["id"]
    run = run_in_place(play(connection("contoso"), [
        _task("clouds", "cloud_settings", clouds=["usgov"]),
        _task("partner", "partner", partner_tenant_id=tailspin),
        _task("access", "access_settings", partner=tailspin, b2b_collaboration_inbound=OPEN,
              b2b_collaboration_outbound=OPEN)]))
    assert run.rc == 0, run.output[-3000:]
    assert run.task("access")["result"]["changed"] is True
    entry = emulator.state("contoso")["data"]["ctap"]["partners"][tailspin]
    assert entry["b2bCollaborationInbound"]["usersAndGroups"]["accessType"] == "allowed"


def test_access_settings_for_a_partner_never_added_names_replication_and_writes_nothing(
        run_in_place, emulator, connection):
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]
    run = run_in_place(play(connection("contoso", replication_wait=2), [
        _task("access", "access_settings", partner=woodgrove, b2b_collaboration_inbound=OPEN)]))
    assert run.task("access")["status"] == "failed"
    res = run.task("access")["result"]
    assert "is not a partner organisation of this tenant (not found for 2 s)" in res["msg"]
    assert "add it first with entra.crosscloud.partner" in res["msg"] and "replication" in res["msg"]
    assert writes(emulator) == 0


def test_a_partner_post_applied_then_cut_off_is_not_sent_twice(run_in_place, emulator, connection):
    _delay(emulator, 4)
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]
    emulator.faults({"host": "graph", "method": "POST", "path": "partners$", "status": "drop", "when": "after",
                     "times": 1})
    run = run_in_place(play(connection("contoso"), [_task("add", "partner", partner_tenant_id=woodgrove)]))
    assert run.rc == 0, run.output
    assert run.task("add")["result"]["changed"] is True
    posts = [(e["status"], e["fault"]) for e in _graph(emulator) if e["method"] == "POST"]
    # the first POST was applied and its answer lost; the module read (404: not replicated), sent again,
    # was told it exists (409) and waited for it: one partner, never two
    assert posts[0][1] == "after" and posts[-1][0] == 409, posts
    assert list(emulator.state("contoso")["data"]["ctap"]["partners"]) == [woodgrove]


def _invite_cut_off(run_in_place, emulator, connection, status, times, delay):
    """Invite one guest while the next `times` invitation POSTs are applied and then answered `status`:
    returns the run and the guest's entry, after checking the tenant holds that guest exactly once."""
    _delay(emulator, delay)
    emulator.faults({"host": "graph", "method": "POST", "path": "/invitations$", "status": status, "when": "after",
                     "times": times})
    run = run_in_place(play(connection("contoso"), [
        _task("invite", "guest_invitation", guests=[{"email": "jordan.ellis@tailspin-defense.us"}])]))
    assert run.rc == 0, run.output[-3000:]
    entry = run.task("invite")["result"]["guests"][0]
    assert entry["action"] == "invited" and entry["changed"] is True and entry["id"]
    guests = [u for u in emulator.state("contoso")["data"]["users"].values()
              if u["mail"] == "jordan.ellis@tailspin-defense.us"]
    assert len(guests) == 1 and guests[0]["id"] == entry["id"]
    return run, entry


def test_an_invitation_applied_then_answered_503_is_not_duplicated(run_in_place, emulator, connection):
    _invite_cut_off(run_in_place, emulator, connection, 503, 1, 3)


def test_invitations_cut_off_again_and_again_settle_within_the_retry_budget(run_in_place, emulator, connection):
    # every send of the invitation is applied and its answer lost, five times over (a fixed three rounds
    # of look-up-and-resend gave up here): the module keeps reading and re-sending while its budget lasts
    _invite_cut_off(run_in_place, emulator, connection, 502, 5, 30)
    posts = [e for e in _graph(emulator) if e["method"] == "POST" and e["path"].endswith("/invitations")]
    assert [e["fault"] for e in posts] == ["after"] * 5 + [None], posts


def test_transient_failures_are_retried_counted_and_listed_at_vvv(run_in_place, emulator, connection):
    emulator.faults({"host": "graph", "method": "GET", "status": 502, "times": 1},
                    {"host": "graph", "method": "GET", "status": 429, "retry_after": 1, "times": 1},
                    {"host": "login", "status": "drop", "times": 1})
    run = run_in_place(play(connection("contoso"), [_task("read", "cross_tenant_access_info")]), args=("-vvv",))
    assert run.rc == 0, run.output[-3000:]
    res = run.task("read")["result"]
    # the dropped sign-in, then the two failed reads: items of the module's one $batch, re-sent together
    # after the Retry-After
    assert res["retries"] == 2 and len(res["retry_log"]) == 2, res["retry_log"]
    assert any("2 $batch item(s) answered 429/502" in line and "after 1.0 s" in line for line in res["retry_log"])
    gets = [e for e in emulator.log() if e["batch_item"] and e["method"] == "GET"]
    assert sorted(e["status"] for e in gets if e["status"] != 200) == [429, 502]
    emulator.faults({"host": "graph", "method": "GET", "status": 503, "times": 1})
    run = run_in_place(play(connection("contoso"), [_task("read", "cross_tenant_access_info")]))
    res = run.task("read")["result"]
    assert res["retries"] == 1 and "retry_log" not in res


def test_retry_budget_zero_fails_on_the_first_transient_answer(run_in_place, emulator, connection):
    emulator.faults({"host": "graph", "method": "GET", "status": 503, "times": 1})
    run = run_in_place(play(connection("contoso"), [_task("read", "cloud_settings", clouds=["usgov"])]),
                       env={"ENTRA_RETRY_BUDGET": "0"})
    assert run.task("read")["status"] == "failed"
    res = run.task("read")["result"]
    assert "503" in res["msg"] and res["retries"] == 0
    assert writes(emulator) == 0


def test_a_cached_token_graph_refuses_is_dropped_and_renewed_once(run_in_place, emulator, connection, tmp_path):
    conn = connection("contoso")
    assert run_in_place(play(conn, [_task("read", "cross_tenant_access_info")])).rc == 0
    cache_dir = tmp_path / "token-cache"
    files = glob.glob(str(cache_dir / "*.json"))
    assert len(files) == 1
    with open(files[0]) as f:
        cached = json.load(f)
    # a token Graph no longer accepts (revoked, or signed with a rolled key), still far from expiry
    cached["access_token"] = cached["access_token"].rsplit(".", 1)[0] + ".c2lnbmF0dXJlLW5vLWxvbmdlci12YWxpZA"
    with open(files[0], "w") as f:
        json.dump(cached, f)
    since = emulator.log()[-1]["seq"]
    run = run_in_place(play(conn, [_task("read", "cross_tenant_access_info"), _task("again", "cross_tenant_access_info")]))
    assert run.rc == 0, run.output[-3000:]
    assert run.task("read")["result"]["retries"] == 1 and run.task("again")["result"]["retries"] == 0
    assert emulator.counts(since)["token_requests"] == 1          # signed in once, and the new token was cached
    statuses = [e["status"] for e in _graph(emulator, since)]
    assert statuses[0] == 401 and statuses.count(401) == 1
    assert os.path.basename(files[0]) in os.listdir(cache_dir)


def test_validate_certs_false_warns_on_every_task(run_in_place, emulator, connection):
    conn = connection("contoso", validate_certs=False)
    run = run_in_place(play(conn, [_task("one", "cross_tenant_access_info"), _task("two", "cross_tenant_access_info")]))
    assert run.rc == 0, run.output[-3000:]
    for name in ("one", "two"):
        warnings = run.task(name)["result"].get("warnings", [])
        assert any("validate_certs is false" in w and "ca_path" in w for w in warnings), warnings
    run = run_in_place(play(connection("contoso"), [_task("checked", "cross_tenant_access_info")]))
    assert not [w for w in run.task("checked")["result"].get("warnings", []) if "validate_certs" in w]
