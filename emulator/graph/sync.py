"""Cross-tenant synchronization, the source tenant's side: the configuration (an application and service
principal made from Microsoft's template), its synchronization job and secrets, and who is assigned to it.

Rules enforced (api/applicationtemplate-instantiate.md, api/serviceprincipal-list.md, api/serviceprincipal-get.md,
api/serviceprincipal-delete.md, api/application-list.md, api/application-delete.md,
api/synchronization-synchronization-list-jobs.md, api/synchronization-synchronization-post-jobs.md,
api/synchronization-synchronizationjob-start.md, api/synchronization-synchronizationjob-pause.md,
api/synchronization-synchronizationjob-validatecredentials.md, api/synchronization-synchronization-secrets.md,
resources/synchronization-secret-values.md, api/serviceprincipal-list-approleassignedto.md,
api/serviceprincipal-post-approleassignedto.md, api/serviceprincipal-delete-approleassignedto.md; Microsoft
Learn "Configure cross-tenant synchronization using Microsoft Graph" and its cross-cloud pivot):
- permissions (application roles, any one suffices): instantiate, application and service principal deletes
  need Application.ReadWrite.All, Application.ReadWrite.OwnedBy or Directory.ReadWrite.All (reads also
  Application.Read.All, Directory.Read.All); synchronization writes Synchronization.ReadWrite.All or
  Application.ReadWrite.OwnedBy (reads also Synchronization.Read.All); appRoleAssignedTo writes
  AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All or Directory.ReadWrite.All (reads also
  Application.Read.All, Directory.Read.All).
- POST /applicationTemplates/{id}/instantiate: only the cross-tenant synchronization template
  518e5f48-1fc8-4c48-9387-9fdf28b0dfe7 exists (others 404); body {"displayName": a non-empty string of
  at most 256 characters}, nothing else; 201 applicationServicePrincipal with the application and its
  service principal, each with one msiam_access app role (the same role id on both). Names are not unique.
  Both are hidden (404, missing from lists and sub-resources) during the replication delay.
- GET /servicePrincipals: $filter is eq on displayName, appId, id or applicationTemplateId, at most two
  joined by 'and' (anything else 400 Request_UnsupportedQuery); $select (unknown property 400); $top; paged.
  GET /applications: $filter eq on appId or displayName (same shape); $select; $top; paged.
- DELETE /servicePrincipals/{id}: 204; its jobs, secrets and assignments go with it (the application stays).
  DELETE /applications/{id}: 204; its service principal and everything under it go too.
- synchronization (under /servicePrincipals/{id}/synchronization; 404 while the service principal is
  missing or not replicated):
  - POST jobs {"templateId": "Azure2Azure"} (any other template or property 400): 201 with a paused job,
    id "Azure2Azure.<tenant id, 32 hex>.<32 hex>", schedule PT40M Disabled; hidden during the replication
    delay. GET jobs, GET/DELETE jobs/{id}.
  - PUT secrets {"value": [{"key", "value"}]} replaces the whole set: keys are synchronizationSecret names
    (each once), values strings; GET secrets answers the saved set with credential values masked ("*" x 8).
  - POST jobs/{id}/start: 400 without saved secrets; schedule Active and one cycle at once (below).
    POST jobs/{id}/pause: schedule and status Paused.
  - POST jobs/validateCredentials (and jobs/{id}/validateCredentials) {"useSavedCredentials", "templateId":
    "Azure2Azure", "credentials": [{"key", "value"}]}: 204 when the policy check passes, else 400
    AzureDirectoryB2BManagementPolicyCheckFailure naming what is missing.
- policy check (the source S is the caller, the target T the CompanyId credential; T's settings are read
  from the store, without replication delay), in order: AuthenticationType SyncPolicy; CompanyId a GUID;
  T a known tenant; S's cloud -> T's cloud the same endpoint or a supported cross-cloud synchronization
  direction (clouds.SYNC_DIRECTIONS); across clouds, S's allowedCloudEndpoints holds T's endpoint and
  T's holds S's, and T has enabled cross-cloud synchronization from S's cloud (the portal-only checkbox
  on its Microsoft cloud settings: seed key cross_cloud_sync_from); T has a partner for S whose
  identitySynchronization allows inbound user sync; T's partner for S has automaticUserConsentSettings
  inboundAllowed; S's partner for T has outboundAllowed.
- a cycle (run at start): a failed policy check quarantines the job (status Quarantine, quarantine
  reason EncounteredQuarantineException with the error, lastExecution Failed); otherwise status Active and
  the users in scope counted (SyncAll "true": every member user; else users assigned directly and direct
  user members of assigned groups, once each). No user is created in the target.
- GET/POST /servicePrincipals/{id}/appRoleAssignedTo, DELETE .../appRoleAssignedTo/{id}: resourceId must be
  the service principal, appRoleId one of its app roles (400); the principal an existing, replicated user
  or group of this tenant (404); the same principal and role twice is 400 "Permission being assigned
  already exists on the object"; 201 with the assignment; an unknown assignment 404.
"""

