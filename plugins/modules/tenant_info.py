#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tenant_info
short_description: Find which Microsoft cloud a tenant lives in and whether B2B with it is possible
version_added: 0.1.0
description:
  - Looks up a Microsoft Entra tenant by tenant ID or domain name and tells which Microsoft cloud it
    lives in (V(global), V(usgov), V(usgov_dod), V(china)), its region scope and sub-scope, whether it is
    a GCC tenant (GCC is part of the commercial cloud), and whether it can do B2B collaboration at all
    (legacy US Government tenants with region scope C(USG) cannot).
  - The cloud is read from the tenant's public OpenID configuration, which needs no credentials.
  - With credentials, the module also asks the caller's Graph for the tenant's display name and default
    domain. Graph answers that only for tenants it can resolve (not for every tenant of another cloud);
    when it cannot, or when the app lacks C(CrossTenantInformation.ReadBasic.All), the module warns and
    still returns what discovery found.
  - With credentials, it also returns the application permissions the credential's token carries
    (RV(permissions)), so a run can check them before it changes anything. The token itself is never returned.
  - When O(cloud) names the caller's own cloud, RV(pair) tells whether B2B between the two clouds is
    supported.
author:
  - entra.crosscloud contributors (@entra-crosscloud)
options:
  tenant:
    description:
      - The tenant to look up, as a tenant ID (GUID) or one of its verified domain names.
    type: str
    required: true
extends_documentation_fragment:
  - entra.crosscloud.graph
  - entra.crosscloud.attributes
  - entra.crosscloud.attributes.INFO_MODULE
'''

EXAMPLES = r'''
- name: Where does a partner tenant live? (no credentials needed)
  entra.crosscloud.tenant_info:
    tenant: 6ba8af09-9774-4419-98d1-7db643f0c384
  register: partner

- name: Refuse unsupported partners early
  ansible.builtin.assert:
    that:
      - partner.b2b_supported
      - partner.cloud in ['global', 'usgov', 'usgov_dod', 'china']

- name: Look up a partner by domain from the commercial hub, with its credentials
  entra.crosscloud.tenant_info:
    tenant: fabrikam.cn
    tenant_id: 8fd7ef5d-5364-46c7-a3dd-a7bd135fe99d
    client_id: 40dd6633-5254-4834-8dda-745e5dd9949e
    client_secret: "{{ vault_contoso_secret }}"
    cloud: global
  register: fabrikam

- name: Show whether the pair can collaborate
  ansible.builtin.debug:
    msg: "{{ fabrikam.display_name | default(fabrikam.tenant_id) }} is in {{ fabrikam.cloud }}: {{ fabrikam.pair }}"
'''

RETURN = r'''
retries:
  description:
    - How many times the task re-sent a request after a transient failure (throttling, 5xx, a dropped
      connection), waited for a new object to replicate, or signed in again after Graph refused a cached token.
  returned: always
  type: int
  sample: 0
retry_log:
  description: Each retry, with the request, the reason and the wait.
  returned: at C(-vvv), when the task retried
  type: list
  elements: str
  sample: ["GET /v1.0/policies/crossTenantAccessPolicy: HTTP 503; retry 1 after 0.4 s"]
tenant_id:
  description: The tenant's ID.
  returned: always
  type: str
  sample: 6ba8af09-9774-4419-98d1-7db643f0c384
cloud:
  description: The collection's name of the cloud the tenant lives in.
  returned: always
  type: str
  sample: usgov
endpoint:
  description: The cloud's C(cloud_instance_name), also the value cross-tenant access settings use for it.
  returned: always
  type: str
  sample: microsoftonline.us
region_scope:
  description: The tenant's C(tenant_region_scope) (for example C(NA), C(EU), C(USGov), C(USG)).
  returned: always
  type: str
  sample: USGov
region_sub_scope:
  description: The tenant's C(tenant_region_sub_scope) (C(GCC), C(DODCON), C(DOD)), or null.
  returned: always
  type: str
  sample: DODCON
gcc:
  description: Whether this is a GCC tenant (commercial cloud; no cross-cloud settings needed with commercial tenants).
  returned: always
  type: bool
  sample: false
b2b_supported:
  description: Whether the tenant can take part in B2B collaboration (false for legacy C(USG) tenants).
  returned: always
  type: bool
  sample: true
pair:
  description:
    - B2B between the caller's O(cloud) and the tenant's cloud, when O(cloud) is set.
    - One of C(same_cloud), C(supported), C(unsupported).
  returned: always
  type: str
  sample: supported
pair_explanation:
  description: A sentence explaining RV(pair).
  returned: always
  type: str
display_name:
  description: The tenant's display name, from Graph.
  returned: when credentials were given and Graph could resolve the tenant
  type: str
  sample: Tailspin Defense
default_domain:
  description: The tenant's default domain, from Graph.
  returned: when credentials were given and Graph could resolve the tenant
  type: str
  sample: tailspin-defense.us
