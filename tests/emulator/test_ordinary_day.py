"""Microsoft's ordinary day: replication delay drawn per object, probabilistic faults, and the
start-time day that reset() comes back to. Each test fails if its rule is dropped."""

import os
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import REPO, Emulator

CTAP = "/policies/crossTenantAccessPolicy"
B2B = "/policies/b2bManagementPolicies"
REDIRECT = "https://myapps.microsoft.com/?tenantid=8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d"
JSON = {"Content-Type": "application/json"}
SIX = [429, 500, 502, 503, 504, "drop"]


def _invite(emulator, address, tenant="contoso"):
    r = emulator.graph(tenant, "POST", "/invitations",
                       {"invitedUserEmailAddress": address, "inviteRedirectUrl": REDIRECT})
    assert r.status_code == 201, r.text
    return r.json()["invitedUser"]["id"]


def _pending(emulator, kind=None):
    objects = emulator.admin("GET", "/_emulator/replication")["objects"]
    return [o for o in objects if kind is None or o["kind"] == kind]


def _guest_delays(emulator, seed, count=4):
    emulator.reset()
    emulator.replication(1, 4, seed=seed)
    ids = [_invite(emulator, "guest%d@woodgrove.gov" % i) for i in range(count)]
    delays = {o["id"]: o["delay"] for o in _pending(emulator, "user")}
    return [delays[i] for i in ids]


# ---- replication delay, drawn per object ------------------------------------------------------------

def test_every_kind_of_created_object_gets_its_own_delay_within_bounds(emulator):
    emulator.replication(0)
    tid = emulator.tenant("woodgrove_gcc")["id"]
    assert emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": tid}).status_code == 201
    emulator.replication(1.5, 3, seed=21)
    sync = CTAP + "/partners/%s/identitySynchronization" % tid
    assert emulator.graph("contoso", "PUT", sync, {"displayName": "W", "userSyncInbound": {"isSyncAllowed": True}}
                          ).status_code == 204
    gids = [_invite(emulator, "g%d@woodgrove.gov" % i) for i in range(5)]
    r = emulator.graph("contoso", "POST", B2B, {"displayName": "B2BManagementPolicy", "isOrganizationDefault": True,
                                                "definition": ['{"B2BManagementPolicy":{"Version":1}}']}, api="beta")
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    fabrikam = emulator.tenant("fabrikam_cn")["id"]
    assert emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["partner.microsoftonline.cn"]}
                          ).status_code == 204
    assert emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": fabrikam}).status_code == 201
    fresh = [o for o in _pending(emulator) if o["delay"] > 0]
    assert {o["kind"] for o in fresh} == {"identity_sync", "user", "b2b_policy", "partner"}
    assert all(1.5 <= o["delay"] <= 3 for o in fresh)
    assert len({o["delay"] for o in fresh}) == len(fresh)             # each its own draw, not one number
    # and each is hidden for now
    assert emulator.graph("contoso", "GET", sync).status_code == 404
    assert all(emulator.graph("contoso", "GET", "/users/" + g).status_code == 404 for g in gids)
    assert emulator.graph("contoso", "GET", B2B + "/" + pid, api="beta").status_code == 404
    assert emulator.graph("contoso", "GET", B2B, api="beta").json()["value"] == []
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + fabrikam).status_code == 404
    expanded = emulator.graph("contoso", "GET", CTAP + "/partners/" + tid,
                              params={"$expand": "identitySynchronization"}).json()
    assert expanded["identitySynchronization"] is None


def test_an_object_appears_once_its_own_delay_has_passed(emulator):
    emulator.replication(0.2, 1.2, seed=3)
    gids = [_invite(emulator, "h%d@woodgrove.gov" % i) for i in range(3)]
    delays = {o["id"]: o["delay"] for o in _pending(emulator, "user")}
    first = min(gids, key=delays.get)
    last = max(gids, key=delays.get)
    assert delays[last] - delays[first] > 0.15, delays       # seed 3 draws well-spread delays
    start = time.monotonic()
    assert emulator.graph("contoso", "GET", "/users/" + first).status_code == 404
    time.sleep(max(0.0, delays[first] + 0.05 - (time.monotonic() - start)))
    if time.monotonic() - start < delays[last] - 0.05:
        assert emulator.graph("contoso", "GET", "/users/" + first).status_code == 200
        assert emulator.graph("contoso", "GET", "/users/" + last).status_code == 404
    time.sleep(max(0.0, delays[last] + 0.05 - (time.monotonic() - start)))
    assert all(emulator.graph("contoso", "GET", "/users/" + g).status_code == 200 for g in gids)


