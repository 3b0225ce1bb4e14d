#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: sync_configuration
short_description: Synchronise this tenant's users into a partner tenant (cross-tenant synchronization)
version_added: 0.3.0
description:
  - The source tenant's half of cross-tenant synchronization, the admin centre's B(Cross-tenant synchronization)
    B(Configurations). The target tenant's half is M(entra.crosscloud.sync_inbound).
  - A configuration is found by its name. When none exists, the module adds one from Microsoft's cross-tenant
    synchronization gallery template, creates its provisioning job, saves the target tenant and scope as the
    job's credentials (after testing the connection), assigns the users and groups given, and starts the job.
    Each step is done only when needed, so a second run changes nothing.
  - The connection test fails until the target tenant allows synchronisation from this one and automatic
    redemption is on in both tenants (this one outbound, the target inbound; C(automatic_user_consent) of
    M(entra.crosscloud.access_settings)). Settings made moments ago are waited for within O(replication_wait);
    then the task fails before saving anything, naming what to fix.
  - Assignments are only added; users and groups assigned by other means stay. O(state=absent) deletes the
    whole configuration (its application), which stops the synchronisation; synchronised users stay in the
    target tenant.
  - Across clouds Microsoft supports commercial to US Government, US Government to commercial and commercial to
    China, and needs a Microsoft Entra ID Governance or Microsoft Entra Suite licence for each synchronised
    user. Give O(target_cloud) and any other direction is refused before any request.
  - The job's status (running, quarantined, users in scope) is returned; a quarantined job is a warning.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  name:
    description:
      - The configuration's name (its application's display name). Must match exactly one configuration made
        from the cross-tenant synchronization template, or none.
    type: str
    required: true
  target_tenant_id:
    description: Tenant ID (GUID) of the tenant the users are synchronised into. Required with O(state=present).
    type: str
  target_cloud:
    description:
      - The Microsoft cloud of the target tenant. When given, synchronisation from this tenant's cloud to it must
        be one Microsoft supports.
    type: str
  scope:
    description:
      - V(assigned) synchronises only the users assigned to the configuration (directly or as direct members of
        an assigned group), as Microsoft recommends; V(all) every user of this tenant.
    type: str
    choices: [assigned, all]
    default: assigned
  users:
    description: Users of this tenant to assign, by user principal name or object ID. Guests are refused.
    type: list
    elements: str
    default: []
  groups:
    description:
      - Groups to assign, by object ID or exact, unique display name. Only their direct members are in scope.
    type: list
    elements: str
    default: []
  started:
    description: Whether the provisioning job runs (V(true) starts it, V(false) pauses it).
    type: bool
    default: true
  state:
    description: V(present) makes the configuration as described; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Synchronise the programme's engineers from Contoso (commercial) into Tailspin (GCC High)
  entra.crosscloud.sync_configuration:
    tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    client_id: "{{ contoso_client_id }}"
    client_secret: "{{ contoso_client_secret }}"
    name: Contoso to Tailspin
    target_tenant_id: 6a7f0e2c-91b4-4d3f-a1c8-2e5b7d9f0a13
    target_cloud: usgov
    users: [adele.vance@contoso.com]
    groups: [Partner engineers]
  register: sync

- name: Show the job's state
  ansible.builtin.debug:
    msg: "{{ sync.configuration.status.code }}, {{ sync.configuration.status.users_in_scope }} users in scope"

- name: Pause the synchronisation
  entra.crosscloud.sync_configuration:
    name: Contoso to Tailspin
    target_tenant_id: 6a7f0e2c-91b4-4d3f-a1c8-2e5b7d9f0a13
    started: false

- name: Delete the configuration (synchronised users stay in the target)
  entra.crosscloud.sync_configuration:
    name: Contoso to Tailspin
    state: absent
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
actions:
  description: What the task did (or would do, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [created the configuration, created the job, saved target tenant and scope, assigned adele.vance@contoso.com, started the job]
configuration:
  description: The configuration after the task, or null when there is none.
  returned: always
  type: dict
  contains:
    id:
      description: Object ID of the configuration's service principal (null in check mode before it exists).
      type: str
    name:
      description: The configuration's name.
      type: str
    target_tenant_id:
      description: The tenant synchronised into.
      type: str
    scope:
      description: V(assigned) or V(all).
      type: str
    assigned:
      description: Object IDs of every user and group assigned, including ones assigned by other means.
      type: list
      elements: str
    status:
      description:
        - The job's state as Graph reports it, null before the job exists. C(code) is Graph's status code
          (C(Active), C(Paused), C(Quarantine), ...); C(last_run) the last cycle's state (C(Succeeded),
          C(Failed)); C(users_in_scope) the users the last cycle synchronised; C(error) why a job is quarantined.
      type: dict
