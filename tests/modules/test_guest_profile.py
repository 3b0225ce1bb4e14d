"""guest_profile against the emulator: check mode, diff, idempotence, only the named options, beta only where
needed, bad input refused before any request, member accounts and missing guests refused before any write."""

import pytest

from tests.integration.helpers import play, writes

PAT = "pat.kim@woodgrove.gov"
LI = "li.wei@fabrikam.cn"


def _profile(name, guests, **task):
    return dict({"name": name, "entra.crosscloud.guest_profile": {"guests": guests}}, **task)


def _invite(run_in_place, conn, people):
    run = run_in_place(play(conn, [{"name": "invite", "entra.crosscloud.guest_invitation": {
        "guests": [{"email": p} for p in people]}}]))
    assert run.rc == 0, run.output


def _user(emulator, address, tenant="contoso"):
    return [u for u in emulator.state(tenant)["data"]["users"].values() if u["mail"] == address][0]


def _mark(emulator):
    """Where the emulator's log is now (its last sequence number)."""
    log = emulator.log()
    return log[-1]["seq"] if log else 0


def _writes_since(emulator, start):
    return emulator.counts(start)["graph_writes"]


WANTED = {"email": PAT, "given_name": "Pat", "surname": "Kim", "display_name": "Pat Kim (Woodgrove)",
          "company_name": "Woodgrove", "business_phone": "+1 202 555 0147", "usage_location": "us",
          "show_in_address_list": True}


