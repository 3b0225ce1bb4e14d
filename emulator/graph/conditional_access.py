"""Conditional Access policies, as far as policies for partner guests go.

Rules enforced (graph-api.md section 6; api/conditionalaccessroot-post-policies.md, resources/
conditionalaccesspolicy.md, conditionalaccessconditionset.md, conditionalaccessusers.md,
conditionalaccessguestsorexternalusers.md, conditionalaccessexternaltenants.md, conditionalaccessgrantcontrols.md):
- reads need Policy.Read.All or Policy.ReadWrite.ConditionalAccess; writes Policy.ReadWrite.ConditionalAccess.
- 1 request per second per tenant (all Conditional Access calls): 429 without Retry-After beyond it (the
  emulator's admin endpoint is exempt).
- a policy: displayName, state (enabled, disabled, enabledForReportingButNotEnforced), conditions (users and
  applications required; users must include someone: includeUsers, includeGroups, includeRoles or
  includeGuestsOrExternalUsers), grantControls {operator AND|OR, builtInControls from block, mfa,
  compliantDevice, domainJoinedDevice, approvedApplication, compliantApplication, passwordChange; block alone}.
- includeGuestsOrExternalUsers: guestOrExternalUserTypes is ONE comma-separated string of flags (internalGuest,
  b2bCollaborationGuest, b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser, serviceProvider);
  externalTenants {"@odata.type": #microsoft.graph.conditionalAccessAllExternalTenants, membershipKind: all} or
  {"@odata.type": #microsoft.graph.conditionalAccessEnumeratedExternalTenants, membershipKind: enumerated,
  members: [tenant IDs, at least one]}.
- POST 201 with the policy (new ones hidden during the replication delay); PATCH 204 (top-level properties
  given replace theirs); DELETE 204; unknown properties 400; an unknown id 404.
"""

import copy

from emulator.graph import users
from emulator.graph.core import bad_request, check_properties, not_found, route
from emulator.state import GUID_RE, new_id, tenant_initialiser

READ = ("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess")
WRITE = ("Policy.ReadWrite.ConditionalAccess",)
STATES = ("enabled", "disabled", "enabledForReportingButNotEnforced")
CONTROLS = ("block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication",
            "passwordChange")
GUEST_TYPES = ("internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember", "b2bDirectConnectUser",
               "otherExternalUser", "serviceProvider")
ALL_TENANTS = "#microsoft.graph.conditionalAccessAllExternalTenants"
ENUMERATED = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"
POLICY_KEYS = ("displayName", "state", "conditions", "grantControls", "sessionControls")
CONDITION_KEYS = ("users", "applications", "clientAppTypes", "platforms", "locations", "signInRiskLevels",
                  "userRiskLevels")
USER_KEYS = ("includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles",
             "includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers")
PATH = "/identity/conditionalAccess/policies"


@tenant_initialiser
def _init(tenant, entry):
    tenant.data["ca_policies"] = {}


def _limit(ctx):
    if ctx.claims.get("roles") == ["*"]:
        return   # the admin endpoint (tests' drift), not a client of the tenant's API
    ctx.rate_limit("conditional_access", 1, 1.0, retry_after=False)


