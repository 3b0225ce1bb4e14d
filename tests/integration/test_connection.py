"""Secrets and tokens never reach the controller's output, through ansible-playbook at -vvv (the rest of
the connection options are proven in-process: tests/modules/test_connection.py)."""

import json

from tests.integration.helpers import play
from tests.modules.test_connection import _lookup


def test_wrong_secret_surfaces_aadsts_and_hides_the_secret(run_playbook, emulator, connection):
    secret = "Sup3r-Secret-Value-42"
    t = emulator.tenant("contoso")
    run = run_playbook(play(None, [_lookup("bad secret", t["id"], **connection("contoso", client_secret=secret))]),
                       args=["-vvv"])
    res = run.task("bad secret")
    assert res["status"] == "failed"
    assert "AADSTS7000215" in res["result"]["msg"] and "check client_secret" in res["result"]["msg"]
    assert res["result"]["error"]["aadsts"] == 7000215
    assert secret not in run.output and secret not in json.dumps(run.results)
    assert emulator.counts()["graph_requests"] == 0


def test_token_never_reaches_output(run_playbook, emulator, connection):
    token = emulator.token("contoso")
    before = emulator.counts()["token_requests"]
    tid = emulator.tenant("contoso")["id"]
    task = _lookup("with token", tid, access_token=token, tenant_id=tid, cloud="global")
    run = run_playbook(play(None, [task]), args=["-vvv"])
    assert run.rc == 0, run.output
    assert run.task("with token")["result"]["token_source"] == "supplied"
    assert token not in run.output and token not in json.dumps(run.results)
    assert emulator.counts()["token_requests"] == before
