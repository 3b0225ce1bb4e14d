"""Cross-tenant synchronization, source side (emulator/graph/sync.py): each rule of its docstring.

contoso -> tailspin_gcch is commercial -> US Gov (tailspin's seed enables cross-cloud synchronization from
global); contoso -> woodgrove_gcc stays in the commercial cloud; fabrikam_cn is China, northwind_dod DoD.
"""

import re

import pytest
import yaml

from tests.conftest import _start

TEMPLATE = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
CTAP = "/policies/crossTenantAccessPolicy"
US, COM = "microsoftonline.us", "microsoftonline.com"
READER = ("f9a2940a-ef86-4bf6-b014-716eac6b6153", "demo-contoso-reader")
ENGINEERS = "9e2d7b30-6f4a-4c85-b1d2-3a7e5f60c918"
PROGRAMME = "5c1f4a8e-2b7d-4e19-9a63-0d8e7f2b6c41"
POLICY = "AzureDirectoryB2BManagementPolicyCheckFailure"
JOB_ID = re.compile(r"^Azure2Azure\.[0-9a-f]{32}\.[0-9a-f]{32}$")
UNKNOWN = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def emulator(emulator):
    """Created objects are readable at once, except in the tests about the replication delay."""
    emulator.replication(0)
    return emulator


def _ok(resp, status=204):
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def _error(resp, status=400):
    assert resp.status_code == status, resp.text
    return resp.json()["error"]


def _instantiate(emulator, name="Contoso to Tailspin", tenant="contoso"):
    return _ok(emulator.graph(tenant, "POST", "/applicationTemplates/%s/instantiate" % TEMPLATE,
                              {"displayName": name}), 201)


def _sp_id(emulator, tenant="contoso", name="Contoso to Tailspin"):
    return _instantiate(emulator, name, tenant)["servicePrincipal"]["id"]


def _job(emulator, sid, tenant="contoso"):
    return _ok(emulator.graph(tenant, "POST", "/servicePrincipals/%s/synchronization/jobs" % sid,
                              {"templateId": "Azure2Azure"}), 201)


def _creds(emulator, target, **extra):
    pairs = {"CompanyId": emulator.tenant(target)["id"] if target in emulator.tenants else target,
             "AuthenticationType": "SyncPolicy"}
    pairs.update(extra)
    return [{"key": k, "value": v} for k, v in pairs.items() if v is not None]


def _validate(emulator, sid, creds, tenant="contoso"):
    return emulator.graph(tenant, "POST", "/servicePrincipals/%s/synchronization/jobs/validateCredentials" % sid,
                          {"useSavedCredentials": False, "templateId": "Azure2Azure", "credentials": creds})


def _put_secrets(emulator, sid, creds, tenant="contoso"):
    return emulator.graph(tenant, "PUT", "/servicePrincipals/%s/synchronization/secrets" % sid, {"value": creds})


def _partner(emulator, tenant, partner, **settings):
    body = dict(tenantId=emulator.tenant(partner)["id"], **settings)
    _ok(emulator.graph(tenant, "POST", CTAP + "/partners", body), 201)


def _configure(emulator, source="contoso", target="tailspin_gcch", skip=()):
    """Everything a source -> target synchronization needs, less what `skip` names."""
    src, tgt = emulator.tenant(source), emulator.tenant(target)
    cross = src["cloud"] != tgt["cloud"]
    ends = {"global": COM, "usgov": US, "usgov_dod": US}
    if cross and "source cloud" not in skip:
        _ok(emulator.graph(source, "PATCH", CTAP, {"allowedCloudEndpoints": [ends[tgt["cloud"]]]}))
    if cross and "target cloud" not in skip:
        _ok(emulator.graph(target, "PATCH", CTAP, {"allowedCloudEndpoints": [ends[src["cloud"]]]}))
    if "target partner" not in skip and not (cross and "target cloud" in skip):
        inbound = "inbound consent" not in skip
        _partner(emulator, target, source, automaticUserConsentSettings={"inboundAllowed": inbound})
        if "identity sync" not in skip:
            path = CTAP + "/partners/%s/identitySynchronization" % src["id"]
            allowed = "sync not allowed" not in skip
            _ok(emulator.graph(target, "PUT", path, {"userSyncInbound": {"isSyncAllowed": allowed}}))
    if "source partner" not in skip and not (cross and "source cloud" in skip):
        outbound = "outbound consent" not in skip
        _partner(emulator, source, target, automaticUserConsentSettings={"outboundAllowed": outbound})


