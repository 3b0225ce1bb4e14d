# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the roles use to turn inventory data into decisions; the logic is module_utils/pairing.py.

Each filter is documented in the .yml file of its name beside this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.entra.crosscloud.plugins.module_utils import pairing
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, load_catalogue
from ansible_collections.entra.crosscloud.plugins.module_utils.collaboration import domain_lists_available
from ansible_collections.entra.crosscloud.plugins.module_utils.module import connection_argument_spec

# Host variables named like the modules' connection options: the shared argument spec names them.
CONNECTION_KEYS = tuple(connection_argument_spec())


def _catalogue(clouds_file):
    try:
        return load_catalogue(clouds_file or os.environ.get("ENTRA_CLOUDS_FILE") or None)
    except CloudError as exc:
        raise AnsibleFilterError(str(exc))


def _get(mapping, key, default=None):
    """mapping[key] for plain dicts and Ansible's lazily templated host variables alike."""
    try:
        value = mapping[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def connection(host_vars):
    """The module connection options a tenant's host variables give (plus its entra_connection mapping)."""
    out = {}
    for key in CONNECTION_KEYS:
        value = _get(host_vars, key)
        if value is not None and value != "":
            out[key] = value
    extra = _get(host_vars, "entra_connection", {})
    if not isinstance(extra, dict):
        raise AnsibleFilterError("entra_connection must be a mapping of connection options, got %r" % (extra,))
    unknown = sorted(set(extra) - set(CONNECTION_KEYS))
    if unknown:
        raise AnsibleFilterError("entra_connection: unknown option(s) %s; use any of %s"
                                 % (", ".join(unknown), ", ".join(CONNECTION_KEYS)))
    out.update((k, v) for k, v in extra.items() if v is not None)
    return out


def _clouds(hostvars, hosts):
    return dict((h, _get(_get(hostvars, h, {}), "cloud", "global")) for h in hosts)


def partnerships(data, hostvars, hosts, removal=False, clouds_file=None, sync=None):
    """entra_partnerships -> {pairs, problems, syncs} (see pairing.normalise); clouds come from each host's `cloud`;
    sync: entra_synchronization."""
    hosts = list(hosts or [])
    return pairing.normalise(data, hosts, _clouds(hostvars, hosts), _catalogue(clouds_file), removal=removal,
                             sync=sync)


def partners_of(pairs, host):
    return pairing.partners_of(pairs, host)


def _loop_results(registered):
    registered = registered if isinstance(registered, Mapping) else {}
    return [r for r in registered.get("results") or [] if isinstance(r, Mapping) and not r.get("skipped")]


def _sync_changes(sync_in, sync_out):
    """Readable lines for the synchronisation set up on one tenant: as target (sync_inbound results) and as source
    (sync_configuration results), both looped over this tenant's sync entries."""
    lines = []
    for r in _loop_results(sync_in):
        if r.get("changed"):
            lines.append("synchronisation from %s: policy %s" % ((r.get("item") or {}).get("source"), r.get("action")))
    for r in _loop_results(sync_out):
        if r.get("changed"):
            lines.append("synchronisation into %s: %s" % ((r.get("item") or {}).get("target"),
                                                          ", ".join(r.get("actions") or [])))
    return lines


def _partnership_changes(configured, mine, hostvars, baseline=None, sync_in=None, sync_out=None):
    """Readable lines for what the partnership role changed on one tenant (or would, in check mode): from its
    partners result (`configured`), its partners (partners_of), its external_collaboration result and its
    synchronisation results (sync_in, sync_out)."""
    # tenant ID -> inventory name, so partners are reported by the names the inventory gives them
    names = dict((str(_get(_get(hostvars, p["partner"], {}), "tenant_id", "")).lower(), p["partner"])
                 for p in mine or [])
    configured = configured if isinstance(configured, Mapping) else {}
    lines = []
    clouds = configured.get("clouds_enabled") or []
    if clouds:
        lines.append("cloud settings: %s enabled" % ", ".join(clouds))
    results = [p for p in configured.get("partners") or [] if isinstance(p, Mapping)]
    added = [names.get(str(p.get("tenant_id")).lower(), p.get("tenant_id")) for p in results
             if p.get("action") == "added"]
    if added:
        lines.append("partners added: %s" % ", ".join(added))
    for p in results:
        if p.get("action") == "updated":
            name = names.get(str(p.get("tenant_id")).lower(), p.get("tenant_id"))
            lines.append("access changed for %s: %s" % (name, ", ".join(p.get("changed_settings") or [])))
    baseline = baseline if isinstance(baseline, Mapping) else {}
    if baseline.get("changed"):
        lines.append("external collaboration: %s" % ", ".join(baseline.get("changed_settings") or []))
    return lines + _sync_changes(sync_in, sync_out)


def partners_by_tenant(pairs, hosts):
    """partners_of for every tenant at once: {host: its partners}."""
    pairs = list(pairs or [])
    return dict((host, pairing.partners_of(pairs, host)) for host in hosts or [])


def partnership_records(hosts, hostvars, by_tenant, configured_var="partnership_configured",
                        baseline_var="partnership_baseline", sync_in_var="partnership_sync_inbound",
                        sync_out_var="partnership_sync_configured"):
    """The partnership role's record for every tenant at once: {host: {partners, changes}}."""
    out = {}
    for host in hosts or []:
        hv = _get(hostvars, host, {})
        mine = (by_tenant or {}).get(host) or []
        out[host] = {"partners": mine, "changes": _partnership_changes(
            _get(hv, configured_var, {}), mine, hostvars, _get(hv, baseline_var, {}), _get(hv, sync_in_var, {}),
            _get(hv, sync_out_var, {}))}
    return out


def partner_entries(partners, hostvars):
    """The partners module's list for one tenant: each partner's tenant ID and declared cloud, and this
    side's settings."""
    out = []
    for item in partners or []:
        hv = _get(hostvars, item["partner"], {})
        entry = {"tenant_id": str(_get(hv, "tenant_id", ""))}
        if _get(hv, "cloud"):
            entry["cloud"] = _get(hv, "cloud")
        entry.update(item.get("settings") or {})
        out.append(entry)
    return out


def _people_with(guests, host, key):
    """Whether an entra_guests entry for this resource tenant gives someone `key` (a profile, groups)."""
    return any(isinstance(g, dict) and g.get("resource") == host and isinstance(g.get("people"), list)
               and any(isinstance(p, dict) and p.get(key) for p in g["people"]) for g in guests)


def _syncs_with(synchronization, role, host):
    """Whether an entra_synchronization entry has this tenant as its source (or target)."""
    return isinstance(synchronization, list) and any(isinstance(s, dict) and s.get(role) == host
                                                     for s in synchronization)


def tenant_problems(discovery, host, cloud, partnerships=None, guests=None, external_collaboration=None,
                    writes=True, verify=True, domain_lists=False, clouds_file=None, compact=True, policy_size=True,
                    conditional_access=None, synchronization=None):
    """Problems of one tenant from its tenant_info result and what the run will do there."""
    catalogue = _catalogue(clouds_file)
    entries, _problems = pairing.declared_pairs(partnerships)
    guests = guests if isinstance(guests, list) else []
    try:
        global_cloud = domain_lists_available(catalogue.resolve(cloud))
    except CloudError:
        global_cloud = False
    needs = pairing.required_permissions(
        has_partners=any(host in tenants for _w, tenants, _s in entries), writes=writes, verify=verify,
        domain_lists=domain_lists and global_cloud, external_collaboration=external_collaboration,
        invites_guests=any(isinstance(g, dict) and g.get("resource") == host and g.get("people") for g in guests),
        resolves_guests=any(isinstance(g, dict) and g.get("home") == host for g in guests),
        profiles_guests=_people_with(guests, host, "profile"), groups_guests=_people_with(guests, host, "groups"),
        licenses_guests=_people_with(guests, host, "licenses"), conditional_access=bool(conditional_access),
        sync_source=_syncs_with(synchronization, "source", host), sync_target=_syncs_with(synchronization, "target", host))
    problems = pairing.tenant_problems(host, cloud, dict(discovery or {}), catalogue, needs)
    if writes and policy_size:
        problems.extend(pairing.policy_size_problems(host, partnerships, compact)[1])
    return problems


TENANT_FIELDS = ("tenant_id", "cloud", "region_scope", "region_sub_scope", "display_name", "default_domain",
                 "permissions")


def tenant_records(hosts, hostvars, partnerships=None, guests=True, writes=True, verify=True, domain_lists=False,
                   policy_size=True, compact=True, discovery_var="preflight_discovery", clouds_file=None):
    """The preflight role's findings for every tenant at once: {host: {tenant, problems}}.

    One call for the play: Ansible reads each host's variables anew at every hostvars[host], and a filter run
    per host would parse the partnerships once per host."""
    out = {}
    for host in hosts or []:
        hv = _get(hostvars, host, {})
        found = _get(hv, discovery_var, {})
        tenant_id = _get(hv, "tenant_id")
        tenant = dict((key, _get(found, key)) for key in TENANT_FIELDS)
        tenant.update(name=host, tenant_id=_get(found, "tenant_id", tenant_id))
        if tenant_id is None:
            problems = ["%s: tenant_id is not set for this inventory host" % host]
        else:
            problems = tenant_problems(found, host, _get(hv, "cloud", "global"), partnerships=partnerships,
                                       guests=_get(hv, "entra_guests", []) if guests else [],
                                       external_collaboration=_get(hv, "entra_external_collaboration"),
                                       conditional_access=_get(hv, "entra_conditional_access"),
                                       synchronization=_get(hv, "entra_synchronization"),
                                       writes=writes, verify=verify, domain_lists=domain_lists,
                                       clouds_file=clouds_file, compact=compact, policy_size=policy_size)
        out[host] = {"tenant": tenant, "problems": problems}
    return out


def _reused(host_vars, check_mode, configured_var):
    """The partners task's `current` (what it read) when that task wrote nothing - it changed nothing, or ran in
    check mode - or None."""
    done = _get(host_vars, configured_var)
    if not isinstance(done, Mapping) or done.get("failed") or done.get("skipped") \
            or not isinstance(done.get("current"), Mapping):
        return None
    if done.get("changed") and not check_mode:
        return None
    return dict(done["current"], changed=False, reused=True)


def verify_plan(host_vars, check_mode=False, reuse=True, domain_lists=True, configured_var="partnership_configured",
                clouds_file=None):
    """What the verify role reads on one tenant: {read, full}. Nothing when the partnership step's read is its
    state (it wrote nothing there) and its domain lists are not checked; only the domain lists (commercial cloud)
    when that read is its state otherwise; else everything."""
    lists = False
    if domain_lists:
        try:
            lists = domain_lists_available(_catalogue(clouds_file).resolve(_get(host_vars, "cloud", "global")))
        except CloudError:
            lists = True   # let the module say what is wrong with the cloud
    if not reuse or _reused(host_vars, check_mode, configured_var) is None:
        return {"read": True, "full": True}
    return {"read": lists, "full": False}


def verify_export(host_vars, check_mode=False, reuse=True, domain_lists=True, read_var="verify_read",
                  configured_var="partnership_configured", clouds_file=None):
    """One tenant's export for the access matrix, after verify_plan's read: the read-back; or the partnership
    step's read (reused=true) with the domain lists read since, if any."""
    plan = verify_plan(host_vars, check_mode, reuse, domain_lists, configured_var, clouds_file)
    read = _get(host_vars, read_var)
    if plan["full"]:
        return read
    export = _reused(host_vars, check_mode, configured_var)
    if plan["read"]:
        if not isinstance(read, Mapping) or read.get("failed") or read.get("skipped"):
            return read     # the matrix says why it cannot decide
        export["external_collaboration"] = read.get("external_collaboration")
    return export


def access_matrix(pairs, hostvars, hosts, export_var="verify_export", tenant_var="preflight_tenant",
                  clouds_file=None):
    """Both directions of every pair, from each tenant's export (hostvars[host][export_var])."""
    tenants = {}
    for host in hosts or []:
        hv = _get(hostvars, host, {})
        facts = _get(hv, tenant_var, {})
        tenants[host] = {"tenant_id": str(_get(hv, "tenant_id", "")).lower(), "cloud": _get(hv, "cloud", "global"),
                         "domain": _get(facts, "default_domain"), "export": _get(hv, export_var)}
    try:
        return pairing.matrix(pairs, tenants, _catalogue(clouds_file))
    except (KeyError, CloudError) as exc:
        raise AnsibleFilterError("access_matrix: %s" % exc)


def sync_states(syncs, registered, check_mode=False):
    """Every synchronisation's verdict ({sync, ok, line}, see pairing.sync_state) from the registered result of a
    sync_configuration task looped over them (its results carry each item's source and target)."""
    results = _get(registered or {}, "results", []) or []
    out = []
    for sync in syncs or []:
        found = [r for r in results if (r.get("item") or {}).get("source") == sync["source"]
                 and (r.get("item") or {}).get("target") == sync["target"]]
        out.append(pairing.sync_state(sync, found[0] if found else None, check_mode=check_mode))
    return out


def matrix_report(rows):
    """One readable line per direction, then one per problem (with its side and fix)."""
    lines = []
    for row in rows or []:
        mark = "ok" if row["ok"] else "FAILED"
        expected = " (declared blocked)" if row["expected"] == "blocked" else ""
        lines.append("%s -> %s: %s%s [%s]" % (row["home"], row["resource"], row["status"], expected, mark))
        for p in row["problems"]:
            lines.append("    %s side (%s), %s: %s. Fix: %s"
                         % (p["side"], p["tenant"] or "both tenants", p["setting"], p["message"], p["fix"]))
        for note in row.get("notes") or []:
            lines.append("    note: %s" % note)
    return lines


def manual_steps(pairs, hostvars, tenant_var="preflight_tenant", clouds_file=None):
    """The steps Graph cannot do, per pair, with the command to run (pairing.manual_steps); each tenant's ID,
    cloud and default domain come from hostvars[host][tenant_var] (tenant_info's fields)."""
    tenants = {}
    for pair in pairs or []:
        for host in pair.get("tenants") or []:
            hv = _get(hostvars, host, {})
            found = _get(hv, tenant_var, {}) or {}
            tenants[host] = {"tenant_id": _get(found, "tenant_id") or _get(hv, "tenant_id"),
                             "cloud": _get(found, "cloud") or _get(hv, "cloud"),
                             "default_domain": _get(found, "default_domain")}
    return pairing.manual_steps(pairs, tenants, _catalogue(clouds_file))


def run_summary(hosts, hostvars, check_mode=False, manual=True, pairs_var="preflight_pairs"):
    """The closing summary of pair_tenants.yml: changes per tenant, the access matrix, guests, and (manual) the
    steps Graph cannot do, per pair."""
    hosts = list(hosts or [])
    lines = ["What %s on each tenant:" % ("would change" if check_mode else "changed")]
    for host in hosts:
        changes = _get(_get(hostvars, host, {}), "partnership_changes")
        if changes is None:
            lines.append("  %s: not configured (it failed earlier in this run)" % host)
        else:
            lines.append("  %s: %s" % (host, "; ".join(changes) if changes else "nothing"))
    rows = next((m for m in (_get(_get(hostvars, h, {}), "verify_matrix") for h in hosts) if m is not None), None)
    lines.append("Who can collaborate where (home tenant's users -> resource tenant)%s:"
                 % (" - the state before the predicted changes" if check_mode else ""))
    if rows is None:
        lines.append("  not verified (the verify step did not run)")
    else:
        lines.extend("  " + line for line in matrix_report(rows))
    guests = [(h, r) for h in hosts for r in (_get(_get(hostvars, h, {}), "guests_report") or [])]
    if guests:
        lines.append("Guests%s:" % (" (planned)" if check_mode else ""))
        for host, report in guests:
            words = (("invited", "invited"), ("existing", "already there"), ("skipped", "skipped, not found at home"),
                     ("profiled", "profile set"), ("licensed", "licensed"), ("joined", "added to groups"))
            parts = ["%s %s" % (word, ", ".join(report[key])) for key, word in words if report.get(key)]
            lines.append("  %s <- %s: %s" % (host, report.get("home"), "; ".join(parts) or "nobody"))
    pairs = next((p for p in (_get(_get(hostvars, h, {}), pairs_var) for h in hosts) if p is not None), None)
    if manual and pairs:
        steps = manual_steps(pairs, hostvars)
        if steps:
            lines.append("By hand - what Graph cannot do (docs/manual-steps.md; entra_manual_steps: false hides this):")
            lines.extend(pairing.manual_report(steps))
    return lines


def unused_clouds(removed, remaining, clouds_file=None):
    try:
        return pairing.unused_clouds(removed, remaining, _catalogue(clouds_file))
    except CloudError as exc:
        raise AnsibleFilterError("unused_clouds: %s" % exc)


def foreign_settings(export, host, removing, declared, hostvars, entries=None):
    """This tenant's partner entries about to be removed that hold settings pair_tenants did not make.

    export: this tenant's cross_tenant_access_info result; removing / declared: the pairs being taken
    apart and the pairs of entra_partnerships (partnerships filter, removal=true); entries: registered
    results of reading those partners whole (partner in check mode), for tenant_restrictions.
    """
    reason = pairing.unreadable(export)
    if reason:
        raise AnsibleFilterError("foreign_settings: %s's partner entries could not be read: %s" % (host, reason))
    read = dict((str(_get(_get(r, "partner", {}), "tenant_id", "")).lower(), _get(r, "partner", {}))
                for r in entries or [] if isinstance(r, dict))
    merged = []
    for partner in export["partners"]:
        whole = read.get(str(partner.get("partner")).lower()) or {}
        merged.append(dict(partner, tenant_restrictions=whole.get("tenant_restrictions")))
    sides = pairing.removal_sides(host, removing, declared)
    ids = dict((s["partner"], _get(_get(hostvars, s["partner"], {}), "tenant_id", "")) for s in sides)
    return pairing.foreign_entries(host, sides, ids, merged)


def foreign_report(hosts, hostvars, fact="partnership_foreign", delete=False):
    """Every tenant's foreign_settings (hostvars[host][fact]) as lines; tenants without the fact are listed
    as not checked. Returns {lines, found (how many entries), unchecked (tenants)}."""
    found, unchecked = [], []
    for host in hosts or []:
        value = _get(_get(hostvars, host, {}), fact)
        if value is None:
            unchecked.append(host)
        else:
            found.extend(value)
    return {"lines": pairing.foreign_report(found, unchecked, delete=delete), "found": len(found),
            "unchecked": unchecked}


def unpair_summary(hosts, hostvars, check_mode=False):
    """The closing summary of unpair_tenants.yml: per tenant what was removed, and what stays as
    pair_tenants set it (hostvars[host].partnership_unpaired, set by the partnership role's remove)."""
    lines = ["What %s on each tenant:" % ("would be removed" if check_mode else "was removed")]
    for host in hosts or []:
        done = _get(_get(hostvars, host, {}), "partnership_unpaired")
        if done is None:
            lines.append("  %s: not unpaired (it failed earlier in this run)" % host)
            continue
        parts = []
        if done.get("partners"):
            parts.append("partners removed: %s" % ", ".join(done["partners"]))
        if done.get("foreign"):
            parts.append("settings deleted with them: %s" % "; ".join(
                "%s: %s" % (f["partner"], ", ".join(f["settings"])) for f in done["foreign"]))
        if done.get("clouds"):
            parts.append("cloud settings turned off: %s" % ", ".join(done["clouds"]))
        lines.append("  %s: %s" % (host, "; ".join(parts) or "nothing"))
        if done.get("left"):
            lines.append("  %s: left as pair_tenants set them: %s" % (host, ", ".join(done["left"])))
    return lines


def not_restored(external_collaboration, clouds_left=None):
    return pairing.not_restored(external_collaboration, clouds_left)


def invites_for(entry, lookup=None):
    return pairing.invites_for(entry, lookup)


def partnerships_from_exports(hosts, hostvars, export_var="audit_export"):
    """entra_partnerships rebuilt from each host's export (hostvars[host][export_var])."""
    tenants = {}
    for host in hosts or []:
        hv = _get(hostvars, host, {})
        tenants[host] = {"tenant_id": str(_get(hv, "tenant_id", "")).lower(), "export": _get(hv, export_var)}
    return pairing.partnerships_from_exports(tenants)


def guest_plan(data, resource, hosts):
    try:
        return pairing.guest_plan(data, resource, list(hosts or []))
    except pairing.PairingError as exc:
        raise AnsibleFilterError(str(exc))


def guest_lookups(data, home, hosts):
    try:
        return pairing.guest_lookups(data, home, list(hosts or []))
    except pairing.PairingError as exc:
        raise AnsibleFilterError(str(exc))


def guest_invites(plan, hostvars, lookup_var="guests_lookup"):
    """guest_invitation's guests for all of a resource tenant's plan entries: each home tenant in the run
    looked its people up on its own host and registered the result as hostvars[home][lookup_var]."""
    homes = sorted(set(e["home"] for e in plan or [] if e.get("home_in_run")))
    lookups = dict((h, _get(_get(hostvars, h, {}), lookup_var)) for h in homes)
    try:
        return pairing.guest_invites(plan, lookups, _clouds(hostvars, homes))
    except pairing.PairingError as exc:
        raise AnsibleFilterError(str(exc))


def guest_problems(data, hosts):
    """Every problem of the `entra_guests` entries ([] when none), for preflight to report before any write."""
    return pairing.guest_problems(data, list(hosts or []))


def guest_work(data, hosts):
    """For every tenant at once: whom it looks up at home and its plan as a resource tenant,
    {host: {people, plan}}; the entries are checked once."""
    hosts = list(hosts or [])
    try:
        return pairing.guest_work(data, hosts)
    except pairing.PairingError as exc:
        raise AnsibleFilterError(str(exc))


def guest_outcomes(hosts, hostvars, work, lookup_var="guests_lookup", result_var="guests_invited",
                   report_var="guests_report", profile_var="guests_profiled", groups_var="guests_joined",
                   licenses_var="guests_licensed"):
    """For every tenant at once, after the invitations: {host: {report, problems}}. The report is appended to
    the tenant's earlier report (report_var); each problem names the resource tenant first."""
    out = {}
    for host in hosts or []:
        hv = _get(hostvars, host, {})
        plan = ((work or {}).get(host) or {}).get("plan") or []
        earlier = list(_get(hv, report_var, []) or [])
        if not plan:
            out[host] = {"report": earlier, "problems": []}
            continue
        invites = guest_invites(plan, hostvars, lookup_var)
        # each task's registered result, or {} where the task did not run (skipped, or its include was)
        results = [_get(hv, var, {}) for var in (result_var, profile_var, groups_var, licenses_var)]
        results = [r if isinstance(r, Mapping) else {} for r in results]
        out[host] = {"report": earlier + pairing.guest_report(invites, *results),
                     "problems": ["%s: %s" % (host, p) for p in invites["problems"]]}
    return out


def guest_report(invites, result=None, profile_result=None, groups_result=None, licenses_result=None):
    return pairing.guest_report(invites, result, profile_result, groups_result, licenses_result)


class FilterModule(object):
    def filters(self):
        return {
            "access_matrix": access_matrix,
            "connection": connection,
            "foreign_report": foreign_report,
            "foreign_settings": foreign_settings,
            "guest_invites": guest_invites,
            "guest_outcomes": guest_outcomes,
            "guest_lookups": guest_lookups,
            "guest_plan": guest_plan,
            "guest_report": guest_report,
            "guest_problems": guest_problems,
            "manual_steps": manual_steps,
            "guest_work": guest_work,
            "invites_for": invites_for,
            "matrix_report": matrix_report,
            "not_restored": not_restored,
            "partner_entries": partner_entries,
            "partners_by_tenant": partners_by_tenant,
            "partners_of": partners_of,
            "partnership_records": partnership_records,
            "partnerships": partnerships,
            "partnerships_from_exports": partnerships_from_exports,
            "run_summary": run_summary,
            "sync_states": sync_states,
            "tenant_problems": tenant_problems,
            "tenant_records": tenant_records,
            "unpair_summary": unpair_summary,
            "unused_clouds": unused_clouds,
            "verify_export": verify_export,
            "verify_plan": verify_plan,
        }
