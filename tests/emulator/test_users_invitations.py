"""Users, invitations and the redemption simulation; each test fails if its rule is dropped."""

import pytest

CTAP = "/policies/crossTenantAccessPolicy"
REDIRECT = "https://myapps.microsoft.com/?tenantid=8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d"


@pytest.fixture
def emulator(emulator):
    """The rules here are not about replication: created objects are readable at once (the delay that
    the default day draws per object is proven in test_ordinary_day.py and by the delay tests here)."""
    emulator.replication(0)
    return emulator


def _invite(emulator, tenant, address, **extra):
    body = dict(invitedUserEmailAddress=address, inviteRedirectUrl=REDIRECT, **extra)
    return emulator.graph(tenant, "POST", "/invitations", body)


def _b2b(access="allowed"):
    return {"usersAndGroups": {"accessType": access, "targets": [{"target": "AllUsers", "targetType": "user"}]},
            "applications": {"accessType": access, "targets": [{"target": "AllApplications",
                                                                "targetType": "application"}]}}


def _users(emulator, tenant, **params):
    r = emulator.graph(tenant, "GET", "/users", params=params)
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_default_properties_and_select(emulator):
    users = _users(emulator, "contoso")
    assert {u["userPrincipalName"] for u in users} == {"adele.vance@contoso.com", "megan.bowen@contoso.com"}
    assert "userType" not in users[0] and "mail" in users[0]
    users = _users(emulator, "contoso", **{"$select": "userType,otherMails"})
    assert set(users[0]) == {"id", "userType", "otherMails"}
    r = emulator.graph("contoso", "GET", "/users", params={"$select": "favouriteColour"})
    assert r.status_code == 400


@pytest.mark.parametrize("flt,expected", [
    ("mail eq 'megan@contoso.com'", ["megan.bowen@contoso.com"]),
    ("mail eq 'MEGAN@contoso.com'", ["megan.bowen@contoso.com"]),
    ("userPrincipalName eq 'adele.vance@contoso.com'", ["adele.vance@contoso.com"]),
    ("userType eq 'Member' and mail eq 'megan@contoso.com'", ["megan.bowen@contoso.com"]),
    ("mail eq 'megan@contoso.com' or mail eq 'adele.vance@contoso.com'",
     ["adele.vance@contoso.com", "megan.bowen@contoso.com"]),
    ("mail eq 'o''brien@contoso.com'", []),
    # 15 expressions: the most one filter may hold
    (" or ".join(["mail eq 'megan@contoso.com'"]
                 + ["otherMails/any(x:x eq 'p%d@contoso.com')" % i for i in range(14)]),
     ["megan.bowen@contoso.com"]),
])
def test_filters(emulator, flt, expected):
    got = sorted(u["userPrincipalName"] for u in _users(emulator, "contoso", **{"$filter": flt}))
    assert got == expected


@pytest.mark.parametrize("flt,code", [
    ("endswith(mail,'contoso.com')", "Request_UnsupportedQuery"),
    ("mail ne 'x@y.com'", "Request_UnsupportedQuery"),
    ("jobTitle eq 'boss'", "Request_UnsupportedQuery"),
    ("mail eq megan", "BadRequest"),
    (" or ".join("mail eq 'p%d@contoso.com'" % i for i in range(16)), "Request_UnsupportedQuery"),
    (" or ".join(["userType eq 'Guest' and mail eq 'p%d@contoso.com'" % i for i in range(8)]),
     "Request_UnsupportedQuery"),
])
def test_unsupported_filters(emulator, flt, code):
    r = emulator.graph("contoso", "GET", "/users", params={"$filter": flt})
    assert r.status_code == 400 and r.json()["error"]["code"] == code


def test_invitation_creates_one_guest_and_reinvite_returns_it(emulator):
    r = _invite(emulator, "contoso", "pat.kim@woodgrove.gov", invitedUserDisplayName="Pat Kim")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "PendingAcceptance" and body["inviteRedeemUrl"].startswith("https://")
    gid = body["invitedUser"]["id"]
    guest = emulator.graph("contoso", "GET", "/users/" + gid,
                           params={"$select": "userType,externalUserState,creationType,userPrincipalName,mail"}).json()
    assert guest["userType"] == "Guest" and guest["externalUserState"] == "PendingAcceptance"
    assert guest["creationType"] == "Invitation"
    assert guest["userPrincipalName"] == "pat.kim_woodgrove.gov#EXT#@contoso.onmicrosoft.com"
    # found by its #EXT# UPN too (percent-encoded #)
    assert emulator.graph("contoso", "GET", "/users/pat.kim_woodgrove.gov%23EXT%23@contoso.onmicrosoft.com"
                          ).status_code == 200
    again = _invite(emulator, "contoso", "Pat.Kim@woodgrove.gov")
    assert again.json()["invitedUser"]["id"] == gid
    assert len(_users(emulator, "contoso", **{"$filter": "userType eq 'Guest'"})) == 1
    found = _users(emulator, "contoso", **{"$filter": "otherMails/any(x:x eq 'pat.kim@woodgrove.gov')"})
    assert [u["id"] for u in found] == [gid]


