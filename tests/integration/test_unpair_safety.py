"""playbooks/unpair_tenants.yml keeps what it did not make: partner entries holding settings an admin set
outside this collection are not deleted unless the user says so, and nothing is written on any tenant
before that is decided. Same demo tenants, pairing snapshot and fixtures as test_pair_tenants."""


# the same fixtures: the demo tenants are paired once per worker (make integration: --dist loadfile)
from tests.integration.test_pair_tenants import (  # noqa: F401  pylint: disable=unused-import
    BLOCK_ALL, CTAP, TENANTS, last_seq, one, pair, paired, partner_ids)

REFUSAL = "Stop before any write if an entry holds settings pair_tenants did not make"
SUMMARY = "What was removed, and what stays as pair_tenants set it"
SYNC = {"displayName": "HR directory sync", "userSyncInbound": {"isSyncAllowed": True}}
TRUST_ALL = {"isMfaAccepted": True, "isCompliantDeviceAccepted": True, "isHybridAzureADJoinedDeviceAccepted": False}
NO_MFA = {"isMfaAccepted": False, "isCompliantDeviceAccepted": False, "isHybridAzureADJoinedDeviceAccepted": False}


def partner_path(emulator, other):
    return CTAP + "/partners/" + emulator.tenant(other)["id"]


def inject_foreign(emulator):
    """Six settings made behind the play's back, one kind each; returns the lines the refusal must give."""
    emulator.as_admin("tailspin_gcch", "PUT", partner_path(emulator, "northwind_dod") + "/identitySynchronization",
                      SYNC)
    emulator.as_admin("contoso", "PATCH", partner_path(emulator, "tailspin_gcch"),
                      {"b2bDirectConnectOutbound": BLOCK_ALL})
    emulator.as_admin("contoso", "PATCH", partner_path(emulator, "fabrikam_cn"), {"tenantRestrictions": BLOCK_ALL})
    emulator.as_admin("northwind_dod", "PATCH", partner_path(emulator, "contoso"),
                      {"automaticUserConsentSettings": {"inboundAllowed": True, "outboundAllowed": False}})
    # the spokes declare no trust at all; the hub declares mfa: true for each spoke
    emulator.as_admin("fabrikam_cn", "PATCH", partner_path(emulator, "contoso"), {"inboundTrust": TRUST_ALL})
    emulator.as_admin("contoso", "PATCH", partner_path(emulator, "northwind_dod"), {"inboundTrust": NO_MFA})

    def line(tenant, other, setting):
        return "  %s: partner %s (%s): %s" % (tenant, other, emulator.tenant(other)["id"], setting)
    return {line("tailspin_gcch", "northwind_dod", "identity_synchronization"),
            line("contoso", "tailspin_gcch", "b2b_direct_connect_outbound"),
            line("contoso", "fabrikam_cn", "tenant_restrictions"),
            line("northwind_dod", "contoso", "automatic_user_consent"),
            line("fabrikam_cn", "contoso", "inbound_trust"),
            line("contoso", "northwind_dod", "inbound_trust")}


def all_partners(emulator):
    return dict((t, partner_ids(emulator, t)) for t in TENANTS)


def refusal_lines(run):
    msg = one(run, REFUSAL)["result"]["msg"]
    return msg if isinstance(msg, list) else [msg]


def test_unpair_refuses_foreign_settings_on_every_tenant_before_any_write(pair, paired, emulator):
    expected = inject_foreign(emulator)
    before = all_partners(emulator)
    since = last_seq(emulator)
    run = pair("unpair_tenants.yml")
    assert run.rc != 0
    lines = refusal_lines(run)
    assert lines[0].startswith("Nothing was removed: 6 partner entries hold settings pair_tenants did not make")
    assert set(lines[1:7]) == expected, "\n".join(lines)
    assert "entra_unpair_delete_foreign_settings=true" in lines[-1]
    # refused on every tenant at once: nothing written anywhere, not even on the tenants with clean entries
    assert emulator.counts(since)["graph_writes"] == 0
    assert all_partners(emulator) == before
    assert not [r for r in run.results if r["task"].endswith("Remove each partner organisation (identity "
                                                             "synchronisation first)")]


def test_unpair_check_mode_shows_the_same_refusal_and_writes_nothing(pair, paired, emulator):
    expected = inject_foreign(emulator)
    before = all_partners(emulator)
    since = last_seq(emulator)
    run = pair("unpair_tenants.yml", check=True)
    assert run.rc != 0
    lines = refusal_lines(run)
    assert set(lines[1:7]) == expected, "\n".join(lines)
    assert emulator.counts(since)["graph_writes"] == 0 and all_partners(emulator) == before


def test_unpair_with_the_opt_in_deletes_foreign_settings_and_says_so(pair, paired, emulator):
    inject_foreign(emulator)
    run = pair("unpair_tenants.yml", extra_vars={"entra_unpair_delete_foreign_settings": True})
    assert run.rc == 0, run.output[-4000:]
    for tenant in TENANTS:
        state = emulator.state(tenant)["data"]["ctap"]
        assert state["partners"] == {} and state["identity_sync"] == {}, tenant
    notice = one(run, "Say which settings go with the partners (partnership_delete_foreign_settings)")
    assert notice["result"]["msg"][0].startswith("Deleting 6 partner entries together with settings")
    summary = one(run, SUMMARY)["result"]["msg"]
    assert "  tailspin_gcch: partners removed: contoso, northwind_dod; settings deleted with them: northwind_dod: " \
           "identity_synchronization; cloud settings turned off: global" in summary, "\n".join(summary)


def test_unpair_summary_lists_what_pair_tenants_set_and_unpair_leaves(pair, paired, emulator):
    # a foreign setting on an entry that stays does not stop the pairs that go; a bare pair keeps the
    # hub's declared trust (from entra_partnerships) as its own
    emulator.as_admin("tailspin_gcch", "PUT", partner_path(emulator, "northwind_dod") + "/identitySynchronization",
                      SYNC)
    baseline = {"allow_invites_from": "admins_guest_inviters_and_all_members", "email_otp_for_guests": "enabled",
                "domains_exclusive": False}
    run = pair("unpair_tenants.yml", extra_vars={"entra_unpair": [["contoso", "tailspin_gcch"]],
                                                 "entra_external_collaboration": baseline,
                                                 "partnership_disable_unused_clouds": False})
    assert run.rc == 0, run.output[-4000:]
    summary = one(run, SUMMARY)["result"]["msg"]
    assert summary[0] == "What was removed on each tenant:"
    assert "  contoso: partners removed: tailspin_gcch" in summary, "\n".join(summary)
    assert "  contoso: left as pair_tenants set them: allow_invites_from, email_otp_for_guests, " \
           "cloud settings (usgov)" in summary, "\n".join(summary)
    assert "  tailspin_gcch: left as pair_tenants set them: allow_invites_from, email_otp_for_guests, " \
           "cloud settings (global)" in summary, "\n".join(summary)
    # tenants that lost no partner have nothing left over from this unpairing
    assert "  fabrikam_cn: nothing" in summary and not [s for s in summary if s.startswith("  fabrikam_cn: left")]
    tailspin = emulator.state("tailspin_gcch")["data"]["ctap"]
    assert list(tailspin["identity_sync"]) == [emulator.tenant("northwind_dod")["id"]]
    assert tailspin["policy"]["allowedCloudEndpoints"] == ["microsoftonline.com"]
