# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: the tenant's subscriptions by SKU part number, and the pure planning of
guest_licenses (which licences to add or remove per person, and whether enough units are left)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid

SKUS_PATH = "subscribedSkus"
READ_PERMISSION = "Organization.Read.All"
WRITE_PERMISSION = "LicenseAssignment.ReadWrite.All"
USER_FIELDS = ("id", "mail", "userPrincipalName", "otherMails", "userType", "usageLocation", "assignedLicenses")


class LicenseError(Exception):
    """A licence the tenant cannot give; the message names it and the fix."""


def read_skus(client):
    return client.get(SKUS_PATH, permission=READ_PERMISSION).get("value", [])


def resolve(skus, wanted):
    """{given name: sku} for SKU part numbers (any letter case) or SKU IDs; LicenseError naming the unknown ones
    and what the tenant has."""
    by_part = dict((str(s.get("skuPartNumber")).lower(), s) for s in skus)
    by_id = dict((str(s.get("skuId")).lower(), s) for s in skus)
    found, unknown = {}, []
    for name in wanted:
        key = name.strip().lower()
        sku = by_id.get(key) if is_guid(key) else by_part.get(key)
        if sku is None:
            unknown.append(name)
        else:
            found[name] = sku
    if unknown:
        have = ", ".join(sorted(str(s.get("skuPartNumber")) for s in skus)) or "none"
        raise LicenseError("the tenant has no subscription for %s (it has: %s). Fix: give a SKU part number or ID "
                           "from that list, or buy the subscription in this tenant's cloud" % (", ".join(unknown), have))
    return found


def available(sku):
    units = (sku.get("prepaidUnits") or {}).get("enabled") or 0
    return units - (sku.get("consumedUnits") or 0)


def plan(people, skus_by_name, found, absent):
    """(results, bodies): per person the licences to add or remove; {user id: assignLicense body} (pure)."""
    results, bodies = [], {}
    for person in people:
        user = found.get(person["user"].lower())
        out = {"user": person["user"], "id": user["id"] if user else None, "added": [], "removed": []}
        results.append(out)
        if user is None:
            out["action"] = "not_found"
            continue
        held = set(str(lic.get("skuId")).lower() for lic in user.get("assignedLicenses") or [])
        adds, removes = [], []
        for name in person["licenses"]:
            sku = skus_by_name[name]
            sku_id = str(sku["skuId"]).lower()
            if absent and sku_id in held:
                removes.append(sku_id)
                out["removed"].append(sku["skuPartNumber"])
            elif not absent and sku_id not in held:
                adds.append({"skuId": sku_id, "disabledPlans": []})
                out["added"].append(sku["skuPartNumber"])
        out["action"] = "updated" if adds or removes else "unchanged"
        out["usage_location"] = user.get("usageLocation")
        if adds or removes:
            bodies[user["id"]] = {"addLicenses": adds, "removeLicenses": removes}
    return results, bodies


def shortfalls(results, skus_by_name):
    """Messages for SKUs that have fewer units left than this task would add (counted before any write)."""
    needed = {}
    for out in results:
        for part in out["added"]:
            needed[part] = needed.get(part, 0) + 1
    skus = dict((s["skuPartNumber"], s) for s in skus_by_name.values())
    return ["%s has %d unit(s) left and %d would be assigned. Fix: buy more, or free units by removing the licence "
            "from people who no longer need it" % (part, max(available(skus[part]), 0), count)
            for part, count in sorted(needed.items()) if count > available(skus[part])]
