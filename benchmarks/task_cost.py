#!/usr/bin/env python
"""What one module invocation costs, step by step, and one whole task (warm token cache).

Every task of the roles starts a module process (AnsiballZ, connection: local), so a hub with 100
partner tenants pays these costs hundreds of times. Each step runs in fresh interpreters (imports are
what a new module process pays; module_utils come from a real task's AnsiballZ payload and are compiled
from source every time, as AnsiballZ's zip import does), against the emulator over real HTTPS on
127.0.0.1. The fastest of --runs (the least disturbed by other load on the machine) is shown next to
the numbers recorded with this script before the per-call costs were cut:

    python benchmarks/task_cost.py [--runs 9] [--tasks 10] [--tenant contoso]

Steps (ms):
  interpreter + ansible basic   python start-up and `import ansible.module_utils.basic` (every module)
  requests import               on top of that (every module that talks HTTP)
  msal import                   on top of requests: paid only by a sign-in (cryptography: only for certificates)
  module_utils import           what a module's own imports cost on top of basic (as tenant_info imports
                                them); `loads` lists the heavy libraries that came along
  token cache read              get_access_token with a valid cached token
  discovery                     the tenant's OpenID configuration as a sign-in asks for it (warm token cache)
  sign-in (cache miss)          a token from the token endpoint, in a fresh process with nothing cached
  sign-in (token expired)       the same when the cached token has expired (the hourly case)
  one Graph request             one GET through GraphClient (fresh process: includes the TLS handshake)
  module process                the AnsiballZ file of one tenant_info task, run again (process wall time)
  task (playbook)               one tenant_info task in ansible-playbook, warm cache: (T(1+N) - T(1)) / N,
                                as a module process (entra_in_controller: false)
  task (playbook, in the ...)   the same, run inside the controller's worker (the default since 0.4.0)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import Emulator, run_playbook, table  # noqa: E402

PY = sys.executable
MU = "ansible_collections.entra.crosscloud.plugins.module_utils"

# Measured with this script on the code before the change (same machine, --runs 7 --tasks 8; a shared machine
# under load: differences under ~30 ms per process are noise).
RECORDED_BEFORE = {
    "interpreter + ansible basic": 252.2,
    "requests import": 74.5,
    "msal import": 13.1,
    "module_utils import": 107.0,
    "token cache read": 0.1,
    "discovery": 7.7,
    "sign-in (cache miss)": 37.4,
    "sign-in (token expired)": 49.1,
    "one Graph request": 9.6,
    "module process": 456.4,
    "task (playbook)": 856.3,
    "task (playbook, in the controller)": None,
}
RECORDED_BEFORE_LOADS = "yaml, requests"

# Child snippets print one JSON line {"ms": float, ...}; `setup` runs before the clock starts.
CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
{setup}
t1 = time.perf_counter()
{body}
t2 = time.perf_counter()
heavy = [m for m in ("yaml", "msal", "cryptography", "requests") if m in sys.modules]
print(json.dumps({{"ms": (t2 - t1) * 1000, "loads": heavy, "extra": globals().get("extra")}}))
"""

SETTINGS = r"""
from {mu} import auth
from {mu}.clouds import load_catalogue
cloud = load_catalogue(os.environ["ENTRA_CLOUDS_FILE"]).resolve(os.environ["BENCH_CLOUD"])
settings = auth.AuthSettings(cloud.authority_host, os.environ["BENCH_TENANT"], cloud.token_scope,
                             client_id=os.environ["BENCH_CLIENT"], client_secret=os.environ["BENCH_SECRET"],
                             verify=cloud.ca_path, token_cache_dir=os.environ["BENCH_CACHE"])
""".format(mu=MU)

MODULE_IMPORTS = r"""
from {mu}.clouds import CloudError, cloud_from_discovery, is_guid
from {mu}.cross_tenant import discover_cloud
from {mu}.graph import GraphError
from {mu}.module import EntraModule
from {mu} import auth
""".format(mu=MU)

