#!/usr/bin/env python
"""What does the main job cost per pair? playbooks/pair_tenants.yml on the emulator, by scenario.

Scenarios, each on fresh emulator tenants:
- the demo inventory (a commercial hub with China, GCC High and DoD spokes, and GCC High with DoD
  within one cloud: 4 pairs, 4 guests);
- a generated hub with N spokes spread over the four clouds (one guest per spoke);
for each: the first run (converge), the second run (nothing to do) and a --check run, plus the
first run with the token cache off as the baseline (a sign-in per task, as modules without a
shared cache do). Requests are counted from the emulator's own log.

    python benchmarks/pair_tenants.py [--spokes 24 100] [--latency-ms 0] [--forks 10] [--no-baseline]

The per-partner design that came before (one partner and one access_settings task per partner, the
hub's loops run one after another) is printed from its recorded run on this machine (issue 10), since
its roles are gone; the token-cache-off first run is measured for the demo inventory only.
"""

import argparse
import json
import os
import re
import sys
import tempfile
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Emulator, run_playbook, table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
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
        # credentials in the host's variables, as a real inventory has them (from a vault): the demo inventory's
        # lookup of the emulator's tenant file parses that file for every module task
        hosts[name] = {"tenant_id": tid(name), "cloud": cloud, "client_id": tid(name + "-app"),
                       "client_secret": "bench-secret-%s" % name}
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
    group = dict((k, demo[k]) for k in ("ansible_connection", "ansible_python_interpreter"))
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


# The per-partner design (before issue 10), measured on main on this machine, 0 ms added latency:
# (scenario, run, pairs, graph requests, seconds)
RECORDED = [("demo inventory", "first run (converge)", 4, 123, 15.0),
            ("demo inventory", "second run (no change)", 4, 84, 17.0),
            ("hub + 12 spokes", "first run (converge)", 12, 291, 52.0),
            ("hub + 12 spokes", "second run (no change)", 12, 197, 52.0),
            ("hub + 24 spokes", "first run (converge)", 24, 573, 104.0),
            ("hub + 24 spokes", "second run (no change)", 24, 386, 107.0),
            ("hub + 40 spokes", "first run (converge)", 40, None, None)]


def recorded_rows():
    rows = []
    for label, run, pairs, graph, seconds in RECORDED:
        rows.append({"scenario": label + " [per-partner, recorded]", "run": run, "pairs": pairs,
                     "graph": graph if graph is not None else "failed at spoke 20: policy over 25 KB",
                     "graph/pair": "%.1f" % (graph / float(pairs)) if graph else "",
                     "seconds": "%.1f" % seconds if seconds else "", "s/pair": "%.2f" % (seconds / pairs) if seconds
                     else ""})
    return rows


DAYS = {"calm": ["--fault-probability", "0", "--replication-delay", "0"],
        "ordinary": []}   # the emulator's default: 3 % faults, each new object hidden for 1-4 s


def profile_rows(path, top=12):
    """The slowest tasks of a run (wall seconds, all hosts together), from the task_seconds callback."""
    totals = {}
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            seconds, hosts = totals.get(t["task"], (0.0, 0))
            totals[t["task"]] = (seconds + t["seconds"], max(hosts, t["hosts"]))
    return sorted(((s, h, name) for name, (s, h) in totals.items()), reverse=True)[:top]


