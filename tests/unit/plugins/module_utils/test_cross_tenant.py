import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, load_catalogue
from ansible_collections.entra.crosscloud.plugins.module_utils import cross_tenant as ct

US, CN, COM = "microsoftonline.us", "partner.microsoftonline.cn", "microsoftonline.com"


@pytest.mark.parametrize("current,wanted,state,exclusive,expected", [
    ([], [US], "present", False, [US]),
    ([CN], [US], "present", False, [CN, US]),
    ([CN, US], [US], "present", False, [CN, US]),
    ([CN, US], [US], "absent", False, [CN]),
    ([CN], [US], "absent", False, [CN]),
    ([CN, US], [US], "present", True, [US]),
    ([CN], [], "present", True, []),
    (None, [CN], "present", False, [CN]),
])
def test_plan_endpoints(current, wanted, state, exclusive, expected):
    assert ct.plan_endpoints(current, wanted, state, exclusive) == expected


def test_endpoints_for_names_and_aliases():
    cat = load_catalogue()
    assert ct.endpoints_for(cat, "global", ["usgov", "usgov_dod", "AzureChinaCloud"]) == [US, CN]
    assert ct.endpoints_for(cat, "usgov", ["global"]) == [COM]


@pytest.mark.parametrize("own,names,needle", [
    ("global", ["global"], "own cloud"),
    ("usgov", ["usgov_dod"], "own cloud"),
    ("usgov", ["china"], "not supported"),
    ("china", ["usgov"], "not supported"),
    ("global", ["mars"], "unknown cloud 'mars'"),
])
def test_endpoints_for_refuses(own, names, needle):
    with pytest.raises(CloudError) as err:
        ct.endpoints_for(load_catalogue(), own, names)
    assert needle in str(err.value) and str(err.value).startswith("clouds:")


def test_friendly_names():
    assert ct.friendly_names(load_catalogue(), [US, CN, COM]) == ["usgov", "china", "global"]


def test_snake_drops_odata_and_converts():
    out = ct.snake({"@odata.context": "x", "tenantId": "t", "b2bCollaborationInbound": None,
                    "inboundTrust": {"isMfaAccepted": True}})
    assert out == {"tenant_id": "t", "b2b_collaboration_inbound": None, "inbound_trust": {"is_mfa_accepted": True}}
