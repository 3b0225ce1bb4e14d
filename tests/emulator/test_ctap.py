"""Cross-tenant access policy rules of the emulator; each test fails if its rule is dropped."""

import re
import time

import pytest
import yaml

from tests.conftest import Emulator, _start

CTAP = "/policies/crossTenantAccessPolicy"
US, CN, COM = "microsoftonline.us", "partner.microsoftonline.cn", "microsoftonline.com"
READER = ("f9a2940a-ef86-4bf6-b014-716eac6b6153", "demo-contoso-reader")


@pytest.fixture
def emulator(emulator):
    """The rules here are not about replication: created objects are readable at once (the delay that
    the default day draws per object is proven in test_ordinary_day.py and by the delay tests here)."""
    emulator.replication(0)
    return emulator


def _b2b(access, users="AllUsers", apps="AllApplications", user_type="user"):
    return {"usersAndGroups": {"accessType": access, "targets": [{"target": users, "targetType": user_type}]},
            "applications": {"accessType": access, "targets": [{"target": apps, "targetType": "application"}]}}


def _code(resp):
    return resp.status_code, resp.json()["error"]["code"]


def _enable(emulator, tenant, *endpoints):
    r = emulator.graph(tenant, "PATCH", CTAP, {"allowedCloudEndpoints": list(endpoints)})
    assert r.status_code == 204, r.text


def _add(emulator, tenant, partner, **settings):
    body = dict(tenantId=emulator.tenant(partner)["id"], **settings)
    return emulator.graph(tenant, "POST", CTAP + "/partners", body)


def _endpoints(emulator, tenant):
    return emulator.graph(tenant, "GET", CTAP).json()["allowedCloudEndpoints"]


def test_policy_shape_and_empty_clouds(emulator):
    r = emulator.graph("contoso", "GET", CTAP)
    assert r.status_code == 200
    body = r.json()
    assert body["allowedCloudEndpoints"] == [] and "@odata.context" in body


def test_allowed_cloud_endpoints_replace_whole_list(emulator):
    _enable(emulator, "contoso", US, CN)
    _enable(emulator, "contoso", CN)
    assert _endpoints(emulator, "contoso") == [CN]


@pytest.mark.parametrize("tenant,value,needle", [
    ("contoso", ["microsoftonline.de"], "Invalid value"),
    ("contoso", [COM], "own cloud"),
    ("tailspin_gcch", [CN], "not supported"),
    ("fabrikam_cn", [US], "not supported"),
    ("contoso", [US, US], "duplicate"),
    ("contoso", "microsoftonline.us", "collection"),
])
def test_bad_cloud_endpoints_refused_and_nothing_changes(emulator, tenant, value, needle):
    r = emulator.graph(tenant, "PATCH", CTAP, {"allowedCloudEndpoints": value})
    assert r.status_code == 400 and needle in r.json()["error"]["message"]
    assert _endpoints(emulator, tenant) == []


def test_property_names_are_case_sensitive(emulator):
    r = emulator.graph("contoso", "PATCH", CTAP, {"AllowedCloudEndpoints": [US]})
    assert _code(r) == (400, "Request_BadRequest") and "Invalid property" in r.json()["error"]["message"]
    _enable(emulator, "contoso", US)
    r = _add(emulator, "contoso", "tailspin_gcch", b2BCollaborationInbound=_b2b("allowed"))
    assert r.status_code == 400 and "b2BCollaborationInbound" in r.json()["error"]["message"]
    assert emulator.state("contoso")["data"]["ctap"]["partners"] == {}


def test_cross_cloud_partner_needs_its_cloud_enabled_first(emulator):
    r = _add(emulator, "contoso", "tailspin_gcch")
    assert r.status_code == 400 and "allowedCloudEndpoints" in r.json()["error"]["message"]
    _enable(emulator, "contoso", US)
    r = _add(emulator, "contoso", "tailspin_gcch")
    assert r.status_code == 201, r.text


def test_cloud_cannot_be_removed_while_its_partners_exist(emulator):
    _enable(emulator, "contoso", US)
    assert _add(emulator, "contoso", "northwind_dod").status_code == 201
    r = emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": []})
    assert r.status_code == 400 and "remove the partner first" in r.json()["error"]["message"]
    assert _endpoints(emulator, "contoso") == [US]


def test_unsupported_pair_partner_refused(emulator):
    r = _add(emulator, "tailspin_gcch", "fabrikam_cn")
    assert r.status_code == 400 and "not supported" in r.json()["error"]["message"]


