#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: conditional_access
short_description: A Conditional Access policy requiring MFA (or a compliant device) of partner tenants' guests
version_added: 0.3.0
description:
  - Creates or updates one Conditional Access policy, found by its display name, that applies to the B2B guests
    (and B2B members) of the listed partner tenants, for all cloud apps, and requires MFA and/or a compliant device.
  - It is created in report-only state unless O(policy_state) says otherwise, so that its effect can be read in the
    sign-in logs before it is enforced.
  - Only what this module manages is compared and changed - the state, the guest types and partner tenants of the
    guests condition, and the grant controls. Other conditions an admin added (excluded users, platforms,
    locations) are kept.
  - Warns for each listed partner whose MFA this tenant does not trust (C(inbound_trust.mfa) of
    M(entra.crosscloud.access_settings)) while MFA is required - the partner's guests would then register and
    answer MFA in this tenant as well as at home.
  - Conditional Access allows one request per second per tenant; the module waits as Graph asks (it gives no
    Retry-After). Needs C(Policy.ReadWrite.ConditionalAccess) to write and C(Policy.Read.All) to read; Conditional
    Access needs Microsoft Entra ID P1 in the tenant.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  display_name:
    description: The policy's display name; the module finds the policy by it (it must be unique).
    type: str
    required: true
  partners:
    description:
      - Tenant IDs of the partner organisations whose guests the policy covers. Required with O(state=present).
    type: list
    elements: str
  guest_types:
    description: Which kinds of external users of those tenants the policy covers.
    type: list
    elements: str
    choices: [b2b_collaboration_guest, b2b_collaboration_member, b2b_direct_connect_user, internal_guest,
              other_external_user, service_provider]
    default: [b2b_collaboration_guest, b2b_collaboration_member]
  require:
    description: The controls guests must satisfy.
    type: list
    elements: str
    choices: [mfa, compliant_device]
    default: [mfa]
  require_all:
    description: With two controls, whether both are needed (V(true)) or either one (V(false)).
    type: bool
    default: true
  policy_state:
    description: V(report_only) logs what the policy would do; V(enabled) enforces it; V(disabled) turns it off.
    type: str
    choices: [report_only, enabled, disabled]
    default: report_only
  state:
    description: V(present) creates or updates the policy; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: MFA for the GCC High and 21Vianet partners' guests, in report-only first
  entra.crosscloud.conditional_access:
    display_name: "Partner guests: MFA"
    partners: [6ba8af09-9774-4419-98d1-7db643f0c384, cf596d2c-1283-4d6d-8580-e315c3e58b4b]

- name: Enforce it, with a compliant device too
  entra.crosscloud.conditional_access:
    display_name: "Partner guests: MFA"
    partners: [6ba8af09-9774-4419-98d1-7db643f0c384, cf596d2c-1283-4d6d-8580-e315c3e58b4b]
    require: [mfa, compliant_device]
    policy_state: enabled
'''

RETURN = r'''
retries:
  description:
    - How many times the task re-sent a request after a transient failure (throttling, 5xx, a dropped
      connection), waited for a new object to replicate, or signed in again after Graph refused a cached token.
  returned: always
  type: int
  sample: 0
retry_log:
  description: Each retry, with the request, the reason and the wait.
  returned: at C(-vvv), when the task retried
  type: list
  elements: str
  sample: ["GET /v1.0/policies/crossTenantAccessPolicy: HTTP 503; retry 1 after 0.4 s"]
id:
  description: The policy's object ID (none when it does not exist, or would only be created in check mode).
  returned: always
  type: str
action:
  description: C(created), C(updated), C(unchanged), C(deleted) or C(absent); in check mode, what would happen.
  returned: always
  type: str
policy:
  description: The managed settings after the task, in the module's words.
  returned: always
  type: dict
  sample: {display_name: "Partner guests: MFA", policy_state: report_only, require: [mfa], require_all: true,
           guest_types: [b2b_collaboration_guest, b2b_collaboration_member],
           partners: [6ba8af09-9774-4419-98d1-7db643f0c384]}
untrusted_mfa:
  description: Listed partners whose MFA this tenant does not trust while the policy requires MFA.
  returned: always
  type: list
  elements: str
diff:
  description: The managed settings before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import conditional_access as ca
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import normalise_id
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def validate(module):
    p = module.params
    if not p["display_name"].strip():
        module.fail_json(msg="display_name is empty. Fix: give the policy a name; the module finds it by that name")
    if p["state"] == "absent":
        return
    if not p["partners"]:
        module.fail_json(msg="partners is required with state: present and must name at least one tenant. Fix: list "
                             "the partner tenant IDs whose guests the policy covers")
    partners = []
    for i, partner in enumerate(p["partners"]):
        value = normalise_id(partner)
        if not is_guid(value):
            module.fail_json(msg="partners[%d] %r is not a tenant ID (GUID). Fix: give the partner's tenant ID, like "
                                 "6ba8af09-9774-4419-98d1-7db643f0c384" % (i, partner))
        if value not in partners:
            partners.append(value)
    p["partners"] = partners
    for option in ("guest_types", "require"):
        if not p[option]:
            module.fail_json(msg="%s is empty. Fix: name at least one, or leave the option out for its default"
                                 % option)


