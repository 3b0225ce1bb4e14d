"""Graph request handling shared by every resource: routing, auth, permissions, errors, $batch.

A resource module declares its endpoints with @route(...) and raises GraphError for anything the
service would refuse. core owns everything the real Graph front door does before a resource
sees the request: token checks, the permission check, the error body shape, paging links.

Front-door rules (each with the source it rests on):
- a request body must be sent with Content-Type: application/json (a charset or other parameter is
  fine); anything else is 400 BadRequest "Unable to read JSON request payload. Please ensure
  Content-Type header is set and payload is of valid JSON format." (the answer Graph gives:
  microsoftgraph/microsoft-graph-docs-contrib issue #6337; every write page lists Content-Type
  application/json as required). Outer requests and $batch items alike.
- system query options ($count $expand $filter $format $orderby $search $select $skip $skiptoken
  $top; names case-insensitive, and on beta the $ is optional - concepts/query-parameters.md) are
  allowed only where the route supports them. Each route lists its own (`query=`), from the
  "Optional query parameters" section of its API page; a $-name Graph does not know is 400
  Request_BadRequest "Unrecognized query argument specified: '$selct'." (the directory's answer,
  microsoftgraph/microsoft-graph-docs-contrib issue #1321); a known one a route does not support is
  400 ($filter: Request_UnsupportedQuery "Filtered searches against this resource are not
  supported.", microsoftgraph/msgraph-metadata issue #225; others: Request_BadRequest "'$skip' is
  not supported by the service."). Writes take none: "supported in only GET operations"
  (query-parameters.md).
- a body's "@odata.type", where a resource accepts one, must name the resource's own type
  (check_odata_type): an unknown name is 400 Request_BadRequest "A type named '...' could not be
  resolved by the model. ..." (microsoftgraph/msgraph-beta-sdk-dotnet issue #87), a known but
  different one 400 "... is not assignable to the expected type ..." (the OData library's message).
- paging: @odata.nextLink carries an opaque $skiptoken (concepts/paging.md: do not parse it).
- injected faults (control.FaultBook) answer before the request is processed, or after it (the state
  has changed, the answer is lost); inside $batch a fault is that item's status, a drop a 503 item.
"""

import base64
import collections
import datetime
import json
import re
import time
import uuid
from urllib.parse import parse_qs, quote, unquote, urlsplit

from emulator import clouds
from emulator.tokens import TokenInvalid

ROUTES = []
JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
DIAGNOSTIC = json.dumps({"ServerInfo": {"DataCenter": "Emulator", "Slice": "E", "Ring": "0",
                                        "ScaleUnit": "000", "RoleInstance": "EMU-0", "ADSiteName": "EMU"}})