def test_delays_are_reproducible_with_the_seed(emulator):
    a = _guest_delays(emulator, seed=11)
    b = _guest_delays(emulator, seed=11)
    c = _guest_delays(emulator, seed=12)
    assert a == b
    assert a != c
    assert all(1 <= d <= 4 for d in a + c)


def test_admin_seconds_is_a_fixed_delay(emulator):
    assert emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 2})["min"] == 2
    assert emulator.day()["replication_delay"]["max"] == 2
    _invite(emulator, "fixed1@woodgrove.gov")
    _invite(emulator, "fixed2@woodgrove.gov")
    assert [o["delay"] for o in _pending(emulator, "user")] == [2, 2]
    r = emulator.http.post(emulator.url + "/_emulator/replication_delay", json={"min": 3, "max": 1},
                           verify=emulator.ca, timeout=30)
    assert r.status_code == 400


# ---- the day the process was started with ----------------------------------------------------------

def test_reset_and_restore_come_back_to_the_start_time_day_not_to_zero(emulator):
    start = emulator.day()
    # tests/conftest.py starts the CLI with its default delay and --fault-probability 0
    assert start["replication_delay"] == {"min": 1.0, "max": 4.0, "seed": 0}
    assert start["faults"] == [] and start["latency_ms"] == 0 and start["start"]["faults"] == []
    emulator.admin("POST", "/_emulator/snapshots/day-test")
    for restore in (emulator.reset, lambda: emulator.restore("day-test")):
        emulator.replication(0)
        emulator.faults({"host": "graph", "status": 503, "times": 5})
        emulator.admin("POST", "/_emulator/latency", {"ms": 5})
        changed = emulator.day()
        assert changed["replication_delay"]["max"] == 0 and len(changed["faults"]) == 1
        assert changed["latency_ms"] == 5
        restore()
        again = emulator.day()
        assert {k: again[k] for k in ("replication_delay", "faults", "latency_ms")} == \
            {k: start[k] for k in ("replication_delay", "faults", "latency_ms")}
        gid = _invite(emulator, "after-reset@woodgrove.gov")        # the start-time delay is on again
        assert emulator.graph("contoso", "GET", "/users/" + gid).status_code == 404


def _run_cli(tmp_path, *flags):
    state_dir = str(tmp_path / "emu")
    os.makedirs(state_dir, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--state-dir", state_dir] + list(flags), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _wait in range(400):
        if os.path.exists(os.path.join(state_dir, "url")) or proc.poll() is not None:
            break
        time.sleep(0.05)
    return proc, state_dir


def test_cli_default_day_is_microsofts_ordinary_day(tmp_path):
    proc, state_dir = _run_cli(tmp_path)
    try:
        emu = Emulator(state_dir)
        day = emu.day()
        assert day["replication_delay"] == {"min": 1.0, "max": 4.0, "seed": 0}
        rule, = day["faults"]
        assert rule["probability"] == 0.03 and rule["seed"] == 0 and rule["when"] == "random"
        assert rule["status"] == SIX and not rule.get("host")                  # login and Graph alike
        assert day["start"]["faults"][0]["probability"] == 0.03
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_flags_shape_the_day(tmp_path):
    proc, state_dir = _run_cli(tmp_path, "--replication-delay", "2", "--fault-probability", "0.5",
                               "--fault-statuses", "503,drop", "--seed-random", "9")
    try:
        day = Emulator(state_dir).day()
        assert day["replication_delay"] == {"min": 2.0, "max": 2.0, "seed": 9}
        assert day["faults"][0]["status"] == [503, "drop"] and day["faults"][0]["seed"] == 9
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "emulator", "--state-dir", str(tmp_path / "bad"),
                          "--replication-delay", "4-1"], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "replication-delay" in bad.stderr


# ---- probabilistic faults ----------------------------------------------------------------------------

