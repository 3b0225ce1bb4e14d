"""The shared input normalisers and validators (module_utils/inputs.py): pure functions."""

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import inputs

GUID = "6ba8af09-9774-4419-98d1-7db643f0c384"


# --- IDs and keywords ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [GUID, " " + GUID, GUID + "\n", "\t" + GUID.upper() + " ", "\u00a0" + GUID])
def test_normalise_id_trims_and_lowercases(raw):
    assert inputs.normalise_id(raw) == GUID


def test_normalise_id_keeps_none():
    assert inputs.normalise_id(None) is None


def test_guid_returns_normalised():
    assert inputs.guid("partner", "  %s " % GUID.upper()) == GUID


@pytest.mark.parametrize("raw", ["", "not-a-guid", GUID[:-1], GUID + "0", GUID.replace("-", "")])
def test_guid_refuses_with_option_value_and_fix(raw):
    with pytest.raises(inputs.InputError) as err:
        inputs.guid("targets[0].user", raw)
    msg = str(err.value)
    assert msg.startswith("targets[0].user %r" % raw) and "Fix:" in msg


@pytest.mark.parametrize("raw,expected", [
    ("all", "ALL"), ("ALL", "ALL"), (" All ", "ALL"), ("office365", "O365"), ("OFFICE365", "O365"),
    ("AllUsers", "ALL"), ("allusers", "ALL"),
])
def test_keyword_any_case(raw, expected):
    assert inputs.keyword(raw, {"all": "ALL", "AllUsers": "ALL", "office365": "O365"}) == expected


@pytest.mark.parametrize("raw", ["al", "everyone", None, 3, {"all": 1}, ["all"]])
def test_keyword_unknown_is_none(raw):
    assert inputs.keyword(raw, {"all": "ALL"}) is None


# --- domain names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("fabrikam.com", "fabrikam.com"),
    ("  Fabrikam.COM\t", "fabrikam.com"),
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),              # punycode as given
    ("bücher.de", "xn--bcher-kva.de"),                      # U-label converted
    ("BÜCHER.de", "xn--bcher-kva.de"),
    ("a-b.c-d.example", "a-b.c-d.example"),
    ("x1.y2", "x1.y2"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
    ("xn--p1ai.xn--p1ai", "xn--p1ai.xn--p1ai"),             # punycode top-level label
])
def test_domain_name_accepts(raw, expected):
    assert inputs.domain_name("allowed_domains", raw) == expected


def test_domain_name_wildcard_only_when_supported():
    assert inputs.domain_name("blocked_domains", "*.Fabrikam.com", wildcard=True) == "*.fabrikam.com"
    assert inputs.domain_name("blocked_domains", "*.bücher.de", wildcard=True) == "*.xn--bcher-kva.de"
    with pytest.raises(inputs.InputError):
        inputs.domain_name("blocked_domains", "*.fabrikam.com", wildcard=False)


@pytest.mark.parametrize("raw,needle", [
    ("-bad-.com", "starts or ends with a hyphen"),
    ("bad-.com", "starts or ends with a hyphen"),
    ("fabrikam.-com", "starts or ends with a hyphen"),
    ("a" * 64 + ".com", "longer than 63"),
    ("fabrikam.123", "all digits"),
    ("1.2.3.4", "all digits"),
    ("fabrikam", "at least two labels"),
    ("fabrikam..com", "empty label"),
    (".fabrikam.com", "empty label"),
    ("fabrikam.com.", "empty label"),
    ("bad domain.com", "letters, digits and hyphens"),
    ("fab_rikam.com", "letters, digits and hyphens"),
    ("a.*.com", "letters, digits and hyphens"),
    ("*", "letters, digits and hyphens"),
    ("**.fabrikam.com", "letters, digits and hyphens"),
    (".".join(["a" * 60] * 5), "at most 253"),
    ("", "empty label"),
])
def test_domain_name_refuses(raw, needle):
    with pytest.raises(inputs.InputError) as err:
        inputs.domain_name("blocked_domains", raw, wildcard=True)
    msg = str(err.value)
    assert msg.startswith("blocked_domains: %r" % raw), msg
    assert needle in msg and "Fix:" in msg, msg


@pytest.mark.parametrize("raw", ["bücher..de", "ü" * 70 + ".de"])
def test_domain_name_refuses_what_idna_cannot_convert(raw):
    with pytest.raises(inputs.InputError) as err:
        inputs.domain_name("allowed_domains", raw)
    assert "cannot be converted to punycode" in str(err.value) and "Fix:" in str(err.value)


def test_domain_name_total_length_limit_is_253():
    name = ".".join(["a" * 63] * 3 + ["b" * 61])          # 253 characters
    assert inputs.domain_name("allowed_domains", name) == name
    with pytest.raises(inputs.InputError):
        inputs.domain_name("allowed_domains", "c" + name)


# --- https URLs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("https://myapps.microsoft.com", "https://myapps.microsoft.com"),
    ("HTTPS://myapps.microsoft.com", "https://myapps.microsoft.com"),
    ("HtTpS://myapps.microsoft.com/?tenantid=%s" % GUID, "https://myapps.microsoft.com/?tenantid=%s" % GUID),
    ("https://myapps.microsoft.com:443/path#frag", "https://myapps.microsoft.com:443/path#frag"),
    ("https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"),
    ("https://192.0.2.10/landing", "https://192.0.2.10/landing"),
    ("https://[2001:db8::1]:8443/", "https://[2001:db8::1]:8443/"),
    ("https://intranet/", "https://intranet/"),
])
def test_https_url_accepts(raw, expected):
    assert inputs.https_url("redirect_url", raw) == expected


@pytest.mark.parametrize("raw,needle", [
    ("https://x javascript:alert(1)", "whitespace or a control character"),
    (" https://myapps.microsoft.com", "whitespace or a control character"),
    ("https://myapps.microsoft.com\n", "whitespace or a control character"),
    ("https://myapps.micro\tsoft.com", "whitespace or a control character"),
    ("https://myapps.microsoft.com/\x00", "whitespace or a control character"),
    ("https://myapps.microsoft.com\u200b/", "whitespace or a control character"),
    ("https://myapps.microsoft.com\u202e/", "whitespace or a control character"),
    ("https://", "no host name"),
    ("https:///path", "no host name"),
    ("https:myapps.microsoft.com", "no host name"),
    ("http://myapps.microsoft.com", "must be an https URL"),
    ("javascript:alert(1)", "must be an https URL"),
    ("myapps.microsoft.com", "must be an https URL"),
    ("ftp://myapps.microsoft.com", "must be an https URL"),
    ("https://-bad-.com/", "starts or ends with a hyphen"),
    ("https://a..com/", "empty label"),
    ("https://my_apps.com/", "letters, digits and hyphens"),
    ("https://1.2.3/", "all digits"),
    ("https://999.1.1.1/", "all digits"),
    ("https://bücher.de/", "xn--bcher-kva.de"),
    ("https://user:pw@myapps.microsoft.com/", "user name or password"),
    ("https://evil.example\\@myapps.microsoft.com/", "user name or password"),
    ("https://myapps.microsoft.com:99999/", "not a valid URL"),
    ("https://myapps.microsoft.com:0/", "port 0"),
    ("https://[not-an-ip]/", "not a valid URL"),
])
def test_https_url_refuses(raw, needle):
    with pytest.raises(inputs.InputError) as err:
        inputs.https_url("guests[1].redirect_url", raw)
    msg = str(err.value)
    assert msg.startswith("guests[1].redirect_url %r" % raw), msg
    assert needle in msg and "Fix:" in msg, msg
