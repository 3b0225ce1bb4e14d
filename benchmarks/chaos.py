#!/usr/bin/env python
"""What does Microsoft's bad day cost? playbooks/pair_tenants.yml over the demo inventory on a calm
emulator (no faults, no replication delay) against the same run under 20 % mixed faults (429 with
Retry-After, 500, 502, 503, 504, dropped connections, before or after being applied; sign-in and
discovery included) and a 10 s replication delay, one seed per row. Every run must converge in ONE
run; the table gives seconds, the faults served and the retries the modules reported.

    python benchmarks/chaos.py [--seeds 1 2 3 4 5] [--probability 0.2] [--delay 10]
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Emulator, run_playbook, table  # noqa: E402

PLAYBOOK = os.path.join(REPO, "playbooks", "pair_tenants.yml")
INVENTORY = os.path.join(REPO, "playbooks", "inventory", "demo")
FAULTS = [429, 500, 502, 503, 504, "drop"]


def task_retries(result):
    """Retries a task reported, its loop items' included."""
    return int(result.get("retries") or 0) + sum(task_retries(item) for item in result.get("results") or []
                                                 if isinstance(item, dict))


def one_run(emu, label, seed=None, probability=0.0, delay=0):
    emu.reset()
    emu.admin("DELETE", "/_emulator/faults")
    emu.admin("POST", "/_emulator/replication_delay", {"seconds": delay})
    if probability:
        emu.admin("POST", "/_emulator/faults", {"rules": [{"probability": probability, "seed": seed,
                                                           "status": FAULTS}]})
    emu.admin("POST", "/_emulator/log/clear")
    work = tempfile.mkdtemp(prefix="chaos-run-")
    results = os.path.join(work, "results.jsonl")
    env = {"ENTRA_EMULATOR_DIR": emu.dir, "ENTRA_TOKEN_CACHE_DIR": os.path.join(work, "tokens"),
           # the test suite's callback writes every task result as a JSON line: retries are read from it
           "ANSIBLE_CALLBACK_PLUGINS": os.path.join(REPO, "tests", "integration", "callback_plugins"),
           "ANSIBLE_STDOUT_CALLBACK": "results_jsonl", "RESULTS_JSONL": results}
    seconds = run_playbook(PLAYBOOK, emu, env=env, args=["-i", INVENTORY])
    with open(results) as f:
        retries = sum(task_retries(json.loads(line)["result"]) for line in f if line.strip())
    log = emu.admin("GET", "/_emulator/log")["requests"]
    c = emu.counts()
    return {"run": label, "seed": "" if seed is None else seed, "seconds": "%.1f" % seconds,
            "requests": len(log), "faults": sum(1 for e in log if e.get("fault")),
            "after-apply": sum(1 for e in log if e.get("fault") == "after"),
            "retries": retries, "writes": c["graph_writes"], "tokens": c["token_requests"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--probability", type=float, default=0.2)
    ap.add_argument("--delay", type=float, default=10)
    args = ap.parse_args()
    emu = Emulator(extra_args=["--fault-probability", "0"])
    try:
        rows = [one_run(emu, "calm")]
        for seed in args.seeds:
            rows.append(one_run(emu, "bad day", seed, args.probability, args.delay))
    finally:
        emu.stop()
    print(table(rows, ["run", "seed", "seconds", "requests", "faults", "after-apply", "retries", "writes",
                       "tokens"]))


if __name__ == "__main__":
    main()
