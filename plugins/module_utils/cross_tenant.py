# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: what the cross-tenant access policy looks like (paths, permissions,
names) and the pure decisions the cloud_settings and partner modules make on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.entra.crosscloud.plugins.module_utils.clouds import (
    CloudError, cloud_from_discovery, discovery_url)
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import GraphError, fetch_json

POLICY = "policies/crossTenantAccessPolicy"
PARTNERS = POLICY + "/partners"
READ_PERMISSION = "Policy.Read.All"
WRITE_PERMISSION = "Policy.ReadWrite.CrossTenantAccess"
SYNC_PERMISSION = "Policy.ReadWrite.CrossTenantAccess"


def partner_path(tenant_id):
    return "%s/%s" % (PARTNERS, tenant_id.lower())


def sync_path(tenant_id):
    return partner_path(tenant_id) + "/identitySynchronization"


def get_partner_after_create(client, tenant_id):
    """The partner entry, waiting out replication (an earlier task may have just added it); None if it
    is still not there after the client's replication_wait."""
    try:
        return client.get_after_create(partner_path(tenant_id), permission=READ_PERMISSION)
    except GraphError as err:
        if err.status == 404:
            return None
        raise


def create_partner(client, tenant_id):
    """Add a partner and return it once it can be read back (Graph replicates a new partner for a while).

    Never two POSTs for one partner: after an unknown outcome the client reads before sending again."""
    path = partner_path(tenant_id)
    client.create(PARTNERS, {"tenantId": tenant_id}, permission=WRITE_PERMISSION,
                  find=lambda: client.get_or_none(path, permission=READ_PERMISSION),
                  wait_for=lambda: client.get_after_create(path, permission=READ_PERMISSION))
    return client.get_after_create(path, permission=READ_PERMISSION)


def friendly_names(catalogue, endpoints):
    """Cloud names for allowedCloudEndpoints values (usgov stands for usgov_dod too: one endpoint)."""
    names = []
    for endpoint in endpoints:
        matches = [c.name for c in catalogue.by_endpoint(endpoint)]
        preferred = [n for n in ("global", "usgov", "china") if n in matches]
        names.append((preferred or matches or [endpoint])[0])
    return names


def endpoints_for(catalogue, own_cloud, names, option="clouds"):
    """allowedCloudEndpoints values for cloud names, refusing the own cloud and unsupported pairs."""
    own = catalogue.resolve(own_cloud)
    endpoints = []
    for name in names:
        try:
            cloud = catalogue.resolve(name)
        except CloudError as exc:
            raise CloudError("%s: %s" % (option, exc))
        status = catalogue.pair_status(own, cloud)
        if status == "same_cloud":
            raise CloudError("%s: %r is this tenant's own cloud (%s, endpoint %s); only other Microsoft clouds are "
                             "listed in cloud settings. Fix: remove %r from %s"
                             % (option, name, own.name, own.endpoint, name, option))
        if status == "unsupported":
            raise CloudError("%s: %r cannot be enabled from a %s tenant: %s. Fix: remove %r from %s"
                             % (option, name, own.name, catalogue.explain_pair(own, cloud), name, option))
        if cloud.endpoint not in endpoints:
            endpoints.append(cloud.endpoint)
    return endpoints


def check_not_emptying(catalogue, own_cloud, names, exclusive, option="clouds"):
    """Refuse an empty list with exclusive: it would disable every other cloud, partners' clouds included.

    Disabling is meant to be explicit: the fix names the clouds this tenant can enable.
    """
    if exclusive and not names:
        own = catalogue.resolve(own_cloud)
        others = [c for c in catalogue.clouds.values() if catalogue.pair_status(own, c) == "supported"]
        listed = friendly_names(catalogue, sorted(set(c.endpoint for c in others)))
        raise CloudError("%s: [] with exclusive: true would disable every other Microsoft cloud this tenant has "
                         "enabled. Fix: to disable clouds, name them with state: absent, e.g. %s: [%s] and "
                         "state: absent" % (option, option, ", ".join(listed) or "CLOUD"))


def plan_endpoints(current, wanted, state, exclusive):
    """The allowedCloudEndpoints list to write (Graph replaces the whole list, so we send it all)."""
    current = list(current or [])
    if exclusive:
        return list(wanted)
    if state == "present":
        return current + [w for w in wanted if w not in current]
    return [c for c in current if c not in wanted]


