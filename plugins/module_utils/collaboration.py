# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: external collaboration settings in the user's words, mapped to
Graph's names in one place, and the pure planning of the domain allow/block list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import InputError, domain_name
from ansible_collections.entra.crosscloud.plugins.module_utils.permissions import DOMAIN_LIST_HINT

AUTHZ_PATH = "policies/authorizationPolicy"
EMAIL_PATH = "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"
EMAIL_TYPE = "#microsoft.graph.emailAuthenticationMethodConfiguration"
B2B_POLICIES = "policies/b2bManagementPolicies"  # beta, global cloud only
EXTERNAL_IDENTITIES_PATH = "policies/externalIdentitiesPolicy"   # beta only
# option -> externalIdentitiesPolicy property
EXTERNAL_IDENTITIES_OPTIONS = {"allow_external_identities_to_leave": "allowExternalIdentitiesToLeave"}

INVITES_FROM = {"none": "none", "admins_and_guest_inviters": "adminsAndGuestInviters",
                "admins_guest_inviters_and_all_members": "adminsGuestInvitersAndAllMembers", "everyone": "everyone"}
GUEST_ROLES = {"member": "a0b1b346-4d3e-4e8b-98f8-753987be4970", "guest": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
               "restricted_guest": "2af84b1e-32c8-42b7-82bc-daa82404023b"}
# option -> (authorizationPolicy property, option value -> Graph value)
AUTHZ_OPTIONS = {
    "allow_invites_from": ("allowInvitesFrom", INVITES_FROM),
    "guest_user_role": ("guestUserRoleId", GUEST_ROLES),
    "allow_email_verified_users_to_join_organization": ("allowEmailVerifiedUsersToJoinOrganization", None),
    "allowed_to_sign_up_email_based_subscriptions": ("allowedToSignUpEmailBasedSubscriptions", None),
}


class CollaborationError(Exception):
    """Bad input; the message names the option, the value and the fix."""


def to_option(option, graph_value):
    """A Graph value in the option's words (for results and diffs)."""
    _prop, table = AUTHZ_OPTIONS[option]
    if table is None:
        return graph_value
    reverse = dict((v.lower(), k) for k, v in table.items())
    return reverse.get(str(graph_value).lower(), graph_value)


def plan_authorization(params, current):
    """(patch_body, before, after) for the authorizationPolicy options that were given."""
    body, before, after = {}, {}, {}
    for option, (prop, table) in AUTHZ_OPTIONS.items():
        value = params.get(option)
        if value is None:
            continue
        desired = table[value] if table else value
        before[option] = to_option(option, current.get(prop))
        after[option] = value
        if str(current.get(prop)).lower() != str(desired).lower():
            body[prop] = desired
    return body, before, after


def parse_definition(definition):
    """(mode, domains) from a b2bManagementPolicy definition: ('allow'|'block'|None, [..])."""
    text = (definition or ["{}"])[0]
    try:
        doc = json.loads(text)
    except ValueError:
        doc = json.loads(text.replace("'", '"'))
    lists = (doc.get("B2BManagementPolicy") or {}).get("InvitationsAllowedAndBlockedDomainsPolicy") or {}
    allowed, blocked = lists.get("AllowedDomains") or [], lists.get("BlockedDomains") or []
    if allowed:
        return "allow", [d.lower() for d in allowed]
    if blocked:
        return "block", [d.lower() for d in blocked]
    return None, []


def domain_lists_available(cloud):
    """b2bManagementPolicies (beta) exists only in the commercial cloud."""
    return cloud.endpoint == "microsoftonline.com"


def read_domain_policy(client):
    """(organisation default b2bManagementPolicy or None, mode, domains), read from Graph beta."""
    policies = client.get(B2B_POLICIES, api="beta", permission=DOMAIN_LIST_HINT).get("value", [])
    default = next((x for x in policies if x.get("isOrganizationDefault")), None)
    mode, domains = parse_definition(default["definition"]) if default else (None, [])
    return default, mode, domains


def definition(mode, domains):
    lists = {"AllowedDomains": domains if mode == "allow" else [],
             "BlockedDomains": domains if mode == "block" else []}
    return [json.dumps({"B2BManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": lists}})]


def check_domains(option, domains, exclusive=False):
    """The domains as stored: trimmed, lower-case, punycode, without repeats; CollaborationError for bad input.

    An empty list with exclusive=True would empty the tenant's list: an allow list that becomes
    empty lets every domain in, so that is refused rather than taken literally.
    """
    if exclusive and not domains:
        raise CollaborationError("%s: [] with domains_exclusive: true would empty the tenant's whole domain list "
                                 "(an empty allow list lets every domain be invited). Fix: to remove domains, list "
                                 "them with domains_state: absent" % option)
    out = []
    for d in domains:
        try:
            value = domain_name(option, d, wildcard=True)
        except InputError as exc:
            raise CollaborationError(str(exc))
        if value not in out:
            out.append(value)
    return out


def plan_domains(mode, wanted, state, exclusive, current_mode, current):
    """The (mode, domains) to store. A list of the other kind is replaced, as the service does,
    except when removing: removing from a list that is not there changes nothing."""
    if current_mode != mode:
        if state == "absent" and not exclusive:
            return current_mode, current
        current = []
    if exclusive:
        domains = list(wanted)
    elif state == "present":
        domains = current + [d for d in wanted if d not in current]
    else:
        domains = [d for d in current if d not in wanted]
    return (mode if domains else None), domains
