"""Licences: the tenant's subscriptions (subscribedSkus) and assigning them to users (assignLicense).

Rules enforced (api/subscribedsku-list.md, resources/subscribedsku.md, api/user-assignlicense.md,
resources/assignedlicense.md):
- GET /subscribedSkus needs Organization.Read.All, Directory.Read.All, LicenseAssignment.Read.All (or a
  ReadWrite of them); each SKU: id (<tenant id>_<skuId>), skuId, skuPartNumber, appliesTo, capabilityStatus,
  consumedUnits, prepaidUnits {enabled, suspended, warning, lockedOut}, servicePlans; $select only.
- POST /users/{id | UPN}/assignLicense needs LicenseAssignment.ReadWrite.All, User.ReadWrite.All or
  Directory.ReadWrite.All; body {addLicenses: [{skuId, disabledPlans}], removeLicenses: [skuId]}, both
  required (empty lists allowed); 200 with the user. Refused with 400: a skuId the tenant has no subscription
  for ("does not correspond to a valid company License"), a user without usageLocation when adding ("License
  assignment cannot be done for user with invalid usage location." - Graph refuses a licence without it), no
  unit left (enabled - consumedUnits), removing a licence the user does not have. A user's assignedLicenses is
  returned on $select.
"""

import copy

from emulator.graph import users
from emulator.graph.core import bad_request, check_properties, route
from emulator.state import GUID_RE, tenant_initialiser

READ = ("Organization.Read.All", "Directory.Read.All", "LicenseAssignment.Read.All", "Organization.ReadWrite.All",
        "Directory.ReadWrite.All", "LicenseAssignment.ReadWrite.All")
ASSIGN = ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")


@tenant_initialiser
def _init(tenant, entry):
    skus = []
    for s in entry.get("licenses", []):
        skus.append({"id": "%s_%s" % (tenant.id, s["sku_id"]), "skuId": s["sku_id"], "skuPartNumber": s["part_number"],
                     "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": 0,
                     "prepaidUnits": {"enabled": int(s.get("units", 0)), "suspended": 0, "warning": 0, "lockedOut": 0},
                     "servicePlans": []})
    tenant.data["subscribed_skus"] = skus


@route("GET", "/subscribedSkus", READ, api=("v1.0", "beta"))
def list_skus(ctx):
    fields = None
    if ctx.query.get("$select"):
        fields = ["id"] + [f.strip() for f in ctx.query["$select"].split(",") if f.strip() and f.strip() != "id"]
        known = ctx.tenant.data["subscribed_skus"][0].keys() if ctx.tenant.data["subscribed_skus"] else ()
        for f in fields:
            if known and f not in known:
                raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.subscribedSku'." % f)
    value = [dict((k, copy.deepcopy(v)) for k, v in s.items() if fields is None or k in fields)
             for s in ctx.tenant.data["subscribed_skus"]]
    return {"@odata.context": ctx.context_url("subscribedSkus"), "value": value}


def _sku(ctx, sku_id):
    for s in ctx.tenant.data["subscribed_skus"]:
        if s["skuId"].lower() == str(sku_id).lower():
            return s
    raise bad_request("License %s does not correspond to a valid company License." % sku_id)


@route("POST", "/users/{uid}/assignLicense", ASSIGN, api=("v1.0", "beta"))
def assign(ctx):
    user = users.find_user(ctx, ctx.params["uid"])
    body = ctx.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be an object with addLicenses and removeLicenses.")
    check_properties(body, ("addLicenses", "removeLicenses"), None)
    adds, removes = body.get("addLicenses"), body.get("removeLicenses")
    if not isinstance(adds, list) or not isinstance(removes, list):
        raise bad_request("addLicenses and removeLicenses are both required (an empty list for none).")
    current = [dict(lic) for lic in user.get("assignedLicenses") or []]
    held = set(lic["skuId"].lower() for lic in current)
    for sku_id in removes:
        if not isinstance(sku_id, str) or not GUID_RE.match(sku_id):
            raise bad_request("Invalid value in removeLicenses: %r is not a GUID." % (sku_id,))
        _sku(ctx, sku_id)
        if sku_id.lower() not in held:
            raise bad_request("User does not have a corresponding license.")
    new = []
    for lic in adds:
        if not isinstance(lic, dict):
            raise bad_request("Each addLicenses entry must be an assignedLicense object.")
        check_properties(lic, ("skuId", "disabledPlans"), "assignedLicense")
        if not isinstance(lic.get("skuId"), str) or not GUID_RE.match(lic["skuId"]):
            raise bad_request("Invalid value for skuId: a GUID is expected.")
        plans = lic.get("disabledPlans") or []
        if not isinstance(plans, list) or not all(isinstance(p, str) and GUID_RE.match(p) for p in plans):
            raise bad_request("disabledPlans must be a collection of GUIDs.")
        _sku(ctx, lic["skuId"])
        new.append({"skuId": lic["skuId"].lower(), "disabledPlans": list(plans)})
    if new and not user.get("usageLocation"):
        raise bad_request("License assignment cannot be done for user with invalid usage location.")
    for lic in new:
        sku = _sku(ctx, lic["skuId"])
        if lic["skuId"] not in held and sku["consumedUnits"] >= sku["prepaidUnits"]["enabled"]:
            raise bad_request("License assignment failed because the subscription %s has no more available "
                              "licenses." % sku["skuPartNumber"])
    for sku_id in removes:
        _sku(ctx, sku_id)["consumedUnits"] -= 1
    remaining = [lic for lic in current if lic["skuId"].lower() not in set(r.lower() for r in removes)]
    for lic in new:
        if lic["skuId"] in set(x["skuId"].lower() for x in remaining):
            remaining = [x if x["skuId"].lower() != lic["skuId"] else lic for x in remaining]
        else:
            _sku(ctx, lic["skuId"])["consumedUnits"] += 1
            remaining.append(lic)
    user["assignedLicenses"] = remaining
    out = {"@odata.context": ctx.context_url("users/$entity")}
    out.update(dict((f, copy.deepcopy(user.get(f))) for f in users.DEFAULT_SELECT))
    return 200, out
