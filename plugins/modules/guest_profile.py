#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: guest_profile
short_description: Make guests findable - their name, phones, usage location and address list visibility
version_added: 0.3.0
description:
  - Sets the profile of guests who exist in the tenant, so that colleagues find them in the address book and
    the scheduling assistant. Invited guests have no first name, surname or phone, and Entra hides them from
    the Exchange global address list.
  - Only the options given for a guest are managed; a property left out is never changed. An empty string
    clears a property (not O(guests[].display_name) and not O(guests[].usage_location), which Graph cannot
    clear).
  - Guests are found by C(mail), C(otherMails) or C(userPrincipalName), as
    M(entra.crosscloud.guest_invitation) finds them (the address it invited). Only external users are
    changed, never a member account of the tenant. All changes are sent in JSON batch requests.
  - O(guests[].show_in_address_list) uses Microsoft Graph's beta endpoint, the only one that documents it as
    settable. Across clouds, the other tenant's users also need Exchange free/busy set up by hand; see the
    README's list of steps Graph cannot do.
  - Guests must exist. In check mode a guest not found yet (to be invited by an earlier task of the same run) is
    reported with C(action=not_found) and a warning; otherwise the task fails before any write, naming them.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  guests:
    description: The guests and the profile each should have.
    type: list
    elements: dict
    required: true
    suboptions:
      email:
        description:
          - The address the guest was invited with (across clouds, their UPN in the home tenant).
        type: str
        required: true
      display_name:
        description: The name shown in the address book and in Teams.
        type: str
      given_name:
        description: First name.
        type: str
      surname:
        description: Last name.
        type: str
      job_title:
        description: Job title.
        type: str
      company_name:
        description: The company the guest works for (at most 64 characters), for example the partner's name.
        type: str
      business_phone:
        description: The business phone number (Graph holds one).
        type: str
      mobile_phone:
        description: The mobile phone number.
        type: str
      usage_location:
        description:
          - Two-letter country code (ISO 3166, for example V(US)); any letter case, sent in upper case.
          - Required before a licence can be assigned to the guest.
        type: str
      show_in_address_list:
        description:
          - Whether the guest appears in the Exchange global address list (invited guests start hidden).
        type: bool
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Make the GCC High partner's engineer findable in the commercial hub's address book
  entra.crosscloud.guest_profile:
    guests:
      - email: jordan.ellis@tailspin-defense.us
        given_name: Jordan
        surname: Ellis
        display_name: Jordan Ellis (Tailspin)
        company_name: Tailspin Defense
        business_phone: "+1 202 555 0147"
        usage_location: US
        show_in_address_list: true

- name: Clear a mobile number and hide a guest from the address list again
  entra.crosscloud.guest_profile:
    guests:
      - email: li.wei@fabrikam.cn
        mobile_phone: ""
        show_in_address_list: false
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
guests:
  description: One entry per listed guest, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    email:
      description: The address as given.
      type: str
    id:
      description: The guest's object ID (none when not found).
      type: str
    action:
      description: C(updated), C(unchanged) or C(not_found) (check mode only); in check mode, what would happen.
      type: str
    changed:
      description: Whether this guest's profile changed.
      type: bool
    changes:
      description: The options that changed (or would), each with its value before and after.
      type: dict
      sample: {given_name: {before: null, after: Jordan}, show_in_address_list: {before: false, after: true}}
diff:
  description: For each guest that changed, the managed options before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule

GUEST_SPEC = dict(email=dict(type="str", required=True), show_in_address_list=dict(type="bool"))
GUEST_SPEC.update((option, dict(type="str")) for option in gu.PROFILE if option != "show_in_address_list")