diff:
  description: The configuration before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils import sync as sy
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import add_unsettled
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def validate(module):
    p = module.params
    p["name"] = (p["name"] or "").strip()
    if not p["name"]:
        module.fail_json(msg="name is empty. Fix: give the configuration's name, for example 'Contoso to Tailspin'")
    if len(p["name"]) > 256:
        module.fail_json(msg="name is %d characters long; Entra allows 256. Fix: shorten it" % len(p["name"]))
    if p["state"] == "absent":
        return
    target = (p["target_tenant_id"] or "").strip()
    if not is_guid(target):
        module.fail_json(msg="target_tenant_id %r is not a tenant ID. Fix: give the target tenant's ID, a GUID like "
                             "6a7f0e2c-91b4-4d3f-a1c8-2e5b7d9f0a13" % p["target_tenant_id"])
    if target.lower() == str(module.params.get("tenant_id") or "").lower():
        module.fail_json(msg="target_tenant_id %s is this tenant. Fix: give the other tenant's ID" % target)
    p["target_tenant_id"] = target.lower()
    if p["target_cloud"]:
        try:
            status = module.catalogue.sync_status(module.cloud, p["target_cloud"])
            explanation = module.catalogue.explain_sync(module.cloud, p["target_cloud"])
        except CloudError as exc:
            module.fail_json(msg="target_cloud: %s" % exc)
        if status == "unsupported":
            module.fail_json(msg="target_cloud %r: %s. Nothing was changed. Fix: synchronise in a supported "
                                 "direction, or invite the people as guests instead" % (p["target_cloud"], explanation))
    for option in ("users", "groups"):
        seen = set()
        for i, value in enumerate(p[option]):
            if not (value or "").strip():
                module.fail_json(msg="%s[%d] is empty. Fix: remove it, or give a %s" % (
                    option, i, "user principal name or object ID" if option == "users" else "group ID or name"))
            if value.strip().lower() in seen:
                module.fail_json(msg="%s[%d] %r is listed twice. Fix: list it once" % (option, i, value))
            seen.add(value.strip().lower())
        p[option] = [v.strip() for v in p[option]]
    for i, user in enumerate(p["users"]):
        if "@" not in user and not is_guid(user):
            module.fail_json(msg="users[%d] %r is neither a user principal name nor an object ID. Fix: give it as "
                                 "name@domain or as a GUID" % (i, user))


def friendly(sp, secrets, assignments, job):
    if sp is None:
        return None
    return {"id": sp.get("id"), "name": sp.get("displayName"),
            "target_tenant_id": str(secrets.get("CompanyId") or "").lower() or None,
            "scope": "all" if secrets.get("SyncAll") == "true" else "assigned",
            "assigned": sorted(assignments), "status": sy.friendly_status(job)}


def remove(module, client, found):
    actions = []
    for sp in found:
        module.require_permissions("deleting configuration %r" % sp["displayName"], pm.APPLICATIONS, changed=False)
        actions.append("deleted configuration %s" % sp["id"])
        if module.check_mode:
            continue
        flt = {"$filter": "appId eq '%s'" % sp["appId"], "$select": "id"}
        apps = list(client.paged("applications", params=flt, permission=sy.APP_READ))
        if apps:
            client.delete_if_exists("applications/%s" % apps[0]["id"], permission=sy.APP_WRITE)
        else:
            client.delete_if_exists(sy.sp_url(sp["id"]), permission=sy.APP_WRITE)
    return actions


