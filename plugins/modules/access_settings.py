#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: access_settings
short_description: Inbound and outbound B2B access and inbound trust for a partner organisation or the default
version_added: 0.1.0
description:
  - Sets the cross-tenant access settings of one partner organisation, or of the tenant's default
    (which partners inherit where their own setting is unset).
  - Only the settings given are touched. A setting given is sent whole, as Graph wants it; a half of it
    not given (users and groups, or applications) keeps its current value, or the default's when the
    partner inherits.
  - Combinations the service refuses are refused before any write; so is B2B direct connect with a
    partner in another Microsoft cloud.
  - A partner in another cloud inherits the default where its own setting is unset, as any partner does
    (Microsoft's cross-cloud settings guide allows the default settings or specific ones).
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partner:
    description:
      - Tenant ID of the partner organisation, or V(default) for the tenant's default settings.
        Surrounding whitespace is ignored and letter case does not matter.
      - The partner must exist already (M(entra.crosscloud.partner)). In check mode a missing partner is a
        warning and the settings are planned as for a new, empty partner entry.
    type: str
    required: true
  partner_cloud:
    description:
      - The partner's Microsoft cloud. Discovered from its OpenID configuration when not given.
      - When given, it is still checked against the partner's OpenID configuration, and a contradiction is refused
        before any Graph request. Clouds are compared by Entra endpoint, so V(usgov) and V(usgov_dod) (both
        C(microsoftonline.us)) do not contradict each other; a warning notes when their Graph hosts differ.
        When discovery cannot answer, the given cloud is used with a warning.
    type: str
  b2b_collaboration_inbound:
    description:
      - Which users of the partner may be invited here as guests, and to which of our applications.
    type: dict
    suboptions: &b2b
      users_and_groups:
        description: Users and groups the setting applies to.
        type: dict
        suboptions: &target
          access:
            description: Whether the targets are V(allowed) or V(blocked) (all others get the opposite).
            type: str
            choices: [allowed, blocked]
            required: true
          targets:
            description:
              - "For users and groups, V(all), C({user: OBJECT_ID}) or C({group: OBJECT_ID})."
              - For applications, V(all), V(office365), V(all_microsoft_apps) or an application (client) ID.
              - Keywords are accepted in any letter case, and so are Graph's own names (V(AllUsers),
                V(AllApplications), V(Office365), V(AllMicrosoftApps)). IDs are trimmed and lower-cased.
              - Leave it out to mean everyone (V(all)). An empty list (or null) is refused before any
                request, since it names no one.
            type: list
            elements: raw
            default: [all]
      applications:
        description: Applications the setting applies to.
        type: dict
        suboptions: *target
  b2b_collaboration_outbound:
    description: Which of our users may be guests in the partner's tenant, and for which of its applications.
    type: dict
    suboptions: *b2b
  b2b_direct_connect_inbound:
    description: B2B direct connect (Teams shared channels) inbound. Never across clouds.
    type: dict
    suboptions: *b2b
  b2b_direct_connect_outbound:
    description: B2B direct connect outbound. Never across clouds.
    type: dict
    suboptions: *b2b
  inbound_trust:
    description: Claims from the partner's tenant that Conditional Access here accepts.
    type: dict
    suboptions:
      mfa:
        description: Accept multifactor authentication done in the partner's tenant.
        type: bool
      compliant_device:
        description: Accept the partner's compliant-device claims.
        type: bool
      hybrid_joined_device:
        description: Accept the partner's hybrid Microsoft Entra joined device claims.
        type: bool
  automatic_user_consent:
    description: Suppress the consent prompt for users of the partner (partners only).
    type: dict
    suboptions:
      inbound:
        description: Inbound automatic redemption.
        type: bool
      outbound:
        description: Outbound automatic redemption.
        type: bool
  tenant_restrictions:
    description:
      - Tenant restrictions (v2) for the partner, or for every partner that inherits (V(default)) - which of the
        partner's users and groups may sign in, and to which of its applications, from networks and devices under
        our tenant restrictions. Same shape as O(b2b_collaboration_inbound); a half not given keeps its current
        value.
      - The setting's device filter is not managed; it is sent back as it is. A partner that inherits it keeps
        inheriting unless this option is given.
    type: dict
    suboptions: *b2b
  invitation_redemption:
    description:
      - The order of identity providers guests redeem their invitation with (O(partner=default) only, the tenant's
        C(invitationRedemptionIdentityProviderConfiguration)).
    type: dict
    suboptions:
      primary_identity_providers:
        description:
          - The primary identity providers, first tried first - V(entra_id) (the guest's Microsoft Entra home
            tenant), V(external_federation) (SAML/WS-Fed), V(social_identity_providers). Each at most once; the
            order is compared as it is. An empty list is refused.
        type: list
        elements: str
        choices: [entra_id, external_federation, social_identity_providers]
      fallback_identity_provider:
        description:
          - What guests who have none of the primary ones redeem with. V(email_one_time_passcode) means no
            Microsoft account redemption.
        type: str
        choices: [default_configured_idp, email_one_time_passcode, microsoft_account]
  inherit:
    description:
      - Settings of the partner to reset to "inherit from the default", explicitly. Partners only.
    type: list
    elements: str
    choices: [b2b_collaboration_inbound, b2b_collaboration_outbound, b2b_direct_connect_inbound,
              b2b_direct_connect_outbound, inbound_trust, automatic_user_consent]
  reset:
    description:
      - With O(partner=default), put the default back to Microsoft's system default. Nothing else may be given.
    type: bool
    default: false
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Let everyone of the GCC High partner in, and ours out, explicitly (cross-cloud)
  entra.crosscloud.access_settings:
    partner: 6ba8af09-9774-4419-98d1-7db643f0c384
    b2b_collaboration_inbound:
      users_and_groups: {access: allowed, targets: [all]}
      applications: {access: allowed, targets: [all]}
    b2b_collaboration_outbound:
      users_and_groups: {access: allowed, targets: [all]}
      applications: {access: allowed, targets: [all]}
    inbound_trust:
      mfa: true

