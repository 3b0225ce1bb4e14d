"""external_collaboration through ansible-playbook against the emulator."""


import json

import pytest

from tests.integration.helpers import play, writes


def _task(name, **args):
    return {"name": name, "entra.crosscloud.external_collaboration": args}


def _domain_lists(emulator, tenant="contoso"):
    policies = list(emulator.state(tenant)["data"]["b2b_management_policies"].values())
    if not policies:
        return None
    lists = json.loads(policies[0]["definition"][0])["B2BManagementPolicy"]["InvitationsAllowedAndBlockedDomainsPolicy"]
    return lists["AllowedDomains"], lists["BlockedDomains"]


def test_invites_and_guest_role_check_apply_idempotent(run_in_place, emulator, connection):
    conn = connection("tailspin_gcch")
    args = dict(allow_invites_from="admins_guest_inviters_and_all_members", guest_user_role="restricted_guest")
    run = run_in_place(play(conn, [_task("check", **args)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and writes(emulator) == 0
    assert res["diff"]["before"] == {"allow_invites_from": "none", "guest_user_role": "guest"}
    run = run_in_place(play(conn, [_task("apply", **args), _task("again", **args)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed_settings"] == ["allow_invites_from", "guest_user_role"]
    assert run.task("again")["result"]["changed"] is False
    authz = emulator.state("tailspin_gcch")["data"]["authorization_policy"]
    assert authz["allowInvitesFrom"] == "adminsGuestInvitersAndAllMembers"
    assert authz["guestUserRoleId"] == "2af84b1e-32c8-42b7-82bc-daa82404023b"
    assert authz["allowedToSignUpEmailBasedSubscriptions"] is True     # not named: untouched
    assert writes(emulator) == 1


def test_email_otp(run_in_place, emulator, connection):
    run = run_in_place(play(connection("contoso"), [_task("otp", email_otp_for_guests="disabled"),
                                                    _task("again", email_otp_for_guests="disabled")]))
    assert run.task("otp")["result"]["changed"] is True and run.task("again")["result"]["changed"] is False
    assert emulator.state("contoso")["data"]["email_method"]["allowExternalIdToUseEmailOtp"] == "disabled"


def test_whether_guests_may_leave_check_apply_idempotent(run_in_place, emulator, connection):
    conn = connection("tailspin_gcch")
    run = run_in_place(play(conn, [_task("check", allow_external_identities_to_leave=False)]), check=True, diff=True)
    res = run.task("check")["result"]
    assert res["changed"] is True and res["changed_settings"] == ["allow_external_identities_to_leave"]
    assert res["diff"] == {"before": {"allow_external_identities_to_leave": True},
                           "after": {"allow_external_identities_to_leave": False}}
    assert writes(emulator) == 0
    run = run_in_place(play(conn, [_task("apply", allow_external_identities_to_leave=False),
                                   _task("again", allow_external_identities_to_leave=False)]))
    assert run.rc == 0, run.output
    assert run.task("apply")["result"]["changed"] is True and run.task("again")["result"]["changed"] is False
    policy = emulator.state("tailspin_gcch")["data"]["external_identities_policy"]
    assert policy["allowExternalIdentitiesToLeave"] is False
    assert policy["allowDeletedIdentitiesDataRemoval"] is not None         # not named: untouched
    # the policy is beta only: read and written there
    paths = [(e["method"], e["path"]) for e in emulator.log() if "externalIdentitiesPolicy" in e["path"]]
    assert paths and all(path.startswith("/beta/") for _m, path in paths)
    assert [m for m, _p in paths].count("PATCH") == 1 and writes(emulator) == 1


def test_domain_lists_add_remove_exclusive_switch(run_in_place, emulator, connection):
    conn = connection("contoso")
    run = run_in_place(play(conn, [_task("block", blocked_domains=["live.com", "Outlook.com"]),
                                   _task("again", blocked_domains=["outlook.com"]),
                                   _task("remove", blocked_domains=["live.com"], domains_state="absent"),
                                   _task("remove allow (nothing)", allowed_domains=["x.com"], domains_state="absent")]))
    assert run.rc == 0, run.output
    assert run.task("block")["result"]["changed"] is True
    assert run.task("again")["result"]["changed"] is False
    assert run.task("remove")["result"]["changed"] is True
    assert run.task("remove allow (nothing)")["result"]["changed"] is False
    assert _domain_lists(emulator) == ([], ["outlook.com"])
    run = run_in_place(play(conn, [_task("switch", allowed_domains=["fabrikam.cn"])]), diff=True)
    res = run.task("switch")["result"]
    assert res["changed"] is True and any("replaced by an allow list" in w for w in res["warnings"])
    assert _domain_lists(emulator) == (["fabrikam.cn"], [])
    run = run_in_place(play(conn, [_task("only", allowed_domains=["tailspin-defense.us"], domains_exclusive=True)]))
    assert _domain_lists(emulator) == (["tailspin-defense.us"], [])


@pytest.mark.parametrize("tenant,args,needle", [
    ("tailspin_gcch", {"blocked_domains": ["live.com"]}, "only in the commercial (global) cloud"),
    ("contoso", {"blocked_domains": ["not a domain"]}, "'not a domain' is not a domain name"),
    ("contoso", {"blocked_domains": ["a.com"], "allowed_domains": ["b.com"]}, "mutually exclusive"),
    ("contoso", {"allow_invites_from": "anyone"}, "allow_invites_from must be one of"),
    ("contoso", {}, "one of the following is required"),
    ("contoso", {"blocked_domains": ["a.com"], "domains_exclusive": True, "domains_state": "absent"},
     "domains_exclusive: true goes with domains_state: present"),
])
def test_bad_input_before_any_write(run_in_place, emulator, connection, tenant, args, needle):
    run = run_in_place(play(connection(tenant), [_task("bad", **args)]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert writes(emulator) == 0


def test_missing_permission_named(run_in_place, emulator):
    t = emulator.tenant("contoso")
    reader = [a for a in t["apps"] if a["display_name"] == "read-only auditor"][0]
    conn = {"tenant_id": t["id"], "client_id": reader["client_id"], "client_secret": reader["client_secret"]}
    before = emulator.state("contoso")["data"]["authorization_policy"]
    run = run_in_place(play(conn, [_task("reader", allow_invites_from="none")]))
    res = run.task("reader")
    assert res["status"] == "failed", res["result"]
    assert "grant the application permission Policy.ReadWrite.Authorization" in res["result"]["msg"]
    assert res["result"].get("changed") is not True
    # refused from the token's roles before the write: Graph is never sent the PATCH
    assert [e for e in emulator.log() if e["method"] == "PATCH"] == []
    assert res["result"]["missing_permissions"] == [{"area": "who may invite and what guests see (allow_invites_from)",
                                                     "any_of": ["Policy.ReadWrite.Authorization"]}]
    assert emulator.state("contoso")["data"]["authorization_policy"] == before


def test_failure_after_an_earlier_area_was_written_reports_changed(run_in_place, emulator, connection):
    # an outage that outlasts the retry budget (1 s here, to keep the test short)
    emulator.faults({"host": "graph", "method": "PATCH", "path": "authorizationPolicy$", "status": 500, "times": 500})
    run = run_in_place(play(connection("contoso", retry_budget=1), [_task("both", blocked_domains=["live.com"],
                                                                          allow_invites_from="none")]))
    res = run.task("both")
    assert res["status"] == "failed" and "500" in res["result"]["msg"], res["result"]
    assert res["result"]["changed"] is True                   # the domain list was written before the failure
    assert res["result"]["applied"] == ["blocked_domains"]
    assert _domain_lists(emulator) == ([], ["live.com"])
    assert emulator.state("contoso")["data"]["authorization_policy"]["allowInvitesFrom"] == "everyone"


@pytest.mark.parametrize("others", [{"allow_invites_from": "everyone"}, {"email_otp_for_guests": "disabled"}])
def test_domain_lists_outside_global_refused_before_other_areas_are_written(run_in_place, emulator, connection,
                                                                            others):
    before = emulator.state("tailspin_gcch")["data"]
    run = run_in_place(play(connection("tailspin_gcch"), [_task("bad", blocked_domains=["live.com"], **others)]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    assert "only in the commercial (global) cloud" in res["result"]["msg"]
    assert writes(emulator) == 0
    assert emulator.state("tailspin_gcch")["data"] == before
