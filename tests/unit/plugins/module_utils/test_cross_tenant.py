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


# --- clouds: [] with exclusive ----------------------------------------------------------------------

@pytest.mark.parametrize("own,listed", [("global", "usgov, china"), ("usgov", "global"), ("china", "global")])
def test_check_not_emptying_refuses_and_names_clouds_to_remove(own, listed):
    with pytest.raises(CloudError) as err:
        ct.check_not_emptying(load_catalogue(), own, [], True)
    msg = str(err.value)
    assert msg.startswith("clouds: [] with exclusive: true") and "state: absent" in msg
    assert "clouds: [%s]" % listed in msg, msg


@pytest.mark.parametrize("names,exclusive", [([], False), (["usgov"], True), (["usgov"], False)])
def test_check_not_emptying_lets_the_rest_through(names, exclusive):
    assert ct.check_not_emptying(load_catalogue(), "global", names, exclusive) is None


# --- a declared partner cloud against discovery --------------------------------------------------

TENANT = "6ba8af09-9774-4419-98d1-7db643f0c384"


def _found(cloud, endpoint):
    return {"cloud": cloud, "endpoint": endpoint}


def test_declared_cloud_confirmed():
    cat = load_catalogue()
    cloud, note = ct.check_declared_cloud(cat, cat.resolve("usgov"), _found("usgov", US), TENANT)
    assert cloud.name == "usgov" and note is None


def test_no_declared_cloud_takes_the_discovered_one():
    cat = load_catalogue()
    cloud, note = ct.check_declared_cloud(cat, None, _found("china", CN), TENANT)
    assert cloud.name == "china" and note is None


@pytest.mark.parametrize("declared,found,endpoint", [
    ("global", "usgov", US), ("usgov", "global", COM), ("usgov_dod", "china", CN), ("china", "usgov_dod", US),
])
def test_declared_cloud_contradicted(declared, found, endpoint):
    cat = load_catalogue()
    with pytest.raises(CloudError) as err:
        ct.check_declared_cloud(cat, cat.resolve(declared), _found(found, endpoint), TENANT, "partner_cloud",
                                "partner_tenant_id")
    msg = str(err.value)
    assert msg.startswith("partner_cloud %s contradicts OpenID discovery" % declared), msg
    assert "partner_tenant_id %s lives in the %s cloud" % (TENANT, found) in msg
    assert "Fix: set partner_cloud: %s" % found in msg


@pytest.mark.parametrize("declared,found", [("usgov", "usgov_dod"), ("usgov_dod", "usgov")])
def test_same_entra_endpoint_is_no_contradiction_but_a_note(declared, found):
    cat = load_catalogue()
    cloud, note = ct.check_declared_cloud(cat, cat.resolve(declared), _found(found, US), TENANT)
    assert cloud.name == declared                     # the user's word stands
    assert "microsoftonline.us" in note and "Graph hosts differ" in note and found in note


class FakeModule:
    """Just what confirm_partner_cloud uses of EntraModule."""

    class Failed(Exception):
        pass

    def __init__(self):
        self.catalogue = load_catalogue()
        self.params = {"timeout": 5}
        self.warnings = []

    def verify_for(self, cloud):
        return True

    def backoff(self):
        return None   # discover_cloud is replaced in these tests: no request, no retry

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, msg, **kw):
        raise self.Failed(msg)


def _discovery(monkeypatch, result):
    def fake(catalogue, tenant, verify, timeout, backoff=None):
        if isinstance(result, Exception):
            raise result
        return result
    monkeypatch.setattr(ct, "discover_cloud", fake)


def test_confirm_keeps_declared_cloud_and_warns_when_discovery_cannot_answer(monkeypatch):
    _discovery(monkeypatch, CloudError("cannot read the OpenID configuration https://login/x: timed out"))
    module = FakeModule()
    cloud = ct.confirm_partner_cloud(module, TENANT, module.catalogue.resolve("usgov"), "partner_tenant_id")
    assert cloud.name == "usgov"
    assert len(module.warnings) == 1 and "partner_cloud usgov could not be checked" in module.warnings[0]


def test_confirm_fails_without_declared_cloud_when_discovery_cannot_answer(monkeypatch):
    _discovery(monkeypatch, CloudError("tenant not found"))
    module = FakeModule()
    with pytest.raises(FakeModule.Failed) as err:
        ct.confirm_partner_cloud(module, TENANT, None, "partner")
    assert str(err.value).startswith("partner %s: tenant not found" % TENANT) and "give partner_cloud" in str(err.value)


def test_confirm_fails_on_contradiction(monkeypatch):
    _discovery(monkeypatch, _found("usgov", US))
    module = FakeModule()
    with pytest.raises(FakeModule.Failed) as err:
        ct.confirm_partner_cloud(module, TENANT, module.catalogue.resolve("global"), "partner")
    assert "partner_cloud global contradicts OpenID discovery" in str(err.value)


def test_confirm_notes_a_different_graph_host(monkeypatch):
    _discovery(monkeypatch, _found("usgov_dod", US))
    module = FakeModule()
    assert ct.confirm_partner_cloud(module, TENANT, module.catalogue.resolve("usgov"), "partner").name == "usgov"
    assert len(module.warnings) == 1 and "dod-graph.microsoft.us" in module.warnings[0]