- name: Only one group may go out to the partner, to Office 365 only
  entra.crosscloud.access_settings:
    partner: 6ba8af09-9774-4419-98d1-7db643f0c384
    b2b_collaboration_outbound:
      users_and_groups: {access: allowed, targets: [{group: 2c057a25-45d1-4fe3-a7c8-618e2c46a5bc}]}
      applications: {access: allowed, targets: [office365]}

- name: Let the partner's inbound trust follow the default again
  entra.crosscloud.access_settings:
    partner: 6ba8af09-9774-4419-98d1-7db643f0c384
    inherit: [inbound_trust]

- name: Trust MFA from every partner that inherits the default
  entra.crosscloud.access_settings:
    partner: default
    inbound_trust: {mfa: true}

- name: Guests redeem with their Entra home tenant first, and never with a Microsoft account
  entra.crosscloud.access_settings:
    partner: default
    invitation_redemption:
      primary_identity_providers: [entra_id, external_federation, social_identity_providers]
      fallback_identity_provider: email_one_time_passcode

- name: Under our tenant restrictions, our users may use only the partner's Office 365 with its accounts
  entra.crosscloud.access_settings:
    partner: 6ba8af09-9774-4419-98d1-7db643f0c384
    tenant_restrictions:
      users_and_groups: {access: allowed, targets: [all]}
      applications: {access: allowed, targets: [office365]}

- name: Back to Microsoft's defaults
  entra.crosscloud.access_settings:
    partner: default
    reset: true
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
partner:
  description: The partner's tenant ID, or C(default).
  returned: always
  type: str
  sample: 6ba8af09-9774-4419-98d1-7db643f0c384
cross_cloud:
  description: Whether the partner lives in another Microsoft cloud.
  returned: for partners
  type: bool
  sample: true
settings:
  description:
    - All the managed settings after the task, in the module's words; C(null) means inherited from the default.
  returned: always
  type: dict
  sample:
    b2b_collaboration_inbound:
      users_and_groups: {access: allowed, targets: [all]}
      applications: {access: allowed, targets: [all]}
    inbound_trust: {mfa: true, compliant_device: false, hybrid_joined_device: false}
changed_settings:
  description: The settings the task changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [b2b_collaboration_inbound]
diff:
  description: The managed settings the task touched, before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import normalise_id
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm

DEFAULT_PATH = ct.POLICY + "/default"


def argument_spec():
    spec = dict(partner=dict(type="str", required=True), partner_cloud=dict(type="str"),
                reset=dict(type="bool", default=False))
    spec.update(access.setting_specs())
    spec.update(access.extra_specs())
    return spec


def is_cross_cloud(module, partner):
    """Whether the partner is in another cloud: partner_cloud confirmed by discovery, else discovered.

    A declared cloud that discovery contradicts is refused, so direct connect across clouds is caught
    here rather than by Graph.
    """
    declared = None
    if module.params["partner_cloud"]:
        try:
            declared = module.catalogue.resolve(module.params["partner_cloud"])
        except CloudError as exc:
            module.fail_json(msg="partner_cloud: %s" % exc)
    other = ct.confirm_partner_cloud(module, partner, declared, id_option="partner")
    return module.catalogue.pair_status(module.cloud, other) != "same_cloud"