@pytest.mark.parametrize("body,needle", [
    ({"invitedUserEmailAddress": "not an email", "inviteRedirectUrl": REDIRECT}, "not valid"),
    ({"invitedUserEmailAddress": "a@b.com"}, "inviteRedirectUrl"),
    ({"invitedUserEmailAddress": "a@b.com", "inviteRedirectUrl": "http://x.example"}, "https"),
    ({"invitedUserEmailAddress": "a@b.com", "inviteRedirectUrl": REDIRECT, "invitedUserType": "Admin"}, "Guest"),
    ({"invitedUserEmailAddress": "a@b.com", "inviteRedirectUrl": REDIRECT,
      "invitedUserMessageInfo": {"ccRecipients": [{"emailAddress": {"address": "x@y.com"}},
                                                  {"emailAddress": {"address": "z@y.com"}}]}}, "one ccRecipient"),
    ({"invitedUserEmailAddress": "adele.vance@contoso.com", "inviteRedirectUrl": REDIRECT}, "own domain"),
    ({"invitedUserEmailAddress": "a@b.com", "inviteRedirectUrl": REDIRECT, "InvitedUserType": "Guest"},
     "Invalid property"),
])
def test_invitation_validation(emulator, body, needle):
    r = emulator.graph("contoso", "POST", "/invitations", body)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text
    assert _users(emulator, "contoso", **{"$filter": "userType eq 'Guest'"}) == []


def test_app_only_invitations_refused_when_admin_only(emulator):
    r = _invite(emulator, "tailspin_gcch", "adele.vance@contoso.com")   # US Gov default: none
    assert r.status_code == 403 and "allowInvitesFrom" in r.json()["error"]["message"]
    emulator.graph("contoso", "PATCH", "/policies/authorizationPolicy", {"allowInvitesFrom": "adminsAndGuestInviters"})
    assert _invite(emulator, "contoso", "pat.kim@woodgrove.gov").status_code == 403
    emulator.graph("contoso", "PATCH", "/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    assert _invite(emulator, "contoso", "pat.kim@woodgrove.gov").status_code == 201


def test_domain_block_list_applies_to_invitations(emulator):
    import json
    definition = [json.dumps({"B2BManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {
        "AllowedDomains": [], "BlockedDomains": ["woodgrove.gov"]}}})]
    emulator.graph("contoso", "POST", "/policies/b2bManagementPolicies", {
        "displayName": "B2BManagementPolicy", "isOrganizationDefault": True, "definition": definition}, api="beta")
    r = _invite(emulator, "contoso", "pat.kim@woodgrove.gov")
    assert r.status_code == 400 and "allow/block list" in r.json()["error"]["message"]
    assert _invite(emulator, "contoso", "li.wei@fabrikam.cn").status_code == 201


def test_invitation_rate_limit(emulator):
    # 160 invitations in 8 $batch requests of 20, so that they all fall inside the 5 s window even on a
    # busy machine (152 one by one could take longer than 5 s, and then rightly pass)
    statuses = []
    for first in range(0, 160, 20):
        items = [{"id": str(i), "method": "POST", "url": "/invitations", "headers": {"Content-Type": "application/json"},
                  "body": {"invitedUserEmailAddress": "u%d@example.org" % i, "inviteRedirectUrl": REDIRECT}}
                 for i in range(first, first + 20)]
        r = emulator.graph("contoso", "POST", "/$batch", {"requests": items})
        assert r.status_code == 200, r.text
        statuses += [item["status"] for item in sorted(r.json()["responses"], key=lambda item: int(item["id"]))]
    assert statuses[:150] == [201] * 150
    assert statuses[150:] == [429] * 10
    r = _invite(emulator, "contoso", "late@example.org")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_patch_and_delete_user(emulator):
    gid = _invite(emulator, "contoso", "pat.kim@woodgrove.gov").json()["invitedUser"]["id"]
    assert emulator.graph("contoso", "PATCH", "/users/" + gid, {"userType": "Member"}).status_code == 204
    assert emulator.graph("contoso", "PATCH", "/users/" + gid, {"userType": "Boss"}).status_code == 400
    got = emulator.graph("contoso", "GET", "/users/" + gid, params={"$select": "userType"}).json()
    assert got["userType"] == "Member"
    assert emulator.graph("contoso", "DELETE", "/users/" + gid).status_code == 204
    r = emulator.graph("contoso", "GET", "/users/" + gid)
    assert r.status_code == 404 and r.json()["error"]["code"] == "Request_ResourceNotFound"