def test_create_shape_nulls_inherit(emulator):
    r = _add(emulator, "contoso", "woodgrove_gcc")
    assert r.status_code == 201
    body = r.json()
    assert body["tenantId"] == emulator.tenant("woodgrove_gcc")["id"]
    for key in ("b2bCollaborationInbound", "b2bCollaborationOutbound", "inboundTrust", "b2bDirectConnectInbound"):
        assert body[key] is None
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": None, "outboundAllowed": None}
    got = emulator.graph("contoso", "GET", CTAP + "/partners/" + body["tenantId"]).json()
    assert got["b2bCollaborationInbound"] is None


@pytest.mark.parametrize("tid,status", [("not-a-guid", 400), ("00000000-0000-4000-8000-000000000000", 400)])
def test_partner_tenant_must_exist_and_be_a_guid(emulator, tid, status):
    r = emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": tid})
    assert r.status_code == status


def test_own_tenant_and_duplicate_refused(emulator):
    r = _add(emulator, "contoso", "contoso")
    assert r.status_code == 400
    assert _add(emulator, "contoso", "woodgrove_gcc").status_code == 201
    r = _add(emulator, "contoso", "woodgrove_gcc")
    assert r.status_code == 409


def test_direct_connect_refused_across_clouds_allowed_within(emulator):
    _enable(emulator, "contoso", US)
    r = _add(emulator, "contoso", "tailspin_gcch", b2bDirectConnectOutbound=_b2b("allowed"))
    assert r.status_code == 400 and "direct connect" in r.json()["error"]["message"]
    assert _add(emulator, "contoso", "tailspin_gcch", b2bDirectConnectOutbound=_b2b("blocked")).status_code == 201
    r = emulator.graph("contoso", "PATCH", CTAP + "/partners/" + emulator.tenant("tailspin_gcch")["id"],
                       {"b2bDirectConnectInbound": _b2b("allowed")})
    assert r.status_code == 400
    assert _add(emulator, "contoso", "woodgrove_gcc", b2bDirectConnectOutbound=_b2b("allowed")).status_code == 201


