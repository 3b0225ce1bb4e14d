"""Cross-tenant access policy: the policy, its default, partners and identity synchronisation.

Rules enforced (graph-api.md section 1; where Microsoft's documentation is silent, the strict reading):
- reads need Policy.Read.All or Policy.ReadWrite.CrossTenantAccess; writes need the latter.
  identitySynchronization: writes need Policy.ReadWrite.CrossTenantAccess (the least-privileged
  application permission on api/crosstenantaccesspolicyconfigurationpartner-put-identitysynchronization.md)
  or Policy.ReadWrite.CrossTenantUserProfileSharing; reads Policy.Read.All or either of those.
- property names are exact and case-sensitive; read-only properties cannot be written.
- allowedCloudEndpoints: only microsoftonline.com, microsoftonline.us, partner.microsoftonline.cn;
  no duplicates; never the tenant's own cloud; never an unsupported pair (US Gov <-> China); a
  PATCH replaces the whole list; a cloud cannot be removed while partners from it exist.
- partners: tenantId a GUID of an existing tenant, not the caller's own; a duplicate POST is 409;
  a partner in another cloud needs that cloud enabled first (AADSTS1000104 at sign-in) and a
  supported pair; B2B direct connect cannot be enabled for a partner in another cloud.
- a PATCH replaces each top-level setting it carries whole (sending only usersAndGroups leaves
  applications null); every setting is validated, including users/applications consistency.
- the default's automaticUserConsentSettings is read-only; resetToSystemDefault restores it.
- a partner with identitySynchronization cannot be deleted. identitySynchronization is offered in all
  four clouds (the PUT page lists the global service, US Government L4 and L5 (DOD) and China); with a
  partner in another cloud only when the partner's cloud -> this tenant's cloud is a supported
  cross-cloud synchronization direction (clouds.SYNC_DIRECTIONS: commercial -> US Gov, US Gov ->
  commercial, commercial -> China); else 400 naming both clouds.
- the whole policy (settings, default, partners) is capped at 25 KB, counted as stored: only
  configured values, in Microsoft's documented storage JSON (see policy_size); a write that would
  exceed it is refused (400) and not applied.
- partners and identity synchronisation policies created within their replication delay (drawn per
  object, see State.mark_created) answer 404 and are missing from lists.
- "@odata.type" in a body, top level or nested, must be the object's own type when present
  (#microsoft.graph.crossTenantAccessPolicy, ...ConfigurationDefault, ...ConfigurationPartner,
  crossTenantIdentitySyncPolicyPartner, crossTenantAccessPolicyB2BSetting, ...TargetConfiguration,
  ...Target, ...InboundTrust, ...TenantRestrictions, inboundOutboundPolicyConfiguration,
  defaultInvitationRedemptionIdentityProviderConfiguration; type names from the resource pages
  resources/crosstenantaccesspolicy*.md in microsoftgraph/microsoft-graph-docs-contrib).
- query options: the partner list takes $select and $expand (api/crosstenantaccesspolicy-list-partners.md)
  and, for paging, $top and $skiptoken; $expand knows only identitySynchronization. A partner GET
  takes $select and $expand (the XTAP support procedure reads ?$select=b2bCollaborationInbound);
  the policy, the default and identitySynchronization take $select only (their GET pages list no
  query parameters; OData allows $select on an entity); $filter is refused everywhere here.
"""

import copy
import json

from emulator import clouds
from emulator.graph.core import (GraphError, bad_request, check_odata_type, check_properties, not_found, odata_type,
                                 page, route)
from emulator.state import GUID_RE, tenant_initialiser

READ = ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess")
WRITE = ("Policy.ReadWrite.CrossTenantAccess",)
SYNC_READ = ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess",
             "Policy.ReadWrite.CrossTenantUserProfileSharing")
SYNC_WRITE = ("Policy.ReadWrite.CrossTenantAccess", "Policy.ReadWrite.CrossTenantUserProfileSharing")
APIS = ("v1.0", "beta")
POLICY_LIMIT = 25 * 1024
# Page size of the partner list: Microsoft documents none for this list (UNVERIFIED); 100 is Graph's usual
# default for directory collections, so a hub of more than 100 partners is paged and clients must follow
# @odata.nextLink. $top asks for smaller pages.
PARTNER_PAGE = 100

B2B_SETTINGS = ("b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound",
                "b2bDirectConnectOutbound")
