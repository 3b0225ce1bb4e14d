#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: external_collaboration
short_description: External collaboration settings - who may invite, guest role, email OTP, domain list, leaving
version_added: 0.1.0
description:
  - Manages the tenant-wide settings that decide whether guests can be invited at all, what guests may see,
    whether guests may sign in with an email one-time passcode, and which domains may (or may not) be invited.
  - Only the options given are touched; each area is read first and written only when it differs.
  - US Government tenants start with O(allow_invites_from=none); app-only invitations need V(everyone) or
    V(admins_guest_inviters_and_all_members).
  - The domain allow/block list uses Microsoft Graph's beta C(b2bManagementPolicies), which exists only in
    the commercial (V(global)) cloud; elsewhere the module fails before any write. For Microsoft Entra
    partners, cross-tenant access settings are the better tool.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  allow_invites_from:
    description: Who may invite guests.
    type: str
    choices: [none, admins_and_guest_inviters, admins_guest_inviters_and_all_members, everyone]
  guest_user_role:
    description:
      - What guests may see in the directory. V(member) gives guests the same access as members,
        V(guest) limited access (Microsoft's default), V(restricted_guest) the most restricted.
    type: str
    choices: [member, guest, restricted_guest]
  allow_email_verified_users_to_join_organization:
    description: Whether users may join the tenant by email verification.
    type: bool
  allowed_to_sign_up_email_based_subscriptions:
    description: Whether users may sign up for email-based subscriptions.
    type: bool
  email_otp_for_guests:
    description:
      - Email one-time passcode for guests (C(allowExternalIdToUseEmailOtp)). V(default) lets Microsoft decide.
    type: str
    choices: [default, enabled, disabled]
  allow_external_identities_to_leave:
    description:
      - Whether guests may leave the tenant themselves (C(allowExternalIdentitiesToLeave) of the external identities
        policy). With V(false), an admin of this tenant must remove them.
      - The policy is in Microsoft Graph's beta API only; it needs C(Policy.ReadWrite.ExternalIdentities) to change.
    type: bool
  allowed_domains:
    description:
      - Domains that may be invited (an allow list). Mutually exclusive with O(blocked_domains).
      - Giving an allow list where a block list exists replaces the block list (a tenant has one or the other).
      - Each name is trimmed and lower-cased and must be a valid domain name of at least two labels (letters,
        digits and hyphens, no label starting or ending with a hyphen, a top-level label not all digits, at most
        253 characters); C(*.) in front of a name covers its subdomains. Internationalised names (C(bücher.de))
        are converted to punycode (C(xn--bcher-kva.de)) with Python's IDNA codec, which follows IDNA 2003 (so
        C(ß) becomes C(ss)); a name that cannot be converted is refused. Punycode names are taken as given.
      - Bad names are refused before any request.
    type: list
    elements: str
  blocked_domains:
    description:
      - Domains that may not be invited (a block list). Mutually exclusive with O(allowed_domains).
      - Names are checked and converted as for O(allowed_domains).
    type: list
    elements: str
  domains_state:
    description:
      - V(present) adds the listed domains to the list, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  domains_exclusive:
    description:
      - With V(true), the listed domains become the whole list.
      - An empty list with V(true) is refused, because it would empty the tenant's list (and an empty allow
        list lets every domain be invited); remove domains by listing them with O(domains_state=absent).
    type: bool
    default: false
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Let the automation app invite partners' users into the GCC High tenant
  entra.crosscloud.external_collaboration:
    allow_invites_from: admins_guest_inviters_and_all_members
    guest_user_role: restricted_guest
    cloud: usgov

- name: Guests from unknown domains may not be invited (commercial cloud only)
  entra.crosscloud.external_collaboration:
    blocked_domains: [live.com, outlook.com]

- name: Turn off email one-time passcode for guests
  entra.crosscloud.external_collaboration:
    email_otp_for_guests: disabled

- name: Guests stay until an admin removes them (they cannot leave the tenant themselves)
  entra.crosscloud.external_collaboration:
    allow_external_identities_to_leave: false
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
settings:
  description: The managed settings that were given, as they are after the task.
  returned: always
  type: dict
  sample: {"allow_invites_from": "everyone", "blocked_domains": ["live.com"]}
changed_settings:
  description: Which of them the task changed (or would change in check mode).
  returned: always
  type: list
  elements: str
diff:
  description: The managed settings before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import collaboration as co
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import REPLICATION_HINT, GraphError
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm


