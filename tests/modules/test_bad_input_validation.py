"""Bad input that used to be accepted (or refused only by Graph) is refused by the module itself: the
task fails, the message names the option and the bad value, the emulator sees no write (and, where
nothing needs to be read to tell, no Graph request at all), and the client secret stays out of the
output even at -vvv. One task per playbook."""

import json

import pytest

from tests.integration.helpers import play

CTAP = "/v1.0/policies/crossTenantAccessPolicy"
ALL = {"access": "allowed", "targets": ["all"]}


def _mark(emulator):
    """The last request the emulator logged, to count from."""
    log = emulator.log()
    return log[-1]["seq"] if log else 0


def _refused(run_in_place, emulator, connection, tenant, module, args, needles):
    """Run one task that must be refused; check the contract and return its message."""
    conn = connection(tenant)
    since = _mark(emulator)
    run = run_in_place(play(conn, [{"name": "bad", "entra.crosscloud." + module: args}]), args=("-vvv",))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    msg = res["result"]["msg"]
    for needle in needles:
        assert needle in msg, (needle, msg)
    assert res["result"].get("changed") is not True
    counts = emulator.counts(since)
    assert counts["graph_writes"] == 0, counts
    # every case here is decided from the input (and at most anonymous discovery): Graph is never asked
    assert counts["graph_requests"] == 0 and counts["token_requests"] == 0, counts
    assert conn["client_secret"] not in run.output and conn["client_secret"] not in json.dumps(run.results)
    return msg, counts


# --- access_settings: an empty targets list is not "everyone" ------------------------------------------

@pytest.mark.parametrize("option,kind,empty", [
    ("b2b_collaboration_inbound", "users_and_groups", []),
    ("b2b_collaboration_inbound", "applications", []),
    ("b2b_collaboration_outbound", "users_and_groups", []),
    ("b2b_collaboration_outbound", "applications", []),
    ("b2b_direct_connect_inbound", "users_and_groups", []),
    ("b2b_direct_connect_outbound", "applications", []),
    ("b2b_collaboration_inbound", "users_and_groups", None),
])
def test_access_settings_empty_targets(run_in_place, emulator, connection, option, kind, empty):
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]
    setting = {"users_and_groups": dict(ALL), "applications": dict(ALL)}
    setting[kind] = {"access": "allowed", "targets": empty}
    # null never reaches the module: Ansible's argument check refuses it for a list with a default
    needles = ["%s.%s.targets: []" % (option, kind), "omit targets", "Fix:"] if empty == [] else \
        ["'targets'", "%s -> %s" % (option, kind), "NoneType"]
    msg, counts = _refused(run_in_place, emulator, connection, "contoso", "access_settings",
                           {"partner": woodgrove, option: setting}, needles)
    assert counts["total"] == 0            # refused before discovery, sign-in or Graph


def test_access_settings_empty_targets_on_the_default(run_in_place, emulator, connection):
    _refused(run_in_place, emulator, connection, "contoso", "access_settings",
             {"partner": "default", "b2b_collaboration_outbound": {
                 "users_and_groups": {"access": "blocked", "targets": []}, "applications": dict(ALL)}},
             ["b2b_collaboration_outbound.users_and_groups.targets: []"])


@pytest.mark.parametrize("target,shown", [
    ({"user": "12345"}, "'12345'"),
    ({"group": " not-a-guid "}, "not-a-guid"),
    ("everyone", "'everyone'"),
])
def test_access_settings_bad_user_targets(run_in_place, emulator, connection, target, shown):
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]
    _refused(run_in_place, emulator, connection, "contoso", "access_settings",
             {"partner": woodgrove, "b2b_collaboration_inbound": {
                 "users_and_groups": {"access": "allowed", "targets": [target]}, "applications": dict(ALL)}},
             ["b2b_collaboration_inbound.users_and_groups.targets", shown, "Fix:"])


def test_access_settings_partner_not_a_guid_even_trimmed(run_in_place, emulator, connection):
    _refused(run_in_place, emulator, connection, "contoso", "access_settings",
             {"partner": "  tailspin ", "inbound_trust": {"mfa": True}}, ["partner '  tailspin '", "Fix:"])