# The discovery a sign-in makes, through the client auth gives MSAL: from the token file when auth keeps it
# there (auth.Discovery), else the plain GET MSAL sends.
DISCOVERY = r"""
url = "%s/%s/v2.0/.well-known/openid-configuration" % (settings.authority_host, settings.tenant_id)
if hasattr(auth, "Discovery"):
    cached = auth._read_cache(auth.cache_path(settings, settings.client_secret)) or {}
    http = auth._http_client(settings, auth.Discovery(settings, cached.get("discovery")))
else:
    http = auth._http_client(settings)
assert http.get(url).json()["token_endpoint"]
"""

EXPIRE = r"""
import glob, shutil
cache = os.environ["BENCH_CACHE"]
shutil.copytree(os.environ["BENCH_WARM"], cache)
for path in glob.glob(os.path.join(cache, "*.json")):
    with open(path) as f:
        data = json.load(f)
    data["expires_on"] = 0
    with open(path, "w") as f:
        json.dump(data, f)
"""

GRAPH = r"""
from {mu}.graph import GraphClient
token, source = auth.get_access_token(settings)
client = GraphClient(cloud.graph_url, lambda: token, verify=cloud.ca_path, timeout=30)
""".format(mu=MU)
GRAPH_GET = "client.get(\"tenantRelationships/findTenantInformationByTenantId(tenantId='%s')\" % settings.tenant_id)"


def child(setup, body, env, runs):
    """Fastest ms of `body` (after `setup`) over `runs` fresh interpreters, and the last run's output."""
    code = CHILD.format(setup=setup, body=body)
    values, last = [], None
    for _run in range(runs):
        out = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env, check=False)
        if out.returncode != 0:
            raise SystemExit("step failed:\n%s\n%s" % (code, out.stderr[-3000:]))
        last = json.loads(out.stdout.strip().splitlines()[-1])
        values.append(last["ms"])
    return min(values), last


def wall(cmd, env, runs, stdin=None):
    values = []
    for _run in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, input=stdin, check=False)
        values.append((time.perf_counter() - t0) * 1000)
        if out.returncode != 0:
            raise SystemExit("failed: %s\n%s%s" % (cmd, out.stdout[-2000:], out.stderr[-2000:]))
    return min(values), out.stdout


PLAY = """
- name: task cost
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    entra_in_controller: {in_controller}
  module_defaults:
    group/entra.crosscloud.graph:
      tenant_id: "{tenant_id}"
      client_id: "{client_id}"
      client_secret: "{client_secret}"
      cloud: "{cloud}"
      token_cache_dir: "{cache_dir}"
  tasks:
{tasks}
"""
TASK = """    - name: lookup {i}
      entra.crosscloud.tenant_info:
        tenant: "{tenant_id}"
"""