def validate(module):
    """Every address and value checked, and put in canonical form, before any request."""
    seen = set()
    for i, g in enumerate(module.params["guests"]):
        where = "guests[%d]" % i
        if not gu.EMAIL_RE.match(g["email"]):
            module.fail_json(msg="%s.email %r is not an email address or UPN; give it as name@domain"
                                 % (where, g["email"]))
        if g["email"].lower() in seen:
            module.fail_json(msg="%s.email %r is listed twice" % (where, g["email"]))
        seen.add(g["email"].lower())
        if all(g.get(option) is None for option in gu.PROFILE):
            module.fail_json(msg="%s (%s) names no profile option. Fix: give at least one of %s"
                                 % (where, g["email"], ", ".join(sorted(gu.PROFILE))))
        for option in gu.PROFILE:
            if g.get(option) is not None:
                try:
                    g[option] = gu.profile_value(where, option, g[option])
                except ValueError as exc:
                    module.fail_json(msg=str(exc))


def plan(guests, found):
    """(entries, requests, missing, members): what changes per guest and the PATCH for each (pure)."""
    entries, requests_, missing, members = [], [], [], []
    for g in guests:
        user = found.get(g["email"].lower())
        entry = {"email": g["email"], "id": user["id"] if user else None, "changed": False, "changes": {}}
        entries.append(entry)
        if user is None:
            entry["action"] = "not_found"
            missing.append(g["email"])
            continue
        if not gu.is_external(user):
            members.append(g["email"])
        wanted = dict((option, g.get(option)) for option in gu.PROFILE)
        changes = gu.profile_changes(wanted, user)
        entry["changes"] = dict((o, {"before": before, "after": after}) for o, (before, after) in changes.items())
        entry["action"] = "updated" if changes else "unchanged"
        entry["changed"] = bool(changes)
        if changes:
            body = dict((gu.PROFILE[o], gu.to_graph(o, after)) for o, (_before, after) in changes.items())
            requests_.append((entry, {"method": "PATCH", "url": "/users/%s" % user["id"], "body": body}))
    return entries, requests_, missing, members


def main():
    module = EntraModule(argument_spec=dict(
        guests=dict(type="list", elements="dict", required=True, options=GUEST_SPEC)))
    validate(module)
    guests = module.params["guests"]
    # beta only when a guest's address list visibility is managed: v1.0 neither documents nor sets it
    api = "beta" if any(g.get(o) is not None for g in guests for o in gu.BETA_ONLY) else "v1.0"
    client = module.client
    failures = []
    try:
        found = gu.find_by_address(client, [g["email"] for g in guests], fields=gu.PROFILE_FIELDS, api=api)
        entries, requests_, missing, members = plan(guests, found)
        if members:
            module.fail_json(msg="%s: a member account of this tenant, not a guest; guest_profile changes guests "
                                 "only. Fix: remove it from guests" % ", ".join(members), changed=False, guests=entries)
        if missing and not module.check_mode:
            module.fail_json(msg="no guest in this tenant has the address %s. Fix: invite them first "
                                 "(entra.crosscloud.guest_invitation), then run again" % ", ".join(missing),
                             changed=False, guests=entries)
        if missing:
            module.warn("not found, so not checked (an earlier task of this run would invite them): %s"
                        % ", ".join(missing))
        if requests_:
            module.require_permissions([("changing the profile of %s" % ", ".join(e["email"] for e, _r in requests_),
                                         pm.USER_WRITE)], changed=False, guests=entries)
        if requests_ and not module.check_mode:
            # a guest invited moments ago may be found by one replica and not yet known to the one taking the write
            answers = client.batch_until_settled([req for _entry, req in requests_],
                                                 lambda _req, answer: answer["status"] == 404,
                                                 "PATCH /users (guests invited moments ago)", api=api)
            for (entry, req), answer in zip(requests_, answers):
                if answer["status"] >= 300 or answer["status"] == 0:
                    entry["changed"] = False
                    failures.append("%s: %s" % (entry["email"], client.batch_error(req, answer, "User.ReadWrite.All")))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    result = {"changed": any(e["changed"] for e in entries), "guests": entries}
    if module._diff:
        changed = [e for e in entries if e["changes"]]
        result["diff"] = {
            "before": dict((e["email"], dict((o, c["before"]) for o, c in e["changes"].items())) for e in changed),
            "after": dict((e["email"], dict((o, c["after"]) for o, c in e["changes"].items())) for e in changed)}
    if failures:
        module.fail_json(msg="%d of %d profile changes failed: %s" % (len(failures), len(requests_),
                                                                      "; ".join(failures)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
