# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: partnerships as inventory data, and what the roles decide from it.

Pure functions only (no Graph calls): the roles' filters (plugins/filter/pairing.py) wrap them.
- normalise(): the `entra_partnerships` variable -> validated pairs with each side's settings;
- partners_of(): one tenant's partners;
- required_permissions() / permission_problems(): what a run needs from each tenant's app;
- verdict(): can a user of a home tenant collaborate in a resource tenant, and what stands in the way;
- partnerships_from_exports(): cross_tenant_access_info exports back into `entra_partnerships`;
- guest_plan(): the `entra_guests` variable -> what to invite into one resource tenant;
- foreign_settings() and friends: what deleting a partner entry would take beyond pair_tenants' settings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils import collaboration as co
from ansible_collections.entra.crosscloud.plugins.module_utils import guests as guests_mod
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError
from ansible_collections.entra.crosscloud.plugins.module_utils import partners as partners_mod
from ansible_collections.entra.crosscloud.plugins.module_utils import policy_size

# Settings a side of a partnership may give: access_settings' options, in its words.
SIDE_OPTIONS = tuple(sorted(access.ALL_SETTINGS))
TRUST_FLAGS = tuple(sorted(access.TRUST))
CONSENT_FLAGS = tuple(sorted(access.CONSENT))
OPEN = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
        "applications": {"access": "allowed", "targets": ["all"]}}
