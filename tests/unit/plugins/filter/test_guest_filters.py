"""The guests role's filters: whom each home tenant looks up, one invitation list per resource tenant."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.entra.crosscloud.plugins.filter import pairing as f

HOSTS = ["contoso", "fabrikam_cn", "tailspin_gcch"]
GUESTS = [{"resource": "contoso", "home": "tailspin_gcch", "people": ["jordan@t.us"]},
          {"resource": "contoso", "home": "fabrikam_cn", "people": ["li@f.cn"]},
          {"resource": "tailspin_gcch", "home": "fabrikam_cn", "people": ["li@f.cn", "wang@f.cn"]}]


def test_filters_are_registered():
    names = f.FilterModule().filters()
    assert {"guest_lookups", "guest_invites", "guest_report"} <= set(names)


def test_guest_lookups_filter():
    assert f.guest_lookups(GUESTS, "fabrikam_cn", HOSTS) == ["li@f.cn", "wang@f.cn"]
    with pytest.raises(AnsibleFilterError, match="entra_guests must be a list"):
        f.guest_lookups("nope", "contoso", HOSTS)


def test_guest_invites_reads_each_homes_lookup_and_cloud_from_hostvars():
    jordan = {"mail": "jordan@t.us", "user_principal_name": "jordan.e@t.us"}
    hostvars = {"tailspin_gcch": {"cloud": "usgov", "guests_lookup": {"guests": [jordan], "not_found": []}},
                "fabrikam_cn": {"cloud": "china", "guests_lookup": {"guests": [], "not_found": ["li@f.cn", "wang@f.cn"]}},
                "contoso": {}}
    plan = f.guest_plan(GUESTS, "contoso", HOSTS)
    out = f.guest_invites(plan, hostvars)
    assert out["guests"] == [{"email": "jordan.e@t.us", "home_cloud": "usgov", "addresses_are_upns": True}]
    assert out["problems"] == []
    assert f.guest_report(out, {"guests": [{"email": "jordan.e@t.us", "action": "invited"}]}) == [
        {"home": "tailspin_gcch", "invited": ["jordan.e@t.us"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "fabrikam_cn", "invited": [], "existing": [], "skipped": ["li@f.cn"], "profiled": [], "joined": [], "licensed": []}]
    # another variable name; a home without the variable (it failed before its lookup)
    hostvars["tailspin_gcch"]["mine"] = hostvars["tailspin_gcch"].pop("guests_lookup")
    out = f.guest_invites(plan, hostvars, "mine")
    assert out["problems"] == ["fabrikam_cn did not look up li@f.cn (it failed earlier in this run): not invited"]
    conflict = [{"resource": "contoso", "home_cloud": "usgov", "people": ["a@b.com"]},
                {"resource": "contoso", "home_cloud": "china", "people": ["A@b.com"]}]
    with pytest.raises(AnsibleFilterError, match="different home_cloud"):
        f.guest_invites(f.guest_plan(conflict, "contoso", HOSTS), {})


def test_guest_work_gives_every_tenant_what_lookups_and_plan_give_it_one_by_one():
    guests = GUESTS + [{"resource": "contoso", "home_cloud": "usgov", "people": ["pat@w.gov"]},
                       {"resource": "tailspin_gcch", "home": "fabrikam_cn", "people": ["LI@f.cn"]}]
    work = f.guest_work(guests, HOSTS)
    assert sorted(work) == sorted(HOSTS)
    for host in HOSTS:
        assert work[host]["people"] == f.guest_lookups(guests, host, HOSTS)
        assert work[host]["plan"] == f.guest_plan(guests, host, HOSTS)
    assert work["fabrikam_cn"]["people"] == ["li@f.cn", "wang@f.cn"]    # each address once
    with pytest.raises(AnsibleFilterError, match=r"entra_guests\[0\].resource 'nowhere'"):
        f.guest_work([{"resource": "nowhere", "home": "contoso", "people": []}], HOSTS)


def test_guest_outcomes_reports_each_tenant_appends_to_its_earlier_report_and_names_the_resource():
    jordan = {"mail": "jordan@t.us", "user_principal_name": "jordan.e@t.us"}
    work = f.guest_work(GUESTS, HOSTS)
    earlier = {"home": "x", "invited": [], "existing": [], "skipped": []}
    hostvars = {"tailspin_gcch": {"cloud": "usgov", "guests_lookup": {"guests": [jordan], "not_found": []},
                                  "guests_report": [earlier]},
                "fabrikam_cn": {"cloud": "china"},     # failed before its lookup
                "contoso": {"guests_invited": {"guests": [{"email": "jordan.e@t.us", "action": "exists"}]}}}
    out = f.guest_outcomes(HOSTS, hostvars, work)
    assert out["contoso"] == {
        "report": [{"home": "tailspin_gcch", "invited": [], "existing": ["jordan.e@t.us"], "skipped": [], "profiled": [], "joined": [], "licensed": []},
                   {"home": "fabrikam_cn", "invited": [], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []}],
        "problems": ["contoso: fabrikam_cn did not look up li@f.cn (it failed earlier in this run): not invited"]}
    assert out["tailspin_gcch"]["report"][0] == earlier and len(out["tailspin_gcch"]["problems"]) == 1
    assert out["fabrikam_cn"] == {"report": [], "problems": []}     # resource of nobody