PARTNER_WRITABLE = B2B_SETTINGS + ("inboundTrust", "automaticUserConsentSettings", "tenantRestrictions",
                                   "isServiceProvider")
PARTNER_FIELDS = ("tenantId", "isServiceProvider", "isInMultiTenantOrganization") + PARTNER_WRITABLE
DEFAULT_WRITABLE = B2B_SETTINGS + ("inboundTrust", "tenantRestrictions",
                                   "invitationRedemptionIdentityProviderConfiguration")
TRUST_KEYS = ("isMfaAccepted", "isCompliantDeviceAccepted", "isHybridAzureADJoinedDeviceAccepted")
APP_KEYWORDS = ("AllApplications", "Office365", "AllMicrosoftApps")
IDP_PRIMARY = ("azureActiveDirectory", "externalFederation", "socialIdentityProviders")
IDP_FALLBACK = ("defaultConfiguredIdp", "emailOneTimePasscode", "microsoftAccount")

POLICY_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicy")
DEFAULT_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyConfigurationDefault")
PARTNER_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyConfigurationPartner")
SYNC_TYPE = odata_type("microsoft.graph.crossTenantIdentitySyncPolicyPartner")
B2B_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyB2BSetting")
TARGET_CONFIG_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyTargetConfiguration")
TARGET_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyTarget")
TRUST_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyInboundTrust")
RESTRICTIONS_TYPE = odata_type("microsoft.graph.crossTenantAccessPolicyTenantRestrictions")
CONSENT_TYPE = odata_type("microsoft.graph.inboundOutboundPolicyConfiguration")
IDP_TYPE = odata_type("microsoft.graph.defaultInvitationRedemptionIdentityProviderConfiguration")
USER_SYNC_TYPE = odata_type("microsoft.graph.crossTenantUserSyncInbound")


def _targets(access, keyword, target_type):
    return {"accessType": access, "targets": [{"target": keyword, "targetType": target_type}]}


def _b2b(access):
    return {"usersAndGroups": _targets(access, "AllUsers", "user"),
            "applications": _targets(access, "AllApplications", "application")}


def service_default():
    return {
        "isServiceDefault": True,
        "inboundTrust": {k: False for k in TRUST_KEYS},
        "b2bCollaborationOutbound": _b2b("allowed"),
        "b2bCollaborationInbound": _b2b("allowed"),
        "b2bDirectConnectOutbound": _b2b("blocked"),
        "b2bDirectConnectInbound": _b2b("blocked"),
        "tenantRestrictions": dict(_b2b("blocked"), devices=None),
        "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False},
        "invitationRedemptionIdentityProviderConfiguration": {
            "primaryIdentityProviderPrecedenceOrder": list(IDP_PRIMARY),
            "fallbackIdentityProvider": "defaultConfiguredIdp"},
    }


def new_partner(tenant_id):
    obj = {k: None for k in PARTNER_FIELDS}
    obj.update(tenantId=tenant_id, isInMultiTenantOrganization=False,
               automaticUserConsentSettings={"inboundAllowed": None, "outboundAllowed": None})
    return obj


@tenant_initialiser
def _init(tenant, entry):
    seed = entry.get("cross_tenant_access") or {}
    data = {"policy": {"displayName": "CrossTenantAccessPolicy",
                       "allowedCloudEndpoints": list(seed.get("allowed_cloud_endpoints", []))},
            "default": service_default(), "partners": {}, "identity_sync": {}}
    data["default"].update(copy.deepcopy(seed.get("default", {})))
    for p in seed.get("partners", []):
        obj = new_partner(p["tenantId"].lower())
        obj.update(copy.deepcopy({k: v for k, v in p.items() if k != "tenantId"}))
        data["partners"][obj["tenantId"]] = obj
    tenant.data["ctap"] = data


# ---- validation ------------------------------------------------------------------------------