# A side that says nothing collaborates both ways with everyone. The partners module stores a setting
# equal to the default as "inherit" when asked to keep entries compact; either way it is what applies.
DEFAULT_SIDE = {"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN}
PAIR_KEYS = ("tenants", "settings", "settings_by_tenant")
HUB_KEYS = ("hub", "spokes", "settings", "hub_settings", "spoke_settings")


class PairingError(Exception):
    """Bad partnership or guest data; the message names the entry, the value and the fix."""


def merge(base, over):
    """Recursive merge of settings: mappings merge key by key, anything else (lists too) replaces."""
    out = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _side_problems(where, settings, cross_cloud):
    """Every problem with one side's settings, checked as access_settings would check them."""
    problems = []
    if not isinstance(settings, dict):
        return ["%s must be a mapping of access settings, got %r" % (where, settings)]
    for option in sorted(set(settings) - set(SIDE_OPTIONS)):
        problems.append("%s: %r is not an access setting; use any of %s" % (where, option, ", ".join(SIDE_OPTIONS)))
    for option in sorted(set(settings) & set(access.B2B_SETTINGS)):
        value = settings[option]
        if value is None:
            continue
        if not isinstance(value, dict) or set(value) - set(access.KINDS):
            problems.append("%s: %s must be a mapping with users_and_groups and/or applications, got %r"
                            % (where, option, value))
            continue
        graph = {}
        for kind_option, kind in access.KINDS.items():
            half = value.get(kind_option)
            if half is None:
                continue
            try:
                if not isinstance(half, dict):
                    raise access.AccessError("%s.%s must be a mapping with access and targets, got %r"
                                             % (option, kind_option, half))
                graph[kind] = access.to_graph_target_config(option, kind_option, half)
            except access.AccessError as exc:
                problems.append("%s: %s" % (where, exc))
        try:
            access.check_consistency(option, graph, cross_cloud)
        except access.AccessError as exc:
            problems.append("%s: %s" % (where, exc))
    for option, flags in (("inbound_trust", TRUST_FLAGS), ("automatic_user_consent", CONSENT_FLAGS)):
        value = settings.get(option)
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append("%s: %s must be a mapping of %s, got %r" % (where, option, ", ".join(flags), value))
            continue
        for flag in sorted(value):
            if flag not in flags:
                problems.append("%s: %s: %r is not a flag; use any of %s" % (where, option, flag, ", ".join(flags)))
            elif not isinstance(value[flag], bool):
                problems.append("%s: %s.%s must be true or false, got %r" % (where, option, flag, value[flag]))
    return problems


def declared_pairs(data):
    """(where, tenants, side settings by tenant) for each pair the data declares, plus problems."""
    out, problems = [], []
    if data is None:
        return out, problems
    if not isinstance(data, list):
        return out, ["entra_partnerships must be a list of pairs ({tenants: [a, b]}) or hubs ({hub: h, spokes: "
                     "[...]}), got %r" % (data,)]
    for index, entry in enumerate(data):
        where = "entra_partnerships[%d]" % index
        if isinstance(entry, (list, tuple)):
            entry = {"tenants": list(entry)}
        if not isinstance(entry, dict):
            problems.append("%s must be {tenants: [a, b]} or {hub: h, spokes: [...]}, got %r" % (where, entry))
            continue
        if "hub" in entry:
            unknown = sorted(set(entry) - set(HUB_KEYS))
            spokes = entry.get("spokes")
            if unknown or not isinstance(spokes, list) or not spokes:
                problems.append("%s: a hub entry takes %s, with a non-empty list of spokes%s"
                                % (where, ", ".join(HUB_KEYS),
                                   ("; unknown key(s) %s" % ", ".join(unknown)) if unknown else ""))
                continue
            common = entry.get("settings") or {}
            hub_side = merge(common, entry.get("hub_settings"))
            spoke_side = merge(common, entry.get("spoke_settings"))
            for spoke in spokes:
                out.append(("%s (spoke %s)" % (where, spoke), [entry["hub"], spoke],
                            {entry["hub"]: hub_side, spoke: spoke_side}))
            continue
        unknown = sorted(set(entry) - set(PAIR_KEYS))
        tenants = entry.get("tenants")
        if unknown or not isinstance(tenants, list) or len(tenants) != 2:
            problems.append("%s: a pair entry takes tenants (exactly two inventory hosts), settings and "
                            "settings_by_tenant%s" % (where, ("; unknown key(s) %s" % ", ".join(unknown))
                                                      if unknown else ""))
            continue
        by_tenant = entry.get("settings_by_tenant") or {}
        if not isinstance(by_tenant, dict) or set(by_tenant) - set(tenants):
            problems.append("%s.settings_by_tenant must map the pair's own tenants (%s) to settings"
                            % (where, ", ".join(str(t) for t in tenants)))
            continue
        common = entry.get("settings") or {}
        out.append((where, list(tenants), dict((t, merge(common, by_tenant.get(t))) for t in tenants)))
    return out, problems


SYNC_KEYS = ("source", "target", "name", "users", "groups", "scope", "started")
SYNC_SCOPES = ("assigned", "all")


def _sync_entry_problems(where, entry):
    problems = []
    for key in ("users", "groups"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problems.append("%s: %s must be a list of %s, got %r" % (
                where, key, "user principal names or object IDs" if key == "users" else "group IDs or names", value))
    if entry.get("scope", "assigned") not in SYNC_SCOPES:
        problems.append("%s: scope must be one of %s, got %r" % (where, ", ".join(SYNC_SCOPES), entry.get("scope")))
    if not isinstance(entry.get("started", True), bool):
        problems.append("%s: started must be true or false, got %r" % (where, entry.get("started")))
    if entry.get("name") is not None and not (isinstance(entry["name"], str) and entry["name"].strip()):
        problems.append("%s: name must be a non-empty string, got %r" % (where, entry.get("name")))
    return problems


def synchronisations(data, pairs, clouds, catalogue):
    """Check `entra_synchronization` ([{source, target, name, users, groups, scope, started}]) against the pairs;
    return (syncs, problems). Each sync turns automatic redemption on where Microsoft needs it: outbound in the
    source's entry for the target, inbound in the target's entry for the source (merged into `pairs` here)."""
    syncs, problems, seen = [], [], set()
    if data is None:
        return syncs, problems
    if not isinstance(data, list):
        return syncs, ["entra_synchronization must be a list of {source, target, ...} entries, got %r" % (data,)]
    by_tenants = dict((frozenset(p["tenants"]), p) for p in pairs)
    for index, entry in enumerate(data):
        where = "entra_synchronization[%d]" % index
        if not isinstance(entry, dict) or set(entry) - set(SYNC_KEYS) or not entry.get("source") \
                or not entry.get("target"):
            problems.append("%s: an entry takes source and target (inventory hosts) and optionally %s; got %r"
                            % (where, ", ".join(SYNC_KEYS[2:]), entry))
            continue
        source, target = str(entry["source"]), str(entry["target"])
        where = "%s (%s -> %s)" % (where, source, target)
        pair = by_tenants.get(frozenset((source, target)))
        if source == target or pair is None:
            problems.append("%s: %s and %s are not a declared pair. Fix: declare the pair in entra_partnerships "
                            "first; synchronisation needs the partner entries on both sides" % (where, source, target))
            continue
        if (source, target) in seen:
            problems.append("%s: listed twice; list each direction once" % where)
            continue
        seen.add((source, target))
        status = catalogue.sync_status(clouds[source], clouds[target])
        if status == "unsupported":
            problems.append("%s: %s" % (where, catalogue.explain_sync(clouds[source], clouds[target])))
            continue
        entry_problems = _sync_entry_problems(where, entry)
        for host, flag in ((source, "outbound"), (target, "inbound")):
            consent = pair["settings"][host].get("automatic_user_consent") or {}
            if consent.get(flag) is False:
                entry_problems.append("%s: %s's side sets automatic_user_consent.%s false, but synchronised users "
                                      "are redeemed automatically only when it is true in both tenants. Fix: drop it "
                                      "or set it true" % (where, host, flag))
        if entry_problems:
            problems.extend(entry_problems)
            continue
        for host, flag in ((source, "outbound"), (target, "inbound")):
            pair["settings"][host] = merge(pair["settings"][host], {"automatic_user_consent": {flag: True}})
        sync = {"source": source, "target": target, "source_cloud": clouds[source], "target_cloud": clouds[target],
                "cross_cloud": status == "supported", "pair": pair["name"],
                "name": (entry.get("name") or "%s to %s" % (source, target)).strip(),
                "users": list(entry.get("users") or []), "groups": list(entry.get("groups") or []),
                "scope": entry.get("scope", "assigned"), "started": entry.get("started", True),
                "licence": catalogue.explain_sync(clouds[source], clouds[target])}
        pair.setdefault("syncs", []).append(sync)
        syncs.append(sync)
    return syncs, problems


def normalise(data, hosts, clouds, catalogue, removal=False, sync=None):
    """Validate `entra_partnerships`; return {"pairs": [...], "problems": [...]}, every problem at once.

    hosts: the inventory hosts (tenants) in this run; clouds: host -> declared cloud name;
    removal: the pairs are to be taken apart, so their settings and cloud pair do not matter.
    Each pair: name, tenants [a, b], status (same_cloud / supported / unsupported), explanation,
    cross_cloud, settings {a: side settings, b: ...} (DEFAULT_SIDE merged with what the data says).
    """
    entries, problems = declared_pairs(data)
    hosts = list(hosts or [])
    pairs, seen = [], {}
    for where, tenants, sides in entries:
        a, b = [str(t) for t in tenants]
        name = "%s <-> %s" % (a, b)
        missing = [t for t in (a, b) if t not in hosts]
        if a == b:
            problems.append("%s: %s is paired with itself; a pair is two different tenants" % (where, a))
            continue
        if missing:
            problems.append("%s (%s): %s not in this run's tenants (%s). Fix: add it to the inventory group, or "
                            "drop --limit; both sides of a pair are configured together"
                            % (where, name, " and ".join(missing), ", ".join(hosts) or "none"))
            continue
        key = frozenset((a, b))
        if key in seen:
            problems.append("%s (%s) repeats %s; list each pair once" % (where, name, seen[key]))
            continue
        seen[key] = where
        try:
            status = catalogue.pair_status(clouds[a], clouds[b])
            explanation = catalogue.explain_pair(clouds[a], clouds[b])
        except (CloudError, KeyError) as exc:
            problems.append("%s (%s): %s" % (where, name, exc))
            continue
        if status == "unsupported" and not removal:
            problems.append("%s (%s): %s" % (where, name, explanation))
        cross_cloud = status != "same_cloud"
        settings = {}
        for tenant in (a, b):
            side = merge(DEFAULT_SIDE, sides[tenant])
            if not removal:
                problems.extend(_side_problems("%s, %s's side" % (where, tenant), side, cross_cloud))
            settings[tenant] = side
        pairs.append({"name": name, "tenants": [a, b], "status": status, "explanation": explanation,
                      "cross_cloud": cross_cloud, "settings": settings})
    # for removal too: what pair_tenants wrote (automatic redemption, the target's policy) is then not foreign
    syncs, sync_problems = synchronisations(sync, [p for p in pairs if p["status"] != "unsupported"], clouds,
                                            catalogue)
    if not removal:
        problems.extend(sync_problems)
    return {"pairs": pairs, "problems": problems, "syncs": syncs}


def partners_of(pairs, host):
    """The partners of one tenant: [{partner, pair, status, cross_cloud, settings (this side's)}]."""
    out = []
    for pair in pairs or []:
        if host not in pair["tenants"] or pair["status"] == "unsupported":
            continue
        other = [t for t in pair["tenants"] if t != host][0]
        out.append({"partner": other, "pair": pair["name"], "status": pair["status"],
                    "cross_cloud": pair["cross_cloud"], "settings": pair["settings"][host]})
    return out


# ---- permissions ----------------------------------------------------------------------------------

# What a run does -> application permissions, any one of which is enough (Microsoft's least
# privileged first; the higher ones Graph also accepts).
CAPABILITIES = {
    "read cross-tenant access settings": ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess"),
    "change cross-tenant access settings": ("Policy.ReadWrite.CrossTenantAccess",),
    "read who may invite and the guest role": ("Policy.Read.All", "Policy.ReadWrite.Authorization"),
    "change who may invite and the guest role": ("Policy.ReadWrite.Authorization",),
    "read the email one-time passcode setting": ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"),
    "change the email one-time passcode setting": ("Policy.ReadWrite.AuthenticationMethod",),
    "read whether guests may leave": ("Policy.Read.All", "Policy.ReadWrite.ExternalIdentities"),
    "change whether guests may leave": ("Policy.ReadWrite.ExternalIdentities",),
    "read the domain allow/block list": ("Policy.Read.B2BManagementPolicy", "Policy.ReadWrite.B2BManagementPolicy"),
    "change the domain allow/block list": ("Policy.ReadWrite.B2BManagementPolicy",),
    "read users and guests": ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
                              "Directory.ReadWrite.All"),
    "invite guests": ("User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"),
    "change guests' profiles": ("User.ReadWrite.All", "Directory.ReadWrite.All"),
    "read groups and their members": ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All",
                                      "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"),
    "add guests to groups": ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"),
    "read the tenant's licences": ("Organization.Read.All", "LicenseAssignment.Read.All", "Directory.Read.All",
                                   "Organization.ReadWrite.All", "LicenseAssignment.ReadWrite.All",
                                   "Directory.ReadWrite.All"),
    "assign licences": ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"),
    "read Conditional Access policies": ("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"),
    "change Conditional Access policies": ("Policy.ReadWrite.ConditionalAccess",),
    "allow synchronisation into the tenant": ("Policy.ReadWrite.CrossTenantAccess",
                                              "Policy.ReadWrite.CrossTenantUserProfileSharing"),
    "read synchronisation configurations": ("Application.Read.All", "Application.ReadWrite.All",
                                            "Directory.Read.All", "Directory.ReadWrite.All"),
    "create synchronisation configurations": ("Application.ReadWrite.All", "Directory.ReadWrite.All"),
    "read synchronisation jobs": ("Synchronization.Read.All", "Synchronization.ReadWrite.All"),
    "run synchronisation jobs": ("Synchronization.ReadWrite.All",),
    "assign users to synchronisation": ("AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
                                        "Directory.ReadWrite.All"),
}