import base64
import copy
import datetime
import os
import re
import uuid

from emulator import clouds
from emulator.graph import users
from emulator.graph.core import GraphError, bad_request, check_properties, not_found, page, route
from emulator.state import GUID_RE, SeedError, new_id, tenant_initialiser

APIS = ("v1.0", "beta")
TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
JOB_TEMPLATE = "Azure2Azure"

APP_WRITE = ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All")
APP_READ = ("Application.Read.All",) + APP_WRITE + ("Directory.Read.All",)
SYNC_WRITE = ("Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy")
SYNC_READ = ("Synchronization.Read.All",) + SYNC_WRITE
ASSIGN_WRITE = ("AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All", "Directory.ReadWrite.All")
ASSIGN_READ = ("Application.Read.All",) + ASSIGN_WRITE + ("Directory.Read.All",)

SECRET_KEYS = (
    "None", "UserName", "Password", "SecretToken", "AppKey", "BaseAddress", "ClientIdentifier", "ClientSecret",
    "SingleSignOnType", "Sandbox", "Url", "Domain", "ConsumerKey", "ConsumerSecret", "TokenKey", "TokenExpiration",
    "Oauth2AccessToken", "Oauth2AccessTokenCreationTime", "Oauth2RefreshToken", "SyncAll", "InstanceName",
    "Oauth2ClientId", "Oauth2ClientSecret", "CompanyId", "UpdateKeyOnSoftDelete", "SynchronizationSchedule",
    "SystemOfRecord", "SandboxName", "EnforceDomain", "SyncNotificationSettings", "SkipOutOfScopeDeletions",
    "Oauth2AuthorizationCode", "Oauth2RedirectUri", "ApplicationTemplateIdentifier", "Oauth2TokenExchangeUri",
    "Oauth2AuthorizationUri", "AuthenticationType", "Server", "PerformInboundEntitlementGrants",
    "HardDeletesEnabled", "SyncAgentCompatibilityKey", "SyncAgentADContainer", "ValidateDomain", "TestReferences",
    "ConnectionString")
MASKED_KEYS = ("Password", "SecretToken", "ClientSecret", "AppKey", "ConsumerSecret", "TokenKey", "Oauth2AccessToken",
               "Oauth2RefreshToken", "Oauth2ClientSecret", "Oauth2AuthorizationCode")
MASK = "*" * 8
POLICY_ERROR = "AzureDirectoryB2BManagementPolicyCheckFailure"
NEVER = "0001-01-01T00:00:00Z"

SP_FIELDS = ("id", "appId", "applicationTemplateId", "appDisplayName", "displayName", "accountEnabled",
             "appRoleAssignmentRequired", "servicePrincipalType", "tags", "appRoles")
APP_FIELDS = ("id", "appId", "applicationTemplateId", "displayName", "createdDateTime", "deletedDateTime",
              "signInAudience", "identifierUris", "tags", "appRoles")
SP_FILTER = ("displayName", "appId", "id", "applicationTemplateId")
APP_FILTER = ("appId", "displayName")
MAX_FILTER_TERMS = 2
_EQ = re.compile(r"^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$")
SP_PATH = "/servicePrincipals/{sp_id}"
SYNC = SP_PATH + "/synchronization"


