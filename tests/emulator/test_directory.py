"""External collaboration settings in the emulator; each test fails if its rule is dropped."""

import json

import pytest

AUTHZ = "/policies/authorizationPolicy"
EMAIL = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/email"
EMAIL_TYPE = "#microsoft.graph.emailAuthenticationMethodConfiguration"
B2B = "/policies/b2bManagementPolicies"
READER = ("f9a2940a-ef86-4bf6-b014-716eac6b6153", "demo-contoso-reader")


@pytest.fixture
def emulator(emulator):
    """The rules here are not about replication: created objects are readable at once (the delay that
    the default day draws per object is proven in test_ordinary_day.py and by the delay tests here)."""
    emulator.replication(0)
    return emulator


def _definition(allowed=(), blocked=()):
    return [json.dumps({"B2BManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {
        "AllowedDomains": list(allowed), "BlockedDomains": list(blocked)}}})]


def test_authorization_policy_defaults_per_cloud(emulator):
    com = emulator.graph("contoso", "GET", AUTHZ).json()
    assert com["allowInvitesFrom"] == "everyone"
    assert com["guestUserRoleId"] == "10dae51f-b6af-4016-8d66-8c2a99b929b3"
    assert com["id"] == "authorizationPolicy" and "defaultUserRolePermissions" in com
    for gov in ("tailspin_gcch", "northwind_dod"):
        assert emulator.graph(gov, "GET", AUTHZ).json()["allowInvitesFrom"] == "none"


def test_authorization_policy_patch_and_merge(emulator):
    r = emulator.graph("contoso", "PATCH", AUTHZ, {"allowInvitesFrom": "adminsAndGuestInviters",
                                                   "defaultUserRolePermissions": {"allowedToCreateApps": False}})
    assert r.status_code == 204
    got = emulator.graph("contoso", "GET", AUTHZ).json()
    assert got["allowInvitesFrom"] == "adminsAndGuestInviters"
    assert got["defaultUserRolePermissions"]["allowedToCreateApps"] is False
    assert got["defaultUserRolePermissions"]["allowedToReadOtherUsers"] is True   # merged, not replaced


@pytest.mark.parametrize("body,needle", [
    ({"allowInvitesFrom": "anyone"}, "allowInvitesFrom"),
    ({"guestUserRoleId": "00000000-0000-0000-0000-000000000000"}, "guestUserRoleId"),
    ({"AllowInvitesFrom": "none"}, "Invalid property"),
    ({"displayName": "x"}, "read-only"),
    ({"blockMsolPowerShell": "yes"}, "Boolean"),
    ({"defaultUserRolePermissions": {"allowedToDoAnything": True}}, "Invalid property"),
])
def test_authorization_policy_rejects(emulator, body, needle):
    before = emulator.graph("contoso", "GET", AUTHZ).json()
    r = emulator.graph("contoso", "PATCH", AUTHZ, body)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text
    assert emulator.graph("contoso", "GET", AUTHZ).json() == before


def test_authorization_policy_permission(emulator):
    token = emulator.token("contoso", client_id=READER[0], secret=READER[1])
    assert emulator.graph("contoso", "GET", AUTHZ, token=token).status_code == 200
    r = emulator.graph("contoso", "PATCH", AUTHZ, {"allowInvitesFrom": "none"}, token=token)
    assert r.status_code == 403


def test_email_otp_needs_odata_type(emulator):
    r = emulator.graph("contoso", "PATCH", EMAIL, {"allowExternalIdToUseEmailOtp": "disabled"})
    assert r.status_code == 400 and "@odata.type" in r.json()["error"]["message"]
    r = emulator.graph("contoso", "PATCH", EMAIL, {"@odata.type": EMAIL_TYPE, "allowExternalIdToUseEmailOtp": "no"})
    assert r.status_code == 400
    r = emulator.graph("contoso", "PATCH", EMAIL, {"@odata.type": EMAIL_TYPE, "allowExternalIdForOTP": "enabled"})
    assert r.status_code == 400   # the name some briefs use is wrong
    r = emulator.graph("contoso", "PATCH", EMAIL, {"@odata.type": EMAIL_TYPE, "allowExternalIdToUseEmailOtp": "disabled"})
    assert r.status_code == 204
    assert emulator.graph("contoso", "GET", EMAIL).json()["allowExternalIdToUseEmailOtp"] == "disabled"


def test_b2b_management_policies_beta_and_global_only(emulator):
    assert emulator.graph("contoso", "GET", B2B, api="beta").status_code == 200
    assert emulator.graph("contoso", "GET", B2B).status_code == 400                   # not in v1.0
    for other in ("tailspin_gcch", "fabrikam_cn", "northwind_dod"):
        r = emulator.graph(other, "GET", B2B, api="beta")
        assert r.status_code == 400 and "b2bManagementPolicies" in r.json()["error"]["message"]


def test_b2b_management_policy_lifecycle(emulator):
    r = emulator.graph("contoso", "POST", B2B, {"displayName": "B2BManagementPolicy", "isOrganizationDefault": True,
                                                "definition": _definition(blocked=["live.com"])}, api="beta")
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = emulator.graph("contoso", "PATCH", B2B + "/" + pid, {"definition": _definition(allowed=["fabrikam.cn"])},
                       api="beta")
    assert r.status_code == 200 and "fabrikam.cn" in r.json()["definition"][0]     # 200 with body here
    r = emulator.graph("contoso", "POST", B2B, {"displayName": "second", "isOrganizationDefault": True,
                                                "definition": _definition(blocked=["x.com"])}, api="beta")
    assert r.status_code == 409
    assert emulator.graph("contoso", "DELETE", B2B + "/" + pid, api="beta").status_code == 204
    assert emulator.graph("contoso", "GET", B2B + "/" + pid, api="beta").status_code == 404


