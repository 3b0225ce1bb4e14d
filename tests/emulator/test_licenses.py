"""Licences (emulator/graph/licenses.py): each rule of its docstring."""

import pytest

PBI = "f8a1db68-be16-40ed-86d5-cb42ce701560"          # POWER_BI_PRO, 5 units (demo seed)
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"           # ENTERPRISEPACK, 0 units


def _assign(emulator, upn, add=(), remove=(), **body):
    payload = {"addLicenses": [{"skuId": s, "disabledPlans": []} for s in add], "removeLicenses": list(remove)}
    payload.update(body)
    return emulator.graph("contoso", "POST", "/users/%s/assignLicense" % upn, payload)


def _sku(emulator, sku_id):
    return [s for s in emulator.graph("contoso", "GET", "/subscribedSkus").json()["value"] if s["skuId"] == sku_id][0]


def test_subscribed_skus(emulator):
    skus = emulator.graph("contoso", "GET", "/subscribedSkus").json()["value"]
    assert {s["skuPartNumber"]: s["prepaidUnits"]["enabled"] for s in skus} == {"POWER_BI_PRO": 5, "ENTERPRISEPACK": 0}
    assert skus[0]["id"] == "%s_%s" % (emulator.tenant("contoso")["id"], skus[0]["skuId"])
    picked = emulator.graph("contoso", "GET", "/subscribedSkus", params={"$select": "skuId,skuPartNumber"})
    assert set(picked.json()["value"][0]) == {"id", "skuId", "skuPartNumber"}
    assert emulator.graph("fabrikam_cn", "GET", "/subscribedSkus").json()["value"] == []


def test_assign_needs_usage_location_then_counts_units(emulator):
    r = _assign(emulator, "megan.bowen@contoso.com", add=[PBI])
    assert r.status_code == 400 and "invalid usage location" in r.json()["error"]["message"]
    assert emulator.graph("contoso", "PATCH", "/users/megan.bowen@contoso.com", {"usageLocation": "US"}).status_code == 204
    assert _assign(emulator, "megan.bowen@contoso.com", add=[PBI]).status_code == 200
    assert _sku(emulator, PBI)["consumedUnits"] == 1
    got = emulator.graph("contoso", "GET", "/users/megan.bowen@contoso.com", params={"$select": "assignedLicenses"})
    assert got.json()["assignedLicenses"] == [{"skuId": PBI, "disabledPlans": []}]
    assert _assign(emulator, "megan.bowen@contoso.com", remove=[PBI]).status_code == 200
    assert _sku(emulator, PBI)["consumedUnits"] == 0


@pytest.mark.parametrize("case,needle", [
    ("no units", "no more available licenses"),
    ("unknown sku", "does not correspond to a valid company License"),
    ("remove not held", "does not have a corresponding license"),
    ("missing removeLicenses", "both required"),
])
def test_refused_assignments(emulator, case, needle):
    emulator.graph("contoso", "PATCH", "/users/megan.bowen@contoso.com", {"usageLocation": "US"})
    if case == "no units":
        r = _assign(emulator, "megan.bowen@contoso.com", add=[E3])
    elif case == "unknown sku":
        r = _assign(emulator, "megan.bowen@contoso.com", add=["11111111-2222-3333-4444-555555555555"])
    elif case == "remove not held":
        r = _assign(emulator, "megan.bowen@contoso.com", remove=[PBI])
    else:
        r = emulator.graph("contoso", "POST", "/users/megan.bowen@contoso.com/assignLicense",
                           {"addLicenses": [{"skuId": PBI, "disabledPlans": []}]})
    assert r.status_code == 400 and needle in r.json()["error"]["message"], r.text


def test_permissions(emulator):
    token = emulator.token("contoso", client_id="f9a2940a-ef86-4bf6-b014-716eac6b6153", secret="demo-contoso-reader")
    assert emulator.graph("contoso", "GET", "/subscribedSkus", token=token).status_code == 403
    r = emulator.graph("contoso", "POST", "/users/megan.bowen@contoso.com/assignLicense",
                       {"addLicenses": [], "removeLicenses": []}, token=token)
    assert r.status_code == 403
