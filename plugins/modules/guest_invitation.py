#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: guest_invitation
short_description: Invite guests (B2B collaboration users) idempotently, or remove them
version_added: 0.1.0
description:
  - Invites each listed person as a guest of the tenant unless a guest with that address already exists;
    updates the user type of existing guests where it differs; removes guests with O(state=absent).
  - Existing guests are found by C(mail), C(otherMails) or C(userPrincipalName) with exact-match filters, five
    people per filter (Graph allows 15 expressions in one) and 20 filters per JSON batch request.
    Invitations are sent in batches too, paced to Graph's limit of 150 invitations per 5 seconds per tenant;
    each batch waits until the limit allows all its invitations, so none is throttled (an item throttled
    anyway, by another client of the tenant, is retried after the time Graph asks for).
  - With O(token_cache) on, the pace is shared by every task and fork of the run that invites into the same
    tenant, through a small file (times and counts only) in O(token_cache_dir).
  - Users of a tenant in another Microsoft cloud must be invited by their user principal name (UPN), because
    sign-in by email address does not work across clouds. With O(home_cloud) naming another cloud, the module warns
    unless O(addresses_are_upns=true).
  - Guests from several home tenants can be invited in one task. O(guests[].home_cloud) and
    O(guests[].addresses_are_upns) give a guest its own values; O(home_cloud) and O(addresses_are_upns) are the
    defaults for the others.
  - App-only invitations fail while the tenant lets only admins (or nobody) invite; see
    M(entra.crosscloud.external_collaboration).
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  guests:
    description: The people to invite (or remove).
    type: list
    elements: dict
    required: true
    suboptions:
      email:
        description: The address to invite; across clouds, the user's UPN in the home tenant.
        type: str
        required: true
      display_name:
        description: Display name of the new guest.
        type: str
      user_type:
        description: V(Guest) or V(Member). An existing guest of the other type is updated.
        type: str
        choices: [Guest, Member]
        default: Guest
      redirect_url:
        description:
          - Where the guest lands after redeeming; defaults to O(redirect_url). Checked as O(redirect_url) is.
        type: str
      send_invitation_message:
        description: Whether Microsoft emails the invitation.
        type: bool
        default: false
      invitation_message:
        description: Custom text for the invitation email.
        type: str
      cc:
        description: One address to copy on the invitation email.
        type: str
      reset_redemption:
        description: Re-invite an existing guest so they redeem again (for example after their home account changed).
        type: bool
        default: false
      home_cloud:
        description:
          - The Microsoft cloud this guest's home tenant lives in; defaults to O(home_cloud).
          - Checked as O(home_cloud) is, before any request.
        type: str
      addresses_are_upns:
        description:
          - O(guests[].email) is this guest's UPN in their home tenant; defaults to O(addresses_are_upns).
        type: bool
  redirect_url:
    description:
      - Default landing page after redemption. Defaults to C(https://myapps.microsoft.com/?tenantid=TENANT),
        which sends cross-cloud guests to the right tenant.
      - Must be an absolute C(https) URL (the scheme in any letter case) with a valid host name (letters, digits
        and hyphens in each label, no label starting or ending with a hyphen) or an IP address, no user name or
        password, and no whitespace or control characters anywhere. Anything else is refused before any request.
    type: str
  home_cloud:
    description:
      - The Microsoft cloud the guests' home tenant lives in, when known.
      - The default of O(guests[].home_cloud).
    type: str
  addresses_are_upns:
    description:
      - The addresses are the guests' UPNs in their home tenant (as cross-cloud invitations need).
      - The default of O(guests[].addresses_are_upns).
    type: bool
    default: false
  state:
    description: V(present) invites; V(absent) deletes the guests (restorable for 30 days in Entra).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.CONFIG_MODULE
'''

EXAMPLES = r'''
- name: Invite the GCC High partner's engineers into the commercial hub, by UPN
  entra.crosscloud.guest_invitation:
    home_cloud: usgov
    addresses_are_upns: true
    guests:
      - email: jordan.ellis@tailspin-defense.us
        display_name: Jordan Ellis (Tailspin)
      - email: sam.rivera@northwind.mil

- name: Invite guests from two home tenants in one task, each with its own home cloud
  entra.crosscloud.guest_invitation:
    addresses_are_upns: true
    guests:
      - email: jordan.ellis@tailspin-defense.us
        home_cloud: usgov
      - email: li.wei@fabrikam.cn
        home_cloud: china

- name: Remove a guest
  entra.crosscloud.guest_invitation:
    state: absent
    guests:
      - email: jordan.ellis@tailspin-defense.us
'''

RETURN = r'''
retries:
  description:
    - How many times the task re-sent a request after a transient failure (throttling, 5xx, a dropped
      connection), waited for a new object to replicate, or signed in again after Graph refused a cached token.
  returned: always
  type: int
  sample: 0
retry_log:
  description: Each retry, with the request, the reason and the wait.
  returned: at C(-vvv), when the task retried
  type: list
  elements: str
  sample: ["GET /v1.0/policies/crossTenantAccessPolicy: HTTP 503; retry 1 after 0.4 s"]
guests:
  description: One entry per listed guest, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    email:
      description: The address as given.
      type: str
    action:
      description: C(invited), C(exists), C(updated), C(reinvited), C(removed), C(absent) (in check mode, what would happen).
      type: str
    changed:
      description: Whether this guest changed.
      type: bool
    id:
      description: The guest's object ID (none for guests only planned in check mode).
      type: str
    redeem_url:
      description: The invitation's redemption URL, for guests invited by this task.
      type: str
    status:
      description: The invitation status Graph returned (C(PendingAcceptance), C(Completed)).
      type: str
    user:
      description: The guest user (id, display_name, mail, user_principal_name, user_type, external_user_state ...).
      type: dict
diff:
  description: Guest addresses present before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.entra.crosscloud.plugins.module_utils import auth
from ansible_collections.entra.crosscloud.plugins.module_utils import collaboration as co
from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils import pacing
from ansible_collections.entra.crosscloud.plugins.module_utils import permissions as pm
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError
from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError
from ansible_collections.entra.crosscloud.plugins.module_utils.inputs import InputError, https_url
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule

GUEST_SPEC = dict(
    email=dict(type="str", required=True),
    display_name=dict(type="str"),
    user_type=dict(type="str", choices=["Guest", "Member"], default="Guest"),
    redirect_url=dict(type="str"),
    send_invitation_message=dict(type="bool", default=False),
    invitation_message=dict(type="str"),
    cc=dict(type="str"),
    reset_redemption=dict(type="bool", default=False),
    home_cloud=dict(type="str"),
    addresses_are_upns=dict(type="bool"),
)


def validate(module):
    """Every address and URL checked before anything is sent.

    A redirect URL that passes is written back with its scheme lower-cased (HTTPS:// -> https://), the
    canonical form of the same URL. An empty one means "not given", as invitation() reads it.
    """
    p = module.params
    if p["redirect_url"]:
        try:
            p["redirect_url"] = https_url("redirect_url", p["redirect_url"])
        except InputError as exc:
            module.fail_json(msg=str(exc))
    seen = set()
    for i, g in enumerate(p["guests"]):
        for key in ("email", "cc"):
            if g.get(key) and not gu.EMAIL_RE.match(g[key]):
                module.fail_json(msg="guests[%d].%s %r is not an email address or UPN; give it as name@domain"
                                     % (i, key, g[key]))
        if g["email"].lower() in seen:
            module.fail_json(msg="guests[%d].email %r is listed twice" % (i, g["email"]))
        seen.add(g["email"].lower())
        if g.get("redirect_url"):
            try:
                g["redirect_url"] = https_url("guests[%d].redirect_url" % i, g["redirect_url"])
            except InputError as exc:
                module.fail_json(msg=str(exc))


def invitation(module, g, existing=None):
    p = module.params
    body = {"invitedUserEmailAddress": g["email"], "invitedUserType": g["user_type"],
            "inviteRedirectUrl": g.get("redirect_url") or p["redirect_url"] or
            "https://myapps.microsoft.com/?tenantid=%s" % p["tenant_id"],
            "sendInvitationMessage": g["send_invitation_message"]}
    if g.get("display_name"):
        body["invitedUserDisplayName"] = g["display_name"]
    info = {}
    if g.get("invitation_message"):
        info["customizedMessageBody"] = g["invitation_message"]
    if g.get("cc"):
        info["ccRecipients"] = [{"emailAddress": {"address": g["cc"]}}]
    if info:
        body["invitedUserMessageInfo"] = info
    if existing is not None:
        body.update(resetRedemption=True, invitedUser={"id": existing["id"]})
    return body


def plan(module, found):
    """(entries, writes): what to do for each guest and the $batch requests that do it (pure)."""
    entries, writes = [], []
    absent = module.params["state"] == "absent"
    for g in module.params["guests"]:
        user = found.get(g["email"].lower())
        entry = {"email": g["email"], "changed": False, "id": user["id"] if user else None, "user": gu.shape(user)}
        if absent:
            entry["action"] = "removed" if user else "absent"
            if user:
                writes.append((entry, {"method": "DELETE", "url": "/users/%s" % user["id"]}))
        elif user is None:
            entry["action"] = "invited"
            writes.append((entry, {"method": "POST", "url": "/invitations", "body": invitation(module, g)}))
        elif g["reset_redemption"]:
            entry["action"] = "reinvited"
            writes.append((entry, {"method": "POST", "url": "/invitations", "body": invitation(module, g, user)}))
        elif user.get("userType") != g["user_type"]:
            entry["action"] = "updated"
            writes.append((entry, {"method": "PATCH", "url": "/users/%s" % user["id"],
                                   "body": {"userType": g["user_type"]}}))
        else:
            entry["action"] = "exists"
        entry["changed"] = entry["action"] not in ("exists", "absent")
        entries.append(entry)
    return entries, writes


def settle_unknown(client, writes, answers, send=None):
    """Invitations whose outcome is unknown (5xx or a cut connection): look the addresses up and invite
    again only those not found. Re-inviting an address that already has a guest returns that guest, so a
    guest invited but not yet visible is not duplicated. A reset of redemption is simply sent again.
    Rounds go on, with backoff, until every outcome is known or the client's retry budget is spent (a fixed
    count of rounds gave up on a bad day while the budget had room).
    send(requests) sends the writes again (default client.batch; apply() paces invitations)."""
    send = send or client.batch
    backoff = client.backoff()
    unsure = [i for i, a in enumerate(answers) if a.get("outcome_unknown")]
    while unsure:
        lookups = [i for i in unsure if not writes[i][1]["body"].get("resetRedemption")]
        found = gu.find_by_address(client, [writes[i][0]["email"] for i in lookups]) if lookups else {}
        resend = []
        for i in unsure:
            user = found.get(writes[i][0]["email"].lower())
            if user:
                answers[i] = {"status": 201, "headers": {}, "body": {
                    "invitedUser": {"id": user["id"]},
                    "status": "Completed" if user.get("externalUserState") == "Accepted" else "PendingAcceptance"}}
            else:
                resend.append(i)
        for i, answer in zip(resend, send([writes[i][1] for i in resend]) if resend else []):
            answers[i] = answer
        unsure = [i for i, a in enumerate(answers) if a.get("outcome_unknown")]
        if unsure and not backoff.wait("POST /invitations", "%d invitation(s) with an unknown outcome" % len(unsure)):
            break
    return answers


# option value -> whether Graph accepts invitations made by an app (app-only) under it
APP_INVITES = {"none": False, "admins_and_guest_inviters": False, "admins_guest_inviters_and_all_members": True,
               "everyone": True}
WRITE_AREAS = {"POST": ("inviting %s", pm.INVITE), "PATCH": ("changing the user_type of %s", pm.USER_WRITE),
               "DELETE": ("removing %s (state: absent)", pm.USER_WRITE)}


def required_permissions(writes):
    """(area, any_of) for each kind of write planned, naming the guests it is for."""
    needs = []
    for method in ("POST", "PATCH", "DELETE"):
        emails = [entry["email"] for entry, req in writes if req["method"] == method]
        if emails:
            area, any_of = WRITE_AREAS[method]
            needs.append((area % ", ".join(emails), any_of))
    return needs


def invites_blocked(value, emails):
    shown = ("is %r" % value) if value else "does not let apps invite (Graph refused although the app may invite)"
    return ("guests: cannot invite %s: the tenant's allow_invites_from %s, and Microsoft Graph refuses invitations "
            "made by an app (app-only) unless members may invite. Fix: set allow_invites_from to "
            "admins_guest_inviters_and_all_members or everyone with entra.crosscloud.external_collaboration"
            % (", ".join(emails), shown))


def allow_invites_from(module, client):
    """The tenant's allow_invites_from (option value), or None when this app may not read it (then Graph decides)."""
    roles = pm.roles_of(module.token_claims())
    if roles is not None and not set(roles).intersection(pm.AUTHORIZATION_READ):
        return None  # asking would only earn a 403
    try:
        policy = client.get(co.AUTHZ_PATH, permission="Policy.Read.All")
    except GraphError as err:
        if err.status == 403:
            return None
        raise
    return co.to_option("allow_invites_from", policy.get("allowInvitesFrom"))


def check_invites_allowed(module, client, writes, entries):
    """Refuse before any write what Graph refuses with 403: app-only invitations while only admins (or nobody)
    may invite. A delegated token (`scp`) invites as its user, whom the setting may allow: not checked."""
    emails = [entry["email"] for entry, req in writes if req["method"] == "POST"]
    if not emails or module.token_claims().get("scp"):
        return
    value = allow_invites_from(module, client)
    if value is not None and not APP_INVITES.get(value, True):
        if module.check_mode:
            # an earlier task of the same run (external_collaboration) may only have predicted the change
            module.warn(invites_blocked(value, emails) + " (check mode: assuming an earlier task changes it)")
            return
        module.fail_json(msg=invites_blocked(value, emails), changed=False, guests=entries)


def invitation_refused(module, client, emails):
    """The message for invitations Graph answered 403 although the checks passed: the setting, when it is the
    cause (it may have changed since, or could not be read), else None (the permission hint stands)."""
    value = allow_invites_from(module, client)
    if value is not None:
        return None if APP_INVITES.get(value, True) else invites_blocked(value, emails)
    roles = pm.roles_of(module.token_claims())
    if roles is not None and set(roles).intersection(pm.INVITE):
        return invites_blocked(None, emails)
    return None


def invitation_bucket(module, sleep):
    """The tenant's invitation pace (150 per 5 s): shared through a file in the token cache folder by every
    task and fork of the run that invites into this tenant, or this run's own when the cache is off.
    sleep(seconds) is how the bucket waits."""
    p = module.params
    store = None
    if p["token_cache"]:
        store = pacing.FileStore(pacing.state_path(p["token_cache_dir"] or auth.DEFAULT_CACHE_DIR,
                                                   module.cloud.graph_url, p["tenant_id"]))
    return pacing.TokenBucket(gu.INVITE_LIMIT, gu.INVITE_WINDOW, store=store, sleep=sleep)


def apply(module, client, writes):
    failures, refused = [], []
    # while the pace makes the invitations wait, earlier new guests are looked up (await_new_guests)
    watch = gu.NewGuestWatch(client)
    bucket = invitation_bucket(module, watch.idle)

    def answered(requests_, answers):
        watch.invited([req["body"]["invitedUserEmailAddress"] for req, answer in zip(requests_, answers)
                       if gu.is_invitation(req) and 200 <= (answer.get("status") or 0) < 300])

    def send(requests_):
        return gu.send_writes(client, requests_, bucket, answered)

    answers = settle_unknown(client, writes, send([req for _entry, req in writes]), send=send)
    for (entry, req), answer in zip(writes, answers):
        if answer["status"] >= 300 or answer["status"] == 0:
            entry["changed"] = False
            if req["url"] == "/invitations" and answer["status"] == 403:
                refused.append((entry, req, answer))
                continue
            error = client.batch_error(req, answer, gu.WRITE_PERMISSIONS[req["method"]])
            failures.append("%s: %s" % (entry["email"], error))
            continue
        body = answer.get("body") or {}
        if req["url"] == "/invitations":
            entry.update(id=(body.get("invitedUser") or {}).get("id"), redeem_url=body.get("inviteRedeemUrl"),
                         status=body.get("status"))
        if entry["user"] and req["method"] == "PATCH":
            entry["user"]["user_type"] = req["body"]["userType"]
    if refused:
        emails = [entry["email"] for entry, _req, _answer in refused]
        msg = invitation_refused(module, client, emails)
        if msg:
            failures.append(msg)
        else:
            failures.extend("%s: %s" % (entry["email"], client.batch_error(req, answer, gu.WRITE_PERMISSIONS["POST"]))
                            for entry, req, answer in refused)
    await_new_guests(module, client, [e["email"] for e, r in writes if r["method"] == "POST" and e.get("id")],
                     watch.visible)
    return failures


def await_new_guests(module, client, addresses, visible=()):
    """Return only once new guests can be found by address: a run (or task) right after this one looks them
    up, and one that cannot see them yet would invite them again (a second invitation email). `visible`:
    addresses (lower case) already found while the invitations were paced."""
    pending = set(a.lower() for a in addresses) - set(visible)

    def all_visible():
        found = gu.find_by_address(client, sorted(pending))
        pending.difference_update(a for a, user in found.items() if user)
        return True if not pending else None

    if pending and client.await_replication(all_visible, "GET /users (new guests)") is None:
        module.warn("%d invited guest(s) cannot be found yet after %d s (%s): Microsoft Entra is still replicating "
                    "them; a run within the next minutes may invite them again"
                    % (len(pending), module.params["replication_wait"], ", ".join(sorted(pending))))


def home_cloud_of(module, where, name):
    """The home cloud `name` (option `where`), refused when unknown or when Microsoft does not support B2B
    between it and this tenant's cloud. Returns (cloud, pair status)."""
    try:
        home = module.catalogue.resolve(name)
    except CloudError as exc:
        module.fail_json(msg="%s: %s" % (where, exc))
    status = module.catalogue.pair_status(module.cloud, home)
    if status == "unsupported":
        module.fail_json(msg="%s %s: %s" % (where, home.name, module.catalogue.explain_pair(module.cloud, home)))
    return home, status


def check_home_clouds(module):
    """The home clouds, O(home_cloud) and each O(guests[].home_cloud), checked before any request; a warning
    for guests from another cloud whose addresses are not said to be UPNs."""
    p = module.params
    task_home = home_cloud_of(module, "home_cloud", p["home_cloud"]) if p["home_cloud"] else None
    own = [g for g in p["guests"] if g.get("home_cloud") is not None or g.get("addresses_are_upns") is not None]
    if not own:   # the task-level form: one home cloud for every guest
        if task_home and task_home[1] == "supported" and p["state"] == "present" and not p["addresses_are_upns"]:
            module.warn("guests from %s are invited into a %s tenant: across clouds they must be invited by their "
                        "UPN in their home tenant, not an email address; set addresses_are_upns: true once the "
                        "addresses are UPNs" % (task_home[0].name, module.cloud.name))
        return
    by_email = {}   # home cloud name -> addresses of its guests not given as UPNs
    order = []
    for i, g in enumerate(p["guests"]):
        if g.get("home_cloud"):
            home = home_cloud_of(module, "guests[%d].home_cloud" % i, g["home_cloud"])
        else:
            home = task_home
        upns = p["addresses_are_upns"] if g.get("addresses_are_upns") is None else g["addresses_are_upns"]
        if home and home[1] == "supported" and not upns:
            if home[0].name not in by_email:
                order.append(home[0].name)
            by_email.setdefault(home[0].name, []).append(g["email"])
    if p["state"] != "present":
        return
    for name in order:
        module.warn("guests from %s (%s) are invited into a %s tenant: across clouds they must be invited by their "
                    "UPN in their home tenant, not an email address; set addresses_are_upns: true (for these guests "
                    "or the task) once the addresses are UPNs" % (name, ", ".join(by_email[name]), module.cloud.name))


def main():
    module = EntraModule(
        argument_spec=dict(
            guests=dict(type="list", elements="dict", required=True, options=GUEST_SPEC),
            redirect_url=dict(type="str"),
            home_cloud=dict(type="str"),
            addresses_are_upns=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
    )
    validate(module)
    p = module.params
    check_home_clouds(module)
    client = module.client
    try:
        found = gu.find_by_address(client, [g["email"] for g in p["guests"]])
        entries, writes = plan(module, found)
        # in check mode too, for the writes it plans: --check should tell that the run would be refused
        module.require_permissions(required_permissions(writes), changed=False, guests=entries)
        check_invites_allowed(module, client, writes, entries)
        failures = [] if module.check_mode or not writes else apply(module, client, writes)
    except Exception as exc:  # GraphError / AuthError become one clear failure
        module.fail_from(exc)
    result = {"changed": any(e["changed"] for e in entries), "guests": entries}
    if module._diff:
        before = sorted(a for a, u in found.items() if u)
        after = sorted(e["email"].lower() for e in entries if e["action"] not in ("removed", "absent"))
        result["diff"] = {"before": {"guests": before}, "after": {"guests": after}}
    if failures:
        module.fail_json(msg="%d of %d guest changes failed: %s" % (len(failures), len(writes), "; ".join(failures)),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
