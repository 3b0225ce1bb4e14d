"""Sign-in side of the emulator: discovery per cloud, client credentials, AADSTS errors."""

import requests


def _aadsts(resp):
    return resp.json()["error_codes"][0]


def test_discovery_on_global_host_answers_for_every_cloud(emulator):
    for name, cloud, instance in [("contoso", "global", "microsoftonline.com"),
                                  ("tailspin_gcch", "usgov", "microsoftonline.us"),
                                  ("northwind_dod", "usgov_dod", "microsoftonline.us"),
                                  ("fabrikam_cn", "china", "partner.microsoftonline.cn")]:
        t = emulator.tenant(name)
        r = requests.get("%s/%s/v2.0/.well-known/openid-configuration"
                         % (emulator.clouds["global"]["authority_host"], t["id"]), verify=emulator.ca)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["cloud_instance_name"] == instance
        # the token endpoint is on the tenant's own cloud's login host
        assert doc["token_endpoint"].startswith(emulator.clouds[cloud]["authority_host"] + "/")


def test_discovery_region_scopes(emulator):
    def doc(name):
        t = emulator.tenant(name)
        return requests.get("%s/%s/v2.0/.well-known/openid-configuration"
                            % (emulator.clouds["global"]["authority_host"], t["id"]), verify=emulator.ca).json()
    assert doc("northwind_dod")["tenant_region_sub_scope"] == "DOD"
    assert doc("tailspin_gcch")["tenant_region_sub_scope"] == "DODCON"
    assert doc("woodgrove_gcc")["tenant_region_sub_scope"] == "GCC"
    assert doc("woodgrove_gcc")["cloud_instance_name"] == "microsoftonline.com"
    assert "tenant_region_sub_scope" not in doc("contoso")
    assert doc("litware_usg")["tenant_region_scope"] == "USG"


def test_discovery_by_domain_and_unknown_tenant(emulator):
    base = emulator.clouds["global"]["authority_host"]
    r = requests.get(base + "/contoso.com/v2.0/.well-known/openid-configuration", verify=emulator.ca)
    assert r.status_code == 200 and emulator.tenant("contoso")["id"] in r.json()["token_endpoint"]
    r = requests.get(base + "/nosuch.example/v2.0/.well-known/openid-configuration", verify=emulator.ca)
    assert r.status_code == 400 and _aadsts(r) == 90002


def test_sovereign_login_host_does_not_know_commercial_tenants(emulator):
    r = requests.get("%s/%s/v2.0/.well-known/openid-configuration"
                     % (emulator.clouds["usgov"]["authority_host"], emulator.tenant("contoso")["id"]),
                     verify=emulator.ca)
    assert r.status_code == 400 and _aadsts(r) == 90002
    r = emulator.token_response("contoso", login_cloud="china")
    assert r.status_code == 400 and _aadsts(r) == 90002


def test_token_ok_and_claims(emulator):
    import base64
    import json
    r = emulator.token_response("tailspin_gcch")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 3000
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["aud"] == "https://graph.microsoft.us"
    assert claims["tid"] == emulator.tenant("tailspin_gcch")["id"]
    assert "Policy.ReadWrite.CrossTenantAccess" in claims["roles"]


def test_token_errors(emulator):
    assert _aadsts(emulator.token_response("contoso", secret="wrong")) == 7000215
    assert emulator.token_response("contoso", secret="wrong").status_code == 401
    assert _aadsts(emulator.token_response("contoso", client_id="00000000-0000-0000-0000-000000000001")) == 700016
    # a commercial tenant cannot get a token for the US Gov Graph
    assert _aadsts(emulator.token_response("contoso", cloud="usgov")) == 500011
    assert _aadsts(emulator.token_response("contoso", scope="User.Read")) == 70011
    t = emulator.tenant("contoso")
    r = requests.post("%s/%s/oauth2/v2.0/token" % (emulator.clouds["global"]["authority_host"], t["id"]),
                      data={"grant_type": "client_credentials", "client_id": t["client_id"],
                            "scope": emulator.clouds["global"]["graph_url"] + "/.default"}, verify=emulator.ca)
    assert r.status_code == 401 and _aadsts(r) == 7000218
    r = requests.post("%s/%s/oauth2/v2.0/token" % (emulator.clouds["global"]["authority_host"], t["id"]),
                      data={"grant_type": "password", "client_id": t["client_id"]}, verify=emulator.ca)
    assert _aadsts(r) == 70003


def test_graph_refuses_token_of_other_cloud_or_none(emulator):
    token = emulator.token("contoso")
    r = emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy", cloud="usgov", token=token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
    r = emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy", token="not.a.jwt")
    assert r.status_code == 401
    r = requests.get(emulator.clouds["global"]["graph_url"] + "/v1.0/policies/crossTenantAccessPolicy",
                     verify=emulator.ca)
    assert r.status_code == 401 and r.json()["error"]["message"] == "Access token is empty."


def test_tampered_token_refused(emulator):
    token = emulator.token("contoso")
    h, c, s = token.split(".")
    r = emulator.graph("contoso", "GET", "/policies/crossTenantAccessPolicy", token="%s.%s.%s" % (h, c, s[::-1]))
    assert r.status_code == 401


def test_request_log_counts_and_faults(emulator):
    emulator.token("contoso")
    c = emulator.counts()
    assert c["token_requests"] == 1 and c["graph_requests"] == 0
    emulator.faults({"host": "login", "status": 503, "retry_after": 1, "times": 1})
    r = emulator.token_response("contoso")
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert emulator.token_response("contoso").status_code == 200