def test_access_settings_partner_cloud_contradicts_discovery(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    msg, counts = _refused(run_in_place, emulator, connection, "contoso", "access_settings",
                           {"partner": gov, "partner_cloud": "global", "inbound_trust": {"mfa": True}},
                           ["partner_cloud global contradicts OpenID discovery", "partner %s" % gov, "usgov",
                            "Fix: set partner_cloud: usgov"])
    assert counts["discovery_requests"] >= 1


def test_access_settings_direct_connect_across_clouds_declared_same_cloud(run_in_place, emulator, connection):
    """Declaring the partner in our own cloud no longer lets direct connect through to Graph's 400."""
    gov = emulator.tenant("tailspin_gcch")["id"]
    _refused(run_in_place, emulator, connection, "contoso", "access_settings",
             {"partner": gov, "partner_cloud": "global",
              "b2b_direct_connect_inbound": {"users_and_groups": dict(ALL), "applications": dict(ALL)}},
             ["partner_cloud global contradicts OpenID discovery", "usgov"])


def test_access_settings_direct_connect_across_clouds_discovered(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    _refused(run_in_place, emulator, connection, "contoso", "access_settings",
             {"partner": gov, "b2b_direct_connect_outbound": {"users_and_groups": dict(ALL)}},
             ["b2b_direct_connect_outbound", "not supported across Microsoft clouds", "Fix:"])


# --- partner: a declared cloud that discovery contradicts ----------------------------------------------

@pytest.mark.parametrize("tenant,partner,declared,actual", [
    ("contoso", "tailspin_gcch", "global", "usgov"),
    ("contoso", "fabrikam_cn", "usgov", "china"),
    ("contoso", "northwind_dod", "china", "usgov_dod"),
    ("tailspin_gcch", "contoso", "usgov_dod", "global"),
])
def test_partner_cloud_contradicts_discovery(run_in_place, emulator, connection, tenant, partner, declared, actual):
    if tenant == "contoso":
        emulator.as_admin(tenant, "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us",
                                                                            "partner.microsoftonline.cn"]})
    partner_id = emulator.tenant(partner)["id"]
    _refused(run_in_place, emulator, connection, tenant, "partner",
             {"partner_tenant_id": partner_id, "partner_cloud": declared},
             ["partner_cloud %s contradicts OpenID discovery" % declared,
              "partner_tenant_id %s lives in the %s cloud" % (partner_id, actual), "Fix: set partner_cloud: %s" % actual])
    assert emulator.as_admin(tenant, "GET", CTAP + "/partners")["body"]["value"] == []


# --- guest_invitation: redirect URLs ---------------------------------------------------------------------

PAT = "pat.kim@woodgrove.gov"


@pytest.mark.parametrize("url,needle", [
    ("https://x javascript:alert(1)", "whitespace or a control character"),
    ("https://", "no host name"),
    ("http://myapps.microsoft.com", "must be an https URL"),
    ("javascript:alert(1)", "must be an https URL"),
    ("https://-bad-.example.com/", "starts or ends with a hyphen"),
    ("https://myapps..microsoft.com/", "empty label"),
    ("https://user:secret@evil.example/", "user name or password"),
    ("https://10.0.0/", "all digits"),
])
def test_guest_invitation_redirect_url(run_in_place, emulator, connection, url, needle):
    _refused(run_in_place, emulator, connection, "contoso", "guest_invitation",
             {"redirect_url": url, "guests": [{"email": PAT}]}, ["redirect_url %r" % url, needle, "Fix:"])


@pytest.mark.parametrize("url,needle", [
    ("https://myapps.microsoft.com/\tjavascript:alert(1)", "whitespace or a control character"),
    ("ftp://myapps.microsoft.com/", "must be an https URL"),
])
def test_guest_invitation_per_guest_redirect_url(run_in_place, emulator, connection, url, needle):
    _refused(run_in_place, emulator, connection, "contoso", "guest_invitation",
             {"guests": [{"email": PAT}, {"email": "li.wei@woodgrove.gov", "redirect_url": url}]},
             ["guests[1].redirect_url %r" % url, needle])


# --- external_collaboration: domain names --------------------------------------------------------------

@pytest.mark.parametrize("option,domains,bad,needle", [
    ("blocked_domains", ["-bad-.com"], "-bad-.com", "starts or ends with a hyphen"),
    ("blocked_domains", ["live.com", "fabrikam.123"], "fabrikam.123", "all digits"),
    ("allowed_domains", ["bücher..de"], "bücher..de", "cannot be converted to punycode"),
    ("allowed_domains", ["ok.example", "a" * 64 + ".com"], "a" * 64 + ".com", "longer than 63"),
    ("allowed_domains", ["bad domain.com"], "bad domain.com", "letters, digits and hyphens"),
    ("blocked_domains", ["fabrikam"], "fabrikam", "at least two labels"),
    ("blocked_domains", ["a.*.fabrikam.com"], "a.*.fabrikam.com", "letters, digits and hyphens"),
])
def test_external_collaboration_bad_domains(run_in_place, emulator, connection, option, domains, bad, needle):
    msg, _counts = _refused(run_in_place, emulator, connection, "contoso", "external_collaboration",
                            {option: domains}, ["%s: %r" % (option, bad), needle, "Fix:"])
    assert "ok.example" not in msg and "live.com" not in msg      # the bad value, not a good neighbour


