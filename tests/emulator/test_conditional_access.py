"""Conditional Access policies (emulator/graph/conditional_access.py): each rule of its docstring."""

import time

import pytest

PATH = "/identity/conditionalAccess/policies"
PARTNER = "aed2310d-0acd-4282-918b-c95ecdc95344"


ENUMERATED = "#microsoft.graph.conditionalAccessEnumeratedExternalTenants"


def _policy(**over):
    guests = {"guestOrExternalUserTypes": "b2bCollaborationGuest,b2bCollaborationMember",
              "externalTenants": {"@odata.type": ENUMERATED, "membershipKind": "enumerated", "members": [PARTNER]}}
    body = {"displayName": "Partner guests: MFA", "state": "enabledForReportingButNotEnforced",
            "conditions": {"users": {"includeGuestsOrExternalUsers": guests},
                           "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}
    body.update(over)
    return body


def _call(emulator, method, path, body=None):
    """One call a second: the Conditional Access limit (1 request per second per tenant)."""
    time.sleep(1.05)
    return emulator.graph("contoso", method, path, body)


def test_create_read_update_delete(emulator):
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 0})
    r = _call(emulator, "POST", PATH, _policy())
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    got = _call(emulator, "GET", PATH).json()["value"]
    assert [p["displayName"] for p in got] == ["Partner guests: MFA"]
    assert _call(emulator, "PATCH", PATH + "/" + pid, {"state": "enabled"}).status_code == 204
    assert _call(emulator, "GET", PATH + "/" + pid).json()["state"] == "enabled"
    assert _call(emulator, "DELETE", PATH + "/" + pid).status_code == 204
    assert _call(emulator, "GET", PATH + "/" + pid).status_code == 404


def test_one_request_a_second_and_no_retry_after(emulator):
    time.sleep(1.05)
    assert emulator.graph("contoso", "GET", PATH).status_code == 200
    r = emulator.graph("contoso", "GET", PATH)
    assert r.status_code == 429 and "Retry-After" not in r.headers
    assert emulator.graph("fabrikam_cn", "GET", PATH).status_code == 200     # per tenant


@pytest.mark.parametrize("over", [
    {"state": "on"},
    {"grantControls": {"operator": "XOR", "builtInControls": ["mfa"]}},
    {"grantControls": {"operator": "OR", "builtInControls": ["block", "mfa"]}},
    {"conditions": {"users": {}, "applications": {"includeApplications": ["All"]}}},
    {"conditions": {"users": {"includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest; x"}},
                    "applications": {"includeApplications": ["All"]}}},
    {"conditions": {"applications": {"includeApplications": ["All"]},
                    "users": {"includeGuestsOrExternalUsers": {
                        "guestOrExternalUserTypes": "b2bCollaborationGuest",
                        "externalTenants": {"@odata.type": ENUMERATED, "membershipKind": "enumerated",
                                            "members": []}}}}},
    {"grantControls": None},
    {"colour": "red"},
])
def test_refused_policies(emulator, over):
    assert _call(emulator, "POST", PATH, _policy(**over)).status_code == 400


def test_permissions(emulator):
    token = emulator.token("contoso", client_id="f9a2940a-ef86-4bf6-b014-716eac6b6153", secret="demo-contoso-reader")
    time.sleep(1.05)
    assert emulator.graph("contoso", "GET", PATH, token=token).status_code == 200
    time.sleep(1.05)
    assert emulator.graph("contoso", "POST", PATH, _policy(), token=token).status_code == 403
