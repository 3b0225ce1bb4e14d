import json

import pytest
import requests

from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphClient, GraphError, ReadOnlyError


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


def test_post_not_retried_on_503_or_connection_error():
    for failure in (err(503), requests.exceptions.ConnectionError("reset")):
        s = FakeSession(failure, Resp(201, {}))
        with pytest.raises(GraphError):
            client(s).post("partners", {"tenantId": "x"})
        assert len(s.sent) == 1


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
        client(FakeSession(r)).patch("x", {})
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
