"""Bad input is refused with a message naming the option and the bad value, before any write (and,
where nothing needs to be read to tell, before any request at all)."""

import pytest

from tests.integration.helpers import play, writes

CTAP = "/v1.0/policies/crossTenantAccessPolicy"


def _data(emulator, tenant):
    return emulator.state(tenant)["data"]


# --- external_collaboration: the cloud refusal comes before any write --------------------------------

@pytest.mark.parametrize("others", [
    {"allow_invites_from": "everyone"},
    {"email_otp_for_guests": "disabled"},
    {"allow_invites_from": "everyone", "guest_user_role": "restricted_guest", "email_otp_for_guests": "enabled"},
], ids=["invites", "email-otp", "all-areas"])
def test_external_collaboration_domain_lists_outside_global_fail_before_any_write(
        run_in_place, emulator, connection, others):
    before = _data(emulator, "tailspin_gcch")
    args = dict(others, blocked_domains=["live.com"])
    run = run_in_place(play(connection("tailspin_gcch"), [{"name": "bad", "entra.crosscloud.external_collaboration":
                                                           args}]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    msg = res["result"]["msg"]
    assert "blocked_domains" in msg and "only in the commercial (global) cloud" in msg, msg
    assert res["result"].get("changed") is not True
    assert writes(emulator) == 0
    after = _data(emulator, "tailspin_gcch")
    assert after["authorization_policy"] == before["authorization_policy"]
    assert after["email_method"] == before["email_method"]


# --- access_settings ---------------------------------------------------------------------------------

@pytest.fixture
def gov_partner(emulator):
    emulator.as_admin("contoso", "PATCH", CTAP, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    emulator.as_admin("contoso", "POST", CTAP + "/partners", {"tenantId": emulator.tenant("tailspin_gcch")["id"]})
    return emulator.tenant("tailspin_gcch")["id"]


def test_access_settings_partner_not_a_guid(run_in_place, emulator, connection):
    run = run_in_place(play(connection("contoso"), [{"name": "bad", "entra.crosscloud.access_settings": {
        "partner": "not-a-guid", "inbound_trust": {"mfa": True}}}]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    assert "partner 'not-a-guid'" in res["result"]["msg"] and "tenant ID (GUID)" in res["result"]["msg"]
    counts = emulator.counts()
    assert counts["graph_requests"] == 0 and counts["token_requests"] == 0 and counts["total"] == 0


def test_access_settings_group_target_not_a_guid(run_in_place, emulator, connection, gov_partner):
    before = _data(emulator, "contoso")["ctap"]
    run = run_in_place(play(connection("contoso"), [{"name": "bad", "entra.crosscloud.access_settings": {
        "partner": gov_partner, "partner_cloud": "usgov", "b2b_collaboration_inbound": {
            "users_and_groups": {"access": "allowed", "targets": [{"group": "not-a-guid"}]},
            "applications": {"access": "allowed", "targets": ["all"]}}}}]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    msg = res["result"]["msg"]
    assert "b2b_collaboration_inbound.users_and_groups.targets" in msg and "not-a-guid" in msg, msg
    assert writes(emulator) == 0
    assert _data(emulator, "contoso")["ctap"] == before


def test_access_settings_partner_cloud_mars(run_in_place, emulator, connection, gov_partner):
    run = run_in_place(play(connection("contoso"), [{"name": "bad", "entra.crosscloud.access_settings": {
        "partner": gov_partner, "partner_cloud": "mars", "inbound_trust": {"mfa": True}}}]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    assert "partner_cloud" in res["result"]["msg"] and "unknown cloud 'mars'" in res["result"]["msg"]
    counts = emulator.counts()
    assert counts["graph_requests"] == 0 and counts["token_requests"] == 0 and counts["graph_writes"] == 0


# --- guest_info --------------------------------------------------------------------------------------

@pytest.mark.parametrize("emails,bad", [
    (["not-an-address"], "not-an-address"),
    (["pat.kim@woodgrove.gov", "li.wei@"], "li.wei@"),
    (["someone@localhost"], "someone@localhost"),
])
def test_guest_info_invalid_emails(run_in_place, emulator, connection, emails, bad):
    run = run_in_place(play(connection("contoso"), [{"name": "bad", "entra.crosscloud.guest_info": {
        "emails": emails}}]))
    res = run.task("bad")
    assert res["status"] == "failed", res["result"]
    assert "emails: %r is not an email address" % bad in res["result"]["msg"], res["result"]["msg"]
    assert "pat.kim" not in res["result"]["msg"]          # the bad value, not a good neighbour
    counts = emulator.counts()
    assert counts["graph_requests"] == 0 and counts["token_requests"] == 0
