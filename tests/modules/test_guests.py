"""guest_invitation and guest_info through ansible-playbook against the emulator."""


import os

import pytest

from tests.conftest import REPO
from tests.integration.helpers import play, writes

DEMO = os.path.join(REPO, "playbooks", "inventory", "demo")


def _invite(name, guests, **args):
    return {"name": name, "entra.crosscloud.guest_invitation": dict(guests=guests, **args)}


def _guests(emulator, tenant="contoso"):
    return sorted(u["mail"] for u in emulator.state(tenant)["data"]["users"].values() if u["userType"] == "Guest"
                  or u["creationType"] == "Invitation")


PEOPLE = [{"email": "pat.kim@woodgrove.gov", "display_name": "Pat Kim"}, {"email": "li.wei@fabrikam.cn"}]


def test_invite_check_apply_idempotent(run_in_place, emulator, connection):
    conn = connection("contoso")
    run = run_in_place(play(conn, [_invite("check", PEOPLE)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and [g["action"] for g in res["guests"]] == ["invited", "invited"]
    assert res["diff"] == {"before": {"guests": []},
                           "after": {"guests": ["li.wei@fabrikam.cn", "pat.kim@woodgrove.gov"]}}
    assert writes(emulator) == 0
    run = run_in_place(play(conn, [_invite("apply", PEOPLE), _invite("again", PEOPLE)]))
    assert run.rc == 0, run.output
    applied = run.task("apply")["result"]["guests"]
    assert [g["action"] for g in applied] == ["invited", "invited"]
    assert all(g["id"] and g["redeem_url"].startswith("https://") and g["status"] == "PendingAcceptance"
               for g in applied)
    again = run.task("again")["result"]
    assert again["changed"] is False and [g["action"] for g in again["guests"]] == ["exists", "exists"]
    assert again["guests"][0]["user"]["external_user_state"] == "PendingAcceptance"
    assert _guests(emulator) == ["li.wei@fabrikam.cn", "pat.kim@woodgrove.gov"]
    # lookups and invitations went through $batch: check: 1 lookup; apply: lookup + invite, then lookups
    # until the new guests can be found (each new object stays hidden for 1-4 s); again: 1 lookup
    batches = [e for e in emulator.log() if e["path"].endswith("/$batch")]
    waits = run.task("apply")["result"]["retries"]
    assert waits >= 1 and len(batches) == 4 + waits + 1
    assert writes(emulator) == 2


def test_user_type_update_and_removal(run_in_place, emulator, connection):
    conn = connection("contoso")
    run_in_place(play(conn, [_invite("invite", PEOPLE[:1])]))
    run = run_in_place(play(conn, [_invite("member", [dict(PEOPLE[0], user_type="Member")]),
                                   _invite("remove", PEOPLE, state="absent"),
                                   _invite("remove again", PEOPLE, state="absent")]))
    assert run.rc == 0, run.output
    assert run.task("member")["result"]["guests"][0]["action"] == "updated"
    assert [g["action"] for g in run.task("remove")["result"]["guests"]] == ["removed", "absent"]
    assert run.task("remove again")["result"]["changed"] is False
    assert _guests(emulator) == []


def test_more_than_a_batch_and_throttling(run_in_place, emulator, connection):
    people = [{"email": "person%02d@example.org" % i} for i in range(45)]
    emulator.faults({"host": "graph", "method": "POST", "path": "/invitations$", "status": 429, "retry_after": 1,
                     "times": 3})
    run = run_in_place(play(connection("contoso"), [_invite("many", people)]))
    assert run.rc == 0, run.output
    assert all(g["action"] == "invited" and g["id"] for g in run.task("many")["result"]["guests"])
    assert len(_guests(emulator)) == 45
    invites = [e for e in emulator.log() if e["path"].endswith("/invitations")]
    assert len(invites) == 48     # 45 + the 3 throttled items sent again


def _invitation_attempts(emulator):
    return [e for e in emulator.log() if e["method"] == "POST" and e["path"].endswith("/invitations")]


def test_many_invitations_are_paced_under_the_rate_limit(run_in_place, emulator, connection):
    # Graph allows 150 invitations per 5 s per tenant: 320 in one task go 150, 150 and 20, a window apart,
    # and not one is throttled or sent twice
    people = [{"email": "guest%03d@example.org" % i} for i in range(320)]
    run = run_in_place(play(connection("contoso"), [_invite("many", people)]))
    assert run.rc == 0, run.output[-3000:]
    res = run.task("many")["result"]
    assert [g["action"] for g in res["guests"]] == ["invited"] * 320 and all(g["id"] for g in res["guests"])
    invites = _invitation_attempts(emulator)
    assert len(invites) == 320 and [e["status"] for e in invites] == [201] * 320
    assert not [e for e in emulator.log() if e["status"] == 429]
    assert len(_guests(emulator)) == 320
    times = sorted(e["time"] for e in invites)
    assert times[-1] - times[0] >= 10.0        # three windows: the pace, not luck
    assert all(len([t for t in times if start <= t < start + 5.0]) <= 150 for start in times)


def test_tasks_of_a_run_share_the_pace(run_in_place, emulator, connection):
    # the second task starts while the first one's 150 invitations still fill Graph's window: it waits
    emulator.replication(0)                     # else the first task's wait for its new guests spaces them out
    conn = connection("contoso")
    first = [{"email": "first%03d@example.org" % i} for i in range(150)]
    second = [{"email": "second%02d@example.org" % i} for i in range(30)]
    run = run_in_place(play(conn, [_invite("first", first), _invite("second", second)]))
    assert run.rc == 0, run.output[-3000:]
    assert all(g["action"] == "invited" for g in run.task("second")["result"]["guests"])
    invites = _invitation_attempts(emulator)
    assert len(invites) == 180 and not [e for e in emulator.log() if e["status"] == 429]
    assert len(_guests(emulator)) == 180


def test_cross_cloud_warning_and_unsupported_pair(run_in_place, emulator, connection):
    emulator.as_admin("tailspin_gcch", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    run = run_in_place(play(connection("tailspin_gcch"), [
        _invite("by mail", [{"email": "megan@contoso.com"}], home_cloud="global"),
        _invite("by upn", [{"email": "adele.vance@contoso.com"}], home_cloud="global", addresses_are_upns=True)]))
    assert run.rc == 0, run.output
    assert any("must be invited by their UPN" in w for w in run.task("by mail")["result"]["warnings"])
    assert not run.task("by upn")["result"].get("warnings")
    seen, written = emulator.log()[-1]["seq"], writes(emulator)
    run = run_in_place(play(connection("tailspin_gcch"), [_invite("china", [{"email": "li.wei@fabrikam.cn"}],
                                                                  home_cloud="china")]))
    res = run.task("china")
    assert res["status"] == "failed" and "not supported" in res["result"]["msg"], res["result"]
    assert "home_cloud china" in res["result"]["msg"]
    assert writes(emulator) == written and emulator.counts(since=seen)["graph_requests"] == 0
    assert "li.wei@fabrikam.cn" not in _guests(emulator, "tailspin_gcch")


def test_invitations_refused_by_policy_are_reported(run_in_place, emulator, connection):
    before = emulator.state("northwind_dod")["data"]
    run = run_in_place(play(connection("northwind_dod"), [_invite("refused", [{"email": "adele.vance@contoso.com"}])]))
    res = run.task("refused")
    # read from the tenant's authorization policy before any invitation is sent
    assert res["status"] == "failed" and "allow_invites_from is 'none'" in res["result"]["msg"], res["result"]
    assert "Fix: set allow_invites_from to admins_guest_inviters_and_all_members or everyone" in res["result"]["msg"]
    assert res["result"]["changed"] is False
    assert emulator.state("northwind_dod")["data"] == before


@pytest.mark.parametrize("guests,extra,needle", [
    ([{"email": "not-an-address"}], {}, "guests[0].email 'not-an-address' is not an email address"),
    ([{"email": "a@b.com"}, {"email": "A@b.com"}], {}, "listed twice"),
    ([{"email": "a@b.com", "cc": "nope"}], {}, "guests[0].cc"),
    ([{"email": "a@b.com", "redirect_url": "http://x.example"}], {}, "must be an https URL"),
    ([{"email": "a@b.com"}], {"home_cloud": "mars"}, "home_cloud: unknown cloud"),
    ([{"email": "a@b.com"}, {"email": "c@d.com", "home_cloud": "mars"}, {"email": "e@f.com"}], {"home_cloud": "usgov"},
     "guests[1].home_cloud: unknown cloud"),
])
def test_bad_input_before_any_request(run_in_place, emulator, connection, guests, extra, needle):
    run = run_in_place(play(connection("contoso"), [_invite("bad", guests, **extra)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert emulator.counts()["graph_requests"] == 0


def test_guest_info(run_in_place, emulator, connection):
    conn = connection("contoso")
    run_in_place(play(conn, [_invite("invite", PEOPLE)]))
    emulator.admin("POST", "/_emulator/redeem", {"resource_tenant": emulator.tenant("contoso")["id"],
                                                 "address": "pat.kim@woodgrove.gov"})
    run = run_in_place(play(conn, [
        {"name": "all", "entra.crosscloud.guest_info": {}},
        {"name": "pending", "entra.crosscloud.guest_info": {"external_user_state": "PendingAcceptance"}},
        {"name": "lookup", "entra.crosscloud.guest_info": {"emails": ["pat.kim@woodgrove.gov", "nobody@x.org"]}}]))
    assert run.rc == 0, run.output
    assert sorted(g["mail"] for g in run.task("all")["result"]["guests"]) == ["li.wei@fabrikam.cn",
                                                                              "pat.kim@woodgrove.gov"]
    assert [g["mail"] for g in run.task("pending")["result"]["guests"]] == ["li.wei@fabrikam.cn"]
    lookup = run.task("lookup")["result"]
    assert lookup["guests"][0]["external_user_state"] == "Accepted" and lookup["not_found"] == ["nobody@x.org"]


def test_per_guest_home_cloud_is_checked_before_any_request_and_warns_per_guest(run_in_place, emulator, connection):
    conn = connection("tailspin_gcch")
    run = run_in_place(play(conn, [_invite("china", [{"email": "a@b.com", "home_cloud": "global"},
                                                     {"email": "li.wei@fabrikam.cn", "home_cloud": "china"}],
                                           addresses_are_upns=True)]))
    res = run.task("china")
    assert res["status"] == "failed", res["result"]
    assert res["result"]["msg"].startswith("guests[1].home_cloud china: B2B collaboration between"), res["result"]
    assert emulator.counts()["graph_requests"] == 0
    # the task-level values are the defaults; a guest from another cloud not given by UPN is warned about
    run = run_in_place(play(conn, [_invite("mixed", [
        {"email": "megan@contoso.com", "home_cloud": "global", "addresses_are_upns": False},
        {"email": "adele.vance@contoso.com", "home_cloud": "global"},
        {"email": "sam.rivera@northwind.mil"}], home_cloud="usgov_dod", addresses_are_upns=True)]), check=True)
    res = run.task("mixed")["result"]
    assert run.rc == 0, run.output[-3000:]
    assert [w for w in res.get("warnings", []) if "UPN" in w] == [
        "guests from global (megan@contoso.com) are invited into a usgov tenant: across clouds they must be invited "
        "by their UPN in their home tenant, not an email address; set addresses_are_upns: true (for these guests or "
        "the task) once the addresses are UPNs"]
    assert writes(emulator) == 0


def _guests_role():
    return [{"name": "guests", "hosts": "tenants", "gather_facts": False, "roles": ["entra.crosscloud.guests"]}]