def run_reset(module, client):
    current = client.get(DEFAULT_PATH, permission=ct.READ_PERMISSION)
    changed = not current.get("isServiceDefault", False)
    if changed:  # in check mode too: --check should tell that the run would be refused
        module.require_permissions("resetting the default cross-tenant access settings (reset)", pm.CROSS_TENANT_ACCESS)
    if changed and not module.check_mode:
        client.post(DEFAULT_PATH + "/resetToSystemDefault", None, expected=(204, 200),
                    permission=ct.WRITE_PERMISSION)
    return {"changed": changed, "partner": "default", "changed_settings": ["all"] if changed else [],
            "settings": None if changed else _settings(current, True)}


def _settings(obj, is_default=False):
    out = access.option_names(dict((g, access.friendly(g, (obj or {}).get(g))) for g in access.ALL_SETTINGS.values()))
    extra = access.EXTRA_SETTINGS if is_default else access.RESTRICTIONS
    out.update((o, access.friendly_extra(g, (obj or {}).get(g))) for o, g in extra.items())
    return out


def run(module, client):
    p = module.params
    partner = normalise_id(p["partner"])
    is_default = partner == "default"
    if not is_default and not is_guid(partner):
        module.fail_json(msg="partner %r is neither a tenant ID (GUID) nor 'default'. Fix: give the partner's "
                             "tenant ID, like 6ba8af09-9774-4419-98d1-7db643f0c384" % p["partner"])
    given = [o for o in access.ALL_SETTINGS if p.get(o) is not None]
    extra = [o for o in access.EXTRA_SETTINGS if p.get(o) is not None]
    if p["reset"]:
        if not is_default or given or extra or p["inherit"]:
            module.fail_json(msg="reset: true is for partner: default alone; it cannot be combined with settings "
                                 "or a partner")
        return run_reset(module, client)
    if not given and not extra and not p["inherit"]:
        module.fail_json(msg="nothing to do: give at least one setting (for example b2b_collaboration_inbound), "
                             "inherit, or reset")
    try:
        # everything that needs nothing from Graph, before the first request (discovery included)
        access.validate(p, is_default)
        access.validate_extra(p, is_default)
        cross_cloud = False if is_default else is_cross_cloud(module, partner)
        access.validate(p, is_default, cross_cloud)
    except access.AccessError as exc:
        module.fail_json(msg=str(exc))
    path = DEFAULT_PATH if is_default else ct.partner_path(partner)
    if is_default or module.check_mode:
        current = client.get_or_none(path, permission=ct.READ_PERMISSION)
    else:
        current = ct.get_partner_after_create(client, partner)
    if current is None:
        msg = ("partner %s is not a partner organisation of this tenant%s. Fix: add it first with "
               "entra.crosscloud.partner (partner_tenant_id: %s); if an earlier task or run just added it, "
               "Microsoft's replication has not caught up: run again, or raise replication_wait"
               % (partner, "" if module.check_mode else " (not found for %d s)" % p["replication_wait"], partner))
        if not module.check_mode:
            module.fail_json(msg=msg)
        # In check mode an earlier partner task only predicted the entry: plan against a new, empty one.
        module.warn(msg + " (check mode: assuming an earlier task adds it)")
        current = {"tenantId": partner}
    fallback = current
    if not is_default and any(current.get(dict(access.ALL_SETTINGS, **access.EXTRA_SETTINGS)[o]) is None
                              for o in given + extra):
        fallback = client.get(DEFAULT_PATH, permission=ct.READ_PERMISSION)
    try:
        body, before, after = access.plan(p, current, fallback, is_default, cross_cloud)
        access.plan_extra(p, current, fallback, is_default, body, before, after)
    except access.AccessError as exc:
        module.fail_json(msg=str(exc))
    changed = sorted(access.extra_option_names(dict((k, None) for k in body)))
    if body:  # in check mode too: --check should tell that the run would be refused
        target = "the default settings (partner: default)" if is_default else "partner " + partner
        module.require_permissions("changing %s of %s" % (", ".join(changed), target), pm.CROSS_TENANT_ACCESS)
    if body and not module.check_mode:
        client.patch(path, body, expected=(204, 200), permission=ct.WRITE_PERMISSION, retry_404=not is_default)
    resulting = dict(current)
    resulting.update(body)
    result = {"changed": bool(body), "partner": partner, "settings": _settings(resulting, is_default),
              "changed_settings": changed}
    if not is_default:
        result["cross_cloud"] = cross_cloud
    if module._diff:
        result["diff"] = {"before": access.extra_option_names(before), "after": access.extra_option_names(after)}
    return result


def main():
    module = EntraModule(argument_spec=argument_spec())
    try:
        module.exit_json(**run(module, module.client))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
