"""Pure decisions behind the roles: partnerships as data, permissions, effective access, audit, guests."""

import copy

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import pairing
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import load_catalogue

CAT = load_catalogue()
HOSTS = ["contoso", "fabrikam_cn", "tailspin_gcch", "northwind_dod"]
CLOUDS = {"contoso": "global", "fabrikam_cn": "china", "tailspin_gcch": "usgov", "northwind_dod": "usgov_dod"}
IDS = {"contoso": "8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d", "fabrikam_cn": "cf596d2c-1283-4d6d-8580-e315c3e58b4b",
       "tailspin_gcch": "6ba8af09-9774-4419-98d1-7db643f0c384", "northwind_dod": "41db46a8-546f-491b-92b1-e26b5f480f52"}
OPEN = pairing.OPEN
BLOCKED = {"users_and_groups": {"access": "blocked", "targets": ["all"]},
           "applications": {"access": "blocked", "targets": ["all"]}}


def norm(data):
    return pairing.normalise(data, HOSTS, CLOUDS, CAT)


# ---- normalise ------------------------------------------------------------------------------------

def test_pairs_and_hubs_give_each_side_explicit_open_settings():
    out = norm([["contoso", "fabrikam_cn"],
                {"hub": "contoso", "spokes": ["tailspin_gcch", "northwind_dod"],
                 "hub_settings": {"inbound_trust": {"mfa": True}}}])
    assert out["problems"] == []
    names = [p["name"] for p in out["pairs"]]
    assert names == ["contoso <-> fabrikam_cn", "contoso <-> tailspin_gcch", "contoso <-> northwind_dod"]
    first = out["pairs"][0]
    assert first["status"] == "supported" and first["cross_cloud"] is True
    assert first["settings"]["fabrikam_cn"] == pairing.DEFAULT_SIDE
    hub_side = out["pairs"][1]["settings"]["contoso"]
    assert hub_side["inbound_trust"] == {"mfa": True}
    assert hub_side["b2b_collaboration_outbound"] == OPEN
    assert "inbound_trust" not in out["pairs"][1]["settings"]["tailspin_gcch"]


def test_side_settings_merge_half_by_half():
    group = {"access": "allowed", "targets": [{"group": "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"}]}
    out = norm([{"tenants": ["contoso", "tailspin_gcch"],
                 "settings": {"inbound_trust": {"mfa": True, "compliant_device": True}},
                 "settings_by_tenant": {"contoso": {"b2b_collaboration_outbound": {"users_and_groups": group},
                                                    "inbound_trust": {"compliant_device": False}}}}])
    assert out["problems"] == []
    side = out["pairs"][0]["settings"]["contoso"]
    assert side["b2b_collaboration_outbound"] == {"users_and_groups": group, "applications": OPEN["applications"]}
    assert side["inbound_trust"] == {"mfa": True, "compliant_device": False}
    assert out["pairs"][0]["settings"]["tailspin_gcch"]["inbound_trust"] == {"mfa": True, "compliant_device": True}


def test_same_cloud_pair_is_plain_b2b():
    out = norm([["tailspin_gcch", "northwind_dod"]])
    assert out["problems"] == [] and out["pairs"][0]["status"] == "same_cloud"
    assert out["pairs"][0]["cross_cloud"] is False


def test_every_problem_is_listed_at_once():
    out = norm([
        ["tailspin_gcch", "fabrikam_cn"],                       # unsupported pair
        ["contoso", "ghost"],                                    # not in the run
        ["contoso", "contoso"],                                  # itself
        ["contoso", "fabrikam_cn"], ["fabrikam_cn", "contoso"],  # repeated
        {"tenants": ["contoso", "northwind_dod"], "settings": {"b2b_direct_connect_inbound": OPEN}},
        {"tenants": ["contoso", "tailspin_gcch"], "settings": {"inbound_trust": {"mfa": "yes", "face": True}}},
        {"tenants": ["contoso"]},                                # one tenant
        {"hub": "contoso"},                                      # no spokes
        {"tenants": ["contoso", "tailspin_gcch"], "setings": {}},  # typo
        "contoso",                                               # not a mapping
    ])
    text = "\n".join(out["problems"])
    # 11 bad entries; settings given for the whole pair are reported once per side
    assert len(out["problems"]) == 14, text
    assert "entra_partnerships[0] (tailspin_gcch <-> fabrikam_cn): B2B collaboration between usgov" in text
    assert "ghost not in this run's tenants" in text and "drop --limit" in text
    assert "contoso is paired with itself" in text
    assert "entra_partnerships[4] (fabrikam_cn <-> contoso) repeats entra_partnerships[3]" in text
    assert "B2B direct connect is not supported across Microsoft clouds" in text
    assert "contoso's side: inbound_trust.mfa must be true or false, got 'yes'" in text
    assert "tailspin_gcch's side: inbound_trust: 'face' is not a flag" in text
    assert "unknown key(s) setings" in text
    # the unsupported pair is kept (marked) so the roles can skip it; it is nobody's partner
    assert [p["status"] for p in out["pairs"] if p["name"] == "tailspin_gcch <-> fabrikam_cn"] == ["unsupported"]
    assert "fabrikam_cn" not in [p["partner"] for p in pairing.partners_of(out["pairs"], "tailspin_gcch")]


@pytest.mark.parametrize("settings,needle", [
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "maybe"}}}, "access must be 'allowed' or 'blocked'"),
    ({"b2b_collaboration_inbound": {"users_and_groups": {"access": "allowed", "targets": ["everyone"]}}},
     "'everyone' is not a target"),
    ({"b2b_collaboration_outbound": {"users_and_groups": BLOCKED["users_and_groups"]}},
     "blocking all users requires blocking all applications"),
    ({"b2b_collaboration_outbound": {"users": {}}}, "must be a mapping with users_and_groups and/or applications"),
    ({"inherit": ["inbound_trust"]}, "'inherit' is not an access setting"),
])
def test_side_settings_are_checked_as_access_settings_checks_them(settings, needle):
    out = norm([{"tenants": ["contoso", "fabrikam_cn"], "settings_by_tenant": {"contoso": settings}}])
    assert any(needle in p and "contoso's side" in p for p in out["problems"]), out["problems"]