def discover_cloud(catalogue, tenant, verify, timeout, backoff=None):
    """The cloud a tenant lives in, from its anonymous OpenID configuration (dict from clouds.cloud_from_discovery).

    Raises CloudError when the tenant is unknown or the configuration cannot be read.
    """
    url = discovery_url(catalogue, tenant)
    try:
        status, doc = fetch_json(url, verify=verify, timeout=timeout, backoff=backoff)
    except (IOError, OSError) as exc:  # requests' connection and TLS errors derive from IOError
        raise CloudError("cannot read the OpenID configuration %s: %s" % (url, str(exc).splitlines()[0][:300]))
    if status != 200 or not isinstance(doc, dict):
        detail = doc.get("error_description", "") if isinstance(doc, dict) else ""
        raise CloudError("tenant %r was not found by OpenID discovery at %s (HTTP %s)%s" % (
            tenant, url, status, (": " + detail.splitlines()[0]) if detail else ""))
    found = cloud_from_discovery(doc, catalogue)
    found["document"] = doc
    return found


def check_declared_cloud(catalogue, declared, found, tenant, option="partner_cloud", id_option="partner"):
    """(Cloud, note or None): the declared cloud checked against what OpenID discovery found (pure).

    Clouds are compared by Entra endpoint, which is what cloud settings and the pair matrix go by:
    usgov and usgov_dod share microsoftonline.us, so declaring one for a tenant of the other is no
    contradiction, only worth a note when their Graph hosts differ. Raises CloudError on a contradiction.
    """
    discovered = catalogue.resolve(found["cloud"])
    if declared is None:
        return discovered, None
    endpoint = str(found.get("endpoint") or discovered.endpoint).lower()
    if declared.endpoint.lower() != endpoint:
        raise CloudError("%s %s contradicts OpenID discovery: %s %s lives in the %s cloud (Entra endpoint %s), not in "
                         "%s (%s). Fix: set %s: %s, or leave %s out to use the discovered cloud"
                         % (option, declared.name, id_option, tenant, discovered.name, endpoint, declared.name,
                            declared.endpoint, option, discovered.name, option))
    note = None
    if discovered.name != declared.name and discovered.graph_url != declared.graph_url:
        note = ("%s %s: OpenID discovery places %s %s in %s. Both use the Entra endpoint %s, so cloud settings and "
                "the pair check treat them alike, but their Graph hosts differ (%s for %s, %s for %s)"
                % (option, declared.name, id_option, tenant, discovered.name, endpoint, declared.graph_url,
                   declared.name, discovered.graph_url, discovered.name))
    return declared, note


def confirm_partner_cloud(module, tenant, declared, id_option="partner", option="partner_cloud"):
    """The partner's Cloud for a module: `declared` (a Cloud, or None) confirmed by anonymous discovery.

    Without a declared cloud, discovery decides and its failure fails the module. With one, a
    contradiction fails the module before any Graph request; when discovery cannot answer (unreachable,
    or a tenant the discovery host does not know, as for clouds from a clouds file) the declared cloud
    is kept with a warning.
    """
    catalogue = module.catalogue
    try:
        found = discover_cloud(catalogue, tenant, module.verify_for(catalogue.discovery_cloud()), module.params["timeout"],
                               backoff=module.backoff())
    except CloudError as exc:
        if declared is None:
            module.fail_json(msg="%s %s: %s. Fix: check the ID, or give %s" % (id_option, tenant, exc, option))
        module.warn("%s %s could not be checked against the tenant's OpenID configuration (%s); going on with the "
                    "declared cloud" % (option, declared.name, exc))
        return declared
    try:
        cloud, note = check_declared_cloud(catalogue, declared, found, tenant, option, id_option)
    except CloudError as exc:
        module.fail_json(msg=str(exc))
    if note:
        module.warn(note)
    return cloud


def snake(obj):
    """A Graph object as Ansible-friendly snake_case (display only; never sent back to Graph)."""
    if not isinstance(obj, dict):
        return obj
    return camel_dict_to_snake_dict(dict((k, v) for k, v in obj.items() if not k.startswith("@odata.")))
