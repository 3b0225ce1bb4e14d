from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError
from ansible_collections.entra.crosscloud.plugins.modules import guest_invitation as gi


class FakeModule:
    def __init__(self, claims):
        self.claims = claims

    def token_claims(self):
        return self.claims


class FakeClient:
    def __init__(self, policy=None, status=None):
        self.policy, self.status, self.reads = policy, status, 0

    def get(self, path, permission=None):
        self.reads += 1
        if self.status:
            raise GraphError(self.status, "Authorization_RequestDenied", "no", method="GET", path=path)
        return self.policy


def test_required_permissions_per_kind_of_write():
    writes = [({"email": "a@x.example"}, {"method": "POST"}), ({"email": "b@x.example"}, {"method": "DELETE"}),
              ({"email": "c@x.example"}, {"method": "POST"})]
    assert gi.required_permissions(writes) == [("inviting a@x.example, c@x.example", gi.pm.INVITE),
                                               ("removing b@x.example (state: absent)", gi.pm.USER_WRITE)]


def test_policy_not_read_without_a_permission_to_read_it():
    client = FakeClient({"allowInvitesFrom": "none"})
    assert gi.allow_invites_from(FakeModule({"roles": ["User.Invite.All"]}), client) is None
    assert client.reads == 0


def test_policy_read_refused_means_unknown():
    assert gi.allow_invites_from(FakeModule({"roles": ["Policy.Read.All"]}), FakeClient(status=403)) is None


def test_a_403_from_invitations_becomes_the_setting_it_comes_from():
    module = FakeModule({"roles": ["User.Invite.All", "Policy.Read.All"]})
    msg = gi.invitation_refused(module, FakeClient({"allowInvitesFrom": "adminsAndGuestInviters"}), ["a@x.example"])
    assert "allow_invites_from is 'admins_and_guest_inviters'" in msg and "a@x.example" in msg
    assert "Fix: set allow_invites_from to admins_guest_inviters_and_all_members or everyone" in msg


def test_a_403_with_an_unreadable_setting_but_an_invite_permission_names_the_setting():
    msg = gi.invitation_refused(FakeModule({"roles": ["User.Invite.All"]}), FakeClient(), ["a@x.example"])
    assert "allow_invites_from does not let apps invite" in msg


def test_a_403_without_an_invite_permission_keeps_the_permission_hint():
    assert gi.invitation_refused(FakeModule({"roles": []}), FakeClient(), ["a@x.example"]) is None
    assert gi.invitation_refused(FakeModule({"roles": ["Policy.Read.All"]}),
                                 FakeClient({"allowInvitesFrom": "everyone"}), ["a@x.example"]) is None
