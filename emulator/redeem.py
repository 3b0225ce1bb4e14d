"""Redemption simulation: could this invited guest sign in to the resource tenant?

Evaluates both tenants' settings the way Entra does at redemption and sign-in, and lists every
setting that stands in the way, with the side it is on, instead of stopping at the first:
- the home tenant can do B2B at all (not a legacy USG tenant);
- across clouds: a supported pair, each side's allowedCloudEndpoints holding the other's cloud
  (AADSTS1000104), each side having the other as partner, and an invitation by UPN;
- outbound at home (AADSTS500212) and inbound at the resource (AADSTS500213) for this user and
  application - a partner's unset setting inherits the default; another cloud's tenant without a
  partner entry is blocked;
- the resource's domain allow/block list.
"""

import datetime

from emulator import clouds
from emulator.graph import ctap, directory

APP_KEYWORDS = {"AllApplications"}


def _target_allows(config, ids, keywords):
    """Does a crossTenantAccessPolicyTargetConfiguration admit any of ids/keywords?"""
    if config is None:
        return False
    hit = any(t["target"] in ids or t["target"] in keywords for t in config["targets"])
    return hit if config["accessType"] == "allowed" else not hit


def _allows(setting, user_ids, app_ids):
    if setting is None:
        return False, "not configured (a tenant in another cloud must be added as a partner)"
    if not _target_allows(setting["usersAndGroups"], user_ids, {"AllUsers"}):
        return False, "the user is not allowed by usersAndGroups"
    if not _target_allows(setting["applications"], app_ids, APP_KEYWORDS | {"Office365"}):
        return False, "the application is not allowed by applications"
    return True, None


def simulate(state, resource_tenant, address, application=None, accept=True):
    resource = state.find(resource_tenant)
    if resource is None:
        raise ValueError("no tenant %s" % resource_tenant)
    result = {"allowed": False, "aadsts": None, "reasons": [], "resource_tenant": resource.id,
              "home_tenant": None, "guest_id": None}
    reasons = result["reasons"]

    def fail(side, tenant, setting, message, code=None):
        reasons.append({"side": side, "tenant": tenant.id if tenant else None, "setting": setting,
                        "message": message, "aadsts": code})
        if code and result["aadsts"] is None:
            result["aadsts"] = code

    address_l = address.lower()
    guest = next((u for u in resource.data["users"].values()
                  if (u.get("mail") or "").lower() == address_l
                  or address_l in [m.lower() for m in u.get("otherMails") or []]), None)
    if guest is None:
        fail("resource", resource, "invitation", "no guest was invited with the address %s" % address)
        return result
    result["guest_id"] = guest["id"]
    home = state.tenant_of_address(address)
    if home is None:
        fail("home", None, "home_tenant", "no Microsoft Entra tenant owns the domain of %s" % address)
        return result
    result["home_tenant"] = home.id
    home_user = next((u for u in home.data["users"].values()
                      if (u["userPrincipalName"] or "").lower() == address_l or (u.get("mail") or "").lower() == address_l),
                     None)
    if home_user is None:
        fail("home", home, "user", "no user %s exists in the home tenant" % address, 50034)
        return result
    if str(home.region_scope or "").upper() == "USG":
        fail("home", home, "region_scope", "the home tenant (region scope USG) cannot take part in B2B collaboration")
    cross_cloud = home.endpoint != resource.endpoint
    if cross_cloud:
        if not clouds.pair_supported(home.endpoint, resource.endpoint):
            fail("both", None, "cloud_pair", "B2B collaboration between %s and %s is not supported"
                 % (home.endpoint, resource.endpoint), 1000104)
        else:
            for side, tenant, other in (("resource", resource, home), ("home", home, resource)):
                if other.endpoint not in tenant.data["ctap"]["policy"]["allowedCloudEndpoints"]:
                    fail(side, tenant, "allowedCloudEndpoints", "%s does not allow the cloud %s"
                         % (tenant.display_name, other.endpoint), 1000104)
                if other.id not in tenant.data["ctap"]["partners"]:
                    fail(side, tenant, "partner", "%s has not added %s as a partner organisation"
                         % (tenant.display_name, other.display_name), 1000104)
        if (home_user["userPrincipalName"] or "").lower() != address_l:
            fail("resource", resource, "invitation", "across clouds the guest must be invited by UPN (%s), not %s"
                 % (home_user["userPrincipalName"], address))
    apps = {application} if application else set()
    ok, why = _allows(ctap.effective_b2b(home, resource.id, "outbound", state), {home_user["id"]}, apps)
    if not ok:
        fail("home", home, "b2bCollaborationOutbound", "outbound B2B collaboration at home: %s" % why, 500212)
    ok, why = _allows(ctap.effective_b2b(resource, home.id, "inbound", state), {home_user["id"]}, apps)
    if not ok:
        fail("resource", resource, "b2bCollaborationInbound", "inbound B2B collaboration at the resource: %s" % why,
             500213)
    domain = address_l.rpartition("@")[2]
    if not directory.domain_permitted(resource, domain):
        fail("resource", resource, "domain_list", "the domain %s is refused by the allow/block list" % domain)
    result["allowed"] = not reasons
    if result["allowed"] and accept:
        guest["externalUserState"] = "Accepted"
        guest["externalUserStateChangeDateTime"] = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        guest["identities"] = [{"signInType": "federated", "issuer": "ExternalAzureAD",
                                "issuerAssignedId": home_user["id"]}]
    return result
