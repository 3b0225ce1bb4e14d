#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: guest_licenses
short_description: Give guests (or any users) the licences the resource tenant holds, by SKU part number
version_added: 0.3.0
description:
  - Assigns the listed licences to each person, or removes them with O(state=absent). Licences not listed are
    never touched.
  - Bring-your-own-licence does not work across Microsoft clouds (Power BI is Microsoft's example); the resource
    tenant must assign its own licence to the guest.
  - Licences are named by SKU part number (for example V(POWER_BI_PRO), any letter case) or SKU ID, looked up in the
    tenant's subscriptions (C(subscribedSkus)); one the tenant does not have is refused before any write, listing
    what it has.
  - Graph refuses a licence to a user without a usage location; such people, and subscriptions with fewer units
    left than the task would assign, are refused before any write. Set the usage location first with
    M(entra.crosscloud.guest_profile) (O(entra.crosscloud.guest_profile#module:guests[].usage_location)).
  - People are found by C(mail), C(otherMails) or C(userPrincipalName), as M(entra.crosscloud.guest_invitation)
    finds its guests. In check mode, people not found yet (to be invited by an earlier task of the same run), and
    people without a usage location (an earlier task may set it), are reported with a warning.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  assignments:
    description: The people and the licences each should (or should not) have.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: The person's address (mail, other mail or user principal name in this tenant).
        type: str
        required: true
      licenses:
        description: SKU part numbers (V(POWER_BI_PRO)) or SKU IDs.
        type: list
        elements: str
        required: true
  state:
    description: V(present) assigns the licences; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: The GCC High partner's analyst gets the commercial hub's Power BI Pro licence
  entra.crosscloud.guest_licenses:
    assignments:
      - user: jordan.ellis@tailspin-defense.us
        licenses: [POWER_BI_PRO]

- name: Take the licence back
  entra.crosscloud.guest_licenses:
    state: absent
    assignments:
      - user: jordan.ellis@tailspin-defense.us
        licenses: [POWER_BI_PRO]
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
assignments:
  description: One entry per listed person, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The address as given.
      type: str
    id:
      description: The person's object ID (none when not found).
      type: str
    action:
      description: C(updated), C(unchanged) or C(not_found) (check mode only); in check mode, what would happen.
      type: str
    added:
      description: SKU part numbers assigned (or that would be).
      type: list
      elements: str
    removed:
      description: SKU part numbers removed (or that would be).
      type: list
      elements: str
diff:
  description: Per person, the listed licences held before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils import licenses as li
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def validate(module):
    seen = set()
    for i, entry in enumerate(module.params["assignments"]):
        if not gu.EMAIL_RE.match(entry["user"] or ""):
            module.fail_json(msg="assignments[%d].user %r is not an email address or UPN. Fix: give it as name@domain"
                                 % (i, entry["user"]))
        if entry["user"].lower() in seen:
            module.fail_json(msg="assignments[%d].user %r is listed twice. Fix: list each person once, with all their "
                                 "licences" % (i, entry["user"]))
        seen.add(entry["user"].lower())
        if not entry["licenses"] or not all(isinstance(n, str) and n.strip() for n in entry["licenses"]):
            module.fail_json(msg="assignments[%d].licenses %r names no licence. Fix: give SKU part numbers such as "
                                 "POWER_BI_PRO" % (i, entry["licenses"]))


def send(client, bodies):
    """The assignLicense POSTs in $batch. One whose outcome is unknown (5xx, cut connection) is settled by reading
    the person's licences: sent again only if they still differ."""
    ids = list(bodies)
    requests_ = [{"method": "POST", "url": "/users/%s/assignLicense" % uid, "body": bodies[uid]} for uid in ids]
    answers = client.batch(requests_)
    backoff = client.backoff()
    while True:
        unsure = [k for k, a in enumerate(answers) if a.get("outcome_unknown")]
        if not unsure:
            return requests_, answers
        reads = client.batch([{"method": "GET", "url": "/users/%s?$select=assignedLicenses" % ids[k]} for k in unsure])
        resend = []
        for k, read in zip(unsure, reads):
            held = set(str(x.get("skuId")).lower() for x in ((read.get("body") or {}).get("assignedLicenses") or []))
            body = bodies[ids[k]]
            if read["status"] == 200 and all(a["skuId"] in held for a in body["addLicenses"]) \
                    and not held.intersection(body["removeLicenses"]):
                answers[k] = {"status": 200, "headers": {}, "body": read["body"]}
            else:
                resend.append(k)
        for k, answer in zip(resend, client.batch([requests_[k] for k in resend]) if resend else []):
            answers[k] = answer
        if any(a.get("outcome_unknown") for a in answers) and \
                not backoff.wait("POST assignLicense", "outcome unknown"):
            return requests_, answers


def main():
    module = EntraModule(argument_spec=dict(
        assignments=dict(type="list", elements="dict", required=True, options=dict(
            user=dict(type="str", required=True), licenses=dict(type="list", elements="str", required=True))),
        state=dict(type="str", choices=["present", "absent"], default="present")))
    validate(module)
    p = module.params
    absent = p["state"] == "absent"
    client = module.client
    failures, requests_ = [], []
    try:
        try:
            skus = li.resolve(li.read_skus(client), [n for e in p["assignments"] for n in e["licenses"]])
        except li.LicenseError as exc:
            module.fail_json(msg=str(exc), changed=False)
        found = gu.find_by_address(client, [e["user"] for e in p["assignments"]], fields=li.USER_FIELDS)
        results, bodies = li.plan(p["assignments"], skus, found, absent)
        missing = [r["user"] for r in results if r["action"] == "not_found"]
        unplaced = [r["user"] for r in results if r["added"] and not r.get("usage_location")]
        problems = []
        if missing and not absent:
            problems.append("no user or guest in this tenant has the address %s. Fix: invite them first "
                            "(entra.crosscloud.guest_invitation), then run again" % ", ".join(missing))
        if unplaced:
            problems.append("%s: no usage location, and Graph refuses a licence without one. Fix: set it with "
                            "entra.crosscloud.guest_profile (usage_location), or profile.usage_location in "
                            "entra_guests" % ", ".join(unplaced))
        if problems and module.check_mode:
            module.warn("%s (check mode: an earlier task of this run may settle it)" % "; ".join(problems))
        elif problems:
            module.fail_json(msg="; ".join(problems), changed=False, assignments=results)
        short = li.shortfalls(results, skus)
        if short:
            module.fail_json(msg="not enough licences: %s" % "; ".join(short), changed=False, assignments=results)
        if bodies:
            module.require_permissions([("changing the licences of %s" % ", ".join(
                r["user"] for r in results if r["added"] or r["removed"]), pm.LICENSE_ASSIGNMENT)],
                changed=False, assignments=results)
        if bodies and not module.check_mode:
            requests_, answers = send(client, bodies)
            by_id = dict((r["id"], r) for r in results if r["id"])
            for req, answer in zip(requests_, answers):
                if answer["status"] != 200:
                    out = by_id[req["url"].split("/")[2]]
                    out.update(added=[], removed=[], action="failed")
                    failures.append("%s: %s" % (out["user"], client.batch_error(req, answer, li.WRITE_PERMISSION)))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    for r in results:
        r.pop("usage_location", None)
    result = {"changed": any(r["added"] or r["removed"] for r in results), "assignments": results}
    if module._diff:
        held = {}
        for entry, r in zip(p["assignments"], results):
            user = found.get(entry["user"].lower()) or {}
            ids = set(str(x.get("skuId")).lower() for x in user.get("assignedLicenses") or [])
            held[r["user"]] = sorted(skus[n]["skuPartNumber"] for n in entry["licenses"]
                                     if str(skus[n]["skuId"]).lower() in ids)
        result["diff"] = {"before": held, "after": dict(
            (r["user"], sorted(set(held[r["user"]] + r["added"]) - set(r["removed"]))) for r in results)}
    if failures:
        module.fail_json(msg="%d of %d licence changes failed: %s" % (len(failures), len(requests_),
                                                                      "; ".join(failures)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