def _now(delta_minutes=0):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=delta_minutes)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@tenant_initialiser
def _init(tenant, entry):
    wanted = entry.get("cross_cloud_sync_from", [])
    if not isinstance(wanted, list) or any(c not in clouds.CLOUDS for c in wanted):
        raise SeedError("tenant %s: cross_cloud_sync_from must be a list of cloud names from %s; got %r"
                        % (entry.get("name", tenant.id), ", ".join(clouds.CLOUDS), wanted))
    # the target's "cross-cloud synchronization" checkbox (Microsoft cloud settings): portal only, no Graph API
    tenant.cross_cloud_sync_from = list(wanted)
    tenant.data["sync"] = _empty()


def _empty():
    return {"applications": {}, "service_principals": {}, "jobs": {}, "secrets": {}, "assignments": {}}


def _store(tenant):
    """The tenant's synchronization data (a state file from before this module has none)."""
    return tenant.data.setdefault("sync", _empty())


# ---- $select / $filter ----------------------------------------------------------------------------

def _select(ctx, allowed, type_name):
    sel = ctx.query.get("$select")
    if not sel:
        return allowed
    fields = [f.strip() for f in sel.split(",") if f.strip()]
    for f in fields:
        if f not in allowed:
            raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.%s'." % (f, type_name))
    return tuple(["id"] + [f for f in fields if f != "id"])


def _shape(obj, fields):
    return dict((f, copy.deepcopy(obj.get(f))) for f in fields)


def _filter(text, fields, resource):
    terms = users._split(text, "and")
    if len(terms) > MAX_FILTER_TERMS:
        raise GraphError(400, "Request_UnsupportedQuery", "The filter has %d expressions; at most %d joined by 'and' "
                                                          "are supported here." % (len(terms), MAX_FILTER_TERMS))
    wanted = []
    for term in terms:
        m = _EQ.match(term)
        if not m:
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified "
                                                              "for property of resource '%s': %s"
                             % (resource, term.strip()))
        field, value = m.group(1), m.group(2).replace("''", "'")
        if field not in fields:
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported property '%s' in filter clause." % field)
        wanted.append((field, value.lower()))
    return lambda obj: all(str(obj.get(f) or "").lower() == v for f, v in wanted)


# ---- lookups ------------------------------------------------------------------------------------

def _missing(oid):
    return not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                     "present." % oid)


def _visible_sps(ctx):
    return [sp for sid, sp in _store(ctx.tenant)["service_principals"].items()
            if ctx.replicated("service_principal", sid)]


def _visible_apps(ctx):
    return [a for aid, a in _store(ctx.tenant)["applications"].items() if ctx.replicated("application", aid)]


def _sp(ctx, sid=None):
    sid = str(sid or ctx.params["sp_id"]).lower()
    sp = _store(ctx.tenant)["service_principals"].get(sid)
    if sp is None or not ctx.replicated("service_principal", sid):
        raise _missing(sid)
    return sp


def _app(ctx):
    aid = ctx.params["app_id"].lower()
    app = _store(ctx.tenant)["applications"].get(aid)
    if app is None or not ctx.replicated("application", aid):
        raise _missing(aid)
    return app


def _job(ctx, sp):
    jid = ctx.params["job_id"]
    job = _store(ctx.tenant)["jobs"].get(sp["id"], {}).get(jid)
    if job is None or not ctx.replicated("sync_job", jid):
        raise not_found("The synchronization job '%s' was not found for service principal '%s'." % (jid, sp["id"]))
    return job


def _drop_sp(tenant, sid):
    store = _store(tenant)
    store["service_principals"].pop(sid, None)
    for jid in store["jobs"].pop(sid, {}):
        tenant.created.pop(("sync_job", jid), None)
    store["secrets"].pop(sid, None)
    store["assignments"].pop(sid, None)
    tenant.created.pop(("service_principal", sid), None)


# ---- instantiate ---------------------------------------------------------------------------------