def _user_id(emulator, upn, tenant="contoso"):
    return _ok(emulator.graph(tenant, "GET", "/users/" + upn), 200)["id"]


def _assign(emulator, sp, principal, tenant="contoso", **over):
    body = dict({"principalId": principal, "resourceId": sp["id"], "appRoleId": sp["appRoles"][0]["id"]}, **over)
    return emulator.graph(tenant, "POST", "/servicePrincipals/%s/appRoleAssignedTo" % sp["id"], body)


def _get_job(emulator, sid, jid, tenant="contoso"):
    return _ok(emulator.graph(tenant, "GET", "/servicePrincipals/%s/synchronization/jobs/%s" % (sid, jid)), 200)


# ---- instantiate --------------------------------------------------------------------------------------

def test_instantiate_shape(emulator):
    r = emulator.graph("contoso", "POST", "/applicationTemplates/%s/instantiate" % TEMPLATE,
                       {"displayName": "Contoso to Tailspin"})
    body = _ok(r, 201)
    assert body["@odata.context"] == ("https://graph.microsoft.com/v1.0/$metadata#"
                                      "microsoft.graph.applicationServicePrincipal")
    app, sp = body["application"], body["servicePrincipal"]
    assert app["appId"] == sp["appId"] and app["id"] != sp["id"]
    assert app["applicationTemplateId"] == sp["applicationTemplateId"] == TEMPLATE
    assert app["displayName"] == sp["displayName"] == sp["appDisplayName"] == "Contoso to Tailspin"
    assert app["signInAudience"] == "AzureADMyOrg" and app["createdDateTime"]
    assert sp["accountEnabled"] is True and sp["appRoleAssignmentRequired"] is True
    assert sp["servicePrincipalType"] == "Application"
    assert sp["tags"] == ["WindowsAzureActiveDirectoryIntegratedApp"]
    role = sp["appRoles"][0]
    assert sp["appRoles"] == app["appRoles"] == [{
        "allowedMemberTypes": ["User"], "displayName": "msiam_access", "id": role["id"], "isEnabled": True,
        "description": "msiam_access", "value": None, "origin": "Application"}]
    # names are not unique: a second instantiate makes a second application
    again = _instantiate(emulator)
    assert again["application"]["id"] != app["id"] and again["servicePrincipal"]["appRoles"][0]["id"] != role["id"]
    found = _ok(emulator.graph("contoso", "GET", "/servicePrincipals",
                               params={"$filter": "displayName eq 'Contoso to Tailspin'"}), 200)["value"]
    assert len(found) == 2
    assert _ok(emulator.graph("contoso", "GET", "/applications/" + app["id"]), 200)["appId"] == app["appId"]
    assert _ok(emulator.graph("contoso", "GET", "/servicePrincipals/" + sp["id"], api="beta"), 200)["id"] == sp["id"]


@pytest.mark.parametrize("template,body,status", [
    (UNKNOWN, {"displayName": "x"}, 404),
    ("8adf8e6e-67b2-4cf2-a259-e3dc5476c621", {"displayName": "x"}, 404),
    (TEMPLATE, {"displayName": "x", "description": "y"}, 400),
    (TEMPLATE, {"displayName": ""}, 400),
    (TEMPLATE, {"displayName": "x" * 257}, 400),
    (TEMPLATE, {"name": "x"}, 400),
    (TEMPLATE, {"displayName": 7}, 400),
])
def test_instantiate_refusals(emulator, template, body, status):
    err = _error(emulator.graph("contoso", "POST", "/applicationTemplates/%s/instantiate" % template, body), status)
    if status == 404:
        assert err["code"] == "Request_ResourceNotFound"
    assert _ok(emulator.graph("contoso", "GET", "/servicePrincipals"), 200)["value"] == []


def test_instantiate_accepts_256_characters(emulator):
    assert _instantiate(emulator, "x" * 256)["application"]["displayName"] == "x" * 256


def test_new_objects_hidden_until_replicated(emulator):
    emulator.replication(30)
    created = _instantiate(emulator)
    app, sp = created["application"], created["servicePrincipal"]
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + sp["id"]).status_code == 404
    assert emulator.graph("contoso", "GET", "/applications/" + app["id"]).status_code == 404
    assert _ok(emulator.graph("contoso", "GET", "/servicePrincipals"), 200)["value"] == []
    assert _ok(emulator.graph("contoso", "GET", "/applications",
                              params={"$filter": "appId eq '%s'" % app["appId"]}), 200)["value"] == []
    assert emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/jobs" % sp["id"]).status_code == 404
    assert emulator.graph("contoso", "POST", "/servicePrincipals/%s/synchronization/jobs" % sp["id"],
                          {"templateId": "Azure2Azure"}).status_code == 404
    assert _put_secrets(emulator, sp["id"], _creds(emulator, "tailspin_gcch")).status_code == 404
    assert _assign(emulator, sp, _user_id(emulator, "adele.vance@contoso.com")).status_code == 404
    assert emulator.graph("contoso", "DELETE", "/servicePrincipals/" + sp["id"]).status_code == 404