def test_partners_of_gives_this_sides_settings():
    out = norm([{"hub": "contoso", "spokes": ["fabrikam_cn", "tailspin_gcch"],
                 "spoke_settings": {"inbound_trust": {"mfa": True}}}])
    mine = pairing.partners_of(out["pairs"], "contoso")
    assert [p["partner"] for p in mine] == ["fabrikam_cn", "tailspin_gcch"]
    assert all("inbound_trust" not in p["settings"] for p in mine)
    theirs = pairing.partners_of(out["pairs"], "tailspin_gcch")
    assert theirs[0]["partner"] == "contoso" and theirs[0]["settings"]["inbound_trust"] == {"mfa": True}


# ---- permissions ----------------------------------------------------------------------------------

def test_permissions_for_a_full_run_and_for_check_mode():
    full = pairing.required_permissions(has_partners=True, writes=True, verify=True, domain_lists=True,
                                        external_collaboration={"allow_invites_from": "everyone"},
                                        invites_guests=True)
    assert "change cross-tenant access settings" in full and "invite guests" in full
    assert "change who may invite and the guest role" in full and "read the domain allow/block list" in full
    check = pairing.required_permissions(has_partners=True, writes=False, verify=True,
                                         external_collaboration={"allow_invites_from": "everyone"},
                                         invites_guests=True)
    assert not [n for n in check if n.startswith("change") or n == "invite guests"]


def test_missing_permissions_are_named_with_the_fix():
    needs = pairing.required_permissions(has_partners=True, writes=True, verify=True)
    reader = ["Policy.Read.All", "User.Read.All"]
    problems = pairing.permission_problems("contoso", reader, needs)
    assert problems == ["contoso: the app cannot change cross-tenant access settings. Fix: grant the application "
                        "permission Policy.ReadWrite.CrossTenantAccess (admin consent) to the app in this tenant"]
    assert pairing.permission_problems("contoso", ["Policy.ReadWrite.CrossTenantAccess", "Policy.Read.All"],
                                       needs) == []
    none = pairing.permission_problems("t", [], pairing.required_permissions(resolves_guests=True, verify=False))
    assert none == ["t: the app cannot read users and guests. Fix: grant the application permission User.Read.All "
                    "(admin consent) to the app in this tenant (or one of User.ReadWrite.All, Directory.Read.All, "
                    "Directory.ReadWrite.All)"]


# ---- effective access -----------------------------------------------------------------------------

