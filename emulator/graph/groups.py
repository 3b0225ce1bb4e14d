"""Groups and their members (security groups and Microsoft 365 groups, the kind a team is).

Rules enforced (api/group-list.md, api/group-get.md, api/group-list-members.md, api/group-post-members.md,
api/group-delete-members.md, concepts/includes/groups-allowed-member-types.md):
- reads need GroupMember.Read.All, Group.Read.All, Directory.Read.All (or a ReadWrite of them); member
  changes need GroupMember.ReadWrite.All, Group.ReadWrite.All or Directory.ReadWrite.All.
- GET /groups takes $filter (eq on displayName, mailNickname and id, joined by 'or', 15 expressions at most),
  $select, $top; GET /groups/{id} and /groups/{id}/members take $select (and $top for members); unknown
  properties in $select are 400.
- POST /groups/{id}/members/$ref with {"@odata.id": "https://<this cloud's Graph host>/v1.0/directoryObjects/
  {id}"} (or .../users/{id}; the host by its real name or the emulator's address for it): 204;
  400 Request_BadRequest "One or more added object references already exist for the following modified
  properties: 'members'." when it is a member; 404 when the object does not exist
  or is not replicated yet; a group with dynamic membership (groupTypes DynamicMembership) or a mail-enabled
  security group / distribution list (mailEnabled, not Unified) cannot have members changed here: 400.
  A Microsoft 365 group takes users only.
- DELETE /groups/{id}/members/{member-id}/$ref: 204; 404 when not a member.
- POST /groups (api/group-post-groups.md): displayName, mailEnabled, mailNickname and securityEnabled required;
  groupTypes [] or ["Unified"] (a Microsoft 365 group must be mailEnabled); needs Group.Create, Group.ReadWrite.All
  or Directory.ReadWrite.All; 201 with the group; the new group is hidden during the replication delay. The
  collection never creates groups: tests use it to make the cases the seed lacks (two groups of one name).
- members come back as directory objects with "@odata.type": "#microsoft.graph.user" and the user's id,
  displayName, mail and userPrincipalName ($select narrows them).
"""

import copy
import re

from emulator.graph import users
from emulator.graph.core import GraphError, bad_request, check_properties, not_found, page, route
from emulator.state import GUID_RE, new_id, tenant_initialiser

READ = ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All", "Directory.ReadWrite.All")
WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
FIELDS = ("id", "displayName", "description", "groupTypes", "mailEnabled", "securityEnabled", "mailNickname",
          "membershipRule", "visibility", "createdDateTime")
MEMBER_FIELDS = ("id", "displayName", "mail", "userPrincipalName")
FILTER_FIELDS = ("displayName", "mailNickname", "id")
_EQ = re.compile(r"^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$")
_REF = re.compile(r"^https://([^/]+)/v1\.0/(directoryObjects|users)/([^/?#]+)$")


def _group(display_name, kind="security", dynamic=False, mail_enabled=None, gid=None, description=None):
    unified = kind == "unified"
    nickname = re.sub(r"[^A-Za-z0-9]", "", display_name) or "group"
    return {"id": gid or new_id(), "displayName": display_name, "description": description,
            "groupTypes": (["Unified"] if unified else []) + (["DynamicMembership"] if dynamic else []),
            "mailEnabled": unified if mail_enabled is None else bool(mail_enabled),
            "securityEnabled": not unified, "mailNickname": nickname,
            "membershipRule": "user.department -eq \"Sales\"" if dynamic else None,
            "visibility": "Private" if unified else None, "createdDateTime": users._now(), "members": []}


@tenant_initialiser
def _init(tenant, entry):
    groups = {}
    for g in entry.get("groups", []):
        group = _group(g["display_name"], g.get("kind", "security"), g.get("dynamic", False), g.get("mail_enabled"),
                       g.get("id"), g.get("description"))
        groups[group["id"]] = group
    tenant.data["groups"] = groups


def _select(ctx, allowed):
    sel = ctx.query.get("$select")
    if not sel:
        return allowed
    fields = [f.strip() for f in sel.split(",") if f.strip()]
    for f in fields:
        if f not in allowed:
            raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.group'." % f)
    return tuple(["id"] + [f for f in fields if f != "id"])


def _shape(group, fields):
    return dict((f, copy.deepcopy(group.get(f))) for f in fields)


def _visible(ctx):
    return [g for gid, g in ctx.tenant.data["groups"].items() if ctx.replicated("group", gid)]


def _find(ctx, gid):
    group = ctx.tenant.data["groups"].get(str(gid).lower())
    if group is None or not ctx.replicated("group", group["id"]):
        raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                        "present." % gid)
    return group


def _filter(ctx, text):
    terms = users._split(text, "or")
    if len(terms) > users.MAX_FILTER_EXPRESSIONS:
        raise GraphError(400, "Request_UnsupportedQuery",
                         "The filter has %d expressions; at most %d are allowed in one filter clause."
                         % (len(terms), users.MAX_FILTER_EXPRESSIONS))
    wanted = []
    for term in terms:
        m = _EQ.match(term)
        if not m:
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified "
                                                              "for property of resource 'Group': %s" % term.strip())
        field, value = m.group(1), m.group(2).replace("''", "'")
        if field not in FILTER_FIELDS:
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported property '%s' in filter clause." % field)
        wanted.append((field, value.lower()))
    return lambda g: any((g.get(f) or "").lower() == v for f, v in wanted)


