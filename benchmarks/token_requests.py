#!/usr/bin/env python
"""How many times does a playbook ask the token endpoint? N Graph tasks against one tenant.

Runs a playbook of N `entra.crosscloud.tenant_info` tasks (each signs in and calls Graph)
against one emulator tenant, once with the collection's token cache (the default) and once
with `token_cache: false` (the baseline: a sign-in per task, as modules without a shared cache
do), and prints the requests the emulator logged, side by side.

    python benchmarks/token_requests.py [--tasks 20] [--latency-ms 100]
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import Emulator, run_playbook, table  # noqa: E402

PLAY = """
- name: benchmark
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/entra.crosscloud.graph:
      tenant_id: "{tenant_id}"
      client_id: "{client_id}"
      client_secret: "{client_secret}"
      cloud: "{cloud}"
      token_cache: {cache}
      token_cache_dir: "{cache_dir}"
  tasks:
{tasks}
"""

TASK = """    - name: lookup {i}
      entra.crosscloud.tenant_info:
        tenant: "{tenant_id}"
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=20)
    p.add_argument("--tenant", default="tailspin_gcch")
    p.add_argument("--latency-ms", type=int, default=0, help="added latency per request (a real round trip)")
    args = p.parse_args()
    emu = Emulator()
    rows = []
    try:
        t = emu.tenants[args.tenant]
        for label, cache in (("token cache on (default)", "true"), ("token cache off (baseline)", "false")):
            emu.reset()
            emu.admin("POST", "/_emulator/latency", {"ms": args.latency_ms})
            work = tempfile.mkdtemp(prefix="bench-")
            path = os.path.join(work, "play.yml")
            with open(path, "w") as f:
                f.write(PLAY.format(tenant_id=t["id"], client_id=t["client_id"], client_secret=t["client_secret"],
                                    cloud=t["cloud"], cache=cache, cache_dir=os.path.join(work, "tokens"),
                                    tasks="".join(TASK.format(i=i, tenant_id=t["id"]) for i in range(args.tasks))))
            seconds = run_playbook(path, emu)
            c = emu.counts()
            rows.append({"scenario": label, "tasks": args.tasks, "token requests": c["token_requests"],
                         "discovery GETs": c["discovery_requests"], "graph requests": c["graph_requests"],
                         "seconds": "%.1f" % seconds, "s/task": "%.3f" % (seconds / args.tasks)})
    finally:
        emu.stop()
    print("tenant %s (%s), %d tasks of entra.crosscloud.tenant_info with credentials, %d ms added per request"
          % (args.tenant, emu.tenants[args.tenant]["cloud"], args.tasks, args.latency_ms))
    print(table(rows, ["scenario", "tasks", "token requests", "discovery GETs", "graph requests", "seconds",
                       "s/task"]))
    if rows[0]["token requests"] != 1:
        raise SystemExit("FAIL: expected exactly 1 token request with the cache on, got %s" % rows[0]["token requests"])


if __name__ == "__main__":
    main()
