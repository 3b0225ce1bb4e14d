"""GraphClient against the emulator's Graph hosts: retries, budget, paging, $batch, read-only."""

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError, ReadOnlyError

CTAP = "policies/crossTenantAccessPolicy"


def _graph_log(emulator):
    return [e for e in emulator.log() if e["kind"] == "graph"]


def test_get_works_with_machine_ca_bundle_env(emulator, client_for, monkeypatch):
    # REQUESTS_CA_BUNDLE overrides Session.verify; the client must pass verify per request.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    policy = client_for("contoso").get(CTAP)
    assert "allowedCloudEndpoints" in policy


def test_429_retried_honouring_retry_after(emulator, client_for):
    emulator.faults({"host": "graph", "method": "GET", "path": "crossTenantAccessPolicy$", "status": 429,
                     "retry_after": 2, "times": 2})
    client = client_for("contoso")
    assert "allowedCloudEndpoints" in client.get(CTAP)
    assert client.sleeps == [2.0, 2.0]
    assert [e["status"] for e in _graph_log(emulator)] == [429, 429, 200]


def test_503_and_drop_retried_for_get(emulator, client_for):
    emulator.faults({"host": "graph", "method": "GET", "status": 503, "times": 1},
                    {"host": "graph", "method": "GET", "status": "drop", "times": 1})
    client = client_for("contoso")
    assert "allowedCloudEndpoints" in client.get(CTAP)
    assert len(client.sleeps) == 2


def test_post_not_retried_after_503(emulator, client_for):
    emulator.faults({"host": "graph", "method": "POST", "status": 503, "times": 1})
    client = client_for("contoso")
    with pytest.raises(GraphError) as err:
        client.post(CTAP + "/partners", {"tenantId": emulator.tenant("woodgrove_gcc")["id"]})
    assert err.value.status == 503
    assert [e["method"] for e in _graph_log(emulator)] == ["POST"]
    assert client.sleeps == []


def test_post_retried_after_429(emulator, client_for):
    emulator.faults({"host": "graph", "method": "POST", "status": 429, "retry_after": 1, "times": 1})
    client = client_for("contoso")
    created = client.post(CTAP + "/partners", {"tenantId": emulator.tenant("woodgrove_gcc")["id"]})
    assert created["tenantId"] == emulator.tenant("woodgrove_gcc")["id"]
    assert [e["status"] for e in _graph_log(emulator)] == [429, 201]


def test_retry_budget_ends_with_a_clear_error(emulator, client_for):
    emulator.faults({"host": "graph", "status": 429, "retry_after": 1, "times": 50})
    client = client_for("contoso", max_retries=3)
    with pytest.raises(GraphError) as err:
        client.get(CTAP)
    text = str(err.value)
    assert err.value.status == 429 and "gave up after 4 attempts" in text
    assert text.startswith("Graph GET /v1.0/policies/crossTenantAccessPolicy failed: 429 TooManyRequests")
    assert len(_graph_log(emulator)) == 4


def test_retry_budget_in_seconds(emulator, client_for):
    emulator.faults({"host": "graph", "status": 429, "retry_after": 30, "times": 50})
    client = client_for("contoso", max_retry_seconds=45)
    with pytest.raises(GraphError):
        client.get(CTAP)
    assert sum(client.sleeps) <= 45 and len(_graph_log(emulator)) == 2


def test_error_carries_code_and_request_id(emulator, client_for):
    with pytest.raises(GraphError) as err:
        client_for("contoso").get("policies/noSuchThing")
    e = err.value
    assert (e.status, e.code) == (400, "BadRequest") and e.request_id
    assert "request-id %s" % e.request_id in str(e)


def test_403_names_the_permission(emulator, client_for, settings_for):
    from ansible_collections.entra.crosscloud.plugins.module_utils import auth
    from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphClient
    reader = [a for a in emulator.tenant("contoso")["apps"] if a["display_name"] == "read-only auditor"][0]
    s = settings_for("contoso", client_id=reader["client_id"], client_secret=reader["client_secret"])
    client = GraphClient(emulator.clouds["global"]["graph_url"], lambda: auth.get_access_token(s)[0],
                         verify=emulator.ca)
    with pytest.raises(GraphError) as err:
        client.patch(CTAP, {"allowedCloudEndpoints": []}, permission="Policy.ReadWrite.CrossTenantAccess")
    assert err.value.code == "Authorization_RequestDenied"
    assert "grant the application permission Policy.ReadWrite.CrossTenantAccess" in str(err.value)


