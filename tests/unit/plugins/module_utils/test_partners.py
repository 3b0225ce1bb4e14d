import threading

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import access
from ansible_collections.entra.crosscloud.plugins.module_utils import partners as pt

TID = "6ba8af09-9774-4419-98d1-7db643f0c384"
ALLOW_ALL = {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
             "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications",
                                                                    "targetType": "application"}]}}
DEFAULT = {"b2bCollaborationInbound": ALLOW_ALL, "b2bCollaborationOutbound": ALLOW_ALL,
           "inboundTrust": {"isMfaAccepted": False, "isCompliantDeviceAccepted": False,
                            "isHybridAzureADJoinedDeviceAccepted": False},
           "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False}}
INHERITING = {"tenantId": TID, "b2bCollaborationInbound": None, "b2bCollaborationOutbound": None, "inboundTrust": None,
              "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}
OPEN = {"users_and_groups": {"access": "allowed", "targets": ["all"]},
        "applications": {"access": "allowed", "targets": ["all"]}}


def entry(**kw):
    base = dict((k, None) for k in access.ALL_SETTINGS)
    base.update(tenant_id=TID, cloud=None, inherit=None)
    base.update(kw)
    return base


def test_validate_lists_every_problem_at_once():
    with pytest.raises(pt.PartnersError) as err:
        pt.validate([entry(tenant_id="x"), entry(), entry(tenant_id=" " + TID.upper()),
                     entry(tenant_id="8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d")], "8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d")
    msg = str(err.value)
    assert "partners[0].tenant_id: 'x' is not a tenant ID" in msg
    assert "partners[2].tenant_id: %s is listed already as partners[1]" % TID in msg
    assert "partners[3].tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d is the tenant being configured" in msg


def test_new_partner_explicit_without_compact():
    body, before, after = pt.plan_entry(entry(b2b_collaboration_inbound=OPEN), None, DEFAULT, True, False)
    assert body == {"b2bCollaborationInbound": ALLOW_ALL}
    assert pt.create_body(TID, body) == {"tenantId": TID, "b2bCollaborationInbound": ALLOW_ALL}
    assert before == {"b2bCollaborationInbound": None}


def test_compact_new_partner_equal_to_default_writes_only_the_key():
    e = entry(b2b_collaboration_inbound=OPEN, b2b_collaboration_outbound=OPEN, inbound_trust={"mfa": True})
    body, _before, after = pt.plan_entry(e, None, DEFAULT, True, True)
    assert body == {"inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": False,
                                     "isHybridAzureADJoinedDeviceAccepted": False}}
    assert after["b2bCollaborationInbound"] is None and after["b2bCollaborationOutbound"] is None
    assert set(pt.create_body(TID, body)) == {"tenantId", "inboundTrust"}


def test_compact_turns_an_explicit_value_equal_to_the_default_into_inherit():
    current = dict(INHERITING, b2bCollaborationInbound=ALLOW_ALL,
                   automaticUserConsentSettings={"inboundAllowed": False, "outboundAllowed": False})
    e = entry(b2b_collaboration_inbound=OPEN, automatic_user_consent={"inbound": False, "outbound": False})
    body, _before, _after = pt.plan_entry(e, current, DEFAULT, True, True)
    assert body == {"b2bCollaborationInbound": None,
                    "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None}}
    # already inheriting: nothing to write, and a different value stays explicit
    assert pt.plan_entry(e, INHERITING, DEFAULT, True, True)[0] == {}
    blocked = {"users_and_groups": {"access": "blocked"}, "applications": {"access": "blocked"}}
    body, _b, _a = pt.plan_entry(entry(b2b_collaboration_inbound=blocked), INHERITING, DEFAULT, True, True)
    assert body["b2bCollaborationInbound"]["usersAndGroups"]["accessType"] == "blocked"


def test_without_compact_an_inheriting_partner_gets_the_explicit_value():
    body, _b, _a = pt.plan_entry(entry(b2b_collaboration_inbound=OPEN), INHERITING, DEFAULT, True, False)
    assert body == {"b2bCollaborationInbound": ALLOW_ALL}


def test_direct_connect_across_clouds_is_refused():
    with pytest.raises(access.AccessError):
        pt.plan_entry(entry(b2b_direct_connect_inbound=OPEN), None, DEFAULT, True, True)


def test_concurrently_keeps_order_returns_caught_errors_and_raises_others():
    seen = set()

    def work(n):
        seen.add(threading.current_thread().name)
        if n == 3:
            raise ValueError("three")
        return n * 2

    out = pt.concurrently(work, list(range(6)), (ValueError,), workers=3)
    assert out[:3] == [0, 2, 4] and isinstance(out[3], ValueError) and out[4:] == [8, 10]
    with pytest.raises(KeyError):
        pt.concurrently(lambda n: {}[n], [1, 2], (ValueError,))
