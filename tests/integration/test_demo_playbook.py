"""`make demo` (README's first command): .ci/demo starts its own emulator, runs the main job over the
demo inventory, prints the summary and the emulator's request counts, and stops the emulator."""

import os
import socket
import subprocess
import sys

from tests.conftest import REPO


def test_make_demo_pairs_the_demo_tenants_and_stops_the_emulator(tmp_path):
    state = tmp_path / "demo-emulator"
    env = dict(os.environ, DEMO_STATE_DIR=str(state), ENTRA_TOKEN_CACHE_DIR=str(tmp_path / "tokens"),
               ANSIBLE_REMOTE_TMP=str(tmp_path / "remote_tmp"))
    env.pop("ENTRA_CLOUDS_FILE", None)
    proc = subprocess.run(["bash", os.path.join(REPO, ".ci", "demo"), os.path.dirname(sys.executable), REPO,
                           "playbooks/pair_tenants.yml"], capture_output=True, text=True, env=env, timeout=600,
                          check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    for line in ("Preflight passed: 4 tenant(s), 4 pair(s)", "contoso -> fabrikam_cn: open [ok]",
                 "tailspin_gcch -> contoso: open [ok]", "northwind_dod -> contoso: open [ok]",
                 "tailspin_gcch <- contoso: invited megan.bowen@contoso.com"):
        assert line in out, line
    assert "token requests 4," in out                     # one sign-in per tenant
    assert "failed=0" in out and "failed=1" not in out
    # the emulator is gone once the demo is over
    port = int(open(state / "url").read().strip().rsplit(":", 1)[1])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
