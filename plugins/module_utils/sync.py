# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: cross-tenant synchronization. The target's side (a partner's
identitySynchronization policy) and the source's (a configuration: the gallery app instantiated from
Microsoft's cross-tenant synchronization template, its Azure2Azure job, the job's secrets, the users and
groups assigned to it), in the user's words, and the Graph calls that read and change them.

Graph facts (Microsoft Learn, "Configure cross-tenant synchronization using PowerShell or Microsoft Graph API"
and the API pages it links): POST /applicationTemplates/{id}/instantiate, POST .../synchronization/jobs
{"templateId": "Azure2Azure"}, POST .../jobs/validateCredentials, PUT .../synchronization/secrets (CompanyId,
AuthenticationType SyncPolicy, SyncAll), POST /servicePrincipals/{id}/appRoleAssignedTo, POST .../jobs/{id}/start.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.entra.crosscloud.plugins.module_utils import groups as gr
from ansible_collections.entra.crosscloud.plugins.module_utils.cross_tenant import partner_path, sync_path
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError
from ansible_collections.entra.crosscloud.plugins.module_utils.guests import odata_string

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

# Microsoft's cross-tenant synchronization gallery application and its job template
TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
JOB_TEMPLATE = "Azure2Azure"
SP_FIELDS = ("id", "appId", "displayName", "applicationTemplateId", "appRoles")
POLICY_READ = "Policy.Read.All"
POLICY_WRITE = "Policy.ReadWrite.CrossTenantAccess"
APP_READ = "Application.Read.All"
APP_WRITE = "Application.ReadWrite.All"
SYNC_READ = "Synchronization.Read.All"
SYNC_WRITE = "Synchronization.ReadWrite.All"
ASSIGN_WRITE = "AppRoleAssignment.ReadWrite.All"
# "It can take up to 15 seconds for the configuration that you just created to appear in the list" (Microsoft
# Learn, Configure cross-tenant synchronization, step 5): after a cut-off instantiate, a configuration not seen
# within this long was not made, and is asked for again
CONFIGURATION_APPEARS = 20
# the error Microsoft's provisioning service gives when the two tenants' settings do not allow synchronisation
POLICY_CHECK_FAILURE = "AzureDirectoryB2BManagementPolicyCheckFailure"
SCOPES = {"assigned": "false", "all": "true"}
# secrets whose value Graph never returns (masked): a PUT would lose them, so this module never rewrites them
MASKED = "*" * 8


class SyncError(Exception):
    """A configuration or assignment the module cannot work with; the message names it and the fix."""


# ---- target side -------------------------------------------------------------------------------------

def read_partner_with_sync(client, tenant_id):
    """(partner entry or None, its identitySynchronization or None), in one GET."""
    try:
        partner = client.get(partner_path(tenant_id), params={"$expand": "identitySynchronization"},
                             permission=POLICY_READ)
    except GraphError as err:
        if err.status == 404:
            return None, None
        raise
    return partner, partner.pop("identitySynchronization", None)


def sync_allowed(policy):
    """Whether an identitySynchronization policy allows users in (None: there is no policy)."""
    return bool(((policy or {}).get("userSyncInbound") or {}).get("isSyncAllowed"))


def inbound_changes(current, allow, display_name):
    """The body that brings the policy to what was asked (None when it already is): a PUT body for a new policy,
    a PATCH body of the changed properties for an existing one."""
    if current is None:
        body = {"userSyncInbound": {"isSyncAllowed": allow}}
        if display_name is not None:
            body["displayName"] = display_name
        return body
    body = {}
    if sync_allowed(current) != allow:
        body["userSyncInbound"] = {"isSyncAllowed": allow}
    if display_name is not None and current.get("displayName") != display_name:
        body["displayName"] = display_name
    return body or None


def friendly_inbound(policy):
    if policy is None:
        return None
    return {"allow_user_sync": sync_allowed(policy),
            "display_name": policy.get("displayName")}


def await_inbound(client, tenant_id, allow):
    """Whether the policy reads back with isSyncAllowed == allow within replication_wait."""
    def readable():
        _partner, policy = read_partner_with_sync(client, tenant_id)
        ok = policy is not None and sync_allowed(policy) == allow
        return True if ok else None
    return client.await_replication(readable, "GET identitySynchronization of %s" % tenant_id) is not None


def write_inbound(client, tenant_id, current, body):
    if current is None:
        client.put(sync_path(tenant_id), body, permission=POLICY_WRITE)
    else:
        # a policy this run created may still be unreadable on the replica the PATCH reaches
        client.patch(sync_path(tenant_id), body, permission=POLICY_WRITE, retry_404=True)


# ---- source side: the configuration ------------------------------------------------------------------

def sp_url(sp_id, rest=""):
    return "servicePrincipals/%s%s" % (sp_id, rest)


