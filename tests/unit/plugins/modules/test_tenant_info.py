import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import load_catalogue
from ansible_collections.entra.crosscloud.plugins.modules.tenant_info import lookup_path, summarise

GOV = {"token_endpoint": "https://login.microsoftonline.us/6ba8af09-9774-4419-98d1-7db643f0c384/oauth2/v2.0/token",
       "cloud_instance_name": "microsoftonline.us", "tenant_region_scope": "USGov",
       "tenant_region_sub_scope": "DODCON", "msgraph_host": "graph.microsoft.us", "other": "dropped"}


def test_summarise_from_discovery():
    r = summarise("tailspin-defense.us", GOV, load_catalogue(), "global")
    assert r["tenant_id"] == "6ba8af09-9774-4419-98d1-7db643f0c384"
    assert (r["cloud"], r["pair"], r["gcc"], r["b2b_supported"]) == ("usgov", "supported", False, True)
    assert r["discovery"] == {"cloud_instance_name": "microsoftonline.us", "tenant_region_scope": "USGov",
                              "tenant_region_sub_scope": "DODCON", "msgraph_host": "graph.microsoft.us"}


def test_summarise_unsupported_pair():
    cn = {"cloud_instance_name": "partner.microsoftonline.cn", "tenant_region_scope": "AS"}
    r = summarise("fabrikam.cn", cn, load_catalogue(), "usgov")
    assert r["pair"] == "unsupported" and r["tenant_id"] == "fabrikam.cn"


@pytest.mark.parametrize("tenant,path", [
    ("6ba8af09-9774-4419-98d1-7db643f0c384",
     "tenantRelationships/findTenantInformationByTenantId(tenantId='6ba8af09-9774-4419-98d1-7db643f0c384')"),
    ("o'brien.example", "tenantRelationships/findTenantInformationByDomainName(domainName='o''brien.example')"),
])
def test_lookup_path(tenant, path):
    assert lookup_path(tenant) == path
