"""JSON batching and fault injection in the emulator."""

import pytest
import requests

CTAP = "/policies/crossTenantAccessPolicy"


def _batch(emulator, requests_):
    return emulator.graph("contoso", "POST", "/$batch", {"requests": requests_})


def test_batch_limits(emulator):
    r = _batch(emulator, [{"id": str(i), "method": "GET", "url": CTAP} for i in range(21)])
    assert r.status_code == 400 and "maximum of 20" in r.json()["error"]["message"]
    r = _batch(emulator, [{"id": "1", "method": "GET", "url": CTAP}, {"id": "1", "method": "GET", "url": CTAP}])
    assert r.status_code == 400
    r = _batch(emulator, [{"id": "1", "method": "PATCH", "url": CTAP, "body": {"allowedCloudEndpoints": []}}])
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]["message"]
    r = _batch(emulator, [{"id": "1", "method": "GET", "url": emulator.clouds["global"]["graph_url"] + CTAP}])
    assert r.status_code == 400 and "relative" in r.json()["error"]["message"]


def test_batch_items_are_independent_and_unordered(emulator):
    r = _batch(emulator, [{"id": "a", "method": "GET", "url": CTAP},
                          {"id": "b", "method": "GET", "url": "/nosuch"},
                          {"id": "c", "method": "PATCH", "url": CTAP, "headers": {"Content-Type": "application/json"},
                           "body": {"allowedCloudEndpoints": ["microsoftonline.us"]}}])
    assert r.status_code == 200
    answers = r.json()["responses"]
    assert [a["id"] for a in answers] != ["a", "b", "c"]          # never in request order
    by_id = {a["id"]: a for a in answers}
    assert (by_id["a"]["status"], by_id["b"]["status"], by_id["c"]["status"]) == (200, 400, 204)
    assert by_id["b"]["body"]["error"]["code"] == "BadRequest"
    items = [e for e in emulator.log() if e["batch_item"]]
    assert len(items) == 3 and [e["write"] for e in items] == [False, False, True]
    assert emulator.counts()["graph_writes"] == 1                 # the $batch POST itself is not a write


def test_batch_depends_on_failed_item_gets_424(emulator):
    r = _batch(emulator, [{"id": "1", "method": "GET", "url": "/nosuch"},
                          {"id": "2", "method": "GET", "url": CTAP, "dependsOn": ["1"]}])
    by_id = {a["id"]: a["status"] for a in r.json()["responses"]}
    assert by_id == {"1": 400, "2": 424}


def test_per_item_throttling_behind_outer_200(emulator):
    emulator.faults({"host": "graph", "path": "default$", "status": 429, "retry_after": 3, "times": 1})
    r = _batch(emulator, [{"id": "1", "method": "GET", "url": CTAP}, {"id": "2", "method": "GET", "url": CTAP + "/default"}])
    assert r.status_code == 200
    by_id = {a["id"]: a for a in r.json()["responses"]}
    assert by_id["1"]["status"] == 200 and by_id["2"]["status"] == 429
    assert by_id["2"]["headers"]["Retry-After"] == "3"


@pytest.mark.parametrize("status", [429, 503, 504])
def test_status_faults(emulator, status):
    emulator.faults({"host": "graph", "method": "GET", "status": status, "retry_after": 2, "times": 1})
    r = emulator.graph("contoso", "GET", CTAP)
    assert r.status_code == status and r.headers["Retry-After"] == "2"
    assert emulator.graph("contoso", "GET", CTAP).status_code == 200   # only `times` requests fail


def test_stale_replica_fault_is_a_404_for_next_n_rules_only(emulator):
    emulator.faults({"host": "graph", "method": "GET", "status": 404, "times": 1})
    r = emulator.graph("contoso", "GET", CTAP)
    assert r.status_code == 404 and r.json()["error"]["code"] == "Request_ResourceNotFound"
    assert emulator.graph("contoso", "GET", CTAP).status_code == 200
    for rule in ({"status": 404, "probability": 0.5}, {"status": 404, "when": "after"}, {"status": 403}):
        r = emulator.http.post(emulator.url + "/_emulator/faults", json={"rules": [rule]}, verify=emulator.ca)
        assert r.status_code == 400, rule


def test_drop_fault_closes_connection(emulator):
    emulator.token("contoso")
    emulator.faults({"host": "graph", "status": "drop", "times": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        emulator.graph("contoso", "GET", CTAP)
    assert emulator.graph("contoso", "GET", CTAP).status_code == 200


def test_fault_rule_matches_tenant_and_method_only(emulator):
    emulator.faults({"host": "graph", "tenant": emulator.tenant("fabrikam_cn")["id"], "status": 503, "times": 5})
    assert emulator.graph("contoso", "GET", CTAP).status_code == 200
    assert emulator.graph("fabrikam_cn", "GET", CTAP).status_code == 503