class GraphError(Exception):
    """Anything the service refuses: becomes {"error": {"code", "message", "innerError"}}."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message, code="Request_BadRequest"):
    return GraphError(400, code, message)


def not_found(message="Resource not found.", code="Request_ResourceNotFound"):
    return GraphError(404, code, message)


SYSTEM_QUERY_OPTIONS = ("$count", "$expand", "$filter", "$format", "$orderby", "$search", "$select", "$skip",
                        "$skiptoken", "$top")
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


class Route:
    def __init__(self, method, pattern, handler, permissions, api, only_clouds, query=None):
        if isinstance(permissions, str) or not permissions:
            raise TypeError("route %s %s: permissions must be a non-empty tuple of roles" % (method, pattern))
        self.method = method
        self.pattern = pattern
        regex = "".join("(?P<%s>[^/]+?)" % part[1:-1] if part.startswith("{") else re.escape(part)
                        for part in re.split(r"(\{[a-z_]+\})", pattern))
        self.regex = re.compile("^" + regex + "$")
        self.handler = handler
        self.permissions = tuple(permissions)
        self.api = tuple(api)
        self.only_clouds = tuple(only_clouds) if only_clouds else None
        if query is None:   # an entity GET takes $select (OData: single entities allow $select); writes none
            query = ("$select",) if method == "GET" else ()
        unknown = set(query) - set(SYSTEM_QUERY_OPTIONS)
        if unknown:
            raise TypeError("route %s %s: unknown query options %s" % (method, pattern, sorted(unknown)))
        self.query = tuple(query)


def route(method, pattern, permissions, api=("v1.0",), only_clouds=None, query=None):
    """Declare an endpoint. `permissions`: application roles, any one of which suffices.

    `query`: the system query options the endpoint supports (its API page's "Optional query
    parameters"); default $select for a GET, none for a write.
    """
    def deco(func):
        ROUTES.append(Route(method, pattern, func, permissions, api, only_clouds, query))
        return func
    return deco


def normalise_query(api, query):
    """Query options with system options under their canonical lower-case $-names.

    Graph matches system query option names case-insensitively; on beta the $ is optional
    (concepts/query-parameters.md). A $-name Graph does not know is refused.
    """
    out = {}
    for name, value in query.items():
        lower = name.lower()
        if lower.startswith("$"):
            if lower not in SYSTEM_QUERY_OPTIONS:
                raise bad_request("Unrecognized query argument specified: '%s'." % name)
            name = lower
        elif api == "beta" and "$" + lower in SYSTEM_QUERY_OPTIONS:
            name = "$" + lower
        if name in out:
            raise bad_request("Query option '%s' was specified more than once, but it must be specified at most "
                              "once." % name, "BadRequest")
        out[name] = value
    return out


def check_query_support(r, method, query):
    """400 for a system query option the route does not support."""
    for name in query:
        if name not in SYSTEM_QUERY_OPTIONS or (r is not None and name in r.query and method == "GET"):
            continue
        if name == "$filter":
            raise GraphError(400, "Request_UnsupportedQuery", "Filtered searches against this resource are not "
                                                              "supported.")
        raise bad_request("'%s' is not supported by the service." % name)


# @odata.type names the emulator's model knows: a known but different one "is not assignable".
KNOWN_TYPES = set()


def check_odata_type(body, expected, where=None):
    """A body (or nested object) may carry "@odata.type"; if it does, it must be `expected`."""
    if not isinstance(body, dict) or "@odata.type" not in body:
        return
    value = body["@odata.type"]
    if value == expected:
        return
    name = str(value)[1:] if str(value).startswith("#") else str(value)
    if not isinstance(value, str) or not value.startswith("#") or name not in KNOWN_TYPES:
        raise bad_request("A type named '%s' could not be resolved by the model. When a model is available, each "
                          "type name must resolve to a valid type." % value)
    raise bad_request("A resource with type '%s' was found, but it is not assignable to the expected type '%s'%s. "
                      "The type specified in the resource must be equal to either the expected type or a derived "
                      "type." % (name, expected[1:], "" if where is None else " (in %s)" % where))


def odata_type(name):
    """Register a type name (without '#') as known to the model; returns '#' + name."""
    KNOWN_TYPES.add(name)
    return "#" + name


def json_content_type(headers):
    """Is the request's Content-Type application/json (parameters such as charset allowed)?"""
    media = (headers.get("content-type") or "").split(";")[0].strip().lower()
    return media == "application/json"


class Ctx:
    """One Graph request as a resource handler sees it."""

    def __init__(self, emulator, host, method, api, path, query, headers, body, claims, tenant):
        self.emulator = emulator
        self.state = emulator.state
        self.host = host                      # real Graph host name, e.g. graph.microsoft.us
        self.cloud = clouds.cloud_of_graph(host)
        self.method = method
        self.api = api
        self.path = path                      # after /v1.0 or /beta, percent-decoded
        self.query = query                    # {name: value}
        self.headers = headers                # lower-cased names
        self.raw_body = body
        self.claims = claims
        self.tenant = tenant
        self.params = {}

    @property
    def body(self):
        """The JSON object sent; refuses anything else the way Graph does."""
        if not self.raw_body:
            raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
        if isinstance(self.raw_body, dict):
            return self.raw_body
        try:
            value = json.loads(self.raw_body)
        except ValueError:
            raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header "
                              "is set and payload is of valid JSON format.", "BadRequest")
        if not isinstance(value, dict):
            raise bad_request("Unable to read JSON request payload: an object is expected.", "BadRequest")
        return value

    def context_url(self, fragment):
        return "https://%s/%s/$metadata#%s" % (self.host, self.api, fragment)

    def link(self, path, **query):
        """An absolute URL back to this listener (for @odata.nextLink)."""
        base = self.emulator.graph_urls[self.host]
        qs = "&".join("%s=%s" % (k, quote(str(v), safe="")) for k, v in query.items() if v is not None)
        return "%s/%s%s%s" % (base, self.api, path, ("?" + qs) if qs else "")

    # replication delay and rate limits are state-wide services resources use
    def mark_created(self, kind, object_id):
        self.state.mark_created(self.tenant, kind, object_id)

    def replicated(self, kind, object_id):
        return self.state.replicated(self.tenant, kind, object_id)

    def rate_limit(self, name, limit, window_seconds, retry_after=True):
        self.emulator.rate_limiter.hit((self.tenant.id, name), limit, window_seconds, retry_after)


