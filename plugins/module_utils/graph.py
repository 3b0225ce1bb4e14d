# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: GraphClient, the one place that makes Microsoft Graph calls.

Retries are a small loop of our own rather than urllib3's Retry because the rules differ per
method (a POST is retried only on 429: after a 503 or a dropped connection it may have
happened, so the caller re-reads instead of posting twice), the whole wait is bounded in
seconds, 404 right after a create is retried only when asked, and items inside $batch are
throttled one by one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
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
RETRY_STATUSES = (429, 503, 504)
IDEMPOTENT = ("GET", "PUT", "PATCH", "DELETE")


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


def fetch_json(url, verify=True, timeout=30, session=None):
    """Anonymous GET of a JSON document (OpenID discovery). Returns (status, dict-or-None)."""
    http = session or requests.Session()
    resp = http.request("GET", url, verify=verify, timeout=timeout, headers={"Accept": "application/json"})
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, None


class GraphClient:
    """Microsoft Graph over requests for one cloud and one credential.

    base_url: the cloud's Graph root (https://graph.microsoft.us); token_provider: a callable
    returning an access token (called lazily, once); verify: True, False or a CA bundle path,
    passed on every request because REQUESTS_CA_BUNDLE overrides Session.verify; read_only:
    refuse every write before sending (check mode).
    """

    def __init__(self, base_url, token_provider, verify=True, timeout=30, user_agent=None, read_only=False,
                 max_retries=5, max_retry_seconds=60.0, sleep=time.sleep, session=None, on_request=None):
        self.base_url = base_url.rstrip("/")
        self._token_provider = token_provider
        self._token = None
        self.verify = verify
        self.timeout = timeout
        self.user_agent = user_agent or "entra.crosscloud/%s" % COLLECTION_VERSION
        self.read_only = read_only
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.sleep = sleep
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

    def _backoff(self, attempt, retry_after):
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(8.0, 0.5 * (2 ** attempt)))  # full jitter

    def request(self, method, path, body=None, params=None, api="v1.0", headers=None, expected=None,
                permission=None, retry_404=False, _reads_only=False):
        """Send one request with retries; return the response (status in `expected`) or raise GraphError."""
        method = method.upper()
        if not _reads_only:  # a $batch of GETs is a POST that only reads: its items were guarded one by one
            self._guard(method, path)
        url = self._url(path, api)
        shown_path = _path_of(url)
        data = json.dumps(body) if body is not None else None
        attempt, waited = 0, 0.0
        while True:
            hdrs = self._headers(headers, body=data is not None)
            self.requests_made += 1
            try:
                resp = self.session.request(method, url, data=data, params=params, headers=hdrs,
                                            verify=self.verify, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                retryable = method in IDEMPOTENT or isinstance(exc, requests.exceptions.ConnectTimeout)
                delay = self._backoff(attempt, None)
                if not retryable or attempt >= self.max_retries or waited + delay > self.max_retry_seconds:
                    raise GraphError(0, type(exc).__name__, self._connection_message(exc), None,
                                     hdrs["client-request-id"], method, shown_path,
                                     "check the network path to %s" % self.base_url
                                     if "SSL" not in str(exc) else "give ca_path for this cloud's Graph host")
                attempt, waited = attempt + 1, waited + delay
                self.sleep(delay)
                continue
            if self.on_request:
                self.on_request(method, shown_path, resp.status_code)
            status = resp.status_code
            if status < 400:
                if expected is None or status in expected:
                    return resp
                raise GraphError(status, "UnexpectedStatus", "Graph answered %d where %s was expected"
                                 % (status, "/".join(str(s) for s in expected)), resp.headers.get("request-id"),
                                 hdrs["client-request-id"], method, shown_path)
            retry_status = status in RETRY_STATUSES and (method in IDEMPOTENT or status == 429)
            if status == 404 and retry_404:
                retry_status = True
            if retry_status:
                delay = self._backoff(attempt, _retry_after(resp.headers) if status != 404 else None)
                if attempt < self.max_retries and waited + delay <= self.max_retry_seconds:
                    attempt, waited = attempt + 1, waited + delay
                    self.sleep(delay)
                    continue
                err = parse_error(status, resp.text, method, shown_path, resp.headers)
                err.message = "%s (gave up after %d attempts, %.1f s of waiting)" % (
                    (err.message or "").rstrip("."), attempt + 1, waited)
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
        """GET an object just created: a 404 may be replication delay, so retry it (bounded)."""
        return self._json(self.request("GET", path, params=params, api=api, permission=permission, retry_404=True))

    def post(self, path, body=None, api="v1.0", expected=(200, 201, 204), permission=None):
        return self._json(self.request("POST", path, body=body, api=api, expected=expected, permission=permission))

    def patch(self, path, body, api="v1.0", expected=(200, 204), permission=None):
        return self._json(self.request("PATCH", path, body=body, api=api, expected=expected, permission=permission))

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
        while True:
            yield from (page or {}).get("value", [])
            link = (page or {}).get("@odata.nextLink")
            if not link:
                return
            page = self.get(link, headers=headers, permission=permission)

    def batch(self, requests_, api="v1.0"):
        """Run many requests through JSON $batch (20 per POST); return responses in request order.

        requests_: [{"method", "url" (relative, e.g. "/users/ID"), "body"?, "headers"?}]; ids are
        assigned here. Items answered 429 are re-sent (honouring their Retry-After) within the
        retry budget; other statuses are returned for the caller to judge.
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
        attempt, waited = 0, 0.0
        while pending:
            throttled, delay = [], 0.0
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start:start + BATCH_LIMIT]
                resp = self.request("POST", "$batch", body={"requests": chunk}, api=api, expected=(200,),
                                    _reads_only=all(i["method"] == "GET" for i in chunk))
                for answer in (self._json(resp) or {}).get("responses", []):
                    if answer.get("status") == 429:
                        throttled.append(answer["id"])
                        delay = max(delay, _retry_after(answer.get("headers")) or 0.0)
                    results[answer["id"]] = answer
            if not throttled:
                break
            delay = delay or self._backoff(attempt, None)
            if attempt >= self.max_retries or waited + delay > self.max_retry_seconds:
                break  # leave the 429 answers in the results for the caller
            attempt, waited = attempt + 1, waited + delay
            self.sleep(delay)
            pending = [i for i in items if i["id"] in throttled]
        out = []
        for item in items:
            answer = results.get(item["id"], {"id": item["id"], "status": 0, "body": None})
            out.append({"id": item["id"], "status": answer.get("status"), "headers": answer.get("headers") or {},
                        "body": answer.get("body")})
        return out

    def batch_error(self, request, answer, permission=None):
        """A GraphError for one failed $batch item; a 403 names `permission` (items carry none of their own)."""
        body = answer.get("body") or {}
        return _with_permission_hint(parse_error(answer.get("status"), json.dumps(body), request["method"].upper(),
                                                 request["url"], answer.get("headers")), permission)
