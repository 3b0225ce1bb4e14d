import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import access

ALLOW_ALL = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
             "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                                    "targetType": "application"}]}}
DEFAULT = {"b2bCollaborationInbound": ALLOW_ALL, "b2bCollaborationOutbound": ALLOW_ALL,
           "inboundTrust": {"isMfaAccepted": False, "isCompliantDeviceAccepted": True,
                            "isHybridAzureADJoinedDeviceAccepted": False}}
PARTNER = {"tenantId": "t", "b2bCollaborationInbound": None, "b2bCollaborationOutbound": None, "inboundTrust": None,
           "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}


def params(**kw):
    base = dict((k, None) for k in access.ALL_SETTINGS)
    base["inherit"] = None
    base.update(kw)
    return base


def test_graph_names_are_exact():
    assert access.TRUST["hybrid_joined_device"] == "isHybridAzureADJoinedDeviceAccepted"
    assert access.B2B_SETTINGS["b2b_collaboration_inbound"] == "b2bCollaborationInbound"


def test_whole_setting_from_a_half_uses_default_when_inherited():
    body, before, after = access.plan(params(b2b_collaboration_inbound={
        "users_and_groups": {"access": "allowed", "targets": [{"group": "2C057A25-45D1-4FE3-A7C8-618E2C46A5BC"}]}}),
        PARTNER, DEFAULT, False, True)
    sent = body["b2bCollaborationInbound"]
    assert sent["usersAndGroups"]["targets"] == [{"target": "2c057a25-45d1-4fe3-a7c8-618e2c46a5bc",
                                                  "targetType": "group"}]
    assert sent["applications"] == ALLOW_ALL["applications"]
    assert before == {"b2bCollaborationInbound": None}


def test_trust_fills_unnamed_flags_from_default():
    body, _b, _a = access.plan(params(inbound_trust={"mfa": True}), PARTNER, DEFAULT, False, False)
    assert body == {"inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": True,
                                     "isHybridAzureADJoinedDeviceAccepted": False}}


def test_no_change_means_empty_body_even_with_reordered_targets():
    current = dict(PARTNER, b2bCollaborationInbound={
        "usersAndGroups": {"accessType": "allowed", "targets": [
            {"target": "11111111-1111-1111-1111-111111111111", "targetType": "user"},
            {"target": "22222222-2222-2222-2222-222222222222", "targetType": "group"}]},
        "applications": ALLOW_ALL["applications"]})
    body, _b, _a = access.plan(params(b2b_collaboration_inbound={
        "users_and_groups": {"access": "allowed", "targets": [{"group": "22222222-2222-2222-2222-222222222222"},
                                                              {"user": "11111111-1111-1111-1111-111111111111"}]},
        "applications": {"access": "allowed", "targets": ["all"]}}), current, DEFAULT, False, False)
    assert body == {}


def test_inherit_sends_null_and_consent_nulls():
    current = dict(PARTNER, inboundTrust=DEFAULT["inboundTrust"],
                   automaticUserConsentSettings={"inboundAllowed": True, "outboundAllowed": None})
    body, _b, after = access.plan(params(inherit=["inbound_trust", "automatic_user_consent"]), current, DEFAULT,
                                  False, False)
    assert body == {"inboundTrust": None,
                    "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}
    assert after["inboundTrust"] is None


def test_inherit_already_inherited_is_no_change():
    body, _b, _a = access.plan(params(inherit=["inbound_trust", "automatic_user_consent"]), PARTNER, DEFAULT,
                               False, False)
    assert body == {}


@pytest.mark.parametrize("kw,is_default,cross,needle", [
    ({"b2b_direct_connect_inbound": {"users_and_groups": {"access": "allowed", "targets": ["all"]},
                                     "applications": {"access": "allowed", "targets": ["all"]}}},
     False, True, "not supported across Microsoft clouds"),
    ({"inherit": ["inbound_trust"]}, True, False, "partners only"),
    ({"automatic_user_consent": {"inbound": True}}, True, False, "read-only"),
    ({"inherit": ["everything"]}, False, False, "is not a setting"),
])
def test_refusals(kw, is_default, cross, needle):
    with pytest.raises(access.AccessError) as err:
        access.plan(params(**kw), PARTNER, DEFAULT, is_default, cross)
    assert needle in str(err.value)


def test_friendly_round_trip():
    f = access.friendly("b2bCollaborationInbound", ALLOW_ALL)
    assert f == {"users_and_groups": {"access": "allowed", "targets": ["all"]},
                 "applications": {"access": "allowed", "targets": ["all"]}}
    assert access.friendly("inboundTrust", DEFAULT["inboundTrust"]) == {
        "mfa": False, "compliant_device": True, "hybrid_joined_device": False}