def export(tenant, partners=None, clouds=(), default=None, external=None):
    """A cross_tenant_access_info result (module words) for `tenant`."""
    default = default or {"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN}
    return {"cloud_settings": {"allowed_cloud_endpoints": list(clouds)},
            "default": default,
            "partners": [{"partner": IDS[p], "settings": dict({"b2b_collaboration_inbound": None,
                                                              "b2b_collaboration_outbound": None}, **s)}
                         for p, s in (partners or {}).items()],
            "external_collaboration": external or {"allowed_domains": None, "blocked_domains": None}}


def side(name, exp, domain=None, declared=None):
    return {"name": name, "tenant_id": IDS[name], "cloud": CLOUDS[name], "domain": domain, "export": exp,
            "declared": declared if declared is not None else pairing.DEFAULT_SIDE}


def paired(a, b, ea=None, eb=None):
    both = {"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN}
    ea = ea if ea is not None else both
    eb = eb if eb is not None else both
    return (export(a, {b: ea}, [CAT.resolve(CLOUDS[b]).endpoint]),
            export(b, {a: eb}, [CAT.resolve(CLOUDS[a]).endpoint]))


def test_fully_paired_cross_cloud_is_open_both_ways():
    ec, eg = paired("contoso", "tailspin_gcch")
    for h, r in ((side("contoso", ec, "contoso.com"), side("tailspin_gcch", eg, "tailspin-defense.us")),
                 (side("tailspin_gcch", eg), side("contoso", ec))):
        v = pairing.verdict(h, r, CAT)
        assert (v["status"], v["ok"], v["problems"]) == ("open", True, []), v


def test_one_side_forgotten_names_every_missing_setting_and_its_side():
    ec = export("contoso", {"tailspin_gcch": {"b2b_collaboration_inbound": OPEN,
                                              "b2b_collaboration_outbound": OPEN}}, ["microsoftonline.us"])
    eg = export("tailspin_gcch")          # nothing done on the GCC High side
    v = pairing.verdict(side("contoso", ec), side("tailspin_gcch", eg), CAT)
    assert v["status"] == "blocked" and v["ok"] is False
    got = sorted((p["side"], p["setting"]) for p in v["problems"])
    assert got == [("resource", "b2b_collaboration_inbound"), ("resource", "cloud_settings"), ("resource", "partner")]
    fixes = " ".join(p["fix"] for p in v["problems"])
    assert "cloud_settings with clouds: [global] on tailspin_gcch" in fixes
    assert "partner_tenant_id: %s on tailspin_gcch" % IDS["contoso"] in fixes


def test_unset_cross_cloud_setting_inherits_the_default_once_the_partner_is_added():
    # Microsoft's cross-cloud guide: once the partner is added, the default or its own settings apply
    ec, eg = paired("contoso", "tailspin_gcch", ea={"b2b_collaboration_outbound": OPEN})
    v = pairing.verdict(side("tailspin_gcch", eg), side("contoso", ec), CAT)
    assert v["status"] == "open" and v["problems"] == []
    # the same unset inbound, with a default that blocks: blocked, and the default is named as the source
    ec = export("contoso", {"tailspin_gcch": {"b2b_collaboration_outbound": OPEN}}, [CAT.resolve("usgov").endpoint],
                default={"b2b_collaboration_inbound": BLOCKED, "b2b_collaboration_outbound": OPEN})
    v = pairing.verdict(side("tailspin_gcch", eg), side("contoso", ec), CAT)
    assert v["status"] == "blocked"
    assert [(p["side"], p["setting"]) for p in v["problems"]] == [("resource", "b2b_collaboration_inbound")]
    assert "the default (the partner entry inherits)" in v["problems"][0]["message"]
    # GCC High <-> DoD is one cloud: no partner entry at all, the defaults decide
    same = pairing.verdict(side("tailspin_gcch", export("tailspin_gcch")), side("northwind_dod", export("northwind_dod")),
                           CAT)
    assert same["status"] == "open" and same["problems"] == []
    closed = export("northwind_dod", default={"b2b_collaboration_inbound": BLOCKED, "b2b_collaboration_outbound": OPEN})
    v = pairing.verdict(side("tailspin_gcch", export("tailspin_gcch")), side("northwind_dod", closed), CAT)
    assert v["status"] == "blocked" and "from the default (no partner entry)" in v["problems"][0]["message"]


def test_restricted_targets_and_declared_blocks():
    group = {"access": "allowed", "targets": [{"group": "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"}]}
    some = {"users_and_groups": group, "applications": OPEN["applications"]}
    ec, eg = paired("contoso", "fabrikam_cn", ea={"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": some})
    v = pairing.verdict(side("contoso", ec), side("fabrikam_cn", eg), CAT)
    assert (v["status"], v["ok"]) == ("restricted", True) and "only some users" in v["notes"][0]
    ec, eg = paired("contoso", "fabrikam_cn",
                    ea={"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": BLOCKED})
    declared = dict(pairing.DEFAULT_SIDE, b2b_collaboration_outbound=BLOCKED)
    v = pairing.verdict(side("contoso", ec, declared=declared), side("fabrikam_cn", eg), CAT)
    assert (v["status"], v["expected"], v["ok"]) == ("blocked", "blocked", True)
    # declared open but blocked on the service (drift): not ok
    v = pairing.verdict(side("contoso", ec), side("fabrikam_cn", eg), CAT)
    assert (v["status"], v["expected"], v["ok"]) == ("blocked", "open", False)
    assert v["problems"][0]["side"] == "home" and v["problems"][0]["setting"] == "b2b_collaboration_outbound"


@pytest.mark.parametrize("external,blocked", [
    ({"allowed_domains": None, "blocked_domains": ["tailspin-defense.us"]}, True),
    ({"allowed_domains": None, "blocked_domains": ["*.defense.us"]}, False),
    ({"allowed_domains": None, "blocked_domains": ["*.tailspin-defense.us", "tailspin-defense.us"]}, True),
    ({"allowed_domains": ["fabrikam.cn"], "blocked_domains": None}, True),
    ({"allowed_domains": ["fabrikam.cn", "tailspin-defense.us"], "blocked_domains": None}, False),
])
def test_resource_domain_lists(external, blocked):
    ec, eg = paired("contoso", "tailspin_gcch")
    ec["external_collaboration"] = external
    v = pairing.verdict(side("tailspin_gcch", eg, "tailspin-defense.us"), side("contoso", ec), CAT)
    assert (v["status"] == "blocked") is blocked
    assert bool([p for p in v["problems"] if p["setting"] == "domain_list"]) is blocked


def test_missing_export_is_unknown_and_not_ok():
    ec, _eg = paired("contoso", "tailspin_gcch")
    v = pairing.verdict(side("contoso", ec), side("tailspin_gcch", None), CAT)
    assert (v["status"], v["ok"]) == ("unknown", False)
    assert v["problems"][0]["setting"] == "export" and v["problems"][0]["tenant"] == "tailspin_gcch"


@pytest.mark.parametrize("failed_result", [
    {"failed": True, "changed": False,
     "msg": "Graph GET /v1.0/policies/crossTenantAccessPolicy failed: 503 ServiceUnavailable: Injected fault "
            "(gave up after 9 attempts)"},
    {"skipped": True, "changed": False},
    {"unreachable": True, "msg": "host went away"},
    {"changed": False},                       # registered, but without the settings a verdict needs
])
def test_a_failed_read_back_is_unknown_with_its_reason_and_blames_no_setting(failed_result):
    ec, _eg = paired("contoso", "tailspin_gcch")
    for home, resource in ((side("contoso", ec), side("tailspin_gcch", failed_result)),
                           (side("tailspin_gcch", failed_result), side("contoso", ec))):
        v = pairing.verdict(home, resource, CAT)
        assert (v["status"], v["ok"]) == ("unknown", False)
        assert [p["setting"] for p in v["problems"]] == ["export"]          # no cloud/partner/inbound blame
        message = v["problems"][0]["message"]
        assert message.startswith("unknown: tailspin_gcch could not be read back (")
        if failed_result.get("msg"):
            assert failed_result["msg"].split(" (gave")[0] in message


def test_matrix_covers_both_directions_of_supported_pairs_only():
    pairs = norm([["contoso", "tailspin_gcch"], ["tailspin_gcch", "fabrikam_cn"]])["pairs"]
    ec, eg = paired("contoso", "tailspin_gcch")
    tenants = {"contoso": {"tenant_id": IDS["contoso"], "cloud": "global", "export": ec},
               "tailspin_gcch": {"tenant_id": IDS["tailspin_gcch"], "cloud": "usgov", "export": eg},
               "fabrikam_cn": {"tenant_id": IDS["fabrikam_cn"], "cloud": "china", "export": export("fabrikam_cn")}}
    rows = pairing.matrix(pairs, tenants, CAT)
    assert [(r["home"], r["resource"], r["status"]) for r in rows] == [
        ("contoso", "tailspin_gcch", "open"), ("tailspin_gcch", "contoso", "open")]


# ---- audit ----------------------------------------------------------------------------------------

def test_exports_rebuild_partnerships_and_report_half_pairs():
    trust = {"mfa": True, "compliant_device": False, "hybrid_joined_device": False}
    ec, eg = paired("contoso", "tailspin_gcch",
                    ea={"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN, "inbound_trust": trust,
                        "automatic_user_consent": {"inbound": None, "outbound": None}})
    ec["partners"].append({"partner": IDS["fabrikam_cn"], "settings": {}})
    ec["partners"].append({"partner": "00000000-0000-0000-0000-000000000001", "settings": {}})
    out = pairing.partnerships_from_exports({
        "contoso": {"tenant_id": IDS["contoso"], "export": ec},
        "tailspin_gcch": {"tenant_id": IDS["tailspin_gcch"], "export": eg},
        "fabrikam_cn": {"tenant_id": IDS["fabrikam_cn"], "export": export("fabrikam_cn")}})
    assert out["entra_partnerships"] == [{"tenants": ["contoso", "tailspin_gcch"], "settings_by_tenant": {
        "contoso": {"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN,
                    "inbound_trust": {"mfa": True, "compliant_device": False, "hybrid_joined_device": False}},
        "tailspin_gcch": {"b2b_collaboration_inbound": OPEN, "b2b_collaboration_outbound": OPEN}}}]
    assert out["half_pairs"] == [{"tenant": "contoso", "partner": "fabrikam_cn"}]
    assert out["external_partners"] == [{"tenant": "contoso",
                                         "partner_tenant_id": "00000000-0000-0000-0000-000000000001"}]
    # and what it rebuilt is valid partnership data again
    assert norm(copy.deepcopy(out["entra_partnerships"]))["problems"] == []


# ---- guests ---------------------------------------------------------------------------------------

def test_guest_plan_for_one_resource():
    people = ["jordan.ellis@tailspin-defense.us", {"email": "x@tailspin-defense.us", "display_name": "X"}]
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": people},
            {"resource": "contoso", "home_cloud": "usgov", "people": ["pat@outside.us"]},
            {"resource": "tailspin_gcch", "home": "contoso", "people": ["megan@contoso.com"]}]
    plan = pairing.guest_plan(data, "contoso", HOSTS)
    assert [(p["home"], p["home_in_run"], p["home_cloud"]) for p in plan] == [
        ("tailspin_gcch", True, None), (None, False, "usgov")]
    assert plan[0]["people"][1] == {
        "email": "x@tailspin-defense.us", "display_name": "X", "user_type": None, "profile": None,
        "groups": None, "licenses": None}
    assert pairing.guest_plan(data, "northwind_dod", HOSTS) == []


def test_guest_plan_lists_every_bad_entry():
    data = [{"resource": "ghost", "home": "contoso", "people": []},
            {"resource": "contoso", "home": "nowhere", "people": ["a@b.com"]},
            {"resource": "contoso", "home": "tailspin_gcch", "people": [{"mail": "a@b.com"}]},
            {"resource": "contoso", "people": "a@b.com"}]
    with pytest.raises(pairing.PairingError) as err:
        pairing.guest_plan(data, "contoso", HOSTS)
    text = str(err.value)
    assert "entra_guests[0].resource 'ghost'" in text and "home 'nowhere' is not a tenant of this run" in text
    assert "entra_guests[2].people[0]" in text and "entra_guests[3] must be" in text


# ---- unpairing: what deleting a partner entry would take with it ----------------------------------

GROUP = "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc"
APP = "00000003-0000-0ff1-ce00-000000000000"
NO_CONSENT = {"inbound": None, "outbound": None}


def entry_as_paired(**settings):
    """A partner entry as cross_tenant_access_info reads it after pair_tenants wrote the default side."""
    out = {"b2b_collaboration_inbound": copy.deepcopy(OPEN), "b2b_collaboration_outbound": copy.deepcopy(OPEN),
           "b2b_direct_connect_inbound": None, "b2b_direct_connect_outbound": None, "inbound_trust": None,
           "automatic_user_consent": dict(NO_CONSENT)}
    out.update(settings)
    return {"partner": IDS["tailspin_gcch"], "settings": out, "is_service_provider": None,
            "identity_synchronization": None}


def test_an_entry_as_pair_tenants_left_it_holds_nothing_foreign():
    assert pairing.foreign_settings(entry_as_paired(), pairing.DEFAULT_SIDE) == []
    # the hub's declared trust; access_settings filled in the flags the data leaves out
    hub = pairing.merge(pairing.DEFAULT_SIDE, {"inbound_trust": {"mfa": True}})
    trusted = entry_as_paired(inbound_trust={"mfa": True, "compliant_device": False, "hybrid_joined_device": False})
    assert pairing.foreign_settings(trusted, hub) == []
    # tenant restrictions and consent read as mappings of nulls are unset, as on a fresh entry
    unset = dict(entry_as_paired(), tenant_restrictions={"users_and_groups": None, "applications": None,
                                                         "devices": None})
    assert pairing.foreign_settings(unset, pairing.DEFAULT_SIDE) == []


@pytest.mark.parametrize("change,foreign", [
    ({"identity_synchronization": {"display_name": "HR", "user_sync_inbound": {"is_sync_allowed": True}}},
     "identity_synchronization"),
    ({"tenant_restrictions": {"users_and_groups": {"access_type": "blocked"}, "applications": None}},
     "tenant_restrictions"),
    ({"is_service_provider": True}, "is_service_provider"),
    ({"settings": {"b2b_direct_connect_inbound": BLOCKED}}, "b2b_direct_connect_inbound"),
    ({"settings": {"b2b_direct_connect_outbound": {"users_and_groups": None, "applications": BLOCKED["applications"]}}},
     "b2b_direct_connect_outbound"),
    ({"settings": {"automatic_user_consent": {"inbound": False, "outbound": None}}}, "automatic_user_consent"),
    ({"settings": {"inbound_trust": {"mfa": False, "compliant_device": False, "hybrid_joined_device": False}}},
     "inbound_trust"),
    ({"settings": {"b2b_collaboration_inbound": BLOCKED}}, "b2b_collaboration_inbound"),
    ({"settings": {"b2b_collaboration_outbound": {"users_and_groups": OPEN["users_and_groups"],
                                                  "applications": {"access": "allowed", "targets": [APP]}}}},
     "b2b_collaboration_outbound"),
])
def test_each_kind_of_foreign_setting_is_named(change, foreign):
    entry = entry_as_paired(**change.pop("settings", {}))
    entry.update(change)
    assert pairing.foreign_settings(entry, pairing.DEFAULT_SIDE) == [foreign]


def test_declared_settings_are_compared_in_any_spelling_and_only_where_declared():
    declared = pairing.merge(pairing.DEFAULT_SIDE, {
        "b2b_collaboration_inbound": {"users_and_groups": {"access": "allowed",
                                                           "targets": [{"Group": GROUP.upper()}, "AllUsers"]}},
        "b2b_direct_connect_outbound": {"users_and_groups": {"access": "blocked"}},
        "inbound_trust": {"mfa": True},
        "automatic_user_consent": {"inbound": True}})
    read = entry_as_paired(
        b2b_collaboration_inbound={"users_and_groups": {"access": "allowed", "targets": ["all", {"group": GROUP}]},
                                   "applications": {"access": "allowed", "targets": ["all"]}},
        # the half the data does not declare came from the default when access_settings wrote it
        b2b_direct_connect_outbound={"users_and_groups": {"access": "blocked", "targets": ["all"]},
                                     "applications": {"access": "allowed", "targets": ["office365"]}},
        inbound_trust={"mfa": True, "compliant_device": True, "hybrid_joined_device": None},
        automatic_user_consent={"inbound": True, "outbound": False})
    assert pairing.foreign_settings(read, declared) == []
    read["settings"]["inbound_trust"]["mfa"] = False
    read["settings"]["automatic_user_consent"]["inbound"] = False
    read["settings"]["b2b_direct_connect_outbound"]["users_and_groups"]["access"] = "allowed"
    assert pairing.foreign_settings(read, declared) == ["b2b_direct_connect_outbound", "automatic_user_consent",
                                                        "inbound_trust"]


def test_inherited_settings_lose_nothing_and_undeclarable_values_count_as_foreign():
    inherited = entry_as_paired(b2b_collaboration_inbound=None,
                                b2b_collaboration_outbound={"users_and_groups": None, "applications": None})
    assert pairing.foreign_settings(inherited, pairing.DEFAULT_SIDE) == []
    # data pair_tenants would refuse cannot be what it wrote
    bad = pairing.merge(pairing.DEFAULT_SIDE, {"b2b_collaboration_inbound": {"users_and_groups": {"access": "maybe"}}})
    assert pairing.foreign_settings(entry_as_paired(), bad) == ["b2b_collaboration_inbound"]
    assert pairing.foreign_settings({}, None) == []


def test_removal_sides_take_the_settings_pair_tenants_declared():
    declared = norm([{"hub": "contoso", "spokes": ["tailspin_gcch", "fabrikam_cn"],
                      "hub_settings": {"inbound_trust": {"mfa": True}}}])["pairs"]
    removing = pairing.normalise([["tailspin_gcch", "contoso"], ["tailspin_gcch", "northwind_dod"]], HOSTS, CLOUDS,
                                 CAT, removal=True)["pairs"]
    sides = pairing.removal_sides("contoso", removing, declared)
    assert sides == [{"partner": "tailspin_gcch", "settings": pairing.merge(pairing.DEFAULT_SIDE,
                                                                            {"inbound_trust": {"mfa": True}}),
                      "sync_in": False}]
    # a pair pair_tenants does not declare (any more): the list of pairs to remove is all there is
    assert pairing.removal_sides("northwind_dod", removing, declared) == [
        {"partner": "tailspin_gcch", "settings": pairing.DEFAULT_SIDE, "sync_in": False}]
    assert pairing.removal_sides("fabrikam_cn", removing, declared) == []


def test_foreign_entries_look_only_at_entries_being_removed():
    sides = [{"partner": "tailspin_gcch", "settings": pairing.DEFAULT_SIDE},
             {"partner": "northwind_dod", "settings": pairing.DEFAULT_SIDE},
             {"partner": "fabrikam_cn", "settings": pairing.DEFAULT_SIDE}]
    synced = dict(entry_as_paired(), partner=IDS["tailspin_gcch"], identity_synchronization={"display_name": "x"})
    kept = dict(entry_as_paired(), partner="11111111-2222-3333-4444-555555555555", is_service_provider=True)
    clean = dict(entry_as_paired(), partner=IDS["fabrikam_cn"])
    ids = dict(IDS, tailspin_gcch=IDS["tailspin_gcch"].upper())
    out = pairing.foreign_entries("contoso", sides, ids, [synced, kept, clean])
    assert out == [{"tenant": "contoso", "partner": "tailspin_gcch", "partner_tenant_id": IDS["tailspin_gcch"],
                    "settings": ["identity_synchronization"]}]


def test_foreign_report_names_every_tenant_partner_and_setting_and_the_fix():
    found = [{"tenant": "contoso", "partner": "tailspin_gcch", "partner_tenant_id": "t1",
              "settings": ["identity_synchronization", "tenant_restrictions"]},
             {"tenant": "fabrikam_cn", "partner": "contoso", "partner_tenant_id": "c1", "settings": ["inbound_trust"]}]
    lines = pairing.foreign_report(found, ["northwind_dod"])
    assert lines[0].startswith("Nothing was removed: 2 partner entries hold settings pair_tenants did not make")
    assert lines[1:3] == ["  contoso: partner tailspin_gcch (t1): identity_synchronization, tenant_restrictions",
                          "  fabrikam_cn: partner contoso (c1): inbound_trust"]
    assert "entra_unpair_delete_foreign_settings=true" in lines[3]
    assert lines[4].startswith("northwind_dod: its partner entries could not be checked")
    notice = pairing.foreign_report(found[:1], delete=True)
    assert notice[0].startswith("Deleting 1 partner entry together with") and len(notice) == 2
    assert pairing.foreign_report([]) == []


def test_not_restored_lists_the_baseline_and_clouds_left_on():
    baseline = {"email_otp_for_guests": "enabled", "allow_invites_from": "everyone", "guest_user_role": None,
                "allowed_domains": ["contoso.com"], "domains_exclusive": True, "domains_state": "present"}
    assert pairing.not_restored(baseline) == ["allow_invites_from", "allowed_domains", "email_otp_for_guests"]
    assert pairing.not_restored({}, ["usgov"]) == ["cloud settings (usgov)"]
    assert pairing.not_restored(None) == []


def test_policy_size_estimate_for_a_hub_compact_fits_and_explicit_with_long_lists_does_not():
    spokes = ["spoke%03d" % i for i in range(100)]
    hub = [{"hub": "hub", "spokes": spokes}]
    size, problems = pairing.policy_size_problems("hub", hub, compact=True)
    assert problems == [] and size < 25600
    # the same hub with every setting explicit: still ~210 bytes an entry, so 100 fit
    explicit, problems = pairing.policy_size_problems("hub", hub, compact=False)
    assert problems == [] and explicit > size
    # long target lists do not fit, and the fix is named
    groups = [{"group": "2c057a25-45d1-4fe3-a7c8-%012x" % i} for i in range(20)]
    some = {"users_and_groups": {"access": "allowed", "targets": groups}, "applications": {"access": "allowed"}}
    heavy = [{"hub": "hub", "spokes": spokes, "hub_settings": {"b2b_collaboration_inbound": some}}]
    big, problems = pairing.policy_size_problems("hub", heavy, compact=False)
    assert big > 25600 and len(problems) == 1
    assert problems[0].startswith("hub: its cross-tenant access policy would be about %d bytes with the run's 100 "
                                  "partners" % big)
    assert "partnership_compact: true" in problems[0]
    # a spoke has one partner: tiny
    assert pairing.policy_size_problems("spoke001", heavy, compact=False)[0] < 2000


# ---- guests: one lookup per home tenant, one invitation task per resource tenant ---------------------

def test_guest_lookups_gathers_a_home_tenants_people_for_every_resource_once():
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": ["jordan@t.us", {"email": "x@t.us"}]},
            {"resource": "northwind_dod", "home": "tailspin_gcch", "people": ["Jordan@t.us", "sam@t.us"]},
            {"resource": "contoso", "home_cloud": "usgov", "people": ["pat@outside.us"]},
            {"resource": "tailspin_gcch", "home": "contoso", "people": ["megan@contoso.com"]}]
    assert pairing.guest_lookups(data, "tailspin_gcch", HOSTS) == ["jordan@t.us", "x@t.us", "sam@t.us"]
    assert pairing.guest_lookups(data, "contoso", HOSTS) == ["megan@contoso.com"]
    assert pairing.guest_lookups(data, "northwind_dod", HOSTS) == []
    assert pairing.guest_lookups(None, "contoso", HOSTS) == []
    with pytest.raises(pairing.PairingError, match="entra_guests\\[0\\].resource 'ghost'"):
        pairing.guest_lookups([{"resource": "ghost", "home": "contoso", "people": []}], "contoso", HOSTS)