@pytest.mark.parametrize("definition,needle", [
    (_definition(allowed=["a.com"], blocked=["b.com"]), "not both"),
    (_definition(blocked=["not a domain"]), "not a valid domain"),
    (["{not json"], "not valid JSON"),
    (["a", "b"], "one JSON string"),
    ([json.dumps({"Other": {}})], "single 'B2BManagementPolicy'"),
    (_definition(blocked=["d%d.example.com" % i for i in range(2000)]), "25 KB"),
])
def test_b2b_definition_validation(emulator, definition, needle):
    r = emulator.graph("contoso", "POST", B2B, {"displayName": "p", "definition": definition}, api="beta")
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text
    assert emulator.graph("contoso", "GET", B2B, api="beta").json()["value"] == []


def test_b2b_permission_not_granted_by_policy_read_all(emulator):
    token = emulator.token("contoso", client_id=READER[0], secret=READER[1])
    assert emulator.graph("contoso", "GET", B2B, api="beta", token=token).status_code == 403


def test_external_identities_policy(emulator):
    assert emulator.graph("contoso", "GET", "/policies/externalIdentitiesPolicy").status_code == 400   # beta only
    r = emulator.graph("contoso", "PATCH", "/policies/externalIdentitiesPolicy",
                       {"allowExternalIdentitiesToLeave": False}, api="beta")
    assert r.status_code == 204
    got = emulator.graph("contoso", "GET", "/policies/externalIdentitiesPolicy", api="beta").json()
    assert got["allowExternalIdentitiesToLeave"] is False
    r = emulator.graph("contoso", "PATCH", "/policies/externalIdentitiesPolicy", {"allowLeave": False}, api="beta")
    assert r.status_code == 400


@pytest.mark.parametrize("targets,needle", [
    ({"includeTargets": [{"targetType": "user", "id": "all_users"}]}, "targetType"),
    ({"includeTargets": [{"targetType": "group", "id": "everyone"}]}, "Invalid id"),
    ({"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": "yes"}]}, "Boolean"),
    ({"includeTargets": [{"targetType": "group", "id": "all_users", "colour": "red"}]}, "Invalid property"),
    ({"includeTargets": [{"targetType": "group"}]}, "Invalid id"),
    ({"excludeTargets": [{"targetType": "group", "id": "all_users"}]}, "Invalid id"),
    ({"excludeTargets": [{"targetType": "group", "id": "7c1b8a8e-2b5f-4d7e-9a8b-0a1b2c3d4e5f",
                          "isRegistrationRequired": False}]}, "Invalid property"),
    ({"includeTargets": {"targetType": "group", "id": "all_users"}}, "collection"),
])
def test_email_otp_targets_are_group_targets(emulator, targets, needle):
    r = emulator.graph("contoso", "PATCH", EMAIL, dict(targets, **{"@odata.type": EMAIL_TYPE}))
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_email_otp_targets_accepted_and_normalised(emulator):
    group = "7C1B8A8E-2B5F-4D7E-9A8B-0A1B2C3D4E5F"
    r = emulator.graph("contoso", "PATCH", EMAIL, {"@odata.type": EMAIL_TYPE,
                                                   "includeTargets": [{"targetType": "group", "id": "all_users"}],
                                                   "excludeTargets": [{"targetType": "group", "id": group}]})
    assert r.status_code == 204, r.text
    got = emulator.graph("contoso", "GET", EMAIL).json()
    assert got["includeTargets"] == [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}]
    assert got["excludeTargets"] == [{"targetType": "group", "id": group.lower()}]


def test_odata_type_checked_on_directory_policies(emulator):
    r = emulator.graph("contoso", "PATCH", EMAIL, {"@odata.type": "#microsoft.graph.authorizationPolicy",
                                                   "allowExternalIdToUseEmailOtp": "enabled"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_BadRequest"
    r = emulator.graph("contoso", "PATCH", "/policies/authorizationPolicy",
                       {"@odata.type": EMAIL_TYPE, "allowInvitesFrom": "everyone"})
    assert r.status_code == 400 and "not assignable" in r.json()["error"]["message"]
    r = emulator.graph("contoso", "PATCH", "/policies/authorizationPolicy",
                       {"@odata.type": "#microsoft.graph.authorizationPolicy", "allowInvitesFrom": "everyone"})
    assert r.status_code == 204
    r = emulator.graph("contoso", "PATCH", "/policies/externalIdentitiesPolicy",
                       {"@odata.type": "#microsoft.graph.b2bManagementPolicy", "allowExternalIdentitiesToLeave": True},
                       api="beta")
    assert r.status_code == 400
    r = emulator.graph("contoso", "POST", B2B, {"@odata.type": "#microsoft.graph.authorizationPolicy",
                                                "displayName": "B2BManagementPolicy",
                                                "definition": _definition(blocked=["live.com"])}, api="beta")
    assert r.status_code == 400