def _statuses(emulator, count, path=CTAP):
    out = []
    for _attempt in range(count):
        try:
            out.append(emulator.graph("contoso", "GET", path).status_code)
        except requests.exceptions.ConnectionError:
            out.append("drop")
    return out


def test_probabilistic_faults_hit_about_p_of_requests(emulator):
    emulator.token("contoso")
    emulator.chaos(0.2, seed=3, statuses=[503], host="graph")
    got = _statuses(emulator, 400)
    failed = got.count(503)
    assert 50 <= failed <= 110, failed                                   # 400 x 0.2 = 80, sd 8
    assert set(got) == {200, 503}
    log = [e for e in emulator.log() if e["kind"] == "graph"]
    assert len(log) == 400
    assert sorted(e["fault"] for e in log if e["status"] == 503) == ["before"] * failed
    assert all(e["fault"] is None for e in log if e["status"] == 200)
    assert emulator.admin("GET", "/_emulator/faults")["rules"][0]["hits"] == failed


def test_probabilistic_faults_are_reproducible_with_the_seed(emulator):
    runs = []
    for seed in (5, 5, 6):
        emulator.reset()
        emulator.token("contoso")
        emulator.chaos(0.3, seed=seed, host="graph", statuses=[500, 502, 504])
        runs.append(_statuses(emulator, 60))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert {500, 502, 504} & set(runs[0]) and 200 in runs[0]


def test_status_drawn_from_the_list_and_429_carries_retry_after(emulator):
    emulator.token("contoso")
    emulator.chaos(0.6, seed=1, statuses=[429, 500, 502], host="graph")
    seen = {}
    for _attempt in range(80):
        r = emulator.graph("contoso", "GET", CTAP)
        seen.setdefault(r.status_code, []).append(r)
    assert set(seen) == {200, 429, 500, 502}
    assert all(r.headers["Retry-After"] == "1" for r in seen[429])
    assert all(r.json()["error"]["message"].startswith("Injected fault") for r in seen[500] + seen[502])
    assert all("Retry-After" not in r.headers for r in seen[500])


def test_times_caps_a_probabilistic_rule(emulator):
    emulator.token("contoso")
    emulator.chaos(1.0, seed=0, statuses=[503], host="graph", times=2)
    assert _statuses(emulator, 4) == [503, 503, 200, 200]


def test_after_fault_applies_the_write_and_loses_the_answer(emulator):
    emulator.faults({"host": "graph", "method": "PATCH", "status": 503, "when": "after"})
    r = emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    assert r.status_code == 503
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == ["microsoftonline.us"]
    patch, = [e for e in emulator.log() if e["method"] == "PATCH"]
    assert (patch["status"], patch["fault"]) == (503, "after")
    # "before" is the opposite: nothing happened
    emulator.faults({"host": "graph", "method": "PATCH", "status": 503, "when": "before"})
    assert emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": []}).status_code == 503
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == ["microsoftonline.us"]


def test_after_drop_makes_a_post_outcome_unknown(emulator):
    emulator.replication(0)
    tid = emulator.tenant("woodgrove_gcc")["id"]
    emulator.token("contoso")
    emulator.faults({"host": "graph", "method": "POST", "path": "/partners$", "status": "drop", "when": "after"})
    with pytest.raises(requests.exceptions.ConnectionError):
        emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": tid})
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + tid).status_code == 200      # it was created
    post, = [e for e in emulator.log() if e["method"] == "POST" and e["kind"] == "graph"]
    assert (post["status"], post["fault"]) == ("drop", "after")
    assert emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": tid}).status_code == 409


def test_random_when_is_before_or_after_for_writes_and_before_for_reads(emulator):
    emulator.token("contoso")
    emulator.chaos(1.0, seed=4, statuses=[503], host="graph")
    for _attempt in range(30):
        assert emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": []}).status_code == 503
    for _attempt in range(10):
        assert emulator.graph("contoso", "GET", CTAP).status_code == 503
    log = [e for e in emulator.log() if e["kind"] == "graph"]
    assert {e["fault"] for e in log if e["method"] == "PATCH"} == {"before", "after"}
    assert {e["fault"] for e in log if e["method"] == "GET"} == {"before"}