def test_address_list_visibility_is_set_on_beta_only(emulator):
    gid = _invite(emulator, "contoso", "pat.kim@woodgrove.gov").json()["invitedUser"]["id"]
    members = _users(emulator, "contoso", **{"$select": "showInAddressList", "$filter": "userType eq 'Member'"})
    assert members and all(u["showInAddressList"] is True for u in members)
    r = emulator.graph("contoso", "GET", "/users/" + gid, params={"$select": "showInAddressList"}, api="beta")
    assert r.json()["showInAddressList"] is False        # invited guests start hidden from the address list
    r = emulator.graph("contoso", "PATCH", "/users/" + gid, {"showInAddressList": True})
    assert r.status_code == 400 and "beta" in r.json()["error"]["message"]
    assert emulator.graph("contoso", "PATCH", "/users/" + gid, {"showInAddressList": "yes"},
                          api="beta").status_code == 400
    assert emulator.graph("contoso", "PATCH", "/users/" + gid, {"showInAddressList": True},
                          api="beta").status_code == 204
    r = emulator.graph("contoso", "GET", "/users/" + gid, params={"$select": "showInAddressList"}, api="beta")
    assert r.json()["showInAddressList"] is True


@pytest.mark.parametrize("body,ok", [
    ({"givenName": "Pat", "surname": "Kim", "jobTitle": "Engineer", "mobilePhone": "+1 555 0100"}, True),
    ({"businessPhones": ["+1 555 0101"], "usageLocation": "US", "companyName": "Woodgrove"}, True),
    ({"givenName": None, "businessPhones": []}, True),
    ({"businessPhones": ["+1 555 0101", "+1 555 0102"]}, False),    # only one number can be set
    ({"businessPhones": "+1 555 0101"}, False),
    ({"usageLocation": "us"}, False),
    ({"usageLocation": "USA"}, False),
    ({"usageLocation": None}, False),                                # not nullable
    ({"companyName": "x" * 65}, False),
    ({"displayName": ""}, False),                                    # cannot be cleared
    ({"givenName": 7}, False),
    ({"usagelocation": "US"}, False),                                # names are case-sensitive
])
def test_profile_properties(emulator, body, ok):
    gid = _invite(emulator, "contoso", "pat.kim@woodgrove.gov").json()["invitedUser"]["id"]
    r = emulator.graph("contoso", "PATCH", "/users/" + gid, body)
    assert r.status_code == (204 if ok else 400), r.text
    if ok:
        got = emulator.graph("contoso", "GET", "/users/" + gid, params={"$select": ",".join(body)}).json()
        assert dict((k, got[k]) for k in body) == body


def test_user_permissions(emulator):
    token = emulator.token("contoso", client_id="f9a2940a-ef86-4bf6-b014-716eac6b6153", secret="demo-contoso-reader")
    assert emulator.graph("contoso", "GET", "/users", token=token).status_code == 200
    r = emulator.graph("contoso", "POST", "/invitations", {"invitedUserEmailAddress": "a@b.com",
                                                           "inviteRedirectUrl": REDIRECT}, token=token)
    assert r.status_code == 403


def test_new_guest_hidden_during_replication_delay(emulator):
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 30})
    gid = _invite(emulator, "contoso", "pat.kim@woodgrove.gov").json()["invitedUser"]["id"]
    assert emulator.graph("contoso", "GET", "/users/" + gid).status_code == 404
    assert _users(emulator, "contoso", **{"$filter": "mail eq 'pat.kim@woodgrove.gov'"}) == []


# ---- redemption simulation ------------------------------------------------------------------------

def _redeem(emulator, resource, address, accept=True):
    return emulator.admin("POST", "/_emulator/redeem", {"resource_tenant": emulator.tenant(resource)["id"],
                                                        "address": address, "accept": accept})