def find_configurations(client, name):
    """Service principals of this name made from the cross-tenant synchronization template (names are not
    unique in Entra: every match is returned)."""
    flt = "displayName eq %s" % odata_string(name)
    found = client.paged("servicePrincipals", params={"$filter": flt, "$select": ",".join(SP_FIELDS)},
                         permission=APP_READ)
    return [sp for sp in found if str(sp.get("applicationTemplateId") or "").lower() == TEMPLATE_ID]


def instantiate(client, name):
    """Create the configuration (application and service principal) once, and return its service principal
    when it can be read: Microsoft says a new configuration may take 15 seconds to appear.

    Graph accepts a second configuration of one name, so a POST cut off with its outcome unknown is sent again
    only once the time Microsoft gives a configuration to appear has passed without the first one showing up."""
    def visible():
        found = find_configurations(client, name)
        return found[0] if found else None

    created = client.create("applicationTemplates/%s/instantiate" % TEMPLATE_ID, {"displayName": name},
                            permission=APP_WRITE,
                            find=lambda: client.await_replication(visible, "GET /servicePrincipals",
                                                                  seconds=CONFIGURATION_APPEARS))
    sp = created.get("servicePrincipal") if isinstance(created, dict) and "servicePrincipal" in created else created
    # return once the configuration shows up as the next run looks for it (by name); reading it by ID is left to
    # the first request that names it (find_job(fresh=True) waits out a 404)
    client.await_replication(lambda: next((x for x in find_configurations(client, name) if x["id"] == sp["id"]),
                                          None), "GET /servicePrincipals (the new configuration)")
    return sp


def find_job(client, sp_id, fresh=False):
    """The configuration's Azure2Azure job, or None. fresh: the configuration was created moments ago, so a 404
    is replication delay, waited out."""
    path = sp_url(sp_id, "/synchronization/jobs")
    page = client.get_after_create(path, permission=SYNC_READ) if fresh else client.get(path, permission=SYNC_READ)
    jobs = [j for j in client.pages_from(page, permission=SYNC_READ) if j.get("templateId") == JOB_TEMPLATE]
    return jobs[0] if jobs else None


def create_job(client, sp_id):
    """Create the job once (a cut-off POST is sent again only when no job shows up). It may not be readable yet:
    the steps after it that name it wait for it (await_job), so its replication overlaps theirs."""
    def visible():
        return find_job(client, sp_id)

    return client.create(sp_url(sp_id, "/synchronization/jobs"), {"templateId": JOB_TEMPLATE},
                         permission=SYNC_WRITE,
                         find=lambda: client.await_replication(visible, "GET /servicePrincipals/%s/jobs" % sp_id))


def await_job(client, sp_id, job_id):
    """Wait until a job created by this task shows in the job list, where the next run looks for it (a run that
    cannot see it would create a second one). True when it does within replication_wait."""
    return client.await_replication(lambda: (find_job(client, sp_id) or {}).get("id") == job_id or None,
                                    "GET synchronization jobs of %s (the new job)" % sp_id) is not None


def job_running(job):
    """Whether the job's schedule runs it (False for no job)."""
    return ((job or {}).get("schedule") or {}).get("state") == "Active"


def job_url(sp_id, job_id, action=""):
    return sp_url(sp_id, "/synchronization/jobs/%s%s" % (quote(job_id, safe=""), action))


def set_running(client, sp_id, job_id, started):
    """Start or pause the job. Both are idempotent (a second start of a running job changes nothing), so a lost
    answer is sent again; a job created moments ago may 404 on a replica that has not seen it yet."""
    client.request("POST", job_url(sp_id, job_id, "/start" if started else "/pause"), expected=(200, 204),
                   permission=SYNC_WRITE, safe=True, retry_404=True)


def read_secrets(client, sp_id):
    """{key: value} of the saved secrets."""
    body = client.get(sp_url(sp_id, "/synchronization/secrets"), permission=SYNC_READ)
    return dict((s.get("key"), s.get("value")) for s in (body or {}).get("value") or [])


def wanted_secrets(target_tenant_id, scope):
    return {"AuthenticationType": "SyncPolicy", "CompanyId": target_tenant_id.lower(), "SyncAll": SCOPES[scope]}


def secrets_changes(saved, wanted):
    """The keys whose saved value differs from what is wanted (CompanyId compared without letter case)."""
    out = []
    for key, value in wanted.items():
        have = saved.get(key)
        if key == "CompanyId":
            have = str(have or "").lower()
        if have != value:
            out.append(key)
    return out


def merged_secrets(saved, wanted):
    """The whole set to PUT (a PUT replaces every secret): the saved ones kept, the wanted ones set. A masked
    credential cannot be kept, so SyncError."""
    masked = sorted(k for k, v in saved.items() if v == MASKED and k not in wanted)
    if masked:
        raise SyncError("the configuration holds credentials Graph does not return (%s); rewriting the secrets "
                        "would erase them. Fix: set the target tenant and scope in the admin centre, or delete "
                        "the configuration and let the module create it" % ", ".join(masked))
    out = dict(saved)
    out.update(wanted)
    return [{"key": k, "value": v} for k, v in sorted(out.items())]


