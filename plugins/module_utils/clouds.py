# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: the one table of Microsoft clouds, the pair matrix, clouds files
and reading a tenant's cloud from its OpenID configuration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import re

# PyYAML (it ships with ansible-core) is imported only to read a clouds file: without one, a module run
# skips its ~15 ms import.
HAS_YAML = importlib.util.find_spec("yaml") is not None


class CloudError(Exception):
    """A cloud name, clouds file or pair the collection cannot work with."""


# name -> settings. `endpoint` is both the allowedCloudEndpoints value and the OpenID
# `cloud_instance_name` of tenants in that cloud. `calendar_service`: the cloud's Exchange Online calendar
# service, for free/busy across tenants (the TargetServiceEpr values of Add-AvailabilityAddressSpace). MSAL >= 1.35.1 has no AZURE_CHINA constant,
# so hosts are plain strings here.
BUILTIN_CLOUDS = {
    "global": {
        "display_name": "Microsoft Entra (commercial, incl. GCC)",
        "authority_host": "https://login.microsoftonline.com",
        "graph_url": "https://graph.microsoft.com",
        "endpoint": "microsoftonline.com",
        "calendar_service": "outlook.office.com",
        "aliases": ["AzureCloud", "AzurePublicCloud", "public", "commercial"],
    },
    "usgov": {
        "display_name": "Azure Government (GCC High)",
        "authority_host": "https://login.microsoftonline.us",
        "graph_url": "https://graph.microsoft.us",
        "endpoint": "microsoftonline.us",
        "calendar_service": "outlook.office365.us",
        "aliases": ["AzureUSGovernment", "AzureUSGovernmentCloud", "gcchigh"],
    },
    "usgov_dod": {
        "display_name": "Azure Government (DoD)",
        "authority_host": "https://login.microsoftonline.us",
        "graph_url": "https://dod-graph.microsoft.us",
        "endpoint": "microsoftonline.us",
        "calendar_service": "outlook.office365.us",
        "aliases": ["dod"],
    },
    "china": {
        "display_name": "Microsoft Azure operated by 21Vianet (China)",
        "authority_host": "https://login.chinacloudapi.cn",
        "graph_url": "https://microsoftgraph.chinacloudapi.cn",
        "endpoint": "partner.microsoftonline.cn",
        "calendar_service": "partner.outlook.cn",
        "aliases": ["AzureChinaCloud", "21vianet"],
    },
}

# Cross-cloud B2B works only between these endpoints (Microsoft: commercial <-> US Gov and
# commercial <-> China; never US Gov <-> China). Clouds files may add pairs (Bleu, Delos).
BUILTIN_PAIRS = [
    ("microsoftonline.com", "microsoftonline.us"),
    ("microsoftonline.com", "partner.microsoftonline.cn"),
]

# Cross-tenant synchronization across clouds goes one way: (source endpoint, target endpoint). Microsoft's
# supported cloud pairs: commercial -> US Gov, US Gov -> commercial, commercial -> China (Microsoft Learn,
# "Configure cross-tenant synchronization", cross-cloud pivot, "Supported cloud pairs"). Within one cloud it
# always works. Clouds files may add directions (sync_pairs).
BUILTIN_SYNC_PAIRS = [
    ("microsoftonline.com", "microsoftonline.us"),
    ("microsoftonline.us", "microsoftonline.com"),
    ("microsoftonline.com", "partner.microsoftonline.cn"),
]
# The licences each kind of synchronisation needs (same article, "Prerequisites"; the overview's "License
# requirements"): said in the docs and in warnings, never checked against the tenant's SKUs.
SYNC_LICENCES = {
    "same_cloud": "Microsoft Entra ID P1 or P2 in the source tenant",
    "supported": "Microsoft Entra ID Governance or Microsoft Entra Suite for each synchronised user, in the "
                 "source tenant (an add-on to P1 or P2)",
}

# Hosts for which MSAL's instance discovery is right; any other authority host must turn it
# off, or MSAL first calls login.microsoftonline.com.
MICROSOFT_LOGIN_HOSTS = (
    "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoft.com", "login.windows.net", "login.microsoftonline.de",
)

CLOUD_KEYS = ("display_name", "authority_host", "graph_url", "endpoint", "ca_path", "aliases", "calendar_service")
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_URL_RE = re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")


def is_guid(value):
    # fullmatch: "$" alone would accept a GUID followed by a newline
    return bool(GUID_RE.fullmatch(str(value or "")))


class Cloud:
    """One cloud: where to sign in, where Graph is, what the cross-tenant policy calls it."""

    def __init__(self, name, display_name, authority_host, graph_url, endpoint, ca_path=None, aliases=(),
                 calendar_service=None):
        self.name = name
        self.calendar_service = calendar_service
        self.display_name = display_name or name
        self.authority_host = authority_host.rstrip("/")
        self.graph_url = graph_url.rstrip("/")
        self.endpoint = endpoint
        self.ca_path = ca_path
        self.aliases = tuple(aliases or ())

    @property
    def token_scope(self):
        return self.graph_url + "/.default"

    @property
    def authority_hostname(self):
        return self.authority_host.split("://", 1)[-1].split(":", 1)[0].lower()

    def to_dict(self):
        return {"name": self.name, "display_name": self.display_name, "authority_host": self.authority_host,
                "graph_url": self.graph_url, "endpoint": self.endpoint}

    def __repr__(self):
        return "Cloud(%r)" % self.name


