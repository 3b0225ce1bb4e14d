#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: group_members
short_description: Add guests (or any users) to groups and teams, or take them out
version_added: 0.3.0
description:
  - Adds the listed people to each listed group, or removes them with O(state=absent). People not listed are
    never touched; the module does not make a group's membership exactly the list.
  - For Teams cross-cloud guest access a guest must be a member of the team, that is of its Microsoft 365 group.
    Security groups work the same way (for example to assign licences or apps to partner guests).
  - A group is given by object ID or by exact display name, which must be unique in the tenant. Groups with
    dynamic membership, and mail-enabled security groups and distribution lists (Exchange manages those), are
    refused before any write, as are names that match no group or several.
  - People are found by C(mail), C(otherMails) or C(userPrincipalName), as
    M(entra.crosscloud.guest_invitation) finds the guests it invited. In check mode, people not found yet (to be
    invited by an earlier task of the same run) are reported with a warning; otherwise the task fails before any
    write, naming them.
  - Reads and writes go in JSON batch requests. A member added by someone else meanwhile counts as done; an add
    answered 404 because a new guest has not replicated yet is sent again within O(replication_wait).
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  groups:
    description: The groups and the people each should (or should not) contain.
    type: list
    elements: dict
    required: true
    suboptions:
      group:
        description: Object ID or exact display name (letter case does not matter) of the group.
        type: str
        required: true
      members:
        description: Addresses of the people (mail, other mail or user principal name in this tenant).
        type: list
        elements: str
        required: true
  state:
    description: V(present) adds the people; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Give the GCC High partner's engineers the programme's team and the partner security group
  entra.crosscloud.group_members:
    groups:
      - group: Cross-cloud programme
        members: [jordan.ellis@tailspin-defense.us, sam.rivera@northwind.mil]
      - group: 9e2d7b30-6f4a-4c85-b1d2-3a7e5f60c918
        members: [jordan.ellis@tailspin-defense.us]

- name: Take a guest out of the team
  entra.crosscloud.group_members:
    state: absent
    groups:
      - group: Cross-cloud programme
        members: [sam.rivera@northwind.mil]
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
groups:
  description: One entry per listed group, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    group:
      description: The group as given.
      type: str
    id:
      description: The group's object ID.
      type: str
    display_name:
      description: The group's display name.
      type: str
    added:
      description: The people added (or that would be, in check mode).
      type: list
      elements: str
    removed:
      description: The people removed (or that would be, in check mode).
      type: list
      elements: str
    not_found:
      description: People not found in the tenant (check mode only; elsewhere the task fails).
      type: list
      elements: str
diff:
  description: For each group, the listed people who are members, before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import groups as gr
from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import add_unsettled
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def validate(module):
    seen = set()
    for i, entry in enumerate(module.params["groups"]):
        name = entry["group"].strip()
        if not name:
            module.fail_json(msg="groups[%d].group is empty. Fix: give the group's object ID or display name" % i)
        if name.lower() in seen:
            module.fail_json(msg="groups[%d].group %r is listed twice. Fix: list each group once, with all its "
                                 "members" % (i, entry["group"]))
        seen.add(name.lower())
        entry["group"] = name
        people = set()
        for address in entry["members"]:
            if not gu.EMAIL_RE.match(address or ""):
                module.fail_json(msg="groups[%d].members: %r is not an email address or UPN. Fix: give it as "
                                     "name@domain" % (i, address))
            if address.lower() in people:
                module.fail_json(msg="groups[%d].members: %r is listed twice" % (i, address))
            people.add(address.lower())


def plan(entries, groups, found, current, absent, graph_url):
    """(results, writes): per group what changes, and the member writes [(result, address, request)] (pure)."""
    results, requests_ = [], []
    for entry in entries:
        group = groups[entry["group"]]
        gid = group["id"].lower()
        out = {"group": entry["group"], "id": gid, "display_name": group.get("displayName"), "added": [],
               "removed": [], "not_found": [], "before": [], "after": []}
        for address in entry["members"]:
            user = found.get(address.lower())
            if user is None:
                out["not_found"].append(address)
                continue
            uid = user["id"].lower()
            member = uid in current.get(gid, set())
            if member:
                out["before"].append(address)
            if absent and member:
                out["removed"].append(address)
                requests_.append((out, address, gr.remove_request(gid, uid)))
            elif not absent and not member:
                out["added"].append(address)
                requests_.append((out, address, gr.add_request(graph_url, gid, uid)))
            if not absent:
                out["after"].append(address)
        results.append(out)
    return results, requests_


def main():
    module = EntraModule(argument_spec=dict(
        groups=dict(type="list", elements="dict", required=True, options=dict(
            group=dict(type="str", required=True), members=dict(type="list", elements="str", required=True))),
        state=dict(type="str", choices=["present", "absent"], default="present")))
    validate(module)
    p = module.params
    absent = p["state"] == "absent"
    client = module.client
    failures = []
    try:
        try:
            groups = gr.resolve(client, [e["group"] for e in p["groups"]])
        except gr.GroupError as exc:
            module.fail_json(msg=str(exc), changed=False)
        addresses = [a for e in p["groups"] for a in e["members"]]
        found = gu.find_by_address(client, addresses)
        current = gr.members(client, sorted(set(g["id"].lower() for g in groups.values())))
        # the add's body names the member by this cloud's Graph URL
        results, writes = plan(p["groups"], groups, found, current, absent, module.cloud.graph_url)
        missing = sorted(set(a for r in results for a in r["not_found"]), key=str.lower)
        if missing and not module.check_mode and not absent:
            module.fail_json(msg="no user or guest in this tenant has the address %s. Fix: invite them first "
                                 "(entra.crosscloud.guest_invitation), then run again" % ", ".join(missing),
                             changed=False, groups=results)
        if missing and not absent:
            module.warn("not found, so not checked (an earlier task of this run would invite them): %s"
                        % ", ".join(missing))
        requests_ = [req for _out, _address, req in writes]
        if requests_:
            module.require_permissions([("changing the members of %s" % ", ".join(sorted(set(
                out["group"] for out, _a, _r in writes))), pm.GROUP_MEMBERS)], changed=False, groups=results)
        if requests_ and not module.check_mode:
            answers = client.batch_until_settled(requests_, add_unsettled,
                                                 "POST /groups/{id}/members/$ref (people added moments ago)")
            for (out, address, _r), req, answer in zip(writes, requests_, answers):
                if not gr.done(req, answer):
                    key = "removed" if req["method"] == "DELETE" else "added"
                    out[key].remove(address)
                    failures.append("%s %s: %s" % (out["group"], address,
                                                   client.batch_error(req, answer, gr.WRITE_PERMISSION)))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    result = {"changed": any(r["added"] or r["removed"] for r in results),
              "groups": [dict((k, v) for k, v in r.items() if k not in ("before", "after")) for r in results]}
    if module._diff:
        result["diff"] = {"before": dict((r["group"], r["before"]) for r in results),
                          "after": dict((r["group"], r["after"] if not absent else
                                         [a for a in r["before"] if a not in r["removed"]]) for r in results)}
    if failures:
        module.fail_json(msg="%d of %d member changes failed: %s" % (len(failures), len(requests_),
                                                                     "; ".join(failures)), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