federation_brand_name:
  description: The tenant's federation brand name, from Graph (often null).
  returned: when credentials were given and Graph could resolve the tenant
  type: str
permissions:
  description:
    - The application permissions (C(roles) claim) of the access token the credentials give, sorted.
    - Null when the token is not a JWT (an opaque supplied O(access_token)), so nothing can be told.
  returned: when credentials were given
  type: list
  elements: str
  sample: [Policy.Read.All, Policy.ReadWrite.CrossTenantAccess, User.Invite.All]
app_id:
  description: The application (client) ID the token was issued to (C(appid) or C(azp) claim).
  returned: when credentials were given
  type: str
  sample: 40dd6633-5254-4834-8dda-745e5dd9949e
token_source:
  description: Where the access token came from (C(identity_provider), C(cache), C(supplied)), when Graph was used.
  returned: when credentials were given
  type: str
  sample: cache
discovery:
  description: The fields of the tenant's OpenID configuration the answer was derived from.
  returned: always
  type: dict
  sample:
    cloud_instance_name: microsoftonline.us
    tenant_region_scope: USGov
    tenant_region_sub_scope: DODCON
    msgraph_host: graph.microsoft.us
'''

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import CloudError, cloud_from_discovery, is_guid
from ansible_collections.entra.crosscloud.plugins.module_utils.cross_tenant import discover_cloud
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError
from ansible_collections.entra.crosscloud.plugins.module_utils.module import EntraModule
from ansible_collections.entra.crosscloud.plugins.module_utils import auth

DISCOVERY_FIELDS = ("cloud_instance_name", "tenant_region_scope", "tenant_region_sub_scope", "msgraph_host")


def lookup_path(tenant):
    """Graph's tenant lookup for an ID or a domain (quotes doubled, as OData wants)."""
    value = tenant.replace("'", "''")
    if is_guid(tenant):
        return "tenantRelationships/findTenantInformationByTenantId(tenantId='%s')" % value
    return "tenantRelationships/findTenantInformationByDomainName(domainName='%s')" % value


def summarise(tenant, doc, catalogue, own_cloud):
    """The module's answer from an OpenID configuration document (pure)."""
    found = cloud_from_discovery(doc, catalogue)
    tenant_id = tenant
    issuer = doc.get("token_endpoint") or doc.get("issuer") or ""
    for part in issuer.split("/"):
        if is_guid(part):
            tenant_id = part.lower()
            break
    result = {
        "tenant_id": tenant_id,
        "cloud": found["cloud"],
        "endpoint": found["endpoint"],
        "region_scope": found["region_scope"],
        "region_sub_scope": found["region_sub_scope"],
        "gcc": found["gcc"],
        "b2b_supported": found["b2b_supported"],
        "pair": catalogue.pair_status(own_cloud, found["cloud"]),
        "pair_explanation": catalogue.explain_pair(own_cloud, found["cloud"]),
        "discovery": dict((k, doc.get(k)) for k in DISCOVERY_FIELDS),
    }
    return result


def main():
    module = EntraModule(argument_spec=dict(tenant=dict(type="str", required=True)), connection_required=False)
    tenant = module.params["tenant"].strip()
    if not tenant or "/" in tenant or " " in tenant:
        module.fail_json(msg="tenant %r is not a tenant ID or domain name; give a GUID like "
                             "6ba8af09-9774-4419-98d1-7db643f0c384 or a domain like contoso.com" % tenant)
    discovery_cloud = module.catalogue.discovery_cloud()
    try:
        found = discover_cloud(module.catalogue, tenant, module.verify_for(discovery_cloud), module.params["timeout"],
                               backoff=module.backoff())
        result = summarise(tenant, found["document"], module.catalogue, module.cloud)
    except CloudError as exc:
        module.fail_json(msg="%s. Fix: check the tenant ID or domain, and ca_path for a private CA" % exc)
    if module.has_credentials:
        try:
            info = module.client.get(lookup_path(tenant), permission="CrossTenantInformation.ReadBasic.All")
            result.update(display_name=info.get("displayName"), default_domain=info.get("defaultDomainName"),
                          federation_brand_name=info.get("federationBrandName"))
        except GraphError as exc:
            if exc.status == 404:
                module.warn("Graph in cloud %s could not resolve tenant %s (%s); tenants of another cloud often "
                            "cannot be looked up, so only discovery results are returned"
                            % (module.cloud.name, tenant, exc.code))
            elif exc.status == 403:
                module.warn("the display name and default domain of %s were not looked up: %s" % (tenant, exc))
            else:
                module.fail_from(exc, **result)
        except auth.AuthError as exc:
            # what discovery found goes with the failure: a wrong `cloud` is the usual cause
            module.fail_from(exc, **result)
        claims = module.token_claims()
        # A JWT without `roles` carries no application permission; an opaque token tells nothing (null).
        result.update(permissions=sorted(set(claims.get("roles") or [])) if claims else None,
                      app_id=claims.get("appid") or claims.get("azp"), token_source=module.token_source)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