def _found(mail, upn, name=None):
    return {"mail": mail, "user_principal_name": upn, "display_name": name, "other_mails": []}


def test_guest_invites_merges_every_home_into_one_list_with_per_guest_home_cloud():
    plan = [{"home": "tailspin_gcch", "home_in_run": True, "home_cloud": None,
             "people": [{"email": "jordan@t.us", "display_name": None, "user_type": None},
                        {"email": "ghost@t.us", "display_name": None, "user_type": None}]},
            {"home": None, "home_in_run": False, "home_cloud": "china",
             "people": [{"email": "li@f.cn", "display_name": "Li", "user_type": "Member"}]},
            {"home": "tailspin_gcch", "home_in_run": True, "home_cloud": None,
             "people": [{"email": "JORDAN@t.us", "display_name": None, "user_type": None}]},
            {"home": "northwind_dod", "home_in_run": True, "home_cloud": None, "people": []}]
    lookups = {"tailspin_gcch": {"changed": False, "not_found": ["ghost@t.us"],
                                 "guests": [_found("jordan@t.us", "jordan.e@t.us", "Jordan")]},
               "northwind_dod": {"skipped": True, "changed": False}}
    out = pairing.guest_invites(plan, lookups, {"tailspin_gcch": "usgov", "northwind_dod": "usgov_dod"})
    assert out["guests"] == [
        {"email": "jordan.e@t.us", "display_name": "Jordan", "home_cloud": "usgov", "addresses_are_upns": True},
        {"email": "li@f.cn", "display_name": "Li", "user_type": "Member", "home_cloud": "china",
         "addresses_are_upns": False}]
    assert out["entries"] == [{"home": "tailspin_gcch", "emails": ["jordan.e@t.us"], "skipped": ["ghost@t.us"]},
                              {"home": "china", "emails": ["li@f.cn"], "skipped": []},
                              {"home": "tailspin_gcch", "emails": ["jordan.e@t.us"], "skipped": []},
                              {"home": "northwind_dod", "emails": [], "skipped": []}]
    assert out["problems"] == []
    result = {"guests": [{"email": "jordan.e@t.us", "action": "exists"}, {"email": "li@f.cn", "action": "invited"}]}
    assert pairing.guest_report(out, result) == [
        {"home": "tailspin_gcch", "invited": [], "existing": ["jordan.e@t.us"], "skipped": ["ghost@t.us"], "profiled": [], "joined": [], "licensed": []},
        {"home": "china", "invited": ["li@f.cn"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "tailspin_gcch", "invited": [], "existing": ["jordan.e@t.us"], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "northwind_dod", "invited": [], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []}]
    # nobody to invite: the invitation task is skipped
    assert pairing.guest_report(out, {"skipped": True})[1] == {"home": "china", "invited": [], "existing": [],
                                                               "skipped": [], "profiled": [], "joined": [], "licensed": []}


def test_guest_invites_names_people_whose_home_did_not_look_them_up_and_refuses_conflicts():
    person = {"email": "sam@n.mil", "display_name": None, "user_type": None}
    plan = [{"home": "northwind_dod", "home_in_run": True, "home_cloud": None, "people": [person]},
            {"home": "tailspin_gcch", "home_in_run": True, "home_cloud": None,
             "people": [{"email": "other@t.us", "display_name": None, "user_type": None}]}]
    failed = {"failed": True, "msg": "sign-in failed"}
    out = pairing.guest_invites(plan, {"northwind_dod": failed, "tailspin_gcch": {"guests": [], "not_found": []}},
                                {})
    assert out["guests"] == [] and out["entries"][0] == {"home": "northwind_dod", "emails": [], "skipped": []}
    assert out["problems"] == [
        "northwind_dod did not look up sam@n.mil (it failed earlier in this run): not invited",
        "tailspin_gcch did not look up other@t.us (its entra_guests differs from this tenant's): not invited"]
    assert pairing.guest_invites(plan[:1], {}, {})["problems"] == [out["problems"][0]]
    # the same address from two entries with different user types
    plan = [{"home": None, "home_in_run": False, "home_cloud": "usgov", "people": [person]},
            {"home": None, "home_in_run": False, "home_cloud": "usgov", "people": [dict(person, user_type="Member")]}]
    with pytest.raises(pairing.PairingError, match="sam@n.mil is invited twice into this tenant with different "
                                                   "user_type \\('Guest' for usgov, 'Member' for usgov\\)"):
        pairing.guest_invites(plan, {}, {})


# ---- guest profiles -------------------------------------------------------------------------------

def test_guest_profiles_follow_the_invited_address_and_are_checked_with_the_lists():
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": [
        {"email": "jordan@t.us", "profile": {"given_name": " Jordan ", "usage_location": "us",
                                             "show_in_address_list": True}},
        "plain@t.us"]}]
    assert pairing.guest_problems(data, HOSTS) == []
    plan = pairing.guest_plan(data, "contoso", HOSTS)
    # canonical form, as guest_profile would send it
    assert plan[0]["people"][0]["profile"] == {"given_name": "Jordan", "usage_location": "US",
                                               "show_in_address_list": True}
    lookups = {"tailspin_gcch": {"guests": [_found("jordan@t.us", "jordan.e@t.us"), _found("plain@t.us", "p@t.us")],
                                 "not_found": []}}
    out = pairing.guest_invites(plan, lookups, {"tailspin_gcch": "usgov"})
    # invited by the home UPN, the profile goes to that address; nobody else gets one
    assert [g["email"] for g in out["guests"]] == ["jordan.e@t.us", "p@t.us"]
    assert all("profile" not in g for g in out["guests"])
    assert out["profiles"] == [{"email": "jordan.e@t.us", "given_name": "Jordan", "usage_location": "US",
                                "show_in_address_list": True}]
    profiled = {"guests": [{"email": "jordan.e@t.us", "action": "updated"}, {"email": "p@t.us", "action": "x"}]}
    assert pairing.guest_report(out, {"guests": []}, profiled)[0]["profiled"] == ["jordan.e@t.us"]


