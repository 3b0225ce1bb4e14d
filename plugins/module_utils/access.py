# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: inbound/outbound access settings in the user's words, mapped to
Graph's exact names in one table, and the pure planning the access_settings module does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import keyword, normalise_id

# option name -> Graph property. Explicit, never derived: Graph's names are case-sensitive and a
# generic camel/snake round trip turns isHybridAzureADJoinedDeviceAccepted into ...AzureAd...
B2B_SETTINGS = {
    "b2b_collaboration_inbound": "b2bCollaborationInbound",
    "b2b_collaboration_outbound": "b2bCollaborationOutbound",
    "b2b_direct_connect_inbound": "b2bDirectConnectInbound",
    "b2b_direct_connect_outbound": "b2bDirectConnectOutbound",
}
TRUST = {"mfa": "isMfaAccepted", "compliant_device": "isCompliantDeviceAccepted",
         "hybrid_joined_device": "isHybridAzureADJoinedDeviceAccepted"}
CONSENT = {"inbound": "inboundAllowed", "outbound": "outboundAllowed"}
OTHER_SETTINGS = {"inbound_trust": "inboundTrust", "automatic_user_consent": "automaticUserConsentSettings"}
ALL_SETTINGS = dict(B2B_SETTINGS, **OTHER_SETTINGS)
KINDS = {"users_and_groups": "usersAndGroups", "applications": "applications"}
APP_KEYWORDS = {"all": "AllApplications", "office365": "Office365", "all_microsoft_apps": "AllMicrosoftApps"}
# Accepted in any letter case, like every keyword: our words, and Graph's own names for the same targets.
USER_WORDS = {"all": "AllUsers", "AllUsers": "AllUsers"}
APP_WORDS = dict(APP_KEYWORDS, **dict((v, v) for v in APP_KEYWORDS.values()))
TARGET_TYPES = {"user": "user", "group": "group", "application": "application"}


def _target_spec():
    return dict(type="dict", options=dict(access=dict(type="str", choices=["allowed", "blocked"], required=True),
                                          targets=dict(type="list", elements="raw", default=["all"])))


def setting_specs():
    """Argument spec of the settings options (shared by access_settings and each entry of partners)."""
    spec = dict(
        inbound_trust=dict(type="dict", options=dict(mfa=dict(type="bool"), compliant_device=dict(type="bool"),
                                                     hybrid_joined_device=dict(type="bool"))),
        automatic_user_consent=dict(type="dict", options=dict(inbound=dict(type="bool"), outbound=dict(type="bool"))),
        inherit=dict(type="list", elements="str", choices=sorted(ALL_SETTINGS)),
    )
    for option in B2B_SETTINGS:
        spec[option] = dict(type="dict", options=dict(users_and_groups=_target_spec(), applications=_target_spec()))
    return spec


class AccessError(Exception):
    """Bad access settings; the message names the option, the value and the fix."""


def _single(item):
    """(type keyword, value) of a one-key mapping like {user: ID}, the key in any case; else (None, None)."""
    if isinstance(item, dict) and len(item) == 1:
        (key, value), = item.items()
        return keyword(key, TARGET_TYPES), value
    return None, None


def _graph_target(option, kind, item):
    if kind == "usersAndGroups":
        if keyword(item, USER_WORDS):
            return {"target": "AllUsers", "targetType": "user"}
        ttype, value = _single(item)
        if ttype in ("user", "group") and is_guid(normalise_id(value)):
            return {"target": normalise_id(value), "targetType": ttype}
        raise AccessError("%s.users_and_groups.targets: %r is not a target. Fix: use 'all', {user: <object id>} or "
                          "{group: <object id>}" % (option, item))
    word = keyword(item, APP_WORDS)
    if word:
        return {"target": word, "targetType": "application"}
    ttype, value = _single(item)
    app_id = value if ttype == "application" else item
    if isinstance(app_id, str) and is_guid(normalise_id(app_id)):
        return {"target": normalise_id(app_id), "targetType": "application"}
    raise AccessError("%s.applications.targets: %r is not a target. Fix: use 'all', 'office365', 'all_microsoft_apps' "
                      "or an application (client) ID" % (option, item))


