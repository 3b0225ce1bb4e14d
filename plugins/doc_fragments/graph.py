# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The connection and credential options every module of the collection shares.
    DOCUMENTATION = r'''
options:
  tenant_id:
    description:
      - The tenant to sign in to and manage, as a tenant ID (GUID) or a verified domain.
      - Falls back to E(AZURE_TENANT_ID), then E(AZURE_TENANT) (the name AWX's Azure credential injects).
    type: str
  client_id:
    description:
      - Application (client) ID of the app registration in O(tenant_id), in O(cloud).
      - App registrations are per cloud; an app of the commercial cloud cannot sign in to US Gov or China.
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Client secret value of the app registration.
      - Falls back to E(AZURE_CLIENT_SECRET), then E(AZURE_SECRET).
      - Mutually exclusive with O(client_certificate_path) and O(access_token).
    type: str
  client_certificate_path:
    description:
      - Path to one PEM file holding the private key and the certificate registered on the app.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  client_certificate_password:
    description:
      - Password of an encrypted private key in O(client_certificate_path).
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  client_certificate_thumbprint:
    description:
      - SHA-1 thumbprint (hex) of the certificate, when the PEM file holds only the private key.
      - Otherwise it is computed from the certificate in O(client_certificate_path).
    type: str
  access_token:
    description:
      - A Graph access token for O(cloud) obtained elsewhere; no sign-in is made.
      - Microsoft Entra issues Graph access tokens as JWTs (three base64url parts separated by dots). Anything
        else (an opaque token, a C(Bearer ) prefix, whitespace, parts that are not base64url JSON) is refused
        before any request. Its signature and expiry are left to Graph.
      - Falls back to E(ENTRA_ACCESS_TOKEN).
    type: str
  cloud:
    description:
      - The Microsoft cloud O(tenant_id) lives in.
      - V(global) is the commercial cloud (GCC included), V(usgov) is Azure Government GCC High,
        V(usgov_dod) is Azure Government DoD, V(china) is Microsoft Azure operated by 21Vianet.
      - The names AWX's Azure credential uses are accepted too (V(AzureCloud), V(AzureUSGovernment),
        V(AzureChinaCloud)), as are clouds defined in O(clouds_file).
      - Falls back to E(ENTRA_CLOUD), then E(AZURE_CLOUD_ENVIRONMENT).
    type: str
    default: global
  clouds_file:
    description:
      - A YAML or JSON file that overrides the built-in clouds key by key or adds new ones
        (sovereign clouds such as Bleu or Delos, or a test emulator).
      - 'Format: C(clouds: {NAME: {authority_host, graph_url, endpoint, display_name, ca_path}})
        and optionally C(pairs: [[ENDPOINT, ENDPOINT]]) for supported cross-cloud pairs.'
      - Falls back to E(ENTRA_CLOUDS_FILE).
    type: path
  validate_certs:
    description:
      - Verify TLS certificates of the sign-in and Graph hosts. Turn off only for a test endpoint.
      - Falls back to E(ENTRA_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle used to verify the sign-in and Graph hosts, instead of the system's.
      - When not set, the cloud's C(ca_path) from O(clouds_file) is used, if any.
      - Falls back to E(ENTRA_CA_PATH).
    type: path
  token_cache:
    description:
      - Keep access tokens in a file cache so a playbook signs in once per tenant and app, not once per task.
      - The cache holds only app-only access tokens (about one hour of life), one file per credential
        named by a hash of authority, tenant, client and credential, mode 0600 in a 0700 directory.
        It is a bearer token for the app's Graph permissions; set V(false) where no such file may be written.
      - Falls back to E(ENTRA_TOKEN_CACHE).
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache. Resolved on the host that runs the module.
      - Defaults to C(~/.cache/entra.crosscloud/tokens). Falls back to E(ENTRA_TOKEN_CACHE_DIR).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response from the sign-in and Graph hosts.
      - Falls back to E(ENTRA_TIMEOUT).
    type: int
    default: 30
  retry_budget:
    description:
      - Seconds each request may spend waiting between retries of transient failures (429, 500, 502, 503,
        504, dropped or timed-out connections) before the task fails. At most 8 retries per request.
      - C(Retry-After) is honoured; otherwise the wait grows exponentially with random jitter.
      - V(0) turns retries off.
      - Falls back to E(ENTRA_RETRY_BUDGET).
    type: int
    default: 60
  replication_wait:
    description:
      - Seconds to keep reading an object that this task or an earlier one created (a partner, a guest)
        while Microsoft Entra answers 404 because the new object has not replicated yet.
      - When it runs out, the task fails saying that replication is the likely cause; run again.
      - Falls back to E(ENTRA_REPLICATION_WAIT).
    type: int
    default: 60
notes:
  - Option values win over environment variables, which win over defaults.
  - "Retries: GET, PUT, PATCH and DELETE are re-sent after 429, 500, 502, 503, 504 and dropped connections; a
    POST is re-sent after 429 only. A POST that creates (a partner, an invitation) and fails with 5xx or a
    dropped connection may have been applied: the module reads first and sends again only if it was not.
    Inside a C($batch), items are retried one by one. OpenID discovery and the token endpoint are retried the
    same way. A token from the cache that Graph refuses (401) is dropped and a new one fetched once."
  - Every result has C(retries), the number of retries the task needed; at C(-vvv) C(retry_log) lists each one.
  - "Permissions: before its first write (and in check mode, for what would change) a module compares the
    application permissions in the token's C(roles) claim with what its writes need and fails naming the
    missing ones, with C(missing_permissions) in the result. A token without C(roles) (delegated) is not
    checked; Graph decides."
requirements:
  - msal >= 1.24.0
  - requests >= 2.25.0
'''
