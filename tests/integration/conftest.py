"""Run ansible-playbook against the emulator and read back every task's result.

ansible-playbook finds the collection through tests.conftest.COLLECTIONS_ROOT.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import COLLECTIONS_ROOT

HERE = os.path.dirname(os.path.abspath(__file__))
# the environment fallbacks of the connection options: a test's run starts without the machine's own
CREDENTIAL_ENV = ("AZURE_TENANT_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SECRET",
                  "AZURE_CLOUD_ENVIRONMENT", "ENTRA_CLOUD", "ENTRA_ACCESS_TOKEN")


class PlaybookRun:
    def __init__(self, rc, stdout, stderr, results):
        self.rc, self.stdout, self.stderr, self.results = rc, stdout, stderr, results

    def task(self, name, host=None):
        """The one result of the task called `name` (on `host`)."""
        found = [r for r in self.results if r["task"] == name and (host is None or r["host"] == host)]
        assert len(found) == 1, "expected one result for %r, got %d:\n%s" % (name, len(found), self.stdout[-3000:])
        return found[0]

    @property
    def output(self):
        return self.stdout + self.stderr


@pytest.fixture
def run_playbook(tmp_path, emulator):
    """run_playbook(plays, extra_vars=None, check=False, diff=False, env=None, inventory=None)."""
    def run(plays, extra_vars=None, check=False, diff=False, env=None, inventory=None, args=()):
        pb = tmp_path / "playbook.yml"
        pb.write_text(plays if isinstance(plays, str) else yaml.safe_dump(plays, sort_keys=False))
        results_file = tmp_path / ("results-%d.jsonl" % len(list(tmp_path.glob("results-*.jsonl"))))
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(pb)]
        if inventory:
            cmd += ["-i", inventory]
        if extra_vars:
            cmd += ["-e", json.dumps(extra_vars)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        cmd += list(args)
        full_env = dict(os.environ)
        full_env.update({
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT,
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_STDOUT_CALLBACK": "results_jsonl",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_REMOTE_TMP": str(tmp_path / "remote_tmp"),
            "RESULTS_JSONL": str(results_file),
            "ENTRA_CLOUDS_FILE": emulator.clouds_file,
            "ENTRA_TOKEN_CACHE_DIR": str(tmp_path / "token-cache"),
        })
        for key in CREDENTIAL_ENV:
            full_env.pop(key, None)
        full_env.update(env or {})
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=str(tmp_path), timeout=600, check=False)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)
    return run