def required_permissions(has_partners=False, writes=True, verify=True, domain_lists=False,
                         external_collaboration=None, invites_guests=False, resolves_guests=False,
                         profiles_guests=False, groups_guests=False, licenses_guests=False,
                         conditional_access=False, sync_source=False, sync_target=False):
    """The capabilities (CAPABILITIES keys) one tenant's app needs for what the run does there.

    writes=False is a check-mode run: reading is enough. domain_lists: the verify step reads the
    tenant's domain allow/block list (commercial cloud only).
    """
    needs = []

    def need(*names):
        needs.extend(n for n in names if n not in needs)
    if has_partners or verify:
        need("read cross-tenant access settings")
    if has_partners and writes:
        need("change cross-tenant access settings")
    if verify:
        need("read who may invite and the guest role", "read the email one-time passcode setting")
        if domain_lists:
            need("read the domain allow/block list")
    ext = external_collaboration or {}
    if any(ext.get(k) is not None for k in co.AUTHZ_OPTIONS):
        need("read who may invite and the guest role")
        if writes:
            need("change who may invite and the guest role")
    if ext.get("email_otp_for_guests") is not None:
        need("read the email one-time passcode setting")
        if writes:
            need("change the email one-time passcode setting")
    if ext.get("allow_external_identities_to_leave") is not None:
        need("read whether guests may leave")
        if writes:
            need("change whether guests may leave")
    if ext.get("allowed_domains") is not None or ext.get("blocked_domains") is not None:
        need("read the domain allow/block list")
        if writes:
            need("change the domain allow/block list")
    if invites_guests or resolves_guests:
        need("read users and guests")
    if invites_guests and writes:
        need("invite guests")
    if profiles_guests and writes:
        need("change guests' profiles")
    if groups_guests:
        need("read groups and their members")
        if writes:
            need("add guests to groups")
    if conditional_access and has_partners:
        need("read Conditional Access policies")
        if writes:
            need("change Conditional Access policies")
    if licenses_guests:
        need("read the tenant's licences")
        if writes:
            need("assign licences")
    if sync_target and writes:
        need("allow synchronisation into the tenant")
    if sync_source:
        need("read synchronisation configurations", "read synchronisation jobs")
        if writes:
            need("create synchronisation configurations", "run synchronisation jobs", "assign users to synchronisation")
    return needs


def permission_problems(tenant, granted, needs):
    """One line per capability the granted permissions do not cover, naming what to grant."""
    granted = set(granted or [])
    out = []
    for capability in needs:
        choices = CAPABILITIES[capability]
        if not granted.intersection(choices):
            out.append("%s: the app cannot %s. Fix: grant the application permission %s (admin consent) to the app "
                       "in this tenant%s" % (tenant, capability, choices[0],
                                             (" (or one of %s)" % ", ".join(choices[1:])) if len(choices) > 1 else ""))
    return out


def tenant_problems(host, declared_cloud, discovery, catalogue, needs):
    """What stops one tenant from taking part, from its tenant_info result (run with its credentials).

    discovery: the registered tenant_info result (failed ones included); needs: required_permissions().
    """
    discovery = discovery or {}
    problems = []
    # registered with failed_when: false, a failed module still carries its msg (and, when only the
    # sign-in failed, what discovery found)
    if discovery.get("failed") or discovery.get("msg"):
        problems.append("%s: %s" % (host, discovery.get("msg") or "the tenant could not be checked"))
    elif discovery.get("token_source") is None:
        problems.append("%s: no credentials: give client_id with client_secret or client_certificate_path (or "
                        "access_token) for this inventory host" % host)
    if not discovery.get("cloud"):
        return problems
    try:
        declared = catalogue.resolve(declared_cloud)
    except CloudError as exc:
        return problems + ["%s: cloud: %s" % (host, exc)]
    if discovery.get("cloud") != declared.name:
        sub_scope = (", sub-scope %s" % discovery["region_sub_scope"]) if discovery.get("region_sub_scope") else ""
        problems.append("%s: the inventory says cloud %s, but the tenant lives in %s (region scope %s%s). Fix: set "
                        "cloud: %s for %s" % (host, declared.name, discovery.get("cloud"), discovery.get("region_scope"),
                                              sub_scope, discovery.get("cloud"), host))
    if discovery.get("b2b_supported") is False:
        problems.append("%s: the tenant's region scope %s (legacy US Government) cannot take part in B2B "
                        "collaboration at all; Microsoft supports it only for USGov tenants"
                        % (host, discovery.get("region_scope")))
    if discovery.get("permissions") is not None:
        problems.extend(permission_problems(host, discovery["permissions"], needs))
    return problems


# Microsoft's system default (crossTenantAccessPolicyConfigurationDefault): everyone in and out, no trust.
def _everyone(target, kind):
    return {"accessType": "allowed", "targets": [{"target": target, "targetType": kind}]}


SYSTEM_DEFAULT_B2B = {"usersAndGroups": _everyone("AllUsers", "user"),
                      "applications": _everyone("AllApplications", "application")}
SYSTEM_DEFAULT = {"b2bCollaborationInbound": SYSTEM_DEFAULT_B2B, "b2bCollaborationOutbound": SYSTEM_DEFAULT_B2B,
                  "b2bDirectConnectInbound": None, "b2bDirectConnectOutbound": None,
                  "inboundTrust": {"isMfaAccepted": False, "isCompliantDeviceAccepted": False,
                                   "isHybridAzureADJoinedDeviceAccepted": False}}
# a placeholder ID: every tenant ID is a GUID of the same length, so the size does not depend on which
SIZE_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


