"""One end-to-end run per module through ansible-playbook: what the in-process contract suite (tests/modules)
cannot prove. The module is found by its FQCN in the collection, its connection comes from the action
group's module_defaults (meta/runtime.yml), its action runs it in the controller's worker, and the controller
reads its result (test_in_controller.py shows its own process, through AnsiballZ, gives the same). Each play
runs the task twice: a real change, then nothing to do."""

import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
US = "microsoftonline.us"
ALL = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
       "applications": {"access": "allowed", "targets": ["all"]}}


def _partner(emulator, tid):
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": tid})


def _invited(emulator, address):
    emulator.as_admin("contoso", "POST", "/v1.0/invitations", {"invitedUserEmailAddress": address,
                                                               "inviteRedirectUrl": "https://myapps.microsoft.com"})


# module -> (set-up before the play, task arguments, writes of the first task,
#            check(emulator, stored data of contoso, first result))
CASES = {
    "cloud_settings": (None, lambda e: {"clouds": ["usgov"]}, 1,
                       lambda e, d, r: d["ctap"]["policy"]["allowedCloudEndpoints"] == [US]),
    "partner": (None, lambda e: {"partner_tenant_id": e.tenant("woodgrove_gcc")["id"]}, 1,
                lambda e, d, r: list(d["ctap"]["partners"]) == [e.tenant("woodgrove_gcc")["id"]]),
    "partners": (None, lambda e: {"partners": [{"tenant_id": e.tenant("woodgrove_gcc")["id"], "cloud": "global",
                                                "inbound_trust": {"mfa": True}}]}, 1,
                 lambda e, d, r: d["ctap"]["partners"][e.tenant("woodgrove_gcc")["id"]]["inboundTrust"]["isMfaAccepted"]),
    "access_settings": (lambda e: _partner(e, e.tenant("woodgrove_gcc")["id"]),
                        lambda e: {"partner": e.tenant("woodgrove_gcc")["id"], "partner_cloud": "global",
                                   "b2b_collaboration_inbound": ALL}, 1,
                        lambda e, d, r: d["ctap"]["partners"][e.tenant("woodgrove_gcc")["id"]]["b2bCollaborationInbound"]),
    "external_collaboration": (None, lambda e: {"email_otp_for_guests": "disabled"}, 1,
                               lambda e, d, r: d["email_method"]["allowExternalIdToUseEmailOtp"] == "disabled"),
    "guest_invitation": (None, lambda e: {"guests": [{"email": "smoke@woodgrove.example"}]}, 1,
                         lambda e, d, r: any(u.get("mail") == "smoke@woodgrove.example" for u in d["users"].values())),
    "guest_info": (lambda e: _invited(e, "pat.kim@woodgrove.gov"), lambda e: {"emails": ["pat.kim@woodgrove.gov"]}, 0,
                   lambda e, d, r: [g["mail"] for g in r["guests"]] == ["pat.kim@woodgrove.gov"]),
    "cross_tenant_access_info": (lambda e: _partner(e, e.tenant("woodgrove_gcc")["id"]), lambda e: {}, 0,
                                 lambda e, d, r: [p["partner"] for p in r["partners"]] == [e.tenant("woodgrove_gcc")["id"]]),
    "tenant_info": (None, lambda e: {"tenant": e.tenant("tailspin_gcch")["id"]}, 0,
                    lambda e, d, r: r["cloud"] == "usgov" and r["pair"] == "supported"),
}


@pytest.mark.parametrize("module", sorted(CASES))
def test_module_through_ansible_playbook(run_playbook, emulator, connection, module):
    setup, args, first_writes, check = CASES[module]
    if setup:
        setup(emulator)
    emulator.replication(0)
    task = {"entra.crosscloud." + module: args(emulator)}
    run = run_playbook(play(connection("contoso"), [dict(task, name="first"), dict(task, name="again")]), diff=True)
    assert run.rc == 0, run.output
    first, again = run.task("first")["result"], run.task("again")["result"]
    assert first["changed"] is (first_writes > 0), first
    assert again["changed"] is False, again
    assert writes(emulator) == first_writes, emulator.log()
    assert check(emulator, emulator.state("contoso")["data"], first), first
