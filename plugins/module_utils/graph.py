# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: GraphClient, the one place that makes Microsoft Graph calls.

Retry rules (one policy for Graph, OpenID discovery and the token endpoint):
- transient answers are 429, 500, 502, 503, 504 and dropped, reset or timed-out connections;
- a request that is safe to send twice is re-sent: GET, PUT, PATCH, DELETE (our writes carry whole
  sub-objects, so sending one twice leaves the same state), a $batch whose items are all safe, and
  inside any $batch the items that failed with 429 or a 5xx and are themselves safe;
- a POST is re-sent after a 429 (not processed) or a connection that never opened; after a 5xx or
  a dropped connection it may have been applied, so it raises OutcomeUnknown and create() reads
  before sending it again;
- Retry-After wins; otherwise exponential backoff with full jitter; one budget per request, in
  attempts and in seconds of waiting (retry_budget);
- a 404 for an object that may have just been created is replication delay: retried for up to
  replication_wait seconds when the caller says so;
- a 401 for a cached token: the token is dropped, a new one fetched, the request re-sent once.
Every retry is recorded in RetryStats, which modules return as `retries` (and list at -vvv).
urllib3's Retry cannot express the per-method, per-item and after-create rules, hence our own loop.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import threading
import time
import uuid

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity's import test
    from urlparse import urlsplit

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # reported by the module base with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

COLLECTION_VERSION = "0.1.0"
BATCH_LIMIT = 20
RETRY_STATUSES = (429, 500, 502, 503, 504)
SAFE_METHODS = ("GET", "PUT", "PATCH", "DELETE")
IDEMPOTENT = SAFE_METHODS  # kept for callers of the old name
DEFAULT_RETRY_BUDGET = 60.0
DEFAULT_MAX_RETRIES = 8
DEFAULT_REPLICATION_WAIT = 60.0
REPLICATION_HINT = ("Microsoft Entra replicates a new object for a while after it is created; if an earlier task "
                    "or run created it, run again (or raise replication_wait)")


class RetryStats:
    """What retrying cost in one module run: `count` goes into every result, `events` at -vvv."""

    def __init__(self):
        self.count = 0
        self.events = []
        self._lock = threading.Lock()  # requests may run side by side (concurrent $batch reads)

    def record(self, what, reason, delay):
        with self._lock:
            self.count += 1
            self.events.append("%s: %s; retry %d after %.1f s" % (what, reason, self.count, delay))


class Backoff:
    """One request's retry budget: attempts and seconds of waiting. Retry-After wins; otherwise
    exponential backoff with full jitter (base * 2^n, capped), so parallel forks spread out."""

    def __init__(self, max_retries=DEFAULT_MAX_RETRIES, max_seconds=DEFAULT_RETRY_BUDGET, sleep=time.sleep,
                 stats=None, base=0.5, cap=8.0):
        self.max_retries = max_retries
        self.max_seconds = max_seconds
        self.sleep = sleep
        self.stats = stats
        self.base = base
        self.cap = cap
        self.attempt = 0
        self.waited = 0.0

    def wait(self, what, reason, retry_after=None):
        """Sleep before the next attempt and return True, or return False when the budget is spent."""
        if retry_after is not None:
            delay = retry_after
        else:
            delay = random.uniform(self.base / 2, min(self.cap, self.base * (2 ** self.attempt)))
        if self.attempt >= self.max_retries or self.waited + delay > self.max_seconds:
            return False
        self.attempt += 1
        self.waited += delay
        if self.stats is not None:
            self.stats.record(what, reason, delay)
        self.sleep(delay)
        return True

    def spent(self):
        return "gave up after %d attempts, %.1f s of waiting" % (self.attempt + 1, self.waited)


def transient_exception(exc):
    """A connection failure worth retrying (not a TLS verification failure: that never heals)."""
    if not HAS_REQUESTS or isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            requests.exceptions.ChunkedEncodingError))