def untrusted_mfa(client, partners):
    """Listed partners whose MFA this tenant does not trust (their own inboundTrust, else the default's)."""
    default = client.get(ct.POLICY + "/default", permission=ct.READ_PERMISSION)
    trusted_by_default = bool((default.get("inboundTrust") or {}).get("isMfaAccepted"))
    listed = client.paged(ct.POLICY + "/partners", permission=ct.READ_PERMISSION)
    entries = dict((str(e.get("tenantId")).lower(), e) for e in listed)
    out = []
    for partner in partners:
        trust = (entries.get(partner) or {}).get("inboundTrust")
        accepted = trusted_by_default if trust is None else bool(trust.get("isMfaAccepted"))
        if not accepted:
            out.append(partner)
    return out


def run(module, client):
    p = module.params
    name = p["display_name"].strip()
    named = [x for x in client.paged(ca.PATH, permission=ca.READ_PERMISSION) if x.get("displayName") == name]
    if len(named) > 1:
        module.fail_json(msg="%d Conditional Access policies are named %r (%s); this module finds its policy by name. "
                             "Fix: rename or delete the others" % (len(named), name, ", ".join(x["id"] for x in named)))
    current = named[0] if named else None
    result = {"id": current["id"] if current else None, "untrusted_mfa": []}
    if p["state"] == "absent":
        result.update(action="deleted" if current else "absent", changed=bool(current), policy=None)
        if current:
            module.require_permissions("deleting Conditional Access policy %r" % name, pm.CONDITIONAL_ACCESS)
            if not module.check_mode:
                client.delete_if_exists("%s/%s" % (ca.PATH, current["id"]), permission=ca.WRITE_PERMISSION)
        before, after = ca.friendly(current), None
    else:
        if "mfa" in p["require"]:
            result["untrusted_mfa"] = untrusted_mfa(client, p["partners"])
            for partner in result["untrusted_mfa"]:
                module.warn("partner %s: this policy requires MFA of its guests, but this tenant does not trust the "
                            "partner's MFA, so they would answer MFA here as well as at home. Fix: set inbound_trust "
                            "mfa: true for it (entra.crosscloud.access_settings)" % partner)
        if current is None:
            body = ca.new_policy(dict(p, display_name=name))
            result.update(action="created", changed=True)
            module.require_permissions("creating Conditional Access policy %r" % name, pm.CONDITIONAL_ACCESS)
            if not module.check_mode:
                def named():
                    return next((x for x in client.paged(ca.PATH, permission=ca.READ_PERMISSION)
                                 if x.get("displayName") == name), None)

                # Graph does not refuse a second policy of the same name (no 409 as for partners), so a POST cut
                # off with its outcome unknown is sent again only once the replication wait has passed without the
                # policy showing up: an applied POST stays invisible for a while, and sending at once duplicates it
                created = client.create(ca.PATH, body, permission=ca.WRITE_PERMISSION,
                                        find=lambda: client.await_replication(named, "GET /" + ca.PATH))
                result["id"] = created.get("id")
                # return only once the policy can be found: a task or run right after this one looks it up by
                # name, and one that cannot see it yet would create a second policy
                if client.await_replication(named, "GET /" + ca.PATH) is None:
                    module.warn("the new policy cannot be read yet after %d s: Microsoft Entra is still replicating "
                                "it; a run within the next minutes may create it again" % p["replication_wait"])
            before, after = None, ca.friendly(body)
        else:
            body = ca.plan_update(p, current)
            result.update(action="updated" if body else "unchanged", changed=bool(body))
            if body:
                module.require_permissions("changing Conditional Access policy %r" % name, pm.CONDITIONAL_ACCESS)
                if not module.check_mode:
                    client.patch("%s/%s" % (ca.PATH, current["id"]), body, expected=(204, 200),
                                 permission=ca.WRITE_PERMISSION, retry_404=True)
            resulting = dict(current)
            resulting.update(body)
            before, after = ca.friendly(current), ca.friendly(resulting)
        result["policy"] = after
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = EntraModule(argument_spec=dict(
        display_name=dict(type="str", required=True),
        partners=dict(type="list", elements="str"),
        guest_types=dict(type="list", elements="str", choices=sorted(ca.GUEST_TYPES),
                         default=["b2b_collaboration_guest", "b2b_collaboration_member"]),
        require=dict(type="list", elements="str", choices=sorted(ca.CONTROLS), default=["mfa"]),
        require_all=dict(type="bool", default=True),
        policy_state=dict(type="str", choices=sorted(ca.POLICY_STATES), default="report_only"),
        state=dict(type="str", choices=["present", "absent"], default="present")))
    validate(module)
    try:
        module.exit_json(**run(module, module.client))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