def policy_size_problems(host, partnerships, compact=True):
    """The size of this tenant's cross-tenant access policy once the run has added its partners, estimated as
    the partners module will store them (against Microsoft's system default, the partners the run adds only);
    a problem when it would not fit Microsoft's 25 KB. Returns (size, problems)."""
    entries, _problems = declared_pairs(partnerships)
    partners = []
    for _where, tenants, sides in entries:
        if host not in [str(t) for t in tenants]:
            continue
        side = merge(DEFAULT_SIDE, sides.get(host) or {})
        entry = dict((k, None) for k in access.ALL_SETTINGS)
        entry.update(side, tenant_id=SIZE_PLACEHOLDER_ID, inherit=None)
        try:
            body, _before, _after = partners_mod.plan_entry(entry, None, SYSTEM_DEFAULT, False, compact)
        except (access.AccessError, AttributeError, KeyError, TypeError):
            continue   # refused with its own message by the partnership checks
        partners.append(partners_mod.create_body(SIZE_PLACEHOLDER_ID, body))
    size = policy_size.policy_size({}, SYSTEM_DEFAULT, partners)
    if size <= policy_size.LIMIT:
        return size, []
    return size, ["%s: its cross-tenant access policy would be about %d bytes with the run's %d partners, over "
                  "Microsoft's limit of %d bytes (25 KB). Fix: %sfewer explicit settings per partner, or fewer "
                  "partners for this tenant" % (host, size, len(partners), policy_size.LIMIT,
                                                "" if compact else "set partnership_compact: true (settings equal "
                                                                   "to the default inherit it), ")]


# ---- effective access -----------------------------------------------------------------------------

def _reach(setting):
    """How much of a {users_and_groups, applications} setting gets through: 'all', 'some' or 'none'."""
    levels = []
    for kind in ("users_and_groups", "applications"):
        half = (setting or {}).get(kind)
        if half is None:
            return "none"
        everyone = "all" in [t if isinstance(t, str) else None for t in half.get("targets") or []]
        if half.get("access") == "allowed":
            levels.append("all" if everyone else "some")
        else:
            levels.append("none" if everyone else "some")
    if "none" in levels:
        return "none"
    return "all" if levels == ["all", "all"] else "some"


def _effective(export, partner_tenant_id, key, cross_cloud):
    """(setting, where it comes from) that applies to a partner, as Entra evaluates it.

    A partner's unset setting (or half) inherits the tenant default. A tenant in another cloud without
    a partner entry is blocked: enabling its cloud leaves B2B with it blocked until it is added, then
    the default or the partner's own settings apply (Microsoft's cross-cloud settings guide).
    """
    partner = next((p for p in export.get("partners") or [] if p.get("partner") == partner_tenant_id), None)
    default = (export.get("default") or {}).get(key)
    if partner is None:
        return (None, "no partner entry") if cross_cloud else (default, "the default (no partner entry)")
    value = (partner.get("settings") or {}).get(key)
    if value is None:
        return default, "the default (the partner entry inherits)"
    merged = dict((k, value.get(k) if value.get(k) is not None else (default or {}).get(k))
                  for k in ("users_and_groups", "applications"))
    return merged, "the partner entry"


def _domain_refused(external, domain):
    if not domain or not external:
        return None
    allowed, blocked = external.get("allowed_domains"), external.get("blocked_domains")

    def hit(entry):
        entry = entry.lower()
        return domain == entry or (entry.startswith("*.") and domain.endswith(entry[1:]))
    if allowed:
        return None if any(hit(d) for d in allowed) else "allow list (%s)" % ", ".join(allowed)
    if blocked and any(hit(d) for d in blocked):
        return "block list (%s)" % ", ".join(blocked)
    return None


def unreadable(export):
    """Why a tenant's read-back cannot be trusted, or None: a failed or skipped task registers a result
    too, and deciding from it would blame settings that may well be in place."""
    if not export:
        return "it failed earlier in this run"
    if export.get("failed") or export.get("skipped") or export.get("unreachable"):
        msg = str(export.get("msg") or ("skipped" if export.get("skipped") else "failed")).splitlines()[0]
        return msg[:300]
    if not isinstance(export.get("partners"), list) or not isinstance(export.get("cloud_settings"), dict):
        return "the read-back result is incomplete"
    return None


def verdict(home, resource, catalogue):
    """Can users of `home` collaborate (as B2B guests) in `resource`?

    home/resource: {name, tenant_id, cloud, domain (home's user domain, optional), export (the
    cross_tenant_access_info result, None when it could not be read), declared (this side's settings
    from normalise)}. Returns {home, resource, status: open|restricted|blocked|unknown, expected:
    open|blocked, ok, problems: [{side, tenant, setting, message, fix}], notes: [...]}.
    """
    out = {"home": home["name"], "resource": resource["name"], "status": "open", "expected": "open",
           "ok": False, "problems": [], "notes": []}

    def problem(side, setting, message, fix):
        tenant = home if side == "home" else resource
        out["problems"].append({"side": side, "tenant": tenant["name"] if side != "both" else None,
                                "setting": setting, "message": message, "fix": fix})

    for side, t in (("home", home), ("resource", resource)):
        reason = unreadable(t.get("export"))
        if reason:
            out["status"] = "unknown"
            problem(side, "export", "unknown: %s could not be read back (%s)" % (t["name"], reason),
                    "fix the failure reported for %s above and run again" % t["name"])
    declared = [_reach((home.get("declared") or {}).get("b2b_collaboration_outbound")),
                _reach((resource.get("declared") or {}).get("b2b_collaboration_inbound"))]
    if "none" in declared:
        out["expected"] = "blocked"
    if out["status"] == "unknown":
        return out
    hc, rc = catalogue.resolve(home["cloud"]), catalogue.resolve(resource["cloud"])
    status = catalogue.pair_status(hc, rc)
    cross_cloud = status != "same_cloud"
    if status == "unsupported":
        problem("both", "cloud_pair", catalogue.explain_pair(hc, rc), "remove this pair")
    elif cross_cloud:
        for side, t, other, oc in (("home", home, resource, rc), ("resource", resource, home, hc)):
            enabled = (t["export"].get("cloud_settings") or {}).get("allowed_cloud_endpoints") or []
            if oc.endpoint not in enabled:
                problem(side, "cloud_settings", "%s has not enabled the %s cloud (%s) in its Microsoft cloud settings"
                        % (t["name"], oc.name, oc.endpoint),
                        "entra.crosscloud.cloud_settings with clouds: [%s] on %s" % (oc.name, t["name"]))
            if not any(p.get("partner") == other["tenant_id"] for p in t["export"].get("partners") or []):
                problem(side, "partner", "%s has not added %s (%s) as a partner organisation"
                        % (t["name"], other["name"], other["tenant_id"]),
                        "entra.crosscloud.partner with partner_tenant_id: %s on %s" % (other["tenant_id"], t["name"]))
    levels = []
    for side, t, other, key in (("home", home, resource, "b2b_collaboration_outbound"),
                                ("resource", resource, home, "b2b_collaboration_inbound")):
        setting, source = _effective(t["export"], other["tenant_id"], key, cross_cloud)
        level = _reach(setting)
        levels.append(level)
        words = "outbound" if side == "home" else "inbound"
        if level == "none":
            problem(side, key, "%s's %s B2B collaboration for %s blocks everyone (from %s)"
                    % (t["name"], words, other["name"], source),
                    "entra.crosscloud.access_settings with partner: %s and %s allowing the users and applications "
                    "on %s" % (other["tenant_id"], key, t["name"]))
        elif level == "some":
            out["notes"].append("%s's %s B2B collaboration for %s admits only some users or applications"
                                % (t["name"], words, other["name"]))
    refused = _domain_refused(resource["export"].get("external_collaboration"), (home.get("domain") or "").lower())
    if refused:
        problem("resource", "domain_list", "%s's domain %s is refused by %s's %s"
                % (home["name"], home["domain"], resource["name"], refused),
                "entra.crosscloud.external_collaboration on %s: allow %s or remove it from the block list"
                % (resource["name"], home["domain"]))
    elif not home.get("domain"):
        out["notes"].append("domain lists not checked: %s's domain is not known" % home["name"])
    if out["problems"]:
        out["status"] = "blocked"
    elif "some" in levels:
        out["status"] = "restricted"
    out["ok"] = (out["status"] == "blocked") == (out["expected"] == "blocked")
    return out