@pytest.mark.parametrize("profile,expected", [
    ({"usage_location": "USA"}, "entra_guests[0].people[0].profile.usage_location 'USA' is not a two-letter"),
    ({"colour": "blue"}, "entra_guests[0].people[0].profile.colour is not a profile option. Fix: use one of"),
    ({"show_in_address_list": "yes"}, "profile.show_in_address_list 'yes' must be true or false"),
    ({"surname": 3}, "profile.surname 3 must be a string"),
    ({"company_name": "x" * 65}, "profile.company_name is 65 characters long; Graph allows 64"),
    ({}, "entra_guests[0].people[0].profile must be a mapping of profile options"),
])
def test_bad_profiles_are_named_for_preflight(profile, expected):
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": [{"email": "j@t.us", "profile": profile}]}]
    problems = pairing.guest_problems(data, HOSTS)
    assert len(problems) == 1 and expected in problems[0], problems
    with pytest.raises(pairing.PairingError):
        pairing.guest_work(data, HOSTS)


def test_one_guest_two_profiles_refused():
    plan = [{"home": None, "home_in_run": False, "home_cloud": "usgov",
             "people": [{"email": "sam@n.mil", "display_name": None, "user_type": None, "profile": p}]}
            for p in ({"surname": "Rivera"}, {"surname": "Rivers"})]
    with pytest.raises(pairing.PairingError, match="sam@n.mil is given two different profiles"):
        pairing.guest_invites(plan, {}, {})
    same = [plan[0], dict(plan[0])]
    assert len(pairing.guest_invites(same, {}, {})["profiles"]) == 1