def test_new_job_hidden_until_replicated(emulator):
    sid = _sp_id(emulator)
    emulator.replication(30)
    job = _job(emulator, sid)
    path = "/servicePrincipals/%s/synchronization/jobs" % sid
    assert _ok(emulator.graph("contoso", "GET", path), 200)["value"] == []
    assert emulator.graph("contoso", "GET", path + "/" + job["id"]).status_code == 404
    assert emulator.graph("contoso", "POST", path + "/%s/pause" % job["id"]).status_code == 404


# ---- list, filter, select ------------------------------------------------------------------------------

def test_service_principal_filter_and_select(emulator):
    one = _instantiate(emulator, "One")["servicePrincipal"]
    _instantiate(emulator, "Two")
    sps = "/servicePrincipals"

    def names(flt):
        return sorted(s["displayName"] for s in _ok(emulator.graph("contoso", "GET", sps,
                                                                   params={"$filter": flt}), 200)["value"])
    assert names("displayName eq 'one'") == ["One"]
    assert names("appId eq '%s'" % one["appId"]) == ["One"]
    assert names("id eq '%s'" % one["id"]) == ["One"]
    assert names("applicationTemplateId eq '%s'" % TEMPLATE) == ["One", "Two"]
    assert names("applicationTemplateId eq '%s' and displayName eq 'Two'" % TEMPLATE) == ["Two"]
    for flt in ("displayName eq 'One' or displayName eq 'Two'",
                "startswith(displayName, 'O')",
                "tags eq 'WindowsAzureActiveDirectoryIntegratedApp'",
                "displayName ne 'One'",
                "id eq '%s' and appId eq '%s' and displayName eq 'One'" % (one["id"], one["appId"])):
        assert _error(emulator.graph("contoso", "GET", sps, params={"$filter": flt}))["code"] == \
            "Request_UnsupportedQuery", flt
    got = _ok(emulator.graph("contoso", "GET", sps, params={"$select": "appId,displayName"}), 200)["value"]
    assert sorted(got[0]) == ["appId", "displayName", "id"]
    assert emulator.graph("contoso", "GET", sps, params={"$select": "nope"}).status_code == 400
    got = _ok(emulator.graph("contoso", "GET", sps + "/" + one["id"], params={"$select": "appRoles"}), 200)
    assert set(got) == {"@odata.context", "id", "appRoles"}
    first = _ok(emulator.graph("contoso", "GET", sps, params={"$top": "1"}), 200)
    assert len(first["value"]) == 1 and "@odata.nextLink" in first
    rest = _ok(emulator.graph("contoso", "GET", first["@odata.nextLink"]), 200)
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest


def test_application_filter_and_select(emulator):
    app = _instantiate(emulator, "One")["application"]
    _instantiate(emulator, "Two")
    path = "/applications"
    got = _ok(emulator.graph("contoso", "GET", path, params={"$filter": "appId eq '%s'" % app["appId"],
                                                             "$select": "appId"}), 200)["value"]
    assert got == [{"id": app["id"], "appId": app["appId"]}]
    got = _ok(emulator.graph("contoso", "GET", path, params={"$filter": "displayName eq 'Two'"}), 200)["value"]
    assert [a["displayName"] for a in got] == ["Two"]
    assert _error(emulator.graph("contoso", "GET", path, params={"$filter": "id eq '%s'" % app["id"]}))["code"] == \
        "Request_UnsupportedQuery"
    assert emulator.graph("contoso", "GET", path, params={"$select": "servicePrincipalType"}).status_code == 400


# ---- jobs -----------------------------------------------------------------------------------------