@route("POST", "/applicationTemplates/{template_id}/instantiate", APP_WRITE, api=APIS)
def instantiate(ctx):
    if ctx.params["template_id"].lower() != TEMPLATE_ID:
        raise _missing(ctx.params["template_id"])
    body = ctx.body
    check_properties(body, ("displayName",), None)
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip() or len(name) > 256:
        raise bad_request("displayName is required: a non-empty string of at most 256 characters.")
    role = {"allowedMemberTypes": ["User"], "displayName": "msiam_access", "id": new_id(), "isEnabled": True,
            "description": "msiam_access", "value": None, "origin": "Application"}
    app_id = new_id()
    app = {"id": new_id(), "appId": app_id, "applicationTemplateId": TEMPLATE_ID, "displayName": name,
           "createdDateTime": _now(), "deletedDateTime": None, "signInAudience": "AzureADMyOrg",
           "identifierUris": [], "tags": [], "appRoles": [copy.deepcopy(role)]}
    sp = {"id": new_id(), "appId": app_id, "applicationTemplateId": TEMPLATE_ID, "appDisplayName": name,
          "displayName": name, "accountEnabled": True, "appRoleAssignmentRequired": True,
          "servicePrincipalType": "Application", "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
          "appRoles": [copy.deepcopy(role)]}
    store = _store(ctx.tenant)
    store["applications"][app["id"]] = app
    store["service_principals"][sp["id"]] = sp
    ctx.mark_created("application", app["id"])
    ctx.mark_created("service_principal", sp["id"])
    return 201, {"@odata.context": ctx.context_url("microsoft.graph.applicationServicePrincipal"),
                 "application": _shape(app, APP_FIELDS), "servicePrincipal": _shape(sp, SP_FIELDS)}


# ---- service principals and applications ------------------------------------------------------------

@route("GET", "/servicePrincipals", APP_READ, api=APIS, query=("$filter", "$select", "$top", "$skiptoken"))
def list_sps(ctx):
    fields = _select(ctx, SP_FIELDS, "servicePrincipal")
    items = _visible_sps(ctx)
    if ctx.query.get("$filter"):
        pred = _filter(ctx.query["$filter"], SP_FILTER, "ServicePrincipal")
        items = [sp for sp in items if pred(sp)]
    out = {"@odata.context": ctx.context_url("servicePrincipals")}
    out.update(page(ctx, [_shape(sp, fields) for sp in items], "/servicePrincipals", 100))
    return out


@route("GET", SP_PATH, APP_READ, api=APIS)
def get_sp(ctx):
    out = {"@odata.context": ctx.context_url("servicePrincipals/$entity")}
    out.update(_shape(_sp(ctx), _select(ctx, SP_FIELDS, "servicePrincipal")))
    return out


@route("DELETE", SP_PATH, APP_WRITE, api=APIS)
def delete_sp(ctx):
    _drop_sp(ctx.tenant, _sp(ctx)["id"])


@route("GET", "/applications", APP_READ, api=APIS, query=("$filter", "$select", "$top", "$skiptoken"))
def list_apps(ctx):
    fields = _select(ctx, APP_FIELDS, "application")
    items = _visible_apps(ctx)
    if ctx.query.get("$filter"):
        pred = _filter(ctx.query["$filter"], APP_FILTER, "Application")
        items = [a for a in items if pred(a)]
    out = {"@odata.context": ctx.context_url("applications")}
    out.update(page(ctx, [_shape(a, fields) for a in items], "/applications", 100))
    return out


@route("GET", "/applications/{app_id}", APP_READ, api=APIS)
def get_app(ctx):
    out = {"@odata.context": ctx.context_url("applications/$entity")}
    out.update(_shape(_app(ctx), _select(ctx, APP_FIELDS, "application")))
    return out


@route("DELETE", "/applications/{app_id}", APP_WRITE, api=APIS)
def delete_app(ctx):
    app = _app(ctx)
    store = _store(ctx.tenant)
    for sid in [s for s, sp in store["service_principals"].items() if sp["appId"] == app["appId"]]:
        _drop_sp(ctx.tenant, sid)
    del store["applications"][app["id"]]
    ctx.tenant.created.pop(("application", app["id"]), None)


# ---- synchronization jobs ---------------------------------------------------------------------------