class RateLimiter:
    """Sliding-window limits such as /invitations' 150 requests per 5 s per tenant."""

    def __init__(self):
        self.windows = collections.defaultdict(collections.deque)

    def hit(self, key, limit, window, retry_after=True):
        now = time.monotonic()
        q = self.windows[key]
        while q and now - q[0] >= window:
            q.popleft()
        if len(q) >= limit:
            retry = max(1, int(window - (now - q[0])) + 1)
            raise GraphError(429, "TooManyRequests",
                             "Too many requests. The application has exceeded the allowed request rate.",
                             {"Retry-After": str(retry)} if retry_after else {})
        q.append(now)

    def clear(self):
        self.windows.clear()


def error_body(err, request_id, client_request_id):
    return {"error": {"code": err.code, "message": err.message,
                      "innerError": {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                                     "request-id": request_id, "client-request-id": client_request_id}}}


def check_properties(body, allowed, where):
    """Graph property names are exact and case-sensitive: anything else is a 400."""
    for key in body:
        if key.startswith("@odata."):
            continue
        if key not in allowed:
            raise bad_request("Invalid property '%s'." % key if where is None
                              else "Invalid property '%s' on %s." % (key, where))


def _skiptoken(skip, top):
    return base64.urlsafe_b64encode(json.dumps({"skip": skip, "top": top}).encode()).decode().rstrip("=")


def _read_skiptoken(token):
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        return int(value["skip"]), int(value["top"])
    except (ValueError, KeyError, TypeError):
        raise bad_request("The specified page token value has expired or is invalid.", "Directory_ExpiredPageToken")


def page(ctx, items, path, default_size, max_size=999):
    """One page of a collection with @odata.nextLink, like Graph's server-driven paging.

    The nextLink carries the other query options and an opaque $skiptoken (offset and page size);
    clients follow it as it is (concepts/paging.md).
    """
    skip, top = 0, default_size
    if ctx.query.get("$skiptoken"):
        skip, top = _read_skiptoken(ctx.query["$skiptoken"])
    if "$top" in ctx.query:
        try:
            top = int(ctx.query["$top"])
        except ValueError:
            raise bad_request("Invalid $top value '%s'." % ctx.query["$top"], "BadRequest")
    if top < 1 or top > max_size:
        raise bad_request("Invalid page size specified: '%d'. Must be between 1 and %d inclusive." % (top, max_size),
                          "Request_UnsupportedQuery")
    chunk = items[skip:skip + top]
    result = {"value": chunk}
    if skip + top < len(items):
        keep = {k: v for k, v in ctx.query.items() if k not in ("$skiptoken", "$top")}
        if "$top" in ctx.query:
            keep["$top"] = top
        keep["$skiptoken"] = _skiptoken(skip + top, top)
        result["@odata.nextLink"] = ctx.link(path, **keep)
    return result


def _parse(raw_path):
    parts = urlsplit(raw_path)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.path, query


