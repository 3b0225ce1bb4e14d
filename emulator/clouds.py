"""The Microsoft clouds the emulator stands in for: real host names, as the service knows them.

Deliberately independent of the collection's plugins/module_utils/clouds.py: the emulator plays
Microsoft, so it must not learn the rules from the code it is testing.
"""

CLOUDS = {
    "global": {"login": "login.microsoftonline.com", "graph": "graph.microsoft.com",
               "endpoint": "microsoftonline.com"},
    "usgov": {"login": "login.microsoftonline.us", "graph": "graph.microsoft.us",
              "endpoint": "microsoftonline.us"},
    "usgov_dod": {"login": "login.microsoftonline.us", "graph": "dod-graph.microsoft.us",
                  "endpoint": "microsoftonline.us"},
    "china": {"login": "login.chinacloudapi.cn", "graph": "microsoftgraph.chinacloudapi.cn",
              "endpoint": "partner.microsoftonline.cn"},
}

# The only values allowedCloudEndpoints accepts.
ENDPOINTS = ("microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn")

# B2B across clouds works only between these endpoint pairs (US Gov <-> China does not).
SUPPORTED_PAIRS = ({"microsoftonline.com", "microsoftonline.us"},
                   {"microsoftonline.com", "partner.microsoftonline.cn"})

GLOBAL_LOGIN = "login.microsoftonline.com"

# Cross-tenant synchronization across clouds: the (source cloud, target cloud) directions Microsoft
# supports (Microsoft Learn, "Configure cross-tenant synchronization", cross-cloud pivot, "Supported
# cloud pairs"): commercial -> US Government (GCC High and DoD both sign in at microsoftonline.us),
# US Government -> commercial, and commercial -> China (21Vianet). Nothing from China to another cloud,
# nothing between US Government and China. Tenants that share an endpoint (usgov and usgov_dod) are in
# the same cloud for synchronization, as they are for B2B.
SYNC_DIRECTIONS = frozenset([
    ("global", "usgov"), ("global", "usgov_dod"),
    ("usgov", "global"), ("usgov_dod", "global"),
    ("global", "china"),
])


def sync_direction_supported(source_cloud, target_cloud):
    """Can a tenant in source_cloud synchronize users into a tenant in target_cloud?"""
    return endpoint(source_cloud) == endpoint(target_cloud) or (source_cloud, target_cloud) in SYNC_DIRECTIONS


def endpoint(cloud):
    return CLOUDS[cloud]["endpoint"]


def pair_supported(endpoint_a, endpoint_b):
    return endpoint_a == endpoint_b or {endpoint_a, endpoint_b} in SUPPORTED_PAIRS


def login_hosts():
    return sorted({c["login"] for c in CLOUDS.values()})


def graph_hosts():
    return sorted({c["graph"] for c in CLOUDS.values()})


def clouds_of_login(host):
    return [name for name, c in CLOUDS.items() if c["login"] == host]


def cloud_of_graph(host):
    for name, c in CLOUDS.items():
        if c["graph"] == host:
            return name
    return None