@route("GET", "/groups", READ, api=("v1.0", "beta"), query=("$filter", "$select", "$top", "$skiptoken"))
def list_groups(ctx):
    fields = _select(ctx, FIELDS)
    groups = _visible(ctx)
    if ctx.query.get("$filter"):
        pred = _filter(ctx, ctx.query["$filter"])
        groups = [g for g in groups if pred(g)]
    groups.sort(key=lambda g: g["createdDateTime"] + g["id"])
    out = {"@odata.context": ctx.context_url("groups")}
    out.update(page(ctx, [_shape(g, fields) for g in groups], "/groups", 100))
    return out


CREATE = ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All")


@route("POST", "/groups", CREATE, api=("v1.0", "beta"))
def create_group(ctx):
    body = ctx.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be a group object.")
    check_properties(body, ("displayName", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes",
                            "description", "visibility"), None)
    for key in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
        if body.get(key) is None:
            raise bad_request("Property '%s' is required when creating a group." % key)
    types = body.get("groupTypes") or []
    if types not in ([], ["Unified"]):
        raise bad_request("groupTypes must be [] or [\"Unified\"] here.")
    if types == ["Unified"] and body["mailEnabled"] is not True:
        raise bad_request("A Microsoft 365 group (groupTypes Unified) must be mail-enabled.")
    group = _group(body["displayName"], "unified" if types else "security", mail_enabled=body["mailEnabled"],
                   description=body.get("description"))
    group.update(mailNickname=body["mailNickname"], securityEnabled=bool(body["securityEnabled"]))
    ctx.tenant.data["groups"][group["id"]] = group
    ctx.mark_created("group", group["id"])
    out = {"@odata.context": ctx.context_url("groups/$entity")}
    out.update(_shape(group, FIELDS))
    return 201, out


@route("GET", "/groups/{gid}", READ, api=("v1.0", "beta"))
def get_group(ctx):
    out = {"@odata.context": ctx.context_url("groups/$entity")}
    out.update(_shape(_find(ctx, ctx.params["gid"]), _select(ctx, FIELDS)))
    return out


@route("GET", "/groups/{gid}/members", READ, api=("v1.0", "beta"), query=("$select", "$top", "$skiptoken"))
def list_members(ctx):
    group = _find(ctx, ctx.params["gid"])
    fields = _select(ctx, MEMBER_FIELDS)
    people = ctx.tenant.data["users"]
    out_items = []
    for uid in group["members"]:
        user = people.get(uid)
        if user is None:
            continue
        item = {"@odata.type": "#microsoft.graph.user"}
        item.update(dict((f, user.get(f)) for f in fields))
        out_items.append(item)
    out = {"@odata.context": ctx.context_url("directoryObjects")}
    out.update(page(ctx, out_items, "/groups/%s/members" % group["id"], 100, max_size=999))
    return out


def _changeable(group):
    if "DynamicMembership" in group["groupTypes"]:
        raise bad_request("The members of a group with dynamic membership are set by its membership rule and "
                          "cannot be added or removed.")
    if group["mailEnabled"] and "Unified" not in group["groupTypes"]:
        raise bad_request("The members of a mail-enabled security group or distribution list cannot be changed "
                          "through Microsoft Graph; use Exchange Online.")


@route("POST", "/groups/{gid}/members/$ref", WRITE, api=("v1.0", "beta"))
def add_member(ctx):
    group = _find(ctx, ctx.params["gid"])
    body = ctx.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be an object with @odata.id.")
    check_properties(dict((k, v) for k, v in body.items() if k != "@odata.id"), (), None)
    ref = body.get("@odata.id")
    m = _REF.match(ref) if isinstance(ref, str) else None
    # this cloud's Graph host, by its real name or the address the emulator serves it on
    hosts = (ctx.host.lower(), ctx.emulator.graph_urls[ctx.host].split("://", 1)[-1].rstrip("/").lower())
    if not m or m.group(1).lower() not in hosts or not GUID_RE.match(m.group(3)):
        raise bad_request("Invalid @odata.id %r: give https://%s/v1.0/directoryObjects/{id} of the object to add."
                          % (ref, ctx.host))
    _changeable(group)
    member = m.group(3).lower()
    user = ctx.tenant.data["users"].get(member)
    if user is None or not ctx.replicated("user", member):
        raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                        "present." % member)
    if member in group["members"]:
        raise bad_request("One or more added object references already exist for the following modified "
                          "properties: 'members'.")
    group["members"].append(member)
    return 204, None


@route("DELETE", "/groups/{gid}/members/{mid}/$ref", WRITE, api=("v1.0", "beta"))
def remove_member(ctx):
    group = _find(ctx, ctx.params["gid"])
    _changeable(group)
    member = ctx.params["mid"].lower()
    if member not in group["members"]:
        raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                        "present." % member)
    group["members"].remove(member)
