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
from ansible_collections.entra.crosscloud.plugins.module_utils.graph import fetch_json

POLICY = "policies/crossTenantAccessPolicy"
PARTNERS = POLICY + "/partners"
READ_PERMISSION = "Policy.Read.All"
WRITE_PERMISSION = "Policy.ReadWrite.CrossTenantAccess"
SYNC_PERMISSION = "Policy.ReadWrite.CrossTenantUserProfileSharing"


def partner_path(tenant_id):
    return "%s/%s" % (PARTNERS, tenant_id.lower())


def sync_path(tenant_id):
    return partner_path(tenant_id) + "/identitySynchronization"


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


def plan_endpoints(current, wanted, state, exclusive):
    """The allowedCloudEndpoints list to write (Graph replaces the whole list, so we send it all)."""
    current = list(current or [])
    if exclusive:
        return list(wanted)
    if state == "present":
        return current + [w for w in wanted if w not in current]
    return [c for c in current if c not in wanted]


def discover_cloud(catalogue, tenant, verify, timeout):
    """The cloud a tenant lives in, from its anonymous OpenID configuration (dict from clouds.cloud_from_discovery).

    Raises CloudError when the tenant is unknown or the configuration cannot be read.
    """
    url = discovery_url(catalogue, tenant)
    try:
        status, doc = fetch_json(url, verify=verify, timeout=timeout)
    except (IOError, OSError) as exc:  # requests' connection and TLS errors derive from IOError
        raise CloudError("cannot read the OpenID configuration %s: %s" % (url, str(exc).splitlines()[0][:300]))
    if status != 200 or not isinstance(doc, dict):
        detail = doc.get("error_description", "") if isinstance(doc, dict) else ""
        raise CloudError("tenant %r was not found by OpenID discovery at %s (HTTP %s)%s" % (
            tenant, url, status, (": " + detail.splitlines()[0]) if detail else ""))
    found = cloud_from_discovery(doc, catalogue)
    found["document"] = doc
    return found


def snake(obj):
    """A Graph object as Ansible-friendly snake_case (display only; never sent back to Graph)."""
    if not isinstance(obj, dict):
        return obj
    return camel_dict_to_snake_dict(dict((k, v) for k, v in obj.items() if not k.startswith("@odata.")))