def _new_job(tenant):
    return {"id": "%s.%s.%s" % (JOB_TEMPLATE, tenant.id.replace("-", ""), uuid.uuid4().hex),
            "templateId": JOB_TEMPLATE,
            "schedule": {"expiration": None, "interval": "PT40M", "state": "Disabled"},
            "status": {"code": "Paused", "countSuccessiveCompleteFailures": 0, "escrowsPruned": False,
                       "lastExecution": None, "lastSuccessfulExecution": None,
                       "lastSuccessfulExecutionWithExports": None, "quarantine": None,
                       "steadyStateFirstAchievedTime": NEVER, "steadyStateLastAchievedTime": NEVER,
                       "troubleshootingUrl": None, "progress": [], "synchronizedEntryCountByType": []},
            "synchronizationJobSettings": [{"name": "AzureIngestionAttributeOptimization", "value": "False"},
                                           {"name": "LookaheadQueryEnabled", "value": "False"}]}


@route("GET", SYNC + "/jobs", SYNC_READ, api=APIS)
def list_jobs(ctx):
    sp = _sp(ctx)
    jobs = [copy.deepcopy(j) for jid, j in _store(ctx.tenant)["jobs"].get(sp["id"], {}).items()
            if ctx.replicated("sync_job", jid)]
    return {"@odata.context": ctx.context_url("servicePrincipals('%s')/synchronization/jobs" % sp["id"]),
            "value": jobs}


@route("POST", SYNC + "/jobs", SYNC_WRITE, api=APIS)
def create_job(ctx):
    sp = _sp(ctx)
    body = ctx.body
    check_properties(body, ("templateId",), None)
    if body.get("templateId") != JOB_TEMPLATE:
        raise bad_request("templateId '%s' is not a synchronization template of this application; expected '%s'."
                          % (body.get("templateId"), JOB_TEMPLATE))
    job = _new_job(ctx.tenant)
    _store(ctx.tenant)["jobs"].setdefault(sp["id"], {})[job["id"]] = job
    ctx.mark_created("sync_job", job["id"])
    out = {"@odata.context": ctx.context_url("servicePrincipals('%s')/synchronization/jobs/$entity" % sp["id"])}
    out.update(copy.deepcopy(job))
    return 201, out


@route("GET", SYNC + "/jobs/{job_id}", SYNC_READ, api=APIS)
def get_job(ctx):
    sp = _sp(ctx)
    out = {"@odata.context": ctx.context_url("servicePrincipals('%s')/synchronization/jobs/$entity" % sp["id"])}
    out.update(copy.deepcopy(_job(ctx, sp)))
    return out


@route("DELETE", SYNC + "/jobs/{job_id}", SYNC_WRITE, api=APIS)
def delete_job(ctx):
    sp = _sp(ctx)
    job = _job(ctx, sp)
    del _store(ctx.tenant)["jobs"][sp["id"]][job["id"]]
    ctx.tenant.created.pop(("sync_job", job["id"]), None)


def _no_body(ctx, action):
    if ctx.raw_body and ctx.raw_body not in (b"{}", "{}", {}):
        raise bad_request("%s takes no request body." % action)


@route("POST", SYNC + "/jobs/{job_id}/start", SYNC_WRITE, api=APIS)
def start_job(ctx):
    sp = _sp(ctx)
    job = _job(ctx, sp)
    _no_body(ctx, "start")
    secrets = _store(ctx.tenant)["secrets"].get(sp["id"])
    if not secrets:
        raise bad_request("The job cannot be started: no credentials are saved for it (PUT "
                          "synchronization/secrets with CompanyId and AuthenticationType first).")
    job["schedule"]["state"] = "Active"
    run_cycle(ctx.state, ctx.tenant, sp, job)


@route("POST", SYNC + "/jobs/{job_id}/pause", SYNC_WRITE, api=APIS)
def pause_job(ctx):
    sp = _sp(ctx)
    job = _job(ctx, sp)
    _no_body(ctx, "pause")
    job["schedule"]["state"] = "Paused"
    job["status"]["code"] = "Paused"


# ---- secrets and credentials ------------------------------------------------------------------------