def authenticate(emulator, host, headers):
    """Check the bearer token like Graph does; return (claims, tenant) or raise 401."""
    auth = headers.get("authorization", "")
    if not auth:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    scheme, _sep, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise GraphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).")
    try:
        claims = emulator.signer.verify(token.strip())
    except TokenInvalid as exc:
        raise GraphError(401, "InvalidAuthenticationToken", str(exc))
    if claims.get("aud") != "https://" + host:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
    tenant = emulator.state.tenants.get(claims.get("tid", ""))
    if tenant is None or clouds.CLOUDS[tenant.cloud]["graph"] != host:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
    return claims, tenant


def match_route(method, api, path, cloud):
    allowed_methods = set()
    for r in ROUTES:
        m = r.regex.match(path)
        if not m or api not in r.api:
            continue
        if r.only_clouds and cloud not in r.only_clouds:
            continue
        if r.method != method:
            allowed_methods.add(r.method)
            continue
        return r, m.groupdict()
    if allowed_methods:
        raise GraphError(405, "Request_BadRequest",
                         "Specified HTTP method is not allowed for the request uri.")
    segment = path.strip("/").split("/")[-1] if path.strip("/") else api
    raise GraphError(400, "BadRequest", "Resource not found for the segment '%s'." % segment)


FAULT_CODES = {404: "Request_ResourceNotFound", 429: "TooManyRequests", 500: "UnknownError", 502: "BadGateway",
               503: "ServiceUnavailable", 504: "GatewayTimeout"}


def _error_answer(err, out_headers, request_id, client_request_id):
    out_headers.update(err.headers)
    out_headers["Content-Type"] = JSON_TYPE
    return err.status, out_headers, error_body(err, request_id, client_request_id)


def _fault_answer(fault, batch_item, request_id, client_request_id):
    """An injected fault as Graph would answer it; a drop closes the connection (a 503 item inside $batch)."""
    if fault["status"] == "drop" and not batch_item:
        return "drop", {}, None
    status = 503 if fault["status"] == "drop" else int(fault["status"])
    hdrs = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else {}
    err = GraphError(status, FAULT_CODES.get(status, "UnknownError"), "Injected fault (emulator).", hdrs)
    out = {"request-id": request_id, "client-request-id": client_request_id, "x-ms-ags-diagnostic": DIAGNOSTIC}
    return _error_answer(err, out, request_id, client_request_id)


def execute(emulator, host, method, raw_path, headers, body, log_entry, batch_item=False):
    """Run one Graph request (outer or inside $batch). Returns (status, headers, body-or-None)."""
    request_id = str(uuid.uuid4())
    client_request_id = headers.get("client-request-id") or str(uuid.uuid4())
    out_headers = {"request-id": request_id, "client-request-id": client_request_id,
                   "x-ms-ags-diagnostic": DIAGNOSTIC}
    if log_entry.get("body") is None:
        emulator.log.set_body(log_entry, body)   # what a write carried, for tests (control.RequestLog)
    try:
        path, query = _parse(raw_path)
        m = re.match(r"^/(v1\.0|beta)(/.*)?$", path)
        if not m:
            raise GraphError(400, "BadRequest", "Invalid version: %s" % path.strip("/").split("/")[0])
        api, rest = m.group(1), unquote(m.group(2) or "/")
        claims, tenant = authenticate(emulator, host, headers)
    except GraphError as err:
        return _error_answer(err, out_headers, request_id, client_request_id)
    log_entry["tenant"] = tenant.id
    fault = emulator.faults.take("graph", host, method, path, tenant.id, write=method in WRITE_METHODS)
    if fault is not None and fault["when"] == "before":
        log_entry["fault"] = "before"
        return _fault_answer(fault, batch_item, request_id, client_request_id)
    try:
        query = normalise_query(api, query)
        if rest == "/$batch":
            if batch_item:
                raise bad_request("Nested $batch requests are not supported.", "BadRequest")
            if method != "POST":
                raise GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
            r, params = None, {}
        else:
            r, params = match_route(method, api, rest, clouds.cloud_of_graph(host))
            roles = set(claims.get("roles", []))
            if not roles.intersection(r.permissions):
                raise GraphError(403, "Authorization_RequestDenied",
                                 "Insufficient privileges to complete the operation.")
        check_query_support(r, method, query)
        if body not in (None, b"", "") and not json_content_type(headers):
            raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and "
                              "payload is of valid JSON format.", "BadRequest")
        ctx = Ctx(emulator, host, method, api, rest, query, headers, body, claims, tenant)
        ctx.params = params
        with emulator.state.lock:
            if r is None:
                status, result, extra = run_batch(emulator, host, ctx, log_entry)
            else:
                status, result, extra = _normalise(r.handler(ctx))
        out_headers.update(extra or {})
        if result is not None:
            out_headers["Content-Type"] = JSON_TYPE
        answer = status, out_headers, result
    except GraphError as err:
        answer = _error_answer(err, out_headers, request_id, client_request_id)
    if fault is not None:          # "after": the request was processed; its answer is lost
        log_entry["fault"] = "after"
        return _fault_answer(fault, batch_item, request_id, client_request_id)
    return answer


