"""The roles' filters: connection options from host variables, tenant problems, summaries, clouds to turn off."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.entra.crosscloud.plugins.filter import pairing as f
from ansible_collections.entra.crosscloud.plugins.module_utils import pairing

TID = "8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d"
ALL_ROLES = sorted(set(r for roles in pairing.CAPABILITIES.values() for r in roles))


def test_connection_picks_connection_options_and_entra_connection_wins():
    hv = {"tenant_id": TID, "cloud": "usgov", "client_id": "c", "client_secret": "s", "client_certificate_path": "",
          "inventory_hostname": "x", "ansible_connection": "local", "timeout": None,
          "entra_connection": {"ca_path": "/ca.pem", "client_secret": "from-awx"}}
    assert f.connection(hv) == {"tenant_id": TID, "cloud": "usgov", "client_id": "c", "client_secret": "from-awx",
                                "ca_path": "/ca.pem"}
    with pytest.raises(AnsibleFilterError, match="unknown option.*secret_value"):
        f.connection({"entra_connection": {"secret_value": "x"}})
    with pytest.raises(AnsibleFilterError, match="must be a mapping"):
        f.connection({"entra_connection": "x"})


def discovery(**over):
    d = {"tenant_id": TID, "cloud": "global", "region_scope": "NA", "region_sub_scope": None, "b2b_supported": True,
         "permissions": ALL_ROLES, "token_source": "identity_provider", "changed": False, "failed": False}
    d.update(over)
    return d


def test_tenant_problems_from_tenant_info_results():
    pairs = [["contoso", "tailspin_gcch"]]
    assert f.tenant_problems(discovery(), "contoso", "global", partnerships=pairs) == []
    # a failed sign-in registered with failed_when: false still carries its msg and what discovery found
    failed = discovery(msg="sign-in to https://login/x failed: AADSTS7000215 ...", permissions=None, token_source=None)
    failed.pop("failed")
    out = f.tenant_problems(failed, "contoso", "usgov", partnerships=pairs)
    assert out[0] == "contoso: sign-in to https://login/x failed: AADSTS7000215 ..."
    assert "the inventory says cloud usgov, but the tenant lives in global" in out[1]
    # discovery itself failed: only the message
    assert f.tenant_problems({"msg": "tenant 'x' was not found", "changed": False}, "t", "global") == [
        "t: tenant 'x' was not found"]
    assert "no credentials" in f.tenant_problems(discovery(token_source=None, permissions=None), "t", "global")[0]
    usg = f.tenant_problems(discovery(cloud="usgov", region_scope="USG", b2b_supported=False), "litware", "usgov")
    assert usg == ["litware: the tenant's region scope USG (legacy US Government) cannot take part in B2B "
                   "collaboration at all; Microsoft supports it only for USGov tenants"]


@pytest.mark.parametrize("kwargs,granted,missing", [
    ({"partnerships": [["a", "b"]]}, ["Policy.Read.All"], ["change cross-tenant access settings"]),
    ({"partnerships": [["a", "b"]], "writes": False}, ["Policy.Read.All"], []),
    ({"guests": [{"resource": "a", "home": "b", "people": ["x@y.com"]}]}, ["Policy.Read.All"],
     ["read users and guests", "invite guests"]),
    ({"guests": [{"resource": "b", "home": "a", "people": ["x@y.com"]}]}, ["Policy.Read.All"],
     ["read users and guests"]),
    ({"external_collaboration": {"email_otp_for_guests": "enabled"}}, ["Policy.Read.All"],
     ["change the email one-time passcode setting"]),
    ({"domain_lists": True}, ["Policy.Read.All"], ["read the domain allow/block list"]),
])
def test_tenant_problems_names_the_permissions_the_run_needs_on_this_tenant(kwargs, granted, missing):
    out = f.tenant_problems(discovery(permissions=granted), "a", "global", **kwargs)
    assert [line.split("cannot ")[1].split(". Fix")[0] for line in out] == missing


def test_domain_lists_are_only_needed_in_the_commercial_cloud():
    gov = discovery(cloud="usgov", permissions=["Policy.Read.All"])
    assert f.tenant_problems(gov, "t", "usgov", domain_lists=True) == []


def test_unused_clouds_compare_by_entra_cloud():
    assert f.unused_clouds(["usgov"], ["usgov_dod", "global"]) == []
    assert f.unused_clouds(["usgov", "usgov_dod", "china"], ["global"]) == ["usgov", "china"]
    assert f.unused_clouds(["AzureChinaCloud"], []) == ["china"]
    with pytest.raises(AnsibleFilterError, match="unknown cloud 'mars'"):
        f.unused_clouds(["mars"], [])


def test_invites_by_home_upn_and_skips_unknown_people():
    entry = {"home": "contoso", "home_in_run": True, "home_cloud": None,
             "people": [{"email": "Megan@contoso.com", "display_name": None, "user_type": None},
                        {"email": "ghost@contoso.com", "display_name": None, "user_type": "Member"},
                        {"email": "adele.vance@contoso.com", "display_name": "Adele (Contoso)", "user_type": None}]}
    lookup = {"guests": [{"mail": "megan@contoso.com", "user_principal_name": "megan.bowen@contoso.com",
                          "display_name": "Megan Bowen", "other_mails": []},
                         {"mail": None, "user_principal_name": "adele.vance@contoso.com", "display_name": "Adele Vance",
                          "other_mails": ["adele@old.example"]}]}
    out = f.invites_for(entry, lookup)
    assert out == {"guests": [{"email": "megan.bowen@contoso.com", "display_name": "Megan Bowen"},
                              {"email": "adele.vance@contoso.com", "display_name": "Adele (Contoso)"}],
                   "skipped": ["ghost@contoso.com"], "by_upn": True}
    outside = f.invites_for(dict(entry, home_in_run=False), None)
    assert [g["email"] for g in outside["guests"]] == ["Megan@contoso.com", "ghost@contoso.com",
                                                       "adele.vance@contoso.com"]
    assert outside["guests"][1]["user_type"] == "Member" and outside["by_upn"] is False


def test_run_summary_reads_what_the_roles_left():
    row = {"home": "a", "resource": "b", "status": "blocked", "expected": "open", "ok": False, "notes": [],
           "problems": [{"side": "resource", "tenant": "b", "setting": "partner", "message": "b has not added a",
                         "fix": "entra.crosscloud.partner on b"}]}
    hv = {"a": {"partnership_changes": ["partners added: b"], "verify_matrix": [row],
                "guests_report": [{"home": "b", "invited": ["x@b.com"], "existing": [], "skipped": ["y@b.com"]}]},
          "b": {}}
    lines = f.run_summary(["a", "b"], hv, check_mode=True)
    assert lines == ["What would change on each tenant:", "  a: partners added: b",
                     "  b: not configured (it failed earlier in this run)",
                     "Who can collaborate where (home tenant's users -> resource tenant) - the state before the "
                     "predicted changes:",
                     "  a -> b: blocked [FAILED]",
                     "      resource side (b), partner: b has not added a. Fix: entra.crosscloud.partner on b",
                     "Guests (planned):", "  a <- b: invited x@b.com; skipped, not found at home y@b.com"]


def test_removal_ignores_settings_and_the_pair_matrix():
    hv = {"a": {"cloud": "usgov"}, "b": {"cloud": "china"}}
    data = [{"tenants": ["a", "b"], "settings": {"inbound_trust": {"mfa": "yes"}}}]
    assert len(f.partnerships(data, hv, ["a", "b"])["problems"]) == 3
    assert f.partnerships(data, hv, ["a", "b"], removal=True)["problems"] == []
    assert f.partnerships([["a", "c"]], hv, ["a", "b"], removal=True)["problems"]


def _export(*partners):
    return {"changed": False, "cloud_settings": {"clouds": [], "allowed_cloud_endpoints": []}, "default": {},
            "partners": list(partners)}


def _entry(tenant_id, **over):
    settings = {"b2b_collaboration_inbound": pairing.OPEN, "b2b_collaboration_outbound": pairing.OPEN,
                "b2b_direct_connect_inbound": None, "b2b_direct_connect_outbound": None, "inbound_trust": None,
                "automatic_user_consent": {"inbound": None, "outbound": None}}
    settings.update(over)
    return {"partner": tenant_id, "settings": settings, "is_service_provider": None,
            "identity_synchronization": None}


def test_foreign_settings_reads_tenant_restrictions_from_the_whole_entries():
    hv = {"a": {"tenant_id": "AAAA1111-0000-0000-0000-000000000000", "cloud": "global"},
          "b": {"tenant_id": "bbbb1111-0000-0000-0000-000000000000", "cloud": "usgov"},
          "c": {"tenant_id": "cccc1111-0000-0000-0000-000000000000", "cloud": "usgov"}}
    removing = f.partnerships([["a", "b"], ["a", "c"]], hv, ["a", "b", "c"], removal=True)["pairs"]
    declared = f.partnerships([{"tenants": ["a", "b"], "settings_by_tenant": {"a": {"inbound_trust": {"mfa": True}}}}],
                              hv, ["a", "b", "c"], removal=True)["pairs"]
    export = _export(_entry(hv["b"]["tenant_id"], inbound_trust={"mfa": True, "compliant_device": False,
                                                                 "hybrid_joined_device": False}),
                     _entry(hv["c"]["tenant_id"]))
    whole = [{"item": "b", "changed": False,
              "partner": {"tenant_id": hv["b"]["tenant_id"], "tenant_restrictions": None}},
             {"item": "c", "changed": False,
              "partner": {"tenant_id": hv["c"]["tenant_id"],
                          "tenant_restrictions": {"users_and_groups": {"access_type": "blocked"}}}},
             {"item": "d", "skipped": True}]
    assert f.foreign_settings(export, "a", removing, declared, hv, entries=whole) == [
        {"tenant": "a", "partner": "c", "partner_tenant_id": hv["c"]["tenant_id"], "settings": ["tenant_restrictions"]}]
    # without the whole entries tenant restrictions cannot be seen; the declared trust is still no problem
    assert f.foreign_settings(export, "a", removing, declared, hv) == []
    with pytest.raises(AnsibleFilterError, match="a's partner entries could not be read: boom"):
        f.foreign_settings({"failed": True, "msg": "boom"}, "a", removing, declared, hv)


def test_foreign_report_gathers_every_tenant_and_names_the_unchecked():
    item = {"tenant": "a", "partner": "b", "partner_tenant_id": "t", "settings": ["identity_synchronization"]}
    report = f.foreign_report(["a", "b", "c"], {"a": {"partnership_foreign": [item]}, "b": {"partnership_foreign": []},
                                                "c": {}})
    assert report["found"] == 1 and report["unchecked"] == ["c"]
    assert report["lines"][1] == "  a: partner b (t): identity_synchronization"
    assert f.foreign_report(["b"], {"b": {"partnership_foreign": []}}) == {"lines": [], "found": 0, "unchecked": []}


def test_unpair_summary_says_what_went_and_what_stays():
    hv = {"a": {"partnership_unpaired": {"partners": ["b"], "clouds": ["usgov"], "left": ["allow_invites_from"],
                                         "foreign": [{"partner": "b", "settings": ["tenant_restrictions"]}]}},
          "b": {"partnership_unpaired": {"partners": [], "clouds": [], "left": [], "foreign": []}},
          "c": {}}
    assert f.unpair_summary(["a", "b", "c"], hv, check_mode=True) == [
        "What would be removed on each tenant:",
        "  a: partners removed: b; settings deleted with them: b: tenant_restrictions; "
        "cloud settings turned off: usgov",
        "  a: left as pair_tenants set them: allow_invites_from",
        "  b: nothing",
        "  c: not unpaired (it failed earlier in this run)"]
    assert f.not_restored({"guest_user_role": "guest"}, ["china"]) == ["guest_user_role", "cloud settings (china)"]


def test_tenant_records_gives_each_tenant_its_findings_and_problems_from_its_own_variables():
    other = "cf596d2c-1283-4d6d-8580-e315c3e58b4b"
    hv = {"a": {"tenant_id": TID, "cloud": "global", "preflight_discovery": discovery(display_name="A", extra=1)},
          "b": {"tenant_id": other, "cloud": "usgov", "preflight_discovery": discovery(tenant_id=other)},
          "c": {"cloud": "global"}}
    out = f.tenant_records(["a", "b", "c"], hv, partnerships=[], domain_lists=True)
    assert out["a"] == {"tenant": {"name": "a", "tenant_id": TID, "cloud": "global", "region_scope": "NA",
                                   "region_sub_scope": None, "display_name": "A", "default_domain": None,
                                   "permissions": ALL_ROLES}, "problems": []}
    # each tenant is checked against its own declared cloud, as tenant_problems does one by one
    assert out["b"]["problems"] == f.tenant_problems(hv["b"]["preflight_discovery"], "b", "usgov", partnerships=[],
                                                     domain_lists=True)
    assert out["b"]["problems"] and "usgov" in out["b"]["problems"][0]
    assert out["c"]["problems"] == ["c: tenant_id is not set for this inventory host"]


def test_partnership_records_name_partners_by_host_and_list_every_kind_of_change():
    mine = [{"partner": "b"}, {"partner": "c"}]
    hv = {"b": {"tenant_id": "B-ID"}, "c": {"tenant_id": "c-id"},
          "a": {"partnership_configured": {"clouds_enabled": ["microsoftonline.us"], "partners": [
              {"tenant_id": "b-id", "action": "added"}, {"tenant_id": "c-id", "action": "updated",
                                                         "changed_settings": ["b2b_collaboration_inbound"]},
              {"tenant_id": "d-id", "action": "updated", "changed_settings": ["inbound_trust"]},
              {"tenant_id": "c-id", "action": "none"}]},
              "partnership_baseline": {"changed": True, "changed_settings": ["allow_invites_from"]}},
          "z": {"partnership_configured": {"skipped": True}}}
    out = f.partnership_records(["a", "z"], hv, {"a": mine})
    assert out["a"] == {"partners": mine, "changes": [
        "cloud settings: microsoftonline.us enabled", "partners added: b",
        "access changed for c: b2b_collaboration_inbound", "access changed for d-id: inbound_trust",
        "external collaboration: allow_invites_from"]}
    assert out["z"] == {"partners": [], "changes": []}
    assert f.partners_by_tenant([], ["a"]) == {"a": []}


def test_verify_reads_only_what_the_partnership_steps_read_lacks():
    current = {"cloud_settings": {"allowed_cloud_endpoints": []}, "default": {}, "partners": []}
    hv = {"cloud": "usgov", "partnership_configured": {"changed": False, "current": current}}
    assert f.verify_plan(hv) == {"read": False, "full": False}
    assert f.verify_export(hv) == dict(current, changed=False, reused=True)
    assert f.verify_plan(hv, reuse=False) == {"read": True, "full": True}
    changed = dict(hv, partnership_configured={"changed": True, "current": current}, verify_read={"partners": []})
    assert f.verify_plan(changed) == {"read": True, "full": True}     # it wrote: read back
    assert f.verify_export(changed) == {"partners": []}
    assert f.verify_plan(changed, check_mode=True) == {"read": False, "full": False}   # check mode wrote nothing
    for done in (None, {"skipped": True}, {"failed": True, "current": current}, {"changed": False}):
        assert f.verify_plan(dict(hv, partnership_configured=done)) == {"read": True, "full": True}
    # the commercial cloud has domain lists, which the partners task does not read: only they are read
    lists = {"domain_lists_supported": True, "allowed_domains": None, "blocked_domains": ["x.com"]}
    gl = dict(hv, cloud="global", verify_read={"changed": False, "external_collaboration": lists})
    assert f.verify_plan(gl) == {"read": True, "full": False}
    assert f.verify_export(gl) == dict(current, changed=False, reused=True, external_collaboration=lists)
    assert f.verify_plan(gl, domain_lists=False) == {"read": False, "full": False}
    failed = dict(gl, verify_read={"failed": True, "msg": "403"})
    assert f.verify_export(failed) == {"failed": True, "msg": "403"}


def test_sync_states_match_each_synchronisation_to_its_looped_result():
    syncs = [{"source": "contoso", "target": "tailspin_gcch", "name": "a"},
             {"source": "tailspin_gcch", "target": "contoso", "name": "b"}]
    active = {"code": "Active", "last_run": "Succeeded", "users_in_scope": 1}
    registered = {"results": [
        {"item": syncs[1], "changed": False, "actions": [], "configuration": {"status": dict(active, code="Paused")}},
        {"item": syncs[0], "changed": False, "actions": [], "configuration": {"status": active}}]}
    states = f.sync_states(syncs, registered)
    assert [s["ok"] for s in states] == [True, False]
    assert "the job is Paused, not running" in states[1]["line"]
    # a synchronisation with no result (its source failed earlier) is not ok
    assert f.sync_states(syncs, {"results": []})[0]["line"].endswith("FAILED - not read")


def test_partnership_records_give_each_tenant_only_its_own_synchronisation_lines():
    inbound = {"results": [{"item": {"source": "contoso", "target": "tailspin_gcch"}, "changed": True,
                            "action": "created"}]}
    out = {"results": [{"item": {"source": "contoso", "target": "tailspin_gcch"}, "changed": True,
                        "actions": ["created the configuration", "started the job"]},
                       {"skipped": True}]}
    hostvars = {"contoso": {"partnership_sync_configured": out}, "tailspin_gcch": {"partnership_sync_inbound": inbound}}
    records = f.partnership_records(["contoso", "tailspin_gcch"], hostvars, {})
    assert records["contoso"]["changes"] == ["synchronisation into tailspin_gcch: created the configuration, started "
                                             "the job"]
    assert records["tailspin_gcch"]["changes"] == ["synchronisation from contoso: policy created"]
