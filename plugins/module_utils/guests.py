# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: finding guests by address (in bulk, through $batch), sending guest writes
with invitations paced under Graph's rate limit, and the shapes the guest modules return."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.entra.crosscloud.plugins.module_utils.graph import BATCH_LIMIT, _retry_after

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


# Graph takes at most 15 expressions in one $filter (Graph known issues, "Some limitations apply to query
# parameters"); each address needs three, so one request looks up five people
FILTER_EXPRESSIONS = 15
ADDRESS_TERMS = 3
ADDRESSES_PER_LOOKUP = FILTER_EXPRESSIONS // ADDRESS_TERMS


def lookup_url(*addresses, **kwargs):
    """Relative URL finding the users whose mail, otherMails or userPrincipalName is one of `addresses`.

    The UPN term finds a member in a home tenant by the name cross-cloud invitations need; a guest's
    own UPN (alias_domain#EXT#@...) never equals an address, so it cannot match a guest by mistake.
    eq filters only: advanced queries (endsWith, ne) read an eventually consistent index that
    misses guests invited moments ago.
    """
    if not addresses or len(addresses) > ADDRESSES_PER_LOOKUP:
        raise ValueError("lookup_url takes 1 to %d addresses" % ADDRESSES_PER_LOOKUP)
    terms = []
    for address in addresses:
        literal = odata_string(address)
        terms.append("mail eq %s or otherMails/any(x:x eq %s) or userPrincipalName eq %s"
                     % (literal, literal, literal))
    fields = kwargs.get("fields") or GUEST_FIELDS
    return "/users?$filter=%s&$select=%s" % (quote(" or ".join(terms), safe="'()/:"), ",".join(fields))


def _answers_to(address, user):
    """Whether `user` is the one the lookup of `address` asked for (the filter's terms, case-insensitive)."""
    address = address.lower()
    names = [user.get("mail"), user.get("userPrincipalName")] + list(user.get("otherMails") or [])
    return any((name or "").lower() == address for name in names)


READ_PERMISSION = "User.Read.All"
# Graph's limit on invitations: 150 per 5 s per tenant (a 429 with Retry-After beyond it)
INVITE_LIMIT = 150
INVITE_WINDOW = 5.0
# what each guest write needs, for the "Fix:" of a refused $batch item
WRITE_PERMISSIONS = {"POST": "User.Invite.All", "PATCH": "User.ReadWrite.All", "DELETE": "User.ReadWrite.All"}


def find_by_address(client, addresses, fields=GUEST_FIELDS, api="v1.0"):
    """{address(lower): user or None}; five addresses per $batch item, 20 items (100 people) per request.
    `fields`: the properties read ($select); `api`: v1.0, or beta for what only beta documents."""
    unique = list(dict.fromkeys(a.lower() for a in addresses))
    groups = [unique[i:i + ADDRESSES_PER_LOOKUP] for i in range(0, len(unique), ADDRESSES_PER_LOOKUP)]
    requests_ = [{"method": "GET", "url": lookup_url(*group, fields=fields)} for group in groups]
    answers = client.batch(requests_, api=api)
    found = {}
    for group, request, answer in zip(groups, requests_, answers):
        if answer["status"] != 200:
            raise client.batch_error(request, answer, READ_PERMISSION)
        users = (answer["body"] or {}).get("value", [])
        for address in group:
            found[address] = next((u for u in users if _answers_to(address, u)), None)
    return found


def is_invitation(request):
    return request["method"].upper() == "POST" and request["url"].split("?")[0].rstrip("/") == "/invitations"


def send_writes(client, requests_, bucket=None, answered=None):
    """client.batch(requests_), with the invitations among them paced by `bucket` (a pacing.TokenBucket).

    Other writes go first, in $batch requests of 20 as usual. Invitations go in $batch requests of at most
    20 too, each taking a token per invitation before it is sent, so none exceeds what Graph's window
    allows and none is throttled by this run (or by another task or fork sharing the bucket); the tokens
    come back a window after the answer. An invitation throttled anyway (by another client of the tenant) is
    re-sent by client.batch after Graph's Retry-After; one still answered 429 when client.batch gives up
    holds the bucket for its Retry-After. Answers in request order; answered(requests, answers) is told
    of each part as soon as it is answered.
    """
    answers = [None] * len(requests_)
    paced = [i for i, req in enumerate(requests_) if bucket is not None and is_invitation(req)]
    rest = sorted(set(range(len(requests_))) - set(paced))
    for i, answer in zip(rest, client.batch([requests_[i] for i in rest]) if rest else []):
        answers[i] = answer
    if rest and answered:
        answered([requests_[i] for i in rest], [answers[i] for i in rest])
    while paced:
        ticket, taken = bucket.take(min(BATCH_LIMIT, len(paced)))
        chunk, paced = paced[:taken], paced[taken:]
        try:
            got = client.batch([requests_[i] for i in chunk])
        finally:
            bucket.done(ticket)
        for i, answer in zip(chunk, got):
            answers[i] = answer
        if answered:
            answered([requests_[i] for i in chunk], got)
        waits = [_retry_after(a.get("headers")) for a in got if a["status"] == 429]
        if waits:
            bucket.hold(max(w or 0.0 for w in waits))
    return answers


