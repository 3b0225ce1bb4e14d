import json

import pytest
import requests

from ansible_collections.entra.crosscloud.plugins.module_utils.graph import (
    GraphClient, GraphError, OutcomeUnknown, ReadOnlyError)


class Resp:
    def __init__(self, status, body=None, headers=None, url="https://graph.example.test/v1.0/x"):
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.url = url
        self.content = b"" if body is None else json.dumps(body).encode()
        self.text = self.content.decode()
        self.request = None

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


class FakeSession:
    """Plays back canned responses; records what was sent (below the client, never above it)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, **kw):
        self.sent.append(dict(kw, method=method, url=url))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(session, **kw):
    sleeps = []
    c = GraphClient("https://graph.example.test", lambda: "tok", verify="/ca.pem", session=session,
                    sleep=sleeps.append, **kw)
    c.sleeps = sleeps
    return c


def err(status, code="Code", message="msg", headers=None):
    return Resp(status, {"error": {"code": code, "message": message,
                                   "innerError": {"request-id": "rid-1", "client-request-id": "cid"}}}, headers)


def test_headers_verify_and_timeout_on_every_request():
    s = FakeSession(Resp(200, {"a": 1}))
    c = client(s, timeout=7)
    assert c.get("policies/x") == {"a": 1}
    sent = s.sent[0]
    assert sent["verify"] == "/ca.pem" and sent["timeout"] == 7
    assert sent["headers"]["Authorization"] == "Bearer tok"
    assert sent["headers"]["client-request-id"] and sent["headers"]["User-Agent"].startswith("entra.crosscloud/")
    assert sent["url"] == "https://graph.example.test/v1.0/policies/x"


def test_429_retried_with_retry_after():
    s = FakeSession(err(429, headers={"Retry-After": "3"}), err(429, headers={"Retry-After": "1"}), Resp(200, {}))
    c = client(s)
    c.get("x")
    assert c.sleeps == [3.0, 1.0] and len(s.sent) == 3


def test_503_backoff_without_retry_after_is_jittered_and_bounded():
    s = FakeSession(err(503), err(504), Resp(200, {}))
    c = client(s)
    c.get("x")
    assert len(c.sleeps) == 2 and all(0 <= d <= 8 for d in c.sleeps)


def test_post_not_retried_on_5xx_or_connection_error():
    for failure in (err(500), err(502), err(503), err(504), requests.exceptions.ConnectionError("reset"),
                    requests.exceptions.ReadTimeout("read timed out")):
        s = FakeSession(failure, Resp(201, {}))
        with pytest.raises(OutcomeUnknown) as e:
            client(s).post("partners", {"tenantId": "x"})
        assert len(s.sent) == 1 and "may have been applied" in str(e.value)


def test_post_retried_when_the_connection_never_opened():
    s = FakeSession(requests.exceptions.ConnectTimeout("connect timed out"), Resp(201, {"id": 1}))
    assert client(s).post("invitations", {}) == {"id": 1} and len(s.sent) == 2


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("failure", [500, 502, 503, 504, 429, "drop", "reset", "timeout"])
def test_safe_methods_retried_on_every_transient_failure(method, failure):
    first = {"drop": requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"),
             "reset": requests.exceptions.ChunkedEncodingError("Connection reset by peer"),
             "timeout": requests.exceptions.ReadTimeout("read timed out")}.get(failure) or err(failure)
    s = FakeSession(first, Resp(204 if method != "GET" else 200, None if method != "GET" else {"ok": 1}))
    c = client(s)
    c.request(method, "x", body={} if method in ("PUT", "PATCH") else None)
    assert len(s.sent) == 2 and len(c.sleeps) == 1 and c.stats.count == 1


def test_tls_verification_failure_is_not_retried():
    s = FakeSession(requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))
    with pytest.raises(GraphError) as e:
        client(s).get("x")
    assert len(s.sent) == 1 and "ca_path" in str(e.value)


def test_400_and_403_are_not_retried():
    for status in (400, 403, 409):
        s = FakeSession(err(status), Resp(200, {}))
        with pytest.raises(GraphError):
            client(s).get("x")
        assert len(s.sent) == 1


def test_retries_are_counted_and_described():
    s = FakeSession(err(503), err(429, headers={"Retry-After": "2"}), Resp(200, {}))
    c = client(s)
    c.get("policies/p")
    assert c.stats.count == 2
    assert "GET /v1.0/policies/p: HTTP 503" in c.stats.events[0] and "after 2.0 s" in c.stats.events[1]


def test_401_with_a_renewable_token_signs_in_again_once():
    tokens = iter(["fresh"])
    s = FakeSession(err(401, "InvalidAuthenticationToken"), Resp(200, {"ok": 1}))
    c = GraphClient("https://graph.example.test", lambda: "stale", session=s, sleep=lambda d: None,
                    token_refresher=lambda: next(tokens))
    assert c.get("x") == {"ok": 1}
    assert [x["headers"]["Authorization"] for x in s.sent] == ["Bearer stale", "Bearer fresh"]
    s = FakeSession(err(401, "InvalidAuthenticationToken"), err(401, "InvalidAuthenticationToken"))
    c = GraphClient("https://graph.example.test", lambda: "stale", session=s, sleep=lambda d: None,
                    token_refresher=lambda: "fresh")
    with pytest.raises(GraphError) as e:
        c.get("x")
    assert e.value.status == 401 and len(s.sent) == 2   # re-sent once, not forever
    s = FakeSession(err(401, "InvalidAuthenticationToken"))
    c = GraphClient("https://graph.example.test", lambda: "new", session=s, sleep=lambda d: None,
                    token_refresher=lambda: None)            # a token fresh from sign-in: nothing to renew
    with pytest.raises(GraphError):
        c.get("x")
    assert len(s.sent) == 1


def test_create_reads_after_an_unknown_outcome_and_does_not_post_twice():
    s = FakeSession(err(503))
    found = []
    c = client(s)
    assert c.create("partners", {"tenantId": "t"}, find=lambda: found.append(1) or {"tenantId": "t"}) == {
        "tenantId": "t"}
    assert len(s.sent) == 1 and found == [1]


def test_create_sends_again_when_the_first_post_was_not_applied():
    s = FakeSession(requests.exceptions.ConnectionError("Connection aborted"), Resp(201, {"tenantId": "t"}))
    c = client(s)
    assert c.create("partners", {"tenantId": "t"}, find=lambda: None) == {"tenantId": "t"}
    assert [x["method"] for x in s.sent] == ["POST", "POST"]


def test_create_takes_a_conflict_after_an_unknown_outcome_as_applied():
    s = FakeSession(err(502), err(409, "Request_MultipleObjectsWithSameKeyValue"))
    c = client(s)
    got = c.create("partners", {"tenantId": "t"}, find=lambda: None, wait_for=lambda: {"tenantId": "t", "w": 1})
    assert got == {"tenantId": "t", "w": 1}
    with pytest.raises(GraphError) as e:   # a conflict on the first attempt is a real error
        client(FakeSession(err(409))).create("partners", {}, find=lambda: None)
    assert e.value.status == 409


def test_replication_404_gives_up_naming_replication():
    s = FakeSession(*[err(404)] * 100)
    c = client(s, replication_wait=10)
    with pytest.raises(GraphError) as e:
        c.get_after_create("partners/new")
    assert sum(c.sleeps) <= 10 and "replicates a new object" in str(e.value) and "run again" in str(e.value)
    assert "still not found after" in str(e.value)


def test_await_replication_waits_the_shorter_of_its_seconds_and_replication_wait():
    c = client(FakeSession(), replication_wait=60)
    assert c.await_replication(lambda: None, "GET x", seconds=12) is None
    assert 4 < sum(c.sleeps) <= 12     # it stops before a wait that would pass 12 s (waits are 8 s at most)
    c = client(FakeSession(), replication_wait=5)
    assert c.await_replication(lambda: None, "GET x", seconds=12) is None and sum(c.sleeps) <= 5
    c = client(FakeSession(), replication_wait=30)
    assert c.await_replication(lambda: None, "GET x") is None and 22 <= sum(c.sleeps) <= 30


def test_post_retried_on_429():
    s = FakeSession(err(429, headers={"Retry-After": "0"}), Resp(201, {"id": 1}))
    assert client(s).post("invitations", {}) == {"id": 1}


def test_get_retried_on_connection_error():
    s = FakeSession(requests.exceptions.ConnectionError("dropped"), Resp(200, {"ok": True}))
    assert client(s).get("x") == {"ok": True}


def test_budget_by_count():
    s = FakeSession(*[err(429, headers={"Retry-After": "1"})] * 4)
    with pytest.raises(GraphError) as e:
        client(s, max_retries=3).get("x")
    assert "gave up after 4 attempts" in str(e.value) and len(s.sent) == 4


def test_budget_by_seconds():
    s = FakeSession(*[err(429, headers={"Retry-After": "25"})] * 10)
    c = client(s, max_retry_seconds=60)
    with pytest.raises(GraphError):
        c.get("x")
    assert sum(c.sleeps) <= 60 and len(s.sent) == 3


def test_error_is_one_line_with_code_and_request_id():
    s = FakeSession(err(400, "Request_BadRequest", "Invalid property 'b2BCollaborationInbound'."))
    with pytest.raises(GraphError) as e:
        client(s).patch("policies/p", {"a": 1})
    text = str(e.value)
    assert "\n" not in text
    assert text == ("Graph PATCH /v1.0/policies/p failed: 400 Request_BadRequest: Invalid property "
                    "'b2BCollaborationInbound' (request-id rid-1)")


def test_non_json_error_body():
    r = Resp(502, None)
    r.text = "<html>Bad gateway</html>"
    with pytest.raises(GraphError) as e:
        client(FakeSession(r)).post("x", {})
    assert e.value.status == 502 and "Bad gateway" in str(e.value)


def test_403_hint_names_permission():
    with pytest.raises(GraphError) as e:
        client(FakeSession(err(403, "Authorization_RequestDenied"))).get("x", permission="Policy.Read.All")
    assert "grant the application permission Policy.Read.All" in str(e.value)


def test_unexpected_success_status_is_an_error():
    with pytest.raises(GraphError) as e:
        client(FakeSession(Resp(200, {}))).patch("x", {}, expected=(204,))
    assert e.value.code == "UnexpectedStatus"


def test_get_or_none_and_delete_if_exists():
    assert client(FakeSession(err(404))).get_or_none("x") is None
    assert client(FakeSession(err(404))).delete_if_exists("x") is False
    with pytest.raises(GraphError):
        client(FakeSession(err(400))).get_or_none("x")


def test_get_after_create_retries_404():
    s = FakeSession(err(404), err(404), Resp(200, {"id": "new"}))
    c = client(s)
    assert c.get_after_create("partners/new") == {"id": "new"}
    assert len(c.sleeps) == 2
    with pytest.raises(GraphError):
        client(FakeSession(err(404))).get("partners/new")


def test_read_only_refuses_writes_before_sending():
    s = FakeSession()
    c = client(s, read_only=True)
    for call in (lambda: c.post("x", {}), lambda: c.patch("x", {}), lambda: c.put("x", {}), lambda: c.delete("x"),
                 lambda: c.batch([{"method": "GET", "url": "/a"}, {"method": "DELETE", "url": "/b"}])):
        with pytest.raises(ReadOnlyError):
            call()
    assert s.sent == []


def test_paging_follows_next_link_on_same_host_only():
    s = FakeSession(Resp(200, {"value": [1, 2], "@odata.nextLink": "https://graph.example.test/v1.0/x?$skiptoken=2"}),
                    Resp(200, {"value": [3]}))
    assert list(client(s).paged("x")) == [1, 2, 3]
    assert s.sent[1]["url"] == "https://graph.example.test/v1.0/x?$skiptoken=2"
    s = FakeSession(Resp(200, {"value": [1], "@odata.nextLink": "https://evil.example/v1.0/x"}))
    with pytest.raises(GraphError) as e:
        list(client(s).paged("x"))
    assert "another host" in str(e.value)


def _batch_answer(sent, statuses):
    reqs = json.loads(sent["data"])["requests"]
    return Resp(200, {"responses": [{"id": r["id"], "status": statuses.get(r["id"], 200),
                                     "headers": {"Retry-After": "2"} if statuses.get(r["id"]) == 429 else {},
                                     "body": {"n": r["url"]}} for r in reversed(reqs)]})


class BatchSession(FakeSession):
    def __init__(self, throttle_once=()):
        super().__init__()
        self.throttle = set(throttle_once)

    def request(self, method, url, **kw):
        self.sent.append(dict(kw, method=method, url=url))
        statuses = {}
        for r in json.loads(kw["data"])["requests"]:
            if r["id"] in self.throttle:
                statuses[r["id"]] = 429
                self.throttle.discard(r["id"])
        return _batch_answer(self.sent[-1], statuses)


def test_batch_splits_into_twenties_and_returns_in_order():
    s = BatchSession()
    answers = client(s).batch([{"method": "GET", "url": "/u/%d" % i} for i in range(45)])
    assert [len(json.loads(x["data"])["requests"]) for x in s.sent] == [20, 20, 5]
    assert [a["body"]["n"] for a in answers] == ["/u/%d" % i for i in range(45)]
    assert all(x["url"].endswith("/v1.0/$batch") for x in s.sent)


def test_batch_adds_content_type_for_bodies():
    s = BatchSession()
    client(s).batch([{"method": "POST", "url": "/invitations", "body": {"a": 1}}])
    item = json.loads(s.sent[0]["data"])["requests"][0]
    assert item["headers"]["Content-Type"] == "application/json" and item["body"] == {"a": 1}


def test_batch_retries_only_throttled_items():
    s = BatchSession(throttle_once={"2"})
    c = client(s)
    answers = c.batch([{"method": "GET", "url": "/a"}, {"method": "GET", "url": "/b"}])
    assert [a["status"] for a in answers] == [200, 200]
    assert [len(json.loads(x["data"])["requests"]) for x in s.sent] == [2, 1]
    assert c.sleeps == [2.0]


def test_read_only_allows_a_batch_of_reads():
    s = BatchSession()
    answers = client(s, read_only=True).batch([{"method": "GET", "url": "/a"}, {"method": "GET", "url": "/b"}])
    assert [a["status"] for a in answers] == [200, 200] and len(s.sent) == 1


class ScriptedBatch(FakeSession):
    """Answers each $batch POST from a script: a list per call of {item id: status} (missing ids: 200)."""

    def __init__(self, *script):
        super().__init__()
        self.script = list(script)

    def request(self, method, url, **kw):
        self.sent.append(dict(kw, method=method, url=url))
        step = self.script.pop(0) if self.script else {}
        if isinstance(step, Resp):
            return step
        if isinstance(step, dict):
            return _batch_answer(self.sent[-1], step)
        raise requests.exceptions.ConnectionError(str(step))   # a connection failure, scripted by its text


def _items(sent):
    return [[(r["method"], r["url"]) for r in json.loads(x["data"])["requests"]] for x in sent]


def test_batch_retries_5xx_items_that_are_safe_and_hands_back_posts():
    s = ScriptedBatch({"1": 503, "2": 500, "3": 502}, {})
    c = client(s)
    answers = c.batch([{"method": "GET", "url": "/a"}, {"method": "PATCH", "url": "/b", "body": {}},
                       {"method": "POST", "url": "/invitations", "body": {}}])
    assert _items(s.sent) == [[("GET", "/a"), ("PATCH", "/b"), ("POST", "/invitations")],
                              [("GET", "/a"), ("PATCH", "/b")]]
    assert [a["status"] for a in answers] == [200, 200, 502]
    assert answers[2]["outcome_unknown"] is True and "outcome_unknown" not in answers[0]


def test_batch_of_reads_is_resent_after_an_outer_failure():
    s = ScriptedBatch(err(502), "Connection aborted", {})
    c = client(s)
    answers = c.batch([{"method": "GET", "url": "/a"}, {"method": "GET", "url": "/b"}])
    assert [a["status"] for a in answers] == [200, 200] and len(s.sent) == 3


def test_batch_with_a_post_is_not_resent_whole_after_an_outer_failure():
    s = ScriptedBatch(err(503), {})
    c = client(s)
    answers = c.batch([{"method": "DELETE", "url": "/users/1"}, {"method": "POST", "url": "/invitations", "body": {}}])
    assert _items(s.sent) == [[("DELETE", "/users/1"), ("POST", "/invitations")], [("DELETE", "/users/1")]]
    assert answers[0]["status"] == 200 and answers[1]["outcome_unknown"] is True


def test_batch_post_items_are_resent_after_429():
    s = ScriptedBatch({"1": 429}, {})
    answers = client(s).batch([{"method": "POST", "url": "/invitations", "body": {}}])
    assert answers[0]["status"] == 200 and len(s.sent) == 2


def test_batch_budget_ends_leaving_the_last_answers():
    s = ScriptedBatch(*[{"1": 503}] * 20)
    c = client(s, max_retries=2)
    answers = c.batch([{"method": "GET", "url": "/a"}])
    assert answers[0]["status"] == 503 and len(s.sent) == 3


def test_discovery_and_token_requests_follow_the_same_retry_rules():
    from ansible_collections.entra.crosscloud.plugins.module_utils.graph import Backoff, RetryStats, fetch_json
    stats, sleeps = RetryStats(), []
    s = FakeSession(requests.exceptions.ConnectionError("Connection aborted"), err(503), Resp(200, {"issuer": "x"}))
    status, doc = fetch_json("https://login.example.test/t/v2.0/.well-known/openid-configuration", session=s,
                             backoff=Backoff(stats=stats, sleep=sleeps.append))
    assert (status, doc) == (200, {"issuer": "x"}) and len(s.sent) == 3 and stats.count == 2
    # a TLS failure is never retried; a budget of 0 s gives the transient answer back at once
    s = FakeSession(requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))
    with pytest.raises(requests.exceptions.SSLError):
        fetch_json("https://login.example.test/x", session=s, backoff=Backoff(sleep=sleeps.append))
    s = FakeSession(err(503))
    assert fetch_json("https://login.example.test/x", session=s,
                      backoff=Backoff(max_seconds=0, sleep=sleeps.append))[0] == 503
