"""What the emulator holds: tenants in clouds, their apps, users and policies.

Resource modules (emulator/graph/*.py) own the shape of their own data: each registers an
initialiser with `tenant_initialiser` that fills `tenant.data[...]` from the seed entry.
"""

import copy
import json
import os
import random
import re
import threading
import time
import uuid

import yaml

from emulator import clouds, tls

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Application permissions a seeded app gets when the seed names none.
DEFAULT_APP_ROLES = [
    "Policy.Read.All",
    "Policy.ReadWrite.CrossTenantAccess",
    "Policy.ReadWrite.CrossTenantUserProfileSharing",
    "Policy.ReadWrite.Authorization",
    "Policy.ReadWrite.AuthenticationMethod",
    "Policy.ReadWrite.B2BManagementPolicy",
    "Policy.ReadWrite.ExternalIdentities",
    "CrossTenantInformation.ReadBasic.All",
    "User.Invite.All",
    "User.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Organization.Read.All",
    "LicenseAssignment.ReadWrite.All",
    "Policy.ReadWrite.ConditionalAccess",
]

_INITIALISERS = []


def tenant_initialiser(func):
    """Register func(tenant, seed_entry) to build a resource's initial state."""
    _INITIALISERS.append(func)
    return func


class SeedError(Exception):
    pass


class App:
    def __init__(self, client_id, display_name, secrets, certificates, roles, certificate_path=None):
        self.client_id = client_id
        self.display_name = display_name
        self.secrets = list(secrets)
        self.certificates = list(certificates)  # PEM strings
        self.roles = list(roles)
        self.certificate_path = certificate_path

    def public(self):
        return {"client_id": self.client_id, "display_name": self.display_name, "roles": self.roles,
                "has_secret": bool(self.secrets), "certificates": len(self.certificates)}


class Tenant:
    def __init__(self, entry):
        self.id = entry["id"].lower()
        self.cloud = entry["cloud"]
        self.display_name = entry.get("display_name", self.id)
        self.domains = [d.lower() for d in entry["domains"]]
        self.region_scope = entry.get("region_scope", "NA")
        self.region_sub_scope = entry.get("region_sub_scope")
        self.apps = {}
        self.data = {}
        self.created = {}  # (kind, id) -> (monotonic creation time, its own replication delay in seconds)

    @property
    def initial_domain(self):
        for d in self.domains:
            if d.endswith(".onmicrosoft.com") or d.endswith(".onmicrosoft.us") or d.endswith(".partner.onmschina.cn"):
                return d
        return self.domains[0]

    @property
    def default_domain(self):
        return self.domains[-1] if len(self.domains) > 1 else self.domains[0]

    @property
    def endpoint(self):
        return clouds.endpoint(self.cloud)

    def summary(self):
        return {"id": self.id, "cloud": self.cloud, "display_name": self.display_name, "domains": self.domains,
                "initial_domain": self.initial_domain, "default_domain": self.default_domain,
                "region_scope": self.region_scope, "region_sub_scope": self.region_sub_scope}