def matrix(pairs, tenants, catalogue):
    """verdict() for both directions of every supported pair; tenants: name -> verdict() input."""
    rows = []
    for pair in pairs or []:
        if pair["status"] == "unsupported":
            continue
        a, b = pair["tenants"]
        for home, resource in ((a, b), (b, a)):
            h = dict(tenants[home], name=home, declared=pair["settings"][home])
            r = dict(tenants[resource], name=resource, declared=pair["settings"][resource])
            rows.append(dict(verdict(h, r, catalogue), pair=pair["name"]))
    return rows


# ---- audit ----------------------------------------------------------------------------------------

EXPORTED_OPTIONS = tuple(access.ALL_SETTINGS)   # access_settings' own order, for readable exports


def _side_from_export(settings):
    out = {}
    for option in EXPORTED_OPTIONS:
        value = (settings or {}).get(option)
        if value is None or (isinstance(value, dict) and all(v is None for v in value.values())):
            continue
        out[option] = value
    return out


def partnerships_from_exports(tenants):
    """Rebuild `entra_partnerships` from exports; tenants: name -> {tenant_id, export}.

    Returns {"entra_partnerships": [...], "half_pairs": [...], "external_partners": [...]}: a pair
    needs both tenants to list each other; one-sided entries and partners outside the inventory
    are reported, not guessed at.
    """
    by_id = dict((str(t["tenant_id"]).lower(), name) for name, t in tenants.items())
    pairs, half, external, done = [], [], [], set()
    for name in sorted(tenants):
        export = tenants[name].get("export") or {}
        for partner in export.get("partners") or []:
            other = by_id.get(str(partner.get("partner")).lower())
            if other is None:
                external.append({"tenant": name, "partner_tenant_id": partner.get("partner")})
                continue
            key = frozenset((name, other))
            if key in done:
                continue
            back = next((p for p in (tenants[other].get("export") or {}).get("partners") or []
                         if str(p.get("partner")).lower() == str(tenants[name]["tenant_id"]).lower()), None)
            if back is None:
                half.append({"tenant": name, "partner": other})
                continue
            done.add(key)
            pairs.append({"tenants": [name, other],
                          "settings_by_tenant": {name: _side_from_export(partner.get("settings")),
                                                 other: _side_from_export(back.get("settings"))}})
    return {"entra_partnerships": pairs, "half_pairs": half, "external_partners": external}


def unused_clouds(removed, remaining, catalogue):
    """Clouds (names) of removed partners that no remaining partner lives in, compared by endpoint
    (usgov and usgov_dod are one Entra cloud), so cloud settings can be turned off safely."""
    keep = set(catalogue.resolve(c).endpoint for c in remaining or [])
    out, seen = [], set()
    for name in removed or []:
        cloud = catalogue.resolve(name)
        if cloud.endpoint not in keep and cloud.endpoint not in seen:
            seen.add(cloud.endpoint)
            out.append(cloud.name)
    return out


# ---- unpairing ------------------------------------------------------------------------------------

# What deleting a partner entry takes with it beyond pair_tenants' own settings, in a fixed order.
FOREIGN_ORDER = ("identity_synchronization", "b2b_direct_connect_inbound", "b2b_direct_connect_outbound",
                 "tenant_restrictions", "automatic_user_consent", "inbound_trust", "b2b_collaboration_inbound",
                 "b2b_collaboration_outbound", "is_service_provider")
# external_collaboration options that qualify another option rather than set anything themselves
BASELINE_MODIFIERS = ("domains_state", "domains_exclusive")


def _holds(value):
    """Whether a setting as read holds anything: Graph reports an unset consent as a mapping of nulls."""
    if isinstance(value, dict):
        return any(_holds(v) for v in value.values())
    return value is not None


def _b2b_differs(option, found, declared):
    """Whether a B2B setting as read has a half other than the declared one.

    A half read as null inherits, so deleting the entry loses nothing there; a half the data does not
    declare was filled in by access_settings from the entry or the default, so it is not compared.
    """
    for kind_option in access.KINDS:
        half = (found or {}).get(kind_option)
        if half is None:
            continue
        if declared is None:
            return True
        want = declared.get(kind_option) if isinstance(declared, dict) else None
        if want is None:
            continue
        try:
            if not access.same(access.to_graph_target_config(option, kind_option, half),
                               access.to_graph_target_config(option, kind_option, want)):
                return True
        except (access.AccessError, AttributeError, TypeError):
            return True   # pair_tenants could not have written a declared value it refuses
    return False


def _flags_differ(found, declared):
    """inbound_trust / automatic_user_consent: a set value nobody declared, or a declared flag read otherwise
    (flags the data leaves out were filled in by access_settings, so they are not compared)."""
    if not _holds(found):
        return False
    if not isinstance(declared, dict):
        return True
    return any(found.get(flag) != value for flag, value in declared.items() if value is not None)


def foreign_settings(entry, declared, sync_declared=False):
    """The settings of one partner entry (as read) beyond what pair_tenants writes for the pair.

    entry: a cross_tenant_access_info partner ({settings, identity_synchronization, is_service_provider}),
    optionally with tenant_restrictions (which that module does not read); declared: this side's settings
    from normalise(). Returns setting names in FOREIGN_ORDER; deleting the entry would delete them.
    """
    entry = entry or {}
    settings = entry.get("settings") or {}
    declared = declared or {}
    found = set()
    if _holds(entry.get("identity_synchronization")) and not sync_declared:
        found.add("identity_synchronization")
    if entry.get("is_service_provider") is True:
        found.add("is_service_provider")
    if _holds(entry.get("tenant_restrictions")):
        found.add("tenant_restrictions")
    for option in access.B2B_SETTINGS:
        if _b2b_differs(option, settings.get(option), declared.get(option)):
            found.add(option)
    for option in ("inbound_trust", "automatic_user_consent"):
        if _flags_differ(settings.get(option), declared.get(option)):
            found.add(option)
    return [name for name in FOREIGN_ORDER if name in found]


def removal_sides(host, removing, declared):
    """This tenant's partners to remove, each with the side settings pair_tenants writes for the pair.

    removing: normalise(removal=True) pairs being taken apart; declared: normalise() pairs of the data
    pair_tenants runs on (entra_partnerships). Their settings win: the list of pairs to remove is often
    bare tenant names. Returns [{partner, settings}].
    """
    out = []
    for pair in removing or []:
        if host not in pair["tenants"]:
            continue
        other = [t for t in pair["tenants"] if t != host][0]
        same = next((p for p in declared or [] if set(p["tenants"]) == set(pair["tenants"])), pair)
        out.append({"partner": other, "settings": same["settings"][host],
                    "sync_in": any(s["source"] == other and s["target"] == host for s in same.get("syncs") or [])})
    return out