def to_graph_target_config(option, kind_option, value):
    """{access, targets} in our words -> crossTenantAccessPolicyTargetConfiguration.

    targets left out means everyone (the documented default); an empty (or null) list is refused,
    because reading it as everyone silently opened partners to all users.
    """
    kind = KINDS[kind_option]
    if value.get("access") not in ("allowed", "blocked"):
        raise AccessError("%s.%s.access must be 'allowed' or 'blocked', got %r"
                          % (option, kind_option, value.get("access")))
    targets = value["targets"] if "targets" in value else ["all"]
    if not targets:
        listing = "the user and group IDs ({user: ID} or {group: ID})" if kind_option == "users_and_groups" else \
            "the application IDs (or office365, all_microsoft_apps)"
        raise AccessError("%s.%s.targets: %s names no one, and an empty list is not taken as everyone. Fix: omit "
                          "targets to apply the setting to everyone (all), or list %s"
                          % (option, kind_option, "null" if targets is None else repr(targets), listing))
    out = []
    for item in targets:
        target = _graph_target(option, kind, item)
        if target not in out:
            out.append(target)
    return {"accessType": value["access"], "targets": out}


def _all_of(config, word):
    return config is not None and any(t["target"] == word for t in config["targets"])


def check_consistency(option, setting, cross_cloud=False):
    """Refuse, before any write, the combinations the service rejects."""
    users, apps = setting.get("usersAndGroups"), setting.get("applications")
    if users and apps:
        if users["accessType"] == "blocked" and _all_of(users, "AllUsers") and not (
                apps["accessType"] == "blocked" and _all_of(apps, "AllApplications")):
            raise AccessError("%s: blocking all users requires blocking all applications too (applications: "
                              "{access: blocked, targets: [all]})" % option)
        if users["accessType"] == "allowed" and apps["accessType"] == "blocked" and _all_of(apps, "AllApplications"):
            raise AccessError("%s: users are allowed but every application is blocked; allow at least one "
                              "application" % option)
    if cross_cloud and option.startswith("b2b_direct_connect"):
        for kind in ("usersAndGroups", "applications"):
            if setting.get(kind) and setting[kind]["accessType"] != "blocked":
                raise AccessError("%s: B2B direct connect is not supported across Microsoft clouds; this partner "
                                  "lives in another cloud. Fix: remove %s or set it to blocked" % (option, option))


def _normal(value):
    """Compare target lists as sets: Graph does not promise their order."""
    if isinstance(value, dict):
        return dict((k, _normal(v)) for k, v in value.items())
    if isinstance(value, list):
        return sorted((_normal(v) for v in value), key=repr)
    return value


def same(a, b):
    return _normal(a) == _normal(b)


def friendly_target(kind, t):
    if kind == "usersAndGroups":
        return "all" if t["target"] == "AllUsers" else {t["targetType"]: t["target"]}
    reverse = dict((v, k) for k, v in APP_KEYWORDS.items())
    return reverse.get(t["target"], t["target"])


def friendly(name, value):
    """A Graph setting in the module's words (for results and diffs)."""
    if value is None:
        return None
    if name in B2B_SETTINGS.values():
        out = {}
        for kind_option, kind in KINDS.items():
            cfg = value.get(kind)
            out[kind_option] = None if cfg is None else {
                "access": cfg["accessType"], "targets": [friendly_target(kind, t) for t in cfg["targets"]]}
        return out
    table = TRUST if name == "inboundTrust" else CONSENT
    return dict((opt, value.get(graph)) for opt, graph in table.items())


def validate(params, is_default, cross_cloud=False):
    """Every check that needs nothing from Graph, so the module can refuse before its first request.

    Called first with cross_cloud=False (the partner's cloud is not known yet), then again once it is,
    for the direct-connect check.
    """
    inherit = list(params.get("inherit") or [])
    for option in inherit:
        if option not in ALL_SETTINGS:
            raise AccessError("inherit: %r is not a setting; use any of %s" % (option, ", ".join(sorted(ALL_SETTINGS))))
        if params.get(option) is not None:
            raise AccessError("inherit: %r is also given a value; a setting either inherits or is set" % option)
    if is_default and inherit:
        raise AccessError("inherit applies to partners only: the default has nothing to inherit from; use reset "
                          "to go back to Microsoft's defaults")
    if is_default and params.get("automatic_user_consent") is not None:
        raise AccessError("automatic_user_consent cannot be set on the default (Graph keeps it read-only there)")
    for option in B2B_SETTINGS:
        value = params.get(option)
        if value is None:
            continue
        given = {}
        for kind_option, kind in KINDS.items():
            if value.get(kind_option) is not None:
                given[kind] = to_graph_target_config(option, kind_option, value[kind_option])
        if cross_cloud:
            # the halves given are enough to refuse; plan() checks the whole setting once it is read
            check_consistency(option, given, cross_cloud=True)