def never_sent(exc):
    """True when a connection failure happened before the request left (safe to re-send even a POST)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(getattr(exc, "args", ""))
    return "NewConnectionError" in text or "Failed to establish a new connection" in text


def send_with_retries(http, method, url, backoff, safe=True, **kwargs):
    """One HTTP exchange under the retry rules, below Graph (OpenID discovery, the token endpoint).

    Returns the last response (the caller judges its status) or raises the last connection error.
    """
    shown = _path_of(url)
    while True:
        try:
            resp = http.request(method, url, **kwargs)
        except Exception as exc:  # only transient connection failures are retried; the rest propagates
            if not transient_exception(exc) or not (safe or never_sent(exc)):
                raise
            if backoff.wait("%s %s" % (method, shown), type(exc).__name__):
                continue
            raise
        if resp.status_code in RETRY_STATUSES and (safe or resp.status_code == 429):
            if backoff.wait("%s %s" % (method, shown), "HTTP %d" % resp.status_code, _retry_after(resp.headers)):
                continue
        return resp


class GraphError(Exception):
    """A Graph call that failed; str() is one line with status, Graph code, message and request-id."""

    def __init__(self, status, code, message, request_id=None, client_request_id=None, method=None, path=None,
                 hint=None):
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.method = method
        self.path = path
        self.hint = hint
        super(GraphError, self).__init__(str(self))

    def __str__(self):
        text = "Graph %s %s failed: %s %s: %s" % (self.method or "?", self.path or "?", self.status,
                                                  self.code or "Error", (self.message or "").rstrip("."))
        if self.request_id:
            text += " (request-id %s)" % self.request_id
        if self.hint:
            text += ". Fix: %s" % self.hint
        return text

    def to_dict(self):
        return {"status": self.status, "code": self.code, "message": self.message, "request_id": self.request_id,
                "client_request_id": self.client_request_id, "method": self.method, "path": self.path}


class OutcomeUnknown(GraphError):
    """A POST answered 5xx or cut off after it was sent: it may or may not have been applied."""


class ReadOnlyError(Exception):
    """A write was attempted on a read-only (check mode) client: a bug in the caller, never sent."""


def _path_of(url):
    parts = urlsplit(url)
    return parts.path + (("?" + parts.query) if parts.query else "")


def parse_error(status, text, method, path, headers=None):
    headers = headers or {}
    code, message, request_id, client_request_id = None, None, None, None
    try:
        err = json.loads(text).get("error", {})
        if isinstance(err, dict):
            code, message = err.get("code"), err.get("message")
            inner = err.get("innerError") or err.get("innererror") or {}
            request_id = inner.get("request-id")
            client_request_id = inner.get("client-request-id")
        elif isinstance(err, str):
            code = err
    except (ValueError, AttributeError):
        message = (text or "").strip().splitlines()[0][:300] if text else None
    return GraphError(status, code or "HTTP%s" % status, message or "no error message",
                      request_id or headers.get("request-id"),
                      client_request_id or headers.get("client-request-id"), method, path)


def _with_permission_hint(err, permission):
    """A 403 names the application permission to grant."""
    if err.status == 403 and permission and not err.hint:
        err.hint = "grant the application permission %s to the app (with admin consent)" % permission
    return err


def _retry_after(headers):
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def add_unsettled(request, answer):
    """For batch_until_settled: a write whose outcome is unknown, or an add (POST) answered 404 because the object
    it names was created moments ago and this replica has not seen it yet. Sent again: Graph answers a repeated add
    or removal as already done, which the caller counts as done."""
    return bool(answer.get("outcome_unknown")) or (request["method"] == "POST" and answer.get("status") == 404)


def fetch_json(url, verify=True, timeout=30, session=None, backoff=None):
    """Anonymous GET of a JSON document (OpenID discovery), with the retry rules. Returns (status, dict-or-None)."""
    http = session or requests.Session()
    resp = send_with_retries(http, "GET", url, backoff or Backoff(), verify=verify, timeout=timeout,
                             headers={"Accept": "application/json"})
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, None


class GraphClient:
    """Microsoft Graph over requests for one cloud and one credential.

    base_url: the cloud's Graph root (https://graph.microsoft.us); token_provider: a callable
    returning an access token (called lazily, once); token_refresher: a callable returning a new
    token after Graph refused a cached one (None when the token cannot be renewed); verify: True,
    False or a CA bundle path, passed on every request because REQUESTS_CA_BUNDLE overrides
    Session.verify; read_only: refuse every write before sending (check mode); max_retries /
    max_retry_seconds: each request's retry budget; replication_wait: seconds a just-created object
    may answer 404; stats: a RetryStats shared with the rest of the module run.
    """

    def __init__(self, base_url, token_provider, verify=True, timeout=30, user_agent=None, read_only=False,
                 max_retries=DEFAULT_MAX_RETRIES, max_retry_seconds=DEFAULT_RETRY_BUDGET, sleep=time.sleep,
                 session=None, on_request=None, token_refresher=None, replication_wait=DEFAULT_REPLICATION_WAIT,
                 stats=None):
        self.base_url = base_url.rstrip("/")
        self._token_provider = token_provider
        self._token_refresher = token_refresher
        self._token = None
        self.verify = verify
        self.timeout = timeout
        self.user_agent = user_agent or "entra.crosscloud/%s" % COLLECTION_VERSION
        self.read_only = read_only
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.replication_wait = replication_wait
        self.sleep = sleep
        self.stats = stats if stats is not None else RetryStats()
        self.session = session if session is not None else requests.Session()
        self.on_request = on_request
        self.requests_made = 0

    # ---- plumbing ----------------------------------------------------------------------------
    def _url(self, path, api):
        if path.startswith("https://"):
            if not path.startswith(self.base_url + "/"):
                raise GraphError(0, "ForeignHost", "refusing to follow a link to another host: %s" % path,
                                 method="GET", path=path)
            return path
        return "%s/%s/%s" % (self.base_url, api, path.lstrip("/"))

    def token(self):
        """The access token, signing in on first use (the provider is called once)."""
        if self._token is None:
            self._token = self._token_provider()
        return self._token

    def _headers(self, extra=None, body=False):
        headers = {"Authorization": "Bearer " + self.token(), "Accept": "application/json",
                   "User-Agent": self.user_agent, "client-request-id": str(uuid.uuid4())}
        if body:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        return headers

    def _guard(self, method, path):
        if self.read_only and method != "GET":
            raise ReadOnlyError("check mode: refusing to send %s %s" % (method, path))

    def backoff(self):
        """A fresh retry budget for one request."""
        return Backoff(self.max_retries, self.max_retry_seconds, self.sleep, self.stats)

    def _replication_backoff(self, seconds=None):
        # 404s after a create: start at about a second, never more than 8 s apart, for replication_wait seconds
        # (or fewer, where Microsoft documents a shorter delay for the object)
        budget = self.replication_wait if seconds is None else min(seconds, self.replication_wait)
        return Backoff(10 ** 6, budget, self.sleep, self.stats, base=2.0, cap=8.0)

    def _renew_token(self):
        """After a 401: a new token when the refused one came from the cache, else None."""
        if self._token_refresher is None:
            return None
        token = self._token_refresher()
        if token:
            self._token = token
        return token

    def request(self, method, path, body=None, params=None, api="v1.0", headers=None, expected=None,
                permission=None, retry_404=False, safe=None, _reads_only=False):
        """Send one request under the retry rules; return the response (status in `expected`) or raise.

        safe: may this request be sent twice (default: by method; a $batch says it for its items).
        retry_404: the object may have just been created, so a 404 is retried for replication_wait s.
        """
        method = method.upper()
        if not _reads_only:  # a $batch of GETs is a POST that only reads: its items were guarded one by one
            self._guard(method, path)
        safe = method in SAFE_METHODS if safe is None else safe
        url = self._url(path, api)
        shown_path = _path_of(url)
        what = "%s %s" % (method, shown_path)
        data = json.dumps(body) if body is not None else None
        backoff, replication, renewed = self.backoff(), None, False
        while True:
            hdrs = self._headers(headers, body=data is not None)
            self.requests_made += 1
            try:
                resp = self.session.request(method, url, data=data, params=params, headers=hdrs,
                                            verify=self.verify, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                reason = type(exc).__name__
                if transient_exception(exc):
                    if not (safe or never_sent(exc)):
                        raise OutcomeUnknown(0, reason, "%s; it may have been applied"
                                             % self._connection_message(exc), None, hdrs["client-request-id"],
                                             method, shown_path)
                    if backoff.wait(what, reason):
                        continue
                raise GraphError(0, reason, self._connection_message(exc) + (
                    " (%s)" % backoff.spent() if backoff.attempt else ""), None, hdrs["client-request-id"],
                    method, shown_path,
                    "give ca_path for this cloud's Graph host" if isinstance(exc, requests.exceptions.SSLError)
                    else "check the network path to %s" % self.base_url)
            if self.on_request:
                self.on_request(method, shown_path, resp.status_code)
            status = resp.status_code
            if status < 400:
                if expected is None or status in expected:
                    return resp
                raise GraphError(status, "UnexpectedStatus", "Graph answered %d where %s was expected"
                                 % (status, "/".join(str(s) for s in expected)), resp.headers.get("request-id"),
                                 hdrs["client-request-id"], method, shown_path)
            if status == 401 and not renewed:
                renewed = True
                if self._renew_token():
                    self.stats.record(what, "401 for a cached token: signed in again", 0.0)
                    continue
            if status in RETRY_STATUSES:
                if safe or status == 429:
                    if backoff.wait(what, "HTTP %d" % status, _retry_after(resp.headers)):
                        continue
                    err = parse_error(status, resp.text, method, shown_path, resp.headers)
                    err.message = "%s (%s)" % ((err.message or "").rstrip("."), backoff.spent())
                    raise err
                err = parse_error(status, resp.text, method, shown_path, resp.headers)
                raise OutcomeUnknown(status, err.code, "%s; it may have been applied" % (err.message or "").rstrip("."),
                                     err.request_id, err.client_request_id, method, shown_path)
            if status == 404 and retry_404:
                replication = replication or self._replication_backoff()
                if replication.wait(what, "404, not replicated yet"):
                    continue
                err = parse_error(status, resp.text, method, shown_path, resp.headers)
                err.message = "%s (still not found after %.0f s)" % (
                    (err.message or "").rstrip("."), replication.waited)
                err.hint = REPLICATION_HINT
                raise err
            raise _with_permission_hint(parse_error(status, resp.text, method, shown_path, resp.headers), permission)

    @staticmethod
    def _connection_message(exc):
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return text[:300]

    @staticmethod
    def _json(resp):
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise GraphError(resp.status_code, "InvalidResponse", "Graph answered with something that is not JSON",
                             resp.headers.get("request-id"), None, resp.request.method if resp.request else None,
                             _path_of(resp.url))

    # ---- verbs -------------------------------------------------------------------------------
    def get(self, path, params=None, api="v1.0", headers=None, permission=None):
        return self._json(self.request("GET", path, params=params, api=api, headers=headers, permission=permission))

    def get_or_none(self, path, params=None, api="v1.0", headers=None, permission=None):
        """GET, with 404 meaning 'does not exist' (None) rather than an error."""
        try:
            return self.get(path, params=params, api=api, headers=headers, permission=permission)
        except GraphError as err:
            if err.status == 404:
                return None
            raise

    def get_after_create(self, path, params=None, api="v1.0", permission=None):
        """GET an object that this run (or an earlier task) created: a 404 is replication delay, retried
        for up to replication_wait seconds before it is an error naming replication."""
        return self._json(self.request("GET", path, params=params, api=api, permission=permission, retry_404=True))

    def await_replication(self, find, what, seconds=None):
        """Poll find() until it returns something other than None: an object this run or an earlier task
        created may not be readable yet. Returns that, or None after replication_wait seconds (or `seconds`,
        when fewer)."""
        backoff = self._replication_backoff(seconds)
        while True:
            found = find()
            if found is not None:
                return found
            if not backoff.wait(what, "not visible yet (replication)"):
                return None

    def post(self, path, body=None, api="v1.0", expected=(200, 201, 204), permission=None):
        return self._json(self.request("POST", path, body=body, api=api, expected=expected, permission=permission))

    def create(self, path, body, find, wait_for=None, api="v1.0", expected=(201,), permission=None):
        """POST that creates one object and never creates it twice.

        When the outcome of a POST is unknown (5xx, dropped connection), find() reads: an object found
        is returned; one not found is sent again. A 409 (already exists) after such an attempt means the
        earlier POST was applied but is not readable yet: wait_for() (default find) returns it.
        """
        backoff, unsure = self.backoff(), False
        while True:
            try:
                return self.post(path, body, api=api, expected=expected, permission=permission)
            except OutcomeUnknown as exc:
                unsure = True
                found = find()
                if found is not None:
                    return found
                if not backoff.wait("POST " + path, "outcome unknown (%s), not found" % (exc.status or exc.code)):
                    raise
            except GraphError as err:
                if unsure and err.status == 409:
                    return (wait_for or find)()
                raise

    def patch(self, path, body, api="v1.0", expected=(200, 204), permission=None, retry_404=False):
        return self._json(self.request("PATCH", path, body=body, api=api, expected=expected, permission=permission,
                                       retry_404=retry_404))

    def put(self, path, body, api="v1.0", expected=(200, 201, 204), permission=None):
        return self._json(self.request("PUT", path, body=body, api=api, expected=expected, permission=permission))

    def delete(self, path, api="v1.0", permission=None):
        self.request("DELETE", path, api=api, expected=(200, 204), permission=permission)
        return True

    def delete_if_exists(self, path, api="v1.0", permission=None):
        """DELETE; False when it was already gone (404)."""
        try:
            return self.delete(path, api=api, permission=permission)
        except GraphError as err:
            if err.status == 404:
                return False
            raise

    def paged(self, path, params=None, api="v1.0", headers=None, permission=None):
        """Yield every item of a collection, following @odata.nextLink (same host only)."""
        page = self.get(path, params=params, api=api, headers=headers, permission=permission)
        return self.pages_from(page, headers=headers, permission=permission)

    def pages_from(self, page, headers=None, permission=None):
        """Yield every item of a collection from its first page (read already, e.g. in a $batch) on."""
        while True:
            yield from (page or {}).get("value", [])
            link = (page or {}).get("@odata.nextLink")
            if not link:
                return
            page = self.get(link, headers=headers, permission=permission)

    def batch(self, requests_, api="v1.0"):
        """Run many requests through JSON $batch (20 per POST); return answers in request order.

        requests_: [{"method", "url" (relative, e.g. "/users/ID"), "body"?, "headers"?}]; ids are
        assigned here. An outer $batch is re-sent when all its items are safe. Items answered 429,
        and safe items answered 5xx, are re-sent (honouring Retry-After) within one retry budget.
        A POST item whose outcome is unknown (5xx, or an outer failure) comes back with
        "outcome_unknown": True for the caller to read and decide; other statuses are returned as is.
        """
        items = []
        for index, req in enumerate(requests_):
            method = req["method"].upper()
            self._guard(method, req["url"])
            item = {"id": str(index + 1), "method": method, "url": req["url"]}
            if req.get("body") is not None:
                item["body"] = req["body"]
                item["headers"] = dict(req.get("headers") or {}, **{"Content-Type": "application/json"})
            elif req.get("headers"):
                item["headers"] = dict(req["headers"])
            items.append(item)
        results = {}
        pending = list(items)
        backoff = self.backoff()
        while pending:
            again, retry_after = [], None
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start:start + BATCH_LIMIT]
                safe = all(i["method"] in SAFE_METHODS for i in chunk)
                try:
                    resp = self.request("POST", "$batch", body={"requests": chunk}, api=api, expected=(200,),
                                        safe=safe, _reads_only=all(i["method"] == "GET" for i in chunk))
                except OutcomeUnknown as exc:
                    # the items may or may not have run: re-send the safe ones, hand the POSTs back
                    for i in chunk:
                        results[i["id"]] = {"id": i["id"], "status": exc.status, "headers": {},
                                            "body": {"error": {"code": exc.code, "message": exc.message}}}
                        if i["method"] in SAFE_METHODS:
                            again.append(i)
                        else:
                            results[i["id"]]["outcome_unknown"] = True
                    continue
                answered = dict((a.get("id"), a) for a in (self._json(resp) or {}).get("responses", []))
                for i in chunk:
                    answer = answered.get(i["id"], {"id": i["id"], "status": 0, "body": None})
                    status = answer.get("status")
                    results[i["id"]] = answer
                    if status not in RETRY_STATUSES and status != 0:  # 0: the item got no answer at all
                        continue
                    if status == 429 or i["method"] in SAFE_METHODS:
                        again.append(i)
                        ra = _retry_after(answer.get("headers"))
                        if ra is not None and ra > (retry_after or 0):
                            retry_after = ra
                    else:
                        answer["outcome_unknown"] = True
            if not again:
                break
            reason = "%d $batch item(s) answered %s" % (len(again), "/".join(sorted(set(
                str(results[i["id"]].get("status")) for i in again))))
            if not backoff.wait("POST $batch", reason, retry_after):
                break  # leave the last answers in the results for the caller
            pending = again
        out = []
        for item in items:
            answer = results.get(item["id"], {"id": item["id"], "status": 0, "body": None})
            entry = {"id": item["id"], "status": answer.get("status"), "headers": answer.get("headers") or {},
                     "body": answer.get("body")}
            if answer.get("outcome_unknown"):
                entry["outcome_unknown"] = True
            out.append(entry)
        return out

    def batch_until_settled(self, requests_, unsettled, what, api="v1.0"):
        """batch(), then the items unsettled(request, answer) says are not done yet - a 404 from a replica that
        has not seen an object created moments ago, a write whose outcome is unknown - sent again after each
        replication wait, within replication_wait. Answers in request order (the last ones for items still
        unsettled at the end)."""
        answers = self.batch(requests_, api=api)
        asked = [0]

        def pending():
            return [k for k, answer in enumerate(answers) if unsettled(requests_[k], answer)]

        def resend():
            asked[0] += 1
            if asked[0] > 1:   # the first call comes before any wait, right after the answers
                again = pending()
                for k, answer in zip(again, self.batch([requests_[k] for k in again], api=api)):
                    answers[k] = answer
            return None if pending() else True

        if pending():
            self.await_replication(resend, what)
        return answers

    def batch_error(self, request, answer, permission=None):
        """A GraphError for one failed $batch item; a 403 names `permission` (items carry none of their own)."""
        body = answer.get("body") or {}
        return _with_permission_hint(parse_error(answer.get("status"), json.dumps(body), request["method"].upper(),
                                                 request["url"], answer.get("headers")), permission)
