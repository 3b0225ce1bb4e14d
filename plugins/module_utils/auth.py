# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: credentials -> an access token for one cloud's Graph.

One strategy per credential kind (supplied token, client secret, certificate) behind
get_access_token(). Tokens are cached on disk per credential so a playbook asks the token
endpoint once per tenant, not once per task; the cache holds only ~1 h app-only access tokens,
0600 files in a 0700 directory, and can be turned off.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
import time

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import is_microsoft_login_host
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import Backoff, send_with_retries

DEFAULT_CACHE_DIR = "~/.cache/entra.crosscloud/tokens"
REFRESH_MARGIN = 300  # seconds: a token this close to expiry is not reused
DISCOVERY_TTL = 24 * 3600  # seconds a tenant's OpenID configuration is reused by sign-ins
DISCOVERY_SUFFIX = "/v2.0/.well-known/openid-configuration"

# AADSTS code -> what to do about it (the service's own text comes first in the message).
AADSTS_HINTS = {
    7000215: "check client_secret: it must be the secret's value, not its ID, and not expired",
    7000222: "the client secret has expired: create a new one for the app registration",
    700016: "the app (client_id) is not registered or consented in this tenant; app registrations are per "
            "cloud, so also check `cloud`",
    90002: "the tenant was not found on this cloud's sign-in host: check tenant_id and `cloud`",
    900023: "tenant_id is not a valid tenant ID or domain",
    500011: "the Graph resource does not exist in the tenant's cloud: check `cloud` (tokens are per cloud)",
    700027: "the certificate is not registered on the app, or the private key does not match it",
    7000218: "no credential was sent: give client_secret or client_certificate_path",
    70011: "the token scope is not valid for this cloud",
    50034: "the account does not exist in this tenant",
}


class AuthError(Exception):
    """Getting a token failed; str() is one line safe to show (no secrets)."""

    def __init__(self, message, code=None):
        super(AuthError, self).__init__(message)
        self.code = code


class AuthSettings:
    """What get_access_token needs; built by the module base from the connection options."""

    def __init__(self, authority_host, tenant_id, scope, client_id=None, client_secret=None,
                 client_certificate_path=None, client_certificate_password=None,
                 client_certificate_thumbprint=None, access_token=None, verify=True, timeout=30,
                 token_cache=True, token_cache_dir=None, backoff=None):
        self.authority_host = authority_host.rstrip("/")
        self.tenant_id = tenant_id
        self.scope = scope
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_certificate_path = client_certificate_path
        self.client_certificate_password = client_certificate_password
        self.client_certificate_thumbprint = client_certificate_thumbprint
        self.access_token = access_token
        self.verify = verify
        self.timeout = timeout
        self.token_cache = token_cache
        self.token_cache_dir = token_cache_dir or DEFAULT_CACHE_DIR
        # a callable returning a fresh graph.Backoff: discovery and token requests retry like Graph calls
        self.backoff = backoff or Backoff

    @property
    def authority(self):
        return "%s/%s" % (self.authority_host, self.tenant_id)


def get_access_token(settings, now=None, msal_app_factory=None, refresh=False):
    """Return (access_token, source); source is 'supplied', 'cache' or 'identity_provider'.

    refresh=True: Graph refused the cached token (revoked, or signed with a rolled key): forget it
    and sign in again.
    """
    if settings.access_token:
        return settings.access_token, "supplied"
    if not settings.client_id:
        raise AuthError("no credentials: give client_id with client_secret or client_certificate_path, "
                        "or access_token")
    credential = _credential(settings)
    now = time.time() if now is None else now
    path = cache_path(settings, credential) if settings.token_cache else None
    cached = _read_cache(path) if path else None
    if path and refresh:
        _forget(path)
    elif cached and cached["expires_on"] > now + REFRESH_MARGIN:
        return cached["access_token"], "cache"
    # the tenant's OpenID configuration rides along in the token file: a sign-in after expiry skips discovery
    discovery = Discovery(settings, cached.get("discovery") if cached else None, now) if path else None
    try:
        result = _acquire(settings, credential, msal_app_factory, discovery)
    except AuthError:
        if discovery is not None and discovery.served:
            _forget(path)  # the cached configuration may be what failed: the next sign-in reads it afresh
        raise
    token = result["access_token"]
    if path:
        data = {"access_token": token, "expires_on": now + int(result.get("expires_in", 3599))}
        if discovery is not None and discovery.entry:
            data["discovery"] = discovery.entry
        _write_cache(path, data)
    return token, "identity_provider"