def plan(params, current, fallback, is_default, cross_cloud):
    """What to PATCH on a partner (or the default) for the given options.

    params: the module's options; current: the object as Graph returned it; fallback: the tenant
    default, used to fill a half (or a flag) the user did not give when the current value is null
    (inherited). Returns (patch_body, before, after) where before/after hold only the managed
    settings, in the module's words. Raises AccessError for bad input.
    """
    body, before, after = {}, {}, {}
    validate(params, is_default, cross_cloud)
    inherit = list(params.get("inherit") or [])
    for option, graph_name in B2B_SETTINGS.items():
        value = params.get(option)
        if value is None:
            continue
        desired = _whole_setting(option, graph_name, value, current, fallback)
        check_consistency(option, desired, cross_cloud)
        _stage(body, before, after, graph_name, (current or {}).get(graph_name), desired)
    for option, graph_name, table in (("inbound_trust", "inboundTrust", TRUST),
                                      ("automatic_user_consent", "automaticUserConsentSettings", CONSENT)):
        value = params.get(option)
        if value is None:
            continue
        now = (current or {}).get(graph_name)
        base = (fallback or {}).get(graph_name) or {}
        desired = {}
        for opt, graph in table.items():
            if value.get(opt) is not None:
                desired[graph] = value[opt]
            elif now is not None:
                desired[graph] = now.get(graph)   # a flag not named keeps its value, even unset
            else:
                desired[graph] = bool(base.get(graph, False))   # inherited as a whole: start from the default
        _stage(body, before, after, graph_name, (current or {}).get(graph_name), desired)
    for option in inherit:
        graph_name = ALL_SETTINGS[option]
        _stage(body, before, after, graph_name, (current or {}).get(graph_name), None)
    return body, before, after


def _whole_setting(option, graph_name, value, current, fallback):
    """A users_and_groups / applications setting as Graph wants it, whole: the halves given, and the half the user
    did not name kept from the current value, or the default's when the partner inherits."""
    desired = {}
    for kind_option, kind in KINDS.items():
        if value.get(kind_option) is not None:
            desired[kind] = to_graph_target_config(option, kind_option, value[kind_option])
        else:
            source = (current or {}).get(graph_name) or (fallback or {}).get(graph_name) or {}
            desired[kind] = copy.deepcopy(source.get(kind))
            if desired[kind] is None:
                raise AccessError("%s.%s is needed: the setting has no current value to keep" % (option, kind_option))
    return desired


def _stage(body, before, after, graph_name, current, desired):
    before[graph_name] = friendly(graph_name, current)
    after[graph_name] = friendly(graph_name, desired)
    if desired is None and graph_name == "automaticUserConsentSettings":
        desired = {"inboundAllowed": None, "outboundAllowed": None}
        if current is None or all(v is None for v in current.values()):
            after[graph_name] = before[graph_name]
            return
    if not same(current, desired):
        body[graph_name] = desired


def option_names(graph_dict):
    """{graphName: v} -> {option_name: v} for results and diffs."""
    reverse = dict((v, k) for k, v in ALL_SETTINGS.items())
    return dict((reverse[k], v) for k, v in graph_dict.items())


# ---- settings access_settings manages beyond the partnership data -----------------------------------
# tenant restrictions (v2): which of the partner's apps our users may use, signed in with the partner's
# accounts, on devices under our tenant restrictions; the same users_and_groups / applications shape as
# the B2B settings (Graph's crossTenantAccessPolicyTenantRestrictions; its `devices` filter is kept as it is).
# invitation redemption order (the default only): which identity providers guests redeem with, in order.
RESTRICTIONS = {"tenant_restrictions": "tenantRestrictions"}
REDEMPTION = {"invitation_redemption": "invitationRedemptionIdentityProviderConfiguration"}
EXTRA_SETTINGS = dict(RESTRICTIONS, **REDEMPTION)
REDEMPTION_PRIMARY = {"entra_id": "azureActiveDirectory", "external_federation": "externalFederation",
                      "social_identity_providers": "socialIdentityProviders"}
REDEMPTION_FALLBACK = {"default_configured_idp": "defaultConfiguredIdp",
                       "email_one_time_passcode": "emailOneTimePasscode", "microsoft_account": "microsoftAccount"}