def _pairs(value, where):
    """A synchronizationSecretKeyStringValuePair collection, checked; returns [{"key", "value"}]."""
    if not isinstance(value, list):
        raise bad_request("%s must be a collection of {\"key\", \"value\"} objects." % where)
    out, seen = [], set()
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("%s items must be {\"key\", \"value\"} objects." % where)
        check_properties(item, ("key", "value"), where)
        key = item.get("key")
        if key not in SECRET_KEYS:
            raise bad_request("Requested value '%s' was not found: key must be a synchronizationSecret name." % key)
        if key in seen:
            raise bad_request("%s names the key '%s' more than once." % (where, key))
        seen.add(key)
        if not isinstance(item.get("value"), str):
            raise bad_request("The value of '%s' in %s must be a string." % (key, where))
        out.append({"key": key, "value": item["value"]})
    return out


@route("PUT", SYNC + "/secrets", SYNC_WRITE, api=APIS)
def put_secrets(ctx):
    sp = _sp(ctx)
    body = ctx.body
    check_properties(body, ("value",), None)
    _store(ctx.tenant)["secrets"][sp["id"]] = _pairs(body.get("value"), "value")


@route("GET", SYNC + "/secrets", SYNC_READ, api=APIS)
def get_secrets(ctx):
    sp = _sp(ctx)
    saved = _store(ctx.tenant)["secrets"].get(sp["id"], [])
    return {"@odata.context": ctx.context_url("servicePrincipals('%s')/synchronization/secrets" % sp["id"]),
            "value": [{"key": s["key"], "value": MASK if s["key"] in MASKED_KEYS else s["value"]} for s in saved]}


def _validate(ctx, sp, job=None):
    body = ctx.body
    check_properties(body, ("useSavedCredentials", "templateId", "credentials", "applicationIdentifier"), None)
    template = body.get("templateId")
    if job is None and template is None:
        raise bad_request("templateId is required.")
    if template is not None and template != (job["templateId"] if job else JOB_TEMPLATE):
        raise bad_request("templateId '%s' is not a synchronization template of this application; expected '%s'."
                          % (template, JOB_TEMPLATE))
    use_saved = body.get("useSavedCredentials", False)
    if not isinstance(use_saved, bool):
        raise bad_request("useSavedCredentials must be a Boolean.")
    if use_saved:
        creds = _store(ctx.tenant)["secrets"].get(sp["id"], [])
        if body.get("credentials") is not None:
            _pairs(body["credentials"], "credentials")
    else:
        if body.get("credentials") is None:
            raise bad_request("credentials are required unless useSavedCredentials is true.")
        creds = _pairs(body["credentials"], "credentials")
    error = policy_check(ctx.state, ctx.tenant, dict((c["key"], c["value"]) for c in creds))
    if error is not None:
        raise bad_request(error, POLICY_ERROR)


@route("POST", SYNC + "/jobs/validateCredentials", SYNC_WRITE, api=APIS)
def validate_credentials(ctx):
    _validate(ctx, _sp(ctx))


@route("POST", SYNC + "/jobs/{job_id}/validateCredentials", SYNC_WRITE, api=APIS)
def validate_job_credentials(ctx):
    sp = _sp(ctx)
    _validate(ctx, sp, _job(ctx, sp))


# ---- the policy check and a cycle --------------------------------------------------------------------