class State:
    """All tenants, guarded by one lock (the emulator favours simple and correct over fast)."""

    def __init__(self, seed, state_dir):
        self.lock = threading.RLock()
        self.seed = seed
        self.state_dir = state_dir
        self.replication = {"min": 0.0, "max": 0.0, "seed": 0}
        self._replication_rng = random.Random(0)
        self.tenants = {}
        self.load()

    def load(self):
        """The seed's tenants again (the replication delay setting is the emulator's day: see Emulator.reset)."""
        with self.lock:
            self.tenants = {}
            for entry in self.seed["tenants"]:
                tenant = Tenant(entry)
                for app in entry.get("apps", []):
                    a = App(app["client_id"].lower(), app.get("display_name", "app"),
                            app.get("secrets", [app["client_secret"]] if app.get("client_secret") else []),
                            app.get("_certificates", []), app.get("roles", DEFAULT_APP_ROLES),
                            app.get("_certificate_path"))
                    tenant.apps[a.client_id] = a
                for init in _INITIALISERS:
                    init(tenant, entry)
                self.tenants[tenant.id] = tenant

    def save(self, path):
        """Write every tenant's resource data (not apps or secrets: those come from the seed)."""
        with self.lock:
            data = {"tenants": {tid: t.data for tid, t in self.tenants.items()}}
            text = json.dumps(data, indent=1, sort_keys=True)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def restore(self, path):
        """Load resource data saved by save() over the seeded tenants (unknown tenants are ignored)."""
        with open(path) as f:
            data = json.load(f)
        with self.lock:
            for tid, tenant_data in data.get("tenants", {}).items():
                if tid in self.tenants:
                    self.tenants[tid].data = tenant_data

    def snapshot(self):
        """A private copy of every tenant's resource data (apps and secrets stay as seeded)."""
        with self.lock:
            return copy.deepcopy(dict((tid, t.data) for tid, t in self.tenants.items()))

    def restore_snapshot(self, snap):
        """Put back what snapshot() took: the seed's tenants, with that resource data."""
        self.load()
        with self.lock:
            for tid, data in snap.items():
                self.tenants[tid].data = copy.deepcopy(data)

    def find(self, id_or_domain):
        key = (id_or_domain or "").lower()
        if key in self.tenants:
            return self.tenants[key]
        for t in self.tenants.values():
            if key in t.domains:
                return t
        return None

    def tenant_of_address(self, address):
        """The tenant whose verified domains contain the address's domain."""
        domain = address.rpartition("@")[2].lower()
        for t in self.tenants.values():
            if domain in t.domains:
                return t
        return None

    # Replication delay: each object gets its own delay, drawn when it is created from a seeded RNG in
    # [min, max] seconds; until it has passed the object answers 404 and is missing from lists.
    def set_replication(self, min_seconds, max_seconds=None, seed=0):
        """Delays for objects created from now on; the RNG restarts from `seed` (reproducible runs)."""
        low = float(min_seconds)
        high = low if max_seconds is None else float(max_seconds)
        if low < 0 or high < low:
            raise ValueError("replication delay needs 0 <= min <= max (got min=%s, max=%s)" % (low, high))
        seed = int(seed)
        with self.lock:
            self.replication = {"min": low, "max": high, "seed": seed}
            self._replication_rng = random.Random(seed)
        return dict(self.replication)

    def mark_created(self, tenant, kind, object_id):
        with self.lock:
            low, high = self.replication["min"], self.replication["max"]
            delay = low if high <= low else self._replication_rng.uniform(low, high)
            tenant.created[(kind, object_id)] = (time.monotonic(), delay)
        return delay

    def replicated(self, tenant, kind, object_id):
        born = tenant.created.get((kind, object_id))
        return born is None or time.monotonic() - born[0] >= born[1]

    def pending_replication(self):
        """Every object with a drawn delay: tenant, kind, id, its delay and the seconds still to wait."""
        now = time.monotonic()
        with self.lock:
            return [{"tenant": t.id, "kind": kind, "id": oid, "delay": round(delay, 6),
                     "remaining": round(max(0.0, born + delay - now), 6)}
                    for t in self.tenants.values() for (kind, oid), (born, delay) in t.created.items()]


def new_id():
    return str(uuid.uuid4())


def load_seed(path, state_dir):
    """Read and check a seed file; create app certificates asked for with `certificate: generate`."""
    with open(path) as f:
        seed = yaml.safe_load(f) or {}
    seed = copy.deepcopy(seed)
    tenants = seed.get("tenants")
    if not isinstance(tenants, list) or not tenants:
        raise SeedError("%s: 'tenants' must be a non-empty list" % path)
    seen = set()
    for i, t in enumerate(tenants):
        where = "%s: tenants[%d]" % (path, i)
        for key in ("id", "cloud", "domains"):
            if key not in t:
                raise SeedError("%s: '%s' is required" % (where, key))
        if not GUID_RE.match(str(t["id"])):
            raise SeedError("%s: id %r is not a GUID" % (where, t["id"]))
        if t["cloud"] not in clouds.CLOUDS:
            raise SeedError("%s: cloud %r is not one of %s" % (where, t["cloud"], ", ".join(clouds.CLOUDS)))
        if t["id"].lower() in seen:
            raise SeedError("%s: duplicate tenant id %s" % (where, t["id"]))
        seen.add(t["id"].lower())
        for app in t.get("apps", []):
            if "client_id" not in app:
                raise SeedError("%s: every app needs a client_id" % where)
            certs = list(app.get("certificates", []))
            if app.get("certificate") == "generate":
                cert_dir = os.path.join(state_dir, "certs")
                os.makedirs(cert_dir, mode=0o700, exist_ok=True)
                cert_path = os.path.join(cert_dir, "%s.pem" % app["client_id"])
                certs.append(tls.make_client_certificate(cert_path, app.get("display_name", "app"),
                                                         app.get("certificate_password")))
                app["_certificate_path"] = cert_path
            app["_certificates"] = certs
    return seed
