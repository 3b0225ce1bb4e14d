"""The Entra sign-in side: OpenID discovery and the client-credentials token endpoint."""

import base64
import datetime
import time
import uuid
from urllib.parse import parse_qs, unquote

from emulator import clouds
from emulator.tokens import TokenInvalid, verify_client_assertion, b64url

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = 3599


class LoginError(Exception):
    def __init__(self, status, error, code, description):
        super().__init__(description)
        self.status, self.error, self.code, self.description = status, error, code, description

    def body(self, host):
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return {"error": self.error,
                "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s"
                                     % (self.code, self.description, trace, corr, now),
                "error_codes": [self.code], "timestamp": now, "trace_id": trace, "correlation_id": corr,
                "error_uri": "https://%s/error?code=%d" % (host, self.code)}


def tenant_not_found(tenant):
    return LoginError(400, "invalid_tenant", 90002,
                      "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing "
                      "into the correct cloud. Check with your subscription administrator, this may happen if there "
                      "are no active subscriptions for the tenant." % tenant)


def tenant_of_path(emulator, path):
    """The id of the tenant a sign-in path names (/{tenant id or domain}/...), or None (for fault rules)."""
    first = unquote(path.strip("/").split("/")[0]) if path.strip("/") else ""
    tenant = emulator.state.find(first) if first else None
    return tenant.id if tenant is not None else None


def fault_body(host, status):
    """What Entra answers when it cannot serve a sign-in request (an injected fault)."""
    return LoginError(status, "temporarily_unavailable", 90033,
                      "A transient error has occurred. Please try again. Injected fault (emulator).").body(host)


def handle(emulator, host, method, raw_path, headers, body, log_entry):
    """Returns (status, headers, json-body)."""
    path = raw_path.split("?", 1)[0]
    parts = [unquote(p) for p in path.strip("/").split("/")]
    try:
        if method == "GET" and len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return 200, {}, discovery(emulator, host, parts[0], log_entry)
        if method == "GET" and len(parts) == 4 and parts[1:] == ["discovery", "v2.0", "keys"]:
            return 200, {}, emulator.jwks()
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            if method != "POST":
                raise LoginError(405, "invalid_request", 900561,
                                 "The endpoint only accepts POST requests. Received a %s request." % method)
            issued = token(emulator, host, parts[0], headers, body, log_entry)
            return 200, {"Cache-Control": "no-store, no-cache"}, issued
        raise LoginError(404, "not_found", 900023, "Specified path '%s' was not found on this host." % path)
    except LoginError as err:
        return err.status, {}, err.body(host)


def _tenant_for(emulator, host, tenant_ref):
    tenant = emulator.state.find(tenant_ref)
    # The global login host answers discovery for every cloud's tenants; the others only for their own.
    if tenant is None:
        raise tenant_not_found(tenant_ref)
    return tenant


def discovery(emulator, host, tenant_ref, log_entry):
    tenant = _tenant_for(emulator, host, tenant_ref)
    log_entry["tenant"] = tenant.id
    home_login = clouds.CLOUDS[tenant.cloud]["login"]
    if host != clouds.GLOBAL_LOGIN and host != home_login:
        raise tenant_not_found(tenant_ref)
    base = "%s/%s" % (emulator.login_urls[home_login], tenant.id)
    doc = {
        "token_endpoint": base + "/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": base + "/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": base + "/v2.0",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": base + "/oauth2/v2.0/authorize",
        "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
        "end_session_endpoint": base + "/oauth2/v2.0/logout",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "tenant_region_scope": tenant.region_scope,
        "cloud_instance_name": tenant.endpoint,
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": clouds.CLOUDS[tenant.cloud]["graph"],
        "rbac_url": "https://pas.windows.net",
    }
    if tenant.region_sub_scope:
        doc["tenant_region_sub_scope"] = tenant.region_sub_scope
    return doc