def policy_check(state, source, creds):
    """None when source may synchronize into the tenant the credentials name; else what is missing.

    The target's settings are read from the store as they are (the service reads its own store: no
    replication delay).
    """
    if creds.get("AuthenticationType") != "SyncPolicy":
        return "The credentials must use AuthenticationType 'SyncPolicy' (cross-tenant synchronization policy)."
    tid = creds.get("CompanyId") or ""
    if not GUID_RE.match(tid):
        return "The credentials must name the target tenant: CompanyId must be a tenant ID (GUID); got '%s'." % tid
    target = state.tenants.get(tid.lower())
    if target is None:
        return "The target tenant '%s' was not found." % tid
    sid = source.id
    if not clouds.sync_direction_supported(source.cloud, target.cloud):
        return ("Cross-tenant synchronization from the '%s' cloud into the '%s' cloud (tenant %s) is not supported."
                % (source.cloud, target.cloud, target.id))
    s_ctap, t_ctap = source.data["ctap"], target.data["ctap"]
    if source.endpoint != target.endpoint:
        if target.endpoint not in s_ctap["policy"]["allowedCloudEndpoints"]:
            return ("The source tenant's Microsoft cloud settings (allowedCloudEndpoints) do not enable '%s', the "
                    "target tenant's cloud." % target.endpoint)
        if source.endpoint not in t_ctap["policy"]["allowedCloudEndpoints"]:
            return ("The target tenant %s's Microsoft cloud settings (allowedCloudEndpoints) do not enable '%s', the "
                    "source tenant's cloud." % (target.id, source.endpoint))
        if source.cloud not in getattr(target, "cross_cloud_sync_from", []):
            return ("The target tenant %s has not enabled cross-cloud synchronization from the '%s' cloud (Microsoft "
                    "cloud settings)." % (target.id, source.cloud))
    t_partner = t_ctap["partners"].get(sid)
    if t_partner is None:
        return "The target tenant %s has no partner configuration for the source tenant %s." % (target.id, sid)
    sync = t_ctap["identity_sync"].get(sid)
    if sync is None or (sync.get("userSyncInbound") or {}).get("isSyncAllowed") is not True:
        return ("The target tenant %s does not allow users to be synchronized from tenant %s: its partner "
                "configuration needs identitySynchronization with userSyncInbound.isSyncAllowed true."
                % (target.id, sid))
    if (t_partner.get("automaticUserConsentSettings") or {}).get("inboundAllowed") is not True:
        return ("The target tenant %s's partner configuration for tenant %s does not have "
                "automaticUserConsentSettings.inboundAllowed true." % (target.id, sid))
    s_partner = s_ctap["partners"].get(target.id)
    if s_partner is None or (s_partner.get("automaticUserConsentSettings") or {}).get("outboundAllowed") is not True:
        return ("The source tenant's partner configuration for tenant %s does not have "
                "automaticUserConsentSettings.outboundAllowed true." % target.id)
    return None


def users_in_scope(tenant, sp, secrets):
    """The users a cycle provisions: every member with SyncAll "true"; else those assigned, directly or
    as direct members of an assigned group (nested groups do not cascade)."""
    people = tenant.data.get("users", {})
    if (secrets.get("SyncAll") or "").lower() == "true":
        return sorted(uid for uid, u in people.items() if u.get("userType", "Member") == "Member")
    groups = tenant.data.get("groups", {})
    found = set()
    for a in _store(tenant)["assignments"].get(sp["id"], {}).values():
        if a["principalType"] == "User" and a["principalId"] in people:
            found.add(a["principalId"])
        elif a["principalType"] == "Group" and a["principalId"] in groups:
            found.update(uid for uid in groups[a["principalId"]]["members"] if uid in people)
    return sorted(found)


def run_cycle(state, tenant, sp, job):
    """One synchronization cycle, run at once (start): quarantine on a failed policy check, else count."""
    secrets = dict((s["key"], s["value"]) for s in _store(tenant)["secrets"].get(sp["id"], []))
    began = _now()
    status = job["status"]
    activity = str(uuid.uuid4())
    error = policy_check(state, tenant, secrets)
    if error is not None:
        err = {"code": POLICY_ERROR, "message": error, "tenantActionable": True}
        previous = status.get("quarantine")
        status.update(code="Quarantine",
                      countSuccessiveCompleteFailures=status["countSuccessiveCompleteFailures"] + 1,
                      quarantine={"currentBegan": began, "nextAttempt": _now(40),
                                  "reason": "EncounteredQuarantineException",
                                  "seriesBegan": previous["seriesBegan"] if previous else began,
                                  "seriesCount": previous["seriesCount"] + 1 if previous else 1,
                                  "error": copy.deepcopy(err)},
                      lastExecution={"activityIdentifier": activity, "countEntitled": 0, "countExported": 0,
                                     "state": "Failed", "timeBegan": began, "timeEnded": _now(),
                                     "error": copy.deepcopy(err)})
        return
    n = len(users_in_scope(tenant, sp, secrets))
    run = {"activityIdentifier": activity, "countEntitled": n, "countExported": n, "state": "Succeeded",
           "timeBegan": began, "timeEnded": _now(), "error": None}
    status.update(code="Active", quarantine=None, countSuccessiveCompleteFailures=0,
                  lastExecution=copy.deepcopy(run), lastSuccessfulExecution=copy.deepcopy(run),
                  steadyStateLastAchievedTime=run["timeEnded"],
                  synchronizedEntryCountByType=[{"key": "User", "value": n}])
    if status["steadyStateFirstAchievedTime"] == NEVER:
        status["steadyStateFirstAchievedTime"] = run["timeEnded"]
    if n:
        status["lastSuccessfulExecutionWithExports"] = copy.deepcopy(run)