def _check_target_config(value, where, kind):
    if not isinstance(value, dict):
        raise bad_request("%s must be an object with accessType and targets." % where)
    check_odata_type(value, TARGET_CONFIG_TYPE, where)
    check_properties(value, ("accessType", "targets"), where)
    if value.get("accessType") not in ("allowed", "blocked"):
        raise bad_request("Invalid value '%s' for %s.accessType: expected 'allowed' or 'blocked'."
                          % (value.get("accessType"), where))
    targets = value.get("targets")
    if not isinstance(targets, list) or not targets:
        raise bad_request("%s.targets must be a non-empty collection." % where)
    for t in targets:
        if not isinstance(t, dict):
            raise bad_request("%s.targets items must be objects with target and targetType." % where)
        check_odata_type(t, TARGET_TYPE, where + ".targets")
        check_properties(t, ("target", "targetType"), where + ".targets")
        target, ttype = t.get("target"), t.get("targetType")
        if kind == "usersAndGroups":
            if ttype not in ("user", "group"):
                raise bad_request("Invalid targetType '%s' in %s: expected 'user' or 'group'." % (ttype, where))
            if target != "AllUsers" and not GUID_RE.match(str(target)):
                raise bad_request("Invalid target '%s' in %s: expected 'AllUsers' or an object id." % (target, where))
            if target == "AllUsers" and ttype != "user":
                raise bad_request("The target 'AllUsers' in %s must have targetType 'user'." % where)
        else:
            if ttype != "application":
                raise bad_request("Invalid targetType '%s' in %s: expected 'application'." % (ttype, where))
            if target not in APP_KEYWORDS and not GUID_RE.match(str(target)):
                raise bad_request("Invalid target '%s' in %s: expected %s or an application id."
                                  % (target, where, ", ".join(APP_KEYWORDS)))


def _all_of(config, keyword):
    return config is not None and any(t["target"] == keyword for t in config["targets"])