def _resource_of_scope(emulator, scope):
    scopes = (scope or "").split()
    defaults = [s for s in scopes if s.endswith("/.default")]
    if not defaults:
        raise LoginError(400, "invalid_scope", 70011,
                         "The provided request must include a 'scope' input parameter. The provided value for the "
                         "input parameter 'scope' is not valid. The scope %s is not valid. The client credentials "
                         "flow requires a scope of the form <resource>/.default." % (scope or "''"))
    if len(defaults) != 1 or len(scopes) != 1:
        raise LoginError(400, "invalid_scope", 70011,
                         "The provided value for the input parameter 'scope' is not valid. The scope %s is not "
                         "valid. Only one resource /.default scope may be requested." % scope)
    resource = defaults[0][: -len("/.default")].rstrip("/")
    for real_host, url in emulator.graph_urls.items():
        if resource in ("https://" + real_host, url):
            return real_host, resource
    return None, resource


def _form(headers, body):
    ctype = headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in ctype:
        raise LoginError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'grant_type'.")
    return {k: v[0] for k, v in parse_qs((body or b"").decode(), keep_blank_values=True).items()}


def token(emulator, host, tenant_ref, headers, body, log_entry):
    tenant = emulator.state.find(tenant_ref)
    if tenant is None or clouds.CLOUDS[tenant.cloud]["login"] != host:
        raise tenant_not_found(tenant_ref)
    log_entry["tenant"] = tenant.id
    form = _form(headers, body)
    if form.get("grant_type") != "client_credentials":
        raise LoginError(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type '%s'." % form.get("grant_type", ""))
    client_id = form.get("client_id", "").lower()
    basic = headers.get("authorization", "")
    secret = form.get("client_secret")
    if basic.lower().startswith("basic "):
        try:
            cid, _sep, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id = client_id or unquote(cid).lower()
            secret = unquote(secret)
        except ValueError:
            raise LoginError(401, "invalid_client", 7000216,
                             "The client credentials in the Authorization header could not be decoded.")
    if not client_id:
        raise LoginError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'client_id'.")
    app = tenant.apps.get(client_id)
    if app is None:
        raise LoginError(400, "unauthorized_client", 700016,
                         "Application with identifier '%s' was not found in the directory '%s'. This can happen if "
                         "the application has not been installed by the administrator of the tenant or consented to "
                         "by any user in the tenant. You may have sent your authentication request to the wrong "
                         "tenant." % (client_id, tenant.display_name))
    assertion = form.get("client_assertion")
    if assertion:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise LoginError(400, "invalid_request", 50027, "Invalid client_assertion_type.")
        endpoints = ["%s/%s/oauth2/v2.0/token" % (emulator.login_urls[host], ref) for ref in (tenant.id, tenant_ref)]
        try:
            verify_client_assertion(assertion, app.certificates, client_id, endpoints)
        except TokenInvalid as exc:
            raise LoginError(401, "invalid_client", 700027,
                             "Client assertion failed signature validation. (Reason - %s.)" % exc)
        acr = "2"
    elif secret is not None:
        if secret not in app.secrets:
            raise LoginError(401, "invalid_client", 7000215,
                             "Invalid client secret provided. Ensure the secret being sent in the request is the "
                             "client secret value, not the client secret ID, for a secret added to app '%s'."
                             % client_id)
        acr = "1"
    else:
        raise LoginError(401, "invalid_client", 7000218,
                         "The request body must contain the following parameter: 'client_assertion' or "
                         "'client_secret'.")
    graph_host, resource = _resource_of_scope(emulator, form.get("scope"))
    if graph_host is None or clouds.CLOUDS[tenant.cloud]["graph"] != graph_host:
        raise LoginError(400, "invalid_resource", 500011,
                         "The resource principal named %s was not found in the tenant named %s. This can happen if "
                         "the application has not been installed by the administrator of the tenant or consented to "
                         "by any user in the tenant. You might have sent your authentication request to the wrong "
                         "tenant." % (resource, tenant.display_name))
    now = int(time.time())
    claims = {"aud": "https://" + graph_host, "iss": "https://sts.windows.net/%s/" % tenant.id,
              "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME, "app_displayname": app.display_name,
              "appid": app.client_id, "appidacr": acr, "idp": "https://sts.windows.net/%s/" % tenant.id,
              "idtyp": "app", "oid": app.client_id, "roles": sorted(app.roles), "sub": app.client_id,
              "tid": tenant.id, "uti": b64url(uuid.uuid4().bytes), "ver": "1.0"}
    return {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
            "access_token": emulator.signer.sign(claims)}
