"""Users (members and guests) and invitations.

Rules enforced (graph-api.md section 5 and 8):
- reads need User.Read.All, User.ReadWrite.All, Directory.Read.All or Directory.ReadWrite.All;
  PATCH and DELETE need User.ReadWrite.All or Directory.ReadWrite.All; invitations need
  User.Invite.All, User.ReadWrite.All or Directory.ReadWrite.All.
- the default property set unless $select; userType, externalUserState, creationType, identities,
  otherMails ... only when selected; an unknown $select property is 400.
- $filter: eq on mail, userPrincipalName, userType, externalUserState, creationType and
  otherMails/any(x:x eq '...'), joined by 'and' or 'or'; '' escapes a quote. ne/not/startsWith/
  endsWith are advanced queries: 400 Request_UnsupportedQuery without ConsistencyLevel: eventual
  and $count=true. Anything else is 400. At most 15 expressions in one filter (Graph known issues,
  "Some limitations apply to query parameters": 15 expressions by default, a 2,048-character URL with
  advanced queries): a 16th is 400 Request_UnsupportedQuery.
- objects created within the replication delay answer 404 and are missing from lists.
- PATCH: exact property names. Profile properties (user-update.md): givenName, surname, jobTitle,
  companyName (at most 64 characters), mobilePhone, businessPhones (a collection that holds one number
  at most: "only one number can be set"), usageLocation (two-letter ISO 3166 country code, not
  nullable), displayName (cannot be cleared). showInAddressList: the v1.0 user page says "Do not use
  in Microsoft Graph", so a v1.0 PATCH naming it is 400; the beta user resource documents it as
  settable ("For users invited through the invitation manager, this property will be set to false":
  invited guests start hidden, members shown).
- invitations: 150 per 5 s per tenant (429 + Retry-After); app-only invitations refused (403)
  when allowInvitesFrom is none or adminsAndGuestInviters; invitedUserEmailAddress and an https
  inviteRedirectUrl required; one cc recipient at most; the tenant's own domains and domains
  refused by the allow/block list cannot be invited; re-inviting an address that already has a
  guest returns that guest (no duplicate); resetRedemption needs invitedUser.id of a guest.
- invitation nested shapes (resources/invitation.md, invitedusermessageinfo.md, recipient.md,
  emailaddress.md): invitedUserMessageInfo {customizedMessageBody: String, messageLanguage: a
  language tag such as en-US ("ISO 639"), ccRecipients: at most one ("Currently only 1 additional
  recipient is supported") recipient {"emailAddress": {"address": a valid address, "name"?: String}}};
  invitedUser {"id": GUID} only; sendInvitationMessage and resetRedemption Booleans; anything else 400.
- "@odata.type" in a body must be the object's own type when present: #microsoft.graph.user (PATCH),
  #microsoft.graph.invitation, #microsoft.graph.invitedUserMessageInfo, #microsoft.graph.recipient,
  #microsoft.graph.emailAddress.
- query options: the user list takes $count, $expand, $filter, $orderby, $search, $select, $top and
  ($skiptoken in nextLinks); "$skip isn't supported" (api/user-list.md); a user GET takes $select and
  $expand (api/user-get.md). $expand, $orderby and $search are accepted by Graph but not
  implemented here: 400 Request_UnsupportedQuery naming the emulator, never a silent wrong answer.
"""

import copy
import datetime
import re
from urllib.parse import quote

from emulator.graph import directory
from emulator.graph.core import (GraphError, bad_request, check_odata_type, check_properties, not_found, odata_type,
                                 page, route)
from emulator.state import GUID_RE, new_id, tenant_initialiser

READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
INVITE = ("User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")

