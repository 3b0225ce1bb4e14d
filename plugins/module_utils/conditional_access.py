# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: a Conditional Access policy for partner guests in the user's words, mapped to
Graph's names in one place, and the pure planning of the conditional_access module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

PATH = "identity/conditionalAccess/policies"
READ_PERMISSION = "Policy.Read.All"
WRITE_PERMISSION = "Policy.ReadWrite.ConditionalAccess"
POLICY_STATES = {"report_only": "enabledForReportingButNotEnforced", "enabled": "enabled", "disabled": "disabled"}
GUEST_TYPES = {"b2b_collaboration_guest": "b2bCollaborationGuest", "b2b_collaboration_member": "b2bCollaborationMember",
               "b2b_direct_connect_user": "b2bDirectConnectUser", "internal_guest": "internalGuest",
               "other_external_user": "otherExternalUser", "service_provider": "serviceProvider"}
CONTROLS = {"mfa": "mfa", "compliant_device": "compliantDevice"}
ENUMERATED = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"


def guests_condition(guest_types, partners):
    return {"guestOrExternalUserTypes": ",".join(GUEST_TYPES[t] for t in guest_types),
            "externalTenants": {"@odata.type": ENUMERATED, "membershipKind": "enumerated",
                                "members": [p.lower() for p in partners]}}


def grant(require, require_all):
    return {"operator": "AND" if require_all and len(require) > 1 else "OR",
            "builtInControls": [CONTROLS[c] for c in require]}


def new_policy(params):
    """The POST body of a new policy: all cloud apps, every client app type, the partners' guests."""
    return {"displayName": params["display_name"], "state": POLICY_STATES[params["policy_state"]],
            "conditions": {"users": {"includeGuestsOrExternalUsers": guests_condition(params["guest_types"],
                                                                                      params["partners"])},
                           "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
            "grantControls": grant(params["require"], params["require_all"])}


def _guests_now(policy):
    return (((policy.get("conditions") or {}).get("users") or {}).get("includeGuestsOrExternalUsers")) or {}


def _types(guests):
    """The guest types of a guests condition: Graph keeps them as one comma-separated string."""
    return [t.strip() for t in str(guests.get("guestOrExternalUserTypes") or "").split(",") if t.strip()]


def _members(guests):
    return sorted(str(m).lower() for m in (guests.get("externalTenants") or {}).get("members") or [])


def _same_guests(a, b):
    return sorted(_types(a)) == sorted(_types(b)) and _members(a) == _members(b) and \
        (a.get("externalTenants") or {}).get("@odata.type") == (b.get("externalTenants") or {}).get("@odata.type")


def _same_grant(a, b):
    a, b = a or {}, b or {}
    return sorted(a.get("builtInControls") or []) == sorted(b.get("builtInControls") or []) and \
        (len(b.get("builtInControls") or []) < 2 or a.get("operator") == b.get("operator"))


def plan_update(params, current):
    """The PATCH body for the settings this module manages that differ (empty: nothing to do). The policy's other
    conditions (excluded users, platforms, locations...) are kept: conditions are sent back whole with only the
    guests condition replaced."""
    body = {}
    state = POLICY_STATES[params["policy_state"]]
    if current.get("state") != state:
        body["state"] = state
    wanted = guests_condition(params["guest_types"], params["partners"])
    if not _same_guests(_guests_now(current), wanted):
        conditions = copy.deepcopy(current.get("conditions") or {})
        conditions.setdefault("users", {})["includeGuestsOrExternalUsers"] = wanted
        body["conditions"] = conditions
    controls = grant(params["require"], params["require_all"])
    if not _same_grant(current.get("grantControls"), controls):
        body["grantControls"] = controls
    return body


def friendly(policy):
    """The managed settings of a policy, in the module's words (for results and diffs)."""
    if not policy:
        return None
    states = dict((v, k) for k, v in POLICY_STATES.items())
    types = dict((v, k) for k, v in GUEST_TYPES.items())
    controls = dict((v, k) for k, v in CONTROLS.items())
    guests = _guests_now(policy)
    grant_ = policy.get("grantControls") or {}
    return {"display_name": policy.get("displayName"), "policy_state": states.get(policy.get("state"), policy.get("state")),
            "guest_types": [types.get(t, t) for t in _types(guests)], "partners": _members(guests),
            "require": [controls.get(c, c) for c in grant_.get("builtInControls") or []],
            "require_all": grant_.get("operator") == "AND"}
