#!/usr/bin/env python
"""How long does exporting a big tenant take? cross_tenant_access_info on a tenant with many partners.

The tenant (the demo seed's contoso) gets N partners from the seed file (default 500; some with an
identity synchronisation policy, put through the emulator's admin Graph call), then the module runs
through ansible-playbook once per added latency (default 0 and 50 ms per request). Requests are
counted from the emulator's own log: HTTP requests (what the latency is paid on; a $batch is one)
and the $batch items inside them.

    python benchmarks/export.py [--partners 500] [--synced-every 5] [--latency-ms 0 50] [--baseline]

--baseline also measures the module as committed (git HEAD), in a throwaway collection copy where
only plugins/modules/cross_tenant_access_info.py differs. Without it, the numbers recorded before the
change (500 partners, same machine) are printed, labelled as recorded.

Why the seed file: 500 bare partners are about 26.6 KB in the emulator's measure of the policy
(52 bytes each), over its 25 KB cap, so they cannot be created through Graph (admin calls run the
same handlers and are refused too). Microsoft lifted the cap for tenants on the new storage model, so
such a tenant is real; the seed loads the partners without the size check. Identity synchronisation
is a separate object outside the cap and goes through the admin Graph call.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Emulator, collections_path, run_playbook, table  # noqa: E402

MODULE = "plugins/modules/cross_tenant_access_info.py"
HUB = "contoso"
CALM_DAY = ["--replication-delay", "0", "--fault-probability", "0"]

# Measured before the change (git HEAD: identity sync read in 25 sequential $batch calls), 500 partners.
RECORDED = [(0, 1.9, 130), (50, 8.7, 130)]


def partner_id(i):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, "export-bench-partner-%d.example" % i))


def make_seed(partners, work):
    """The demo seed with `partners` bare partners on the hub (the partner tenants need not exist to be read)."""
    with open(os.path.join(REPO, "emulator", "seeds", "demo.yml")) as f:
        seed = yaml.safe_load(f)
    hub = [t for t in seed["tenants"] if t["name"] == HUB][0]
    hub["cross_tenant_access"] = dict(hub.get("cross_tenant_access") or {},
                                      partners=[{"tenantId": partner_id(i)} for i in range(partners)])
    path = os.path.join(work, "seed.yml")
    with open(path, "w") as f:
        yaml.safe_dump(seed, f)
    return path


def add_identity_sync(emu, tenant_id, partners, every):
    """An identity synchronisation policy on every `every`-th partner; returns how many."""
    done = 0
    for i in range(0, partners, every):
        r = emu.admin("POST", "/_emulator/tenants/%s/graph" % tenant_id, {
            "method": "PUT",
            "path": "/v1.0/policies/crossTenantAccessPolicy/partners/%s/identitySynchronization" % partner_id(i),
            "body": {"displayName": "Partner %d" % i, "userSyncInbound": {"isSyncAllowed": True}}})
        if r["status"] not in (200, 201, 204):
            raise SystemExit("could not add identity sync: %s" % r)
        done += 1
    return done


def baseline_collection():
    """A collections root whose entra.crosscloud is this tree with the module as committed (git HEAD)."""
    root = tempfile.mkdtemp(prefix="bench-export-baseline-")
    coll = os.path.join(root, "ansible_collections", "entra", "crosscloud")
    os.makedirs(os.path.join(coll, "plugins", "modules"))
    for name in os.listdir(REPO):
        if name != "plugins":
            os.symlink(os.path.join(REPO, name), os.path.join(coll, name))
    for name in os.listdir(os.path.join(REPO, "plugins")):
        if name != "modules":
            os.symlink(os.path.join(REPO, "plugins", name), os.path.join(coll, "plugins", name))
    for name in os.listdir(os.path.join(REPO, "plugins", "modules")):
        if name != os.path.basename(MODULE):
            os.symlink(os.path.join(REPO, "plugins", "modules", name), os.path.join(coll, "plugins", "modules", name))
    head = subprocess.run(["git", "show", "HEAD:" + MODULE], cwd=REPO, capture_output=True, text=True, check=True)
    with open(os.path.join(coll, MODULE), "w") as f:
        f.write(head.stdout)
    return root


def write_playbook(emu, work):
    t = emu.tenants[HUB]
    app = [a for a in t["apps"] if a.get("client_secret")][0]
    conn = {"tenant_id": t["id"], "client_id": app["client_id"], "client_secret": app["client_secret"],
            "cloud": t["cloud"]}
    play = [{"name": "export", "hosts": "localhost", "gather_facts": False,
             "module_defaults": {"group/entra.crosscloud.graph": conn},
             "tasks": [{"name": "export", "entra.crosscloud.cross_tenant_access_info": {}, "register": "exported"},
                       {"name": "check", "ansible.builtin.assert": {"that": ["exported.partners | length == %d"
                                                                             % len(emu.expected_partners)]}},
                       {"name": "synced", "ansible.builtin.debug": {
                           "msg": "synced={{ exported.partners | selectattr('identity_synchronization') "
                                  "| list | length }}"}}]}]
    path = os.path.join(work, "export.yml")
    with open(path, "w") as f:
        yaml.safe_dump(play, f, sort_keys=False)
    return path


def measure(emu, playbook, latency_ms, label, collections=None):
    emu.admin("POST", "/_emulator/latency", {"ms": latency_ms})
    emu.admin("POST", "/_emulator/log/clear")
    work = tempfile.mkdtemp(prefix="bench-export-run-")
    env = {"ENTRA_TOKEN_CACHE_DIR": os.path.join(work, "tokens"), "ANSIBLE_REMOTE_TMP": os.path.join(work, "tmp"),
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}
    if collections:
        env["ANSIBLE_COLLECTIONS_PATH"] = collections
    seconds, output = run_playbook(playbook, emu, env=env, output=True)
    emu.admin("POST", "/_emulator/latency", {"ms": 0})
    log = emu.admin("GET", "/_emulator/log")
    entries = log["requests"]
    http = [e for e in entries if not e.get("batch_item")]
    graph = [e for e in http if e["kind"] == "graph"]
    items = [e for e in entries if e.get("batch_item")]
    synced = output.split("synced=")[1].split('"')[0] if "synced=" in output else "?"

    def span(es):
        return (es[-1]["time"] - es[0]["time"] + (es[-1].get("ms") or 0) / 1000.0) if es else 0.0
    pages = [e for e in graph if e["path"].split("?")[0].endswith("/partners")]
    window = span(http)
    return {"module": label, "latency ms": latency_ms, "seconds": "%.1f" % seconds, "in requests s": "%.1f" % window,
            "HTTP requests": len(http),
            "graph": len(graph), "list pages": len(pages), "paging s": "%.1f" % span(pages),
            "$batch": sum(1 for e in graph if e["path"].endswith("/$batch")), "batch items": len(items),
            "with sync": synced}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--partners", type=int, default=500)
    p.add_argument("--synced-every", type=int, default=5, help="every N-th partner gets identity synchronisation")
    p.add_argument("--latency-ms", type=int, nargs="+", default=[0, 50], help="added latency per request")
    p.add_argument("--baseline", action="store_true", help="also measure the module as committed (git HEAD)")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-export-")
    emu = Emulator(make_seed(args.partners, work), CALM_DAY)
    rows = []
    try:
        tenant_id = emu.tenants[HUB]["id"]
        state = emu.admin("GET", "/_emulator/tenants/%s" % tenant_id)
        emu.expected_partners = list(state["data"]["ctap"]["partners"])
        if len(emu.expected_partners) != args.partners:
            raise SystemExit("seeded %d partners, asked for %d" % (len(emu.expected_partners), args.partners))
        synced = add_identity_sync(emu, tenant_id, args.partners, args.synced_every)
        playbook = write_playbook(emu, work)
        base = baseline_collection() if args.baseline else None
        for ms in args.latency_ms:
            run_playbook(playbook, emu, env={"ENTRA_TOKEN_CACHE_DIR": os.path.join(work, "warm")})  # warm-up
            rows.append(measure(emu, playbook, ms, "working tree", collections_path()))
            if base:
                rows.append(measure(emu, playbook, ms, "git HEAD (baseline, measured)", base))
    finally:
        emu.stop()
    if not args.baseline:
        for ms, seconds, requests in RECORDED:
            if ms in args.latency_ms and args.partners == 500:
                rows.append({"module": "before the change (recorded, not measured now)", "latency ms": ms,
                             "seconds": "%.1f" % seconds, "HTTP requests": requests})
    print("cross_tenant_access_info on the emulator: %d partners, %d with identity synchronisation"
          % (args.partners, synced))
    print("seconds: the whole ansible-playbook run; in requests s: first request to last answer (the emulator's log),")
    print("without ansible's start-up, which dominates the 0 ms numbers on a busy machine; paging s: first to last")
    print("partner list page (sequential: each page's @odata.nextLink comes with the page before)")
    print(table(rows, ["module", "latency ms", "seconds", "in requests s", "HTTP requests", "graph", "list pages",
                       "paging s", "$batch", "batch items", "with sync"]))


if __name__ == "__main__":
    main()
