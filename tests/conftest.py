"""Shared pytest fixtures: one emulator per test session, reset before each test that uses it.

The emulator runs as its own process through its real CLI (python -m emulator), over HTTPS on
127.0.0.1, exactly as the demo and CI use it.
"""

import os
import subprocess
import sys
import time

import pytest
import requests
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collections_root():
    """A folder holding ansible_collections/entra/crosscloud for this checkout.

    `make` runs the tests from the copy in .build/ansible_collections/entra/crosscloud; run from a
    plain checkout, a symlinked ansible_collections tree in the temp folder stands in for it.
    """
    parts = REPO.split(os.sep)
    if parts[-3:] == ["ansible_collections", "entra", "crosscloud"]:
        return os.sep.join(parts[:-3])
    root = os.path.join(os.environ.get("TMPDIR", "/tmp"), "entra-crosscloud-pytest-%d" % os.getuid())
    os.makedirs(os.path.join(root, "ansible_collections", "entra"), exist_ok=True)
    link = os.path.join(root, "ansible_collections", "entra", "crosscloud")
    # a link left by another checkout would test that checkout's code: point it at this one
    if os.path.islink(link) and os.path.realpath(link) != os.path.realpath(REPO):
        os.unlink(link)
    if not os.path.exists(link):
        os.symlink(REPO, link)
    return root


# Test modules import the collection as ansible_collections.entra.crosscloud.
COLLECTIONS_ROOT = collections_root()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)


class Emulator:
    """Handle on a running emulator: its files, plus helpers that talk to it like any client would."""

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.ca = os.path.join(state_dir, "ca.pem")
        self.clouds_file = os.path.join(state_dir, "clouds.yml")
        with open(os.path.join(state_dir, "url")) as f:
            self.url = f.read().strip()
        with open(self.clouds_file) as f:
            self.clouds = yaml.safe_load(f)["clouds"]
        with open(os.path.join(state_dir, "tenants.yml")) as f:
            self.tenants = {t["name"]: t for t in yaml.safe_load(f)["tenants"]}
        self.http = requests.Session()
        self._tokens = {}

    def tenant(self, name):
        return self.tenants[name]

    # --- admin API -------------------------------------------------------------------------
    def admin(self, method, path, json=None):
        r = self.http.request(method, self.url + path, json=json, verify=self.ca, timeout=30)
        assert r.status_code < 300, "admin %s %s -> %s %s" % (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def reset(self):
        self.admin("POST", "/_emulator/reset")
        self._tokens.clear()

    def snapshot(self, name):
        self.admin("POST", "/_emulator/snapshots/%s" % name)

    def get_snapshot(self, name):
        """A snapshot's tenant data, to hand to another emulator of the same seed (put_snapshot)."""
        return self.admin("GET", "/_emulator/snapshots/%s" % name)["tenants"]

    def put_snapshot(self, name, tenants):
        self.admin("PUT", "/_emulator/snapshots/%s" % name, {"tenants": tenants})

    def restore(self, name):
        """Back to a snapshot, as reset() goes back to the seed."""
        self.admin("POST", "/_emulator/snapshots/%s/restore" % name)
        self._tokens.clear()

    def log(self, since=0):
        return self.admin("GET", "/_emulator/log?since=%d" % since)["requests"]

    def counts(self, since=0):
        return self.admin("GET", "/_emulator/counts?since=%d" % since)

    def faults(self, *rules):
        return self.admin("POST", "/_emulator/faults", {"rules": list(rules)})

    def day(self):
        """The day in force: replication delay (min, max, seed), fault rules, latency; and "start"."""
        return self.admin("GET", "/_emulator/day")

    def replication(self, min_seconds, max_seconds=None, seed=0):
        """Objects created from now on stay unreadable for a delay drawn in [min, max] (max=None: exactly min)."""
        return self.admin("POST", "/_emulator/replication_delay",
                          {"min": min_seconds, "max": min_seconds if max_seconds is None else max_seconds,
                           "seed": seed})

    def chaos(self, probability, seed=0, statuses=None, **rule):
        """Add a probabilistic fault rule: each matching request fails with `probability` (seeded)."""
        rule = dict(rule, probability=probability, seed=seed)
        if statuses is not None:
            rule["status"] = list(statuses)
        return self.faults(rule)

    def as_admin(self, tenant, method, path, body=None):
        """A Graph call made 'behind the play's back' by the tenant's admin (not logged)."""
        return self.admin("POST", "/_emulator/tenants/%s/graph" % self.tenants[tenant]["id"],
                          {"method": method, "path": path, "body": body})

    def state(self, tenant):
        return self.admin("GET", "/_emulator/tenants/%s" % self.tenants[tenant]["id"])

    # --- sign-in and Graph, the way a plain client does it -----------------------------------
    def token_response(self, tenant, client_id=None, secret=None, cloud=None, scope=None, login_cloud=None):
        t = self.tenants[tenant]
        login = self.clouds[login_cloud or t["cloud"]]["authority_host"]
        form = {"grant_type": "client_credentials", "client_id": client_id or t["client_id"],
                "client_secret": secret if secret is not None else t.get("client_secret"),
                "scope": scope or self.clouds[cloud or t["cloud"]]["graph_url"] + "/.default"}
        return self.http.post("%s/%s/oauth2/v2.0/token" % (login, t["id"]), data=form, verify=self.ca, timeout=30)

    def token(self, tenant, client_id=None, secret=None):
        key = (tenant, client_id, secret)
        if key not in self._tokens:
            r = self.token_response(tenant, client_id, secret)
            assert r.status_code == 200, r.text
            self._tokens[key] = r.json()["access_token"]
        return self._tokens[key]

    def graph(self, tenant, method, path, body=None, api="v1.0", token=None, cloud=None, headers=None, **kw):
        """Call the tenant's own cloud Graph (or `cloud`'s) with the tenant's first app."""
        t = self.tenants[tenant]
        base = self.clouds[cloud or t["cloud"]]["graph_url"]
        hdrs = {"Authorization": "Bearer " + (token or self.token(tenant))}
        hdrs.update(headers or {})
        url = path if path.startswith("https://") else "%s/%s%s" % (base, api, path)
        return self.http.request(method, url, json=body, headers=hdrs, verify=self.ca, timeout=30, **kw)


def _start(state_dir, seed=None):
    # The CLI's default day fails ~3 % of requests; the suites count requests exactly, so faults are off
    # here (a chaos stage adds its own). The default replication delay (1-4 s per object) stays on.
    cmd = [sys.executable, "-m", "emulator", "--state-dir", state_dir, "--fault-probability", "0"]
    if seed:
        cmd += ["--seed", seed]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = open(os.path.join(state_dir, "emulator.log"), "w")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(state_dir, "url")):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            with open(os.path.join(state_dir, "emulator.log")) as f:
                raise RuntimeError("emulator did not start: " + f.read())
        time.sleep(0.05)
    return proc


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp("emulator"))
    proc = _start(state_dir)
    try:
        yield Emulator(state_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def emulator(emulator_session):
    """The session's emulator, reset to the demo seed and its start-time day (state, log, faults, delay)."""
    emulator_session.reset()
    return emulator_session


@pytest.fixture
def connection(emulator):
    """Module connection options for a demo tenant: connection('contoso') -> dict."""
    def opts(name, **over):
        t = emulator.tenant(name)
        d = {"tenant_id": t["id"], "client_id": t["client_id"], "client_secret": t["client_secret"],
             "cloud": t["cloud"]}
        d.update(over)
        return d
    return opts
