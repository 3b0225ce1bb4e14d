#!/usr/bin/env python
"""What does the main job cost per pair? playbooks/pair_tenants.yml on the emulator, by scenario.

Scenarios, each on fresh emulator tenants:
- the demo inventory (a commercial hub with China, GCC High and DoD spokes, and GCC High with DoD
  within one cloud: 4 pairs, 4 guests);
- a generated hub with N spokes spread over the four clouds (one guest per spoke);
for each: the first run (converge), the second run (nothing to do) and a --check run, plus the
first run with the token cache off as the baseline (a sign-in per task, as modules without a
shared cache do). Requests are counted from the emulator's own log.

    python benchmarks/pair_tenants.py [--spokes 12] [--latency-ms 0]
"""

import argparse
import os
import re
import sys
import tempfile
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Emulator, run_playbook, table  # noqa: E402

PLAYBOOK = os.path.join(REPO, "playbooks", "pair_tenants.yml")
DEMO_INVENTORY = os.path.join(REPO, "playbooks", "inventory", "demo")
CLOUDS = [("usgov", "USGov", "DODCON", "us"), ("china", "AS", None, "cn"), ("usgov_dod", "USGov", "DOD", "mil"),
          ("global", "NA", None, "com")]


def generated(spokes, work):
    """A seed and an inventory: hub 'hub' (global) and `spokes` spokes over the four clouds."""
    def tid(name):
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, "bench-%s.example" % name))
    tenants, hosts, guests = [], {}, []
    for i in range(spokes + 1):
        name = "hub" if i == 0 else "spoke%02d" % i
        cloud, scope, sub, tld = ("global", "NA", None, "com") if i == 0 else CLOUDS[(i - 1) % len(CLOUDS)]
        domain = "%s.example.%s" % (name, tld)
        tenants.append({"name": name, "id": tid(name), "cloud": cloud, "display_name": name, "region_scope": scope,
                        "region_sub_scope": sub, "domains": ["%s.onmicrosoft.%s" % (name, tld), domain],
                        "apps": [{"client_id": tid(name + "-app"), "client_secret": "bench-secret-%s" % name}],
                        "users": [{"user_principal_name": "user@" + domain, "display_name": "User " + name,
                                   "mail": "user@" + domain}]})
        hosts[name] = {"tenant_id": tid(name), "cloud": cloud}
        if i:
            guests.append({"resource": "hub", "home": name, "people": ["user@" + domain]})
    seed = os.path.join(work, "seed.yml")
    with open(seed, "w") as f:
        yaml.safe_dump({"tenants": tenants}, f)
    inv = os.path.join(work, "inventory")
    os.makedirs(os.path.join(inv, "group_vars"))
    with open(os.path.join(inv, "hosts.yml"), "w") as f:
        yaml.safe_dump({"all": {"children": {"tenants": {"hosts": hosts}}}}, f)
    with open(os.path.join(DEMO_INVENTORY, "group_vars", "tenants.yml")) as f:
        demo = yaml.safe_load(f)
    group = dict((k, demo[k]) for k in ("ansible_connection", "ansible_python_interpreter", "emulator_dir",
                                        "emulator_tenant", "client_id", "client_secret"))
    group["entra_partnerships"] = [{"hub": "hub", "spokes": [n for n in hosts if n != "hub"]}]
    group["entra_guests"] = guests
    with open(os.path.join(inv, "group_vars", "tenants.yml"), "w") as f:
        yaml.safe_dump(group, f, sort_keys=False)
    return seed, inv


def recap(output):
    """Task results (ok + failed + skipped, all hosts) from PLAY RECAP."""
    total = 0
    for m in re.finditer(r"ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)", output):
        total += sum(int(x) for x in m.groups())
    return total


def scenario(label, seed, inventory, pairs, latency_ms):
    emu = Emulator(seed)
    rows = []
    try:
        runs = [("first run (converge)", [], "true"), ("second run (no change)", [], "true"),
                ("--check --diff", ["--check", "--diff"], "true"),
                ("first run, token cache off (baseline)", [], "false")]
        for name, args, cache in runs:
            if name.startswith("first"):
                emu.reset()
            emu.admin("POST", "/_emulator/latency", {"ms": latency_ms})
            emu.admin("POST", "/_emulator/log/clear")
            work = tempfile.mkdtemp(prefix="bench-pair-")
            env = {"ENTRA_EMULATOR_DIR": emu.dir, "ENTRA_TOKEN_CACHE_DIR": os.path.join(work, "tokens"),
                   "ENTRA_TOKEN_CACHE": cache, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                   "ANSIBLE_REMOTE_TMP": os.path.join(work, "tmp")}
            seconds, output = run_playbook(PLAYBOOK, emu, env=env, args=["-i", inventory] + args, output=True)
            c = emu.counts()
            rows.append({"scenario": label, "run": name, "pairs": pairs, "task results": recap(output),
                         "token": c["token_requests"], "discovery": c["discovery_requests"],
                         "graph": c["graph_requests"], "writes": c["graph_writes"],
                         "graph/pair": "%.1f" % (c["graph_requests"] / float(pairs)),
                         "seconds": "%.1f" % seconds, "s/pair": "%.2f" % (seconds / pairs)})
    finally:
        emu.stop()
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spokes", type=int, default=12)
    p.add_argument("--latency-ms", type=int, default=0, help="added latency per request (a real round trip)")
    args = p.parse_args()
    rows = scenario("demo inventory", None, DEMO_INVENTORY, 4, args.latency_ms)
    seed, inventory = generated(args.spokes, tempfile.mkdtemp(prefix="bench-hub-"))
    rows += scenario("hub + %d spokes" % args.spokes, seed, inventory, args.spokes, args.latency_ms)
    print("playbooks/pair_tenants.yml on the emulator, %d ms added per request" % args.latency_ms)
    print(table(rows, ["scenario", "run", "pairs", "task results", "token", "discovery", "graph", "writes",
                       "graph/pair", "seconds", "s/pair"]))
    failures = [r for r in rows if r["run"] in ("second run (no change)", "--check --diff") and r["writes"]]
    if failures:
        raise SystemExit("FAIL: writes in a run that must not write: %s" % failures)


if __name__ == "__main__":
    main()
