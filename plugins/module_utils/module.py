# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: EntraModule, the module base that wires options -> clouds ->
credentials -> GraphClient and turns every failure into one clear fail_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import (
    CloudError, is_guid, load_catalogue)
from ansible_collections.entra.crosscloud.plugins.module_utils import auth, inputs
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, COLLECTION_VERSION, DEFAULT_REPLICATION_WAIT, DEFAULT_RETRY_BUDGET,
    Backoff, GraphClient, GraphError, ReadOnlyError, RetryStats)

# msal is imported by auth.py only when a sign-in is needed (a cached token skips its ~0.1 s import);
# here we only check that it is installed.
HAS_MSAL = importlib.util.find_spec("msal") is not None

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")


# the options whose values never reach output (their env fallbacks included)
SECRET_OPTIONS = ("client_secret", "client_certificate_password", "access_token")


def connection_argument_spec():
    """The shared options, documented once in doc_fragments/graph.py."""
    return dict(
        tenant_id=dict(type="str", no_log=False, fallback=(env_fallback, ["AZURE_TENANT_ID", "AZURE_TENANT"])),
        client_id=dict(type="str", no_log=False, fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_CLIENT_SECRET", "AZURE_SECRET"])),
        client_certificate_path=dict(type="path", no_log=False,
                                     fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PATH"])),
        client_certificate_password=dict(type="str", no_log=True,
                                         fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"])),
        client_certificate_thumbprint=dict(type="str", no_log=False),
        access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ENTRA_ACCESS_TOKEN"])),
        cloud=dict(type="str", default="global", fallback=(env_fallback, ["ENTRA_CLOUD", "AZURE_CLOUD_ENVIRONMENT"])),
        clouds_file=dict(type="path", fallback=(env_fallback, ["ENTRA_CLOUDS_FILE"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["ENTRA_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["ENTRA_CA_PATH"])),
        token_cache=dict(type="bool", default=True, no_log=False, fallback=(env_fallback, ["ENTRA_TOKEN_CACHE"])),
        token_cache_dir=dict(type="path", no_log=False, fallback=(env_fallback, ["ENTRA_TOKEN_CACHE_DIR"])),
        timeout=dict(type="int", default=30, fallback=(env_fallback, ["ENTRA_TIMEOUT"])),
        retry_budget=dict(type="int", default=int(DEFAULT_RETRY_BUDGET), fallback=(env_fallback, ["ENTRA_RETRY_BUDGET"])),
        replication_wait=dict(type="int", default=int(DEFAULT_REPLICATION_WAIT),
                              fallback=(env_fallback, ["ENTRA_REPLICATION_WAIT"])),
    )


class EntraModule(AnsibleModule):
    """AnsibleModule plus the connection: .catalogue, .cloud, .client, .fail_from(exc).

    connection_required=False lets a module work without credentials (e.g. anonymous discovery);
    .has_credentials tells whether any were given.
    """

    def __init__(self, argument_spec=None, connection_required=True, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec or {})
        kwargs.setdefault("supports_check_mode", True)
        mutually_exclusive = list(kwargs.pop("mutually_exclusive", []))
        mutually_exclusive.append(("client_secret", "client_certificate_path", "access_token"))
        super(EntraModule, self).__init__(argument_spec=spec, mutually_exclusive=mutually_exclusive, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self.connection_required = connection_required
        self._client = None
        self.token_source = None
        self.retry_stats = RetryStats()
        try:
            self.catalogue = load_catalogue(self.params["clouds_file"])
            self.cloud = self.catalogue.resolve(self.params["cloud"])
        except CloudError as exc:
            self.fail_json(msg="cloud %r: %s" % (self.params["cloud"], exc) if "unknown cloud" in str(exc)
                           else str(exc))
        self._check_connection()

    @property
    def has_credentials(self):
        p = self.params
        return bool(p["access_token"] or (p["client_id"] and (p["client_secret"] or p["client_certificate_path"])))

    def _check_connection(self):
        p = self.params
        for option in ("tenant_id", "client_id"):   # trimmed like every other ID option (module_utils/inputs.py)
            p[option] = inputs.clean(p[option]) or None
        tenant = p["tenant_id"]
        if tenant is not None and not (is_guid(tenant) or _DOMAIN_RE.match(tenant)):
            self.fail_json(msg="tenant_id %r is neither a tenant ID (GUID) nor a domain name; give the directory "
                               "(tenant) ID shown on the tenant's overview page" % tenant)
        if p["client_id"] is not None and not is_guid(p["client_id"]):
            self.fail_json(msg="client_id %r is not a GUID; give the application (client) ID of the app "
                               "registration" % p["client_id"])
        if p["timeout"] is not None and p["timeout"] <= 0:
            self.fail_json(msg="timeout %r must be a positive number of seconds" % p["timeout"])
        for option in ("retry_budget", "replication_wait"):
            if p[option] is not None and p[option] < 0:
                self.fail_json(msg="%s %r must be 0 or more seconds (0: no retries)" % (option, p[option]))
        if p["ca_path"] and not os.path.exists(p["ca_path"]):
            self.fail_json(msg="ca_path %r does not exist. Fix: give a PEM bundle (or a folder of CA certificates) "
                               "that signs this cloud's hosts, or leave ca_path out to use the system's" % p["ca_path"])
        if not p["validate_certs"]:
            self.warn("validate_certs is false: TLS certificates of the sign-in and Graph hosts are not checked, "
                      "so anyone on the network path can read the credentials and tokens. Use it only for a test "
                      "endpoint; give ca_path instead")
        if not self.connection_required and not self._any_credential_given():
            return
        missing = []
        if not tenant:
            missing.append("tenant_id (or AZURE_TENANT_ID)")
        if not p["access_token"]:
            if not p["client_id"]:
                missing.append("client_id (or AZURE_CLIENT_ID)")
            if not (p["client_secret"] or p["client_certificate_path"]):
                missing.append("client_secret or client_certificate_path (or AZURE_CLIENT_SECRET)")
        if missing:
            self.fail_json(msg="missing connection settings: %s; or give access_token" % ", ".join(missing))
        if p["access_token"]:
            problem = auth.access_token_problem(p["access_token"])
            if problem:
                self.fail_json(msg=problem)
        if p["client_certificate_path"] and not os.path.isfile(p["client_certificate_path"]):
            self.fail_json(msg="client_certificate_path %r is not a file; give the PEM file holding the private key "
                               "and certificate" % p["client_certificate_path"])
        if p["access_token"] is None and not HAS_MSAL:
            self.fail_json(msg=missing_required_lib("msal"))

    def _any_credential_given(self):
        p = self.params
        return any(p[k] for k in ("client_id", "client_secret", "client_certificate_path", "access_token"))

    @property
    def verify(self):
        """What requests' verify= gets: False, a CA bundle path, or True."""
        if not self.params["validate_certs"]:
            return False
        return self.params["ca_path"] or self.cloud.ca_path or True

    def verify_for(self, cloud):
        if not self.params["validate_certs"]:
            return False
        return self.params["ca_path"] or cloud.ca_path or True

    def auth_settings(self):
        p = self.params
        return auth.AuthSettings(
            authority_host=self.cloud.authority_host, tenant_id=p["tenant_id"], scope=self.cloud.token_scope,
            client_id=p["client_id"], client_secret=p["client_secret"],
            client_certificate_path=p["client_certificate_path"],
            client_certificate_password=p["client_certificate_password"],
            client_certificate_thumbprint=p["client_certificate_thumbprint"], access_token=p["access_token"],
            verify=self.verify, timeout=p["timeout"], token_cache=p["token_cache"],
            token_cache_dir=p["token_cache_dir"], backoff=self.backoff)

    def backoff(self):
        """A retry budget for one request (retry_budget seconds), counted in this run's `retries`."""
        return Backoff(max_seconds=self.params["retry_budget"], stats=self.retry_stats)

    def _token(self):
        token, self.token_source = auth.get_access_token(self.auth_settings())
        return token

    def _renewed_token(self):
        """Graph refused our token with 401: only a cached one is worth replacing (once)."""
        if self.token_source != "cache":
            return None
        token, self.token_source = auth.get_access_token(self.auth_settings(), refresh=True)
        return token

    @property
    def client(self):
        """The GraphClient for this tenant's cloud; read-only in check mode (no write can be sent)."""
        if self._client is None:
            if not self.has_credentials:
                self.fail_json(msg="this operation needs credentials: give tenant_id, client_id and client_secret "
                                   "(or client_certificate_path, or access_token)")
            self._client = GraphClient(
                self.cloud.graph_url, self._token, verify=self.verify, timeout=self.params["timeout"],
                user_agent="entra.crosscloud/%s ansible-module/%s" % (COLLECTION_VERSION, self._name),
                read_only=self.check_mode, max_retry_seconds=self.params["retry_budget"],
                replication_wait=self.params["replication_wait"], token_refresher=self._renewed_token,
                stats=self.retry_stats)
        return self._client

    def _with_retries(self, result):
        """Every result says how many retries the run needed; -vvv lists each one."""
        stats = getattr(self, "retry_stats", None)
        if stats is not None:
            result.setdefault("retries", stats.count)
            if stats.events and getattr(self, "_verbosity", 0) >= 3:
                result.setdefault("retry_log", list(stats.events))
        return result

    def _mask_secrets(self):
        """Our secrets join no_log_values before any output, whatever happened before: ansible-core stops
        collecting no_log values at the first argument-spec error (a string given for a dict option, say),
        and would then print client_secret under invocation.module_args."""
        spec = connection_argument_spec()
        for option in SECRET_OPTIONS:
            value = (getattr(self, "params", None) or {}).get(option)
            candidates = [value] + [os.environ.get(name) for name in spec[option]["fallback"][1]]
            self.no_log_values.update(v for v in candidates if isinstance(v, str) and v)

    def exit_json(self, **kwargs):
        self._mask_secrets()
        super(EntraModule, self).exit_json(**self._with_retries(kwargs))

    def fail_json(self, msg, **kwargs):
        self._mask_secrets()
        super(EntraModule, self).fail_json(msg=self._named_validation_error(msg), **self._with_retries(kwargs))

    def _named_validation_error(self, msg):
        """ansible-core reports the first argument-spec error, and when that is the failed no_log collection
        ("dictionary requested, could not parse JSON or key=value") it names no option: report the errors
        that do name one."""
        result = getattr(self, "validation_result", None)
        errors = list(getattr(result, "errors", None) or [])
        if not errors or msg != result.errors.msg:
            return msg
        named = [str(e) for e in errors if type(e).__name__ != "NoLogError"]
        return "; ".join(dict.fromkeys(named)) if named else msg

    def token_claims(self):
        """Claims of the access token the module works with (signing in if needed), never the token itself."""
        return auth.token_claims(self.client.token())

    def require_permissions(self, needs, any_of=None, **result):
        """Fail before a write when the token's application permissions (`roles`) cannot make it (in check
        mode, warn instead: the plan is still worth having).

        needs: [(area, (permission, ...)), ...], each area satisfied by any one of its permissions (the first
        is the one to grant), or one area with any_of. Checks every area at once so a task that writes
        several never stops halfway for want of a permission. A token without a `roles` list (delegated)
        tells nothing and Graph decides. No request beyond the sign-in; `result` goes with the failure.
        """
        if any_of is not None:
            needs = [(needs, any_of)]
        if not needs:
            return
        # only modules that write check permissions: the others do not compile this module_util
        from ansible_collections.entra.crosscloud.plugins.module_utils import permissions
        claims = self.token_claims()
        roles = permissions.roles_of(claims)
        if roles is None:
            return
        gaps = permissions.missing(needs, roles)
        if gaps:
            client_id = self.params.get("client_id") or claims.get("appid") or claims.get("azp")
            if self.check_mode:
                # --check is the drift report, often run with a read-only app: report what a real run would
                # refuse, and go on planning
                self.warn("%s (check mode: a real run fails here, before any write)"
                          % permissions.message(gaps, roles, client_id))
                return
            result.setdefault("changed", False)
            self.fail_json(msg=permissions.message(gaps, roles, client_id),
                           missing_permissions=[{"area": area, "any_of": list(perms)} for area, perms in gaps],
                           **result)

    def fail_from(self, exc, **result):
        """One fail_json for every error we know; never includes secrets or tokens. The traceback goes to
        `exception` (shown at -vvv)."""
        result.setdefault("exception", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        if isinstance(exc, GraphError):
            self.fail_json(msg=str(exc), error=exc.to_dict(), **result)
        if isinstance(exc, auth.AuthError):
            self.fail_json(msg=str(exc), error={"aadsts": exc.code}, **result)
        if isinstance(exc, CloudError):
            self.fail_json(msg=str(exc), **result)
        if isinstance(exc, ReadOnlyError):
            self.fail_json(msg="internal error: %s (please report this bug)" % exc, **result)
        raise exc
