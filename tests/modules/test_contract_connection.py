"""The shared connection contract, for every module that uses credentials: a wrong secret, a missing
secret, an unknown cloud and a missing application permission each fail with a message that says
what to fix, without leaking the secret and without writing anything."""

import re

import pytest

from emulator.graph import core as emulator_graph
from tests.integration.helpers import play

WOODGROVE = "aed2310d-0acd-4282-918b-c95ecdc95344"
PAT = "pat.kim@woodgrove.gov"
# module -> its minimal valid arguments
MODULES = {
    "cloud_settings": {"clouds": ["usgov"]},
    "partner": {"partner_tenant_id": WOODGROVE, "partner_cloud": "global"},
    "access_settings": {"partner": WOODGROVE, "partner_cloud": "global", "inbound_trust": {"mfa": True}},
    "partners": {"partners": [{"tenant_id": WOODGROVE, "cloud": "global", "inbound_trust": {"mfa": True}}]},
    "external_collaboration": {"allow_invites_from": "none"},
    "guest_invitation": {"guests": [{"email": PAT}]},
    "guest_info": {},
    "guest_profile": {"guests": [{"email": PAT, "given_name": "Pat", "show_in_address_list": True}]},
    "cross_tenant_access_info": {},
    "group_members": {"groups": [{"group": "Partner engineers", "members": [PAT]}]},
    "guest_licenses": {"assignments": [{"user": PAT, "licenses": ["POWER_BI_PRO"]}]},
    "conditional_access": {"display_name": "Partner guests: MFA", "partners": [WOODGROVE]},
    "sync_inbound": {"partner_tenant_id": WOODGROVE, "partner_cloud": "global"},
    "sync_configuration": {"name": "Contoso to Woodgrove", "target_tenant_id": WOODGROVE, "users": [
        "adele.vance@contoso.com"]},
}
# with an app that has no permission at all: case -> (module, arguments, the permission its first read needs)
READS = {
    "cloud_settings": ("cloud_settings", MODULES["cloud_settings"], "Policy.Read.All"),
    "partner": ("partner", MODULES["partner"], "Policy.Read.All"),
    "access_settings": ("access_settings", MODULES["access_settings"], "Policy.Read.All"),
    "partners": ("partners", MODULES["partners"], "Policy.Read.All"),                          # $batch read
    "external_collaboration": ("external_collaboration", MODULES["external_collaboration"], "Policy.Read.All"),
    "guest_invitation": ("guest_invitation", MODULES["guest_invitation"], "User.Read.All"),   # $batch lookup
    "guest_info": ("guest_info", {}, "User.Read.All"),                                         # paged list
    "guest_info_emails": ("guest_info", {"emails": [PAT]}, "User.Read.All"),                   # $batch lookup
    "guest_profile": ("guest_profile", MODULES["guest_profile"], "User.Read.All"),             # $batch lookup (beta)
    "cross_tenant_access_info": ("cross_tenant_access_info", {}, "Policy.Read.All"),
    "group_members": ("group_members", MODULES["group_members"], "GroupMember.Read.All"),        # $batch read
    "guest_licenses": ("guest_licenses", MODULES["guest_licenses"], "Organization.Read.All"),    # subscriptions
    "conditional_access": ("conditional_access", MODULES["conditional_access"], "Policy.Read.All"),
    "sync_inbound": ("sync_inbound", MODULES["sync_inbound"], "Policy.Read.All"),
    "sync_configuration": ("sync_configuration", MODULES["sync_configuration"], "Application.Read.All"),
}
# with the read-only auditor app (Policy.Read.All, User.Read.All, ...): case -> (module, arguments, permission)
WRITES = {
    "cloud_settings": ("cloud_settings", MODULES["cloud_settings"], "Policy.ReadWrite.CrossTenantAccess"),
    "partner": ("partner", MODULES["partner"], "Policy.ReadWrite.CrossTenantAccess"),
    "access_settings": ("access_settings", MODULES["access_settings"], "Policy.ReadWrite.CrossTenantAccess"),
    "partners": ("partners", MODULES["partners"], "Policy.ReadWrite.CrossTenantAccess"),
    "external_collaboration": ("external_collaboration", MODULES["external_collaboration"],
                               "Policy.ReadWrite.Authorization"),
    "email_otp": ("external_collaboration", {"email_otp_for_guests": "disabled"},
                  "Policy.ReadWrite.AuthenticationMethod"),
    "guests_leave": ("external_collaboration", {"allow_external_identities_to_leave": False},
                     "Policy.ReadWrite.ExternalIdentities"),
    "guest_invite": ("guest_invitation", MODULES["guest_invitation"], "User.Invite.All"),
    "guest_update": ("guest_invitation", {"guests": [{"email": PAT, "user_type": "Member"}]}, "User.ReadWrite.All"),
    "guest_remove": ("guest_invitation", {"guests": [{"email": PAT}], "state": "absent"}, "User.ReadWrite.All"),
    "guest_profile": ("guest_profile", MODULES["guest_profile"], "User.ReadWrite.All"),
    "conditional_access": ("conditional_access", MODULES["conditional_access"], "Policy.ReadWrite.ConditionalAccess"),
    # (sync_configuration's first read needs Application.Read.All, which the auditor lacks: READS covers it)
    "sync_inbound": ("sync_inbound", MODULES["sync_inbound"], "Policy.ReadWrite.CrossTenantAccess"),
}
# case -> the write it would have sent
WRITE_ROUTES = {
    "cloud_settings": ("PATCH", "v1.0", "/policies/crossTenantAccessPolicy"),
    "partner": ("POST", "v1.0", "/policies/crossTenantAccessPolicy/partners"),
    "access_settings": ("PATCH", "v1.0", "/policies/crossTenantAccessPolicy/partners/" + WOODGROVE),
    "partners": ("POST", "v1.0", "/policies/crossTenantAccessPolicy/partners"),
    "external_collaboration": ("PATCH", "v1.0", "/policies/authorizationPolicy"),
    "email_otp": ("PATCH", "v1.0", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"),
    "guests_leave": ("PATCH", "beta", "/policies/externalIdentitiesPolicy"),
    "guest_invite": ("POST", "v1.0", "/invitations"),
    "guest_update": ("PATCH", "v1.0", "/users/some-id"),
    "guest_remove": ("DELETE", "v1.0", "/users/some-id"),
    "guest_profile": ("PATCH", "beta", "/users/some-id"),
    "conditional_access": ("POST", "v1.0", "/identity/conditionalAccess/policies"),
    "sync_inbound": ("PUT", "v1.0", "/policies/crossTenantAccessPolicy/partners/%s/identitySynchronization" % WOODGROVE),
}
# long and unlike anything else in the output: Ansible masks no_log values wherever they appear
WRONG_SECRET = "Wr0ng-Contract-Secret-7c1e4b9a-3f2d-4e8a-9b6c-d5a0f1e2c3b4-not-the-real-one"


def _run(run_in_place, module, args, conn, extra=()):
    task = {"name": "t", "entra.crosscloud." + module: dict(args, **conn)}
    return run_in_place(play(None, [task]), args=list(extra))


def _conn(emulator, app=None, **over):
    t = emulator.tenant("contoso")
    app = app or {"client_id": t["client_id"], "client_secret": t["client_secret"]}
    conn = {"tenant_id": t["id"], "client_id": app["client_id"], "client_secret": app["client_secret"],
            "cloud": "global"}
    conn.update(over)
    return {k: v for k, v in conn.items() if v is not None}


def _app(emulator, display_name):
    return [a for a in emulator.tenant("contoso")["apps"] if a["display_name"] == display_name][0]


def _named_permission(emulator, msg):
    """The permission a 403 message says to grant, checked against the emulator's route for the refused call."""
    assert "403 Authorization_RequestDenied" in msg, msg
    named = re.findall(r"grant the application permission (\S+) to the app", msg)
    assert len(named) == 1, msg
    log = emulator.log()
    refused = [e for e in log if e["status"] == 403]
    # one refused request, or the items of one $batch of reads (they all need the same permission)
    outer = [e for e in log if e["path"].endswith("/$batch") and not e["batch_item"]]
    assert len(refused) == 1 or (all(e["batch_item"] for e in refused) and len(outer) == 1), refused
    for entry in refused:
        api, _sep, rest = entry["path"].lstrip("/").partition("/")
        route, _params = emulator_graph.match_route(entry["method"], api, "/" + rest, "global")
        assert named[0] in route.permissions      # granting it would really let that call through
    return named[0]


def _run_all(run_in_place, conn, extra=()):
    """One playbook with a task per module (each allowed to fail): the cases below need no state."""
    tasks = [{"name": module, "entra.crosscloud." + module: dict(MODULES[module], **conn), "ignore_errors": True}
             for module in sorted(MODULES)]
    return run_in_place(play(None, tasks), args=list(extra))


def test_missing_secret_named_before_any_request(run_in_place, emulator):
    run = _run_all(run_in_place, _conn(emulator, client_secret=None))
    for module in MODULES:
        res = run.task(module)
        assert res["status"] == "failed", (module, res["result"])
        assert "missing connection settings" in res["result"]["msg"] and "client_secret" in res["result"]["msg"], module
    assert emulator.counts()["total"] == 0


def test_unknown_cloud_named_before_any_request(run_in_place, emulator):
    run = _run_all(run_in_place, _conn(emulator, cloud="mars"))
    for module in MODULES:
        res = run.task(module)
        assert res["status"] == "failed", (module, res["result"])
        assert "cloud 'mars'" in res["result"]["msg"] and "unknown cloud" in res["result"]["msg"], module
    assert emulator.counts()["total"] == 0


@pytest.mark.parametrize("case", sorted(READS))
def test_missing_permission_names_the_permission_to_grant(run_in_place, emulator, case):
    module, args, permission = READS[case]
    app = _app(emulator, "app without consent")
    assert app["roles"] == []
    run = _run(run_in_place, module, args, _conn(emulator, app=app))
    res = run.task("t")
    assert res["status"] == "failed", res["result"]
    assert _named_permission(emulator, res["result"]["msg"]) == permission
    assert emulator.counts()["graph_writes"] == 0


@pytest.mark.parametrize("case", sorted(WRITES))
def test_missing_write_permission_names_the_permission_to_grant(run_in_place, emulator, case):
    module, args, permission = WRITES[case]
    app = _app(emulator, "read-only auditor")
    assert permission not in app["roles"]
    if module in ("access_settings", "sync_inbound"):
        emulator.as_admin("contoso", "POST", "/v1.0/policies/crossTenantAccessPolicy/partners",
                          {"tenantId": WOODGROVE})
    if case in ("guest_update", "guest_remove", "guest_profile"):
        emulator.as_admin("contoso", "POST", "/v1.0/invitations",
                          {"invitedUserEmailAddress": PAT, "inviteRedirectUrl": "https://myapps.microsoft.com"})
    before = emulator.state("contoso")["data"]
    run = _run(run_in_place, module, args, _conn(emulator, app=app))
    res = run.task("t")
    assert res["status"] == "failed", res["result"]
    msg = res["result"]["msg"]
    # refused by the module from the token's roles, before the write: Graph never had to say 403
    assert "missing application permission" in msg and app["client_id"] in msg, msg
    assert re.findall(r"grant the application permission (\S+) to the app", msg) == [permission], msg
    method, api, path = WRITE_ROUTES[case]
    route, _params = emulator_graph.match_route(method, api, path, "global")
    assert permission in route.permissions      # granting it would really let that write through
    assert [e for e in emulator.log() if e["status"] == 403] == []
    assert emulator.counts()["graph_writes"] == 0
    assert res["result"].get("changed") is not True
    assert emulator.state("contoso")["data"] == before
