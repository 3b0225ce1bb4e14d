"""entra.crosscloud.tenant_info through ansible-playbook against the emulator."""

import pytest

from tests.integration.helpers import play

DEMO = {
    "contoso": ("global", "microsoftonline.com", None, False, True),
    "woodgrove_gcc": ("global", "microsoftonline.com", "GCC", True, True),
    "tailspin_gcch": ("usgov", "microsoftonline.us", "DODCON", False, True),
    "northwind_dod": ("usgov_dod", "microsoftonline.us", "DOD", False, True),
    "fabrikam_cn": ("china", "partner.microsoftonline.cn", None, False, True),
    "litware_usg": ("usgov", "microsoftonline.us", None, False, False),
}


def test_anonymous_discovery_of_every_cloud(run_in_place, emulator):
    tasks = [{"name": name, "entra.crosscloud.tenant_info": {"tenant": emulator.tenant(name)["id"]}}
             for name in DEMO]
    run = run_in_place(play(None, tasks))
    assert run.rc == 0, run.output
    for name, (cloud, endpoint, sub, gcc, b2b) in DEMO.items():
        res = run.task(name)["result"]
        assert (res["cloud"], res["endpoint"], res["region_sub_scope"], res["gcc"], res["b2b_supported"]) == \
            (cloud, endpoint, sub, gcc, b2b), name
        assert res["tenant_id"] == emulator.tenant(name)["id"]
        assert res["changed"] is False
        assert "display_name" not in res and "token_source" not in res
    # only discovery was used: no token, no Graph call
    counts = emulator.counts()
    assert counts["token_requests"] == 0 and counts["graph_requests"] == 0


def test_pair_status_against_callers_cloud(run_in_place, emulator):
    tasks = [
        {"name": "gov from global", "entra.crosscloud.tenant_info": {"tenant": emulator.tenant("tailspin_gcch")["id"],
                                                                     "cloud": "global"}},
        {"name": "china from gov", "entra.crosscloud.tenant_info": {"tenant": emulator.tenant("fabrikam_cn")["id"],
                                                                    "cloud": "AzureUSGovernment"}},
        {"name": "dod from gcch", "entra.crosscloud.tenant_info": {"tenant": emulator.tenant("northwind_dod")["id"],
                                                                   "cloud": "usgov"}},
        {"name": "by domain", "entra.crosscloud.tenant_info": {"tenant": "fabrikam.cn", "cloud": "global"}},
    ]
    run = run_in_place(play(None, tasks))
    assert run.rc == 0, run.output
    assert run.task("gov from global")["result"]["pair"] == "supported"
    china = run.task("china from gov")["result"]
    assert china["pair"] == "unsupported" and "not supported" in china["pair_explanation"]
    assert run.task("dod from gcch")["result"]["pair"] == "same_cloud"
    assert run.task("by domain")["result"]["tenant_id"] == emulator.tenant("fabrikam_cn")["id"]


@pytest.mark.parametrize("args,needle", [
    ({"tenant": "no-such-tenant.example"}, "not found by OpenID discovery"),
    ({"tenant": "a b"}, "is not a tenant ID or domain name"),
    ({"tenant": "contoso.com", "cloud": "mars"}, "unknown cloud 'mars'"),
    ({"tenant": "contoso.com", "tenant_id": "not a tenant"}, "tenant_id 'not a tenant'"),
    ({"tenant": "contoso.com", "client_id": "x", "client_secret": "y", "tenant_id": "contoso.com"},
     "client_id 'x' is not a GUID"),
])
def test_bad_input_fails_with_a_clear_message(run_in_place, emulator, args, needle):
    run = run_in_place(play(None, [{"name": "bad", "entra.crosscloud.tenant_info": args}]))
    res = run.task("bad")
    assert res["status"] == "failed" and needle in res["result"]["msg"], res["result"]["msg"]
    assert emulator.counts()["graph_requests"] == 0