class NewGuestWatch:
    """Looks new guests up while the invitation pace leaves time, so that the wait for them to become
    visible (after the last invitation) has only the last ones left to look up.

    invited(addresses) after each answer; idle(seconds) stands in for the bucket's sleep: it looks up, 100
    per $batch, guests invited at least `min_age` s ago, as long as a lookup fits before the time is up, and
    sleeps the rest. `visible` holds the addresses (lower case) found. A failed lookup ends the looking: the
    wait at the end looks for everything not found.
    """

    def __init__(self, client, min_age=INVITE_WINDOW, clock=time.time, sleep=time.sleep):
        self.client = client
        self.min_age = min_age
        self.clock = clock
        self.sleep = sleep
        self.queue = []        # (invited at, address), oldest first
        self.visible = set()
        self.lookup_seconds = 0.5   # how long one lookup takes: the longest seen so far
        self.failed = False

    def invited(self, addresses):
        now = self.clock()
        self.queue.extend((now, a) for a in addresses)

    def idle(self, seconds):
        deadline = self.clock() + seconds
        while self.queue and not self.failed:
            now = self.clock()
            ready_at = self.queue[0][0] + self.min_age
            if max(now, ready_at) + self.lookup_seconds > deadline:
                break
            if ready_at > now:
                self.sleep(ready_at - now)
                now = ready_at
            ready = [a for t, a in self.queue[:BATCH_LIMIT * ADDRESSES_PER_LOOKUP] if t + self.min_age <= now]
            self.queue = self.queue[len(ready):]
            try:
                found = find_by_address(self.client, ready)
            except Exception:  # whatever it was, the final wait looks again and reports it
                self.failed = True
                break
            self.visible.update(a for a, user in found.items() if user)
            self.lookup_seconds = max(self.lookup_seconds, self.clock() - now)
        rest = deadline - self.clock()
        if rest > 0:
            self.sleep(rest)


# ---- profile (guest_profile) ---------------------------------------------------------------------------
# option -> Graph property: the one place the profile's names are mapped (user-update.md; showInAddressList
# is settable on beta only: the v1.0 user page says "Do not use in Microsoft Graph")
PROFILE = {"display_name": "displayName", "given_name": "givenName", "surname": "surname", "job_title": "jobTitle",
           "company_name": "companyName", "business_phone": "businessPhones", "mobile_phone": "mobilePhone",
           "usage_location": "usageLocation", "show_in_address_list": "showInAddressList"}
BETA_ONLY = ("show_in_address_list",)
COMPANY_NAME_MAX = 64
COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
PROFILE_FIELDS = GUEST_FIELDS + tuple(v for v in PROFILE.values() if v != "displayName")


def profile_value(where, option, value):
    """A profile option's value checked and put in its canonical form (usage location upper case; an empty
    string clears a property that may be empty). Raises ValueError with the message for the user."""
    if option == "show_in_address_list":
        return value
    value = value.strip()
    if option == "display_name" and not value:
        raise ValueError("%s.display_name is empty; Graph cannot clear a display name. Fix: give a name, or leave "
                         "the option out to keep the current one" % where)
    if option == "usage_location":
        if not COUNTRY_RE.match(value):
            raise ValueError("%s.usage_location %r is not a two-letter country code (ISO 3166). Fix: give one such "
                             "as US, GB or CN; Graph cannot clear it" % (where, value))
        return value.upper()
    if option == "company_name" and len(value) > COMPANY_NAME_MAX:
        raise ValueError("%s.company_name is %d characters long; Graph allows %d. Fix: shorten it"
                         % (where, len(value), COMPANY_NAME_MAX))
    return value


def to_graph(option, value):
    """A checked option value as Graph holds it: one business phone is a one-item list, '' clears."""
    if option == "business_phone":
        return [value] if value else []
    if value == "" and option != "display_name":
        return None
    return value


def from_graph(option, user):
    """The user's current value of a profile option, in the option's form."""
    value = user.get(PROFILE[option])
    if option == "business_phone":
        return (value or [None])[0]
    if option == "show_in_address_list":
        return True if value is None else value   # not set is treated as true (beta user resource)
    return value


def profile_changes(wanted, user):
    """{option: (current, wanted)} for the options given (not None) whose value differs from the user's."""
    out = {}
    for option, value in wanted.items():
        if value is None:
            continue
        current = from_graph(option, user)
        if to_graph(option, value) != to_graph(option, current if current is not None else ""):
            out[option] = (current, value)
    return out


def is_external(user):
    """A B2B guest (or an invited member): what guest_profile may change; never a home member account."""
    return user.get("userType") == "Guest" or user.get("creationType") == "Invitation" \
        or bool(user.get("externalUserState"))


def shape(user):
    """A user as the guest modules return it (snake_case)."""
    if not user:
        return None
    return {"id": user.get("id"), "display_name": user.get("displayName"), "mail": user.get("mail"),
            "user_principal_name": user.get("userPrincipalName"), "user_type": user.get("userType"),
            "external_user_state": user.get("externalUserState"),
            "external_user_state_change_date_time": user.get("externalUserStateChangeDateTime"),
            "creation_type": user.get("creationType"), "other_mails": user.get("otherMails") or []}
