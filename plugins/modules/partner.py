#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: partner
short_description: Add or remove a partner organisation in the cross-tenant access settings
version_added: 0.1.0
description:
  - Makes sure a partner organisation entry exists (or not) for another tenant in this tenant's
    cross-tenant access policy.
  - Partners in another Microsoft cloud can only be added by tenant ID, and only after their cloud is
    enabled with M(entra.crosscloud.cloud_settings); the module checks that before writing and says which
    call is missing. In check mode that is a warning, since an earlier task may only have predicted it.
  - The module only creates and removes the entry. It never changes the settings of an existing partner;
    inbound, outbound and trust settings are the job of the access settings module.
  - Removing a partner first removes its identity synchronisation policy, as Graph requires.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partner_tenant_id:
    description:
      - Tenant ID (GUID) of the partner organisation.
      - Named so to keep it apart from O(tenant_id), the tenant being configured.
    type: str
    required: true
  partner_cloud:
    description:
      - The Microsoft cloud the partner tenant lives in.
      - When not given, it is discovered from the partner tenant's public OpenID configuration.
      - When given, it is still checked against the partner's OpenID configuration, and a contradiction is refused
        before any Graph request. Clouds are compared by Entra endpoint, so V(usgov) and V(usgov_dod) (both
        C(microsoftonline.us)) do not contradict each other; a warning notes when their Graph hosts differ.
        When discovery cannot answer, the given cloud is used with a warning.
    type: str
  state:
    description:
      - V(present) adds the partner when missing; V(absent) removes it when present.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Enable the US Government cloud, then add the GCC High partner
  module_defaults:
    group/entra.crosscloud.graph:
      tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
      client_id: 40dd6633-5254-4834-8dda-745e5dd9949e
      client_secret: "{{ vault_contoso_secret }}"
      cloud: global
  block:
    - name: Enable US Government
      entra.crosscloud.cloud_settings:
        clouds: [usgov]

    - name: Add Tailspin (GCC High) as partner
      entra.crosscloud.partner:
        partner_tenant_id: 6ba8af09-9774-4419-98d1-7db643f0c384
        partner_cloud: usgov

- name: Remove a partner organisation
  entra.crosscloud.partner:
    partner_tenant_id: 6ba8af09-9774-4419-98d1-7db643f0c384
    state: absent
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
partner_tenant_id:
  description: The partner's tenant ID.
  returned: always
  type: str
  sample: 6ba8af09-9774-4419-98d1-7db643f0c384
partner_cloud:
  description: The partner's cloud (given or discovered).
  returned: when O(state=present)
  type: str
  sample: usgov
cross_cloud:
  description: Whether the partner lives in another Microsoft cloud than this tenant.
  returned: when O(state=present)
  type: bool
  sample: true
partner:
  description:
    - The partner entry after the task, in snake_case; C(null) settings inherit from the default.
    - Empty when the partner is absent.
  returned: always
  type: dict
  sample: {"tenant_id": "6ba8af09-9774-4419-98d1-7db643f0c384", "b2b_collaboration_inbound": null}
identity_synchronization_removed:
  description: Whether an identity synchronisation policy was removed before the partner.
  returned: when O(state=absent)
  type: bool
  sample: false
diff:
  description: Whether the partner entry exists, before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"partner": false}, "after": {"partner": true}}