@pytest.mark.parametrize("setting,needle", [
    ({"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
      "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                             "targetType": "application"}]}},
     "all applications must be blocked"),
    ({"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
      "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications",
                                                             "targetType": "application"}]}},
     "allow at least one application"),
    ({"usersAndGroups": {"accessType": "permitted", "targets": [{"target": "AllUsers", "targetType": "user"}]}},
     "accessType"),
    ({"usersAndGroups": {"accessType": "allowed", "targets": []}}, "non-empty"),
    ({"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "group"}]}},
     "targetType 'user'"),
    ({"applications": {"accessType": "allowed", "targets": [{"target": "Teams", "targetType": "application"}]}},
     "Invalid target"),
    ({"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targettype": "user"}]}},
     "Invalid property"),
])
def test_b2b_setting_validation(emulator, setting, needle):
    r = _add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=setting)
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_patch_replaces_a_setting_whole(emulator):
    tid = emulator.tenant("woodgrove_gcc")["id"]
    _add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=_b2b("allowed"),
         inboundTrust={"isMfaAccepted": True})
    r = emulator.graph("contoso", "PATCH", CTAP + "/partners/" + tid, {"b2bCollaborationInbound": {
        "usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]}}})
    assert r.status_code == 204
    got = emulator.graph("contoso", "GET", CTAP + "/partners/" + tid).json()
    assert got["b2bCollaborationInbound"]["applications"] is None      # not merged: replaced
    assert got["inboundTrust"]["isMfaAccepted"] is True                 # untouched property kept


def test_inbound_trust_exact_names(emulator):
    r = _add(emulator, "contoso", "woodgrove_gcc", inboundTrust={"isHybridAzureAdJoinedDeviceAccepted": True})
    assert r.status_code == 400
    r = _add(emulator, "contoso", "woodgrove_gcc", inboundTrust={"isHybridAzureADJoinedDeviceAccepted": "yes"})
    assert r.status_code == 400
    r = _add(emulator, "contoso", "woodgrove_gcc", inboundTrust={"isHybridAzureADJoinedDeviceAccepted": True})
    assert r.status_code == 201


def test_read_only_partner_properties(emulator):
    tid = emulator.tenant("woodgrove_gcc")["id"]
    _add(emulator, "contoso", "woodgrove_gcc")
    for body in ({"tenantId": tid}, {"isInMultiTenantOrganization": True}):
        assert emulator.graph("contoso", "PATCH", CTAP + "/partners/" + tid, body).status_code == 400


def test_unknown_partner_404_and_delete(emulator):
    tid = emulator.tenant("woodgrove_gcc")["id"]
    r = emulator.graph("contoso", "GET", CTAP + "/partners/" + tid)
    assert _code(r) == (404, "Request_ResourceNotFound")
    _add(emulator, "contoso", "woodgrove_gcc")
    assert emulator.graph("contoso", "DELETE", CTAP + "/partners/" + tid).status_code == 204
    assert emulator.graph("contoso", "DELETE", CTAP + "/partners/" + tid).status_code == 404


def test_paging_and_select(emulator):
    _enable(emulator, "contoso", US, CN)
    for name in ("woodgrove_gcc", "tailspin_gcch", "northwind_dod", "fabrikam_cn", "litware_usg"):
        assert _add(emulator, "contoso", name).status_code == 201
    r = emulator.graph("contoso", "GET", CTAP + "/partners", params={"$top": "3", "$select": "tenantId"})
    body = r.json()
    assert len(body["value"]) == 3 and set(body["value"][0]) == {"tenantId"}
    assert "@odata.nextLink" in body
    r2 = emulator.graph("contoso", "GET", body["@odata.nextLink"])
    assert len(r2.json()["value"]) == 2 and "@odata.nextLink" not in r2.json()
    assert emulator.graph("contoso", "GET", CTAP + "/partners", params={"$select": "nope"}).status_code == 400


def test_permissions(emulator):
    token = emulator.token("contoso", client_id=READER[0], secret=READER[1])
    assert emulator.graph("contoso", "GET", CTAP, token=token).status_code == 200
    r = emulator.graph("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": [US]}, token=token)
    assert _code(r) == (403, "Authorization_RequestDenied")
    r = emulator.graph("contoso", "POST", CTAP + "/partners", {"tenantId": emulator.tenant("woodgrove_gcc")["id"]},
                       token=token)
    assert r.status_code == 403
    assert _endpoints(emulator, "contoso") == []


def test_default_shape_patch_and_reset(emulator):
    d = emulator.graph("contoso", "GET", CTAP + "/default").json()
    assert d["isServiceDefault"] is True
    assert d["b2bCollaborationInbound"]["usersAndGroups"]["accessType"] == "allowed"
    assert d["b2bDirectConnectOutbound"]["usersAndGroups"]["accessType"] == "blocked"
    assert d["inboundTrust"] == {"isMfaAccepted": False, "isCompliantDeviceAccepted": False,
                                 "isHybridAzureADJoinedDeviceAccepted": False}
    r = emulator.graph("contoso", "PATCH", CTAP + "/default", {"inboundTrust": {"isMfaAccepted": True}})
    assert r.status_code == 204
    d = emulator.graph("contoso", "GET", CTAP + "/default").json()
    assert d["isServiceDefault"] is False and d["inboundTrust"]["isMfaAccepted"] is True
    assert d["inboundTrust"]["isCompliantDeviceAccepted"] is False
    r = emulator.graph("contoso", "PATCH", CTAP + "/default",
                       {"automaticUserConsentSettings": {"inboundAllowed": True}})
    assert r.status_code == 400
    assert emulator.graph("contoso", "POST", CTAP + "/default/resetToSystemDefault").status_code == 204
    assert emulator.graph("contoso", "GET", CTAP + "/default").json()["isServiceDefault"] is True


def test_identity_sync_rules(emulator):
    tid = emulator.tenant("woodgrove_gcc")["id"]
    path = CTAP + "/partners/%s/identitySynchronization" % tid
    body = {"displayName": "Woodgrove", "userSyncInbound": {"isSyncAllowed": True}}
    assert emulator.graph("contoso", "PUT", path, body).status_code == 404          # partner first
    _add(emulator, "contoso", "woodgrove_gcc")
    assert emulator.graph("contoso", "PUT", path, body).status_code == 204
    assert emulator.graph("contoso", "GET", path).json()["userSyncInbound"] == {"isSyncAllowed": True}
    r = emulator.graph("contoso", "DELETE", CTAP + "/partners/" + tid)
    assert r.status_code == 400 and "identitySynchronization" in r.json()["error"]["message"]
    assert emulator.graph("contoso", "DELETE", path).status_code == 204
    assert emulator.graph("contoso", "DELETE", CTAP + "/partners/" + tid).status_code == 204


def _sync_put(emulator, tenant, partner):
    path = CTAP + "/partners/%s/identitySynchronization" % emulator.tenant(partner)["id"]
    return emulator.graph(tenant, "PUT", path, {"userSyncInbound": {"isSyncAllowed": True}})


def test_identity_sync_across_clouds_only_in_supported_directions(emulator):
    # the partner is the source, this tenant the target: US Gov -> commercial and commercial -> China are
    # supported cross-cloud synchronization directions; China -> commercial is not
    _enable(emulator, "contoso", US, CN)
    _enable(emulator, "fabrikam_cn", COM)
    for partner in ("tailspin_gcch", "northwind_dod", "fabrikam_cn"):
        assert _add(emulator, "contoso", partner).status_code == 201
    assert _sync_put(emulator, "contoso", "tailspin_gcch").status_code == 204
    assert _sync_put(emulator, "contoso", "northwind_dod").status_code == 204
    r = _sync_put(emulator, "contoso", "fabrikam_cn")
    assert r.status_code == 400
    assert "'china' cloud" in r.json()["error"]["message"] and "'global' cloud" in r.json()["error"]["message"]
    path = CTAP + "/partners/%s/identitySynchronization" % emulator.tenant("fabrikam_cn")["id"]
    assert emulator.graph("contoso", "GET", path).status_code == 404          # nothing was stored


def test_identity_sync_is_offered_in_china(emulator):
    # a China tenant may receive users from a commercial tenant (commercial -> China), and within its cloud
    _enable(emulator, "fabrikam_cn", COM)
    assert _add(emulator, "fabrikam_cn", "contoso").status_code == 201
    assert _sync_put(emulator, "fabrikam_cn", "contoso").status_code == 204


def test_identity_sync_from_commercial_into_us_gov(emulator):
    _enable(emulator, "tailspin_gcch", COM)
    assert _add(emulator, "tailspin_gcch", "contoso").status_code == 201
    assert _sync_put(emulator, "tailspin_gcch", "contoso").status_code == 204


SIZE_ERROR = re.compile(r"^The cross-tenant access policy would be (\d+) bytes; the limit is 25600 bytes \(25 KB\)\.$")


def _groups(count, access="allowed"):
    groups = [{"target": "00000000-0000-4000-8000-%012d" % i, "targetType": "group"} for i in range(count)]
    apps = [{"target": "AllApplications", "targetType": "application"}]
    return {"usersAndGroups": {"accessType": access, "targets": groups},
            "applications": {"accessType": access, "targets": apps}}


def _too_big(resp):
    """The size error's byte count (the message keeps its shape), after checking it is a 400."""
    assert resp.status_code == 400, resp.text
    m = SIZE_ERROR.match(resp.json()["error"]["message"])
    assert m and int(m.group(1)) > 25600, resp.json()["error"]["message"]
    return int(m.group(1))


def test_policy_size_limit(emulator):
    # 700 group IDs in one list: about 27 KB stored, over the limit; nothing is created
    _too_big(_add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=_groups(700)))
    assert emulator.graph("contoso", "GET", CTAP + "/partners").json()["value"] == []
    # an update that would go over is refused and the partner keeps what it had
    tid = emulator.tenant("woodgrove_gcc")["id"]
    assert _add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=_groups(300)).status_code == 201
    before = emulator.state("contoso")["data"]["ctap"]
    _too_big(emulator.graph("contoso", "PATCH", CTAP + "/partners/" + tid, {"b2bCollaborationOutbound": _groups(400)}))
    assert emulator.state("contoso")["data"]["ctap"] == before
    # the default counts too
    _too_big(emulator.graph("contoso", "PATCH", CTAP + "/default", {"b2bCollaborationOutbound": _groups(400)}))
    assert emulator.state("contoso")["data"]["ctap"] == before