class Catalogue:
    """The clouds known to this run: built-ins, overridden or extended by a clouds file."""

    def __init__(self, clouds, pairs, sync_pairs=None):
        self.clouds = clouds
        self.pairs = [frozenset(p) for p in pairs]
        self.sync_pairs = [tuple(p) for p in (BUILTIN_SYNC_PAIRS if sync_pairs is None else sync_pairs)]

    def names(self):
        return sorted(self.clouds)

    def resolve(self, name):
        """A Cloud by name or alias (case-insensitive); CloudError listing the valid names."""
        if isinstance(name, Cloud):
            return name
        key = str(name or "").strip().lower()
        for cloud in self.clouds.values():
            if key == cloud.name.lower() or key in [a.lower() for a in cloud.aliases]:
                return cloud
        raise CloudError("unknown cloud %r: use one of %s (or define it in a clouds file)"
                         % (name, ", ".join(self.names())))

    def by_endpoint(self, endpoint):
        """Clouds whose tenants report this cloud_instance_name (usgov and usgov_dod share one)."""
        return [c for c in self.clouds.values() if c.endpoint.lower() == str(endpoint or "").lower()]

    def pair_status(self, cloud_a, cloud_b):
        """'same_cloud', 'supported' or 'unsupported' for B2B collaboration between two clouds."""
        a, b = self.resolve(cloud_a), self.resolve(cloud_b)
        if a.endpoint == b.endpoint:
            return "same_cloud"
        if frozenset((a.endpoint, b.endpoint)) in self.pairs:
            return "supported"
        return "unsupported"

    def explain_pair(self, cloud_a, cloud_b):
        status = self.pair_status(cloud_a, cloud_b)
        a, b = self.resolve(cloud_a), self.resolve(cloud_b)
        if status == "same_cloud":
            return "%s and %s are the same Microsoft cloud (%s): ordinary B2B, no cloud setting needed" % (
                a.name, b.name, a.endpoint)
        if status == "supported":
            return "%s <-> %s is a supported cross-cloud pair" % (a.name, b.name)
        matrix = "; ".join(" <-> ".join(sorted(p)) for p in self.pairs)
        return ("B2B collaboration between %s (%s) and %s (%s) is not supported by Microsoft; supported "
                "cross-cloud pairs are: %s" % (a.name, a.endpoint, b.name, b.endpoint, matrix))

    def sync_status(self, source, target):
        """'same_cloud', 'supported' or 'unsupported' for cross-tenant synchronization from source to target."""
        a, b = self.resolve(source), self.resolve(target)
        if a.endpoint == b.endpoint:
            return "same_cloud"
        return "supported" if (a.endpoint, b.endpoint) in self.sync_pairs else "unsupported"

    def explain_sync(self, source, target):
        status = self.sync_status(source, target)
        a, b = self.resolve(source), self.resolve(target)
        if status != "unsupported":
            return "synchronisation from %s to %s is supported%s; it needs %s" % (
                a.name, b.name, " across clouds" if status == "supported" else " (one cloud)", SYNC_LICENCES[status])
        ways = "; ".join("%s -> %s" % p for p in self.sync_pairs)
        return ("cross-tenant synchronization from %s (%s) to %s (%s) is not supported by Microsoft; supported "
                "directions across clouds are: %s" % (a.name, a.endpoint, b.name, b.endpoint, ways))

    def discovery_cloud(self):
        """The cloud whose login host answers OpenID discovery for tenants of every cloud."""
        return self.clouds["global"]


def _check_entry(source, name, entry, new):
    if not isinstance(entry, dict):
        raise CloudError("%s: cloud %r must be a mapping of settings" % (source, name))
    unknown = sorted(set(entry) - set(CLOUD_KEYS))
    if unknown:
        raise CloudError("%s: cloud %r has unknown key(s) %s; allowed keys: %s"
                         % (source, name, ", ".join(unknown), ", ".join(CLOUD_KEYS)))
    missing = [k for k in ("authority_host", "graph_url", "endpoint") if new and not entry.get(k)]
    if missing:
        raise CloudError("%s: new cloud %r needs %s" % (source, name, ", ".join(missing)))
    for key in ("authority_host", "graph_url"):
        if key in entry and not _URL_RE.match(str(entry[key]).rstrip("/")):
            raise CloudError("%s: cloud %r: %s %r must be an https URL with no path, like https://host[:port]"
                             % (source, name, key, entry[key]))


