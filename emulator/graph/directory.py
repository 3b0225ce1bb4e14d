"""External collaboration settings: authorizationPolicy, email one-time passcode, the domain
allow/block list (beta b2bManagementPolicies, commercial cloud only) and externalIdentitiesPolicy.

Rules enforced (graph-api.md section 4):
- authorizationPolicy: read with Policy.Read.All or Policy.ReadWrite.Authorization, write with the
  latter; allowInvitesFrom and guestUserRoleId take only their documented values; US Government
  tenants start with allowInvitesFrom none; id, displayName and description are read-only; nested
  defaultUserRolePermissions is merged key by key, unknown keys refused.
- email method: PATCH must carry "@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration"
  (api/emailauthenticationmethodconfiguration-update.md: "must be included"); a missing one is 400
  BadRequest, another type 400 Request_BadRequest (core.check_odata_type); state enabled|disabled;
  allowExternalIdToUseEmailOtp default|enabled|disabled; includeTargets a collection of
  authenticationMethodTarget {"targetType": "group", "id": group id or "all_users",
  "isRegistrationRequired"?: Boolean}, excludeTargets of excludeTarget {"targetType": "group",
  "id": group id} (resources/authenticationmethodtarget.md, resources/excludetarget.md; the pages
  also name targetType "user", but the methods policy targets groups only - "A collection of groups
  that are enabled to use the authentication method", resources/emailauthenticationmethodconfiguration.md
  - so the strict reading refuses "user").
- b2bManagementPolicies: beta only, global cloud only; its own permissions (Policy.Read.All does not
  grant them); PATCH answers 200 with the object; the definition must be one JSON string with an
  allow list or a block list, never both; valid DNS names; one organisation default; 25 KB at most.
- b2bManagementPolicies created within their replication delay answer 404 and are missing from the list.
- externalIdentitiesPolicy: beta only; allowExternalIdentitiesToLeave, allowDeletedIdentitiesDataRemoval.
- "@odata.type" in a body must be the resource's own type when present: #microsoft.graph.authorizationPolicy
  (and defaultUserRolePermissions), #microsoft.graph.b2bManagementPolicy,
  #microsoft.graph.externalIdentitiesPolicy (type names from each resource page).
- query options: the singletons take $select only (their GET pages list none; OData allows $select on
  an entity), so $filter on /policies/authorizationPolicy and the others is 400; the
  b2bManagementPolicies list and get take none ("Optional query parameters: None.",
  beta/api/policyroot-list-b2bmanagementpolicies.md).
"""

import copy
import json
import re

from emulator.graph.core import (GraphError, bad_request, check_odata_type, check_properties, not_found, odata_type,
                                 route)
from emulator.state import GUID_RE, new_id, tenant_initialiser

AUTHZ_READ = ("Policy.Read.All", "Policy.ReadWrite.Authorization")
AUTHZ_WRITE = ("Policy.ReadWrite.Authorization",)
EMAIL_READ = ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod")
EMAIL_WRITE = ("Policy.ReadWrite.AuthenticationMethod",)
B2B_READ = ("Policy.Read.B2BManagementPolicy", "Policy.ReadWrite.B2BManagementPolicy")
B2B_WRITE = ("Policy.ReadWrite.B2BManagementPolicy",)
EXT_READ = ("Policy.Read.All", "Policy.ReadWrite.ExternalIdentities")
EXT_WRITE = ("Policy.ReadWrite.ExternalIdentities",)

INVITES_FROM = ("none", "adminsAndGuestInviters", "adminsGuestInvitersAndAllMembers", "everyone")
GUEST_ROLES = ("a0b1b346-4d3e-4e8b-98f8-753987be4970", "10dae51f-b6af-4016-8d66-8c2a99b929b3",
               "2af84b1e-32c8-42b7-82bc-daa82404023b")
AUTHZ_BOOLS = ("allowedToSignUpEmailBasedSubscriptions", "allowedToUseSSPR", "allowEmailVerifiedUsersToJoinOrganization",
               "allowUserConsentForRiskyApps", "blockMsolPowerShell")
ROLE_PERMISSION_BOOLS = ("allowedToCreateApps", "allowedToCreateSecurityGroups", "allowedToCreateTenants",
                         "allowedToReadBitlockerKeysForOwnedDevice", "allowedToReadOtherUsers")