def test_profiles_need_user_write_only_when_writing():
    assert "change guests' profiles" in pairing.required_permissions(profiles_guests=True, writes=True, verify=False)
    assert "change guests' profiles" not in pairing.required_permissions(profiles_guests=True, writes=False,
                                                                         verify=False)


# ---- what Graph cannot do -------------------------------------------------------------------------

def test_manual_steps_per_pair_with_the_other_sides_ids_and_cloud():
    catalogue = load_catalogue()
    pairs = [{"name": "contoso <-> fabrikam_cn", "tenants": ["contoso", "fabrikam_cn"], "status": "supported"},
             {"name": "tailspin_gcch <-> northwind_dod", "tenants": ["tailspin_gcch", "northwind_dod"],
              "status": "same_cloud"},
             {"name": "tailspin_gcch <-> fabrikam_cn", "tenants": ["tailspin_gcch", "fabrikam_cn"],
              "status": "unsupported"}]
    tenants = {"contoso": {"tenant_id": "c-id", "cloud": "global", "default_domain": "contoso.com"},
               "fabrikam_cn": {"tenant_id": "f-id", "cloud": "china", "default_domain": "fabrikam.cn"},
               "tailspin_gcch": {"tenant_id": "t-id", "cloud": "usgov", "default_domain": None},
               "northwind_dod": {"tenant_id": "n-id", "cloud": "usgov_dod", "default_domain": "northwind.mil"}}
    out = pairing.manual_steps(pairs, tenants, catalogue)
    assert [e["pair"] for e in out] == ["contoso <-> fabrikam_cn", "tailspin_gcch <-> northwind_dod", None]
    hub = out[0]["steps"]
    assert [s["tenant"] for s in hub] == ["contoso", "contoso", "fabrikam_cn", "fabrikam_cn"]
    assert "Cross-cloud meeting connections: allow fabrikam_cn (f-id)" in hub[0]["step"]
    # contoso reads fabrikam's free/busy: fabrikam's domain, tenant ID and cloud (21Vianet) calendar service
    assert "Add-AvailabilityAddressSpace -ForestName fabrikam.cn -AccessMethod OrgWideFBToken -TargetTenantId f-id " \
           "-TargetServiceEpr partner.outlook.cn" in hub[1]["step"]
    assert "-ForestName contoso.com" in hub[3]["step"] and "-TargetServiceEpr outlook.office.com" in hub[3]["step"]
    # GCC High and DoD: two Teams clouds, one calendar service; an unknown domain is a placeholder, not a guess
    gov = out[1]["steps"]
    assert "allow northwind_dod (n-id)" in gov[0]["step"]
    assert "-ForestName <mail domain of tailspin_gcch>" in gov[3]["step"]
    assert "-TargetServiceEpr outlook.office365.us" in gov[3]["step"]
    # the unsupported pair has no steps; SharePoint is checked once per tenant of a supported pair
    assert [s["tenant"] for s in out[2]["steps"]] == ["contoso", "fabrikam_cn", "tailspin_gcch", "northwind_dod"]
    assert all("Set-SPOTenant -EnableAzureADB2BIntegration $true" in s["step"] for s in out[2]["steps"])
    lines = pairing.manual_report(out)
    assert lines[0] == "  contoso <-> fabrikam_cn:" and lines[1].startswith("    contoso: Teams meetings across clouds")


