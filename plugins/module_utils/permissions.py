# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: which application permissions each write needs, and the message for a
token that lacks them (pure; EntraModule.require_permissions applies it).

Each tuple lists the roles any one of which lets Graph accept the call, the one to grant first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CROSS_TENANT_ACCESS = ("Policy.ReadWrite.CrossTenantAccess",)
# Microsoft Learn, PUT identitySynchronization: Policy.ReadWrite.CrossTenantAccess (the older
# CrossTenantUserProfileSharing is still accepted)
IDENTITY_SYNC = ("Policy.ReadWrite.CrossTenantAccess", "Policy.ReadWrite.CrossTenantUserProfileSharing")
APPLICATIONS = ("Application.ReadWrite.All", "Directory.ReadWrite.All")
SYNCHRONIZATION = ("Synchronization.ReadWrite.All",)
APP_ROLE_ASSIGNMENT = ("AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All", "Directory.ReadWrite.All")
AUTHORIZATION = ("Policy.ReadWrite.Authorization",)
AUTHORIZATION_READ = ("Policy.Read.All", "Policy.ReadWrite.Authorization")
EMAIL_OTP = ("Policy.ReadWrite.AuthenticationMethod",)
EXTERNAL_IDENTITIES = ("Policy.ReadWrite.ExternalIdentities",)
DOMAIN_LIST = ("Policy.ReadWrite.B2BManagementPolicy",)
# the write permission first: the module reads the list in order to change it
DOMAIN_LIST_READ = ("Policy.ReadWrite.B2BManagementPolicy", "Policy.Read.B2BManagementPolicy")
INVITE = ("User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")
USER_WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
LICENSE_ASSIGNMENT = ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")
CONDITIONAL_ACCESS = ("Policy.ReadWrite.ConditionalAccess",)
GROUP_MEMBERS = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")

# The domain list is read before it is written; a user told only about the write would meet the read's
# refusal next run (or the other way round), so both are named whenever either is missing.
DOMAIN_LIST_NOTE = "Policy.ReadWrite.B2BManagementPolicy also reads the list; Policy.Read.B2BManagementPolicy only reads it"
DOMAIN_LIST_HINT = "Policy.ReadWrite.B2BManagementPolicy (%s)" % DOMAIN_LIST_NOTE
NOTES = {DOMAIN_LIST: DOMAIN_LIST_NOTE, DOMAIN_LIST_READ: DOMAIN_LIST_NOTE}


def roles_of(claims):
    """The application permissions a token carries, or None when it does not tell (an opaque token, or a
    delegated one, whose rights are its `scp` and the user's roles)."""
    roles = (claims or {}).get("roles")
    if not isinstance(roles, list):
        return None
    return [r for r in roles if isinstance(r, str)]


def missing(needs, roles):
    """The (area, any_of) of `needs` that none of `roles` satisfies, in order, each area once."""
    have = set(roles)
    out = []
    for area, any_of in needs:
        if not have.intersection(any_of) and (area, tuple(any_of)) not in out:
            out.append((area, tuple(any_of)))
    return out


def _note(any_of):
    """What else would do, or what the permission to grant also covers."""
    if tuple(any_of) in NOTES:
        return NOTES[tuple(any_of)]
    if len(any_of) > 1:
        return "%s would do as well" % " or ".join(any_of[1:])
    return None


def message(gaps, roles, client_id=None):
    """One message for every missing permission: what each area needs, what the app has, what to grant."""
    app = "the app %s (client_id)" % client_id if client_id else "the app"
    needs = "; ".join("%s needs %s" % (area, " or ".join(any_of)) for area, any_of in gaps)
    has = ("has only: " + ", ".join(sorted(roles))) if roles else "has no application permission"
    grants = []
    for _area, any_of in gaps:
        if any_of[0] not in grants:
            grants.append(any_of[0])
    notes = []
    for _area, any_of in gaps:
        note = _note(any_of)
        if note and note not in notes:
            notes.append(note)
    if len(grants) == 1:
        fix = "grant the application permission %s to the app, with admin consent" % grants[0]
    else:
        fix = "grant the application permissions %s and %s to the app, with admin consent" % (
            ", ".join(grants[:-1]), grants[-1])
    return ("missing application permission: %s; %s %s. Nothing was changed. Fix: %s%s"
            % (needs, app, has, fix, " (%s)" % "; ".join(notes) if notes else ""))