def test_a_429_is_never_applied_first(emulator):
    # Graph throttles before it processes: a client may send a throttled POST again without a duplicate
    emulator.replication(0)
    tid = emulator.tenant("woodgrove_gcc")["id"]
    emulator.token("contoso")
    emulator.chaos(1.0, seed=4, statuses=[429], host="graph", method="POST")
    emulator.faults({"host": "graph", "method": "POST", "status": 429, "when": "after", "times": 1})
    for _attempt in range(20):
        assert emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": tid}).status_code == 429
    assert tid not in emulator.state("contoso")["data"]["ctap"]["partners"]
    assert {e["fault"] for e in emulator.log() if e["kind"] == "graph" and e["method"] == "POST"} == {"before"}


def test_batch_items_get_their_own_faults_behind_an_outer_200(emulator):
    emulator.token("contoso")
    emulator.chaos(1.0, seed=0, statuses=["drop"], host="graph", path="/default$")
    emulator.faults({"host": "graph", "method": "PATCH", "status": 502, "when": "after"})
    items = [{"id": "1", "method": "GET", "url": CTAP},
             {"id": "2", "method": "GET", "url": CTAP + "/default"},
             {"id": "3", "method": "PATCH", "url": CTAP, "headers": JSON,
              "body": {"allowedCloudEndpoints": ["microsoftonline.us"]}}]
    r = emulator.graph("contoso", "POST", "/$batch", {"requests": items})
    assert r.status_code == 200
    by_id = {a["id"]: a["status"] for a in r.json()["responses"]}
    assert by_id == {"1": 200, "2": 503, "3": 502}                  # a drop inside a batch is a 503 item
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == ["microsoftonline.us"]
    logged = {e["path"].rsplit("/", 1)[-1]: (e["status"], e["fault"]) for e in emulator.log() if e["batch_item"]}
    assert logged == {"crossTenantAccessPolicy": (502, "after"), "default": (503, "before")}
    # a probabilistic rule picks items one by one
    emulator.reset()
    emulator.chaos(0.5, seed=8, statuses=[503], host="graph", path="/default$")
    r = emulator.graph("contoso", "POST", "/$batch",
                       {"requests": [{"id": str(i), "method": "GET", "url": CTAP + "/default"} for i in range(20)]})
    assert r.status_code == 200
    statuses = [a["status"] for a in r.json()["responses"]]
    assert 200 in statuses and 503 in statuses


def test_login_hosts_fail_too(emulator):
    tenant = emulator.tenant("contoso")
    login = emulator.clouds["global"]["authority_host"]
    discovery = "%s/%s/v2.0/.well-known/openid-configuration" % (login, tenant["id"])
    emulator.faults({"host": "login", "path": "openid-configuration$", "status": 429, "retry_after": 2})
    r = emulator.http.get(discovery, verify=emulator.ca, timeout=30)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2" and r.json()["error"] == "temporarily_unavailable"
    assert emulator.http.get(discovery, verify=emulator.ca, timeout=30).status_code == 200
    # a probabilistic rule on the token endpoint, for one tenant only
    emulator.chaos(1.0, seed=0, statuses=["drop"], host="login", path="/token$", tenant=tenant["id"])
    with pytest.raises(requests.exceptions.ConnectionError):
        emulator.token_response("contoso")
    assert emulator.token_response("fabrikam_cn").status_code == 200
    faults = [(e["path"].rsplit("/", 1)[-1], e["status"], e["fault"]) for e in emulator.log() if e["fault"]]
    assert faults == [("openid-configuration", 429, "before"), ("token", "drop", "before")]


def test_fault_rules_are_validated(emulator):
    for rule in ({"probability": 1.5}, {"probability": 0.1, "when": "sometimes"},
                 {"probability": 0.1, "status": [503, 418]}, {"status": 503, "times": -1},
                 {"probability": 0.1, "status": []}):
        r = emulator.http.post(emulator.url + "/_emulator/faults", json={"rules": [rule]}, verify=emulator.ca,
                               timeout=30)
        assert r.status_code == 400, rule
    rule, = emulator.chaos(0.1)["rules"]
    assert rule["status"] == SIX and rule["when"] == "random" and rule["times"] is None