def test_check_apply_rerun(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite(run_in_place, conn, [PAT, LI])
    start = _mark(emulator)
    assert _user(emulator, PAT)["showInAddressList"] is False          # invited guests start hidden
    run = run_in_place(play(conn, [_profile("check", [WANTED, {"email": LI, "job_title": "Analyst"}])]),
                       check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and [g["action"] for g in res["guests"]] == ["updated", "updated"]
    assert res["guests"][0]["changes"]["show_in_address_list"] == {"before": False, "after": True}
    assert res["guests"][0]["changes"]["usage_location"] == {"before": None, "after": "US"}
    assert res["diff"]["before"][PAT]["given_name"] is None and res["diff"]["after"][PAT]["given_name"] == "Pat"
    assert res["diff"]["after"][LI] == {"job_title": "Analyst"}
    assert _writes_since(emulator, start) == 0

    run = run_in_place(play(conn, [_profile("apply", [WANTED, {"email": LI, "job_title": "Analyst"}]),
                                   _profile("again", [WANTED, {"email": LI, "job_title": "Analyst"}])]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed"] is True
    again = run.task("again")["result"]
    assert again["changed"] is False and [g["action"] for g in again["guests"]] == ["unchanged", "unchanged"]
    pat = _user(emulator, PAT)
    assert (pat["givenName"], pat["surname"], pat["displayName"], pat["companyName"], pat["businessPhones"],
            pat["usageLocation"], pat["showInAddressList"]) == (
        "Pat", "Kim", "Pat Kim (Woodgrove)", "Woodgrove", ["+1 202 555 0147"], "US", True)
    li = _user(emulator, LI)
    # only the option named changed: li's name and address list visibility are as the invitation left them
    assert li["jobTitle"] == "Analyst" and li["givenName"] is None and li["showInAddressList"] is False
    # two PATCHes, in one $batch on beta (show_in_address_list is settable there only); reads on beta too
    patches = [e for e in emulator.log(start) if e["method"] == "PATCH"]
    assert len(patches) == 2 and all(e["path"].startswith("/beta/users/") for e in patches), patches
    assert _writes_since(emulator, start) == 2


def test_v1_unless_the_address_list_is_named_and_empty_clears(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite(run_in_place, conn, [PAT])
    run = run_in_place(play(conn, [_profile("set", [{"email": PAT, "mobile_phone": "+1 555 0100",
                                                     "business_phone": "+1 555 0101"}]),
                                   _profile("clear", [{"email": PAT, "mobile_phone": "", "business_phone": ""}]),
                                   _profile("clear again", [{"email": PAT, "mobile_phone": ""}])]))
    assert run.rc == 0, run.output
    assert run.task("clear")["result"]["guests"][0]["changes"] == {
        "mobile_phone": {"before": "+1 555 0100", "after": ""}, "business_phone": {"before": "+1 555 0101", "after": ""}}
    assert run.task("clear again")["result"]["changed"] is False
    pat = _user(emulator, PAT)
    assert pat["mobilePhone"] is None and pat["businessPhones"] == []
    assert [e["path"].split("/")[1] for e in emulator.log() if e["method"] == "PATCH"] == ["v1.0"] * 2


@pytest.mark.parametrize("guest,expected", [
    ({"email": PAT, "usage_location": "USA"}, ["guests[0].usage_location", "'USA'", "two-letter", "Fix:"]),
    ({"email": PAT, "company_name": "x" * 65}, ["guests[0].company_name", "65 characters", "64", "Fix:"]),
    ({"email": PAT, "display_name": " "}, ["guests[0].display_name", "cannot clear", "Fix:"]),
    ({"email": PAT}, ["guests[0]", PAT, "names no profile option", "Fix:"]),
    ({"email": "not-an-address", "given_name": "X"}, ["guests[0].email", "'not-an-address'", "name@domain"]),
])
def test_bad_input_refused_before_any_request(run_in_place, emulator, connection, guest, expected):
    run = run_in_place(play(connection("contoso"), [_profile("bad", [guest])]))
    res = run.task("bad")
    assert res["status"] == "failed"
    assert all(text in res["result"]["msg"] for text in expected), res["result"]["msg"]
    assert emulator.counts()["total"] == 0


def test_listed_twice_refused(run_in_place, emulator, connection):
    guests = [{"email": PAT, "given_name": "A"}, {"email": PAT.upper(), "surname": "B"}]
    run = run_in_place(play(connection("contoso"), [_profile("bad", guests)]))
    assert "guests[1].email" in run.task("bad")["result"]["msg"] and "listed twice" in run.task("bad")["result"]["msg"]
    assert emulator.counts()["total"] == 0


def test_member_account_and_missing_guest_refused_before_any_write(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite(run_in_place, conn, [PAT])
    start = _mark(emulator)
    run = run_in_place(play(conn, [
        _profile("member", [{"email": PAT, "given_name": "Pat"}, {"email": "megan@contoso.com", "surname": "X"}],
                 ignore_errors=True),
        _profile("missing", [{"email": PAT, "given_name": "Pat"}, {"email": LI, "given_name": "Li"}],
                 ignore_errors=True)]))
    member = run.task("member")["result"]
    assert "megan@contoso.com" in member["msg"] and "member account" in member["msg"] and "Fix:" in member["msg"]
    missing = run.task("missing")["result"]
    assert LI in missing["msg"] and "invite them first" in missing["msg"] and PAT not in missing["msg"]
    assert _writes_since(emulator, start) == 0 and _user(emulator, PAT)["givenName"] is None


def test_check_mode_reports_guests_not_invited_yet(run_in_place, emulator, connection):
    run = run_in_place(play(connection("contoso"), [_profile("check", [{"email": LI, "given_name": "Li"}])]),
                       check=True)
    res = run.task("check")
    assert res["status"] == "ok" and res["result"]["guests"][0]["action"] == "not_found"
    assert res["result"]["changed"] is False and any(LI in w for w in res["result"]["warnings"])
    assert writes(emulator) == 0


def test_a_write_lost_to_replication_is_sent_again(run_in_place, emulator, connection):
    conn = connection("contoso")
    _invite(run_in_place, conn, [PAT])
    emulator.faults({"host": "graph", "method": "PATCH", "path": "/users/", "status": 404, "times": 1})
    run = run_in_place(play(conn, [_profile("apply", [{"email": PAT, "given_name": "Pat"}])]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["retries"] >= 1
    assert [e["status"] for e in emulator.log() if e["method"] == "PATCH" and e["batch_item"]] == [404, 204]
    assert _user(emulator, PAT)["givenName"] == "Pat"