def _normalise(result):
    if isinstance(result, tuple):
        if len(result) == 2:
            return result[0], result[1], {}
        return result
    if result is None:
        return 204, None, {}
    return 200, result, {}


def run_batch(emulator, host, ctx, outer_entry):
    """JSON batching: at most 20 requests, unique ids, dependsOn, per-item status and throttling."""
    body = ctx.body
    check_properties(body, {"requests"}, "batch")
    requests_ = body.get("requests")
    if not isinstance(requests_, list) or not requests_:
        raise bad_request("Invalid batch payload format.", "BadRequest")
    if len(requests_) > 20:
        raise bad_request("Number of requests in batch request exceeds the maximum of 20.", "BadRequest")
    ids = [str(item.get("id", "")) if isinstance(item, dict) else "" for item in requests_]
    if "" in ids or len(set(ids)) != len(ids):
        raise bad_request("Batch request ids must be present and unique.", "BadRequest")
    for item in requests_:
        for key in ("method", "url"):
            if not isinstance(item.get(key), str):
                raise bad_request("Batch request '%s' has no %s." % (item["id"], key), "BadRequest")
        if item["url"].startswith("http"):
            raise bad_request("Batch request url must be relative: '%s'." % item["url"], "BadRequest")
        hdrs = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        if "body" in item and "content-type" not in hdrs:
            raise bad_request("Content-Type header is required for batch request '%s' with a body." % item["id"],
                              "BadRequest")
        for dep in item.get("dependsOn") or []:
            if dep not in ids:
                raise bad_request("Batch request '%s' depends on unknown id '%s'." % (item["id"], dep), "BadRequest")
    statuses = {}
    responses = []
    for item in requests_:
        hdrs = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
        hdrs["authorization"] = ctx.headers.get("authorization", "")
        url = item["url"] if item["url"].startswith("/") else "/" + item["url"]
        raw = "/%s%s" % (ctx.api, url)
        entry = emulator.log.start("graph", host, item["method"].upper(), raw, batch_item=True,
                                   body=item.get("body"))
        failed_dep = [d for d in item.get("dependsOn") or [] if statuses.get(d, 599) >= 400]
        if failed_dep:
            status, h, result = 424, {}, error_body(GraphError(424, "FailedDependency",
                                                               "Dependent request failed."), "", "")
        else:
            status, h, result = execute(emulator, host, item["method"].upper(), raw, hdrs,
                                        item.get("body"), entry, batch_item=True)
        emulator.log.finish(entry, status)
        statuses[item["id"]] = status
        resp = {"id": item["id"], "status": status,
                "headers": {k: v for k, v in h.items() if k.lower() in ("content-type", "retry-after", "location")}}
        if result is not None:
            resp["body"] = result
        responses.append(resp)
    # Graph returns batch responses in any order: never let a client rely on it.
    responses.reverse()
    return 200, {"responses": responses}, {}