def test_job_create_list_get_delete(emulator):
    sid = _sp_id(emulator)
    job = _job(emulator, sid)
    assert JOB_ID.match(job["id"]), job["id"]
    assert job["id"].split(".")[1] == emulator.tenant("contoso")["id"].replace("-", "")
    assert job["templateId"] == "Azure2Azure"
    assert job["schedule"] == {"expiration": None, "interval": "PT40M", "state": "Disabled"}
    assert job["status"] == {
        "code": "Paused", "countSuccessiveCompleteFailures": 0, "escrowsPruned": False, "lastExecution": None,
        "lastSuccessfulExecution": None, "lastSuccessfulExecutionWithExports": None, "quarantine": None,
        "steadyStateFirstAchievedTime": "0001-01-01T00:00:00Z", "steadyStateLastAchievedTime": "0001-01-01T00:00:00Z",
        "troubleshootingUrl": None, "progress": [], "synchronizedEntryCountByType": []}
    assert job["synchronizationJobSettings"] == [{"name": "AzureIngestionAttributeOptimization", "value": "False"},
                                                 {"name": "LookaheadQueryEnabled", "value": "False"}]
    path = "/servicePrincipals/%s/synchronization/jobs" % sid
    listed = _ok(emulator.graph("contoso", "GET", path), 200)["value"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert _get_job(emulator, sid, job["id"])["schedule"]["state"] == "Disabled"
    assert emulator.graph("contoso", "DELETE", path + "/" + job["id"]).status_code == 204
    assert emulator.graph("contoso", "GET", path + "/" + job["id"]).status_code == 404
    assert emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/jobs" % UNKNOWN).status_code == 404


@pytest.mark.parametrize("body", [{"templateId": "AzureAD2AzureAD"}, {}, {"templateId": "Azure2Azure", "x": 1},
                                  {"templateId": "azure2azure"}])
def test_job_create_refusals(emulator, body):
    sid = _sp_id(emulator)
    _error(emulator.graph("contoso", "POST", "/servicePrincipals/%s/synchronization/jobs" % sid, body))
    assert _ok(emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/jobs" % sid), 200)["value"] == []


def test_start_needs_saved_secrets_then_pause(emulator):
    _configure(emulator)
    sid = _sp_id(emulator)
    job = _job(emulator, sid)
    base = "/servicePrincipals/%s/synchronization/jobs/%s" % (sid, job["id"])
    _error(emulator.graph("contoso", "POST", base + "/start"))
    assert _get_job(emulator, sid, job["id"])["schedule"]["state"] == "Disabled"
    _ok(_put_secrets(emulator, sid, _creds(emulator, "tailspin_gcch")))
    _ok(emulator.graph("contoso", "POST", base + "/start"))
    got = _get_job(emulator, sid, job["id"])
    assert got["schedule"]["state"] == "Active" and got["status"]["code"] == "Active"
    _ok(emulator.graph("contoso", "POST", base + "/pause"))
    got = _get_job(emulator, sid, job["id"])
    assert got["schedule"]["state"] == "Paused" and got["status"]["code"] == "Paused"


# ---- secrets --------------------------------------------------------------------------------------

def test_secrets_replace_and_mask(emulator):
    sid = _sp_id(emulator)
    path = "/servicePrincipals/%s/synchronization/secrets" % sid
    assert _ok(emulator.graph("contoso", "GET", path), 200)["value"] == []
    creds = _creds(emulator, "tailspin_gcch", SyncAll="false", ClientSecret="s3cr3t", Password="p", Url="https://x")
    _ok(_put_secrets(emulator, sid, creds))
    got = {s["key"]: s["value"] for s in _ok(emulator.graph("contoso", "GET", path), 200)["value"]}
    assert got == {"CompanyId": emulator.tenant("tailspin_gcch")["id"], "AuthenticationType": "SyncPolicy",
                   "SyncAll": "false", "ClientSecret": "********", "Password": "********", "Url": "https://x"}
    # a PUT replaces the whole set
    _ok(_put_secrets(emulator, sid, [{"key": "SyncAll", "value": "true"}]))
    assert _ok(emulator.graph("contoso", "GET", path), 200)["value"] == [{"key": "SyncAll", "value": "true"}]


@pytest.mark.parametrize("value", [
    [{"key": "TenantId", "value": "x"}],
    [{"key": "companyId", "value": "x"}],
    [{"key": "SyncAll", "value": True}],
    [{"key": "SyncAll", "value": "true", "extra": 1}],
    [{"key": "SyncAll", "value": "true"}, {"key": "SyncAll", "value": "false"}],
    "SyncAll=true",
])
def test_secrets_refused(emulator, value):
    sid = _sp_id(emulator)
    _ok(_put_secrets(emulator, sid, [{"key": "SyncAll", "value": "false"}]))
    _error(_put_secrets(emulator, sid, value))
    path = "/servicePrincipals/%s/synchronization/secrets" % sid
    assert _ok(emulator.graph("contoso", "GET", path), 200)["value"] == [{"key": "SyncAll", "value": "false"}]
    _error(emulator.graph("contoso", "PUT", path, {"value": [], "other": 1}))


# ---- validateCredentials and the policy check --------------------------------------------------------

def test_validate_credentials_success(emulator):
    _configure(emulator)
    sid = _sp_id(emulator)
    _ok(_validate(emulator, sid, _creds(emulator, "tailspin_gcch")))
    # saved credentials: checked as they are saved
    path = "/servicePrincipals/%s/synchronization/jobs/validateCredentials" % sid
    body = {"useSavedCredentials": True, "templateId": "Azure2Azure"}
    assert _error(emulator.graph("contoso", "POST", path, body))["code"] == POLICY
    _ok(_put_secrets(emulator, sid, _creds(emulator, "tailspin_gcch")))
    _ok(emulator.graph("contoso", "POST", path, body))
    # the job-bound form works the same
    job = _job(emulator, sid)
    _ok(emulator.graph("contoso", "POST", "/servicePrincipals/%s/synchronization/jobs/%s/validateCredentials"
                       % (sid, job["id"]), {"useSavedCredentials": True}))


def test_validate_credentials_within_one_cloud_needs_no_cloud_settings(emulator):
    _configure(emulator, target="woodgrove_gcc")
    _ok(_validate(emulator, _sp_id(emulator), _creds(emulator, "woodgrove_gcc")))


@pytest.mark.parametrize("body", [
    {"useSavedCredentials": False, "credentials": []},                           # no templateId
    {"useSavedCredentials": False, "templateId": "Other", "credentials": []},
    {"useSavedCredentials": False, "templateId": "Azure2Azure"},                 # no credentials
    {"useSavedCredentials": "yes", "templateId": "Azure2Azure", "credentials": []},
    {"templateId": "Azure2Azure", "credentials": [{"key": "Tenant", "value": "x"}]},
    {"templateId": "Azure2Azure", "credentials": [], "extra": True},
])
def test_validate_credentials_bad_body(emulator, body):
    sid = _sp_id(emulator)
    err = _error(emulator.graph("contoso", "POST", "/servicePrincipals/%s/synchronization/jobs/validateCredentials"
                                % sid, body))
    assert err["code"] == "Request_BadRequest"


FAILURES = [
    ("auth type", "AuthenticationType"),
    ("company id", "CompanyId"),
    ("unknown tenant", "was not found"),
    ("source cloud", "source tenant's Microsoft cloud settings"),
    ("target cloud", "do not enable 'microsoftonline.com'"),
    ("target partner", "no partner configuration"),
    ("identity sync", "identitySynchronization"),
    ("sync not allowed", "isSyncAllowed"),
    ("inbound consent", "inboundAllowed"),
    ("source partner", "outboundAllowed"),
    ("outbound consent", "outboundAllowed"),
]


@pytest.mark.parametrize("cause,needle", FAILURES, ids=[f[0] for f in FAILURES])
def test_validate_credentials_failures(emulator, cause, needle):
    _configure(emulator, skip=(cause,))
    creds = _creds(emulator, "tailspin_gcch")
    if cause == "auth type":
        creds = _creds(emulator, "tailspin_gcch", AuthenticationType="OAuth2AuthorizationCode")
    elif cause == "company id":
        creds = _creds(emulator, "tailspin.onmicrosoft.us")
    elif cause == "unknown tenant":
        creds = _creds(emulator, UNKNOWN)
    err = _error(_validate(emulator, _sp_id(emulator), creds))
    assert err["code"] == POLICY and needle in err["message"], err["message"]


def test_target_must_enable_cross_cloud_sync_from_the_source_cloud(emulator):
    # northwind_dod's seed has no cross_cloud_sync_from: everything Graph can set is not enough
    _configure(emulator, target="northwind_dod")
    err = _error(_validate(emulator, _sp_id(emulator), _creds(emulator, "northwind_dod")))
    assert err["code"] == POLICY and "cross-cloud synchronization from the 'global' cloud" in err["message"]


def test_us_gov_to_china_is_not_a_sync_direction(emulator):
    sid = _sp_id(emulator, tenant="tailspin_gcch")
    err = _error(_validate(emulator, sid, _creds(emulator, "fabrikam_cn"), tenant="tailspin_gcch"))
    assert err["code"] == POLICY and "'usgov' cloud into the 'china' cloud" in err["message"]


def _admin_graph(emulator, tenant, method, path, body=None):
    """A Graph call as the tenant's admin (fabrikam_cn's app has no application permissions for this)."""
    r = emulator.http.post(emulator.url + "/_emulator/tenants/%s/graph" % emulator.tenant(tenant)["id"],
                           json={"method": method, "path": path, "body": body}, verify=emulator.ca, timeout=30)
    return r.status_code, r.json()


def test_china_to_commercial_is_not_a_sync_direction(emulator):
    status, out = _admin_graph(emulator, "fabrikam_cn", "POST", "/v1.0/applicationTemplates/%s/instantiate"
                               % TEMPLATE, {"displayName": "Fabrikam to Contoso"})
    assert status == 200 and out["status"] == 201
    sid = out["body"]["servicePrincipal"]["id"]
    status, out = _admin_graph(emulator, "fabrikam_cn", "POST",
                               "/v1.0/servicePrincipals/%s/synchronization/jobs/validateCredentials" % sid,
                               {"templateId": "Azure2Azure", "credentials": _creds(emulator, "contoso")})
    assert status == 400 and out["error"]["code"] == POLICY
    assert "'china' cloud into the 'global' cloud" in out["error"]["message"]


def test_policy_check_reads_the_target_without_replication_delay(emulator):
    _configure(emulator, skip=("identity sync",))
    sid = _sp_id(emulator)
    emulator.replication(30)
    path = CTAP + "/partners/%s/identitySynchronization" % emulator.tenant("contoso")["id"]
    _ok(emulator.graph("tailspin_gcch", "PUT", path, {"userSyncInbound": {"isSyncAllowed": True}}))
    assert emulator.graph("tailspin_gcch", "GET", path).status_code == 404      # still replicating in Graph
    _ok(_validate(emulator, sid, _creds(emulator, "tailspin_gcch")))


# ---- the cycle ------------------------------------------------------------------------------------

def _started(emulator, sid, creds, tenant="contoso"):
    job = _job(emulator, sid, tenant)
    _ok(_put_secrets(emulator, sid, creds, tenant))
    _ok(emulator.graph(tenant, "POST", "/servicePrincipals/%s/synchronization/jobs/%s/start" % (sid, job["id"])))
    return _get_job(emulator, sid, job["id"], tenant)


def test_cycle_counts_assigned_users_and_direct_group_members(emulator):
    _configure(emulator)
    sp = _instantiate(emulator)["servicePrincipal"]
    adele = _user_id(emulator, "adele.vance@contoso.com")
    megan = _user_id(emulator, "megan.bowen@contoso.com")
    for uid in (adele, megan):     # Adele both directly and through the group: counted once
        _ok(emulator.graph("contoso", "POST", "/groups/%s/members/$ref" % ENGINEERS,
                           {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + uid}))
    _ok(_assign(emulator, sp, adele), 201)
    _ok(_assign(emulator, sp, ENGINEERS), 201)
    _ok(_assign(emulator, sp, PROGRAMME), 201)     # no members: adds nobody
    job = _started(emulator, sp["id"], _creds(emulator, "tailspin_gcch"))
    status = job["status"]
    assert status["code"] == "Active" and status["quarantine"] is None
    assert status["countSuccessiveCompleteFailures"] == 0
    for key in ("lastExecution", "lastSuccessfulExecution"):
        run = status[key]
        assert run["state"] == "Succeeded" and run["countEntitled"] == run["countExported"] == 2, run
        assert run["activityIdentifier"] and run["timeBegan"] and run["timeEnded"]
    assert status["synchronizedEntryCountByType"] == [{"key": "User", "value": 2}]
    assert job["schedule"]["state"] == "Active"


def test_cycle_without_assignments_counts_nobody(emulator):
    _configure(emulator)
    status = _started(emulator, _sp_id(emulator), _creds(emulator, "tailspin_gcch"))["status"]
    assert status["code"] == "Active" and status["synchronizedEntryCountByType"] == [{"key": "User", "value": 0}]


def test_cycle_sync_all_counts_every_member(emulator):
    _configure(emulator)
    invite = {"invitedUserEmailAddress": "pat.kim@woodgrove.gov", "inviteRedirectUrl": "https://myapps.microsoft.com"}
    _ok(emulator.graph("contoso", "POST", "/invitations", invite), 201)        # a guest: not in scope
    job = _started(emulator, _sp_id(emulator), _creds(emulator, "tailspin_gcch", SyncAll="true"))
    assert job["status"]["lastExecution"]["countEntitled"] == 2
    assert job["status"]["synchronizedEntryCountByType"] == [{"key": "User", "value": 2}]


def test_cycle_quarantines_on_a_failed_policy_check(emulator):
    _configure(emulator, skip=("identity sync",))
    job = _started(emulator, _sp_id(emulator), _creds(emulator, "tailspin_gcch", SyncAll="true"))
    status = job["status"]
    assert job["schedule"]["state"] == "Active"
    assert status["code"] == "Quarantine" and status["countSuccessiveCompleteFailures"] == 1
    q = status["quarantine"]
    assert q["reason"] == "EncounteredQuarantineException" and q["seriesCount"] == 1
    assert q["currentBegan"] and q["nextAttempt"] and q["seriesBegan"]
    assert q["error"]["code"] == POLICY and "identitySynchronization" in q["error"]["message"]
    run = status["lastExecution"]
    assert run["state"] == "Failed" and run["countExported"] == 0 and run["error"]["code"] == POLICY
    assert run["activityIdentifier"] and run["timeBegan"] and run["timeEnded"] and "countEntitled" in run
    assert status["lastSuccessfulExecution"] is None and status["synchronizedEntryCountByType"] == []


# ---- appRoleAssignedTo ------------------------------------------------------------------------------

def test_assignments_add_list_remove(emulator):
    sp = _instantiate(emulator)["servicePrincipal"]
    adele = _user_id(emulator, "adele.vance@contoso.com")
    a = _ok(_assign(emulator, sp, adele), 201)
    assert a["principalId"] == adele and a["principalType"] == "User" and a["principalDisplayName"] == "Adele Vance"
    assert a["resourceId"] == sp["id"] and a["resourceDisplayName"] == "Contoso to Tailspin"
    assert a["appRoleId"] == sp["appRoles"][0]["id"] and a["deletedDateTime"] is None and a["createdDateTime"]
    err = _error(_assign(emulator, sp, adele))
    assert err["code"] == "Request_BadRequest"
    assert err["message"] == "Permission being assigned already exists on the object"
    g = _ok(_assign(emulator, sp, ENGINEERS), 201)
    assert g["principalType"] == "Group" and g["principalDisplayName"] == "Partner engineers"
    path = "/servicePrincipals/%s/appRoleAssignedTo" % sp["id"]
    listed = _ok(emulator.graph("contoso", "GET", path), 200)["value"]
    assert sorted(x["id"] for x in listed) == sorted([a["id"], g["id"]])
    _ok(emulator.graph("contoso", "DELETE", path + "/" + a["id"]))
    _error(emulator.graph("contoso", "DELETE", path + "/" + a["id"]), 404)
    assert [x["id"] for x in _ok(emulator.graph("contoso", "GET", path), 200)["value"]] == [g["id"]]
    _ok(_assign(emulator, sp, adele), 201)        # removed, it can be assigned again


def test_assignment_refusals(emulator):
    sp = _instantiate(emulator)["servicePrincipal"]
    other = _instantiate(emulator, "Other")["servicePrincipal"]
    adele = _user_id(emulator, "adele.vance@contoso.com")
    _error(_assign(emulator, sp, adele, resourceId=other["id"]))
    _error(_assign(emulator, sp, adele, appRoleId=other["appRoles"][0]["id"]))
    _error(_assign(emulator, sp, adele, appRoleId="00000000-0000-0000-0000-000000000000"))
    assert _error(_assign(emulator, sp, UNKNOWN), 404)["code"] == "Request_ResourceNotFound"
    # a user of another tenant is not a principal here
    jordan = _user_id(emulator, "jordan.ellis@tailspin-defense.us", tenant="tailspin_gcch")
    _error(_assign(emulator, sp, jordan), 404)
    _error(_assign(emulator, sp, adele, extra="x"))
    # a guest still replicating cannot be assigned yet
    emulator.replication(30)
    invite = {"invitedUserEmailAddress": "pat.kim@woodgrove.gov", "inviteRedirectUrl": "https://myapps.microsoft.com"}
    guest = _ok(emulator.graph("contoso", "POST", "/invitations", invite), 201)["invitedUser"]["id"]
    _error(_assign(emulator, sp, guest), 404)
    path = "/servicePrincipals/%s/appRoleAssignedTo" % sp["id"]
    assert _ok(emulator.graph("contoso", "GET", path), 200)["value"] == []


# ---- permissions ---------------------------------------------------------------------------------------

def test_permissions(emulator):
    token = emulator.token("contoso", client_id=READER[0], secret=READER[1])
    sp = _instantiate(emulator)["servicePrincipal"]
    sid = sp["id"]
    calls = [("POST", "/applicationTemplates/%s/instantiate" % TEMPLATE, {"displayName": "x"}),
             ("GET", "/servicePrincipals", None),
             ("GET", "/servicePrincipals/" + sid, None),
             ("GET", "/applications", None),
             ("DELETE", "/servicePrincipals/" + sid, None),
             ("GET", "/servicePrincipals/%s/synchronization/jobs" % sid, None),
             ("POST", "/servicePrincipals/%s/synchronization/jobs" % sid, {"templateId": "Azure2Azure"}),
             ("PUT", "/servicePrincipals/%s/synchronization/secrets" % sid, {"value": []}),
             ("GET", "/servicePrincipals/%s/synchronization/secrets" % sid, None),
             ("POST", "/servicePrincipals/%s/synchronization/jobs/validateCredentials" % sid,
              {"templateId": "Azure2Azure", "credentials": []}),
             ("GET", "/servicePrincipals/%s/appRoleAssignedTo" % sid, None),
             ("POST", "/servicePrincipals/%s/appRoleAssignedTo" % sid,
              {"principalId": UNKNOWN, "resourceId": sid, "appRoleId": sp["appRoles"][0]["id"]})]
    for method, path, body in calls:
        r = emulator.graph("contoso", method, path, body, token=token)
        assert _error(r, 403)["code"] == "Authorization_RequestDenied", (method, path)
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + sid).status_code == 200


# ---- deletes --------------------------------------------------------------------------------------

def _sync_data(emulator):
    return emulator.state("contoso")["data"]["sync"]


def _furnished(emulator):
    """A configuration with a job, secrets and an assignment."""
    created = _instantiate(emulator)
    sp = created["servicePrincipal"]
    _job(emulator, sp["id"])
    _ok(_put_secrets(emulator, sp["id"], _creds(emulator, "tailspin_gcch")))
    _ok(_assign(emulator, sp, _user_id(emulator, "adele.vance@contoso.com")), 201)
    return created["application"], sp


def test_deleting_the_service_principal_removes_what_is_under_it(emulator):
    app, sp = _furnished(emulator)
    _ok(emulator.graph("contoso", "DELETE", "/servicePrincipals/" + sp["id"]))
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + sp["id"]).status_code == 404
    assert emulator.graph("contoso", "GET", "/servicePrincipals/%s/synchronization/jobs" % sp["id"]).status_code == 404
    assert emulator.graph("contoso", "GET", "/applications/" + app["id"]).status_code == 200   # the application stays
    data = _sync_data(emulator)
    assert sp["id"] not in data["jobs"] and sp["id"] not in data["secrets"] and sp["id"] not in data["assignments"]
    _error(emulator.graph("contoso", "DELETE", "/servicePrincipals/" + sp["id"]), 404)