DEFAULT_SELECT = ("id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                  "officeLocation", "preferredLanguage", "surname", "userPrincipalName")
SELECT_ONLY = ("userType", "externalUserState", "externalUserStateChangeDateTime", "creationType", "identities",
               "otherMails", "accountEnabled", "createdDateTime", "companyName", "usageLocation", "showInAddressList",
               "assignedLicenses")
PATCHABLE = ("displayName", "userType", "mail", "otherMails", "accountEnabled", "givenName", "surname", "jobTitle",
             "companyName", "mobilePhone", "businessPhones", "usageLocation")
BETA_PATCHABLE = PATCHABLE + ("showInAddressList",)
NULLABLE_STRINGS = ("givenName", "surname", "jobTitle", "companyName", "mobilePhone")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
EQ_FIELDS = ("mail", "userPrincipalName", "userType", "externalUserState", "creationType", "displayName", "id")
CASE_INSENSITIVE = ("mail", "userPrincipalName", "displayName")
INVITATION_FIELDS = ("invitedUserEmailAddress", "inviteRedirectUrl", "invitedUserDisplayName", "invitedUserType",
                     "sendInvitationMessage", "invitedUserMessageInfo", "resetRedemption", "invitedUser")
EMAIL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$")
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
USER_TYPE = odata_type("microsoft.graph.user")
INVITATION_TYPE = odata_type("microsoft.graph.invitation")
MESSAGE_INFO_TYPE = odata_type("microsoft.graph.invitedUserMessageInfo")
RECIPIENT_TYPE = odata_type("microsoft.graph.recipient")
EMAIL_ADDRESS_TYPE = odata_type("microsoft.graph.emailAddress")
NOT_IMPLEMENTED = ("$expand", "$orderby", "$search")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(upn, display_name, mail=None, user_type="Member", creation_type=None, state=None, identities=None,
          other_mails=None):
    invited = creation_type == "Invitation"
    return {"id": new_id(), "businessPhones": [], "displayName": display_name, "givenName": None, "jobTitle": None,
            "companyName": None, "usageLocation": None, "showInAddressList": not invited, "assignedLicenses": [],
            "mail": mail, "mobilePhone": None, "officeLocation": None, "preferredLanguage": None, "surname": None,
            "userPrincipalName": upn, "userType": user_type, "externalUserState": state,
            "externalUserStateChangeDateTime": _now() if state else None, "creationType": creation_type,
            "identities": identities or [], "otherMails": list(other_mails or []), "accountEnabled": True,
            "createdDateTime": _now()}


@tenant_initialiser
def _init(tenant, entry):
    users = {}
    for u in entry.get("users", []):
        upn = u["user_principal_name"]
        user = _user(upn, u.get("display_name", upn), u.get("mail"), identities=[
            {"signInType": "userPrincipalName", "issuer": tenant.initial_domain, "issuerAssignedId": upn}])
        if u.get("id"):
            user["id"] = u["id"]
        users[user["id"]] = user
    tenant.data["users"] = users


# ---- $filter -------------------------------------------------------------------------------------

_LITERAL = r"'((?:[^']|'')*)'"
_EQ = re.compile(r"^\s*([A-Za-z]+)\s+eq\s+%s\s*$" % _LITERAL)
_ANY = re.compile(r"^\s*otherMails/any\(\s*([a-z]\w*)\s*:\s*\1\s+eq\s+%s\s*\)\s*$" % _LITERAL)
MAX_FILTER_EXPRESSIONS = 15
_ADVANCED = re.compile(r"(\s(ne)\s|^\s*not\s|\bnot\(|startswith\(|endswith\()", re.I)


def _split(expr, word):
    """Split on ' and ' / ' or ' outside quotes."""
    parts, depth, buf, i, in_quote = [], 0, "", 0, False
    token = " %s " % word
    while i < len(expr):
        ch = expr[i]
        if ch == "'":
            in_quote = not in_quote
        if not in_quote and expr[i:i + len(token)].lower() == token:
            parts.append(buf)
            buf, i = "", i + len(token)
            continue
        buf += ch
        i += 1
    parts.append(buf)
    return parts


def compile_filter(ctx, text):
    """A predicate for the supported subset of OData $filter on users."""
    if _ADVANCED.search(text):
        advanced = ctx.headers.get("consistencylevel", "").lower() == "eventual" and \
            ctx.query.get("$count", "").lower() == "true"
        if not advanced:
            raise GraphError(400, "Request_UnsupportedQuery",
                             "Unsupported or invalid query filter clause specified for property of resource 'User'. "
                             "This is an advanced query: send ConsistencyLevel: eventual and $count=true.")
        raise GraphError(400, "Request_UnsupportedQuery", "The emulator supports only eq filters.")
    alternatives = [_split(alt, "and") for alt in _split(text, "or")]
    count = sum(len(clauses) for clauses in alternatives)
    if count > MAX_FILTER_EXPRESSIONS:
        raise GraphError(400, "Request_UnsupportedQuery",
                         "The filter has %d expressions; at most %d are allowed in one filter clause."
                         % (count, MAX_FILTER_EXPRESSIONS))
    compiled = []
    for alt in alternatives:
        clauses = []
        for clause in alt:
            m = _ANY.match(clause)
            if m:
                value = m.group(2).replace("''", "'").lower()
                clauses.append(lambda u, v=value: v in [x.lower() for x in u.get("otherMails") or []])
                continue
            m = _EQ.match(clause)
            if not m:
                raise bad_request("Invalid filter clause: %s" % clause.strip(), "BadRequest")
            field, value = m.group(1), m.group(2).replace("''", "'")
            if field not in EQ_FIELDS:
                raise GraphError(400, "Request_UnsupportedQuery",
                                 "Unsupported property '%s' in filter clause." % field)
            if field in CASE_INSENSITIVE:
                clauses.append(lambda u, f=field, v=value.lower(): (u.get(f) or "").lower() == v)
            else:
                clauses.append(lambda u, f=field, v=value: u.get(f) == v)
        compiled.append(clauses)
    return lambda u: any(all(c(u) for c in clauses) for clauses in compiled)


def _select_fields(ctx):
    sel = ctx.query.get("$select")
    if not sel:
        return DEFAULT_SELECT
    fields = [f.strip() for f in sel.split(",") if f.strip()]
    for f in fields:
        if f not in DEFAULT_SELECT + SELECT_ONLY:
            raise bad_request("Could not find a property named '%s' on type 'microsoft.graph.user'." % f,
                              "Request_BadRequest")
    if "id" not in fields:
        fields.insert(0, "id")
    return tuple(fields)


def _shape(user, fields):
    return {f: copy.deepcopy(user.get(f)) for f in fields}


def _visible(ctx):
    return [u for uid, u in ctx.tenant.data["users"].items() if ctx.replicated("user", uid)]


def find_user(ctx, key):
    key = key.lower()
    for uid, u in ctx.tenant.data["users"].items():
        if (uid == key or (u["userPrincipalName"] or "").lower() == key) and ctx.replicated("user", uid):
            return u
    raise not_found("Resource '%s' does not exist or one of its queried reference-property objects are not "
                    "present." % key)


# ---- users ---------------------------------------------------------------------------------------

def _not_implemented(ctx):
    for name in NOT_IMPLEMENTED:
        if name in ctx.query:
            raise GraphError(400, "Request_UnsupportedQuery", "%s is accepted by Microsoft Graph here but is not "
                                                              "implemented by the emulator." % name)


@route("GET", "/users", READ, api=("v1.0", "beta"),
       query=("$count", "$expand", "$filter", "$orderby", "$search", "$select", "$top", "$skiptoken"))
def list_users(ctx):
    _not_implemented(ctx)
    fields = _select_fields(ctx)
    users = _visible(ctx)
    if ctx.query.get("$filter"):
        pred = compile_filter(ctx, ctx.query["$filter"])
        users = [u for u in users if pred(u)]
    users.sort(key=lambda u: u["createdDateTime"] + u["id"])
    result = {"@odata.context": ctx.context_url("users")}
    result.update(page(ctx, [_shape(u, fields) for u in users], "/users", 100))
    return result


@route("GET", "/users/{uid}", READ, api=("v1.0", "beta"), query=("$select", "$expand"))
def get_user(ctx):
    _not_implemented(ctx)
    out = {"@odata.context": ctx.context_url("users/$entity")}
    out.update(_shape(find_user(ctx, ctx.params["uid"]), _select_fields(ctx)))
    return out


@route("PATCH", "/users/{uid}", WRITE, api=("v1.0", "beta"))
def patch_user(ctx):
    user = find_user(ctx, ctx.params["uid"])
    body = ctx.body
    check_odata_type(body, USER_TYPE)
    if "showInAddressList" in body and ctx.api == "v1.0":
        raise bad_request("Property 'showInAddressList' cannot be updated through Microsoft Graph v1.0; manage "
                          "address list visibility in the Microsoft 365 admin center, or use the beta endpoint.")
    check_properties(body, BETA_PATCHABLE if ctx.api == "beta" else PATCHABLE, None)
    updated = copy.deepcopy(user)
    for key, value in body.items():
        if key.startswith("@odata."):
            continue
        _check_profile_value(key, value)
        if key == "userType" and value not in ("Member", "Guest"):
            raise bad_request("Invalid value '%s' for userType: expected Member or Guest." % value)
        if key == "accountEnabled" and not isinstance(value, bool):
            raise bad_request("accountEnabled must be a Boolean.")
        if key == "otherMails" and not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
            raise bad_request("otherMails must be a collection of strings.")
        updated[key] = copy.deepcopy(value)
    ctx.tenant.data["users"][user["id"]] = updated


def _invalid(key):
    return bad_request("Invalid value specified for property '%s' of resource 'User'." % key)


def _check_profile_value(key, value):
    """The profile properties' types and limits (user-update.md); other keys are checked by patch_user."""
    if key in NULLABLE_STRINGS and value is not None and not isinstance(value, str):
        raise _invalid(key)
    if key == "companyName" and value is not None and len(value) > 64:
        raise bad_request("companyName: the maximum length is 64 characters.")
    if key == "displayName" and (not isinstance(value, str) or not value.strip()):
        raise bad_request("displayName cannot be cleared: it is required for a user.")
    if key == "usageLocation" and not (isinstance(value, str) and COUNTRY_RE.match(value)):
        raise _invalid(key)
    if key == "businessPhones":
        if not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
            raise _invalid(key)
        if len(value) > 1:
            raise bad_request("businessPhones: only one number can be set.")
    if key == "showInAddressList" and not isinstance(value, bool):
        raise _invalid(key)


@route("DELETE", "/users/{uid}", WRITE, api=("v1.0", "beta"))
def delete_user(ctx):
    user = find_user(ctx, ctx.params["uid"])
    del ctx.tenant.data["users"][user["id"]]


# ---- invitations -----------------------------------------------------------------------------------

def _existing_guest(tenant, address):
    address = address.lower()
    for u in tenant.data["users"].values():
        if u["userType"] == "Guest" or u["creationType"] == "Invitation":
            if (u.get("mail") or "").lower() == address or address in [m.lower() for m in u.get("otherMails") or []]:
                return u
    return None


def _check_message_info(info):
    """invitedUserMessageInfo: customizedMessageBody, messageLanguage (a language tag), <= 1 ccRecipient."""
    if not isinstance(info, dict):
        raise bad_request("invitedUserMessageInfo must be an object.", "BadRequest")
    check_odata_type(info, MESSAGE_INFO_TYPE, "invitedUserMessageInfo")
    check_properties(info, ("customizedMessageBody", "messageLanguage", "ccRecipients"), "invitedUserMessageInfo")
    body = info.get("customizedMessageBody")
    if body is not None and not isinstance(body, str):
        raise bad_request("invitedUserMessageInfo.customizedMessageBody must be a string.", "BadRequest")
    language = info.get("messageLanguage")
    if language is not None and not (isinstance(language, str) and LANGUAGE_RE.match(language)):
        raise bad_request("invitedUserMessageInfo.messageLanguage '%s' is not a language tag such as 'en-US'."
                          % language, "BadRequest")
    recipients = info.get("ccRecipients")
    if recipients is None:
        return
    if not isinstance(recipients, list):
        raise bad_request("invitedUserMessageInfo.ccRecipients must be a collection.", "BadRequest")
    if len(recipients) > 1:
        raise bad_request("Only one ccRecipient is supported.", "BadRequest")
    for recipient in recipients:
        if not isinstance(recipient, dict):
            raise bad_request("ccRecipients items must be recipient objects with emailAddress.", "BadRequest")
        check_odata_type(recipient, RECIPIENT_TYPE, "ccRecipients")
        check_properties(recipient, ("emailAddress",), "ccRecipients")
        address = recipient.get("emailAddress")
        if not isinstance(address, dict):
            raise bad_request("ccRecipients items need an emailAddress object.", "BadRequest")
        check_odata_type(address, EMAIL_ADDRESS_TYPE, "ccRecipients.emailAddress")
        check_properties(address, ("address", "name"), "ccRecipients.emailAddress")
        if not isinstance(address.get("address"), str) or not EMAIL_RE.match(address["address"]):
            raise bad_request("The specified cc recipient email address '%s' is not valid." % address.get("address"),
                              "BadRequest")
        if address.get("name") is not None and not isinstance(address["name"], str):
            raise bad_request("ccRecipients.emailAddress.name must be a string.", "BadRequest")


def _check_invitation(ctx, body):
    check_odata_type(body, INVITATION_TYPE)
    check_properties(body, INVITATION_FIELDS, None)
    address = body.get("invitedUserEmailAddress")
    if not isinstance(address, str) or not address:
        raise bad_request("invitedUserEmailAddress is required.", "BadRequest")
    if not EMAIL_RE.match(address):
        raise bad_request("The specified email address '%s' is not valid." % address, "BadRequest")
    url = body.get("inviteRedirectUrl")
    if not isinstance(url, str) or not re.match(r"^https://[^\s/]+", url):
        raise bad_request("inviteRedirectUrl is required and must be an absolute https URL.", "BadRequest")
    if body.get("invitedUserType", "Guest") not in ("Guest", "Member"):
        raise bad_request("Invalid value '%s' for invitedUserType: expected Guest or Member."
                          % body.get("invitedUserType"), "BadRequest")
    if body.get("invitedUserMessageInfo") is not None:
        _check_message_info(body["invitedUserMessageInfo"])
    if body.get("invitedUser") is not None:
        invited = body["invitedUser"]
        if not isinstance(invited, dict):
            raise bad_request("invitedUser must be an object with the user's id.", "BadRequest")
        check_odata_type(invited, USER_TYPE, "invitedUser")
        check_properties(invited, ("id",), "invitedUser")
        if not isinstance(invited.get("id"), str) or not GUID_RE.match(invited["id"]):
            raise bad_request("invitedUser.id must be the object id (GUID) of a user; got '%s'."
                              % invited.get("id"), "BadRequest")
    if body.get("invitedUserDisplayName") is not None and not isinstance(body["invitedUserDisplayName"], str):
        raise bad_request("invitedUserDisplayName must be a string.", "BadRequest")
    for key in ("sendInvitationMessage", "resetRedemption"):
        if not isinstance(body.get(key, False), bool):
            raise bad_request("%s must be a Boolean." % key, "BadRequest")
    domain = address.rpartition("@")[2].lower()
    if domain in ctx.tenant.domains:
        raise bad_request("The invited user '%s' belongs to this organization's own domain." % address, "BadRequest")
    if not directory.domain_permitted(ctx.tenant, domain):
        raise bad_request("The domain '%s' is not allowed by this organization's collaboration restrictions "
                          "(allow/block list)." % domain, "BadRequest")
    return address


@route("POST", "/invitations", INVITE, api=("v1.0", "beta"))
def invite(ctx):
    ctx.rate_limit("invitations", 150, 5)
    if not directory.invites_allowed_for_apps(ctx.tenant):
        raise GraphError(403, "Authorization_RequestDenied",
                         "Guest invitations are not allowed for this application: the tenant's allowInvitesFrom "
                         "setting ('%s') restricts invitations to admins."
                         % ctx.tenant.data["authorization_policy"]["allowInvitesFrom"])
    body = ctx.body
    address = _check_invitation(ctx, body)
    user_type = body.get("invitedUserType", "Guest")
    guest = _existing_guest(ctx.tenant, address)
    if body.get("resetRedemption"):
        target = (body.get("invitedUser") or {}).get("id")
        if not target or not GUID_RE.match(str(target)):
            raise bad_request("resetRedemption requires invitedUser.id of an existing guest.", "BadRequest")
        guest = ctx.tenant.data["users"].get(str(target).lower())
        if guest is None:
            raise bad_request("resetRedemption: no user with id '%s'." % target, "BadRequest")
        guest.update(mail=address, externalUserState="PendingAcceptance", externalUserStateChangeDateTime=_now())
        if address not in guest["otherMails"]:
            guest["otherMails"].append(address)
    elif guest is None:
        upn = "%s#EXT#@%s" % (address.replace("@", "_"), ctx.tenant.initial_domain)
        guest = _user(upn, body.get("invitedUserDisplayName") or address.split("@")[0], address, user_type,
                      "Invitation", "PendingAcceptance",
                      [{"signInType": "emailAddress", "issuer": ctx.tenant.initial_domain,
                        "issuerAssignedId": address}], [address])
        ctx.tenant.data["users"][guest["id"]] = guest
        ctx.mark_created("user", guest["id"])
    invitation_id = new_id()
    status = "Completed" if guest["externalUserState"] == "Accepted" else "PendingAcceptance"
    redeem = "https://login.microsoftonline.com/redeem?rd=%s&tenant=%s" % (quote(invitation_id), ctx.tenant.id)
    info = body.get("invitedUserMessageInfo") or {}
    return 201, {
        "@odata.context": ctx.context_url("invitations/$entity"),
        "id": invitation_id, "inviteRedeemUrl": redeem,
        "invitedUserDisplayName": body.get("invitedUserDisplayName"), "invitedUserEmailAddress": address,
        "invitedUserType": user_type, "sendInvitationMessage": bool(body.get("sendInvitationMessage", False)),
        "inviteRedirectUrl": body["inviteRedirectUrl"], "resetRedemption": bool(body.get("resetRedemption", False)),
        "status": status, "invitedUser": {"id": guest["id"]},
        "invitedUserMessageInfo": {"customizedMessageBody": info.get("customizedMessageBody"),
                                   "messageLanguage": info.get("messageLanguage") or "en-US",
                                   "ccRecipients": info.get("ccRecipients") or []},
    }
