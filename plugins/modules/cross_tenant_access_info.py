#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cross_tenant_access_info
short_description: Read a tenant's whole cross-tenant access configuration, in the shapes the modules accept
version_added: 0.1.0
description:
  - Reads the enabled Microsoft clouds, the default settings, every partner organisation (or one) with its
    settings and identity synchronisation, and the external collaboration settings.
  - Settings come back in the same words the configuration modules take, so the output can be kept as an
    export and fed back as their options (for example RV(partners[].settings) to M(entra.crosscloud.access_settings)).
  - Identity synchronisation of many partners is read in one JSON batch request per 20 partners.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partner:
    description:
      - Only this partner organisation (tenant ID). All partners when not given.
    type: str
  include_external_collaboration:
    description:
      - Also read the external collaboration settings (who may invite, guest user role).
    type: bool
    default: true
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.INFO_MODULE
'''

EXAMPLES = r'''
- name: Export the commercial hub's cross-tenant access configuration
  entra.crosscloud.cross_tenant_access_info:
    tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    client_id: f9a2940a-ef86-4bf6-b014-716eac6b6153
    client_secret: "{{ vault_contoso_reader_secret }}"
    cloud: global
  register: contoso

- name: Save it
  ansible.builtin.copy:
    content: "{{ {'cloud_settings': contoso.cloud_settings, 'default': contoso.default, 'partners': contoso.partners} | to_nice_yaml }}"
    dest: exports/contoso.yml
    mode: "0600"

- name: Re-apply one partner's exported settings
  entra.crosscloud.access_settings:
    partner: "{{ item.partner }}"
    b2b_collaboration_inbound: "{{ item.settings.b2b_collaboration_inbound }}"
    b2b_collaboration_outbound: "{{ item.settings.b2b_collaboration_outbound }}"
  loop: "{{ contoso.partners | selectattr('settings.b2b_collaboration_inbound') }}"
'''

RETURN = r'''
cloud_settings:
  description: The enabled other clouds (O(entra.crosscloud.cloud_settings#module:clouds) words) and the raw endpoints.
  returned: always
  type: dict
  sample: {"clouds": ["usgov"], "allowed_cloud_endpoints": ["microsoftonline.us"]}
default:
  description: The default settings, in M(entra.crosscloud.access_settings) words, plus C(is_service_default).
  returned: always
  type: dict
partners:
  description: One entry per partner organisation.
  returned: always
  type: list
  elements: dict
  contains:
    partner:
      description: The partner's tenant ID.
      type: str
    settings:
      description: Its settings in M(entra.crosscloud.access_settings) words; C(null) means inherited from the default.
      type: dict
    is_service_provider:
      description: Whether the partner is a service provider (for example a CSP).
      type: bool
    identity_synchronization:
      description: Its identity synchronisation policy (C(display_name), C(user_sync_inbound)), or null.
      type: dict
external_collaboration:
  description: Who may invite guests and the guest user role.
  returned: when O(include_external_collaboration=true)
  type: dict
  sample: {"allow_invites_from": "everyone", "guest_user_role": "guest"}
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule

# authorizationPolicy values -> the words external_collaboration takes
INVITES_FROM = {"none": "none", "adminsAndGuestInviters": "admins_and_guest_inviters",
                "adminsGuestInvitersAndAllMembers": "admins_guest_inviters_and_all_members", "everyone": "everyone"}
GUEST_ROLES = {"a0b1b346-4d3e-4e8b-98f8-753987be4970": "member", "10dae51f-b6af-4016-8d66-8c2a99b929b3": "guest",
               "2af84b1e-32c8-42b7-82bc-daa82404023b": "restricted_guest"}


def settings_of(obj):
    return access.option_names(dict((g, access.friendly(g, obj.get(g))) for g in access.ALL_SETTINGS.values()))


def read_partners(client, only):
    if only:
        found = client.get_or_none(ct.partner_path(only), permission=ct.READ_PERMISSION)
        return [found] if found else []
    return list(client.paged(ct.PARTNERS, permission=ct.READ_PERMISSION))


def read_identity_sync(client, partners):
    """identitySynchronization of every partner, 20 per $batch; 404 means none."""
    if not partners:
        return {}
    answers = client.batch([{"method": "GET", "url": "/" + ct.sync_path(p["tenantId"])} for p in partners])
    out = {}
    for partner, answer in zip(partners, answers):
        if answer["status"] == 200:
            body = answer["body"] or {}
            out[partner["tenantId"]] = {"display_name": body.get("displayName"),
                                        "user_sync_inbound": ct.snake(body.get("userSyncInbound"))}
        elif answer["status"] in (400, 404):
            out[partner["tenantId"]] = None  # none configured, or not offered in this cloud
        else:
            raise client.batch_error({"method": "GET", "url": "/" + ct.sync_path(partner["tenantId"])}, answer)
    return out


def main():
    module = EntraModule(argument_spec=dict(partner=dict(type="str"),
                                            include_external_collaboration=dict(type="bool", default=True)))
    only = module.params["partner"]
    if only is not None and not is_guid(only):
        module.fail_json(msg="partner %r is not a tenant ID (GUID)" % only)
    client = module.client
    try:
        policy = client.get(ct.POLICY, permission=ct.READ_PERMISSION)
        default = client.get(ct.POLICY + "/default", permission=ct.READ_PERMISSION)
        partners = read_partners(client, only.lower() if only else None)
        sync = read_identity_sync(client, partners)
        result = {
            "changed": False,
            "cloud_settings": {
                "clouds": ct.friendly_names(module.catalogue, policy.get("allowedCloudEndpoints") or []),
                "allowed_cloud_endpoints": list(policy.get("allowedCloudEndpoints") or [])},
            "default": dict(settings_of(default), is_service_default=default.get("isServiceDefault")),
            "partners": [{"partner": p["tenantId"], "settings": settings_of(p),
                          "is_service_provider": p.get("isServiceProvider"),
                          "identity_synchronization": sync.get(p["tenantId"])} for p in partners],
        }
        if module.params["include_external_collaboration"]:
            authz = client.get("policies/authorizationPolicy", permission=ct.READ_PERMISSION)
            result["external_collaboration"] = {
                "allow_invites_from": INVITES_FROM.get(authz.get("allowInvitesFrom"), authz.get("allowInvitesFrom")),
                "guest_user_role": GUEST_ROLES.get(str(authz.get("guestUserRoleId")).lower(),
                                                   authz.get("guestUserRoleId")),
                "allow_email_verified_users_to_join_organization": authz.get(
                    "allowEmailVerifiedUsersToJoinOrganization"),
                "allowed_to_sign_up_email_based_subscriptions": authz.get("allowedToSignUpEmailBasedSubscriptions"),
            }
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