_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _json_part(part):
    """A JWT part decoded to a JSON object, or None."""
    try:
        value = json.loads(base64.urlsafe_b64decode((part + "=" * (-len(part) % 4)).encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def access_token_problem(token):
    """Why a supplied access_token cannot be a Microsoft Graph token, or None (the signature is Graph's to check).

    Microsoft Entra issues Graph access tokens as JWTs (header.claims.signature, base64url), so anything else
    is refused before any request rather than sent to Graph for a bare 401; opaque tokens are not accepted.
    The token itself never goes into the text.
    """
    token = str(token or "")
    shape = "%d characters" % len(token)
    if token[:7].lower() == "bearer ":
        return "access_token starts with 'Bearer ' (%s). Fix: give the token alone, without the 'Bearer ' prefix" % shape
    if re.search(r"\s", token):
        return ("access_token contains whitespace or a line break (%s). Fix: give the token as one line, without "
                "spaces" % shape)
    parts = token.split(".")
    fix = ("Fix: give a Graph access token for this cloud, as issued by the token endpoint (a JWT: three "
           "base64url parts separated by dots; opaque tokens are not accepted), or use client_id with "
           "client_secret instead")
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts):
        return "access_token is not a JWT (%s, %d dot-separated part(s), not three base64url parts). %s" % (
            shape, len(parts), fix)
    for name, part in (("header", parts[0]), ("claims", parts[1])):
        if _json_part(part) is None:
            return "access_token is not a JWT: its %s part is not base64url-encoded JSON (%s). %s" % (name, shape, fix)
    return None


def token_claims(token):
    """The claims of a JWT access token, read without checking its signature (Graph checks it).

    Used to tell which application permissions (`roles`) a credential carries before a run writes
    anything. Returns {} for a token that is not a JWT (some supplied tokens are opaque).
    """
    parts = str(token or "").split(".")
    if len(parts) != 3:
        return {}
    return _json_part(parts[1]) or {}


def cache_key(settings, credential, key=None):
    """The cache file's name: an HMAC of everything that makes a token (MSAL's own key ignores the secret
    and the port), keyed with a random per-user key kept 0600 beside the cache, so that a listing of the
    folder cannot be used to confirm a guessed secret."""
    if isinstance(credential, dict):
        secret_part = "cert:" + credential.get("thumbprint", "") + ":" + hashlib.sha256(
            credential["private_key"].encode()).hexdigest()
    else:
        secret_part = "secret:" + credential
    material = "\n".join([settings.authority_host.lower(), str(settings.tenant_id).lower(),
                          str(settings.client_id).lower(), settings.scope, secret_part])
    if key is None:
        key = _cache_secret(os.path.expanduser(settings.token_cache_dir))
    return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()


def cache_path(settings, credential):
    """The token file for this credential, or None when the cache folder cannot hold its key."""
    directory = os.path.expanduser(settings.token_cache_dir)
    key = _cache_secret(directory)
    if key is None:
        return None
    return os.path.join(directory, cache_key(settings, credential, key) + ".json")


KEY_FILE = ".key"


def _cache_secret(directory):
    """The random key that names cache files: created once (0600 in a 0700 folder), then reused."""
    path = os.path.join(directory, KEY_FILE)
    try:
        with open(path, "rb") as f:
            key = f.read()
        if len(key) >= 32:
            return key
    except (IOError, OSError):
        pass
    try:
        fd, tmp = _private_file(directory, ".key-")
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        try:
            os.link(tmp, path)  # first writer wins: parallel forks agree on one key
        except (IOError, OSError):
            pass
        os.unlink(tmp)
        with open(path, "rb") as f:
            key = f.read()
        return key if len(key) >= 32 else None
    except (IOError, OSError):
        return None  # no cache rather than a cache named by a guessable hash


def _forget(path):
    try:
        os.unlink(path)
    except (IOError, OSError):
        pass


def _read_cache(path):
    try:
        with open(path) as f:
            data = json.load(f)
        if isinstance(data.get("access_token"), str) and isinstance(data.get("expires_on"), (int, float)):
            return data
    except (IOError, OSError, ValueError, AttributeError):
        pass  # missing or corrupt: fetch a new token and rewrite the file
    return None


def _private_file(directory, prefix):
    """A new 0600 temporary file in `directory`, which is made (or kept) 0700: (fd, path)."""
    if not os.path.isdir(directory):
        try:
            os.makedirs(directory, 0o700)
        except OSError:
            # parallel forks on a fresh cache folder: another one made it a moment ago, which is fine; without
            # this, that fork ran without a cache and signed in again on its next task (a 5th sign-in for 4 tenants)
            if not os.path.isdir(directory):
                raise
    os.chmod(directory, 0o700)
    return tempfile.mkstemp(dir=directory, prefix=prefix)  # mkstemp creates 0600


def _write_cache(path, data):
    directory = os.path.dirname(path)
    try:
        fd, tmp = _private_file(directory, ".token-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)  # atomic: parallel forks never see a torn file
    except (IOError, OSError):
        pass  # a cache we cannot write only costs a token request next time


class Discovery:
    """The tenant discovery (OpenID configuration) a sign-in makes, answered from the token cache file.

    MSAL reads {authority}/v2.0/.well-known/openid-configuration before every token request; its answer
    for a tenant hardly ever changes, so it is kept for DISCOVERY_TTL seconds in the credential's token
    file (named by the HMAC of the sign-in host, tenant, client, scope and credential), with the URL it
    came from. An entry is used only for that exact URL of these settings' own authority host, and only
    while TLS is verified: nothing read over unchecked TLS is kept, as it says where the credential goes.
    """

    def __init__(self, settings, entry=None, now=None):
        self.authority_host = settings.authority_host.lower()
        self.url = (settings.authority + DISCOVERY_SUFFIX).lower()
        self.enabled = bool(settings.verify)
        self.now = time.time() if now is None else now
        self.entry = entry if self.enabled and self._valid(entry) else None
        self.served = False

    def _valid(self, entry):
        try:
            doc = entry["document"]
            return (entry.get("url") == self.url and isinstance(entry.get("expires_on"), (int, float))
                    and entry["expires_on"] > self.now and isinstance(doc, dict)
                    and isinstance(doc.get("token_endpoint"), str) and self._same_host(doc["token_endpoint"]))
        except (TypeError, KeyError, AttributeError):
            return False

    def _same_host(self, url):
        return url.lower().startswith(self.authority_host + "/")

    def mine(self, method, url):
        """True when this request is the tenant discovery of these settings' authority."""
        return self.enabled and str(method).upper() == "GET" and str(url).lower() == self.url

    def cached_response(self, url):
        """A requests.Response with the cached configuration, as MSAL reads it, or None."""
        if not self.entry:
            return None
        import requests
        resp = requests.Response()
        resp.status_code = 200
        resp._content = json.dumps(self.entry["document"]).encode("utf-8")
        resp.encoding = "utf-8"
        resp.url = url
        resp.headers["Content-Type"] = "application/json; charset=utf-8"
        self.served = True
        return resp

    def store(self, resp):
        """Keep a 200 answer that is a configuration of this sign-in host (token endpoint on the same host)."""
        if resp.status_code != 200:
            return
        try:
            doc = json.loads(resp.text)
        except (ValueError, TypeError):
            return
        entry = {"url": self.url, "expires_on": self.now + DISCOVERY_TTL, "document": doc}
        if self._valid(entry):
            self.entry = entry


def _credential(settings):
    if settings.client_certificate_path:
        return _certificate_credential(settings)
    if settings.client_secret:
        return settings.client_secret
    raise AuthError("no credential for client_id %s: give client_secret or client_certificate_path"
                    % settings.client_id)


def _certificate_credential(settings):
    """MSAL credential from one PEM file holding the private key and the certificate."""
    try:
        with open(settings.client_certificate_path) as f:
            pem = f.read()
    except (IOError, OSError) as exc:
        raise AuthError("cannot read client_certificate_path %s: %s" % (settings.client_certificate_path, exc))
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    keys = re.findall(r"-----BEGIN (?:RSA |ENCRYPTED |EC )?PRIVATE KEY-----.+?-----END (?:RSA |ENCRYPTED |EC )?"
                      r"PRIVATE KEY-----", pem, re.S)
    if not keys:
        raise AuthError("client_certificate_path %s holds no PEM private key; it must contain the private key "
                        "and the certificate" % settings.client_certificate_path)
    _check_private_key(settings, keys[0])
    credential = {"private_key": keys[0]}
    if settings.client_certificate_password:
        credential["passphrase"] = settings.client_certificate_password
    if settings.client_certificate_thumbprint:
        credential["thumbprint"] = settings.client_certificate_thumbprint.replace(":", "").lower()
    elif certs:
        # MSAL derives the SHA-256 thumbprint (x5t#S256) and sends the chain from the certificate.
        credential["public_certificate"] = certs[0]
        credential["thumbprint"] = _sha1_thumbprint(certs[0])
    else:
        raise AuthError("client_certificate_path %s holds no certificate; add it to the PEM file or give "
                        "client_certificate_thumbprint" % settings.client_certificate_path)
    return credential


def _check_private_key(settings, key_pem):
    """Open the key once ourselves: MSAL reports a missing or wrong password as a bare TypeError or ValueError."""
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # msal depends on cryptography; without it MSAL reports the problem itself
        return
    password = settings.client_certificate_password
    try:
        load_pem_private_key(key_pem.encode("ascii"), password.encode("utf-8") if password else None)
    except TypeError:
        if password:
            raise AuthError("client_certificate_password is set, but the private key in client_certificate_path %s "
                            "is not encrypted. Fix: remove client_certificate_password"
                            % settings.client_certificate_path)
        raise AuthError("the private key in client_certificate_path %s is encrypted. Fix: give its password as "
                        "client_certificate_password (or AZURE_CLIENT_CERTIFICATE_PASSWORD)"
                        % settings.client_certificate_path)
    except ValueError:
        if password:
            raise AuthError("client_certificate_password does not open the private key in client_certificate_path "
                            "%s. Fix: give the password the key was encrypted with"
                            % settings.client_certificate_path)
        raise AuthError("client_certificate_path %s: the private key cannot be read. Fix: give a PEM file holding "
                        "an RSA or EC private key and its certificate" % settings.client_certificate_path)


def _sha1_thumbprint(cert_pem):
    body = "".join(cert_pem.strip().splitlines()[1:-1])
    return hashlib.sha1(base64.b64decode(body)).hexdigest()  # nosec: the x5t thumbprint is SHA-1 by definition


def _http_client(settings, discovery=None):
    import requests

    class _VerifyingSession(requests.Session):
        """Passes verify/timeout on every request (REQUESTS_CA_BUNDLE would override Session.verify),
        retries transient failures of discovery and of the token endpoint (a client-credentials token
        request can be sent twice: it creates nothing), and answers the tenant discovery of its own
        authority from the token cache (Discovery) while the cached answer is fresh."""

        def request(self, method, url, **kwargs):
            kwargs.setdefault("verify", settings.verify)
            kwargs.setdefault("timeout", settings.timeout)
            mine = discovery is not None and discovery.mine(method, url)
            cached = discovery.cached_response(url) if mine else None
            if cached is not None:
                return cached
            parent = super(_VerifyingSession, self)
            resp = send_with_retries(parent, method, url, settings.backoff(), **kwargs)
            if mine:
                discovery.store(resp)
            return resp

    return _VerifyingSession()


def _msal_app(settings, credential, discovery=None):
    import msal
    kwargs = {}
    if not is_microsoft_login_host(settings.authority_host):
        kwargs["instance_discovery"] = False  # else MSAL calls login.microsoftonline.com first
    return msal.ConfidentialClientApplication(
        settings.client_id, client_credential=credential, authority=settings.authority,
        http_client=_http_client(settings, discovery), **kwargs)


def _acquire(settings, credential, msal_app_factory=None, discovery=None):
    try:
        app = msal_app_factory(settings, credential) if msal_app_factory else _msal_app(settings, credential,
                                                                                        discovery)
        result = app.acquire_token_for_client(scopes=[settings.scope])
    except ValueError as exc:
        # MSAL raises ValueError when discovery fails; the service's JSON error is in the text of
        # the exception or of the one it was raised from.
        texts, cur = [], exc
        while cur is not None and len(texts) < 5:
            texts.append(str(cur))
            cur = cur.__cause__ or cur.__context__
        raise _error_from_text(settings, "\n".join(reversed(texts)))
    except (IOError, OSError) as exc:  # requests' connection and TLS errors derive from IOError
        raise _connection_error(settings, exc)
    if not isinstance(result, dict) or "access_token" not in result:
        raise _error_from_result(settings, result or {})
    return result


def _hint(code):
    hint = AADSTS_HINTS.get(code)
    return (" Fix: %s." % hint) if hint else ""


def _error_from_result(settings, result):
    codes = result.get("error_codes") or []
    code = codes[0] if codes else None
    desc = (result.get("error_description") or result.get("error") or "unknown error").splitlines()[0]
    desc = re.sub(r"\s*Trace ID:.*$", "", desc)
    message = "sign-in to %s as client %s failed: %s.%s" % (
        settings.authority, settings.client_id, desc.rstrip("."), _hint(code))
    return AuthError(message, code)


def _error_from_text(settings, text):
    m = re.search(r"\{.*\}", text, re.S)
    if m:
        try:
            return _error_from_result(settings, json.loads(m.group(0)))
        except ValueError:
            pass
    m = re.search(r"AADSTS(\d+)", text)
    code = int(m.group(1)) if m else None
    first = text.splitlines()[0] if text else "unknown error"
    return AuthError("sign-in to %s failed: %s.%s" % (settings.authority, first.rstrip("."), _hint(code)), code)


def _connection_error(settings, exc):
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in type(exc).__name__ or "SSL" in text:
        return AuthError("TLS error talking to %s: %s. Fix: give ca_path (a CA bundle that signs this host) or, "
                         "for a test endpoint only, validate_certs: false" % (settings.authority_host,
                                                                              text.splitlines()[0][:200]))
    return AuthError("cannot reach the sign-in endpoint %s: %s: %s" % (
        settings.authority_host, type(exc).__name__, text.splitlines()[0][:200] if text else ""))