def parse_clouds_document(data, source="clouds file"):
    """Check a clouds-file document; return (clouds, pairs) raw overrides."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CloudError("%s: the top level must be a mapping with 'clouds' and optionally 'pairs'" % source)
    unknown = sorted(set(data) - {"clouds", "pairs", "sync_pairs"})
    if unknown:
        raise CloudError("%s: unknown top-level key(s) %s; expected 'clouds', 'pairs' and 'sync_pairs'"
                         % (source, ", ".join(unknown)))
    clouds = data.get("clouds") or {}
    if not isinstance(clouds, dict):
        raise CloudError("%s: 'clouds' must be a mapping of cloud name to settings" % source)
    pairs = data.get("pairs") or []
    if not isinstance(pairs, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise CloudError("%s: 'pairs' must be a list of [endpoint, endpoint] pairs" % source)
    for name, entry in clouds.items():
        _check_entry(source, name, entry, new=name not in BUILTIN_CLOUDS)
    return clouds, [tuple(p) for p in pairs]


def parse_sync_pairs(data, source="clouds file"):
    """A clouds file's extra synchronisation directions: [[source endpoint, target endpoint], ...]."""
    pairs = (data or {}).get("sync_pairs") or []
    if not isinstance(pairs, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise CloudError("%s: 'sync_pairs' must be a list of [source endpoint, target endpoint] pairs" % source)
    return [tuple(p) for p in pairs]


def load_catalogue(clouds_file=None):
    """Built-in clouds merged with a clouds file (YAML or JSON), key by key."""
    merged = dict((name, dict(entry)) for name, entry in BUILTIN_CLOUDS.items())
    pairs, sync_pairs = list(BUILTIN_PAIRS), list(BUILTIN_SYNC_PAIRS)
    if clouds_file:
        try:
            with open(clouds_file) as f:
                text = f.read()
        except (IOError, OSError) as exc:
            raise CloudError("cannot read clouds_file %s: %s" % (clouds_file, exc))
        try:
            if HAS_YAML:
                import yaml
                # libyaml's loader where PyYAML has it: the same result, about ten times faster
                data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            else:
                data = json.loads(text)
        except Exception as exc:  # yaml and json raise different types; both mean "not parseable"
            raise CloudError("clouds_file %s is not valid YAML/JSON: %s" % (clouds_file, exc))
        overrides, extra_pairs = parse_clouds_document(data, "clouds_file %s" % clouds_file)
        for name, entry in overrides.items():
            merged.setdefault(name, {}).update(entry)
        pairs.extend(extra_pairs)
        sync_pairs.extend(parse_sync_pairs(data, "clouds_file %s" % clouds_file))
    clouds = {}
    for name, entry in merged.items():
        clouds[name] = Cloud(name, entry.get("display_name"), entry["authority_host"], entry["graph_url"],
                             entry["endpoint"], entry.get("ca_path"), entry.get("aliases"), entry.get("calendar_service"))
    return Catalogue(clouds, pairs, sync_pairs)


def is_microsoft_login_host(host):
    host = str(host or "").split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return host in MICROSOFT_LOGIN_HOSTS


def discovery_url(catalogue, tenant):
    """OpenID configuration URL for a tenant id or domain, on the host that answers for all clouds."""
    return "%s/%s/v2.0/.well-known/openid-configuration" % (catalogue.discovery_cloud().authority_host, tenant)


def cloud_from_discovery(doc, catalogue):
    """Which cloud a tenant lives in, from its OpenID configuration document.

    cloud_instance_name gives the Entra cloud; tenant_region_sub_scope separates GCC High
    (DODCON) from DoD (DOD) within US Gov; GCC tenants are commercial. Region scope USG (legacy
    US Gov) cannot do B2B collaboration. Scopes are compared case-insensitively.
    """
    instance = str(doc.get("cloud_instance_name") or "").lower()
    scope = doc.get("tenant_region_scope")
    sub_scope = doc.get("tenant_region_sub_scope")
    sub = str(sub_scope or "").upper()
    candidates = catalogue.by_endpoint(instance)
    if not candidates:
        raise CloudError("the tenant reports cloud_instance_name %r, which no known cloud uses; known: %s "
                         "(add it to a clouds file)" % (instance, ", ".join(sorted({c.endpoint for c in
                                                                                   catalogue.clouds.values()}))))
    names = [c.name for c in candidates]
    if instance == "microsoftonline.us" and "usgov" in names and "usgov_dod" in names:
        name = "usgov_dod" if sub == "DOD" else "usgov"
    elif instance in ("microsoftonline.com", "partner.microsoftonline.cn") and len(names) > 1:
        builtin = [n for n in names if n in BUILTIN_CLOUDS]
        name = builtin[0] if builtin else names[0]
    else:
        name = names[0]
    return {
        "cloud": name,
        "endpoint": instance,
        "region_scope": scope,
        "region_sub_scope": sub_scope,
        "gcc": instance == "microsoftonline.com" and sub == "GCC",
        "b2b_supported": str(scope or "").upper() != "USG",
        "msgraph_host": doc.get("msgraph_host"),
    }