def _pair(emulator, a, b, endpoint_a, endpoint_b, **partner_settings):
    """Configure a <-> b fully (each side enables the other's cloud and adds it with explicit in/outbound)."""
    for me, other, endpoint in ((a, b, endpoint_b), (b, a, endpoint_a)):
        if endpoint:
            emulator.as_admin(me, "PATCH", "/v1.0" + CTAP, {"allowedCloudEndpoints": [endpoint]})
        settings = {"b2bCollaborationInbound": _b2b(), "b2bCollaborationOutbound": _b2b()}
        settings.update(partner_settings)
        emulator.as_admin(me, "POST", "/v1.0" + CTAP + "/partners",
                          dict(tenantId=emulator.tenant(other)["id"], **settings))


def test_same_cloud_guest_redeems_with_defaults(emulator):
    _invite(emulator, "contoso", "pat.kim@woodgrove.gov")
    result = _redeem(emulator, "contoso", "pat.kim@woodgrove.gov")
    assert result["allowed"] is True and result["reasons"] == []
    guest = emulator.graph("contoso", "GET", "/users", params={"$filter": "mail eq 'pat.kim@woodgrove.gov'",
                                                               "$select": "externalUserState"}).json()["value"][0]
    assert guest["externalUserState"] == "Accepted"


