"""The request log keeps what each Graph write carried (`body`), for tests to check write contents."""

import json

import pytest

CTAP = "/policies/crossTenantAccessPolicy"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def emulator(emulator):
    """The rules here are not about replication: created objects are readable at once (the delay that
    the default day draws per object is proven in test_ordinary_day.py and by the delay tests here)."""
    emulator.replication(0)
    return emulator


def _entries(emulator, method, suffix):
    return [e for e in emulator.log() if e["method"] == method and e["path"].endswith(suffix)]


def test_patch_body_is_logged_parsed_and_reads_have_none(emulator):
    body = {"allowedCloudEndpoints": ["microsoftonline.us", "partner.microsoftonline.cn"]}
    assert emulator.graph("contoso", "PATCH", CTAP, body).status_code == 204
    assert emulator.graph("contoso", "GET", CTAP).status_code == 200
    patch, = _entries(emulator, "PATCH", CTAP)
    assert patch["body"] == body and patch["write"] is True
    get, = _entries(emulator, "GET", CTAP)
    assert get["body"] is None
    # the same field through the raw admin API (not only the test helper)
    raw = emulator.http.get(emulator.url + "/_emulator/log", verify=emulator.ca, timeout=30).json()["requests"]
    assert [e["body"] for e in raw if e["method"] == "PATCH"] == [body]


def test_refused_write_still_logs_its_body(emulator):
    bad = {"allowedCloudEndpoint": ["microsoftonline.us"]}      # wrong property name: 400
    r = emulator.graph("contoso", "PATCH", CTAP, bad)
    assert r.status_code == 400
    patch, = _entries(emulator, "PATCH", CTAP)
    assert patch["status"] == 400 and patch["body"] == bad


def test_non_json_and_empty_write_bodies_are_null(emulator):
    r = emulator.graph("contoso", "PATCH", CTAP, data="not json {", headers=JSON)
    assert r.status_code == 400
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    emulator.as_admin("contoso", "POST", "/v1.0" + CTAP + "/partners", {"tenantId": gcc})
    assert emulator.graph("contoso", "DELETE", CTAP + "/partners/" + gcc).status_code == 204
    patch, = _entries(emulator, "PATCH", CTAP)
    delete, = _entries(emulator, "DELETE", gcc)
    assert patch["body"] is None and delete["body"] is None
    assert _entries(emulator, "POST", "/partners") == []        # admin drift calls stay out of the log


def test_batch_outer_post_and_each_item_log_their_bodies(emulator):
    gcc = emulator.tenant("woodgrove_gcc")["id"]
    items = [{"id": "1", "method": "POST", "url": CTAP + "/partners", "headers": JSON, "body": {"tenantId": gcc}},
             {"id": "2", "method": "GET", "url": CTAP},
             {"id": "3", "method": "PATCH", "url": CTAP + "/partners/" + gcc, "headers": JSON, "dependsOn": ["1"],
              "body": {"inboundTrust": {"isMfaAccepted": True}}},
             {"id": "4", "method": "PATCH", "url": CTAP, "headers": JSON, "dependsOn": ["2"],
              "body": {"allowedCloudEndpoints": ["microsoftonline.us"]}}]
    r = emulator.graph("contoso", "POST", "/$batch", {"requests": items})
    assert r.status_code == 200
    assert sorted(a["status"] for a in r.json()["responses"]) == [200, 201, 204, 204]
    outer, = [e for e in emulator.log() if e["path"].endswith("/$batch")]
    assert outer["body"] == {"requests": items} and outer["batch_item"] is False
    logged = [(e["method"], e["path"].rsplit("/", 1)[-1], e["body"]) for e in emulator.log() if e["batch_item"]]
    assert logged == [("POST", "partners", {"tenantId": gcc}),
                      ("GET", "crossTenantAccessPolicy", None),
                      ("PATCH", gcc, {"inboundTrust": {"isMfaAccepted": True}}),
                      ("PATCH", "crossTenantAccessPolicy", {"allowedCloudEndpoints": ["microsoftonline.us"]})]


def test_batch_item_skipped_by_failed_dependency_still_logs_its_body(emulator):
    items = [{"id": "1", "method": "GET", "url": "/nosuch"},
             {"id": "2", "method": "PATCH", "url": CTAP, "headers": JSON, "dependsOn": ["1"],
              "body": {"allowedCloudEndpoints": ["microsoftonline.us"]}}]
    r = emulator.graph("contoso", "POST", "/$batch", {"requests": items})
    assert {a["id"]: a["status"] for a in r.json()["responses"]} == {"1": 400, "2": 424}
    skipped, = [e for e in emulator.log() if e["batch_item"] and e["method"] == "PATCH"]
    assert skipped["status"] == 424 and skipped["body"] == {"allowedCloudEndpoints": ["microsoftonline.us"]}


def test_sign_in_bodies_are_never_logged(emulator):
    secret = emulator.tenant("contoso")["client_secret"]
    assert emulator.token_response("contoso").status_code == 200
    assert emulator.token_response("contoso", secret="wrong-" + secret + "-0123456789abcdef").status_code == 401
    tokens = [e for e in emulator.log() if e["kind"] == "login"]
    assert len(tokens) == 2 and all(e["method"] == "POST" and e["body"] is None for e in tokens)
    assert secret not in json.dumps(emulator.log())
