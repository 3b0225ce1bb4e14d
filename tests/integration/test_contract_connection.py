"""The connection contract through ansible-playbook at -vvv: a wrong secret fails every module with the
AADSTS code and the secret is nowhere in the controller's output (the rest of the contract is proven
in-process: tests/modules/test_contract_connection.py, whose cases and helpers this reuses)."""

import json

from tests.integration.helpers import play
from tests.modules.test_contract_connection import MODULES, WRONG_SECRET, _conn


def _run_all(run_playbook, conn, extra=()):
    """One playbook with a task per module (each allowed to fail): the cases below need no state."""
    tasks = [{"name": module, "entra.crosscloud." + module: dict(MODULES[module], **conn), "ignore_errors": True}
             for module in sorted(MODULES)]
    return run_playbook(play(None, tasks), args=list(extra))


def test_wrong_secret_names_aadsts_and_hides_the_secret(run_playbook, emulator):
    run = _run_all(run_playbook, _conn(emulator, client_secret=WRONG_SECRET), extra=["-vvv"])
    for module in MODULES:
        res = run.task(module)
        assert res["status"] == "failed", (module, res["result"])
        assert "AADSTS7000215" in res["result"]["msg"], (module, res["result"]["msg"])
        assert res["result"]["error"]["aadsts"] == 7000215, module
    assert WRONG_SECRET not in run.output and WRONG_SECRET not in json.dumps(run.results)
    counts = emulator.counts()
    assert counts["token_requests"] == len(MODULES)   # each tried to sign in (a failure is never cached)...
    assert counts["graph_requests"] == 0              # ...and sent nothing to Graph without a token