AUTHZ_AREA = "who may invite and what guests see (%s)"
EMAIL_AREA = "email one-time passcode for guests (email_otp_for_guests)"
LEAVE_AREA = "whether guests may leave the tenant (allow_external_identities_to_leave)"
DOMAINS_AREA = "the domain allow/block list (%s)"


def plan_authorization(module, client, before, after):
    """The authorizationPolicy PATCH body (empty: nothing to change) and the options it changes; reads only."""
    if not any(module.params.get(o) is not None for o in co.AUTHZ_OPTIONS):
        return {}, []
    current = client.get(co.AUTHZ_PATH, permission="Policy.Read.All")
    body, b, a = co.plan_authorization(module.params, current)
    before.update(b)
    after.update(a)
    return body, [o for o in a if co.AUTHZ_OPTIONS[o][0] in body]


def plan_email_otp(module, client, before, after):
    """The wanted email OTP value when it differs from the tenant's, else None; reads only."""
    wanted = module.params["email_otp_for_guests"]
    if wanted is None:
        return None
    current = client.get(co.EMAIL_PATH, permission="Policy.Read.All").get("allowExternalIdToUseEmailOtp")
    before["email_otp_for_guests"], after["email_otp_for_guests"] = current, wanted
    return wanted if current != wanted else None


def plan_leaving(module, client, before, after):
    """The externalIdentitiesPolicy PATCH body when it differs from the tenant's, else None; reads only."""
    body = {}
    for option, prop in co.EXTERNAL_IDENTITIES_OPTIONS.items():
        wanted = module.params[option]
        if wanted is None:
            continue
        current = client.get(co.EXTERNAL_IDENTITIES_PATH, api="beta", permission="Policy.Read.All").get(prop)
        before[option], after[option] = current, wanted
        if current != wanted:
            body[prop] = wanted
    return body or None


def plan_domains(module, client, before, after):
    """(option, default policy or None, mode, domains) to write, or None when the list is given and already so."""
    p = module.params
    option = "allowed_domains" if p["allowed_domains"] is not None else "blocked_domains"
    if p[option] is None:
        return None
    if not co.domain_lists_available(module.cloud):
        module.fail_json(msg="%s: the domain allow/block list is managed through Graph's beta b2bManagementPolicies, "
                             "which exists only in the commercial (global) cloud, not in %s. Fix: use cross-tenant "
                             "access settings (access_settings) instead" % (option, module.cloud.name))
    try:
        wanted = co.check_domains(option, p[option], p["domains_exclusive"])
    except co.CollaborationError as exc:
        module.fail_json(msg=str(exc))
    # reading the list needs a permission of its own: name it (with the write one) rather than meet a 403
    module.require_permissions("reading " + DOMAINS_AREA % option, pm.DOMAIN_LIST_READ)
    mode = "allow" if option == "allowed_domains" else "block"
    default, cur_mode, cur = co.read_domain_policy(client)
    new_mode, new = co.plan_domains(mode, wanted, p["domains_state"], p["domains_exclusive"], cur_mode, cur)
    key = {"allow": "allowed_domains", "block": "blocked_domains", None: option}
    before[key[cur_mode]] = cur
    after[key[new_mode]] = new
    if (new_mode, sorted(new)) == (cur_mode, sorted(cur)):
        return None
    if cur_mode and new_mode and cur_mode != new_mode:
        module.warn("the tenant's %s list (%s) is replaced by an %s list: a tenant has one or the other"
                    % (cur_mode, ", ".join(cur), new_mode))
    return option, default, new_mode, new


def apply_domains(module, client, plan, before, after, waited=False):
    _option, default, new_mode, new = plan
    body = {"definition": co.definition(new_mode, new)}
    if default:
        client.patch("%s/%s" % (co.B2B_POLICIES, default["id"]), body, api="beta", expected=(200, 204),
                     permission=pm.DOMAIN_LIST_HINT)
        return
    body.update(displayName="B2BManagementPolicy", isOrganizationDefault=True)
    # a POST cut off by a 5xx may have created the policy: read it before sending again (one per tenant)
    try:
        client.create(co.B2B_POLICIES, body, api="beta", permission=pm.DOMAIN_LIST_HINT,
                      find=lambda: co.read_domain_policy(client)[0], wait_for=lambda: True)
        # return only once the new policy can be read: a task right after this one plans from it
        if client.await_replication(lambda: co.read_domain_policy(client)[0],
                                    "GET /beta/" + co.B2B_POLICIES) is None:
            module.warn("the new domain list policy cannot be read yet after %d s: Microsoft Entra is still "
                        "replicating it" % module.params["replication_wait"])
    except GraphError as err:
        if err.status != 409 or waited:
            raise
        # the tenant's policy exists but is not readable yet (created moments ago): once it is, plan
        # again from what it holds, so that no domain in it is lost
        if client.await_replication(lambda: co.read_domain_policy(client)[0],
                                    "GET /beta/" + co.B2B_POLICIES) is None:
            err.hint = REPLICATION_HINT
            raise
        again = plan_domains(module, client, before, after)
        if again:
            apply_domains(module, client, again, before, after, waited=True)


