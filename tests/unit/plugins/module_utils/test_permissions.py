import base64
import json
import re

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import auth
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


JWT = "%s.%s.c2ln" % (_b64('{"alg":"RS256"}'), _b64('{"roles":["Policy.Read.All"]}'))


def test_roles_only_from_a_list():
    assert pm.roles_of({"roles": ["A", 3]}) == ["A"]
    assert pm.roles_of({"scp": "User.Read"}) is None      # delegated: tells nothing
    assert pm.roles_of({}) is None
    assert pm.roles_of({"roles": []}) == []


def test_any_one_permission_suffices():
    assert pm.missing([("invite", pm.INVITE)], ["Directory.ReadWrite.All"]) == []
    assert pm.missing([("invite", pm.INVITE), ("invite", pm.INVITE)], []) == [("invite", pm.INVITE)]


def test_message_names_every_area_and_one_permission_to_grant_each():
    gaps = pm.missing([("who may invite", pm.AUTHORIZATION), ("email OTP", pm.EMAIL_OTP)], ["Policy.Read.All"])
    msg = pm.message(gaps, ["Policy.Read.All"], "f9a2940a-ef86-4bf6-b014-716eac6b6153")
    assert "who may invite needs Policy.ReadWrite.Authorization" in msg
    assert "email OTP needs Policy.ReadWrite.AuthenticationMethod" in msg
    assert "f9a2940a-ef86-4bf6-b014-716eac6b6153 (client_id) has only: Policy.Read.All" in msg
    assert ("Fix: grant the application permissions Policy.ReadWrite.Authorization and "
            "Policy.ReadWrite.AuthenticationMethod to the app, with admin consent") in msg


def test_message_for_alternatives_grants_the_first():
    msg = pm.message(pm.missing([("inviting a@b.example", pm.INVITE)], []), [])
    assert re.findall(r"grant the application permission (\S+) to the app", msg) == ["User.Invite.All"]
    assert "has no application permission" in msg and "User.ReadWrite.All or Directory.ReadWrite.All" in msg


@pytest.mark.parametrize("needs", [pm.DOMAIN_LIST, pm.DOMAIN_LIST_READ])
def test_domain_list_names_read_and_write(needs):
    msg = pm.message(pm.missing([("the domain list", needs)], []), [])
    assert "Policy.Read.B2BManagementPolicy" in msg and "Policy.ReadWrite.B2BManagementPolicy" in msg
    assert re.findall(r"grant the application permission (\S+) to the app", msg) == [
        "Policy.ReadWrite.B2BManagementPolicy"]


def test_a_jwt_passes():
    assert auth.access_token_problem(JWT) is None


@pytest.mark.parametrize("token,needle", [
    ("opaque-token-value", "1 dot-separated part"),
    ("a.b", "2 dot-separated part"),
    ("a.b.c.d.e", "5 dot-separated part"),
    ("a..c", "not three base64url parts"),
    ("a.b+c.d", "not three base64url parts"),
    ("Bearer " + JWT, "without the 'Bearer ' prefix"),
    (JWT + "\n", "whitespace or a line break"),
    ("%s.%s.c2ln" % (_b64("[]"), _b64("{}")), "header part"),
    ("%s.%s.c2ln" % (_b64("{}"), _b64("not json")), "claims part"),
])
def test_malformed_tokens_are_named_without_the_token(token, needle):
    msg = auth.access_token_problem(token)
    assert msg.startswith("access_token ") and needle in msg and "Fix:" in msg, msg
    assert token.strip() not in msg


def test_claims_of_the_validated_shape():
    assert auth.token_claims(JWT) == {"roles": ["Policy.Read.All"]}
    assert json.dumps(auth.token_claims("a.b")) == "{}"