def validate(client, sp_id, wanted):
    """Test the connection to the target tenant with the wanted credentials; the Graph error when the tenants'
    settings refuse, waited out within replication_wait (the target's policy may have been set moments ago)."""
    body = {"useSavedCredentials": False, "templateId": JOB_TEMPLATE,
            "credentials": [{"key": k, "value": v} for k, v in sorted(wanted.items()) if k != "SyncAll"]}
    last = []

    def attempt():
        try:
            # a test changes nothing: safe to send again after a lost answer
            client.request("POST", sp_url(sp_id, "/synchronization/jobs/validateCredentials"), body=body,
                           expected=(200, 204), permission=SYNC_WRITE, safe=True, retry_404=True)
            return True
        except GraphError as err:
            if err.status == 400 and POLICY_CHECK_FAILURE in "%s %s" % (err.code, err.message):
                last[:] = [err]
                return None
            raise

    if client.await_replication(attempt, "POST validateCredentials (the target tenant's settings)") is None:
        return last[0] if last else GraphError(400, POLICY_CHECK_FAILURE, "the connection test kept failing")
    return None


# ---- source side: who is in scope ---------------------------------------------------------------------

def resolve_users(client, users):
    """{given: user} for internal users by UPN or object ID (in $batch); SyncError naming the ones missing or
    that are guests (only a tenant's own users are synchronised)."""
    requests_ = [{"method": "GET", "url": "/users/%s?$select=id,userPrincipalName,userType,displayName"
                  % quote(u.strip().lower(), safe="@.")} for u in users]
    found, problems = {}, []
    for given, request, answer in zip(users, requests_, client.batch(requests_) if requests_ else []):
        if answer["status"] == 404:
            problems.append("user %s does not exist in this tenant" % given)
            continue
        if answer["status"] != 200:
            raise client.batch_error(request, answer, "User.Read.All")
        user = answer["body"]
        if str(user.get("userType") or "Member") == "Guest":
            problems.append("%s is a guest here; only the tenant's own users are synchronised" % given)
            continue
        found[given] = user
    if problems:
        raise SyncError("; ".join(problems) + ". Fix: list users of this (the source) tenant, by user principal name "
                        "or object ID")
    return found


def resolve_groups(client, groups):
    """{given: group} by object ID or unique display name; SyncError naming the ones not found or not unique.
    Dynamic groups are fine here (Microsoft: a static or dynamic group may be assigned)."""
    try:
        return gr.resolve(client, groups, changing_members=False)
    except gr.GroupError as exc:
        raise SyncError(str(exc))


def read_assignments(client, sp_id):
    """{principal id: assignment} of the configuration."""
    page = client.get(sp_url(sp_id, "/appRoleAssignedTo"), permission=APP_READ)
    return dict((str(a.get("principalId")).lower(), a) for a in client.pages_from(page, permission=APP_READ))


def user_role_id(sp):
    """The configuration's app role for users and groups (the template's msiam_access)."""
    roles = [r for r in sp.get("appRoles") or [] if "User" in (r.get("allowedMemberTypes") or [])
             and r.get("isEnabled", True)]
    if not roles:
        raise SyncError("configuration %s (%s) has no app role users can be assigned to; it was not made from "
                        "Microsoft's cross-tenant synchronization template as this module expects. Fix: delete it "
                        "and let the module create it" % (sp.get("displayName"), sp.get("id")))
    return roles[0]["id"]


def assign_request(sp_id, role_id, principal_id):
    return {"method": "POST", "url": "/servicePrincipals/%s/appRoleAssignedTo" % sp_id,
            "body": {"principalId": principal_id, "resourceId": sp_id, "appRoleId": role_id}}


def assigned(answer):
    """An assignment made, or already there (Graph answers a repeated one 400 'already exists')."""
    if answer.get("status") in (200, 201):
        return True
    message = str(((answer.get("body") or {}).get("error") or {}).get("message", "")).lower()
    return answer.get("status") == 400 and "already exists" in message


# ---- status -------------------------------------------------------------------------------------------

def friendly_status(job):
    """The job's state in the user's words."""
    if job is None:
        return None
    status = job.get("status") or {}
    last = status.get("lastExecution") or {}
    error = (status.get("quarantine") or {}).get("error") or last.get("error") or None
    counts = dict((c.get("key"), c.get("value")) for c in status.get("synchronizedEntryCountByType") or [])
    return {"job_id": job.get("id"), "started": job_running(job),
            "code": status.get("code"), "last_run": last.get("state"), "last_run_ended": last.get("timeEnded"),
            "users_in_scope": counts.get("User"),
            "quarantine_reason": (status.get("quarantine") or {}).get("reason"),
            "error": ("%s: %s" % (error.get("code"), error.get("message"))) if isinstance(error, dict) else None}
