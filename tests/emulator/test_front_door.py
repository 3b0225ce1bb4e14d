"""What every Graph request meets before a resource sees it, and the emulator's CLI contract."""

import os
import subprocess
import sys
import time

import pytest
import requests
import yaml

from tests.conftest import REPO


def test_cli_writes_its_files_and_serves(emulator):
    for name in ("ca.pem", "clouds.yml", "tenants.yml", "url"):
        assert os.path.getsize(os.path.join(emulator.state_dir, name)) > 0
    clouds = emulator.clouds
    assert set(clouds) == {"global", "usgov", "usgov_dod", "china"}
    # DoD shares US Gov's login host but has its own Graph host
    assert clouds["usgov_dod"]["authority_host"] == clouds["usgov"]["authority_host"]
    assert clouds["usgov_dod"]["graph_url"] != clouds["usgov"]["graph_url"]
    assert clouds["china"]["endpoint"] == "partner.microsoftonline.cn"
    assert all(c["ca_path"] == emulator.ca for c in clouds.values())
    t = emulator.tenant("contoso")
    assert t["client_secret"] and t["cloud"] == "global"
    assert {"adele.vance@contoso.com"} <= set(t["users"])


def test_bad_seed_is_refused(tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text(yaml.safe_dump({"tenants": [{"id": "not-a-guid", "cloud": "global", "domains": ["x.com"]}]}))
    proc = subprocess.run([sys.executable, "-m", "emulator", "--state-dir", str(tmp_path / "s"), "--seed", str(seed)],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "not a GUID" in proc.stderr
    assert not (tmp_path / "s" / "url").exists()


def test_unknown_segment_version_and_method(emulator):
    r = emulator.graph("contoso", "GET", "/policies/noSuchThing")
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
    assert "noSuchThing" in r.json()["error"]["message"]
    r = emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy", api="v2.0")
    assert r.status_code == 400


def test_error_shape_and_request_ids(emulator):
    r = emulator.graph("contoso", "GET", "/policies/noSuchThing", headers={"client-request-id": "abc-123"})
    body = r.json()["error"]
    assert set(body) == {"code", "message", "innerError"}
    assert body["innerError"]["client-request-id"] == "abc-123"
    assert r.headers["client-request-id"] == "abc-123"
    assert r.headers["request-id"] == body["innerError"]["request-id"]
    assert "x-ms-ags-diagnostic" in r.headers


def test_latency_injection(emulator):
    emulator.token("contoso")
    emulator.admin("POST", "/_emulator/latency", {"ms": 300})
    t0 = time.time()
    emulator.graph("contoso", "GET", "/policies/noSuchThing")
    assert time.time() - t0 >= 0.3
    emulator.reset()
    t0 = time.time()
    emulator.token("contoso")
    emulator.graph("contoso", "GET", "/policies/noSuchThing")
    assert time.time() - t0 < 0.3


def test_admin_endpoints_only_on_admin_listener(emulator):
    r = requests.get(emulator.clouds["global"]["graph_url"] + "/_emulator/log", verify=emulator.ca)
    assert r.status_code in (400, 401)
    assert "requests" in emulator.admin("GET", "/_emulator/log")


def test_bad_fault_rule_refused(emulator):
    r = requests.post(emulator.url + "/_emulator/faults", json={"rules": [{"status": 418}]}, verify=emulator.ca)
    assert r.status_code == 400
    r = requests.post(emulator.url + "/_emulator/faults", json={"rules": [{"status": 429, "colour": "red"}]},
                      verify=emulator.ca)
    assert r.status_code == 400


def test_state_file_keeps_settings_across_runs(tmp_path):
    from tests.conftest import Emulator
    state_file = str(tmp_path / "state.json")
    for run in range(2):
        state_dir = str(tmp_path / ("run%d" % run))
        os.makedirs(state_dir)
        proc = subprocess.Popen([sys.executable, "-m", "emulator", "--state-dir", state_dir, "--fault-probability",
                                 "0", "--state-file", state_file], cwd=REPO, stdout=subprocess.DEVNULL)
        try:
            for _wait in range(300):
                if os.path.exists(os.path.join(state_dir, "url")):
                    break
                time.sleep(0.05)
            emu = Emulator(state_dir)
            endpoints = emu.graph("contoso", "GET", "/policies/crossTenantAccessPolicy").json()["allowedCloudEndpoints"]
            if run == 0:
                assert endpoints == []
                r = emu.graph("contoso", "PATCH", "/policies/crossTenantAccessPolicy",
                              {"allowedCloudEndpoints": ["microsoftonline.us"]})
                assert r.status_code == 204
            else:
                assert endpoints == ["microsoftonline.us"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_snapshot_and_restore(emulator):
    ctap = "/v1.0/policies/crossTenantAccessPolicy"
    emulator.as_admin("contoso", "PATCH", ctap, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    emulator.admin("POST", "/_emulator/snapshots/gov-enabled")
    emulator.as_admin("contoso", "PATCH", ctap, {"allowedCloudEndpoints": []})
    emulator.faults({"host": "graph", "status": 503, "times": 1})
    assert emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy").status_code == 503
    emulator.admin("POST", "/_emulator/snapshots/gov-enabled/restore")
    # the snapshot's data is back; faults and the log are cleared as by a reset
    r = emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy")
    assert r.status_code == 200 and r.json()["allowedCloudEndpoints"] == ["microsoftonline.us"]
    assert [e["path"] for e in emulator.log()] == ["/v1.0/policies/crossTenantAccessPolicy"]
    # a restored snapshot is a copy: changing the state does not change the snapshot
    emulator.as_admin("contoso", "PATCH", ctap, {"allowedCloudEndpoints": []})
    emulator.admin("POST", "/_emulator/snapshots/gov-enabled/restore")
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == ["microsoftonline.us"]
    r = emulator.http.post(emulator.url + "/_emulator/snapshots/nothing-like-it/restore", verify=emulator.ca, timeout=30)
    assert r.status_code == 404


# ---- front-door strictness: Content-Type, query options, paging tokens ---------------------------------

CTAP = "/policies/crossTenantAccessPolicy"


def test_body_needs_a_json_content_type(emulator):
    body = '{"allowedCloudEndpoints": ["microsoftonline.us"]}'
    for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}):
        r = emulator.graph("contoso", "PATCH", CTAP, data=body, headers=headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest", headers
        assert "Content-Type" in r.json()["error"]["message"]
    assert emulator.state("contoso")["data"]["ctap"]["policy"]["allowedCloudEndpoints"] == []
    r = emulator.graph("contoso", "PATCH", CTAP, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 204
    # a $batch item's Content-Type must be JSON too
    r = emulator.graph("contoso", "POST", "/$batch", {"requests": [
        {"id": "1", "method": "PATCH", "url": CTAP, "headers": {"Content-Type": "text/plain"},
         "body": {"allowedCloudEndpoints": []}}]})
    assert r.status_code == 200 and r.json()["responses"][0]["status"] == 400


@pytest.mark.parametrize("name", ["$selct", "$fitler", "$toop", "$Selct"])
def test_unknown_system_query_option_refused(emulator, name):
    r = emulator.graph("contoso", "GET", "/users", params={name: "mail"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_BadRequest"
    assert r.json()["error"]["message"] == "Unrecognized query argument specified: '%s'." % name


def test_query_option_names_case_insensitive_and_dollar_optional_on_beta(emulator):
    users = emulator.graph("contoso", "GET", "/users", params={"$SELECT": "userType"}).json()["value"]
    assert set(users[0]) == {"id", "userType"}
    users = emulator.graph("contoso", "GET", "/users", params={"select": "userType"}, api="beta").json()["value"]
    assert set(users[0]) == {"id", "userType"}
    r = emulator.graph("contoso", "GET", CTAP, params={"filter": "x eq 1"}, api="beta")
    assert r.status_code == 400


@pytest.mark.parametrize("path,api", [
    (CTAP, "v1.0"), (CTAP + "/default", "v1.0"), (CTAP + "/partners", "v1.0"),
    ("/policies/authorizationPolicy", "v1.0"),
    ("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email", "v1.0"),
    ("/policies/b2bManagementPolicies", "beta"), ("/policies/externalIdentitiesPolicy", "beta"),
])
def test_filter_refused_where_graph_does_not_support_it(emulator, path, api):
    r = emulator.graph("contoso", "GET", path, params={"$filter": "displayName eq 'x'"}, api=api)
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_UnsupportedQuery", r.text
    assert emulator.graph("contoso", "GET", path, api=api).status_code == 200


@pytest.mark.parametrize("method,path,params,api", [
    ("GET", "/users", {"$skip": "1"}, "v1.0"),                          # "$skip isn't supported" (user-list)
    ("GET", "/policies/authorizationPolicy", {"$top": "1"}, "v1.0"),
    ("GET", "/policies/b2bManagementPolicies", {"$select": "id"}, "beta"),  # "Optional query parameters: None."
    ("GET", "/tenantRelationships/findTenantInformationByDomainName(domainName='contoso.com')", {"$select": "x"},
     "v1.0"),
    ("PATCH", CTAP, {"$select": "displayName"}, "v1.0"),                # options are for GET only
])
def test_known_option_refused_where_not_supported(emulator, method, path, params, api):
    body = {"allowedCloudEndpoints": []} if method == "PATCH" else None
    r = emulator.graph("contoso", method, path, body, params=params, api=api)
    assert r.status_code == 400 and "not supported" in r.json()["error"]["message"], r.text


def test_what_the_collection_sends_is_accepted(emulator):
    from ansible_collections.entra.crosscloud.plugins.module_utils import guests
    url = guests.lookup_url("megan@contoso.com")
    r = emulator.graph("contoso", "GET", url)
    assert r.status_code == 200, r.text
    # the most one lookup asks for: five people, 15 expressions, the emulator's (and Graph's) limit
    full = guests.lookup_url(*["megan@contoso.com"] + ["p%d@o'brien.example" % i for i in range(4)])
    r = emulator.graph("contoso", "GET", full)
    assert r.status_code == 200 and [u["mail"] for u in r.json()["value"]] == ["megan@contoso.com"], r.text
    with pytest.raises(ValueError):
        guests.lookup_url(*["p%d@contoso.com" % i for i in range(6)])
    r = emulator.graph("contoso", "POST", "/$batch", {"requests": [{"id": "1", "method": "GET", "url": url}]})
    assert r.json()["responses"][0]["status"] == 200
    assert emulator.graph("contoso", "GET", CTAP + "/partners", params={"$select": "tenantId",
                                                                        "$expand": "identitySynchronization",
                                                                        "$top": "2"}).status_code == 200
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + emulator.tenant("woodgrove_gcc")["id"],
                          params={"$select": "b2bCollaborationInbound"}).status_code == 404   # known option


def test_next_link_carries_an_opaque_skiptoken(emulator):
    r = emulator.graph("contoso", "GET", "/users", params={"$top": "1"})
    link = r.json()["@odata.nextLink"]
    token = link.split("$skiptoken=")[1].split("&")[0]
    assert not token.isdigit()
    assert emulator.graph("contoso", "GET", link).status_code == 200
    r = emulator.graph("contoso", "GET", "/users", params={"$skiptoken": "1"})
    assert r.status_code == 400