def _guests(where, value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("%s must be an object." % where)
    check_properties(value, ("guestOrExternalUserTypes", "externalTenants"), where)
    types = value.get("guestOrExternalUserTypes")
    flags = [t.strip() for t in types.split(",")] if isinstance(types, str) else None
    if not flags or any(f not in GUEST_TYPES for f in flags) or len(set(flags)) != len(flags):
        raise bad_request("%s.guestOrExternalUserTypes must be one comma-separated string of %s."
                          % (where, ", ".join(GUEST_TYPES)))
    tenants = value.get("externalTenants")
    if tenants is not None:
        if not isinstance(tenants, dict):
            raise bad_request("%s.externalTenants must be an object." % where)
        kind = tenants.get("@odata.type")
        if kind == ALL_TENANTS:
            check_properties(tenants, ("membershipKind",), "externalTenants")
            if tenants.get("membershipKind") != "all":
                raise bad_request("conditionalAccessAllExternalTenants needs membershipKind 'all'.")
        elif kind == ENUMERATED:
            check_properties(tenants, ("membershipKind", "members"), "externalTenants")
            members = tenants.get("members")
            if tenants.get("membershipKind") != "enumerated" or not isinstance(members, list) or not members \
                    or not all(isinstance(m, str) and GUID_RE.match(m) for m in members):
                raise bad_request("conditionalAccessEnumeratedExternalTenants needs membershipKind 'enumerated' and "
                                  "members: a non-empty list of tenant IDs.")
        else:
            raise bad_request("%s.externalTenants needs @odata.type %s or %s." % (where, ALL_TENANTS, ENUMERATED))
    return copy.deepcopy(value)


def _conditions(value):
    if not isinstance(value, dict):
        raise bad_request("conditions must be an object.")
    check_properties(value, CONDITION_KEYS, "conditions")
    people = value.get("users")
    if not isinstance(people, dict):
        raise bad_request("conditions.users is required.")
    check_properties(people, USER_KEYS, "conditions.users")
    for key in ("includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers"):
        _guests("conditions.users." + key, people.get(key))
    if not (people.get("includeUsers") or people.get("includeGroups") or people.get("includeRoles")
            or people.get("includeGuestsOrExternalUsers")):
        raise bad_request("conditions.users must include users, groups, roles or guests or external users.")
    apps = value.get("applications")
    if not isinstance(apps, dict) or not (apps.get("includeApplications") or apps.get("includeUserActions")):
        raise bad_request("conditions.applications is required and must include applications or user actions.")
    return copy.deepcopy(value)


def _grant(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("grantControls must be an object.")
    check_properties(value, ("operator", "builtInControls", "customAuthenticationFactors", "termsOfUse",
                             "authenticationStrength"), "grantControls")
    if value.get("operator") not in ("AND", "OR"):
        raise bad_request("grantControls.operator must be AND or OR.")
    controls = value.get("builtInControls")
    if not isinstance(controls, list) or not controls or any(c not in CONTROLS for c in controls):
        raise bad_request("grantControls.builtInControls must list controls from %s." % ", ".join(CONTROLS))
    if "block" in controls and len(controls) > 1:
        raise bad_request("The block control cannot be combined with other controls.")
    return copy.deepcopy(value)


def _apply(policy, body):
    check_properties(body, POLICY_KEYS, None)
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        if key == "state":
            if value not in STATES:
                raise bad_request("Invalid state '%s': expected one of %s." % (value, ", ".join(STATES)))
            policy[key] = value
        elif key == "displayName":
            if not isinstance(value, str) or not value.strip():
                raise bad_request("displayName is required.")
            policy[key] = value
        elif key == "conditions":
            policy[key] = _conditions(value)
        elif key == "grantControls":
            policy[key] = _grant(value)
        else:
            policy[key] = copy.deepcopy(value)


def _find(ctx, pid):
    policy = ctx.tenant.data["ca_policies"].get(str(pid).lower())
    if policy is None or not ctx.replicated("ca_policy", policy["id"]):
        raise not_found("Could not find the policy with id '%s'." % pid)
    return policy


def _out(ctx, policy):
    out = {"@odata.context": ctx.context_url("identity/conditionalAccess/policies/$entity")}
    out.update(copy.deepcopy(policy))
    return out


@route("GET", PATH, READ, api=("v1.0", "beta"))
def list_policies(ctx):
    _limit(ctx)
    value = [copy.deepcopy(p) for pid, p in ctx.tenant.data["ca_policies"].items()
             if ctx.replicated("ca_policy", pid)]
    return {"@odata.context": ctx.context_url("identity/conditionalAccess/policies"), "value": value}


@route("POST", PATH, WRITE, api=("v1.0", "beta"))
def create_policy(ctx):
    _limit(ctx)
    body = ctx.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be a conditionalAccessPolicy.")
    for key in ("displayName", "state", "conditions"):
        if body.get(key) is None:
            raise bad_request("Property '%s' is required." % key)
    if body.get("grantControls") is None and body.get("sessionControls") is None:
        raise bad_request("A policy needs grantControls or sessionControls.")
    policy = {"id": new_id(), "createdDateTime": users._now(), "modifiedDateTime": None, "displayName": None,
              "state": None, "conditions": None, "grantControls": None, "sessionControls": None}
    _apply(policy, body)
    ctx.tenant.data["ca_policies"][policy["id"]] = policy
    ctx.mark_created("ca_policy", policy["id"])
    return 201, _out(ctx, policy)


@route("GET", PATH + "/{pid}", READ, api=("v1.0", "beta"))
def get_policy(ctx):
    _limit(ctx)
    return _out(ctx, _find(ctx, ctx.params["pid"]))


@route("PATCH", PATH + "/{pid}", WRITE, api=("v1.0", "beta"))
def update_policy(ctx):
    _limit(ctx)
    policy = copy.deepcopy(_find(ctx, ctx.params["pid"]))
    if not isinstance(ctx.body, dict):
        raise bad_request("The request body must be an object.")
    _apply(policy, ctx.body)
    policy["modifiedDateTime"] = users._now()
    ctx.tenant.data["ca_policies"][policy["id"]] = policy


@route("DELETE", PATH + "/{pid}", WRITE, api=("v1.0", "beta"))
def delete_policy(ctx):
    _limit(ctx)
    policy = _find(ctx, ctx.params["pid"])
    del ctx.tenant.data["ca_policies"][policy["id"]]
