"""python -m emulator --state-dir DIR [--seed FILE] [--port N]

Serves until SIGINT/SIGTERM. Once every listener is up it writes DIR/ca.pem, DIR/clouds.yml,
DIR/tenants.yml and, last, DIR/url (so a waiting caller can poll for DIR/url).
"""

import argparse
import os
import signal
import sys
import threading

import yaml

from emulator import state as state_mod
from emulator import tls
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


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m emulator", description="Graph + Entra sign-in emulator")
    p.add_argument("--state-dir", required=True, help="where ca.pem, clouds.yml, tenants.yml and url are written")
    p.add_argument("--seed", default=DEMO_SEED, help="seed YAML (default: the demo tenants)")
    p.add_argument("--state-file",
                   help="keep tenants' settings across runs: loaded at start if it exists, written on stop "
                        "and on POST /_emulator/save")
    p.add_argument("--port", type=int, default=0, help="admin port; the other listeners take the next ports "
                                                       "(default: ephemeral ports)")
    args = p.parse_args(argv)
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
    emu = Emulator(seed, state_dir, creds["server.pem"], creds["server-key.pem"], port=args.port)
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
