#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: partners
short_description: A tenant's partner organisations and their access settings, as one list, in one task
version_added: 0.2.0
description:
  - Makes sure every listed partner organisation exists in this tenant's cross-tenant access policy, with the
    inbound, outbound, trust and consent settings given for it. What M(entra.crosscloud.partner) and
    M(entra.crosscloud.access_settings) do for one partner, done for a whole list in one task.
  - Reads the policy, its default and every partner in one JSON batch request (plus a page per further 100
    partners), plans every change, and writes them in JSON batch requests of 20. A new partner is created with its
    settings in one request; an existing one gets one update with only what differs.
  - Only the listed partners and the settings given for each are touched; partners not listed are left as they
    are (remove partners with M(entra.crosscloud.partner) and O(entra.crosscloud.partner#module:state=absent)).
  - Everything that needs nothing from Graph is checked for every entry before the first request, and the pair
    and size checks for every entry before the first write, so a bad entry never leaves the list half written.
  - Microsoft limits the whole cross-tenant access policy (default and partners) to 25 KB. The module estimates
    the policy's size after its writes and refuses before writing when it would not fit; O(compact) keeps
    entries small.
  - Returns only once every new partner can be read back (Microsoft replicates new entries for a while).
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  partners:
    description:
      - The partner organisations. Each entry takes the settings options of M(entra.crosscloud.access_settings)
        (O(partners[].b2b_collaboration_inbound) and so on, same meaning) for that partner.
      - An empty list does nothing.
    type: list
    elements: dict
    required: true
    suboptions:
      tenant_id:
        description:
          - Tenant ID (GUID) of the partner organisation. Surrounding whitespace is ignored and letter case does
            not matter.
        type: str
        required: true
      cloud:
        description:
          - The partner's Microsoft cloud. Discovered from its OpenID configuration when not given; when given, it
            is checked against that configuration and a contradiction is refused before any Graph request.
          - A partner in another cloud needs that cloud enabled first (M(entra.crosscloud.cloud_settings)).
        type: str
      b2b_collaboration_inbound:
        description: Which users of the partner may be invited here as guests, and to which of our applications.
        type: dict
        suboptions: &b2b
          users_and_groups:
            description: Users and groups the setting applies to.
            type: dict
            suboptions: &target
              access:
                description: Whether the targets are V(allowed) or V(blocked).
                type: str
                choices: [allowed, blocked]
                required: true
              targets:
                description:
                  - As for M(entra.crosscloud.access_settings). Leave it out to mean everyone (V(all)); an empty
                    list is refused.
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
        description: B2B direct connect inbound. Never across clouds.
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
        description: Suppress the consent prompt for users of the partner.
        type: dict
        suboptions:
          inbound:
            description: Inbound automatic redemption.
            type: bool
          outbound:
            description: Outbound automatic redemption.
            type: bool
      inherit:
        description: Settings of the partner to reset to "inherit from the default", explicitly.
        type: list
        elements: str
        choices: [b2b_collaboration_inbound, b2b_collaboration_outbound, b2b_direct_connect_inbound,
                  b2b_direct_connect_outbound, inbound_trust, automatic_user_consent]
  enable_clouds:
    description:
      - Enable, in the Microsoft cloud settings, the clouds of listed partners in other clouds that are not enabled
        yet, before adding the partners (what M(entra.crosscloud.cloud_settings) does with O(entra.crosscloud.cloud_settings#module:state=present)).
        Clouds already enabled, and clouds no listed partner needs, are left as they are.
      - When false, a partner whose cloud is not enabled is refused before any write (a warning in check mode).
    type: bool
    default: false
  compact:
    description:
      - Leave a setting that equals the tenant default's to inherit it (stored as null) instead of writing it into
        the partner entry, and turn an explicit value equal to the default into "inherit". Who may collaborate
        stays exactly the same, and the policy stays small. In the stored form Microsoft documents, a bare entry is
        about 50 bytes and one with explicit inbound, outbound and trust about 210, against Microsoft's 25 KB for
        the whole policy (default included).
      - The price is that such a partner follows later changes of the default. Microsoft's cross-cloud guide allows
        either the default or specific settings for a partner in another cloud.
    type: bool
    default: false
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: A hub's partners in three clouds, their clouds enabled, everyone in and out, MFA trusted from GCC High
  entra.crosscloud.partners:
    enable_clouds: true
    compact: true
    partners:
      - tenant_id: 6ba8af09-9774-4419-98d1-7db643f0c384
        cloud: usgov
        b2b_collaboration_inbound: &everyone
          users_and_groups: {access: allowed}
          applications: {access: allowed}
        b2b_collaboration_outbound: *everyone
        inbound_trust: {mfa: true}
      - tenant_id: 2a0f4d1c-9a3e-4f57-b1c2-57e1f0a3d9b4
        cloud: china
        b2b_collaboration_inbound: *everyone
        b2b_collaboration_outbound: *everyone
      - tenant_id: 0b5f1e6a-3c2d-4e8f-9a7b-6c5d4e3f2a1b

- name: Only one group may go out to a partner, to Office 365 only
  entra.crosscloud.partners:
    partners:
      - tenant_id: 6ba8af09-9774-4419-98d1-7db643f0c384
        b2b_collaboration_outbound:
          users_and_groups: {access: allowed, targets: [{group: 2c057a25-45d1-4fe3-a7c8-618e2c46a5bc}]}
          applications: {access: allowed, targets: [office365]}
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
  sample: ["POST /v1.0/$batch: 2 $batch item(s) answered 429; retry 1 after 2.0 s"]
partners:
  description: One entry per listed partner, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    tenant_id:
      description: The partner's tenant ID (lower case).
      type: str
      sample: 6ba8af09-9774-4419-98d1-7db643f0c384
    cloud:
      description: The partner's cloud (given and confirmed, or discovered).
      type: str
      sample: usgov
    cross_cloud:
      description: Whether the partner lives in another Microsoft cloud.
      type: bool
      sample: true
    action:
      description: V(added), V(updated) or V(unchanged) (what would be done, in check mode).
      type: str
      sample: added
    changed_settings:
      description: The settings written (or that would be).
      type: list
      elements: str
      sample: [b2b_collaboration_inbound]
    settings:
      description: Every managed setting of the entry after the task, in the module's words; C(null) inherits.
      type: dict
  sample:
    - tenant_id: 6ba8af09-9774-4419-98d1-7db643f0c384
      cloud: usgov
      cross_cloud: true
      action: added
      changed_settings: [inbound_trust]
      settings: {b2b_collaboration_inbound: null, inbound_trust: {mfa: true, compliant_device: false,
                 hybrid_joined_device: false}}
clouds_enabled:
  description: The Microsoft clouds the task enabled (or would, in check mode) for its partners (O(enable_clouds)).
  returned: always
  type: list
  elements: str
  sample: [usgov, china]
current:
  description:
    - The tenant's cross-tenant access configuration as the task read it, before any change, in the shape
      M(entra.crosscloud.cross_tenant_access_info) returns - C(cloud_settings), C(default) and every partner
      entry with its C(settings) (identity synchronisation and external collaboration settings are not read).
    - It is the tenant's state when the task changed nothing, and in check mode; the verify role then takes it
      instead of reading the tenant again.
  returned: success
  type: dict
  sample:
    cloud_settings: {clouds: [usgov], allowed_cloud_endpoints: [microsoftonline.us]}
    default: {b2b_collaboration_inbound: {users_and_groups: {access_type: allowed, targets: [AllUsers]}},
              is_service_default: true}
    partners:
      - partner: 6ba8af09-9774-4419-98d1-7db643f0c384
        settings: {b2b_collaboration_inbound: null, inbound_trust: {mfa: true}}
        is_service_provider: null
policy_size:
  description:
    - The cross-tenant access policy's estimated size after the task (the stored settings, nulls left out), against
      Microsoft's 25 KB limit.
  returned: always
  type: dict
  sample: {bytes: 5120, limit: 25600, headroom: 20480}
diff:
  description:
    - The settings of each partner the task adds or changes, before and after (C(--diff)), and under C(clouds) the
      enabled clouds when the task enables one.
  returned: when diff mode is on
  type: dict
  sample:
    before: {6ba8af09-9774-4419-98d1-7db643f0c384: null}
    after: {6ba8af09-9774-4419-98d1-7db643f0c384: {inbound_trust: {mfa: true}}}
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct
from ansible_collections.entra.crosscloud.plugins.module_utils import partners as pt
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils import policy_size
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule


def argument_spec():
    entry = dict(tenant_id=dict(type="str", required=True, no_log=False), cloud=dict(type="str"))
    entry.update(access.setting_specs())
    return dict(partners=dict(type="list", elements="dict", required=True, options=entry),
                enable_clouds=dict(type="bool", default=False), compact=dict(type="bool", default=False))


def partner_clouds(module, entries):
    """Each partner's Cloud, declared ones confirmed by OpenID discovery (run side by side), else discovered."""
    catalogue, declared, problems = module.catalogue, {}, []
    for index, e in enumerate(entries):
        if e.get("cloud"):
            try:
                declared[e["tenant_id"]] = catalogue.resolve(e["cloud"])
            except CloudError as exc:
                problems.append("partners[%d].cloud: %s" % (index, exc))
    if problems:
        module.fail_json(msg="; ".join(problems))
    verify = module.verify_for(catalogue.discovery_cloud())
    found = pt.concurrently(
        lambda e: ct.discover_cloud(catalogue, e["tenant_id"], verify, module.params["timeout"],
                                    backoff=module.backoff()), entries, (CloudError,))
    clouds = {}
    for index, e in enumerate(entries):
        tid, answer = e["tenant_id"], found[index]
        option, id_option = "partners[%d].cloud" % index, "partners[%d].tenant_id" % index
        if isinstance(answer, CloudError):
            if tid not in declared:
                problems.append("%s %s: %s. Fix: check the ID, or give %s" % (id_option, tid, answer, option))
                continue
            module.warn("%s %s could not be checked against the tenant's OpenID configuration (%s); going on with "
                        "the declared cloud" % (option, declared[tid].name, answer))
            clouds[tid] = declared[tid]
            continue
        try:
            clouds[tid], note = ct.check_declared_cloud(catalogue, declared.get(tid), answer, tid, option, id_option)
        except CloudError as exc:
            problems.append(str(exc))
            continue
        if note:
            module.warn(note)
    if problems:
        module.fail_json(msg="; ".join(problems))
    return clouds


def read_policy(client):
    """The policy, its default and every partner: one $batch, then any further pages of partners."""
    reads = [{"method": "GET", "url": "/" + ct.POLICY}, {"method": "GET", "url": "/" + ct.POLICY + "/default"},
             {"method": "GET", "url": "/" + ct.PARTNERS}]
    answers = client.batch(reads)
    for req, answer in zip(reads, answers):
        if answer["status"] != 200:
            raise client.batch_error(req, answer, permission=ct.READ_PERMISSION)
    policy, default, page = (a["body"] or {} for a in answers)
    partners = list(client.pages_from(page, permission=ct.READ_PERMISSION))
    return policy, default, dict((str(p.get("tenantId", "")).lower(), p) for p in partners)


def check_pairs(module, entries, clouds, enabled):
    """Unsupported pairs are refused. A partner cloud not enabled yet is to be enabled (enable_clouds), else refused
    (a warning in check mode). Returns (cross cloud by tenant ID, endpoints to enable)."""
    own, catalogue, problems, cross, missing = module.cloud, module.catalogue, [], {}, []
    for index, e in enumerate(entries):
        other = clouds[e["tenant_id"]]
        status = catalogue.pair_status(own, other)
        cross[e["tenant_id"]] = status != "same_cloud"
        if status == "unsupported":
            problems.append("%s lives in %s: %s. Fix: remove the entry"
                            % (pt.where(index, e), other.name, catalogue.explain_pair(own, other)))
        elif status == "supported" and other.endpoint not in enabled:
            if module.params["enable_clouds"]:
                if other.endpoint not in missing:
                    missing.append(other.endpoint)
                continue
            msg = ("%s lives in the %s cloud (%s), which this tenant has not enabled. Fix: enable_clouds: true, or "
                   "run entra.crosscloud.cloud_settings with clouds: [%s] first"
                   % (pt.where(index, e), other.name, other.endpoint, other.name))
            if module.check_mode:
                module.warn(msg + " (check mode: assuming an earlier task enables it)")
            else:
                problems.append(msg)
    if problems:
        module.fail_json(msg="; ".join(problems))
    return cross, missing


def plan(module, entries, default, existing, cross):
    plans = []
    problems = []
    for index, e in enumerate(entries):
        current = existing.get(e["tenant_id"])
        try:
            body, before, after = pt.plan_entry(e, current, default, cross[e["tenant_id"]], module.params["compact"])
        except access.AccessError as exc:
            problems.append("%s: %s" % (pt.where(index, e), exc))
            continue
        plans.append({"entry": e, "current": current, "body": body, "before": before, "after": after,
                      "new": current is None})
    if problems:
        module.fail_json(msg="; ".join(problems))
    return plans


def check_size(module, policy, default, existing, plans):
    stored = dict(existing)
    for p in plans:
        stored[p["entry"]["tenant_id"]] = pt.resulting(p["current"], p["entry"]["tenant_id"], p["body"])
    size = policy_size.policy_size(policy, default, list(stored.values()))
    result = {"bytes": size, "limit": policy_size.LIMIT, "headroom": policy_size.headroom(size)}
    if size > policy_size.LIMIT:
        module.fail_json(
            msg="partners: tenant %s's cross-tenant access policy would be about %d bytes after this task (%d partner "
                "entries), over Microsoft's limit of %d bytes (25 KB); nothing was written. Fix: %sset fewer explicit "
                "settings per partner, or remove partners that are no longer needed"
                % (module.params["tenant_id"], size, len(stored), policy_size.LIMIT,
                   "" if module.params["compact"] else "compact: true (settings equal to the default inherit it), "),
            policy_size=result)
    return result


def write(module, client, plans):
    """POST the new partners and PATCH the changed ones in $batch calls; returns (applied, problems)."""
    writes = [p for p in plans if p["body"] or p["new"]]
    requests_ = []
    for p in writes:
        tid = p["entry"]["tenant_id"]
        if p["new"]:
            requests_.append({"method": "POST", "url": "/" + ct.PARTNERS, "body": pt.create_body(tid, p["body"])})
        else:
            requests_.append({"method": "PATCH", "url": "/" + ct.partner_path(tid), "body": p["body"]})
    answers = client.batch(requests_) if requests_ else []
    applied, problems = [], []
    for p, req, answer in zip(writes, requests_, answers):
        tid = p["entry"]["tenant_id"]
        try:
            if answer["status"] in (200, 201, 204):
                pass
            elif p["new"] and answer.get("outcome_unknown"):
                # may or may not have been applied: read before sending again (never two POSTs for one partner)
                try:
                    client.create(ct.PARTNERS, req["body"], permission=ct.WRITE_PERMISSION,
                                  find=lambda path=ct.partner_path(tid): client.get_or_none(
                                      path, permission=ct.READ_PERMISSION))
                except GraphError as err:
                    if err.status != 409:
                        raise
                    # the first POST was applied but cannot be read yet; it carried the settings
                    # (await_new waits for it)
            elif p["new"] and answer["status"] == 409:
                # added meanwhile (or by an attempt Graph applied late): make its settings the planned ones
                if p["body"]:
                    client.patch(ct.partner_path(tid), p["body"], permission=ct.WRITE_PERMISSION, retry_404=True)
            elif not p["new"] and answer["status"] == 404:
                client.patch(ct.partner_path(tid), p["body"], permission=ct.WRITE_PERMISSION, retry_404=True)
            else:
                raise client.batch_error(req, answer, permission=ct.WRITE_PERMISSION)
            applied.append(tid)
        except GraphError as err:
            problems.append("%s: %s" % (tid, err))
    return applied, problems


def await_new(module, client, new_ids):
    """Return once every new partner can be read in the partner list (one paged GET per poll)."""
    if not new_ids:
        return
    wanted = set(new_ids)

    def all_visible():
        seen = set(str(p.get("tenantId", "")).lower() for p in client.paged(ct.PARTNERS, permission=ct.READ_PERMISSION))
        return True if wanted <= seen else None

    if client.await_replication(all_visible, "GET " + ct.PARTNERS) is None:
        module.fail_json(changed=True, msg="partners: added %s, but they still cannot be read back after %d s "
                                           "(Microsoft's replication). Fix: run again, or raise replication_wait"
                                           % (", ".join(sorted(wanted)), module.params["replication_wait"]))


def run(module, client):
    try:
        entries = pt.validate(module.params["partners"], module.params["tenant_id"])
    except pt.PartnersError as exc:
        module.fail_json(msg=str(exc))
    clouds = partner_clouds(module, entries) if entries else {}
    policy, default, existing = read_policy(client)
    enabled = list(policy.get("allowedCloudEndpoints") or [])
    cross, missing = check_pairs(module, entries, clouds, enabled)
    plans = plan(module, entries, default, existing, cross)
    size = check_size(module, dict(policy, allowedCloudEndpoints=enabled + missing), default, existing, plans)
    changing = [p for p in plans if p["body"] or p["new"]]
    if changing or missing:  # in check mode too: --check should tell that the run would be refused
        what = []
        if missing:
            what.append("enabling the clouds %s" % ", ".join(ct.friendly_names(module.catalogue, missing)))
        added = [p["entry"]["tenant_id"] for p in changing if p["new"]]
        updated = [p["entry"]["tenant_id"] for p in changing if not p["new"]]
        if added:
            what.append("adding partners %s" % ", ".join(added))
        if updated:
            what.append("changing the settings of %s" % ", ".join(updated))
        module.require_permissions("; ".join(what), pm.CROSS_TENANT_ACCESS)
    results = []
    for p in plans:
        tid = p["entry"]["tenant_id"]
        after = pt.resulting(p["current"], tid, p["body"])
        results.append({"tenant_id": tid, "cloud": clouds[tid].name, "cross_cloud": cross[tid],
                        "action": "added" if p["new"] else ("updated" if p["body"] else "unchanged"),
                        "changed_settings": sorted(access.option_names(dict((k, None) for k in p["body"]))),
                        "settings": pt.settings_of(after)})
    result = {"changed": bool(changing or missing), "partners": results, "policy_size": size,
              "clouds_enabled": ct.friendly_names(module.catalogue, missing),
              # what was read, as cross_tenant_access_info gives it: the verify role takes it instead of reading
              # the tenant again when this task wrote nothing
              "current": {"cloud_settings": {"clouds": ct.friendly_names(module.catalogue, enabled),
                                             "allowed_cloud_endpoints": list(enabled)},
                          "default": dict(pt.settings_of(default), is_service_default=default.get("isServiceDefault")),
                          "partners": [{"partner": p.get("tenantId"), "settings": pt.settings_of(p),
                                        "is_service_provider": p.get("isServiceProvider")}
                                       for p in existing.values()]}}
    if module._diff:
        result["diff"] = {
            "before": dict((p["entry"]["tenant_id"], None if p["new"] else access.option_names(p["before"]))
                           for p in changing),
            "after": dict((p["entry"]["tenant_id"], access.option_names(p["after"])) for p in changing)}
        if missing:
            result["diff"]["before"]["clouds"] = ct.friendly_names(module.catalogue, enabled)
            result["diff"]["after"]["clouds"] = ct.friendly_names(module.catalogue, enabled + missing)
    if missing and not module.check_mode:
        # Graph replaces the whole list: send what is enabled plus what the partners need, before adding them
        client.patch(ct.POLICY, {"allowedCloudEndpoints": enabled + missing}, permission=ct.WRITE_PERMISSION)
    if changing and not module.check_mode:
        applied, problems = write(module, client, plans)
        if problems:
            module.fail_json(changed=bool(applied), partners=results, applied=applied,
                             msg="partners: %d of %d writes failed, the others were applied (applied lists them): %s"
                                 % (len(problems), len(changing), "; ".join(problems)))
        await_new(module, client, [p["entry"]["tenant_id"] for p in changing if p["new"]])
    return result


def main():
    module = EntraModule(argument_spec=argument_spec())
    try:
        module.exit_json(**run(module, module.client))
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)


if __name__ == "__main__":
    main()
