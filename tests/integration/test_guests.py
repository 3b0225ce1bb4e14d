"""The guests role through ansible-playbook over the demo inventory (guest_invitation and guest_info
themselves are proven in-process: tests/modules/test_guests.py, whose helpers this reuses)."""

import os

from tests.conftest import REPO
from tests.integration.helpers import writes
from tests.modules.test_guests import _guests

DEMO = os.path.join(REPO, "playbooks", "inventory", "demo")


def _guests_role():
    return [{"name": "guests", "hosts": "tenants", "gather_facts": False, "roles": ["entra.crosscloud.guests"]}]


def test_guests_role_looks_up_at_each_home_in_parallel_and_invites_once_per_resource(run_playbook, emulator):
    # three home tenants (and one outside the inventory) invite into contoso: each home looks its people up on
    # its own host, and contoso runs exactly one guest_invitation task for all of them
    guests = [{"resource": "contoso", "home": "tailspin_gcch", "people": ["jordan.ellis@tailspin-defense.us"]},
              {"resource": "contoso", "home": "fabrikam_cn", "people": ["li.wei@fabrikam.cn", "nobody@fabrikam.cn"]},
              {"resource": "contoso", "home": "northwind_dod", "people": ["sam.rivera@northwind.mil"]},
              {"resource": "contoso", "home_cloud": "usgov", "people": ["pat.kim@woodgrove.gov"]},
              {"resource": "contoso", "home": "tailspin_gcch", "people": ["Jordan.Ellis@tailspin-defense.us"]}]
    env = {"ENTRA_EMULATOR_DIR": emulator.state_dir}
    hosts = ("contoso", "fabrikam_cn", "tailspin_gcch", "northwind_dod")

    def check_layout(run):
        assert run.rc == 0, run.output[-4000:]
        invites = [r for r in run.results if r["action"].endswith("guest_invitation") and r["status"] != "skipped"]
        assert [r["host"] for r in invites] == ["contoso"]
        lookups = dict((r["host"], r) for r in run.results if r["action"].endswith("guest_info"))
        assert sorted(lookups) == sorted(hosts)     # one lookup task per tenant ...
        assert sorted(h for h, r in lookups.items() if r["status"] != "skipped") == [
            "fabrikam_cn", "northwind_dod", "tailspin_gcch"]   # ... run on each home's own host
        assert lookups["fabrikam_cn"]["result"]["not_found"] == ["nobody@fabrikam.cn"]
        assert len(lookups["tailspin_gcch"]["result"]["guests"]) == 1    # listed twice, looked up once
        reports = [r for r in run.results if r["task"].endswith("Report invited, existing and skipped people, for "
                                                                "every tenant")]
        assert len(reports) == 1     # one task for the play, setting each tenant's own report
        report = [i for i in reports[0]["result"]["results"]
                  if i["item"] == "contoso"][0]["ansible_facts"]["guests_report"]
        return invites[0]["result"], report

    run = run_playbook(_guests_role(), inventory=DEMO, env=env, extra_vars={"entra_guests": guests}, check=True)
    result, report = check_layout(run)
    assert writes(emulator) == 0
    assert [(g["email"], g["action"]) for g in result["guests"]] == [
        ("jordan.ellis@tailspin-defense.us", "invited"), ("li.wei@fabrikam.cn", "invited"),
        ("sam.rivera@northwind.mil", "invited"), ("pat.kim@woodgrove.gov", "invited")]
    run = run_playbook(_guests_role(), inventory=DEMO, env=env, extra_vars={"entra_guests": guests})
    result, report = check_layout(run)
    assert report == [
        {"home": "tailspin_gcch", "invited": ["jordan.ellis@tailspin-defense.us"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "fabrikam_cn", "invited": ["li.wei@fabrikam.cn"], "existing": [], "skipped": ["nobody@fabrikam.cn"],
         "profiled": [], "joined": [], "licensed": []},
        {"home": "northwind_dod", "invited": ["sam.rivera@northwind.mil"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "usgov", "invited": ["pat.kim@woodgrove.gov"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []},
        {"home": "tailspin_gcch", "invited": ["jordan.ellis@tailspin-defense.us"], "existing": [], "skipped": [], "profiled": [], "joined": [], "licensed": []}]
    assert _guests(emulator) == ["jordan.ellis@tailspin-defense.us", "li.wei@fabrikam.cn", "pat.kim@woodgrove.gov",
                                 "sam.rivera@northwind.mil"]
    # people found at home were invited by UPN, the outsider as given (and warned about)
    assert any("from usgov (pat.kim@woodgrove.gov)" in w for w in result.get("warnings", []))
    # the person missing at home was looked for in the home tenant only
    asked = set(e["tenant"] for e in emulator.log() if e["batch_item"] and e["method"] == "GET"
                and "nobody" in (e.get("query") or ""))
    assert asked == {emulator.tenant("fabrikam_cn")["id"]}
    since = emulator.log()[-1]["seq"]
    run = run_playbook(_guests_role(), inventory=DEMO, env=env, extra_vars={"entra_guests": guests})
    result, report = check_layout(run)
    assert emulator.counts(since)["graph_writes"] == 0 and result["changed"] is False
    assert [r["existing"] for r in report][:3] == [["jordan.ellis@tailspin-defense.us"], ["li.wei@fabrikam.cn"],
                                                   ["sam.rivera@northwind.mil"]]


def test_people_whose_home_tenant_failed_are_named_at_the_end_and_the_others_are_invited(run_playbook, emulator):
    # northwind's credentials are wrong, so its lookup fails on its own host: contoso still invites the others,
    # then the role fails once, at its end, naming the person left out and the tenant they were meant for
    guests = [{"resource": "contoso", "home": "tailspin_gcch", "people": ["jordan.ellis@tailspin-defense.us"]},
              {"resource": "contoso", "home": "northwind_dod", "people": ["sam.rivera@northwind.mil"]}]
    play = [{"name": "guests", "hosts": "tenants", "gather_facts": False,
             "pre_tasks": [{"name": "Break one home tenant's credentials",
                            "ansible.builtin.set_fact": {"client_secret": "not-the-secret"},
                            "when": "inventory_hostname == 'northwind_dod'"}],
             "roles": ["entra.crosscloud.guests"]}]
    env = {"ENTRA_EMULATOR_DIR": emulator.state_dir}
    run = run_playbook(play, inventory=DEMO, env=env, extra_vars={"entra_guests": guests})
    assert run.rc == 2, run.output[-4000:]
    assert [r["host"] for r in run.results if r["action"].endswith("guest_info") and r["status"] == "failed"] \
        == ["northwind_dod"]
    assert _guests(emulator) == ["jordan.ellis@tailspin-defense.us"]
    fails = [r for r in run.results if r["task"].endswith("Fail for people whose home tenant did not look them up")
             and r["status"] == "failed"]
    assert len(fails) == 1, run.output[-4000:]
    assert fails[0]["result"]["msg"] == ("contoso: northwind_dod did not look up sam.rivera@northwind.mil "
                                         "(it failed earlier in this run): not invited")
    # with guests_fail false the role leaves the failing to the caller: it ends without failing, and each
    # tenant's guests_problems says the same
    play[0]["vars"] = {"guests_fail": False}
    play[0]["post_tasks"] = [{"name": "Show the problems", "ansible.builtin.debug": {"var": "guests_problems"}}]
    run = run_playbook(play, inventory=DEMO, env=env, extra_vars={"entra_guests": guests})
    shown = dict((r["host"], r["result"]["guests_problems"]) for r in run.results if r["task"] == "Show the problems")
    assert shown["contoso"] == [fails[0]["result"]["msg"]] and shown["tailspin_gcch"] == []
    assert "northwind_dod" not in shown     # it failed at its lookup