@pytest.mark.parametrize("option", ["allowed_domains", "blocked_domains"])
def test_external_collaboration_empty_exclusive_list(run_in_place, emulator, connection, option):
    _refused(run_in_place, emulator, connection, "contoso", "external_collaboration",
             {option: [], "domains_exclusive": True},
             ["%s: [] with domains_exclusive: true" % option, "domains_state: absent"])


# --- cloud_settings: an empty exclusive list -----------------------------------------------------------

@pytest.mark.parametrize("tenant,listed", [("contoso", "usgov, china"), ("tailspin_gcch", "global")])
def test_cloud_settings_empty_exclusive(run_in_place, emulator, connection, tenant, listed):
    _refused(run_in_place, emulator, connection, tenant, "cloud_settings", {"clouds": [], "exclusive": True},
             ["clouds: [] with exclusive: true", "state: absent", "clouds: [%s]" % listed])


# --- what is accepted now, and how ------------------------------------------------------------------

def test_declared_usgov_for_a_dod_tenant_is_no_mismatch_but_noted(run_in_place, emulator, connection):
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    dod = emulator.tenant("northwind_dod")["id"]
    run = run_in_place(play(connection("contoso"), [{"name": "add", "entra.crosscloud.partner": {
        "partner_tenant_id": dod, "partner_cloud": "usgov"}}]))
    res = run.task("add")
    assert res["status"] == "ok" and res["result"]["changed"] is True, res["result"]
    assert res["result"]["partner_cloud"] == "usgov"
    notes = [w for w in res["result"].get("warnings", []) if "Graph hosts differ" in w]
    assert len(notes) == 1 and "usgov_dod" in notes[0], res["result"].get("warnings")


def test_declared_cloud_kept_with_a_warning_when_discovery_is_unreachable(run_in_place, emulator, connection):
    gov = emulator.tenant("tailspin_gcch")["id"]
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    # only the partner's discovery document: the sign-in also reads the own tenant's
    emulator.faults({"path": "/%s/v2.0/.well-known/openid-configuration" % gov, "status": "drop", "times": 20})
    run = run_in_place(play(connection("contoso"), [{"name": "add", "entra.crosscloud.partner": {
        "partner_tenant_id": gov, "partner_cloud": "usgov"}}]), check=True)
    res = run.task("add")
    assert res["status"] == "ok" and res["result"]["partner_cloud"] == "usgov", res["result"]
    assert any("could not be checked" in w for w in res["result"].get("warnings", [])), res["result"]
    assert emulator.counts()["graph_writes"] == 0


def test_normalised_input_is_accepted_in_check_mode(run_in_place, emulator, connection):
    """Keywords in any case, IDs with whitespace, an upper-case https scheme, an internationalised domain."""
    gov = emulator.tenant("tailspin_gcch")["id"]
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": gov})
    run = run_in_place(play(connection("contoso"), [
        {"name": "access", "entra.crosscloud.access_settings": {
            "partner": "  %s " % gov.upper(), "partner_cloud": "USGov",
            "b2b_collaboration_inbound": {"users_and_groups": {"access": "allowed", "targets": ["AllUsers"]},
                                          "applications": {"access": "allowed", "targets": ["OFFICE365"]}}}},
        {"name": "domains", "entra.crosscloud.external_collaboration": {"blocked_domains": [" Bücher.DE "]}},
        {"name": "guests", "entra.crosscloud.guest_invitation": {
            "redirect_url": "HTTPS://myapps.microsoft.com", "guests": [{"email": PAT}]}},
    ]), check=True)
    access = run.task("access")["result"]
    assert access.get("failed") is not True, access
    assert access["partner"] == gov
    assert access["settings"]["b2b_collaboration_inbound"] == {
        "users_and_groups": {"access": "allowed", "targets": ["all"]},
        "applications": {"access": "allowed", "targets": ["office365"]}}
    domains = run.task("domains")["result"]
    assert domains.get("failed") is not True and domains["settings"]["blocked_domains"] == ["xn--bcher-kva.de"], domains
    guests = run.task("guests")["result"]
    assert guests.get("failed") is not True, guests
    assert emulator.counts()["graph_writes"] == 0
