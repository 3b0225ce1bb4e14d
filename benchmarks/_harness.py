"""Shared by the benchmark scripts: start the emulator, run playbooks, read its request log.

Benchmarks measure against the emulator over real HTTPS on 127.0.0.1 and count requests from
the emulator's own log, so the numbers say what a real tenant would be asked.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


class Emulator:
    def __init__(self, seed=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="bench-emulator-")
        cmd = [sys.executable, "-m", "emulator", "--state-dir", self.dir] + list(extra_args)
        if seed:
            cmd += ["--seed", seed]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(self.dir, "url")):
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("emulator did not start")
            time.sleep(0.05)
        with open(os.path.join(self.dir, "url")) as f:
            self.url = f.read().strip()
        self.ca = os.path.join(self.dir, "ca.pem")
        self.clouds_file = os.path.join(self.dir, "clouds.yml")
        import yaml
        with open(os.path.join(self.dir, "tenants.yml")) as f:
            self.tenants = {t["name"]: t for t in yaml.safe_load(f)["tenants"]}
        self._ssl = ssl.create_default_context(cafile=self.ca)

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self._ssl, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def reset(self):
        self.admin("POST", "/_emulator/reset")

    def counts(self):
        return self.admin("GET", "/_emulator/counts")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def collections_path():
    """A folder holding ansible_collections/entra/crosscloud (the .build copy, or a symlink)."""
    parts = REPO.split(os.sep)
    if parts[-3:] == ["ansible_collections", "entra", "crosscloud"]:
        return os.sep.join(parts[:-3])
    root = tempfile.mkdtemp(prefix="bench-collections-")
    os.makedirs(os.path.join(root, "ansible_collections", "entra"))
    os.symlink(REPO, os.path.join(root, "ansible_collections", "entra", "crosscloud"))
    return root


def run_playbook(path, emulator, env=None, args=(), output=False):
    """Seconds the playbook took (and its stdout, with output=True); exits if it failed."""
    cmd = [os.path.join(BIN, "ansible-playbook"), path] + list(args)
    full = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ENTRA_CLOUDS_FILE=emulator.clouds_file,
                ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    full.update(env or {})
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full, timeout=900, check=False)
    seconds = time.time() - t0
    if proc.returncode != 0:
        fd, log = tempfile.mkstemp(prefix="bench-failed-", suffix=".log")
        with os.fdopen(fd, "w") as f:
            f.write(proc.stdout + proc.stderr)
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit("playbook failed: %s (whole output in %s)" % (path, log))
    return (seconds, proc.stdout) if output else seconds


def table(rows, columns):
    widths = [max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    line = "  ".join(str(c).ljust(w) for c, w in zip(columns, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths)))
    return "\n".join(out)
