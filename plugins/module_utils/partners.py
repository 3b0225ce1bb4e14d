# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: a tenant's whole partner list checked, planned and written in one go
(the partners module). Pure planning here; the module does the requests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import normalise_id

# Graph reports an inherited consent setting as a mapping of nulls, and takes the same to inherit again.
INHERITED_CONSENT = {"inboundAllowed": None, "outboundAllowed": None}


# Side-by-side anonymous discovery requests: enough to hide latency, few enough to stay polite.
WORKERS = 8


class PartnersError(Exception):
    """Bad partner list; the message names the entry (partners[i]), the value and the fix."""


def where(index, entry):
    return "partners[%d] (%s)" % (index, entry.get("tenant_id") or "no tenant_id")


def validate(entries, own_tenant_id):
    """Everything that needs nothing from Graph, for every entry at once; returns the entries with tenant
    IDs normalised. Raises PartnersError listing every problem."""
    problems, seen, out = [], {}, []
    own = normalise_id(own_tenant_id or "")
    for index, entry in enumerate(entries or []):
        entry = dict(entry)
        raw = entry.get("tenant_id")
        tid = normalise_id(raw) if isinstance(raw, str) else raw
        entry["tenant_id"] = tid
        if not isinstance(tid, str) or not is_guid(tid):
            problems.append("partners[%d].tenant_id: %r is not a tenant ID (GUID). Fix: give the partner's tenant ID, "
                            "like 6ba8af09-9774-4419-98d1-7db643f0c384; partners in other clouds can only be added "
                            "by tenant ID" % (index, raw))
            continue
        if tid == own:
            problems.append("partners[%d].tenant_id: %s is the tenant being configured (tenant_id); a tenant cannot be "
                            "its own partner. Fix: remove the entry" % (index, tid))
            continue
        if tid in seen:
            problems.append("partners[%d].tenant_id: %s is listed already as partners[%d]. Fix: list each partner once"
                            % (index, tid, seen[tid]))
            continue
        seen[tid] = index
        try:
            access.validate(entry, False)
        except access.AccessError as exc:
            problems.append("%s: %s" % (where(index, entry), exc))
        out.append(entry)
    if problems:
        raise PartnersError("; ".join(problems))
    return out


def _inherited(graph_name, value):
    if graph_name == "automaticUserConsentSettings":
        return value is None or all(v is None for v in value.values())
    return value is None


def _equal_to_default(graph_name, value, default):
    """Whether a whole setting equals what the partner would inherit (compared in module words, so Graph's
    extra annotations and target order do not matter)."""
    if value is None:
        return False
    inherited = (default or {}).get(graph_name)
    if graph_name == "automaticUserConsentSettings":
        # the default's consent is always false and read-only (crossTenantAccessPolicyConfigurationDefault)
        inherited = {"inboundAllowed": False, "outboundAllowed": False}
    if inherited is None:
        return False
    return access.same(access.friendly(graph_name, value), access.friendly(graph_name, inherited))


def plan_entry(entry, current, default, cross_cloud, compact):
    """(body, before, after) for one partner: body is the PATCH (or, for a new partner, the POST's settings);
    before/after hold the settings the entry names, in module words (None = inherited).

    compact: a named setting equal to the default's is left to inherit (stored as null), which keeps the
    policy small; an explicit value equal to the default becomes inherit. The effective access is the same.
    """
    base = current if current is not None else {"tenantId": entry["tenant_id"]}
    body, before, after = access.plan(entry, base, default, False, cross_cloud)
    if compact:
        for graph_name in list(before):
            if graph_name in body:
                desired = body[graph_name]
            else:
                desired = base.get(graph_name)
            if not _equal_to_default(graph_name, desired, default):
                continue
            after[graph_name] = None if graph_name != "automaticUserConsentSettings" else \
                access.friendly(graph_name, INHERITED_CONSENT)
            if _inherited(graph_name, base.get(graph_name)):
                body.pop(graph_name, None)
            else:
                body[graph_name] = copy.deepcopy(INHERITED_CONSENT) if graph_name == "automaticUserConsentSettings" \
                    else None
    return body, before, after


def create_body(tenant_id, body):
    """The POST body of a new partner: its tenant ID and the settings that do not inherit."""
    out = {"tenantId": tenant_id}
    for key, value in body.items():
        if not _inherited(key, value):
            out[key] = value
    return out


def resulting(current, tenant_id, body):
    """The partner entry as it will be stored after the write (for the size estimate and the result)."""
    out = copy.deepcopy(current) if current is not None else {"tenantId": tenant_id}
    out.update(copy.deepcopy(body))
    return out


def settings_of(obj):
    """Every managed setting of a partner entry, in module words (None = inherited)."""
    return access.option_names(dict((g, access.friendly(g, (obj or {}).get(g))) for g in access.ALL_SETTINGS.values()))


def concurrently(func, items, catch=(), workers=WORKERS):
    """[func(item) for item in items], run side by side; an exception of a `catch` type is returned in its
    item's place (the caller reports them together), any other one is raised."""
    def call(item):
        try:
            return func(item)
        except catch as exc:
            return exc
    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(call, items))
