"""python -m emulator --state-dir DIR [--seed FILE] [--port N] [--replication-delay MIN[-MAX]]
                      [--fault-probability P] [--fault-statuses LIST] [--seed-random N]

Serves until SIGINT/SIGTERM. Once every listener is up it writes DIR/ca.pem, DIR/clouds.yml,
DIR/tenants.yml and, last, DIR/url (so a waiting caller can poll for DIR/url).

By default it serves Microsoft's ordinary day, not a calm one:
- --replication-delay 1-4: each created object (partner, user or guest, identity synchronisation,
  b2b management policy) gets its own delay, drawn in [1, 4] seconds, during which it answers 404
  and is missing from lists. "0" turns it off; "3" is exactly 3 s for every object.
- --fault-probability 0.03: each login (discovery, token) and Graph request - and each $batch item -
  fails with probability 0.03, with a status drawn from --fault-statuses (default
  429,500,502,503,504,drop; a 429 carries Retry-After: 1), before the request is processed, or
  for a write at random after it (the write is applied, the answer is lost). 0 turns faults off.
- --seed-random 0: seeds both draws, so a run is reproducible.
POST /_emulator/reset (and a snapshot restore) comes back to this start-time day; GET /_emulator/day
shows it.
"""

import argparse
import os
import signal
import sys
import threading

import yaml

from emulator import state as state_mod
from emulator import tls
from emulator.control import FAULT_STATUSES
from emulator.server import Emulator

DEMO_SEED = os.path.join(os.path.dirname(__file__), "seeds", "demo.yml")


def tenants_file(emu, seed):
    out = []
    for entry in seed["tenants"]:
        t = emu.state.tenants[entry["id"].lower()]
        item = dict(t.summary(), name=entry.get("name", t.id))
        apps = []
        for a in entry.get("apps", []):
            app = {"client_id": a["client_id"], "display_name": a.get("display_name", "app"),
                   "roles": list(a.get("roles", state_mod.DEFAULT_APP_ROLES))}
            if a.get("client_secret"):
                app["client_secret"] = a["client_secret"]
            if a.get("_certificate_path"):
                app["client_certificate_path"] = a["_certificate_path"]
                if a.get("certificate_password"):
                    app["client_certificate_password"] = a["certificate_password"]
            apps.append(app)
        item["apps"] = apps
        # The first app is the one a playbook uses by default.
        if apps:
            item["client_id"] = apps[0]["client_id"]
            for key in ("client_secret", "client_certificate_path"):
                if key in apps[0]:
                    item[key] = apps[0][key]
        item["users"] = [u["user_principal_name"] for u in entry.get("users", [])]
        out.append(item)
    return {"tenants": out}


def _write_yaml(path, data, header):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(header)
        yaml.safe_dump(data, f, sort_keys=False)
    os.replace(tmp, path)


def parse_delay(text):
    """'1-4' -> (1.0, 4.0); '3' -> (3.0, 3.0)."""
    low, sep, high = str(text).strip().partition("-")
    try:
        low = float(low)
        high = float(high) if sep else low
    except ValueError:
        raise ValueError("--replication-delay must be MIN or MIN-MAX seconds, got %r" % text)
    if low < 0 or high < low:
        raise ValueError("--replication-delay needs 0 <= MIN <= MAX, got %r" % text)
    return low, high


def parse_statuses(text):
    out = []
    for part in str(text).split(","):
        part = part.strip().lower()
        if not part:
            continue
        value = part if part == "drop" else int(part) if part.isdigit() else part
        if value not in FAULT_STATUSES:
            raise ValueError("--fault-statuses: %r is not one of 429, 500, 502, 503, 504, drop" % part)
        out.append(value)
    if not out:
        raise ValueError("--fault-statuses needs at least one status")
    return out


def day_from_args(args):
    """The start-time day the flags describe (Emulator.reset() comes back to it)."""
    low, high = parse_delay(args.replication_delay)
    if not 0 <= args.fault_probability <= 1:
        raise ValueError("--fault-probability must be between 0 and 1")
    faults = []
    if args.fault_probability > 0:
        faults.append({"probability": args.fault_probability, "seed": args.seed_random,
                       "status": parse_statuses(args.fault_statuses), "when": "random"})
    return {"replication_delay": {"min": low, "max": high, "seed": args.seed_random}, "faults": faults,
            "latency_ms": 0}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m emulator", description="Graph + Entra sign-in emulator")
    p.add_argument("--state-dir", required=True, help="where ca.pem, clouds.yml, tenants.yml and url are written")
    p.add_argument("--seed", default=DEMO_SEED, help="seed YAML (default: the demo tenants)")
    p.add_argument("--state-file",
                   help="keep tenants' settings across runs: loaded at start if it exists, written on stop "
                        "and on POST /_emulator/save")
    p.add_argument("--port", type=int, default=0, help="admin port; the other listeners take the next ports "
                                                       "(default: ephemeral ports)")
    p.add_argument("--replication-delay", default="1-4", metavar="MIN[-MAX]",
                   help="seconds before a created object can be read, drawn per object in [MIN, MAX] "
                        "(default 1-4; 0 = none)")
    p.add_argument("--fault-probability", type=float, default=0.03, metavar="P",
                   help="probability that a login or Graph request (or $batch item) fails (default 0.03; 0 = none)")
    p.add_argument("--fault-statuses", default=",".join(str(s) for s in FAULT_STATUSES), metavar="LIST",
                   help="comma-separated statuses a fault is drawn from (default 429,500,502,503,504,drop)")
    p.add_argument("--seed-random", type=int, default=0, metavar="N",
                   help="seed of the replication-delay and fault draws (default 0): runs are reproducible")
    args = p.parse_args(argv)
    try:
        day = day_from_args(args)
    except ValueError as exc:
        p.error(str(exc))
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    url_path = os.path.join(state_dir, "url")
    if os.path.exists(url_path):
        os.unlink(url_path)
    try:
        seed = state_mod.load_seed(args.seed, state_dir)
    except (state_mod.SeedError, OSError, yaml.YAMLError) as exc:
        print("emulator: bad seed: %s" % exc, file=sys.stderr)
        return 2
    creds = tls.make_server_credentials(state_dir)
    try:
        # each resource's tenant initialiser reads its own seed keys (groups, cross_cloud_sync_from, ...)
        emu = Emulator(seed, state_dir, creds["server.pem"], creds["server-key.pem"], port=args.port, day=day)
    except state_mod.SeedError as exc:
        print("emulator: bad seed: %s" % exc, file=sys.stderr)
        return 2
    if args.state_file:
        emu.state_file = os.path.abspath(args.state_file)
        if os.path.exists(emu.state_file):
            try:
                emu.state.restore(emu.state_file)
            except (OSError, ValueError) as exc:
                print("emulator: cannot read state file %s: %s" % (emu.state_file, exc), file=sys.stderr)
                return 2
    emu.start()
    _write_yaml(os.path.join(state_dir, "clouds.yml"), emu.clouds_file(creds["ca.pem"]),
                "# Written by the entra.crosscloud emulator: points the collection's clouds at it.\n")
    _write_yaml(os.path.join(state_dir, "tenants.yml"), tenants_file(emu, seed),
                "# Seeded tenants of this emulator run (test credentials, not secrets of anything real).\n")
    with open(url_path + ".tmp", "w") as f:
        f.write(emu.admin_url + "\n")
    os.replace(url_path + ".tmp", url_path)
    print("emulator listening: admin %s" % emu.admin_url, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    emu.stop()
    if emu.state_file:
        emu.state.save(emu.state_file)
    return 0
