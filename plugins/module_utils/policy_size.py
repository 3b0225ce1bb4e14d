# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: the cross-tenant access policy's size against Microsoft's 25 KB limit,
estimated from the objects Graph returns (GET the policy, its default and its partners).

Microsoft documents the cap, not how it is counted: "The crossTenantAccessPolicy object size is currently
limited to 25KB. This method will return a 400 Bad Request error code if the size of the policy will exceed
25KB" (https://learn.microsoft.com/graph/api/crosstenantaccesspolicy-update, Response). The Entra pages say
it was a cap on storage space, lifted for tenants moved to the new storage model from 2023-08-30
(https://learn.microsoft.com/entra/external-id/cross-tenant-access-overview, Important;
https://learn.microsoft.com/entra/external-id/faq: "no limits to the number of organizations").

So this counts what is stored, in the stored JSON Microsoft documents ("Template for CrossTenantAccessPolicy",
https://learn.microsoft.com/entra/external-id/migrate-to-xtap-v2-api): each partner is a TenantGroup with
"Tenants", FromMyTenancy (outbound) and ToMyTenancy (inbound) entries like {"AllowB2B": true} (Targets or
Applications only when not all users or apps), and trust as {"AcceptMFA": true, ...}. Only configured values
count: nulls (inherited), read-only or derived fields and empty objects are left out; settings that schema
does not show keep Graph's names. Compact JSON. A partner that inherits everything is about 50 bytes; one
with explicit B2B collaboration inbound and outbound and inbound trust about 210. The Graph emulator
(emulator/graph/ctap.py, policy_size) counts the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

LIMIT = 25600
DERIVED = ("isServiceDefault", "isInMultiTenantOrganization", "identitySynchronization")
AFFORDANCES = (("b2bCollaborationOutbound", "FromMyTenancy", "AllowB2B"),
               ("b2bDirectConnectOutbound", "FromMyTenancy", "AllowNativeFederation"),
               ("b2bCollaborationInbound", "ToMyTenancy", "AllowB2B"),
               ("b2bDirectConnectInbound", "ToMyTenancy", "AllowNativeFederation"))
TRUST = {"isMfaAccepted": "AcceptMFA", "isCompliantDeviceAccepted": "AcceptCompliantDevice",
         "isHybridAzureADJoinedDeviceAccepted": "AcceptHybridAzureADJoinedDevice"}
MAPPED = ("tenantId", "inboundTrust") + tuple(a[0] for a in AFFORDANCES)


def _bytes(obj):
    return len(json.dumps(obj, separators=(",", ":")))


def stored(obj):
    """obj with only configured values: no nulls, @odata.* or derived fields, nor the empty objects they leave."""
    if isinstance(obj, list):
        return [stored(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if key.startswith("@odata.") or key in DERIVED:
            continue
        value = stored(value)
        if value not in (None, {}, []):
            out[key] = value
    return out


def tenant_group(obj):
    """A partner (or the default) as Microsoft stores it: a TenantGroup."""
    group = {"Tenants": [obj["tenantId"]]} if obj.get("tenantId") else {}
    for key, side, flag in AFFORDANCES:
        for half in ("usersAndGroups", "applications"):
            conf = (obj.get(key) or {}).get(half)
            if not conf:
                continue
            entry = {flag: conf.get("accessType") == "allowed"}
            for t in conf.get("targets") or []:
                if t.get("target") in ("AllUsers", "AllApplications"):
                    continue
                if half == "applications":
                    entry.setdefault("Applications", []).append(t.get("target"))
                else:
                    kind = str(t.get("targetType")).title() + "s"
                    entry.setdefault("Targets", {}).setdefault(kind, []).append(t.get("target"))
            if entry not in group.setdefault(side, []):
                group[side].append(entry)
    trust = dict((TRUST[k], v) for k, v in (obj.get("inboundTrust") or {}).items() if k in TRUST and v is not None)
    if trust:
        group.setdefault("ToMyTenancy", []).append(trust)
    group.update(stored(dict((k, v) for k, v in obj.items() if k not in MAPPED)))
    return group


def entry_size(partner):
    """Bytes one partner entry (as GET returns it) takes in the policy."""
    return _bytes(tenant_group(partner))


def policy_size(policy, default, partners):
    """Bytes of the whole policy: its own settings, the default and every partner (Graph-shaped objects)."""
    doc = dict(stored(policy or {}), default=tenant_group(default or {}),
               partners=[tenant_group(p) for p in partners or []])
    return _bytes(doc)


def headroom(size):
    """Bytes left under the limit (negative when over)."""
    return LIMIT - size
