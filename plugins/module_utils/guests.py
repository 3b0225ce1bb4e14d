# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: finding guests by address (in bulk, through $batch) and the
shapes the guest modules return."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

GUEST_FIELDS = ("id", "displayName", "mail", "userPrincipalName", "userType", "externalUserState",
                "externalUserStateChangeDateTime", "creationType", "otherMails")
EMAIL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$")


def odata_string(value):
    """A quoted OData string literal (a quote is doubled)."""
    return "'%s'" % value.replace("'", "''")


def lookup_url(address):
    """Relative URL finding the user whose mail, otherMails or userPrincipalName is `address`.

    The UPN term finds a member in a home tenant by the name cross-cloud invitations need; a guest's
    own UPN (alias_domain#EXT#@...) never equals an address, so it cannot match a guest by mistake.
    eq filters only: advanced queries (endsWith, ne) read an eventually consistent index that
    misses guests invited moments ago.
    """
    literal = odata_string(address)
    flt = "mail eq %s or otherMails/any(x:x eq %s) or userPrincipalName eq %s" % (literal, literal, literal)
    return "/users?$filter=%s&$select=%s" % (quote(flt, safe="'()/:"), ",".join(GUEST_FIELDS))


READ_PERMISSION = "User.Read.All"
# what each guest write needs, for the "Fix:" of a refused $batch item
WRITE_PERMISSIONS = {"POST": "User.Invite.All", "PATCH": "User.ReadWrite.All", "DELETE": "User.ReadWrite.All"}


def find_by_address(client, addresses):
    """{address(lower): user or None}; one $batch item per address, 20 per request."""
    answers = client.batch([{"method": "GET", "url": lookup_url(a)} for a in addresses])
    found = {}
    for address, answer in zip(addresses, answers):
        if answer["status"] != 200:
            raise client.batch_error({"method": "GET", "url": lookup_url(address)}, answer, READ_PERMISSION)
        users = (answer["body"] or {}).get("value", [])
        found[address.lower()] = users[0] if users else None
    return found


def shape(user):
    """A user as the guest modules return it (snake_case)."""
    if not user:
        return None
    return {"id": user.get("id"), "display_name": user.get("displayName"), "mail": user.get("mail"),
            "user_principal_name": user.get("userPrincipalName"), "user_type": user.get("userType"),
            "external_user_state": user.get("externalUserState"),
            "external_user_state_change_date_time": user.get("externalUserStateChangeDateTime"),
            "creation_type": user.get("creationType"), "other_mails": user.get("otherMails") or []}