def foreign_entries(host, sides, partner_ids, entries):
    """foreign_settings() for each partner this tenant is about to remove.

    sides: removal_sides(); partner_ids: partner host -> tenant ID; entries: the partner entries as read
    (cross_tenant_access_info partners). A partner with no entry has nothing to lose.
    Returns [{tenant, partner, partner_tenant_id, settings}] for entries holding foreign settings.
    """
    by_id = dict((str(e.get("partner")).lower(), e) for e in entries or [])
    out = []
    for side in sides or []:
        tenant_id = str(partner_ids.get(side["partner"]) or "").lower()
        entry = by_id.get(tenant_id)
        if entry is None:
            continue
        names = foreign_settings(entry, side["settings"], side.get("sync_in", False))
        if names:
            out.append({"tenant": host, "partner": side["partner"], "partner_tenant_id": tenant_id,
                        "settings": names})
    return out


def foreign_report(found, unchecked=(), delete=False):
    """Lines for the refusal (or, with delete, the notice) naming every tenant, partner and setting.

    found: foreign_entries() of every tenant; unchecked: tenants whose entries were not read.
    """
    lines = []
    if found:
        lines.append(("Deleting %d partner entr%s together with settings pair_tenants did not make "
                      "(as partnership_delete_foreign_settings allows):" if delete else
                      "Nothing was removed: %d partner entr%s hold settings pair_tenants did not make, and "
                      "deleting an entry deletes them too:") % (len(found), "y" if len(found) == 1 else "ies"))
        for item in found:
            lines.append("  %s: partner %s (%s): %s" % (
                item["tenant"], item["partner"], item["partner_tenant_id"], ", ".join(item["settings"])))
        if not delete:
            lines.append("Fix: record or move these settings first, then run again with "
                         "-e entra_unpair_delete_foreign_settings=true (the partnership role's "
                         "partnership_delete_foreign_settings) to delete them with the partners")
    for host in unchecked or ():
        lines.append("%s: its partner entries could not be checked (it failed earlier in this run); nothing was "
                     "removed" % host)
    return lines


def not_restored(external_collaboration, clouds_left=None):
    """What pair_tenants set on a tenant that unpair leaves as it is: the external collaboration options
    the tenant's baseline names, and cloud settings left on (clouds_left) for the removed partners."""
    out = [option for option, value in sorted((external_collaboration or {}).items())
           if value is not None and option not in BASELINE_MODIFIERS]
    if clouds_left:
        out.append("cloud settings (%s)" % ", ".join(clouds_left))
    return out


# ---- guests ---------------------------------------------------------------------------------------

GUEST_KEYS = ("resource", "home", "home_cloud", "people")
PERSON_KEYS = ("email", "display_name", "user_type", "profile", "groups", "licenses")


def _profile_problems(where, profile):
    """What is wrong with a person's `profile` (guest_profile's options), each naming the option and the fix;
    the profile in canonical form otherwise."""
    if not isinstance(profile, dict) or not profile:
        return ["%s must be a mapping of profile options (%s), got %r"
                % (where, ", ".join(sorted(guests_mod.PROFILE)), profile)], None
    problems, out = [], {}
    for option, value in profile.items():
        if option not in guests_mod.PROFILE:
            problems.append("%s.%s is not a profile option. Fix: use one of %s"
                            % (where, option, ", ".join(sorted(guests_mod.PROFILE))))
            continue
        kind = bool if option == "show_in_address_list" else str
        if value is None or not isinstance(value, kind) or (kind is str and isinstance(value, bool)):
            wanted = "true or false" if kind is bool else "a string"
            problems.append("%s.%s %r must be %s" % (where, option, value, wanted))
            continue
        try:
            out[option] = guests_mod.profile_value(where, option, value)
        except ValueError as exc:
            problems.append(str(exc))
    return problems, out


def _guest_entries(data, hosts):
    """Every `entra_guests` entry checked: [(resource, {home, home_in_run, home_cloud, people})].

    Raises PairingError naming every bad entry.
    """
    problems, entries = [], []
    if data is None:
        return entries
    if not isinstance(data, list):
        raise PairingError("entra_guests must be a list of {resource, home, people}, got %r" % (data,))
    for index, entry in enumerate(data):
        where = "entra_guests[%d]" % index
        if not isinstance(entry, dict) or set(entry) - set(GUEST_KEYS) or not entry.get("resource") \
                or not isinstance(entry.get("people"), list):
            problems.append("%s must be {resource: host, home: host, people: [...]} (home_cloud instead of home "
                            "for a home tenant outside the inventory), got %r" % (where, entry))
            continue
        if entry["resource"] not in hosts:
            problems.append("%s.resource %r is not a tenant of this run (%s)"
                            % (where, entry["resource"], ", ".join(hosts)))
            continue
        home = entry.get("home")
        if home not in hosts and not entry.get("home_cloud"):
            problems.append("%s: home %r is not a tenant of this run; give home (an inventory host in the run) or "
                            "home_cloud (the cloud of a home tenant outside the inventory)" % (where, home))
            continue
        people = []
        for pindex, person in enumerate(entry["people"]):
            if isinstance(person, str):
                person = {"email": person}
            if not isinstance(person, dict) or not person.get("email") or set(person) - set(PERSON_KEYS):
                problems.append("%s.people[%d] must be an address or {email, display_name, user_type, profile}, "
                                "got %r" % (where, pindex, person))
                continue
            person = dict((k, person.get(k)) for k in PERSON_KEYS)
            bad = False
            for key, what in (("groups", "group object IDs or display names (the groups and teams this person "
                                         "joins)"),
                              ("licenses", "SKU part numbers such as POWER_BI_PRO (the licences this person gets)")):
                names = person[key]
                if names is None:
                    continue
                if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
                    problems.append("%s.people[%d].%s must be a list of %s, got %r. Fix: list them, or leave %s out"
                                    % (where, pindex, key, what, names, key))
                    bad = True
                    continue
                person[key] = list(dict.fromkeys(n.strip() for n in names))
            if bad:
                continue
            if person["profile"] is not None:
                bad, person["profile"] = _profile_problems("%s.people[%d].profile" % (where, pindex),
                                                           person["profile"])
                if bad:
                    problems.extend(bad)
                    continue
            people.append(person)
        entries.append((entry["resource"], {"home": home, "home_in_run": home in hosts,
                                            "home_cloud": entry.get("home_cloud"), "people": people}))
    if problems:
        raise PairingError("; ".join(problems))
    return entries


def guest_plan(data, resource, hosts):
    """The `entra_guests` entries for one resource tenant: [{home, home_in_run, home_cloud, people}].

    Raises PairingError naming every bad entry (checked for the whole list, whichever tenant runs it).
    """
    return [entry for res, entry in _guest_entries(data, hosts) if res == resource]


def guest_problems(data, hosts):
    """Every problem of the `entra_guests` entries, for preflight to report before any write ([] when none)."""
    try:
        _guest_entries(data, hosts)
    except PairingError as exc:
        return [str(exc)]
    return []