EMAIL_TYPE = odata_type("microsoft.graph.emailAuthenticationMethodConfiguration")
AUTHZ_TYPE = odata_type("microsoft.graph.authorizationPolicy")
ROLE_PERMISSIONS_TYPE = odata_type("microsoft.graph.defaultUserRolePermissions")
B2B_POLICY_TYPE = odata_type("microsoft.graph.b2bManagementPolicy")
EXT_TYPE = odata_type("microsoft.graph.externalIdentitiesPolicy")
INCLUDE_TARGET_TYPE = odata_type("microsoft.graph.authenticationMethodTarget")
EXCLUDE_TARGET_TYPE = odata_type("microsoft.graph.excludeTarget")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
DEFINITION_LIMIT = 25 * 1024


@tenant_initialiser
def _init(tenant, entry):
    us_gov = tenant.cloud in ("usgov", "usgov_dod")
    authz = {
        "id": "authorizationPolicy",
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "none" if us_gov else "everyone",
        "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": True,
        "allowEmailVerifiedUsersToJoinOrganization": False,
        "allowUserConsentForRiskyApps": False,
        "blockMsolPowerShell": False,
        "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
        "defaultUserRolePermissions": {"allowedToCreateApps": True, "allowedToCreateSecurityGroups": True,
                                       "allowedToCreateTenants": True,
                                       "allowedToReadBitlockerKeysForOwnedDevice": True,
                                       "allowedToReadOtherUsers": True,
                                       "permissionGrantPoliciesAssigned": [
                                           "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]},
    }
    authz.update(copy.deepcopy(entry.get("authorization_policy") or {}))
    tenant.data["authorization_policy"] = authz
    otp = entry.get("email_otp") or {}
    tenant.data["email_method"] = {"id": "Email", "state": otp.get("state", "enabled"),
                                   "allowExternalIdToUseEmailOtp": otp.get("allowExternalIdToUseEmailOtp", "default"),
                                   "includeTargets": [], "excludeTargets": []}
    policies = {}
    domain_list = entry.get("domain_list")
    if domain_list:
        pid = new_id()
        policies[pid] = _policy_object(pid, "B2BManagementPolicy", "", _definition(
            domain_list.get("allowed", []), domain_list.get("blocked", [])), True)
    tenant.data["b2b_management_policies"] = policies
    tenant.data["external_identities_policy"] = {"id": "externalIdentitiesPolicy",
                                                 "displayName": "External Identities Policy",
                                                 "allowExternalIdentitiesToLeave": True,
                                                 "allowDeletedIdentitiesDataRemoval": False}


def _definition(allowed, blocked):
    return [json.dumps({"B2BManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {
        "AllowedDomains": list(allowed), "BlockedDomains": list(blocked)}}})]


def _policy_object(pid, name, description, definition, default):
    return {"id": pid, "displayName": name, "description": description, "definition": definition,
            "isOrganizationDefault": default, "deletedDateTime": None}


# ---- helpers for invitations and the redemption simulation ----------------------------------------

def domain_restriction(tenant):
    """("allow", [domains]) | ("block", [domains]) | (None, []) from the organisation default policy."""
    for policy in tenant.data.get("b2b_management_policies", {}).values():
        if not policy.get("isOrganizationDefault"):
            continue
        rules = parse_definition(policy["definition"])
        if rules["allowed"]:
            return "allow", rules["allowed"]
        if rules["blocked"]:
            return "block", rules["blocked"]
    return None, []


def domain_permitted(tenant, domain):
    mode, domains = domain_restriction(tenant)
    domain = domain.lower()

    def hit(d):
        d = d.lower()
        return domain == d or (d.startswith("*.") and domain.endswith(d[1:]))
    if mode == "allow":
        return any(hit(d) for d in domains)
    if mode == "block":
        return not any(hit(d) for d in domains)
    return True


def invites_allowed_for_apps(tenant):
    """App-only invitations fail when only admins (or nobody) may invite."""
    return tenant.data["authorization_policy"]["allowInvitesFrom"] in ("adminsGuestInvitersAndAllMembers", "everyone")


# ---- authorizationPolicy ---------------------------------------------------------------------------

