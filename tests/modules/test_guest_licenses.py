"""guest_licenses against the emulator: check mode, diff, idempotence, removal, refusals before any write
(unknown SKU, no usage location, not enough units, people not found), an assignment cut off settled by a read."""

import pytest

from tests.integration.helpers import play

PBI = "f8a1db68-be16-40ed-86d5-cb42ce701560"
PAT = "pat.kim@woodgrove.gov"
MEGAN = "megan@contoso.com"


def _task(name, assignments, **args):
    return {"name": name, "entra.crosscloud.guest_licenses": dict(assignments=assignments, **args)}


def _profile(name, guests):
    return {"name": name, "entra.crosscloud.guest_profile": {"guests": guests}}


def _licences(emulator, address, tenant="contoso"):
    user = [u for u in emulator.state(tenant)["data"]["users"].values() if u["mail"] == address][0]
    return [lic["skuId"] for lic in user["assignedLicenses"]]


def _consumed(emulator):
    return [s["consumedUnits"] for s in emulator.state("contoso")["data"]["subscribed_skus"] if s["skuId"] == PBI][0]


def _invite_with_location(run_in_place, conn, people):
    invite = {"name": "invite", "entra.crosscloud.guest_invitation": {"guests": [{"email": p} for p in people]}}
    where = _profile("where", [{"email": p, "usage_location": "US"} for p in people])
    run = run_in_place(play(conn, [invite, where]))
    assert run.rc == 0, run.output


def test_assign_check_apply_rerun_remove(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite_with_location(run_in_place, conn, [PAT])
    wanted = [{"user": PAT, "licenses": ["power_bi_pro"]}]
    run = run_in_place(play(conn, [_task("check", wanted)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["assignments"][0]["added"] == ["POWER_BI_PRO"]
    assert res["diff"] == {"before": {PAT: []}, "after": {PAT: ["POWER_BI_PRO"]}}
    assert _licences(emulator, PAT) == []
    run = run_in_place(play(conn, [_task("apply", wanted), _task("again", wanted)]))
    assert run.rc == 0, run.output
    assert run.task("again")["result"]["changed"] is False
    assert _licences(emulator, PAT) == [PBI] and _consumed(emulator) == 1
    run = run_in_place(play(conn, [_task("remove", [{"user": PAT, "licenses": [PBI]}], state="absent"),
                                   _task("remove again", [{"user": PAT, "licenses": [PBI]}], state="absent")]))
    assert run.rc == 0, run.output
    assert run.task("remove")["result"]["assignments"][0]["removed"] == ["POWER_BI_PRO"]
    assert run.task("remove again")["result"]["changed"] is False and _consumed(emulator) == 0


@pytest.mark.parametrize("wanted,needle", [
    ([{"user": MEGAN, "licenses": ["VISIO_PLAN2"]}], "no subscription for VISIO_PLAN2 (it has: ENTERPRISEPACK, POWER_BI_PRO)"),
    ([{"user": MEGAN, "licenses": ["POWER_BI_PRO"]}], "no usage location"),
    ([{"user": "nobody@contoso.com", "licenses": ["POWER_BI_PRO"]}], "invite them first"),
])
def test_refused_before_any_write(run_in_place, emulator, connection, wanted, needle):
    run = run_in_place(play(connection("contoso"), [_task("bad", wanted)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"] and "Fix:" in res["result"]["msg"], res
    assert emulator.counts()["graph_writes"] == 0


def test_not_enough_units_refused_before_any_write(run_in_place, emulator, connection):
    conn = connection("contoso")
    people = ["p%d@woodgrove.gov" % i for i in range(6)]
    _invite_with_location(run_in_place, conn, people)
    before = emulator.counts()["graph_writes"]
    run = run_in_place(play(conn, [_task("six", [{"user": p, "licenses": ["POWER_BI_PRO"]} for p in people])]))
    msg = run.task("six")["result"]["msg"]
    assert "POWER_BI_PRO has 5 unit(s) left and 6 would be assigned" in msg and "Fix:" in msg
    assert emulator.counts()["graph_writes"] == before and _consumed(emulator) == 0


@pytest.mark.parametrize("assignments,needle", [
    ([{"user": "x", "licenses": ["POWER_BI_PRO"]}], "assignments[0].user 'x' is not an email"),
    ([{"user": MEGAN, "licenses": []}], "assignments[0].licenses [] names no licence"),
    ([{"user": MEGAN, "licenses": ["A"]}, {"user": MEGAN.upper(), "licenses": ["B"]}], "is listed twice"),
])
def test_bad_input_before_any_request(run_in_place, emulator, connection, assignments, needle):
    run = run_in_place(play(connection("contoso"), [_task("bad", assignments)]))
    assert needle in run.task("bad")["result"]["msg"]
    assert emulator.counts()["total"] == 0


def test_check_mode_warns_for_what_an_earlier_task_may_settle(run_in_place, emulator, connection):
    run = run_in_place(play(connection("contoso"), [_task("check", [{"user": MEGAN, "licenses": ["POWER_BI_PRO"]},
                                                                    {"user": PAT, "licenses": ["POWER_BI_PRO"]}])]),
                       check=True)
    res = run.task("check")
    assert res["status"] == "ok" and [a["action"] for a in res["result"]["assignments"]] == ["updated", "not_found"]
    assert any("no usage location" in w and PAT in w for w in res["result"]["warnings"])


def test_an_assignment_cut_off_is_settled_by_reading_it_back(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite_with_location(run_in_place, conn, [PAT])
    emulator.faults({"host": "graph", "method": "POST", "path": "/assignLicense$", "status": 503, "when": "after",
                     "times": 1})
    run = run_in_place(play(conn, [_task("apply", [{"user": PAT, "licenses": ["POWER_BI_PRO"]}])]))
    assert run.rc == 0, run.output
    assert _licences(emulator, PAT) == [PBI] and _consumed(emulator) == 1
    # applied once, answered 503, then read back: not sent a second time
    posts = [e for e in emulator.log() if e["method"] == "POST" and e["path"].endswith("/assignLicense")]
    assert [e["status"] for e in posts] == [503]
