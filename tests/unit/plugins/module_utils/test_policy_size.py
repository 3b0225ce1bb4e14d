"""policy_size: the collection's estimate is the emulator's measure, computed from what Graph GET returns."""

import copy

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import policy_size as ps
from emulator.graph import ctap

TID = "6ba8af09-9774-4419-98d1-7db643f0c384"
TRUST = {"isMfaAccepted": True, "isCompliantDeviceAccepted": False, "isHybridAzureADJoinedDeviceAccepted": None}
EXPLICIT = {"b2bCollaborationInbound": ctap._b2b("allowed"), "b2bCollaborationOutbound": ctap._b2b("allowed"),
            "inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": True,
                             "isHybridAzureADJoinedDeviceAccepted": True}}
GROUP_TARGETS = [{"target": "00000000-0000-4000-8000-%012d" % i, "targetType": "group"} for i in range(3)]
USER_TARGET = {"target": "00000000-0000-4000-9000-000000000001", "targetType": "user"}
APP_TARGETS = [{"target": "Office365", "targetType": "application"},
               {"target": "00000012-0000-0000-c000-000000000000", "targetType": "application"}]
GROUPS = {"usersAndGroups": {"accessType": "blocked", "targets": GROUP_TARGETS + [USER_TARGET]},
          "applications": {"accessType": "allowed", "targets": APP_TARGETS}}


def _partner(tid, **settings):
    obj = ctap.new_partner(tid)
    obj.update(copy.deepcopy(settings))
    return obj


SHAPES = {
    "bare": [_partner(TID)],
    "explicit": [_partner(TID, **EXPLICIT)],
    "targets, consent, service provider, MTO": [
        _partner(TID, b2bCollaborationInbound=GROUPS, b2bDirectConnectOutbound=ctap._b2b("blocked"),
                 inboundTrust=TRUST, isServiceProvider=False, isInMultiTenantOrganization=True,
                 automaticUserConsentSettings={"inboundAllowed": True, "outboundAllowed": None},
                 tenantRestrictions=dict(ctap._b2b("blocked"), devices=None))],
    "half a setting": [_partner(TID, b2bCollaborationOutbound={"usersAndGroups": None,
                                                               "applications": GROUPS["applications"]})],
    "several": [_partner("%08x" % i + TID[8:], **(EXPLICIT if i % 2 else {})) for i in range(7)],
}


@pytest.mark.parametrize("partners", list(SHAPES.values()), ids=list(SHAPES))
@pytest.mark.parametrize("endpoints", [[], ["microsoftonline.us"]])
def test_collection_measure_is_the_emulators(partners, endpoints):
    policy = {"displayName": "CrossTenantAccessPolicy", "allowedCloudEndpoints": endpoints}
    default = ctap.service_default()
    default["inboundTrust"]["isMfaAccepted"] = True
    expected = ctap.policy_size({"policy": policy, "default": default,
                                 "partners": dict((p["tenantId"], p) for p in partners)})
    # what GET returns: @odata.context, and identitySynchronization when $expand'ed
    got_policy = dict(policy, **{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/x"})
    got_default = dict(default, **{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/y"})
    got_partners = [dict(p, identitySynchronization=None) for p in partners]
    assert ps.policy_size(got_policy, got_default, got_partners) == expected
    assert expected - ps.policy_size(got_policy, got_default, []) == (
        sum(ps.entry_size(p) for p in got_partners) + len(partners) - (1 if partners else 0))


def test_sizes_and_headroom():
    assert ps.entry_size(_partner(TID)) == 52                     # a partner that inherits everything
    assert ps.entry_size(_partner(TID, **EXPLICIT)) == 209        # explicit inbound, outbound and trust
    base = ps.policy_size({"displayName": "CrossTenantAccessPolicy"}, ctap.service_default(), [])
    hub = ps.policy_size({"displayName": "CrossTenantAccessPolicy"}, ctap.service_default(),
                         [_partner("%08x" % i + TID[8:], **EXPLICIT) for i in range(99)])
    assert hub == base + 99 * 209 + 98 and ps.headroom(hub) > 3000   # 99 fit, with room to spare
    assert ps.headroom(ps.LIMIT + 5) == -5 and ps.LIMIT == 25600


def test_only_configured_values_count():
    assert ps.stored({"a": None, "b": {"c": None}, "d": [], "@odata.type": "x", "isServiceDefault": True,
                      "isInMultiTenantOrganization": True, "e": False, "f": [{"g": None, "h": 1}]}) == \
        {"e": False, "f": [{"h": 1}]}
    group = ps.tenant_group(_partner(TID, b2bCollaborationInbound=GROUPS))
    assert group["ToMyTenancy"] == [
        {"AllowB2B": False, "Targets": {"Groups": ["00000000-0000-4000-8000-%012d" % i for i in range(3)],
                                        "Users": ["00000000-0000-4000-9000-000000000001"]}},
        {"AllowB2B": True, "Applications": ["Office365", "00000012-0000-0000-c000-000000000000"]}]