def playbook(emu, tenant, cache_dir, tasks, work, in_controller=True):
    path = os.path.join(work, "tasks-%d-%s.yml" % (tasks, in_controller))
    with open(path, "w") as f:
        f.write(PLAY.format(tenant_id=tenant["id"], client_id=tenant["client_id"],
                            client_secret=tenant["client_secret"], cloud=tenant["cloud"], cache_dir=cache_dir,
                            in_controller=str(in_controller).lower(),
                            tasks="".join(TASK.format(i=i, tenant_id=tenant["id"]) for i in range(tasks))))
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=9, help="fresh processes per step (fastest shown)")
    p.add_argument("--tasks", type=int, default=10, help="N in the per-task playbook measurement")
    p.add_argument("--tenant", default="contoso")
    p.add_argument("--skip-playbook", action="store_true")
    args = p.parse_args()

    emu = Emulator(extra_args=["--fault-probability", "0", "--replication-delay", "0"])
    work = tempfile.mkdtemp(prefix="bench-task-cost-")
    cache = os.path.join(work, "token-cache")
    t = emu.tenants[args.tenant]
    env = dict(os.environ, ENTRA_CLOUDS_FILE=emu.clouds_file, BENCH_CLOUD=t["cloud"], BENCH_TENANT=t["id"],
               BENCH_CLIENT=t["client_id"], BENCH_SECRET=t["client_secret"], BENCH_CACHE=cache)
    now, loads = {}, ""
    try:
        # The real module process: the AnsiballZ file of one task, kept, and its payload exploded. Steps
        # import from the payload without writing .pyc files, as AnsiballZ's zip import does.
        remote = os.path.join(work, "remote")
        run_playbook(playbook(emu, t, cache, 1, work, in_controller=False), emu,
                     env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote})
        ansiballz = [os.path.join(d, f) for d, _dirs, files in os.walk(remote) for f in files
                     if f == "AnsiballZ_tenant_info.py"][0]
        subprocess.run([PY, ansiballz, "explode"], capture_output=True, check=True)
        payload = os.path.join(os.path.dirname(ansiballz), "debug_dir")
        env.update(PYTHONPATH=payload, PYTHONDONTWRITEBYTECODE="1")
    except BaseException:
        emu.stop()
        raise
    try:
        runs = args.runs
        now["interpreter + ansible basic"] = wall([PY, "-c", "import ansible.module_utils.basic"], env, runs)[0]
        now["requests import"] = child("import ansible.module_utils.basic", "import requests", env, runs)[0]
        now["msal import"] = child("import ansible.module_utils.basic, requests", "import msal", env, runs)[0]
        ms, last = child("import ansible.module_utils.basic", MODULE_IMPORTS, env, runs)
        now["module_utils import"], loads = ms, ", ".join(last["loads"])

        # sign-in with nothing cached: a fresh cache folder each run (the discovery cache goes with it)
        cold = []
        for i in range(runs):
            e = dict(env, BENCH_CACHE=os.path.join(work, "cold-%d" % i))
            cold.append(child(SETTINGS, "extra = auth.get_access_token(settings)[1]", e, 1)[0])
        now["sign-in (cache miss)"] = min(cold)
        # warm: one sign-in fills the cache, then every step reads it
        child(SETTINGS, "auth.get_access_token(settings)", env, 1)
        ms, last = child(SETTINGS, "extra = auth.get_access_token(settings)[1]", env, runs)
        assert last["extra"] == "cache", last
        now["token cache read"] = ms
        expired = []
        for i in range(runs):
            e = dict(env, BENCH_CACHE=os.path.join(work, "expired-%d" % i), BENCH_WARM=cache)
            ms, last = child(EXPIRE + SETTINGS, "extra = auth.get_access_token(settings)[1]", e, 1)
            assert last["extra"] == "identity_provider", last
            expired.append(ms)
        now["sign-in (token expired)"] = min(expired)
        now["discovery"] = child(SETTINGS, DISCOVERY, env, runs)[0]
        now["one Graph request"] = child(SETTINGS + GRAPH, GRAPH_GET, env, runs)[0]

        ms, out = wall([PY, ansiballz], env, runs)
        result = json.loads(out)
        assert result.get("token_source") == "cache" and not result.get("failed"), result
        now["module process"] = ms

        if not args.skip_playbook:
            penv = {"ENTRA_TOKEN_CACHE_DIR": cache}
            for step, here in (("task (playbook)", False), ("task (playbook, in the controller)", True)):
                one = playbook(emu, t, cache, 1, work, in_controller=here)
                many = playbook(emu, t, cache, 1 + args.tasks, work, in_controller=here)
                run_playbook(one, emu, env=penv)  # warm-up (cache, pyc)
                t1 = min(run_playbook(one, emu, env=penv) for _try in range(3))
                tn = min(run_playbook(many, emu, env=penv) for _try in range(3))
                now[step] = (tn - t1) * 1000 / args.tasks
    finally:
        emu.stop()

    rows = []
    for step, before in RECORDED_BEFORE.items():
        after = now.get(step)
        row = {"step": step, "recorded before (ms)": "-" if before is None else "%.1f" % before,
               "now (ms)": "-" if after is None else "%.1f" % after}
        if before is not None and after is not None:
            row["change (ms)"] = "%+.1f" % (after - before)
        rows.append(row)
    print(table(rows, ["step", "recorded before (ms)", "now (ms)", "change (ms)"]))
    print("\nheavy libraries loaded by the module_utils import: recorded before: %s; now: %s"
          % (RECORDED_BEFORE_LOADS or "-", loads or "none"))
    print("\n(runs=%d per step, fastest; tasks=%d; python %s; emulator on 127.0.0.1)"
          % (args.runs, args.tasks, sys.version.split()[0]))
    print("as dict: %s" % json.dumps(dict((k, round(v, 1)) for k, v in now.items())))


if __name__ == "__main__":
    main()