def scenario(label, seed, inventory, pairs, latency_ms, forks, cache_off=False, day="calm", profile=False):
    emu = Emulator(seed, DAYS[day])
    rows = []
    try:
        runs = [("first run (converge)", [], "true"), ("second run (no change)", [], "true"),
                ("--check --diff", ["--check", "--diff"], "true")]
        if cache_off:
            runs.append(("first run, token cache off (baseline)", [], "false"))
        for name, args, cache in runs:
            if name.startswith("first"):
                emu.reset()
            emu.admin("POST", "/_emulator/latency", {"ms": latency_ms})
            emu.admin("POST", "/_emulator/log/clear")
            work = tempfile.mkdtemp(prefix="bench-pair-")
            env = {"ENTRA_EMULATOR_DIR": emu.dir, "ENTRA_TOKEN_CACHE_DIR": os.path.join(work, "tokens"),
                   "ENTRA_TOKEN_CACHE": cache, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                   "ANSIBLE_REMOTE_TMP": os.path.join(work, "tmp"), "ANSIBLE_FORKS": str(forks)}
            if profile:
                env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                           ANSIBLE_CALLBACKS_ENABLED="task_seconds", TASK_SECONDS=os.path.join(work, "tasks.jsonl"))
            seconds, output = run_playbook(PLAYBOOK, emu, env=env, args=["-i", inventory] + args, output=True)
            c = emu.counts()
            rows.append({"scenario": label, "run": name, "pairs": pairs, "task results": recap(output),
                         "token": c["token_requests"],
                         "tokens/tenant": "%.1f" % (c["token_requests"] / float(len(c["by_tenant"]) or 1)),
                         "discovery": c["discovery_requests"],
                         "graph": c["graph_requests"], "writes": c["graph_writes"],
                         "graph/pair": "%.1f" % (c["graph_requests"] / float(pairs)),
                         "seconds": "%.1f" % seconds, "s/pair": "%.2f" % (seconds / pairs),
                         "paths": c["by_method_path"] if name.startswith("second") else None,
                         "profile": profile_rows(env["TASK_SECONDS"]) if profile else None})
    finally:
        emu.stop()
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spokes", type=int, nargs="+", default=[24, 100])
    p.add_argument("--latency-ms", type=int, default=0, help="added latency per request (a real round trip)")
    p.add_argument("--forks", type=int, default=10, help="ansible forks: tenants configured side by side")
    p.add_argument("--no-baseline", action="store_true", help="leave out the recorded per-partner rows")
    p.add_argument("--day", choices=sorted(DAYS), default="calm",
                   help="calm (no faults, no replication delay: the recorded baseline's day) or ordinary")
    p.add_argument("--paths", action="store_true", help="print the converged run's Graph requests by path")
    p.add_argument("--profile", action="store_true", help="print each run's slowest tasks (wall seconds)")
    args = p.parse_args()
    rows = scenario("demo inventory", None, DEMO_INVENTORY, 4, args.latency_ms, args.forks, cache_off=True,
                    day=args.day, profile=args.profile)
    for spokes in args.spokes:
        seed, inventory = generated(spokes, tempfile.mkdtemp(prefix="bench-hub-"))
        rows += scenario("hub + %d spokes" % spokes, seed, inventory, spokes, args.latency_ms, args.forks,
                         day=args.day, profile=args.profile)
    if not args.no_baseline and args.latency_ms == 0 and args.day == "calm":
        rows += recorded_rows()
    print("playbooks/pair_tenants.yml on the emulator, %s day, %d ms added per request, forks %d"
          % (args.day, args.latency_ms, args.forks))
    if args.paths:
        for r in rows:
            if r.get("paths"):
                print("\n%s, %s: Graph requests by method and path" % (r["scenario"], r["run"]))
                for path, n in sorted(r["paths"].items(), key=lambda kv: -kv[1]):
                    print("  %5d  %s" % (n, path))
    if args.profile:
        for r in rows:
            print("\n%s, %s: slowest tasks (wall s, hosts)" % (r["scenario"], r["run"]))
            for seconds, hosts, name in r["profile"] or []:
                print("  %7.2f  %4d  %s" % (seconds, hosts, name))
    print(table(rows, ["scenario", "run", "pairs", "task results", "token", "tokens/tenant", "discovery", "graph",
                       "writes", "graph/pair", "seconds", "s/pair"]))
    failures = [r for r in rows if r["run"] in ("second run (no change)", "--check --diff") and r.get("writes")]
    if failures:
        raise SystemExit("FAIL: writes in a run that must not write: %s" % failures)


if __name__ == "__main__":
    main()