# ---- appRoleAssignedTo --------------------------------------------------------------------------------

def _assignment_id():
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@route("GET", SP_PATH + "/appRoleAssignedTo", ASSIGN_READ, api=APIS, query=("$select", "$top", "$skiptoken"))
def list_assignments(ctx):
    sp = _sp(ctx)
    items = [copy.deepcopy(a) for a in _store(ctx.tenant)["assignments"].get(sp["id"], {}).values()]
    out = {"@odata.context": ctx.context_url("servicePrincipals('%s')/appRoleAssignedTo" % sp["id"])}
    out.update(page(ctx, items, "/servicePrincipals/%s/appRoleAssignedTo" % sp["id"], 100))
    return out


@route("POST", SP_PATH + "/appRoleAssignedTo", ASSIGN_WRITE, api=APIS)
def add_assignment(ctx):
    sp = _sp(ctx)
    body = ctx.body
    check_properties(body, ("principalId", "resourceId", "appRoleId"), None)
    for key in ("principalId", "resourceId", "appRoleId"):
        if not isinstance(body.get(key), str) or not GUID_RE.match(body[key]):
            raise bad_request("%s is required and must be an object id (GUID)." % key)
    if body["resourceId"].lower() != sp["id"]:
        raise bad_request("resourceId '%s' must be the id of the service principal the role is assigned on (%s)."
                          % (body["resourceId"], sp["id"]))
    role = body["appRoleId"].lower()
    if role not in [r["id"] for r in sp["appRoles"]]:
        raise bad_request("Permission being assigned was not found on application '%s': appRoleId %s is not one of "
                          "its app roles." % (sp["appId"], role))
    pid = body["principalId"].lower()
    user = ctx.tenant.data.get("users", {}).get(pid)
    group = ctx.tenant.data.get("groups", {}).get(pid)
    if user is not None and ctx.replicated("user", pid):
        kind, name = "User", user["displayName"]
    elif group is not None and ctx.replicated("group", pid):
        kind, name = "Group", group["displayName"]
    else:
        raise _missing(pid)
    assigned = _store(ctx.tenant)["assignments"].setdefault(sp["id"], {})
    if any(a["principalId"] == pid and a["appRoleId"] == role for a in assigned.values()):
        raise bad_request("Permission being assigned already exists on the object")
    a = {"id": _assignment_id(), "appRoleId": role, "createdDateTime": _now(), "deletedDateTime": None,
         "principalDisplayName": name, "principalId": pid, "principalType": kind,
         "resourceDisplayName": sp["displayName"], "resourceId": sp["id"]}
    assigned[a["id"]] = a
    out = {"@odata.context": ctx.context_url("servicePrincipals('%s')/appRoleAssignedTo/$entity" % sp["id"])}
    out.update(copy.deepcopy(a))
    return 201, out


@route("DELETE", SP_PATH + "/appRoleAssignedTo/{assignment_id}", ASSIGN_WRITE, api=APIS)
def delete_assignment(ctx):
    sp = _sp(ctx)
    assigned = _store(ctx.tenant)["assignments"].get(sp["id"], {})
    if ctx.params["assignment_id"] not in assigned:
        raise _missing(ctx.params["assignment_id"])
    del assigned[ctx.params["assignment_id"]]