def test_read_only_client_never_sends_a_write(emulator, client_for):
    client = client_for("contoso", read_only=True)
    client.get(CTAP)
    for call in (lambda: client.patch(CTAP, {"allowedCloudEndpoints": []}),
                 lambda: client.post(CTAP + "/partners", {}),
                 lambda: client.delete(CTAP + "/partners/x"),
                 lambda: client.batch([{"method": "PATCH", "url": "/" + CTAP, "body": {}}])):
        with pytest.raises(ReadOnlyError):
            call()
    assert emulator.counts()["graph_writes"] == 0
    assert len(_graph_log(emulator)) == 1


def test_paging_follows_next_link(emulator, client_for):
    emulator.replication(0)     # the partners below are listed at once: paging, not replication, is tested here
    client = client_for("contoso")
    client.patch(CTAP, {"allowedCloudEndpoints": ["microsoftonline.us", "partner.microsoftonline.cn"]})
    names = ("woodgrove_gcc", "tailspin_gcch", "northwind_dod", "fabrikam_cn", "litware_usg")
    for name in names:
        client.post(CTAP + "/partners", {"tenantId": emulator.tenant(name)["id"]})
    partners = list(client.paged(CTAP + "/partners", params={"$top": "2"}))
    assert sorted(p["tenantId"] for p in partners) == sorted(emulator.tenant(n)["id"] for n in names)
    gets = [e for e in _graph_log(emulator) if e["method"] == "GET" and e["path"].endswith("/partners")]
    assert len(gets) == 3


def test_batch_splits_in_twenties_and_keeps_order(emulator, client_for):
    client = client_for("contoso")
    reqs = [{"method": "GET", "url": "/" + CTAP} if i % 2 == 0 else {"method": "GET", "url": "/nosuch%d" % i}
            for i in range(45)]
    answers = client.batch(reqs)
    assert [a["status"] for a in answers] == [200 if i % 2 == 0 else 400 for i in range(45)]
    posts = [e for e in _graph_log(emulator) if e["path"].endswith("/$batch")]
    assert len(posts) == 3


def test_batch_retries_throttled_items_only(emulator, client_for):
    emulator.faults({"host": "graph", "path": "crossTenantAccessPolicy/default$", "status": 429, "retry_after": 1,
                     "times": 1})
    client = client_for("contoso")
    answers = client.batch([{"method": "GET", "url": "/" + CTAP}, {"method": "GET", "url": "/" + CTAP + "/default"}])
    assert [a["status"] for a in answers] == [200, 200]
    items = [e for e in _graph_log(emulator) if e["batch_item"]]
    assert [(e["path"].rsplit("/", 1)[-1], e["status"]) for e in items] == [
        ("crossTenantAccessPolicy", 200), ("default", 429), ("default", 200)]
    assert client.sleeps == [1.0]


def test_people_looked_up_five_per_filter(emulator, client_for):
    from ansible_collections.entra.crosscloud.plugins.module_utils import guests
    client = client_for("contoso")
    asked = ["MEGAN.BOWEN@contoso.com", "megan@contoso.com", "adele.vance@contoso.com"] + \
        ["nobody%d@contoso.com" % i for i in range(6)] + ["Adele.Vance@contoso.com"]
    found = guests.find_by_address(client, asked)
    assert sorted(found) == sorted(set(a.lower() for a in asked))
    # megan is found by her UPN and by her mail; each address gets the user it names, or None
    assert found["megan.bowen@contoso.com"]["userPrincipalName"] == "megan.bowen@contoso.com"
    assert found["megan@contoso.com"]["userPrincipalName"] == "megan.bowen@contoso.com"
    assert found["adele.vance@contoso.com"]["mail"] == "adele.vance@contoso.com"
    assert [a for a, user in found.items() if user is None] == ["nobody%d@contoso.com" % i for i in range(6)]
    # nine people: two filters (five and four people), one $batch request
    log = _graph_log(emulator)
    assert [e["path"].rsplit("/", 1)[-1] for e in log if not e["batch_item"]] == ["$batch"]
    assert len([e for e in log if e["batch_item"]]) == 2


def test_batch_until_settled_sends_again_what_a_stale_replica_answered(emulator, client_for):
    emulator.faults({"host": "graph", "path": "crossTenantAccessPolicy/default$", "status": 404, "times": 2})
    client = client_for("contoso")
    requests_ = [{"method": "GET", "url": "/" + CTAP}, {"method": "GET", "url": "/" + CTAP + "/default"}]
    answers = client.batch_until_settled(requests_, lambda _req, answer: answer["status"] == 404, "GET default")
    assert [a["status"] for a in answers] == [200, 200]
    items = [(e["path"].rsplit("/", 1)[-1], e["status"]) for e in _graph_log(emulator) if e["batch_item"]]
    # only the unsettled item is sent again, once per replication wait
    assert items == [("crossTenantAccessPolicy", 200), ("default", 404), ("default", 404), ("default", 200)]
    assert len(client.sleeps) == 2