HUB_PARTNERS = ["%08x-0000-4000-8000-00000000c0de" % (i + 1) for i in range(99)]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """An emulator whose hub tenant has 99 other tenants to partner with (a multitenant organization holds up to
    100 tenants: learn.microsoft.com/entra/identity/multi-tenant-organizations/multi-tenant-organization-overview)."""
    state_dir = tmp_path_factory.mktemp("hub")
    hub = {"name": "hub", "id": "0000c0de-0000-4000-8000-000000000000", "cloud": "global",
           "display_name": "Hub", "domains": ["hub.onmicrosoft.com"],
           "apps": [{"display_name": "automation", "client_id": "0000c0de-0000-4000-8000-0000000000a1",
                     "client_secret": "hub-secret"}]}
    others = [{"name": "t%d" % i, "id": tid, "cloud": "global", "domains": ["t%d.onmicrosoft.com" % i]}
              for i, tid in enumerate(HUB_PARTNERS)]
    seed = {"tenants": [hub] + others}
    (state_dir / "seed.yml").write_text(yaml.safe_dump(seed))
    proc = _start(str(state_dir), seed=str(state_dir / "seed.yml"))
    try:
        emu = Emulator(str(state_dir))
        emu.replication(0)
        yield emu
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_99_explicit_partners_fit_and_stuffing_does_not(hub):
    explicit = {"b2bCollaborationInbound": _b2b("allowed"), "b2bCollaborationOutbound": _b2b("allowed"),
                "inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": True,
                                 "isHybridAzureADJoinedDeviceAccepted": True}}
    for tid in HUB_PARTNERS:
        r = hub.graph("hub", "POST", CTAP + "/partners", dict(explicit, tenantId=tid))
        assert r.status_code == 201, r.text
    # 99 such entries are about 21.7 KB: room left for a 50-group target list
    first, second = HUB_PARTNERS[0], HUB_PARTNERS[1]
    assert hub.graph("hub", "PATCH", CTAP + "/partners/" + first,
                     {"b2bCollaborationInbound": _groups(50)}).status_code == 204
    # stuffing: long target lists push it over, and nothing changes
    before = hub.state("hub")["data"]["ctap"]
    _too_big(hub.graph("hub", "PATCH", CTAP + "/partners/" + second, {"b2bCollaborationInbound": _groups(200)}))
    assert hub.state("hub")["data"]["ctap"] == before
    assert len(before["partners"]) == 99