def guest_work(data, hosts):
    """guest_lookups and guest_plan for every host at once, the entries checked once:
    {host: {"people": [addresses it looks up at home], "plan": [its entries as a resource tenant]}}."""
    out = dict((host, {"people": [], "plan": []}) for host in hosts)
    seen = dict((host, set()) for host in hosts)
    for resource, entry in _guest_entries(data, hosts):
        out[resource]["plan"].append(entry)
        if not entry["home_in_run"]:
            continue
        for person in entry["people"]:
            if person["email"].lower() not in seen[entry["home"]]:
                seen[entry["home"]].add(person["email"].lower())
                out[entry["home"]]["people"].append(person["email"])
    return out


def guest_lookups(data, home, hosts):
    """The addresses one home tenant looks up for the whole run: every person of every `entra_guests` entry
    whose home it is, whatever the resource tenant, each address once (case-insensitive, first spelling).

    Raises PairingError naming every bad entry, as guest_plan does.
    """
    emails, seen = [], set()
    for _resource, entry in _guest_entries(data, hosts):
        if not entry["home_in_run"] or entry["home"] != home:
            continue
        for person in entry["people"]:
            if person["email"].lower() not in seen:
                seen.add(person["email"].lower())
                emails.append(person["email"])
    return emails


def invites_for(entry, lookup=None):
    """guest_invitation's `guests` for one plan entry, and the people skipped.

    lookup: the guest_info result from the home tenant (by address), when the home tenant is in the
    run: people found are invited by their UPN there (what cross-cloud invitations need), people not
    found are skipped. Without it, addresses are used as given.
    Returns {"guests": [...], "skipped": [...], "by_upn": bool}.
    """
    guests, skipped = [], []
    users = (lookup or {}).get("guests") or []
    for person in entry["people"]:
        address = person["email"].lower()
        guest = {"email": person["email"]}
        if lookup is not None:
            user = next((u for u in users if address in [str(x).lower() for x in
                                                         [u.get("mail"), u.get("user_principal_name")] +
                                                         list(u.get("other_mails") or []) if x]), None)
            if user is None:
                skipped.append(person["email"])
                continue
            guest = {"email": user["user_principal_name"], "display_name": user.get("display_name")}
        if person.get("display_name"):
            guest["display_name"] = person["display_name"]
        if person.get("user_type"):
            guest["user_type"] = person["user_type"]
        if person.get("profile"):
            guest["profile"] = dict(person["profile"])
        if person.get("groups"):
            guest["groups"] = list(person["groups"])
        if person.get("licenses"):
            guest["licenses"] = list(person["licenses"])
        guests.append(dict((k, v) for k, v in guest.items() if v is not None))
    return {"guests": guests, "skipped": skipped, "by_upn": lookup is not None}


def _looked_up(lookup):
    """Whether a registered guest_info result holds a lookup (not skipped, not failed, not missing)."""
    return isinstance(lookup, dict) and not lookup.get("failed") and not lookup.get("skipped") \
        and isinstance(lookup.get("guests"), list)


def guest_invites(plan, lookups, clouds):
    """One guest_invitation `guests` list for all of a resource tenant's plan entries (guest_plan), whatever
    their home tenants, and what to report per entry.

    lookups: {home: the guest_info result its own host registered (guest_lookups' addresses), or None when
    it has none (the home tenant failed earlier)}; clouds: {home: its cloud}. Each guest carries its own
    home_cloud and addresses_are_upns (invited by home UPN when the home tenant is in the run, see
    invites_for). An address listed for several entries is invited once; listed with different user types
    or home clouds, it is refused (PairingError).
    Returns {"guests": [...], "profiles": [...], "memberships": [...], "entries": [{home, emails, skipped}] (in
    plan order), "problems": [...]}: profiles are guest_profile's `guests` for the people given a profile (by the
    address they are invited with), memberships group_members' `groups` for the people given groups; problems
    name the people not invited because their home tenant did not look them up.
    """
    guests, entries, problems, where, profiles = [], [], [], {}, {}
    memberships = {}   # group (lower case) -> (group as first given, addresses invited)
    licences = {}      # address invited (lower case) -> (address, SKU names)
    for entry in plan or []:
        label = entry["home"] or entry["home_cloud"]
        out = {"home": label, "emails": [], "skipped": []}
        entries.append(out)
        if not entry["people"]:
            continue
        lookup = None
        if entry["home_in_run"]:
            lookup = (lookups or {}).get(entry["home"])
            if not _looked_up(lookup):
                problems.append("%s did not look up %s (it failed earlier in this run): not invited"
                                % (entry["home"], ", ".join(p["email"] for p in entry["people"])))
                continue
        found = invites_for(entry, dict(lookup) if lookup is not None else None)
        asked = lookup.get("not_found") if lookup is not None else None
        if isinstance(asked, list):
            asked = set(str(a).lower() for a in asked)
            unasked = [a for a in found["skipped"] if a.lower() not in asked]
            if unasked:   # the home tenant's guest list is not the one this tenant was given
                problems.append("%s did not look up %s (its entra_guests differs from this tenant's): not invited"
                                % (entry["home"], ", ".join(unasked)))
            out["skipped"] = [a for a in found["skipped"] if a.lower() in asked]
        else:
            out["skipped"] = found["skipped"]
        cloud = ((clouds or {}).get(entry["home"]) or "global") if entry["home_in_run"] else entry["home_cloud"]
        for guest in found["guests"]:
            guest = dict(guest, home_cloud=cloud, addresses_are_upns=found["by_upn"])
            key = guest["email"].lower()
            profile = guest.pop("profile", None)
            for name in guest.pop("licenses", None) or []:
                mine = licences.setdefault(key, (guest["email"], []))[1]
                if name.lower() not in [n.lower() for n in mine]:
                    mine.append(name)
            for group in guest.pop("groups", None) or []:
                listed = memberships.setdefault(group.lower(), (group, []))[1]
                if key not in [a.lower() for a in listed]:
                    listed.append(guest["email"])
            if profile:
                if key in profiles and profiles[key][1] != profile:
                    raise PairingError("entra_guests: %s is given two different profiles for this tenant (%r for %s, "
                                       "%r for %s)" % (guest["email"], profiles[key][1], profiles[key][0], profile,
                                                       label))
                profiles.setdefault(key, (label, profile, guest["email"]))
            if key not in [e.lower() for e in out["emails"]]:
                out["emails"].append(guest["email"])
            if key not in where:
                where[key] = (len(guests), label)
                guests.append(guest)
                continue
            first, first_home = guests[where[key][0]], where[key][1]
            for option, default in (("user_type", "Guest"), ("home_cloud", None), ("addresses_are_upns", None)):
                if first.get(option, default) != guest.get(option, default):
                    raise PairingError("entra_guests: %s is invited twice into this tenant with different %s "
                                       "(%r for %s, %r for %s)" % (guest["email"], option, first.get(option, default),
                                                                   first_home, guest.get(option, default), label))
    ordered = [profiles[g["email"].lower()] for g in guests if g["email"].lower() in profiles]
    return {"guests": guests, "profiles": [dict(profile, email=email) for _label, profile, email in ordered],
            "memberships": [{"group": group, "members": members} for group, members in memberships.values()],
            "licenses": [{"user": user, "licenses": names} for user, names in licences.values()],
            "entries": entries, "problems": problems}


