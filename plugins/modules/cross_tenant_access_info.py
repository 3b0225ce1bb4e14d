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
  - Everything is read in one JSON batch request (plus one request per further page of 100 partners); each
    partner's identity synchronisation comes expanded in the partner list. The domain allow/block list, a beta
    resource, is one more request when asked for.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partner:
    description:
      - Only this partner organisation (tenant ID). All partners when not given.
      - Surrounding whitespace is ignored and letter case does not matter.
    type: str
  include_external_collaboration:
    description:
      - Also read the external collaboration settings (who may invite, guest user role, email one-time passcode).
    type: bool
    default: true
  include_domain_lists:
    description:
      - Also read the domain allow/block list for invitations, into RV(external_collaboration).
      - It lives in Graph's beta C(b2bManagementPolicies), which only the commercial (V(global)) cloud has and
        which needs C(Policy.Read.B2BManagementPolicy). In other clouds nothing is read and
        RV(external_collaboration.domain_lists_supported) is false.
      - With O(include_external_collaboration=false), RV(external_collaboration) holds the domain lists alone.
    type: bool
    default: false
  include_cross_tenant_access:
    description:
      - Read the cross-tenant access policy - the enabled clouds, the default settings and the partners.
      - V(false) reads only the external collaboration settings asked for (for example just the domain lists, when
        the cross-tenant access policy was read moments before); RV(cloud_settings), RV(default), RV(partners) and
        RV(policy_size) are then not returned.
    type: bool
    default: true
    version_added: 0.3.0
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
cloud_settings:
  description: The enabled other clouds (O(entra.crosscloud.cloud_settings#module:clouds) words) and the raw endpoints.
  returned: unless O(include_cross_tenant_access=false)
  type: dict
  sample: {"clouds": ["usgov"], "allowed_cloud_endpoints": ["microsoftonline.us"]}
default:
  description: The default settings, in M(entra.crosscloud.access_settings) words, plus C(is_service_default).
  returned: unless O(include_cross_tenant_access=false)
  type: dict
partners:
  description: One entry per partner organisation.
  returned: unless O(include_cross_tenant_access=false)
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
policy_size:
  description:
    - The cross-tenant access policy's size against Microsoft's 25 KB limit, estimated from what was read, with
      no extra request. Only configured values count, as Microsoft stores them; a partner that inherits everything
      is about 50 bytes, one with explicit B2B collaboration inbound and outbound and inbound trust about 210.
    - Only when all partners were read (without O(partner)).
  returned: when O(partner) is not given, unless O(include_cross_tenant_access=false)
  type: dict
  sample: {"bytes": 1470, "limit": 25600, "headroom": 24130, "partners": 3}
  contains:
    bytes:
      description: The estimated size in bytes.
      type: int
    limit:
      description: Microsoft's limit, 25600 bytes.
      type: int
    headroom:
      description: Bytes left under the limit (negative when over).
      type: int
    partners:
      description: How many partner entries were counted.
      type: int
external_collaboration:
  description:
    - The external collaboration settings, in M(entra.crosscloud.external_collaboration) words.
    - Only the domain list fields with O(include_external_collaboration=false) and O(include_domain_lists=true).
  returned: when O(include_external_collaboration=true) or O(include_domain_lists=true)
  type: dict
  sample: {"allow_invites_from": "everyone", "guest_user_role": "guest", "email_otp_for_guests": "default",
           "allow_email_verified_users_to_join_organization": false,
           "allowed_to_sign_up_email_based_subscriptions": true,
           "domain_lists_supported": true, "allowed_domains": null, "blocked_domains": ["live.com"]}
  contains:
    allow_invites_from:
      description: Who may invite guests.
      type: str
    guest_user_role:
      description: What guests may see (V(member), V(guest), V(restricted_guest)).
      type: str
    email_otp_for_guests:
      description: Email one-time passcode for guests (V(default), V(enabled), V(disabled)).
      type: str
    allow_email_verified_users_to_join_organization:
      description: Whether users may join the tenant by email verification.
      type: bool
    allowed_to_sign_up_email_based_subscriptions:
      description: Whether users may sign up for email-based subscriptions.
      type: bool
    domain_lists_supported:
      description: Whether this cloud has the domain allow/block list API; returned with O(include_domain_lists=true).
      type: bool
    allowed_domains:
      description: The allow list (only these domains may be invited), or null; with O(include_domain_lists=true).
      type: list
      elements: str
    blocked_domains:
      description: The block list (these domains may not be invited), or null; with O(include_domain_lists=true).
      type: list
      elements: str
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import normalise_id
from ansible_collections.entra.crosscloud.plugins.module_utils import collaboration as co
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils import policy_size as ps


def settings_of(obj):
    return access.option_names(dict((g, access.friendly(g, obj.get(g))) for g in access.ALL_SETTINGS.values()))


EXPAND_SYNC = "$expand=identitySynchronization"


def _sync_of(body):
    if not body:
        return None
    return {"display_name": body.get("displayName"), "user_sync_inbound": ct.snake(body.get("userSyncInbound"))}


def read_all(module, client, only):
    """Everything in one $batch round: the policy, its default, the partners with their identitySynchronization
    expanded (Microsoft's v1.0 "List partners", example 2: learn.microsoft.com/graph/api/
    crosstenantaccesspolicy-list-partners), and the external collaboration settings; then any further pages of
    partners. Returns (policy, default, partners, sync by tenant ID, authorization policy, email method)."""
    reads = []
    if module.params["include_cross_tenant_access"]:
        reads += [("policy", "/" + ct.POLICY), ("default", "/" + ct.POLICY + "/default"),
                  ("partners", "/%s?%s" % (ct.partner_path(only) if only else ct.PARTNERS, EXPAND_SYNC))]
    if module.params["include_external_collaboration"]:
        reads += [("authz", "/" + co.AUTHZ_PATH), ("email", "/" + co.EMAIL_PATH)]
    requests_ = [{"method": "GET", "url": url} for _name, url in reads]
    got = {}
    for (name, _url), req, answer in zip(reads, requests_, client.batch(requests_) if requests_ else []):
        if name == "partners" and only and answer["status"] == 404:
            got[name] = {"value": []}
            continue
        if answer["status"] != 200:
            raise client.batch_error(req, answer, permission=ct.READ_PERMISSION)
        got[name] = answer["body"] or {}
    if "partners" not in got:
        return None, None, None, None, got.get("authz"), got.get("email")
    page = got["partners"]
    partners = list(client.pages_from(page, permission=ct.READ_PERMISSION)) if not only or "value" in page \
        else [page]
    sync = {}
    for p in partners:
        sync[p["tenantId"]] = _sync_of(p.pop("identitySynchronization", None))
    return got["policy"], got["default"], partners, sync, got.get("authz"), got.get("email")


def external_collaboration(module, client, authz, email):
    """The external collaboration settings in external_collaboration's words (the domain lists alone when the
    rest was not asked for)."""
    out = {}
    if module.params["include_external_collaboration"]:
        out = dict((option, co.to_option(option, authz.get(prop)))
                   for option, (prop, _table) in co.AUTHZ_OPTIONS.items())
        out["email_otp_for_guests"] = email.get("allowExternalIdToUseEmailOtp")
    if module.params["include_domain_lists"]:
        out["domain_lists_supported"] = co.domain_lists_available(module.cloud)
        mode, domains = None, []
        if out["domain_lists_supported"]:
            _policy, mode, domains = co.read_domain_policy(client)
        out["allowed_domains"] = domains if mode == "allow" else None
        out["blocked_domains"] = domains if mode == "block" else None
    return out


def main():
    module = EntraModule(argument_spec=dict(partner=dict(type="str"),
                                            include_external_collaboration=dict(type="bool", default=True),
                                            include_domain_lists=dict(type="bool", default=False),
                                            include_cross_tenant_access=dict(type="bool", default=True)))
    only = normalise_id(module.params["partner"])
    if only is not None and not is_guid(only):
        module.fail_json(msg="partner %r is not a tenant ID (GUID). Fix: give the partner's tenant ID, like "
                             "6ba8af09-9774-4419-98d1-7db643f0c384" % module.params["partner"])
    client = module.client
    try:
        policy, default, partners, sync, authz, email = read_all(module, client, only.lower() if only else None)
        result = {"changed": False}
        if policy is not None:
            result["cloud_settings"] = {
                "clouds": ct.friendly_names(module.catalogue, policy.get("allowedCloudEndpoints") or []),
                "allowed_cloud_endpoints": list(policy.get("allowedCloudEndpoints") or [])}
            result["default"] = dict(settings_of(default), is_service_default=default.get("isServiceDefault"))
            result["partners"] = [{"partner": p["tenantId"], "settings": settings_of(p),
                                   "is_service_provider": p.get("isServiceProvider"),
                                   "identity_synchronization": sync.get(p["tenantId"])} for p in partners]
        if policy is not None and not only:
            size = ps.policy_size(policy, default, partners)
            result["policy_size"] = {"bytes": size, "limit": ps.LIMIT, "headroom": ps.headroom(size),
                                     "partners": len(partners)}
        if module.params["include_external_collaboration"] or module.params["include_domain_lists"]:
            result["external_collaboration"] = external_collaboration(module, client, authz, email)
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