def check_b2b(name, value, cross_cloud=False, odata=B2B_TYPE):
    """Validate one crossTenantAccessPolicyB2BSetting; None means 'inherit from default'."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("%s must be an object with usersAndGroups and applications." % name)
    check_odata_type(value, odata, name)
    check_properties(value, ("usersAndGroups", "applications"), name)
    out = {"usersAndGroups": None, "applications": None}
    for kind in ("usersAndGroups", "applications"):
        if value.get(kind) is not None:
            _check_target_config(value[kind], "%s.%s" % (name, kind), kind)
            out[kind] = copy.deepcopy(value[kind])
    users, apps = out["usersAndGroups"], out["applications"]
    if users and apps:
        if users["accessType"] == "blocked" and _all_of(users, "AllUsers") and not (
                apps["accessType"] == "blocked" and _all_of(apps, "AllApplications")):
            raise bad_request("%s: when all users are blocked, all applications must be blocked too." % name)
        if users["accessType"] == "allowed" and apps["accessType"] == "blocked" and _all_of(apps, "AllApplications"):
            raise bad_request("%s: users are allowed but every application is blocked; allow at least one "
                              "application." % name)
    if cross_cloud and name.startswith("b2bDirectConnect"):
        for kind in ("usersAndGroups", "applications"):
            if out[kind] is not None and out[kind]["accessType"] != "blocked":
                raise bad_request("%s cannot be allowed for a partner in another Microsoft cloud: B2B direct "
                                  "connect is not supported across clouds." % name)
    return out


def _check_bool_map(name, value, keys, odata):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("%s must be an object." % name)
    check_odata_type(value, odata, name)
    check_properties(value, keys, name)
    out = {k: None for k in keys}
    for k, v in value.items():
        if k.startswith("@odata."):
            continue
        if v is not None and not isinstance(v, bool):
            raise bad_request("Invalid value for %s.%s: a Boolean is expected." % (name, k))
        out[k] = v
    return out


def _check_restrictions(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("tenantRestrictions must be an object.")
    check_odata_type(value, RESTRICTIONS_TYPE, "tenantRestrictions")
    check_properties(value, ("usersAndGroups", "applications", "devices"), "tenantRestrictions")
    out = check_b2b("tenantRestrictions", {k: v for k, v in value.items() if k != "devices"}, odata=RESTRICTIONS_TYPE)
    out["devices"] = copy.deepcopy(value.get("devices"))
    return out


def _check_idp(value):
    if not isinstance(value, dict):
        raise bad_request("invitationRedemptionIdentityProviderConfiguration must be an object.")
    check_odata_type(value, IDP_TYPE, "invitationRedemptionIdentityProviderConfiguration")
    check_properties(value, ("primaryIdentityProviderPrecedenceOrder", "fallbackIdentityProvider"),
                     "invitationRedemptionIdentityProviderConfiguration")
    order = value.get("primaryIdentityProviderPrecedenceOrder", list(IDP_PRIMARY))
    if not isinstance(order, list) or any(o not in IDP_PRIMARY for o in order) or len(set(order)) != len(order):
        raise bad_request("primaryIdentityProviderPrecedenceOrder accepts only %s, each once." % ", ".join(IDP_PRIMARY))
    fallback = value.get("fallbackIdentityProvider", "defaultConfiguredIdp")
    if fallback not in IDP_FALLBACK:
        raise bad_request("Invalid fallbackIdentityProvider '%s': expected one of %s." % (fallback, ", ".join(IDP_FALLBACK)))
    return {"primaryIdentityProviderPrecedenceOrder": order, "fallbackIdentityProvider": fallback}


def _apply_settings(target, body, cross_cloud):
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        if key in B2B_SETTINGS:
            target[key] = check_b2b(key, value, cross_cloud)
        elif key == "inboundTrust":
            target[key] = _check_bool_map(key, value, TRUST_KEYS, TRUST_TYPE)
        elif key == "automaticUserConsentSettings":
            target[key] = _check_bool_map(key, value, ("inboundAllowed", "outboundAllowed"), CONSENT_TYPE) or \
                {"inboundAllowed": None, "outboundAllowed": None}
        elif key == "tenantRestrictions":
            target[key] = _check_restrictions(value)
        elif key == "isServiceProvider":
            if value is not None and not isinstance(value, bool):
                raise bad_request("Invalid value for isServiceProvider: a Boolean is expected.")
            target[key] = value
        elif key == "invitationRedemptionIdentityProviderConfiguration":
            target[key] = _check_idp(value)


# ---- the 25 KB size limit (see policy_size) -------------------------------------------------------

SIZE_DERIVED = ("isServiceDefault", "isInMultiTenantOrganization", "identitySynchronization")
SIZE_AFFORDANCES = (("b2bCollaborationOutbound", "FromMyTenancy", "AllowB2B"),
                    ("b2bDirectConnectOutbound", "FromMyTenancy", "AllowNativeFederation"),
                    ("b2bCollaborationInbound", "ToMyTenancy", "AllowB2B"),
                    ("b2bDirectConnectInbound", "ToMyTenancy", "AllowNativeFederation"))
SIZE_TRUST = {"isMfaAccepted": "AcceptMFA", "isCompliantDeviceAccepted": "AcceptCompliantDevice",
              "isHybridAzureADJoinedDeviceAccepted": "AcceptHybridAzureADJoinedDevice"}


def _stored(obj):
    """obj without nulls, @odata.* and derived fields, or empty objects and lists left by them."""
    if isinstance(obj, list):
        return [_stored(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if key.startswith("@odata.") or key in SIZE_DERIVED:
            continue
        value = _stored(value)
        if value not in (None, {}, []):
            out[key] = value
    return out


def _tenant_group(obj):
    """A partner (or the default) as the stored TenantGroup."""
    mapped = ("tenantId", "inboundTrust") + tuple(a[0] for a in SIZE_AFFORDANCES)
    group = {"Tenants": [obj["tenantId"]]} if obj.get("tenantId") else {}
    for key, side, flag in SIZE_AFFORDANCES:
        for half in ("usersAndGroups", "applications"):
            conf = (obj.get(key) or {}).get(half)
            if not conf:
                continue
            entry = {flag: conf.get("accessType") == "allowed"}
            for t in conf.get("targets") or []:
                if t["target"] in ("AllUsers", "AllApplications"):
                    continue
                if half == "applications":
                    entry.setdefault("Applications", []).append(t["target"])
                else:
                    entry.setdefault("Targets", {}).setdefault(t["targetType"].title() + "s", []).append(t["target"])
            if entry not in group.setdefault(side, []):
                group[side].append(entry)
    trust = {SIZE_TRUST[k]: v for k, v in (obj.get("inboundTrust") or {}).items() if k in SIZE_TRUST and v is not None}
    if trust:
        group.setdefault("ToMyTenancy", []).append(trust)
    group.update(_stored({k: v for k, v in obj.items() if k not in mapped}))
    return group


def policy_size(data):
    """Bytes of the stored policy: its own settings, the default and every partner.

    Microsoft documents the cap, not how it is counted: "The crossTenantAccessPolicy object size is
    currently limited to 25KB. This method will return a 400 Bad Request error code if the size of the
    policy will exceed 25KB" (learn.microsoft.com/graph/api/crosstenantaccesspolicy-update, Response).
    The Entra pages say it was a cap on storage space, lifted for tenants moved to the new storage model
    from 2023-08-30 (learn.microsoft.com/entra/external-id/cross-tenant-access-overview, Important;
    learn.microsoft.com/entra/external-id/faq: "no limits to the number of organizations"). The emulator
    keeps the cap (the strict reading) and counts what is stored, in the stored JSON Microsoft documents
    ("Template for CrossTenantAccessPolicy", learn.microsoft.com/entra/external-id/migrate-to-xtap-v2-api):
    a partner is a TenantGroup with "Tenants", FromMyTenancy (outbound) and ToMyTenancy (inbound) entries
    like {"AllowB2B": true} (Targets/Applications only when not all users/apps), trust as
    {"AcceptMFA": true, ...}. Only configured values count: nulls (inherited), read-only or derived fields
    (@odata.*, isServiceDefault, isInMultiTenantOrganization; identitySynchronization is a separate
    object) and empty objects are left out; settings that schema does not show keep Graph's names.
    Compact JSON. A bare partner is 52 bytes; explicit B2B collaboration inbound + outbound (all users,
    all apps) + inbound trust is 209, so 99 of them with the service default are 21680 bytes.
    plugins/module_utils/policy_size.py in the collection counts the same from Graph responses.
    """
    doc = dict(_stored(data["policy"]), default=_tenant_group(data["default"]),
               partners=[_tenant_group(p) for p in data["partners"].values()])
    return len(json.dumps(doc, separators=(",", ":")))


def _size_check(data):
    size = policy_size(data)
    if size > POLICY_LIMIT:
        raise bad_request("The cross-tenant access policy would be %d bytes; the limit is %d bytes (25 KB)."
                          % (size, POLICY_LIMIT))


def _commit(ctx, data):
    """Apply a changed copy of the policy only if it stays within the size limit."""
    _size_check(data)
    ctx.tenant.data["ctap"] = data


def _partner_tenant(ctx, tid):
    return ctx.state.tenants.get(tid)


def _is_cross_cloud(ctx, tid):
    other = _partner_tenant(ctx, tid)
    return other is not None and other.endpoint != ctx.tenant.endpoint


def _select(ctx, obj):
    """A partner as asked: $select'ed fields, and identitySynchronization when $expand'ed."""
    expand = ctx.query.get("$expand")
    if expand is not None:
        names = [e.strip() for e in expand.split(",") if e.strip()]
        for name in names:
            if name != "identitySynchronization":
                raise bad_request("Could not find a property named '%s' on type "
                                  "'microsoft.graph.crossTenantAccessPolicyConfigurationPartner'." % name)
    sel = ctx.query.get("$select")
    if sel:
        fields = [f.strip() for f in sel.split(",") if f.strip()]
        for f in fields:
            if f not in obj:
                raise bad_request("Could not find a property named '%s' on type "
                                  "'microsoft.graph.crossTenantAccessPolicyConfigurationPartner'." % f)
        out = {f: obj[f] for f in fields}
    else:
        out = obj
    if expand is not None:
        tid = obj["tenantId"]
        sync = ctx.tenant.data["ctap"]["identity_sync"].get(tid)
        out["identitySynchronization"] = (dict(copy.deepcopy(sync), tenantId=tid)
                                          if sync is not None and ctx.replicated("identity_sync", tid) else None)
    return out


# ---- the policy ------------------------------------------------------------------------------

@route("GET", "/policies/crossTenantAccessPolicy", READ, api=APIS)
def get_policy(ctx):
    p = ctx.tenant.data["ctap"]["policy"]
    return {"@odata.context": ctx.context_url("policies/crossTenantAccessPolicy/$entity"),
            "displayName": p["displayName"], "allowedCloudEndpoints": list(p["allowedCloudEndpoints"])}


@route("PATCH", "/policies/crossTenantAccessPolicy", WRITE, api=APIS)
def patch_policy(ctx):
    body = ctx.body
    check_odata_type(body, POLICY_TYPE)
    check_properties(body, ("displayName", "allowedCloudEndpoints"), None)
    data = copy.deepcopy(ctx.tenant.data["ctap"])
    if "displayName" in body:
        if not isinstance(body["displayName"], str) or not body["displayName"]:
            raise bad_request("displayName must be a non-empty string.")
        data["policy"]["displayName"] = body["displayName"]
    if "allowedCloudEndpoints" in body:
        wanted = body["allowedCloudEndpoints"]
        if not isinstance(wanted, list) or not all(isinstance(v, str) for v in wanted):
            raise bad_request("allowedCloudEndpoints must be a collection of strings.")
        for value in wanted:
            if value not in clouds.ENDPOINTS:
                raise bad_request("Invalid value '%s' in allowedCloudEndpoints: allowed values are %s."
                                  % (value, ", ".join(clouds.ENDPOINTS)))
            if value == ctx.tenant.endpoint:
                raise bad_request("allowedCloudEndpoints cannot contain the tenant's own cloud '%s'." % value)
            if not clouds.pair_supported(ctx.tenant.endpoint, value):
                raise bad_request("B2B collaboration between '%s' and '%s' is not supported; '%s' cannot be "
                                  "allowed." % (ctx.tenant.endpoint, value, value))
        if len(set(wanted)) != len(wanted):
            raise bad_request("allowedCloudEndpoints contains duplicate values.")
        for tid in data["partners"]:
            other = _partner_tenant(ctx, tid)
            if other is not None and other.endpoint != ctx.tenant.endpoint and other.endpoint not in wanted:
                raise bad_request("Cannot remove '%s' from allowedCloudEndpoints while partner %s from that cloud "
                                  "is configured; remove the partner first." % (other.endpoint, tid))
        data["policy"]["allowedCloudEndpoints"] = list(wanted)
    _commit(ctx, data)


# ---- default ---------------------------------------------------------------------------------

@route("GET", "/policies/crossTenantAccessPolicy/default", READ, api=APIS)
def get_default(ctx):
    out = {"@odata.context": ctx.context_url("policies/crossTenantAccessPolicy/default/$entity")}
    out.update(copy.deepcopy(ctx.tenant.data["ctap"]["default"]))
    return out


@route("PATCH", "/policies/crossTenantAccessPolicy/default", WRITE, api=APIS)
def patch_default(ctx):
    body = ctx.body
    check_odata_type(body, DEFAULT_TYPE)
    if "automaticUserConsentSettings" in body:
        raise bad_request("automaticUserConsentSettings is read-only on the default configuration.")
    if "isServiceDefault" in body:
        raise bad_request("isServiceDefault is read-only.")
    check_properties(body, DEFAULT_WRITABLE, None)
    data = copy.deepcopy(ctx.tenant.data["ctap"])
    for key in B2B_SETTINGS + ("inboundTrust",):
        if key in body and body[key] is None:
            raise bad_request("%s cannot be null on the default configuration." % key)
    _apply_settings(data["default"], body, cross_cloud=False)
    # a default setting must be whole: fill a half sent alone from what was there
    for key in B2B_SETTINGS:
        if key in body:
            for kind in ("usersAndGroups", "applications"):
                if data["default"][key][kind] is None:
                    raise bad_request("%s.%s is required on the default configuration." % (key, kind))
    if "inboundTrust" in body:
        for k in TRUST_KEYS:
            if data["default"]["inboundTrust"][k] is None:
                data["default"]["inboundTrust"][k] = ctx.tenant.data["ctap"]["default"]["inboundTrust"][k]
    fresh = service_default()
    data["default"]["isServiceDefault"] = all(data["default"][k] == fresh[k] for k in fresh if k != "isServiceDefault")
    _commit(ctx, data)


@route("POST", "/policies/crossTenantAccessPolicy/default/resetToSystemDefault", WRITE, api=APIS)
def reset_default(ctx):
    if ctx.raw_body and ctx.raw_body not in (b"{}", "{}", {}):
        raise bad_request("resetToSystemDefault takes no request body.")
    data = copy.deepcopy(ctx.tenant.data["ctap"])
    data["default"] = service_default()
    _commit(ctx, data)


# ---- partners --------------------------------------------------------------------------------

def _visible_partners(ctx):
    partners = ctx.tenant.data["ctap"]["partners"]
    return [p for tid, p in partners.items() if ctx.replicated("partner", tid)]


def _get_partner(ctx, tid):
    tid = tid.lower()
    partner = ctx.tenant.data["ctap"]["partners"].get(tid)
    if partner is None or not ctx.replicated("partner", tid):
        raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are "
                        "not present." % tid)
    return partner


@route("GET", "/policies/crossTenantAccessPolicy/partners", READ, api=APIS,
       query=("$select", "$expand", "$top", "$skiptoken"))
def list_partners(ctx):
    items = [_select(ctx, copy.deepcopy(p)) for p in _visible_partners(ctx)]
    result = {"@odata.context": ctx.context_url("policies/crossTenantAccessPolicy/partners")}
    result.update(page(ctx, items, "/policies/crossTenantAccessPolicy/partners", PARTNER_PAGE, max_size=PARTNER_PAGE))
    return result


@route("POST", "/policies/crossTenantAccessPolicy/partners", WRITE, api=APIS)
def create_partner(ctx):
    body = ctx.body
    check_odata_type(body, PARTNER_TYPE)
    check_properties(body, PARTNER_FIELDS, None)
    if "isInMultiTenantOrganization" in body:
        raise bad_request("isInMultiTenantOrganization is read-only.")
    tid = body.get("tenantId")
    if not isinstance(tid, str) or not GUID_RE.match(tid):
        raise bad_request("tenantId is required and must be a tenant ID (GUID); got '%s'." % tid)
    tid = tid.lower()
    if tid == ctx.tenant.id:
        raise bad_request("A tenant cannot be added as a partner of itself.")
    other = _partner_tenant(ctx, tid)
    if other is None:
        raise bad_request("Tenant '%s' was not found; a partner must be an existing Microsoft Entra tenant." % tid)
    data = copy.deepcopy(ctx.tenant.data["ctap"])
    if tid in data["partners"]:
        raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue",
                         "A partner configuration for tenant '%s' already exists." % tid)
    cross_cloud = other.endpoint != ctx.tenant.endpoint
    if cross_cloud:
        if not clouds.pair_supported(ctx.tenant.endpoint, other.endpoint):
            raise bad_request("Tenant '%s' is in the '%s' cloud; B2B collaboration between '%s' and '%s' is not "
                              "supported." % (tid, other.endpoint, ctx.tenant.endpoint, other.endpoint))
        if other.endpoint not in data["policy"]["allowedCloudEndpoints"]:
            raise bad_request("Tenant '%s' is in the '%s' cloud, which is not in allowedCloudEndpoints "
                              "(XCB2BResourceCloudNotAllowedOnIdentityTenant); enable that cloud first."
                              % (tid, other.endpoint))
    partner = new_partner(tid)
    _apply_settings(partner, {k: v for k, v in body.items() if k != "tenantId"}, cross_cloud)
    data["partners"][tid] = partner
    _commit(ctx, data)
    ctx.mark_created("partner", tid)
    out = {"@odata.context": ctx.context_url("policies/crossTenantAccessPolicy/partners/$entity")}
    out.update(copy.deepcopy(partner))
    return 201, out


@route("GET", "/policies/crossTenantAccessPolicy/partners/{tid}", READ, api=APIS, query=("$select", "$expand"))
def get_partner(ctx):
    out = {"@odata.context": ctx.context_url("policies/crossTenantAccessPolicy/partners/$entity")}
    out.update(_select(ctx, copy.deepcopy(_get_partner(ctx, ctx.params["tid"]))))
    return out


@route("PATCH", "/policies/crossTenantAccessPolicy/partners/{tid}", WRITE, api=APIS)
def patch_partner(ctx):
    tid = ctx.params["tid"].lower()
    _get_partner(ctx, tid)
    body = ctx.body
    check_odata_type(body, PARTNER_TYPE)
    for ro in ("tenantId", "isInMultiTenantOrganization"):
        if ro in body:
            raise bad_request("%s is read-only." % ro)
    check_properties(body, PARTNER_WRITABLE, None)
    data = copy.deepcopy(ctx.tenant.data["ctap"])
    _apply_settings(data["partners"][tid], body, _is_cross_cloud(ctx, tid))
    _commit(ctx, data)


@route("DELETE", "/policies/crossTenantAccessPolicy/partners/{tid}", WRITE, api=APIS)
def delete_partner(ctx):
    tid = ctx.params["tid"].lower()
    _get_partner(ctx, tid)
    data = ctx.tenant.data["ctap"]
    if tid in data["identity_sync"]:
        raise bad_request("The partner has an identitySynchronization policy; delete it before the partner.")
    del data["partners"][tid]


# ---- identity synchronisation --------------------------------------------------------------------

SYNC_PATH = "/policies/crossTenantAccessPolicy/partners/{tid}/identitySynchronization"


def _sync_body(body, current=None):
    check_odata_type(body, SYNC_TYPE)
    check_properties(body, ("displayName", "userSyncInbound"), None)
    out = copy.deepcopy(current) if current else {"displayName": None, "userSyncInbound": None}
    if "displayName" in body:
        out["displayName"] = body["displayName"]
    if "userSyncInbound" in body:
        usi = body["userSyncInbound"]
        if not isinstance(usi, dict):
            raise bad_request("userSyncInbound must be an object.")
        check_odata_type(usi, USER_SYNC_TYPE, "userSyncInbound")
        check_properties(usi, ("isSyncAllowed",), "userSyncInbound")
        if not isinstance(usi.get("isSyncAllowed"), bool):
            raise bad_request("userSyncInbound.isSyncAllowed must be a Boolean.")
        out["userSyncInbound"] = {"isSyncAllowed": usi["isSyncAllowed"]}
    return out


def _sync_allowed(ctx, tid):
    _get_partner(ctx, tid)
    other = _partner_tenant(ctx, tid)
    if other is not None and not clouds.sync_direction_supported(other.cloud, ctx.tenant.cloud):
        raise bad_request("Cross-tenant synchronization from the '%s' cloud (partner %s) into the '%s' cloud is not "
                          "supported." % (other.cloud, tid, ctx.tenant.cloud))


@route("PUT", SYNC_PATH, SYNC_WRITE, api=APIS)
def put_sync(ctx):
    tid = ctx.params["tid"].lower()
    _sync_allowed(ctx, tid)
    syncs = ctx.tenant.data["ctap"]["identity_sync"]
    created = tid not in syncs
    syncs[tid] = _sync_body(ctx.body)
    if created:
        ctx.mark_created("identity_sync", tid)


def _current_sync(ctx, tid):
    """The partner's identitySynchronization, or 404 (none, or not replicated yet)."""
    current = ctx.tenant.data["ctap"]["identity_sync"].get(tid)
    if current is None or not ctx.replicated("identity_sync", tid):
        raise not_found("No identitySynchronization policy exists for partner '%s'." % tid)
    return current