def run(module, client, before, after, applied):
    """Plan every area (reads only), check the permissions of all that change, then write them in order.

    `applied` collects the options written, for a failure part-way through."""
    # Domains first: its cloud check fails before any other area is read or written.
    domains = plan_domains(module, client, before, after)
    authz_body, authz_changes = plan_authorization(module, client, before, after)
    email = plan_email_otp(module, client, before, after)
    leaving = plan_leaving(module, client, before, after)
    needs = []
    if domains:
        needs.append((DOMAINS_AREA % domains[0], pm.DOMAIN_LIST))
    if authz_body:
        needs.append((AUTHZ_AREA % ", ".join(authz_changes), pm.AUTHORIZATION))
    if email:
        needs.append((EMAIL_AREA, pm.EMAIL_OTP))
    if leaving:
        needs.append((LEAVE_AREA, pm.EXTERNAL_IDENTITIES))
    # in check mode too, for the areas that would change: --check should tell that the run would be refused
    module.require_permissions(needs)
    planned = ([domains[0]] if domains else []) + authz_changes + (["email_otp_for_guests"] if email else []) + \
        (["allow_external_identities_to_leave"] if leaving else [])
    if module.check_mode:
        return planned
    if domains:
        apply_domains(module, client, domains, before, after)
        applied.append(domains[0])
    if authz_body:
        client.patch(co.AUTHZ_PATH, authz_body, permission="Policy.ReadWrite.Authorization")
        applied.extend(authz_changes)
    if email:
        client.patch(co.EMAIL_PATH, {"@odata.type": co.EMAIL_TYPE, "allowExternalIdToUseEmailOtp": email},
                     permission="Policy.ReadWrite.AuthenticationMethod")
        applied.append("email_otp_for_guests")
    if leaving:
        client.patch(co.EXTERNAL_IDENTITIES_PATH, leaving, api="beta", permission="Policy.ReadWrite.ExternalIdentities")
        applied.append("allow_external_identities_to_leave")
    return planned


def main():
    module = EntraModule(
        argument_spec=dict(
            allow_invites_from=dict(type="str", choices=sorted(co.INVITES_FROM)),
            guest_user_role=dict(type="str", choices=sorted(co.GUEST_ROLES)),
            allow_email_verified_users_to_join_organization=dict(type="bool"),
            allowed_to_sign_up_email_based_subscriptions=dict(type="bool"),
            email_otp_for_guests=dict(type="str", choices=["default", "enabled", "disabled"]),
            allow_external_identities_to_leave=dict(type="bool"),
            allowed_domains=dict(type="list", elements="str"),
            blocked_domains=dict(type="list", elements="str"),
            domains_state=dict(type="str", choices=["present", "absent"], default="present"),
            domains_exclusive=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("allowed_domains", "blocked_domains")],
        required_one_of=[("allow_invites_from", "guest_user_role", "allow_email_verified_users_to_join_organization",
                          "allowed_to_sign_up_email_based_subscriptions", "email_otp_for_guests",
                          "allow_external_identities_to_leave", "allowed_domains", "blocked_domains")],
    )
    if module.params["domains_exclusive"] and module.params["domains_state"] == "absent":
        module.fail_json(msg="domains_exclusive: true goes with domains_state: present")
    before, after, applied = {}, {}, []
    client = module.client
    try:
        changed = run(module, client, before, after, applied)
    except Exception as exc:  # GraphError / AuthError become one clear failure
        # a write that failed after others succeeded: say which were made
        module.fail_from(exc, changed=bool(applied), applied=applied, changed_settings=applied)
    result = {"changed": bool(changed), "settings": after, "changed_settings": changed}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