def test_deleting_the_application_removes_its_service_principal(emulator):
    app, sp = _furnished(emulator)
    keep = _instantiate(emulator, "Another")["servicePrincipal"]
    _ok(emulator.graph("contoso", "DELETE", "/applications/" + app["id"]))
    assert emulator.graph("contoso", "GET", "/applications/" + app["id"]).status_code == 404
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + sp["id"]).status_code == 404
    data = _sync_data(emulator)
    assert sp["id"] not in data["service_principals"] and sp["id"] not in data["jobs"]
    assert sp["id"] not in data["secrets"] and sp["id"] not in data["assignments"]
    assert emulator.graph("contoso", "GET", "/servicePrincipals/" + keep["id"]).status_code == 200


# ---- the seed key --------------------------------------------------------------------------------------

def _seed(tmp_path, sync_from):
    tenant = {"name": "t", "id": "0000c0de-0000-4000-8000-00000000000a", "cloud": "usgov",
              "domains": ["t.onmicrosoft.us"], "apps": [{"client_id": "0000c0de-0000-4000-8000-0000000000a1",
                                                         "client_secret": "s"}]}
    if sync_from is not None:
        tenant["cross_cloud_sync_from"] = sync_from
    path = tmp_path / "seed.yml"
    path.write_text(yaml.safe_dump({"tenants": [tenant]}))
    return str(path)


@pytest.mark.parametrize("value", [["commercial"], "global"])
def test_seed_cross_cloud_sync_from_must_name_clouds(tmp_path, value):
    with pytest.raises(RuntimeError, match="cross_cloud_sync_from"):
        proc = _start(str(tmp_path), seed=_seed(tmp_path, value))
        proc.terminate()
        proc.wait(timeout=10)