@route("GET", "/policies/authorizationPolicy", AUTHZ_READ, api=("v1.0", "beta"))
def get_authz(ctx):
    out = {"@odata.context": ctx.context_url("policies/authorizationPolicy/$entity")}
    out.update(copy.deepcopy(ctx.tenant.data["authorization_policy"]))
    return out


@route("PATCH", "/policies/authorizationPolicy", AUTHZ_WRITE, api=("v1.0", "beta"))
def patch_authz(ctx):
    body = ctx.body
    check_odata_type(body, AUTHZ_TYPE)
    for ro in ("id", "displayName", "description"):
        if ro in body:
            raise bad_request("Property '%s' is read-only and cannot be set." % ro)
    check_properties(body, AUTHZ_BOOLS + ("allowInvitesFrom", "guestUserRoleId", "defaultUserRolePermissions"), None)
    policy = copy.deepcopy(ctx.tenant.data["authorization_policy"])
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        if key == "allowInvitesFrom":
            if value not in INVITES_FROM:
                raise bad_request("Invalid value '%s' for allowInvitesFrom: expected one of %s."
                                  % (value, ", ".join(INVITES_FROM)))
        elif key == "guestUserRoleId":
            if str(value).lower() not in GUEST_ROLES:
                raise bad_request("Invalid value '%s' for guestUserRoleId: expected one of %s."
                                  % (value, ", ".join(GUEST_ROLES)))
            value = str(value).lower()
        elif key == "defaultUserRolePermissions":
            if not isinstance(value, dict):
                raise bad_request("defaultUserRolePermissions must be an object.")
            check_odata_type(value, ROLE_PERMISSIONS_TYPE, "defaultUserRolePermissions")
            check_properties(value, ROLE_PERMISSION_BOOLS + ("permissionGrantPoliciesAssigned",),
                             "defaultUserRolePermissions")
            merged = policy["defaultUserRolePermissions"]
            for k, v in value.items():
                if k.startswith("@odata."):
                    continue
                if k in ROLE_PERMISSION_BOOLS and not isinstance(v, bool):
                    raise bad_request("defaultUserRolePermissions.%s must be a Boolean." % k)
                if k == "permissionGrantPoliciesAssigned" and not (
                        isinstance(v, list) and all(isinstance(x, str) for x in v)):
                    raise bad_request("permissionGrantPoliciesAssigned must be a collection of strings.")
                merged[k] = v
            continue
        elif not isinstance(value, bool):
            raise bad_request("Invalid value for %s: a Boolean is expected." % key)
        policy[key] = value
    ctx.tenant.data["authorization_policy"] = policy


# ---- email one-time passcode -------------------------------------------------------------------------

EMAIL_PATH = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"


@route("GET", EMAIL_PATH, EMAIL_READ, api=("v1.0", "beta"))
def get_email(ctx):
    out = {"@odata.context": ctx.context_url(
        "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity"),
        "@odata.type": EMAIL_TYPE}
    out.update(copy.deepcopy(ctx.tenant.data["email_method"]))
    return out


@route("PATCH", EMAIL_PATH, EMAIL_WRITE, api=("v1.0", "beta"))
def patch_email(ctx):
    body = ctx.body
    check_odata_type(body, EMAIL_TYPE)
    if body.get("@odata.type") != EMAIL_TYPE:
        raise bad_request("The request body must contain '@odata.type': '%s'." % EMAIL_TYPE, "BadRequest")
    if "id" in body:
        raise bad_request("Property 'id' is read-only and cannot be set.")
    check_properties(body, ("state", "allowExternalIdToUseEmailOtp", "includeTargets", "excludeTargets"), None)
    method = copy.deepcopy(ctx.tenant.data["email_method"])
    if "state" in body:
        if body["state"] not in ("enabled", "disabled"):
            raise bad_request("Invalid value '%s' for state: expected enabled or disabled." % body["state"])
        method["state"] = body["state"]
    if "allowExternalIdToUseEmailOtp" in body:
        if body["allowExternalIdToUseEmailOtp"] not in ("default", "enabled", "disabled"):
            raise bad_request("Invalid value '%s' for allowExternalIdToUseEmailOtp: expected default, enabled or "
                              "disabled." % body["allowExternalIdToUseEmailOtp"])
        method["allowExternalIdToUseEmailOtp"] = body["allowExternalIdToUseEmailOtp"]
    for key in ("includeTargets", "excludeTargets"):
        if key in body:
            method[key] = _check_targets(key, body[key])
    ctx.tenant.data["email_method"] = method