def extra_specs():
    return dict(
        tenant_restrictions=dict(type="dict", options=dict(users_and_groups=_target_spec(),
                                                           applications=_target_spec())),
        invitation_redemption=dict(type="dict", options=dict(
            primary_identity_providers=dict(type="list", elements="str", choices=list(REDEMPTION_PRIMARY)),
            fallback_identity_provider=dict(type="str", choices=list(REDEMPTION_FALLBACK)))),
    )


def friendly_extra(name, value):
    if value is None:
        return None
    if name == "tenantRestrictions":
        return friendly("b2bCollaborationInbound", value)   # the same two halves
    primary = dict((v, k) for k, v in REDEMPTION_PRIMARY.items())
    fallback = dict((v, k) for k, v in REDEMPTION_FALLBACK.items())
    return {"primary_identity_providers": [primary.get(x, x) for x in value.get("primaryIdentityProviderPrecedenceOrder")
                                           or []],
            "fallback_identity_provider": fallback.get(value.get("fallbackIdentityProvider"),
                                                       value.get("fallbackIdentityProvider"))}


def validate_extra(params, is_default):
    """Checks of the extra settings that need nothing from Graph."""
    redemption = params.get("invitation_redemption")
    if redemption is not None:
        if not is_default:
            raise AccessError("invitation_redemption applies to the default only: a partner cannot have its own "
                              "redemption order. Fix: set it with partner: default")
        primary = redemption.get("primary_identity_providers")
        if primary is None and redemption.get("fallback_identity_provider") is None:
            raise AccessError("invitation_redemption names neither primary_identity_providers nor "
                              "fallback_identity_provider. Fix: give one or both")
        if primary is not None and not primary:
            raise AccessError("invitation_redemption.primary_identity_providers: [] names no identity provider. Fix: "
                              "list them in the order guests should redeem with (%s), or leave the option out to keep "
                              "the current order" % ", ".join(REDEMPTION_PRIMARY))
        if primary is not None and len(set(primary)) != len(primary):
            raise AccessError("invitation_redemption.primary_identity_providers %r lists a provider twice. Fix: name "
                              "each once, in order" % (primary,))
    restrictions = params.get("tenant_restrictions")
    if restrictions is not None:
        for kind_option in KINDS:
            if restrictions.get(kind_option) is not None:
                to_graph_target_config("tenant_restrictions", kind_option, restrictions[kind_option])


def plan_extra(params, current, fallback, is_default, body, before, after):
    """plan() for the extra settings, adding to its (body, before, after)."""
    validate_extra(params, is_default)
    value = params.get("tenant_restrictions")
    if value is not None:
        graph_name = RESTRICTIONS["tenant_restrictions"]
        now = (current or {}).get(graph_name)
        desired = _whole_setting("tenant_restrictions", graph_name, value, current, fallback)
        check_consistency("tenant_restrictions", desired)
        if now is not None and "devices" in now:
            desired["devices"] = copy.deepcopy(now["devices"])   # not ours to manage: sent back as it is
        before[graph_name] = friendly_extra(graph_name, now)
        after[graph_name] = friendly_extra(graph_name, desired)
        if not same(now, desired):
            body[graph_name] = desired
    value = params.get("invitation_redemption")
    if value is not None:
        graph_name = REDEMPTION["invitation_redemption"]
        now = (current or {}).get(graph_name) or {}
        order = list(now.get("primaryIdentityProviderPrecedenceOrder") or [])
        desired = {"primaryIdentityProviderPrecedenceOrder": order,
                   "fallbackIdentityProvider": now.get("fallbackIdentityProvider")}
        if value.get("primary_identity_providers") is not None:
            desired["primaryIdentityProviderPrecedenceOrder"] = [REDEMPTION_PRIMARY[x]
                                                                 for x in value["primary_identity_providers"]]
        if value.get("fallback_identity_provider") is not None:
            desired["fallbackIdentityProvider"] = REDEMPTION_FALLBACK[value["fallback_identity_provider"]]
        before[graph_name] = friendly_extra(graph_name, (current or {}).get(graph_name))
        after[graph_name] = friendly_extra(graph_name, desired)
        # the order is the setting: compared as a list, not as a set
        if now.get("primaryIdentityProviderPrecedenceOrder") != desired["primaryIdentityProviderPrecedenceOrder"] \
                or now.get("fallbackIdentityProvider") != desired["fallbackIdentityProvider"]:
            body[graph_name] = desired


def extra_option_names(graph_dict):
    reverse = dict((v, k) for k, v in EXTRA_SETTINGS.items())
    reverse.update((v, k) for k, v in ALL_SETTINGS.items())
    return dict((reverse[k], v) for k, v in graph_dict.items())