def test_replication_delay_hides_new_partner(emulator):
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 0.6})
    tid = emulator.tenant("woodgrove_gcc")["id"]
    assert _add(emulator, "contoso", "woodgrove_gcc").status_code == 201
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + tid).status_code == 404
    assert emulator.graph("contoso", "GET", CTAP + "/partners").json()["value"] == []
    emulator.admin("POST", "/_emulator/replication_delay", {"seconds": 0})   # later objects only
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + tid).status_code == 404
    time.sleep(0.7)
    assert emulator.graph("contoso", "GET", CTAP + "/partners/" + tid).status_code == 200


def test_beta_serves_the_same_policy(emulator):
    _enable(emulator, "contoso", CN)
    assert emulator.graph("contoso", "GET", CTAP, api="beta").json()["allowedCloudEndpoints"] == [CN]


def test_drift_injection_is_not_client_traffic(emulator):
    emulator.as_admin("contoso", "PATCH", "/v1.0" + CTAP, {"allowedCloudEndpoints": [US]})
    assert emulator.counts()["graph_requests"] == 0
    assert _endpoints(emulator, "contoso") == [US]


def test_odata_type_must_be_the_objects_own(emulator):
    partner_type = "#microsoft.graph.crossTenantAccessPolicyConfigurationPartner"
    r = _add(emulator, "contoso", "woodgrove_gcc", **{"@odata.type": "#microsoft.graph.user"})
    assert _code(r) == (400, "Request_BadRequest") and "not assignable" in r.json()["error"]["message"]
    r = _add(emulator, "contoso", "woodgrove_gcc", **{"@odata.type": "#microsoft.graph.noSuchType"})
    assert r.status_code == 400 and "could not be resolved" in r.json()["error"]["message"]
    r = _add(emulator, "contoso", "woodgrove_gcc", **{"@odata.type": partner_type[1:]})      # '#' is part of it
    assert r.status_code == 400
    wrong_nested = dict(_b2b("allowed"), **{"@odata.type": "#microsoft.graph.crossTenantAccessPolicyInboundTrust"})
    r = _add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=wrong_nested)
    assert r.status_code == 400 and "b2bCollaborationInbound" in r.json()["error"]["message"]
    right_nested = dict(_b2b("allowed"), **{"@odata.type": "#microsoft.graph.crossTenantAccessPolicyB2BSetting"})
    r = _add(emulator, "contoso", "woodgrove_gcc", b2bCollaborationInbound=right_nested,
             **{"@odata.type": partner_type})
    assert r.status_code == 201, r.text
    r = emulator.graph("contoso", "PATCH", CTAP, {"@odata.type": partner_type, "allowedCloudEndpoints": []})
    assert r.status_code == 400
    r = emulator.graph("contoso", "PATCH", CTAP, {"@odata.type": "#microsoft.graph.crossTenantAccessPolicy",
                                                  "allowedCloudEndpoints": []})
    assert r.status_code == 204
    r = emulator.graph("contoso", "PATCH", CTAP + "/default", {"@odata.type": partner_type,
                                                               "inboundTrust": {"isMfaAccepted": True}})
    assert r.status_code == 400