def _check_targets(key, value):
    """includeTargets (authenticationMethodTarget) or excludeTargets (excludeTarget): groups only."""
    include = key == "includeTargets"
    if not isinstance(value, list):
        raise bad_request("%s must be a collection." % key)
    out, seen = [], set()
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("%s items must be objects with targetType and id." % key)
        check_odata_type(item, INCLUDE_TARGET_TYPE if include else EXCLUDE_TARGET_TYPE, key)
        check_properties(item, ("targetType", "id", "isRegistrationRequired") if include else ("targetType", "id"), key)
        if item.get("targetType") != "group":
            raise bad_request("Invalid targetType '%s' in %s: the authentication methods policy targets groups "
                              "('group')." % (item.get("targetType"), key))
        target = item.get("id")
        if not isinstance(target, str) or not (GUID_RE.match(target) or (include and target == "all_users")):
            raise bad_request("Invalid id '%s' in %s: a group id%s is expected."
                              % (target, key, " or 'all_users'" if include else ""))
        if target.lower() in seen:
            raise bad_request("%s contains the target '%s' more than once." % (key, target))
        seen.add(target.lower())
        entry = {"targetType": "group", "id": target.lower() if target != "all_users" else target}
        if include:
            required = item.get("isRegistrationRequired", False)
            if not isinstance(required, bool):
                raise bad_request("isRegistrationRequired in %s must be a Boolean." % key)
            entry["isRegistrationRequired"] = required
        out.append(entry)
    return out


# ---- b2bManagementPolicies (beta, commercial cloud only) ---------------------------------------------

def parse_definition(definition):
    """{'allowed': [...], 'blocked': [...]} from a definition list; GraphError 400 when invalid."""
    if not isinstance(definition, list) or len(definition) != 1 or not isinstance(definition[0], str):
        raise bad_request("definition must be a collection holding one JSON string.")
    if len(definition[0].encode()) > DEFINITION_LIMIT:
        raise bad_request("The policy definition exceeds the maximum size of 25 KB.")
    try:
        doc = json.loads(definition[0])
    except ValueError:
        try:  # Microsoft's own example uses single quotes
            doc = json.loads(definition[0].replace("'", '"'))
        except ValueError:
            raise bad_request("The policy definition is not valid JSON.")
    if not isinstance(doc, dict) or set(doc) != {"B2BManagementPolicy"} or not isinstance(doc["B2BManagementPolicy"],
                                                                                          dict):
        raise bad_request("The policy definition must be an object with a single 'B2BManagementPolicy' key.")
    body = doc["B2BManagementPolicy"]
    unknown = set(body) - {"InvitationsAllowedAndBlockedDomainsPolicy", "Version", "PreviewPolicy",
                           "AutoRedeemPolicy"}
    if unknown:
        raise bad_request("Unknown key(s) in B2BManagementPolicy: %s." % ", ".join(sorted(unknown)))
    lists = body.get("InvitationsAllowedAndBlockedDomainsPolicy") or {}
    if not isinstance(lists, dict) or set(lists) - {"AllowedDomains", "BlockedDomains"}:
        raise bad_request("InvitationsAllowedAndBlockedDomainsPolicy accepts only AllowedDomains and BlockedDomains.")
    allowed, blocked = lists.get("AllowedDomains") or [], lists.get("BlockedDomains") or []
    if not isinstance(allowed, list) or not isinstance(blocked, list):
        raise bad_request("AllowedDomains and BlockedDomains must be lists of domain names.")
    if allowed and blocked:
        raise bad_request("A policy can have an allow list or a block list, not both.")
    for d in allowed + blocked:
        if not isinstance(d, str) or not DOMAIN_RE.match(d.lower()):
            raise bad_request("'%s' is not a valid domain name." % d)
    return {"allowed": allowed, "blocked": blocked}


def _b2b_policies(ctx):
    return ctx.tenant.data["b2b_management_policies"]


def _b2b_get(ctx):
    policy = _b2b_policies(ctx).get(ctx.params["pid"])
    if policy is None or not ctx.replicated("b2b_policy", ctx.params["pid"]):
        raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                        "present." % ctx.params["pid"])
    return policy


