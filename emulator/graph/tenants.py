"""Tenant lookups: /tenantRelationships/findTenantInformationBy{TenantId,DomainName}.

Rules: permission CrossTenantInformation.ReadBasic.All (or Directory.Read.All); only tenants
of the caller's own cloud resolve (graph-api.md 2: cross-cloud resolution is unverified and
domain lookup does not work across clouds, so the strict answer is 404); a malformed GUID is 400.
No query options: the function pages (api/tenantrelationship-findtenantinformationby*.md) list none.
"""

from emulator.graph.core import GraphError, bad_request, route
from emulator.state import GUID_RE

PERMS = ("CrossTenantInformation.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All")


def _answer(ctx, tenant):
    if tenant is None or tenant.cloud != ctx.tenant.cloud:
        raise GraphError(404, "Request_ResourceNotFound", "Tenant information was not found.")
    return {"@odata.context": ctx.context_url("microsoft.graph.tenantInformation"), "tenantId": tenant.id,
            "displayName": tenant.display_name, "defaultDomainName": tenant.default_domain,
            "federationBrandName": None}


@route("GET", "/tenantRelationships/findTenantInformationByTenantId(tenantId='{tid}')", PERMS, api=("v1.0", "beta"),
       query=())
def by_tenant_id(ctx):
    tid = ctx.params["tid"]
    if not GUID_RE.match(tid):
        raise bad_request("Invalid tenant identifier '%s': a GUID is expected." % tid, "Request_BadRequest")
    return _answer(ctx, ctx.state.tenants.get(tid.lower()))


@route("GET", "/tenantRelationships/findTenantInformationByDomainName(domainName='{domain}')", PERMS,
       api=("v1.0", "beta"), query=())
def by_domain(ctx):
    domain = ctx.params["domain"].replace("''", "'").lower()
    tenant = next((t for t in ctx.state.tenants.values() if domain in t.domains), None)
    return _answer(ctx, tenant)