def test_cross_cloud_needs_every_piece_on_both_sides(emulator):
    emulator.as_admin("tailspin_gcch", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    assert _invite(emulator, "tailspin_gcch", "adele.vance@contoso.com").status_code == 201
    result = _redeem(emulator, "tailspin_gcch", "adele.vance@contoso.com")
    assert result["allowed"] is False and result["aadsts"] == 1000104
    settings = {(r["side"], r["setting"]) for r in result["reasons"]}
    assert {("resource", "allowedCloudEndpoints"), ("home", "allowedCloudEndpoints"), ("resource", "partner"),
            ("home", "partner"), ("home", "b2bCollaborationOutbound"),
            ("resource", "b2bCollaborationInbound")} <= settings
    _pair(emulator, "contoso", "tailspin_gcch", "microsoftonline.com", "microsoftonline.us")
    assert _redeem(emulator, "tailspin_gcch", "adele.vance@contoso.com")["allowed"] is True


def test_cross_cloud_partner_without_explicit_settings_inherits_the_default(emulator):
    # Microsoft's cross-cloud settings guide: once each side has added the other, the default settings (or
    # specific ones) apply; a tenant in another cloud that is not a partner stays blocked
    emulator.as_admin("tailspin_gcch", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    _invite(emulator, "tailspin_gcch", "adele.vance@contoso.com")
    for me, other, ep in (("contoso", "tailspin_gcch", "microsoftonline.us"),
                          ("tailspin_gcch", "contoso", "microsoftonline.com")):
        emulator.as_admin(me, "PATCH", "/v1.0" + CTAP, {"allowedCloudEndpoints": [ep]})
        emulator.as_admin(me, "POST", "/v1.0" + CTAP + "/partners", {"tenantId": emulator.tenant(other)["id"]})
    assert _redeem(emulator, "tailspin_gcch", "adele.vance@contoso.com", accept=False)["allowed"] is True
    # the home tenant's default blocks going out: the inheriting partner is blocked with it
    emulator.as_admin("contoso", "PATCH", "/v1.0" + CTAP + "/default", {"b2bCollaborationOutbound": _b2b("blocked")})
    result = _redeem(emulator, "tailspin_gcch", "adele.vance@contoso.com", accept=False)
    assert result["allowed"] is False
    assert {r["setting"] for r in result["reasons"]} == {"b2bCollaborationOutbound"}
    assert result["aadsts"] == 500212
    # without the partner entry, B2B with the other cloud's tenant is blocked whatever the default
    emulator.as_admin("contoso", "PATCH", "/v1.0" + CTAP + "/default", {"b2bCollaborationOutbound": _b2b("allowed")})
    emulator.as_admin("tailspin_gcch", "DELETE", "/v1.0" + CTAP + "/partners/" + emulator.tenant("contoso")["id"])
    result = _redeem(emulator, "tailspin_gcch", "adele.vance@contoso.com", accept=False)
    assert result["allowed"] is False and "partner" in {r["setting"] for r in result["reasons"]}
    assert result["aadsts"] == 1000104


def test_cross_cloud_invite_must_use_upn(emulator):
    emulator.as_admin("tailspin_gcch", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    _pair(emulator, "contoso", "tailspin_gcch", "microsoftonline.com", "microsoftonline.us")
    _invite(emulator, "tailspin_gcch", "megan@contoso.com")      # her mail, not her UPN
    result = _redeem(emulator, "tailspin_gcch", "megan@contoso.com")
    assert result["allowed"] is False and "UPN" in result["reasons"][0]["message"]


def test_blocked_outbound_at_home(emulator):
    _invite(emulator, "contoso", "pat.kim@woodgrove.gov")
    emulator.as_admin("woodgrove_gcc", "POST", "/v1.0" + CTAP + "/partners", {
        "tenantId": emulator.tenant("contoso")["id"], "b2bCollaborationOutbound": _b2b("blocked")})
    result = _redeem(emulator, "contoso", "pat.kim@woodgrove.gov")
    assert result["allowed"] is False and result["aadsts"] == 500212
    assert result["reasons"][0]["side"] == "home"


def test_us_gov_and_china_never_redeem(emulator):
    emulator.as_admin("fabrikam_cn", "PATCH", "/v1.0/policies/authorizationPolicy", {"allowInvitesFrom": "everyone"})
    _invite(emulator, "fabrikam_cn", "jordan.ellis@tailspin-defense.us")
    result = _redeem(emulator, "fabrikam_cn", "jordan.ellis@tailspin-defense.us")
    assert result["allowed"] is False and result["reasons"][0]["setting"] == "cloud_pair"


def test_legacy_usg_home_cannot_collaborate(emulator):
    result = _redeem(emulator, "contoso", "nobody@litware.onmicrosoft.us")
    assert result["allowed"] is False


@pytest.mark.parametrize("extra,needle", [
    ({"invitedUserMessageInfo": {"messageLanguage": "english please"}}, "language tag"),
    ({"invitedUserMessageInfo": {"customizedMessageBody": 5}}, "string"),
    ({"invitedUserMessageInfo": {"ccRecipients": [{"emailAddress": {"address": "not-an-email"}}]}}, "not valid"),
    ({"invitedUserMessageInfo": {"ccRecipients": [{"address": "a@b.com"}]}}, "Invalid property"),
    ({"invitedUserMessageInfo": {"ccRecipients": [{"emailAddress": {"address": "a@b.com", "name": 3}}]}}, "string"),
    ({"invitedUserMessageInfo": {"ccRecipients": {"emailAddress": {"address": "a@b.com"}}}}, "collection"),
    ({"invitedUserMessageInfo": {"ccRecipients": [{"emailAddress": {"address": "a@b.com", "mail": "x"}}]}},
     "Invalid property"),
    ({"invitedUser": {"id": "nope"}}, "GUID"),
    ({"invitedUser": {"id": "7c1b8a8e-2b5f-4d7e-9a8b-0a1b2c3d4e5f", "mail": "x@y.com"}}, "Invalid property"),
    ({"resetRedemption": "yes"}, "Boolean"),
    ({"@odata.type": "#microsoft.graph.user"}, "not assignable"),
    ({"invitedUserMessageInfo": {"@odata.type": "#microsoft.graph.recipient"}}, "not assignable"),
])
def test_invitation_nested_shapes(emulator, extra, needle):
    r = _invite(emulator, "contoso", "pat.kim@woodgrove.gov", **extra)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_invitation_with_full_message_info_accepted(emulator):
    info = {"customizedMessageBody": "Welcome", "messageLanguage": "en-US",
            "ccRecipients": [{"emailAddress": {"address": "boss@contoso.com", "name": "Boss"}}]}
    r = _invite(emulator, "contoso", "pat.kim@woodgrove.gov", invitedUserMessageInfo=info,
                **{"@odata.type": "#microsoft.graph.invitation"})
    assert r.status_code == 201, r.text
    r = _invite(emulator, "contoso", "lee.ray@woodgrove.gov", invitedUserMessageInfo={"messageLanguage": "fr"})
    assert r.status_code == 201, r.text


def test_user_patch_odata_type(emulator):
    uid = _users(emulator, "contoso")[0]["id"]
    r = emulator.graph("contoso", "PATCH", "/users/" + uid, {"@odata.type": "#microsoft.graph.invitation",
                                                             "jobTitle": "x"})
    assert r.status_code == 400
    r = emulator.graph("contoso", "PATCH", "/users/" + uid, {"@odata.type": "#microsoft.graph.user", "jobTitle": "x"})
    assert r.status_code == 204


def test_unimplemented_user_options_fail_loudly_and_skip_is_refused(emulator):
    for params in ({"$orderby": "displayName"}, {"$search": '"displayName:a"'}, {"$expand": "manager"}):
        r = emulator.graph("contoso", "GET", "/users", params=params)
        assert r.status_code == 400 and "emulator" in r.json()["error"]["message"]
    r = emulator.graph("contoso", "GET", "/users", params={"$skip": "1"})
    assert r.status_code == 400 and "$skip" in r.json()["error"]["message"]
