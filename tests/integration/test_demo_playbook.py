"""The demo's playbook over the demo inventory (what `make demo` runs), against the emulator."""

import os

from tests.conftest import REPO

PLAYBOOK = os.path.join(REPO, "playbooks", "discover_tenants.yml")
INVENTORY = os.path.join(REPO, "playbooks", "inventory", "demo")


def test_discovery_of_the_demo_inventory(run_playbook, emulator):
    with open(PLAYBOOK) as f:
        run = run_playbook(f.read(), inventory=INVENTORY, env={"ENTRA_EMULATOR_DIR": emulator.state_dir})
    assert run.rc == 0, run.output
    summary = run.task("Summarise")["result"]["msg"]
    assert "tailspin_gcch lives in usgov" in summary and "contoso <-> fabrikam_cn: supported" in summary
    counts = emulator.counts()
    assert counts["graph_writes"] == 0 and counts["token_requests"] == 4   # one sign-in per tenant


def test_unsupported_pair_is_refused_naming_it(run_playbook, emulator):
    with open(PLAYBOOK) as f:
        run = run_playbook(f.read(), inventory=INVENTORY, env={"ENTRA_EMULATOR_DIR": emulator.state_dir},
                           extra_vars={"include_unsupported_pairs": True})
    assert run.rc != 0
    failed = run.task("Fail on every problem found")
    assert "tailspin_gcch <-> fabrikam_cn: this cloud pair is not supported by Microsoft" in failed["result"]["msg"]
    assert emulator.counts()["graph_writes"] == 0