def test_manual_steps_same_cloud_pair_has_no_teams_step_and_unknown_cloud_gets_a_placeholder():
    catalogue = load_catalogue()
    pairs = [{"name": "a <-> b", "tenants": ["a", "b"], "status": "same_cloud"}]
    out = pairing.manual_steps(pairs, {"a": {"tenant_id": "a-id", "cloud": "global"},
                                       "b": {"tenant_id": "b-id", "cloud": "global"}}, catalogue)
    kinds = [s["step"].split(" - ")[0] for s in out[0]["steps"]]
    assert kinds == ["free/busy of b's people in Outlook", "free/busy of a's people in Outlook"]
    out = pairing.manual_steps(pairs, {"a": {"tenant_id": "a-id", "cloud": "global"}, "b": {}}, catalogue)
    assert "-TargetTenantId <tenant ID of b>" in out[0]["steps"][0]["step"]
    assert "<the Exchange Online calendar service of b's cloud>" in out[0]["steps"][0]["step"]


def test_a_conditional_access_policy_needs_its_permission_where_the_tenant_has_partners():
    needs = pairing.required_permissions(has_partners=True, conditional_access=True, verify=False)
    assert needs[-2:] == ["read Conditional Access policies", "change Conditional Access policies"]
    assert "change Conditional Access policies" not in pairing.required_permissions(
        has_partners=False, conditional_access=True, verify=False)
    assert "change Conditional Access policies" not in pairing.required_permissions(
        has_partners=True, conditional_access=True, writes=False, verify=False)


