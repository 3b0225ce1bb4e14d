"""Groups and members (emulator/graph/groups.py): each rule of its docstring."""

import pytest

PROGRAMME = "5c1f4a8e-2b7d-4e19-9a63-0d8e7f2b6c41"
ENGINEERS = "9e2d7b30-6f4a-4c85-b1d2-3a7e5f60c918"
DYNAMIC = "1a6b9c2d-7e3f-4a58-8d04-b5c6e7f80912"


def _user_id(emulator, upn, tenant="contoso"):
    return emulator.graph(tenant, "GET", "/users/" + upn).json()["id"]


def _ref(emulator, oid, host="graph.microsoft.com"):
    return {"@odata.id": "https://%s/v1.0/directoryObjects/%s" % (host, oid)}


def test_list_filter_get(emulator):
    r = emulator.graph("contoso", "GET", "/groups", params={"$filter": "displayName eq 'cross-cloud programme'",
                                                            "$select": "id,groupTypes"})
    assert r.status_code == 200 and r.json()["value"] == [{"id": PROGRAMME, "groupTypes": ["Unified"]}]
    names = {g["displayName"] for g in emulator.graph("contoso", "GET", "/groups").json()["value"]}
    assert names == {"Cross-cloud programme", "Partner engineers", "Sales (dynamic)"}
    assert emulator.graph("contoso", "GET", "/groups/" + ENGINEERS).json()["securityEnabled"] is True
    assert emulator.graph("contoso", "GET", "/groups", params={"$filter": "description eq 'x'"}).status_code == 400
    many = " or ".join(["id eq '%s'" % ENGINEERS] * 16)
    assert emulator.graph("contoso", "GET", "/groups", params={"$filter": many}).status_code == 400
    assert emulator.graph("contoso", "GET", "/groups/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12).status_code == 404


def test_add_list_remove_members(emulator):
    megan = _user_id(emulator, "megan.bowen@contoso.com")
    path = "/groups/%s/members/$ref" % PROGRAMME
    assert emulator.graph("contoso", "POST", path, _ref(emulator, megan)).status_code == 204
    again = emulator.graph("contoso", "POST", path, _ref(emulator, megan))
    assert again.status_code == 400 and "already exist" in again.json()["error"]["message"]
    members = emulator.graph("contoso", "GET", "/groups/%s/members" % PROGRAMME).json()["value"]
    assert [(m["@odata.type"], m["id"]) for m in members] == [("#microsoft.graph.user", megan)]
    assert emulator.graph("contoso", "DELETE", "/groups/%s/members/%s/$ref" % (PROGRAMME, megan)).status_code == 204
    assert emulator.graph("contoso", "DELETE", "/groups/%s/members/%s/$ref" % (PROGRAMME, megan)).status_code == 404
    assert emulator.graph("contoso", "GET", "/groups/%s/members" % PROGRAMME).json()["value"] == []


@pytest.mark.parametrize("case", ["unknown object", "other cloud host", "not a ref", "dynamic group"])
def test_refused_member_changes(emulator, case):
    megan = _user_id(emulator, "megan.bowen@contoso.com")
    group, body = PROGRAMME, _ref(emulator, megan)
    if case == "unknown object":
        body = _ref(emulator, "11111111-2222-3333-4444-555555555555")
    elif case == "other cloud host":
        body = _ref(emulator, megan, host="graph.microsoft.us")
    elif case == "not a ref":
        body = {"id": megan}
    else:
        group = DYNAMIC
    r = emulator.graph("contoso", "POST", "/groups/%s/members/$ref" % group, body)
    assert r.status_code == (404 if case == "unknown object" else 400), r.text


def test_permissions(emulator):
    token = emulator.token("contoso", client_id="f9a2940a-ef86-4bf6-b014-716eac6b6153", secret="demo-contoso-reader")
    assert emulator.graph("contoso", "GET", "/groups", token=token).status_code == 403
    megan = _user_id(emulator, "megan.bowen@contoso.com")
    r = emulator.graph("contoso", "POST", "/groups/%s/members/$ref" % ENGINEERS, _ref(emulator, megan), token=token)
    assert r.status_code == 403


def test_a_new_guest_cannot_be_added_before_it_replicates(emulator):
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 30})
    invitation = {"invitedUserEmailAddress": "pat.kim@woodgrove.gov", "inviteRedirectUrl": "https://myapps.microsoft.com"}
    r = emulator.graph("contoso", "POST", "/invitations", invitation)
    gid = r.json()["invitedUser"]["id"]
    r = emulator.graph("contoso", "POST", "/groups/%s/members/$ref" % ENGINEERS, _ref(emulator, gid))
    assert r.status_code == 404


def test_create_group(emulator):
    body = {"displayName": "Partner engineers", "mailEnabled": False, "mailNickname": "pe2", "securityEnabled": True}
    # the collection's app may not create groups (it never does); an admin may
    assert emulator.graph("contoso", "POST", "/groups", body).status_code == 403
    r = emulator.as_admin("contoso", "POST", "/v1.0/groups", body)
    assert r["status"] == 201 and r["body"]["groupTypes"] == []
    for bad in ({"displayName": "x"}, dict(body, groupTypes=["Unified"]), dict(body, colour="red")):
        r = emulator.http.post(emulator.url + "/_emulator/tenants/%s/graph" % emulator.tenant("contoso")["id"],
                               json={"method": "POST", "path": "/v1.0/groups", "body": bad}, verify=emulator.ca)
        assert r.status_code == 400, (bad, r.text)
