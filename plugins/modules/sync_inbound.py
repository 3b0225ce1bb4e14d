#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: sync_inbound
short_description: Allow (or stop) cross-tenant synchronization of a partner's users into this tenant
version_added: 0.3.0
description:
  - The target tenant's half of cross-tenant synchronization, the admin centre's B(Cross-tenant sync) tab of a
    partner's inbound settings (B(Allow user synchronization into this tenant)). The source tenant's half is
    M(entra.crosscloud.sync_configuration).
  - Manages the partner's C(identitySynchronization) policy. The partner must already be in the cross-tenant
    access settings (M(entra.crosscloud.partners) or M(entra.crosscloud.partner)); a partner added moments ago
    by an earlier task is waited for within O(replication_wait).
  - Synchronised users are redeemed without a consent prompt only when automatic redemption is on in both
    tenants (C(automatic_user_consent) of M(entra.crosscloud.access_settings), V(inbound) here and V(outbound) in
    the source). This module does not change it.
  - Across clouds Microsoft supports commercial to US Government, US Government to commercial and commercial to
    China. Give O(partner_cloud) and any other direction is refused before any request. The admin centre's
    cross-cloud synchronization checkbox on the target's B(Microsoft cloud settings) tab has no Graph API; the
    pair_tenants summary lists it as a manual step.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partner_tenant_id:
    description: Tenant ID (GUID) of the source tenant whose users are synchronised into this one.
    type: str
    required: true
  partner_cloud:
    description:
      - The Microsoft cloud of the source tenant (a name or alias from the clouds table).
      - When given, synchronisation from that cloud into this tenant's cloud must be one Microsoft supports.
    type: str
  allow_user_sync:
    description:
      - Whether users may be synchronised into this tenant from the partner. V(false) stops synchronisation;
        users already synchronised stay.
    type: bool
    default: true
  display_name:
    description:
      - A name for the policy (Microsoft suggests the partner's name). Left as it is when not given.
    type: str
  state:
    description:
      - V(present) sets the policy; V(absent) deletes it (the partner entry stays).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: In the GCC High tenant, let Contoso (commercial) synchronise its users in
  entra.crosscloud.sync_inbound:
    tenant_id: 6a7f0e2c-91b4-4d3f-a1c8-2e5b7d9f0a13
    client_id: "{{ tailspin_client_id }}"
    client_secret: "{{ tailspin_client_secret }}"
    cloud: usgov
    partner_tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    partner_cloud: global
    display_name: Contoso

- name: Stop synchronisation from the partner (users already synchronised stay)
  entra.crosscloud.sync_inbound:
    partner_tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    allow_user_sync: false
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
action:
  description: What the task did (or would do, in check mode).
  returned: always
  type: str
  sample: created
  choices: [created, updated, unchanged, deleted, absent]
policy:
  description: The policy after the task, or null when there is none.
  returned: always
  type: dict
  sample: {allow_user_sync: true, display_name: Contoso}
diff:
  description: The policy before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils import sync as sy
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.cross_tenant import sync_path
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def validate(module):
    p = module.params
    partner = (p["partner_tenant_id"] or "").strip()
    if not is_guid(partner):
        module.fail_json(msg="partner_tenant_id %r is not a tenant ID. Fix: give the source tenant's ID, a GUID like "
                             "8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d" % p["partner_tenant_id"])
    p["partner_tenant_id"] = partner.lower()
    if p["partner_cloud"]:
        try:
            status = module.catalogue.sync_status(p["partner_cloud"], module.cloud)
            explanation = module.catalogue.explain_sync(p["partner_cloud"], module.cloud)
        except CloudError as exc:
            module.fail_json(msg="partner_cloud: %s" % exc)
        if status == "unsupported" and p["state"] == "present" and p["allow_user_sync"]:
            module.fail_json(msg="partner_cloud %r: %s. Nothing was changed. Fix: synchronise in a supported "
                                 "direction, or invite the people as guests instead" % (p["partner_cloud"], explanation))


def run(module, client):
    p = module.params
    tid = p["partner_tenant_id"]
    partner, current = sy.read_partner_with_sync(client, tid)
    if partner is None and not module.check_mode:
        # an earlier task of this run may have added the partner moments ago
        partner = client.await_replication(lambda: sy.read_partner_with_sync(client, tid)[0] or None,
                                           "GET partner %s" % tid)
        if partner is not None:
            _partner, current = sy.read_partner_with_sync(client, tid)
    result = {"policy": None}
    absent = p["state"] == "absent"
    if partner is None:
        if absent:
            result.update(action="absent", changed=False)
            return result
        if not module.check_mode:
            module.fail_json(msg="tenant %s is not a partner in this tenant's cross-tenant access settings. Nothing "
                                 "was changed. Fix: add it first (entra.crosscloud.partners or entra.crosscloud."
                                 "partner), then run again" % tid, changed=False)
        module.warn("tenant %s is not a partner yet, so its policy was not read (an earlier task of this run would "
                    "add it)" % tid)
    if absent:
        result.update(action="deleted" if current else "absent", changed=bool(current))
        if current:
            module.require_permissions("deleting the synchronisation policy for %s" % tid, pm.IDENTITY_SYNC)
            if not module.check_mode:
                client.delete_if_exists(sync_path(tid), permission=sy.POLICY_WRITE)
        after = None
    else:
        body = sy.inbound_changes(current, p["allow_user_sync"], p["display_name"])
        result.update(action=("created" if current is None else "updated") if body else "unchanged",
                      changed=bool(body))
        if body:
            module.require_permissions("setting the synchronisation policy for %s" % tid, pm.IDENTITY_SYNC,
                                       changed=False)
            if not module.check_mode:
                sy.write_inbound(client, tid, current, body)
                # return only once the change can be read: a run right after this one would otherwise see the
                # old policy (or none) on a replica and write again
                if not sy.await_inbound(client, tid, p["allow_user_sync"]):
                    module.warn("the policy cannot be read back yet after %d s: Microsoft Entra is still "
                                "replicating it" % p["replication_wait"])
        after = dict(current or {})
        after.update(body or {})
        after = sy.friendly_inbound(after)
    result["policy"] = after
    if module._diff:
        result["diff"] = {"before": sy.friendly_inbound(current), "after": after}
    return result


def main():
    module = EntraModule(argument_spec=dict(
        partner_tenant_id=dict(type="str", required=True),
        partner_cloud=dict(type="str"),
        allow_user_sync=dict(type="bool", default=True),
        display_name=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present")))
    validate(module)
    try:
        module.exit_json(**run(module, module.client))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