def test_whether_guests_may_leave_needs_its_own_permission():
    ext = {"allow_external_identities_to_leave": False}
    needs = pairing.required_permissions(external_collaboration=ext, verify=False)
    assert needs == ["read whether guests may leave", "change whether guests may leave"]
    assert pairing.permission_problems("t", ["Policy.Read.All"], needs) == [
        "t: the app cannot change whether guests may leave. Fix: grant the application permission "
        "Policy.ReadWrite.ExternalIdentities (admin consent) to the app in this tenant"]
    assert pairing.required_permissions(external_collaboration=ext, writes=False, verify=False) == [
        "read whether guests may leave"]


def test_guest_groups_become_memberships_by_the_invited_address():
    people = [{"email": "jordan@t.us", "groups": ["Cross-cloud programme", " Partner engineers "]},
              {"email": "sam@t.us", "groups": ["cross-cloud programme"]}]
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": people},
            {"resource": "contoso", "home_cloud": "usgov", "people": [{"email": "pat@w.gov", "groups": ["Partner engineers"]}]}]
    assert pairing.guest_problems(data, HOSTS) == []
    plan = pairing.guest_plan(data, "contoso", HOSTS)
    lookups = {"tailspin_gcch": {"guests": [_found("jordan@t.us", "jordan.e@t.us"), _found("sam@t.us", "sam.r@t.us")],
                                 "not_found": []}}
    out = pairing.guest_invites(plan, lookups, {"tailspin_gcch": "usgov"})
    # one entry per group (letter case aside, the first spelling), each person by the address invited
    assert out["memberships"] == [
        {"group": "Cross-cloud programme", "members": ["jordan.e@t.us", "sam.r@t.us"]},
        {"group": "Partner engineers", "members": ["jordan.e@t.us", "pat@w.gov"]}]
    assert all("groups" not in g for g in out["guests"])
    joined = {"groups": [{"group": "Partner engineers", "added": ["pat@w.gov"]}]}
    report = pairing.guest_report(out, {"guests": []}, None, joined)
    assert [r["joined"] for r in report] == [[], ["pat@w.gov"]]


@pytest.mark.parametrize("key", ["groups", "licenses"])
@pytest.mark.parametrize("names", [[], "Team", [""], [3]])
def test_bad_groups_and_licences_are_named_for_preflight(key, names):
    data = [{"resource": "contoso", "home": "tailspin_gcch", "people": [{"email": "j@t.us", key: names}]}]
    problems = pairing.guest_problems(data, HOSTS)
    assert len(problems) == 1 and "entra_guests[0].people[0].%s must be a list of " % key in problems[0]
    assert "Fix:" in problems[0]


def test_guest_licences_by_the_invited_address():
    people = [{"email": "jordan@t.us", "licenses": ["POWER_BI_PRO"]},
              {"email": "JORDAN@t.us", "licenses": ["power_bi_pro", "VISIO"]}]
    plan = pairing.guest_plan([{"resource": "contoso", "home": "tailspin_gcch", "people": people[:1]},
                               {"resource": "contoso", "home": "tailspin_gcch", "people": people[1:]}], "contoso", HOSTS)
    lookups = {"tailspin_gcch": {"guests": [_found("jordan@t.us", "jordan.e@t.us")], "not_found": []}}
    out = pairing.guest_invites(plan, lookups, {"tailspin_gcch": "usgov"})
    assert out["licenses"] == [{"user": "jordan.e@t.us", "licenses": ["POWER_BI_PRO", "VISIO"]}]
    report = pairing.guest_report(out, {"guests": []}, None, None,
                                  {"assignments": [{"user": "jordan.e@t.us", "added": ["VISIO"]}]})
    assert [r["licensed"] for r in report] == [["jordan.e@t.us"], ["jordan.e@t.us"]]


def test_guest_groups_need_group_member_permissions():
    needs = pairing.required_permissions(groups_guests=True, verify=False)
    assert needs == ["read groups and their members", "add guests to groups"]
    licence_needs = pairing.required_permissions(licenses_guests=True, verify=False)
    assert licence_needs == ["read the tenant's licences", "assign licences"]
    assert pairing.required_permissions(licenses_guests=True, verify=False, writes=False) == [
        "read the tenant's licences"]
    assert pairing.permission_problems("t", ["User.Read.All"], needs)[1].startswith(
        "t: the app cannot add guests to groups. Fix: grant the application permission GroupMember.ReadWrite.All")
