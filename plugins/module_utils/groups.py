# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: finding groups by ID or unique display name, reading their members, and the
requests that add and remove members (group_members)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.guests import odata_string

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

GROUP_FIELDS = ("id", "displayName", "groupTypes", "mailEnabled", "securityEnabled")
READ_PERMISSION = "GroupMember.Read.All"
WRITE_PERMISSION = "GroupMember.ReadWrite.All"
# "400 Bad Request when the object is already a member of the group" (api/group-post-members.md)
ALREADY_MEMBER = "already exist"


class GroupError(Exception):
    """A group that cannot be used; the message names it and the fix."""


def _by_name_url(name):
    flt = "displayName eq %s" % odata_string(name)
    return "/groups?$filter=%s&$select=%s" % (quote(flt, safe="'()/:"), ",".join(GROUP_FIELDS))


def resolve(client, names, changing_members=True):
    """{given name or ID: group} for every entry of `names`; GroupError naming each one not found, not unique or
    (changing_members) whose members cannot be changed here. IDs are read by ID, other values by exact display
    name (in $batch)."""
    requests_ = []
    for name in names:
        if is_guid(name.strip()):
            url = "/groups/%s?$select=%s" % (name.strip().lower(), ",".join(GROUP_FIELDS))
            requests_.append({"method": "GET", "url": url})
        else:
            requests_.append({"method": "GET", "url": _by_name_url(name)})
    answers = client.batch(requests_)
    found, problems = {}, []
    for name, request, answer in zip(names, requests_, answers):
        if answer["status"] == 404:
            problems.append("group %s does not exist in this tenant. Fix: give the object ID or the exact display "
                            "name of an existing group" % name)
            continue
        if answer["status"] != 200:
            raise client.batch_error(request, answer, READ_PERMISSION)
        body = answer["body"] or {}
        groups = body.get("value") if "value" in body else [body]
        if not groups:
            problems.append("no group is named %r in this tenant. Fix: give the exact display name or the object ID"
                            % name)
            continue
        if len(groups) > 1:
            problems.append("%d groups are named %r (%s). Fix: give the object ID of the one meant"
                            % (len(groups), name, ", ".join(g["id"] for g in groups)))
            continue
        group = groups[0]
        if not changing_members:
            found[name] = group
            continue
        if "DynamicMembership" in (group.get("groupTypes") or []):
            problems.append("group %s (%s) has dynamic membership: its rule sets the members. Fix: add the people "
                            "to a group with assigned membership, or change the rule" % (name, group["id"]))
            continue
        if group.get("mailEnabled") and "Unified" not in (group.get("groupTypes") or []):
            problems.append("group %s (%s) is a mail-enabled security group or distribution list, whose members "
                            "Graph cannot change. Fix: manage it in Exchange Online, or use a security or "
                            "Microsoft 365 group" % (name, group["id"]))
            continue
        found[name] = group
    if problems:
        raise GroupError("; ".join(problems))
    return found


def members(client, group_ids):
    """{group id: set of member object IDs}, every page of each group's member list (first pages in $batch)."""
    requests_ = [{"method": "GET", "url": "/groups/%s/members?$select=id&$top=999" % gid} for gid in group_ids]
    out = {}
    for gid, request, answer in zip(group_ids, requests_, client.batch(requests_) if requests_ else []):
        if answer["status"] != 200:
            raise client.batch_error(request, answer, READ_PERMISSION)
        out[gid] = set(str(m.get("id")).lower()
                       for m in client.pages_from(answer["body"], permission=READ_PERMISSION))
    return out


def add_request(graph_url, group_id, member_id):
    return {"method": "POST", "url": "/groups/%s/members/$ref" % group_id,
            "body": {"@odata.id": "%s/v1.0/directoryObjects/%s" % (graph_url.rstrip("/"), member_id)}}


def remove_request(group_id, member_id):
    return {"method": "DELETE", "url": "/groups/%s/members/%s/$ref" % (group_id, member_id)}


def done(request, answer):
    """Whether a member change reached its goal: 204, or already so - a member already there (400, as Graph
    answers a second add), or one already gone (404 for a member this task read in the group)."""
    status = answer.get("status")
    if status in (200, 204):
        return True
    error = ((answer.get("body") or {}).get("error") or {})
    if request["method"] == "POST":
        return status == 400 and ALREADY_MEMBER in str(error.get("message", "")).lower()
    return status == 404
