#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cloud_settings
short_description: Enable or disable other Microsoft clouds for B2B collaboration (Microsoft cloud settings)
version_added: 0.1.0
description:
  - Manages the tenant's Microsoft cloud settings, the C(allowedCloudEndpoints) of its cross-tenant
    access policy, by friendly cloud names.
  - Enabling a cloud is the first step of cross-cloud B2B; it allows nothing by itself. Each partner
    tenant in that cloud must then be added (M(entra.crosscloud.partner)) and given inbound and
    outbound settings, on both sides.
  - Graph replaces the whole list on every update, so the module reads it, merges the change and
    writes the result; clouds it was not asked about are kept unless O(exclusive=true).
  - The tenant's own cloud and unsupported pairs (US Government with China) are refused before any write.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  clouds:
    description:
      - The other Microsoft clouds to enable (O(state=present)) or disable (O(state=absent)).
      - V(usgov) and V(usgov_dod) are one Entra cloud (C(microsoftonline.us)); naming either enables both.
      - Cloud names from O(clouds_file) and the aliases of O(cloud) are accepted.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) enables the listed clouds and keeps the others.
      - V(absent) disables the listed clouds and keeps the others. Graph refuses to disable a cloud while
        partners from it are configured; remove them first with M(entra.crosscloud.partner).
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With V(true), the listed clouds become the whole set; any other enabled cloud is disabled.
      - Only with O(state=present).
      - An empty O(clouds) with V(true) is refused before any request, since it would disable every other
        cloud. To disable clouds, name them with O(state=absent).
    type: bool
    default: false
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Let the commercial hub collaborate with US Government and China tenants
  entra.crosscloud.cloud_settings:
    clouds: [usgov, china]
    tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    client_id: 40dd6633-5254-4834-8dda-745e5dd9949e
    client_secret: "{{ vault_contoso_secret }}"
    cloud: global

- name: On the GCC High side, enable the commercial cloud
  entra.crosscloud.cloud_settings:
    clouds: [global]
    cloud: usgov

- name: Stop collaborating with China (its partners must be removed first)
  entra.crosscloud.cloud_settings:
    clouds: [china]
    state: absent

- name: Exactly these clouds, nothing else
  entra.crosscloud.cloud_settings:
    clouds: [usgov]
    exclusive: true
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
clouds:
  description: The clouds enabled after the task, by friendly name (V(usgov) stands for both US Government clouds).
  returned: always
  type: list
  elements: str
  sample: [usgov, china]
allowed_cloud_endpoints:
  description: The raw C(allowedCloudEndpoints) of the tenant's cross-tenant access policy after the task.
  returned: always
  type: list
  elements: str
  sample: [microsoftonline.us, partner.microsoftonline.cn]
diff:
  description: Enabled clouds before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"clouds": []}, "after": {"clouds": ["usgov"]}}
'''

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm


def run(module):
    p = module.params
    try:
        ct.check_not_emptying(module.catalogue, module.cloud, p["clouds"], p["exclusive"])
        wanted = ct.endpoints_for(module.catalogue, module.cloud, p["clouds"])
    except CloudError as exc:
        module.fail_json(msg=str(exc))
    client = module.client
    policy = client.get(ct.POLICY, permission=ct.READ_PERMISSION)
    before = list(policy.get("allowedCloudEndpoints") or [])
    after = ct.plan_endpoints(before, wanted, p["state"], p["exclusive"])
    changed = sorted(after) != sorted(before)
    if changed:  # in check mode too: --check should tell that the run would be refused
        module.require_permissions("changing the Microsoft cloud settings (clouds)", pm.CROSS_TENANT_ACCESS)
    if changed and not module.check_mode:
        client.patch(ct.POLICY, {"allowedCloudEndpoints": after}, permission=ct.WRITE_PERMISSION)
    result = {"changed": changed, "clouds": ct.friendly_names(module.catalogue, after),
              "allowed_cloud_endpoints": after}
    if module._diff:
        result["diff"] = {"before": {"clouds": ct.friendly_names(module.catalogue, before)},
                          "after": {"clouds": ct.friendly_names(module.catalogue, after)}}
    return result


def main():
    module = EntraModule(
        argument_spec=dict(
            clouds=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            exclusive=dict(type="bool", default=False),
        ),
    )
    if module.params["exclusive"] and module.params["state"] == "absent":
        module.fail_json(msg="exclusive: true goes with state: present (the listed clouds become the whole set); "
                             "to disable clouds use state: absent without exclusive")
    try:
        module.exit_json(**run(module))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