'''

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm


def partner_cloud(module, tenant_id):
    """The partner's Cloud: as given but confirmed by discovery (anonymous OpenID configuration), else discovered.

    A declared cloud that discovery contradicts is refused here, before any Graph request.
    """
    declared = None
    if module.params["partner_cloud"]:
        try:
            declared = module.catalogue.resolve(module.params["partner_cloud"])
        except CloudError as exc:
            module.fail_json(msg="partner_cloud: %s" % exc)
    return ct.confirm_partner_cloud(module, tenant_id, declared, id_option="partner_tenant_id")


def check_pair(module, own, other, tenant_id, enabled_endpoints):
    """Refuse, before any write, what Graph would refuse: unsupported pairs, a cloud not enabled yet."""
    status = module.catalogue.pair_status(own, other)
    if status == "unsupported":
        module.fail_json(msg="partner_tenant_id %s lives in %s: %s"
                             % (tenant_id, other.name, module.catalogue.explain_pair(own, other)))
    if status == "supported" and other.endpoint not in enabled_endpoints:
        msg = ("partner_tenant_id %s lives in the %s cloud (%s), which this tenant has not enabled. "
               "Fix: run entra.crosscloud.cloud_settings with clouds: [%s] first"
               % (tenant_id, other.name, other.endpoint, other.name))
        if not module.check_mode:
            module.fail_json(msg=msg)
        # In check mode an earlier cloud_settings task only predicted its change: report, don't fail.
        module.warn(msg + " (check mode: assuming an earlier task enables it)")
    return status == "supported"


def ensure_present(module, client, tenant_id):
    own, other = module.cloud, partner_cloud(module, tenant_id)
    enabled = []
    if module.catalogue.pair_status(own, other) != "same_cloud":
        enabled = client.get(ct.POLICY, permission=ct.READ_PERMISSION).get("allowedCloudEndpoints") or []
    cross_cloud = check_pair(module, own, other, tenant_id, enabled)
    current = client.get_or_none(ct.partner_path(tenant_id), permission=ct.READ_PERMISSION)
    result = {"partner_tenant_id": tenant_id, "partner_cloud": other.name, "cross_cloud": cross_cloud,
              "changed": current is None}
    if current is None:  # in check mode too: --check should tell that the run would be refused
        module.require_permissions("adding partner_tenant_id %s" % tenant_id, pm.CROSS_TENANT_ACCESS)
    if current is None and not module.check_mode:
        # The GET above decided; create_partner returns only once the new entry can be read, so the
        # next task (access_settings) finds it.
        current = ct.create_partner(client, tenant_id)
    result["partner"] = ct.snake(current) if current else {"tenant_id": tenant_id}
    return result, result["changed"]


def ensure_absent(module, client, tenant_id):
    current = client.get_or_none(ct.partner_path(tenant_id), permission=ct.READ_PERMISSION)
    result = {"partner_tenant_id": tenant_id, "partner": {}, "identity_synchronization_removed": False,
              "changed": current is not None}
    if current is not None:
        sync = client.get_or_none(ct.sync_path(tenant_id), permission=ct.READ_PERMISSION)
        area = "removing partner_tenant_id %s" % tenant_id
        needs = [(area, pm.CROSS_TENANT_ACCESS)]
        if sync is not None:
            needs.insert(0, ("%s: its identity synchronisation policy first" % area, pm.IDENTITY_SYNC))
        module.require_permissions(needs)
        if not module.check_mode:
            if sync is not None:
                result["identity_synchronization_removed"] = client.delete_if_exists(
                    ct.sync_path(tenant_id), permission=ct.SYNC_PERMISSION)
            try:
                client.delete_if_exists(ct.partner_path(tenant_id), permission=ct.WRITE_PERMISSION)
            except Exception as exc:  # the synchronisation policy is gone already: say so with the failure
                if not result["identity_synchronization_removed"]:
                    raise
                module.fail_from(exc, changed=True, applied=["identity_synchronization"],
                                 identity_synchronization_removed=True, partner_tenant_id=tenant_id)
        else:
            result["identity_synchronization_removed"] = sync is not None
    return result, current is not None


def main():
    module = EntraModule(
        argument_spec=dict(
            partner_tenant_id=dict(type="str", required=True, no_log=False),
            partner_cloud=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
    )
    tenant_id = (module.params["partner_tenant_id"] or "").strip().lower()
    if not is_guid(tenant_id):
        module.fail_json(msg="partner_tenant_id %r is not a tenant ID (GUID); partners, above all in other clouds, "
                             "can only be added by tenant ID" % module.params["partner_tenant_id"])
    if tenant_id == str(module.params["tenant_id"] or "").lower():
        module.fail_json(msg="partner_tenant_id %s is the tenant being configured (tenant_id); a tenant cannot be "
                             "its own partner" % tenant_id)
    try:
        if module.params["state"] == "present":
            result, existed_change = ensure_present(module, module.client, tenant_id)
            before, after = not existed_change, True
        else:
            result, existed_change = ensure_absent(module, module.client, tenant_id)
            before, after = existed_change, False
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    if module._diff:
        result["diff"] = {"before": {"partner": before}, "after": {"partner": after}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