@route("PATCH", SYNC_PATH, SYNC_WRITE, api=APIS)
def patch_sync(ctx):
    tid = ctx.params["tid"].lower()
    _sync_allowed(ctx, tid)
    current = _current_sync(ctx, tid)
    ctx.tenant.data["ctap"]["identity_sync"][tid] = _sync_body(ctx.body, current)


@route("GET", SYNC_PATH, SYNC_READ, api=APIS)
def get_sync(ctx):
    tid = ctx.params["tid"].lower()
    _get_partner(ctx, tid)
    current = _current_sync(ctx, tid)
    out = {"@odata.context": ctx.context_url(
        "policies/crossTenantAccessPolicy/partners('%s')/identitySynchronization/$entity" % tid), "tenantId": tid}
    out.update(copy.deepcopy(current))
    return out


@route("DELETE", SYNC_PATH, SYNC_WRITE, api=APIS)
def delete_sync(ctx):
    tid = ctx.params["tid"].lower()
    _get_partner(ctx, tid)
    _current_sync(ctx, tid)
    del ctx.tenant.data["ctap"]["identity_sync"][tid]


# ---- for the redemption simulation -----------------------------------------------------------------

def effective_b2b(tenant, partner_tenant_id, direction, state=None):
    """The b2bCollaboration{Inbound,Outbound} that applies to a partner, or None (blocked).

    A partner's null setting inherits the tenant default; each half (usersAndGroups, applications)
    inherits separately. A tenant in another cloud with no partner entry is blocked: enabling its cloud
    alone leaves all B2B with it blocked until the tenant is added, and then "the admin can either apply
    the default settings or configure specific settings for the partner" (Microsoft, Configure Microsoft
    cloud settings for B2B collaboration: learn.microsoft.com/entra/external-id/cross-cloud-settings).
    """
    key = "b2bCollaborationInbound" if direction == "inbound" else "b2bCollaborationOutbound"
    data = tenant.data["ctap"]
    partner = data["partners"].get(partner_tenant_id.lower())
    other = state.tenants.get(partner_tenant_id.lower()) if state is not None else None
    cross_cloud = other is not None and other.endpoint != tenant.endpoint
    if cross_cloud and partner is None:
        return None
    default = data["default"][key]
    if partner is None or partner.get(key) is None:
        return default
    value = partner[key]
    return {kind: value[kind] if value[kind] is not None else default[kind]
            for kind in ("usersAndGroups", "applications")}
