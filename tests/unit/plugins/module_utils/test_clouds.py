import json

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import (
    CloudError, cloud_from_discovery, discovery_url, is_microsoft_login_host, load_catalogue)


@pytest.fixture
def cat():
    return load_catalogue()


def test_builtin_table(cat):
    assert cat.names() == ["china", "global", "usgov", "usgov_dod"]
    dod = cat.resolve("usgov_dod")
    assert dod.graph_url == "https://dod-graph.microsoft.us"
    assert dod.authority_host == "https://login.microsoftonline.us"
    assert dod.token_scope == "https://dod-graph.microsoft.us/.default"
    assert cat.resolve("china").authority_host == "https://login.chinacloudapi.cn"
    assert cat.resolve("china").endpoint == "partner.microsoftonline.cn"


@pytest.mark.parametrize("alias,name", [("AzureCloud", "global"), ("azureusgovernment", "usgov"),
                                        ("AzureChinaCloud", "china"), ("GLOBAL", "global"), ("dod", "usgov_dod")])
def test_aliases(cat, alias, name):
    assert cat.resolve(alias).name == name


def test_unknown_cloud_lists_valid_names(cat):
    with pytest.raises(CloudError) as err:
        cat.resolve("mars")
    assert "'mars'" in str(err.value) and "usgov_dod" in str(err.value)


@pytest.mark.parametrize("a,b,status", [
    ("global", "usgov", "supported"), ("usgov_dod", "global", "supported"), ("global", "china", "supported"),
    ("usgov", "china", "unsupported"), ("china", "usgov_dod", "unsupported"),
    ("usgov", "usgov_dod", "same_cloud"), ("global", "global", "same_cloud")])
def test_pair_matrix(cat, a, b, status):
    assert cat.pair_status(a, b) == status
    assert cat.pair_status(b, a) == status


def test_unsupported_pair_explained(cat):
    text = cat.explain_pair("usgov", "china")
    assert "not supported" in text and "microsoftonline.com <-> microsoftonline.us" in text


def test_clouds_file_overrides_and_extends(tmp_path):
    f = tmp_path / "clouds.yml"
    f.write_text("clouds:\n  usgov:\n    graph_url: https://127.0.0.1:9443\n    ca_path: /tmp/ca.pem\n"
                 "  bleu:\n    authority_host: https://login.bleu.example\n    graph_url: https://graph.bleu.example\n"
                 "    endpoint: bleu.example\npairs:\n  - [microsoftonline.com, bleu.example]\n")
    cat = load_catalogue(str(f))
    usgov = cat.resolve("usgov")
    assert usgov.graph_url == "https://127.0.0.1:9443" and usgov.ca_path == "/tmp/ca.pem"
    assert usgov.authority_host == "https://login.microsoftonline.us"   # untouched key kept
    assert cat.pair_status("global", "bleu") == "supported"
    assert cat.pair_status("usgov", "bleu") == "unsupported"


def test_clouds_file_json(tmp_path):
    f = tmp_path / "clouds.json"
    f.write_text(json.dumps({"clouds": {"global": {"graph_url": "https://127.0.0.1:1"}}}))
    assert load_catalogue(str(f)).resolve("global").graph_url == "https://127.0.0.1:1"


@pytest.mark.parametrize("text,needle", [
    ("clouds:\n  bleu:\n    graph_url: https://g.example\n", "new cloud 'bleu' needs authority_host"),
    ("clouds:\n  usgov:\n    graph_url: http://insecure.example\n", "must be an https URL"),
    ("clouds:\n  usgov:\n    colour: blue\n", "unknown key(s) colour"),
    ("cloudz: {}\n", "unknown top-level key(s) cloudz"),
    ("pairs: [a]\n", "'pairs' must be a list"),
    ("clouds: [\n", "not valid YAML/JSON"),
])
def test_bad_clouds_file(tmp_path, text, needle):
    f = tmp_path / "c.yml"
    f.write_text(text)
    with pytest.raises(CloudError) as err:
        load_catalogue(str(f))
    assert needle in str(err.value) and str(f) in str(err.value)


def test_missing_clouds_file():
    with pytest.raises(CloudError) as err:
        load_catalogue("/nonexistent/clouds.yml")
    assert "cannot read clouds_file" in str(err.value)


@pytest.mark.parametrize("doc,expected", [
    ({"cloud_instance_name": "microsoftonline.com", "tenant_region_scope": "NA"},
     ("global", False, True)),
    ({"cloud_instance_name": "microsoftonline.com", "tenant_region_scope": "NA", "tenant_region_sub_scope": "GCC"},
     ("global", True, True)),
    ({"cloud_instance_name": "microsoftonline.us", "tenant_region_scope": "USGov", "tenant_region_sub_scope": "DODCON"},
     ("usgov", False, True)),
    ({"cloud_instance_name": "microsoftonline.us", "tenant_region_scope": "USGOV", "tenant_region_sub_scope": "dod"},
     ("usgov_dod", False, True)),
    ({"cloud_instance_name": "microsoftonline.us", "tenant_region_scope": "usg"}, ("usgov", False, False)),
    ({"cloud_instance_name": "partner.microsoftonline.cn", "tenant_region_scope": "AS"}, ("china", False, True)),
])
def test_cloud_from_discovery(cat, doc, expected):
    found = cloud_from_discovery(doc, cat)
    assert (found["cloud"], found["gcc"], found["b2b_supported"]) == expected


def test_cloud_from_discovery_unknown_instance(cat):
    with pytest.raises(CloudError) as err:
        cloud_from_discovery({"cloud_instance_name": "microsoftonline.de"}, cat)
    assert "microsoftonline.de" in str(err.value)


def test_discovery_uses_global_host(cat):
    assert discovery_url(cat, "contoso.com") == \
        "https://login.microsoftonline.com/contoso.com/v2.0/.well-known/openid-configuration"


def test_instance_discovery_only_for_microsoft_hosts():
    assert is_microsoft_login_host("https://login.microsoftonline.us")
    assert is_microsoft_login_host("login.chinacloudapi.cn")
    assert not is_microsoft_login_host("https://127.0.0.1:8443")
    assert not is_microsoft_login_host("https://login.microsoftonline.com.evil.example")
