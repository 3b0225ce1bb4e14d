"""Where a module runs: inside the controller's worker by default (plugins/plugin_utils/in_controller.py), in its
own process (AnsiballZ) when the task says so or cannot run there. Both give the same result."""

import os
import sys

from tests.integration.helpers import play, writes

VOLATILE = ("retries", "token_source")   # the second run finds the first run's token in the cache


def _ansiballz(tmp_path):
    """The AnsiballZ files module processes left behind (ANSIBLE_KEEP_REMOTE_FILES=1)."""
    remote = tmp_path / "remote_tmp"
    return sorted(f for _d, _s, files in os.walk(str(remote)) for f in files if f.startswith("AnsiballZ_"))


def _plays(conn, emulator, **play_vars):
    woodgrove = emulator.tenant("woodgrove_gcc")["id"]
    plays = play(conn, [
        {"name": "read", "entra.crosscloud.tenant_info": {"tenant": emulator.tenant("tailspin_gcch")["id"]}},
        {"name": "add", "entra.crosscloud.partners": {"partners": [{"tenant_id": woodgrove, "cloud": "global",
                                                                    "inbound_trust": {"mfa": True}}]}},
        {"name": "again", "entra.crosscloud.partners": {"partners": [{"tenant_id": woodgrove, "cloud": "global",
                                                                      "inbound_trust": {"mfa": True}}]}}])
    plays[0]["vars"] = play_vars
    return plays


def _comparable(result):
    return dict((k, v) for k, v in result.items() if k not in VOLATILE)


def test_modules_run_in_the_controller_unless_told_otherwise_with_the_same_results(
        run_playbook, emulator, connection, tmp_path):
    keep = {"ANSIBLE_KEEP_REMOTE_FILES": "1"}
    emulator.replication(0)
    here = run_playbook(_plays(connection("contoso"), emulator), diff=True, env=keep)
    assert here.rc == 0, here.output[-3000:]
    assert _ansiballz(tmp_path) == []
    assert writes(emulator) == 1 and here.task("add")["result"]["changed"] is True
    assert here.task("again")["result"]["changed"] is False

    emulator.reset()
    emulator.replication(0)
    shipped = run_playbook(_plays(connection("contoso"), emulator, entra_in_controller=False), diff=True, env=keep)
    assert shipped.rc == 0, shipped.output[-3000:]
    assert set(_ansiballz(tmp_path)) == {"AnsiballZ_tenant_info.py", "AnsiballZ_partners.py"}
    assert writes(emulator) == 1
    for name in ("read", "add", "again"):
        assert _comparable(here.task(name)["result"]) == _comparable(shipped.task(name)["result"]), name


def test_another_python_than_the_controllers_runs_the_module_in_its_own_process(
        run_playbook, emulator, connection, tmp_path):
    other = tmp_path / "python"   # another path, as a venv of its own would be (this one runs the same Python)
    other.write_text("#!/bin/sh\nexec %s \"$@\"\n" % sys.executable)
    other.chmod(0o755)
    plays = play(connection("contoso"), [{"name": "read", "entra.crosscloud.cross_tenant_access_info": {}}])
    plays[0]["vars"] = {"ansible_python_interpreter": str(other)}
    run = run_playbook(plays, env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert run.rc == 0, run.output[-3000:]
    assert _ansiballz(tmp_path) == ["AnsiballZ_cross_tenant_access_info.py"]
    assert run.task("read")["result"]["default"]


def test_the_tasks_environment_reaches_the_module_and_leaves_with_the_task(run_playbook, emulator, connection):
    conn = connection("contoso")
    secret = conn.pop("client_secret")
    run = run_playbook(play(conn, [
        {"name": "with", "entra.crosscloud.cross_tenant_access_info": {},
         "environment": {"AZURE_CLIENT_SECRET": "{{ lookup('ansible.builtin.env', 'TEST_SECRET') }}"}},
        {"name": "without", "entra.crosscloud.cross_tenant_access_info": {}, "ignore_errors": True}]),
        args=("-vvv",), env={"TEST_SECRET": secret})
    assert run.task("with")["status"] == "ok", run.output[-3000:]
    failed = run.task("without")
    assert failed["status"] == "failed" and "client_secret" in failed["result"]["msg"], failed
    assert secret not in run.output


def test_the_tasks_timeout_stops_a_module_running_in_the_controller(run_playbook, emulator, connection):
    emulator.admin("POST", "/_emulator/latency", {"ms": 4000})
    try:
        run = run_playbook(play(connection("contoso"), [
            {"name": "slow", "entra.crosscloud.cross_tenant_access_info": {}, "timeout": 2, "ignore_errors": True},
            {"name": "after", "ansible.builtin.debug": {"msg": "the play goes on"}}]))
    finally:
        emulator.admin("POST", "/_emulator/latency", {"ms": 0})
    slow = run.task("slow")
    assert slow["status"] == "failed" and "timed out" in slow["result"]["msg"].lower(), slow
    assert run.task("after")["status"] == "ok"