def guest_report(invites, result=None, profile_result=None, groups_result=None, licenses_result=None):
    """guests_report entries {home, invited, existing, skipped, profiled}, one per plan entry, from guest_invites'
    entries, the guest_invitation result and the guest_profile result (none, or skipped, when there was nobody
    to invite or no profile to set); profiled: the guests whose profile changed (or would, in check mode)."""
    def actions(res):
        return dict((str(g.get("email")).lower(), g.get("action"))
                    for g in ((res or {}).get("guests") or []) if isinstance(g, dict))
    invited, profiled = actions(result), actions(profile_result)
    joined = set()
    for group in ((groups_result or {}).get("groups") or []):
        if isinstance(group, dict):
            joined.update(str(a).lower() for a in group.get("added") or [])
    licensed = set(str(a.get("user")).lower() for a in ((licenses_result or {}).get("assignments") or [])
                   if isinstance(a, dict) and a.get("added"))
    report = []
    for entry in invites["entries"]:
        report.append({"home": entry["home"],
                       "invited": [a for a in entry["emails"] if invited.get(a.lower()) in ("invited", "reinvited")],
                       "existing": [a for a in entry["emails"] if invited.get(a.lower()) in ("exists", "updated")],
                       "skipped": list(entry["skipped"]),
                       "profiled": [a for a in entry["emails"] if profiled.get(a.lower()) == "updated"],
                       "joined": [a for a in entry["emails"] if a.lower() in joined],
                       "licensed": [a for a in entry["emails"] if a.lower() in licensed]})
    return report


# ---- what Graph cannot do -------------------------------------------------------------------------
# Steps of cross-cloud collaboration that live outside Microsoft Graph (docs/manual-steps.md, with sources):
# - Teams meetings across clouds: a cross-cloud meeting connection, made in the Teams admin center by both
#   organisations (learn.microsoft.com/microsoftteams/cross-cloud-meetings);
# - Outlook free/busy of the other tenant's people: an availability address space in Exchange Online
#   (Add-AvailabilityAddressSpace -AccessMethod OrgWideFBToken, whose TargetServiceEpr names the other
#   tenant's cloud; New-AvailabilityConfig must exist first);
# - SharePoint and OneDrive sharing with B2B guests: the Entra B2B integration of SharePoint Online
#   (Set-SPOTenant -EnableAzureADB2BIntegration), which tenants made before it became the default lack.
SHAREPOINT_CHECK = ("SharePoint and OneDrive sharing with B2B guests - in SharePoint Online PowerShell: "
                    "Get-SPOTenant | Select-Object *B2BIntegration*; if False: "
                    "Set-SPOTenant -EnableAzureADB2BIntegration $true")


def _side(tenants, host):
    info = tenants.get(host) or {}
    return info.get("tenant_id") or "<tenant ID of %s>" % host, info.get("cloud"), info.get("default_domain")


def manual_steps(pairs, tenants, catalogue):
    """What an admin still does by hand for each pair, with the command: [{pair, steps: [{tenant, step}]}],
    then one entry {pair: None, steps} for what every tenant of the run checks once.

    pairs: normalise()'s pairs (unsupported ones are left out); tenants: {host: {tenant_id, cloud,
    default_domain}} (what preflight or audit found)."""
    out, seen, clouds = [], [], {}

    def cloud_of(host):
        """The tenant's Cloud, or None when unknown (resolved once per tenant)."""
        if host not in clouds:
            try:
                clouds[host] = catalogue.resolve(_side(tenants, host)[1]) if _side(tenants, host)[1] else None
            except CloudError:
                clouds[host] = None
        return clouds[host]

    for pair in pairs or []:
        if pair.get("status") == "unsupported":
            continue
        steps = []
        a, b = pair["tenants"]
        for me, other in ((a, b), (b, a)):
            other_id, _other_cloud, other_domain = _side(tenants, other)
            cloud, mine = cloud_of(other), cloud_of(me)
            if cloud is not None and mine is not None and cloud.name != mine.name:
                steps.append({"tenant": me, "step": "Teams meetings across clouds - Teams admin center > Meetings > "
                                                    "Meeting settings > Cross-cloud meeting connections: allow %s (%s)"
                                                    % (other, other_id)})
            service = cloud.calendar_service if cloud is not None and cloud.calendar_service else \
                "<the Exchange Online calendar service of %s's cloud>" % other
            steps.append({"tenant": me, "step": "free/busy of %s's people in Outlook - in Exchange Online PowerShell "
                                                "(New-AvailabilityConfig first if Get-AvailabilityConfig returns "
                                                "nothing): Add-AvailabilityAddressSpace -ForestName %s -AccessMethod "
                                                "OrgWideFBToken -TargetTenantId %s -TargetServiceEpr %s (once per "
                                                "mail domain of %s)"
                                                % (other, other_domain or "<mail domain of %s>" % other, other_id,
                                                   service, other)})
            if me not in seen:
                seen.append(me)
        for sync in pair.get("syncs") or []:
            if sync.get("cross_cloud"):
                source = catalogue.resolve(sync["source_cloud"]) if sync.get("source_cloud") else None
                step = ("cross-cloud synchronization from %s - Entra admin center > External Identities > Cross-tenant "
                        "access settings > Microsoft cloud settings: tick the cross-cloud synchronization box of %s "
                        "(no Graph API)" % (sync["source"], source.display_name if source else "the source's cloud"))
                steps.append({"tenant": sync["target"], "step": step})
        out.append({"pair": pair["name"], "steps": steps})
    if seen:
        out.append({"pair": None, "steps": [{"tenant": host, "step": SHAREPOINT_CHECK} for host in seen]})
    return out


def sync_state(sync, result, check_mode=False):
    """One synchronisation's verdict from sync_configuration's check-mode result on its source: {sync, ok, line}.
    As declared means nothing to change, and the job running (or paused) as declared with its last cycle not
    failed. In check mode, changes still to make are what the run would make, so only a failure counts."""
    name = "%s -> %s (%s)" % (sync["source"], sync["target"], sync["name"])
    result = result or {}
    if result.get("failed") or result.get("msg"):
        return {"sync": name, "ok": False, "line": "%s: FAILED - %s" % (name, result.get("msg") or "not read")}
    if result.get("skipped") or not result:
        return {"sync": name, "ok": False, "line": "%s: FAILED - not read" % name}
    config = result.get("configuration") or {}
    status = config.get("status") or {}
    problems = []
    if result.get("actions") and not check_mode:
        problems.append("not as declared: would %s" % ", ".join(result["actions"]))
    code = status.get("code")
    if not check_mode or status:
        if sync.get("started", True) and code != "Active":
            reason = (": %s" % status["error"]) if status.get("error") else ""
            problems.append("the job is %s, not running%s" % (code or "missing", reason))
        if status.get("last_run") == "Failed" and code == "Active":
            problems.append("its last cycle failed: %s" % (status.get("error") or "no reason given"))
    state = "job %s, last cycle %s, %s user(s) in scope" % (
        code or "not created yet", status.get("last_run") or "none", status.get("users_in_scope") or 0)
    if problems:
        return {"sync": name, "ok": False, "line": "%s: FAILED - %s (%s)" % (name, "; ".join(problems), state)}
    return {"sync": name, "ok": True, "line": "%s: ok - %s" % (name, state)}


def manual_report(steps):
    """manual_steps() as readable lines."""
    lines = []
    for entry in steps or []:
        lines.append("  %s:" % (entry["pair"] or "each tenant, once"))
        lines.extend("    %s: %s" % (s["tenant"], s["step"]) for s in entry["steps"])
    return lines