def run(module, client):
    p = module.params
    found = sy.find_configurations(client, p["name"])
    if p["state"] == "absent":
        before = [friendly(sp, {}, {}, None) for sp in found]
        actions = remove(module, client, found)
        result = {"changed": bool(actions), "actions": actions, "configuration": None}
        if module._diff:
            result["diff"] = {"before": before[0] if len(before) == 1 else before or None, "after": None}
        return result
    if len(found) > 1:
        module.fail_json(msg="%d cross-tenant synchronization configurations are named %r (%s); this module finds its "
                             "configuration by name. Fix: rename or delete the others" % (
                                 len(found), p["name"], ", ".join(sp["id"] for sp in found)), changed=False)
    users = sy.resolve_users(client, p["users"]) if p["users"] else {}
    groups = sy.resolve_groups(client, p["groups"]) if p["groups"] else {}
    principals = [(u, users[u]["id"].lower()) for u in p["users"]] + [(g, groups[g]["id"].lower()) for g in p["groups"]]
    wanted = sy.wanted_secrets(p["target_tenant_id"], p["scope"])
    sp = found[0] if found else None
    job, saved, assignments, actions = None, {}, {}, []
    if sp is not None:
        job = sy.find_job(client, sp["id"])
        saved = sy.read_secrets(client, sp["id"])
        assignments = sy.read_assignments(client, sp["id"])
    before = friendly(sp, saved, assignments, job)
    new_config = sp is None
    secrets_to_set = sy.secrets_changes(saved, wanted)
    # before any write: a set the module cannot rewrite whole is refused here
    secrets_body = sy.merged_secrets(saved, wanted) if secrets_to_set else None
    to_assign = [(given, pid) for given, pid in principals if pid not in assignments]
    running = sy.job_running(job)
    needs = []
    if new_config:
        needs.append(("creating configuration %r" % p["name"], pm.APPLICATIONS))
    if job is None or secrets_to_set or running != p["started"]:     # (a new configuration has no job)
        needs.append(("setting up its provisioning job", pm.SYNCHRONIZATION))
    if to_assign:
        needs.append(("assigning users and groups to it", pm.APP_ROLE_ASSIGNMENT))
    if needs:
        module.require_permissions(needs, changed=False)
    if module.check_mode:
        actions = ((["created the configuration"] if new_config else [])
                   + (["created the job"] if job is None else [])
                   + (["saved %s" % ", ".join(secrets_to_set)] if secrets_to_set else [])
                   + ["assigned %s" % given for given, _pid in to_assign]
                   + (["%s the job" % ("started" if p["started"] else "paused")] if running != p["started"] else []))
        after = {"id": sp["id"] if sp else None, "name": p["name"], "target_tenant_id": p["target_tenant_id"],
                 "scope": p["scope"], "assigned": sorted(set(assignments) | set(pid for _g, pid in to_assign)),
                 "status": sy.friendly_status(job)}
        return _result(module, actions, before, after)
    if new_config:
        sp = sy.instantiate(client, p["name"])
        actions.append("created the configuration")
    if job is None:
        job = sy.find_job(client, sp["id"], fresh=True) if new_config else None
    new_job = job is None
    if new_job:
        job = sy.create_job(client, sp["id"])
        actions.append("created the job")
    if secrets_to_set:
        refused = sy.validate(client, sp["id"], wanted)
        if refused is not None:
            module.fail_json(
                msg="the connection test to target tenant %s failed: %s. The target and scope were not saved. Fix: in "
                    "the target tenant allow user synchronisation from this one (entra.crosscloud.sync_inbound) and "
                    "automatic redemption inbound; here, automatic redemption outbound (automatic_user_consent of "
                    "entra.crosscloud.access_settings)%s" % (
                        p["target_tenant_id"], refused.message,
                        "; across clouds, also the target's cross-cloud synchronization checkbox (admin centre, "
                        "Microsoft cloud settings)" if p["target_cloud"] and module.catalogue.sync_status(
                            module.cloud, p["target_cloud"]) == "supported" else ""),
                changed=bool(actions), actions=actions)
        client.put(sy.sp_url(sp["id"], "/synchronization/secrets"), {"value": secrets_body},
                   permission=sy.SYNC_WRITE)
        actions.append("saved %s" % ", ".join(secrets_to_set))
    if to_assign:
        role = sy.user_role_id(sp)
        requests_ = [sy.assign_request(sp["id"], role, pid) for _given, pid in to_assign]
        answers = client.batch_until_settled(requests_, add_unsettled,
                                             "POST appRoleAssignedTo (a configuration or user created moments ago)")
        failures = []
        for (given, pid), request, answer in zip(to_assign, requests_, answers):
            if sy.assigned(answer):
                actions.append("assigned %s" % given)
                assignments[pid] = {"principalId": pid}
            else:
                failures.append("%s: %s" % (given, client.batch_error(request, answer, sy.ASSIGN_WRITE)))
        if failures:
            module.fail_json(msg="%d of %d assignments failed: %s" % (len(failures), len(requests_), "; ".join(failures)),
                             changed=bool(actions), actions=actions)
    job_path = sy.job_url(sp["id"], job["id"])
    if sy.job_running(job) != p["started"]:       # a job created above is not running
        sy.set_running(client, sp["id"], job["id"], p["started"])
        actions.append("%s the job" % ("started" if p["started"] else "paused"))
    if new_job and not sy.await_job(client, sp["id"], job["id"]):
        module.warn("the new job cannot be listed yet after %d s: Microsoft Entra is still replicating it; a run "
                    "within the next minutes may create a second one" % p["replication_wait"])
    if actions:
        job = client.get_after_create(job_path, permission=sy.SYNC_READ)
        saved = dict(saved, **wanted)
    after = friendly(sp, saved, assignments, job)
    after["name"] = p["name"]
    status = after["status"] or {}
    if status.get("code") == "Quarantine":
        module.warn("the synchronisation job is quarantined: %s. Fix what it names; the job retries by itself"
                    % (status.get("error") or status.get("quarantine_reason")))
    return _result(module, actions, before, after)


def _result(module, actions, before, after):
    result = {"changed": bool(actions), "actions": actions, "configuration": after}
    if module._diff:
        strip = ("status",)
        result["diff"] = {"before": dict((k, v) for k, v in before.items() if k not in strip) if before else None,
                          "after": dict((k, v) for k, v in after.items() if k not in strip)}
    return result


def main():
    module = EntraModule(argument_spec=dict(
        name=dict(type="str", required=True),
        target_tenant_id=dict(type="str"),
        target_cloud=dict(type="str"),
        scope=dict(type="str", choices=["assigned", "all"], default="assigned"),
        users=dict(type="list", elements="str", default=[]),
        groups=dict(type="list", elements="str", default=[]),
        started=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present")),
        required_if=[("state", "present", ("target_tenant_id",))])
    validate(module)
    try:
        module.exit_json(**run(module, module.client))
    except sy.SyncError as exc:
        module.fail_json(msg=str(exc), changed=False)
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