def test_expand_identity_synchronization_only(emulator):
    tid = emulator.tenant("woodgrove_gcc")["id"]
    _add(emulator, "contoso", "woodgrove_gcc")
    sync = {"displayName": "Woodgrove", "userSyncInbound": {"isSyncAllowed": True}}
    assert emulator.graph("contoso", "PUT", CTAP + "/partners/%s/identitySynchronization" % tid, sync
                          ).status_code == 204
    r = emulator.graph("contoso", "GET", CTAP + "/partners",
                       params={"$select": "tenantId", "$expand": "identitySynchronization"})
    assert r.json()["value"] == [{"tenantId": tid, "identitySynchronization": dict(sync, tenantId=tid)}]
    r = emulator.graph("contoso", "GET", CTAP + "/partners/" + tid, params={"$expand": "templates"})
    assert r.status_code == 400


SYNC_ROLES_APPS = {"ctap": ("0000c0de-0000-4000-8000-0000000000b1", ["Policy.ReadWrite.CrossTenantAccess"]),
                   "profile": ("0000c0de-0000-4000-8000-0000000000b2",
                               ["Policy.ReadWrite.CrossTenantUserProfileSharing"]),
                   "reader": ("0000c0de-0000-4000-8000-0000000000b3", ["Policy.Read.All"]),
                   "other": ("0000c0de-0000-4000-8000-0000000000b4", ["User.Read.All"])}


@pytest.fixture(scope="module")
def roles_emulator(tmp_path_factory):
    """An emulator whose tenant has one app per permission the identitySynchronization API takes."""
    state_dir = tmp_path_factory.mktemp("sync-roles")
    apps = [{"display_name": "partners", "client_id": "0000c0de-0000-4000-8000-0000000000a1",
             "client_secret": "a-secret"}]
    apps += [{"display_name": name, "client_id": cid, "client_secret": name + "-secret", "roles": roles}
             for name, (cid, roles) in SYNC_ROLES_APPS.items()]
    seed = {"tenants": [{"name": "a", "id": "0000c0de-0000-4000-8000-00000000000a", "cloud": "global",
                         "domains": ["a.onmicrosoft.com"], "apps": apps},
                        {"name": "b", "id": "0000c0de-0000-4000-8000-00000000000b", "cloud": "global",
                         "domains": ["b.onmicrosoft.com"]}]}
    (state_dir / "seed.yml").write_text(yaml.safe_dump(seed))
    proc = _start(str(state_dir), seed=str(state_dir / "seed.yml"))
    try:
        emu = Emulator(str(state_dir))
        emu.replication(0)
        yield emu
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_identity_sync_permissions(roles_emulator):
    """Policy.ReadWrite.CrossTenantAccess is the least-privileged write permission (the PUT page);
    Policy.ReadWrite.CrossTenantUserProfileSharing is accepted too; Policy.Read.All reads."""
    emu = roles_emulator
    emu.reset()
    emu.replication(0)
    b = "0000c0de-0000-4000-8000-00000000000b"
    assert emu.graph("a", "POST", CTAP + "/partners", {"tenantId": b}).status_code == 201
    path = CTAP + "/partners/%s/identitySynchronization" % b
    body = {"userSyncInbound": {"isSyncAllowed": True}}

    def token(name):
        return emu.token("a", client_id=SYNC_ROLES_APPS[name][0], secret=name + "-secret")
    for name in ("ctap", "profile"):
        assert emu.graph("a", "PUT", path, body, token=token(name)).status_code == 204, name
        assert emu.graph("a", "GET", path, token=token(name)).status_code == 200, name
    assert emu.graph("a", "GET", path, token=token("reader")).status_code == 200
    for name in ("reader", "other"):
        assert _code(emu.graph("a", "PUT", path, body, token=token(name))) == (403, "Authorization_RequestDenied")
    assert emu.graph("a", "GET", path, token=token("other")).status_code == 403
    assert emu.graph("a", "DELETE", path, token=token("ctap")).status_code == 204