B2B_PATH = "/policies/b2bManagementPolicies"
B2B_FIELDS = ("displayName", "description", "definition", "isOrganizationDefault")


def _b2b_out(ctx, policy):
    out = {"@odata.context": ctx.context_url("policies/b2bManagementPolicies/$entity")}
    out.update(copy.deepcopy(policy))
    return out


@route("GET", B2B_PATH, B2B_READ, api=("beta",), only_clouds=("global",), query=())
def list_b2b(ctx):
    return {"@odata.context": ctx.context_url("policies/b2bManagementPolicies"),
            "value": [copy.deepcopy(p) for pid, p in _b2b_policies(ctx).items() if ctx.replicated("b2b_policy", pid)]}


@route("POST", B2B_PATH, B2B_WRITE, api=("beta",), only_clouds=("global",))
def create_b2b(ctx):
    body = ctx.body
    check_odata_type(body, B2B_POLICY_TYPE)
    check_properties(body, B2B_FIELDS, None)
    if "definition" not in body or not body.get("displayName"):
        raise bad_request("displayName and definition are required.")
    parse_definition(body["definition"])
    default = bool(body.get("isOrganizationDefault", False))
    if default and any(p["isOrganizationDefault"] for p in _b2b_policies(ctx).values()):
        raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue",
                         "An organization default B2BManagementPolicy already exists.")
    pid = new_id()
    policy = _policy_object(pid, body["displayName"], body.get("description", ""), list(body["definition"]), default)
    _b2b_policies(ctx)[pid] = policy
    ctx.mark_created("b2b_policy", pid)
    return 201, _b2b_out(ctx, policy)


@route("GET", B2B_PATH + "/{pid}", B2B_READ, api=("beta",), only_clouds=("global",), query=())
def get_b2b(ctx):
    return _b2b_out(ctx, _b2b_get(ctx))


@route("PATCH", B2B_PATH + "/{pid}", B2B_WRITE, api=("beta",), only_clouds=("global",))
def patch_b2b(ctx):
    policy = _b2b_get(ctx)
    body = ctx.body
    check_odata_type(body, B2B_POLICY_TYPE)
    if "id" in body:
        raise bad_request("Property 'id' is read-only and cannot be set.")
    check_properties(body, B2B_FIELDS, None)
    if "definition" in body:
        parse_definition(body["definition"])
    if body.get("isOrganizationDefault") and any(p["isOrganizationDefault"] for k, p in _b2b_policies(ctx).items()
                                                 if k != policy["id"]):
        raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue",
                         "An organization default B2BManagementPolicy already exists.")
    updated = copy.deepcopy(policy)
    updated.update(copy.deepcopy({k: v for k, v in body.items() if not k.startswith("@odata.")}))
    _b2b_policies(ctx)[policy["id"]] = updated
    return 200, _b2b_out(ctx, updated)  # this beta endpoint answers 200 with the object, unlike most PATCHes


@route("DELETE", B2B_PATH + "/{pid}", B2B_WRITE, api=("beta",), only_clouds=("global",))
def delete_b2b(ctx):
    policy = _b2b_get(ctx)
    del _b2b_policies(ctx)[policy["id"]]


# ---- externalIdentitiesPolicy (beta) --------------------------------------------------------------------

@route("GET", "/policies/externalIdentitiesPolicy", EXT_READ, api=("beta",))
def get_ext(ctx):
    out = {"@odata.context": ctx.context_url("policies/externalIdentitiesPolicy/$entity")}
    out.update(copy.deepcopy(ctx.tenant.data["external_identities_policy"]))
    return out


@route("PATCH", "/policies/externalIdentitiesPolicy", EXT_WRITE, api=("beta",))
def patch_ext(ctx):
    body = ctx.body
    check_odata_type(body, EXT_TYPE)
    if "id" in body:
        raise bad_request("Property 'id' is read-only and cannot be set.")
    check_properties(body, ("displayName", "allowExternalIdentitiesToLeave", "allowDeletedIdentitiesDataRemoval"),
                     None)
    policy = copy.deepcopy(ctx.tenant.data["external_identities_policy"])
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        if key != "displayName" and not isinstance(value, bool):
            raise bad_request("Invalid value for %s: a Boolean is expected." % key)
        policy[key] = value
    ctx.tenant.data["external_identities_policy"] = policy
