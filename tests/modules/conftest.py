"""Run the collection's modules in this process against the running emulator.

`run_in_place` takes the same plays as the integration suite's `run_playbook` (tests/integration/helpers.py
builds them) and runs each task's module `main()` here, through the collection's own in-worker runner
(plugins/plugin_utils/in_controller.py, what a playbook task on the controller uses): the arguments are
handed to AnsibleModule, what the module prints is captured, and the result reads back exactly as the
playbook runner's does (`run.task(name)` -> {"status", "result"}). What it cannot run the way ansible-playbook would (Jinja,
loops, roles, inventories, registered variables) it refuses, so a test never passes on a half-read play.

What it saves is the ansible-playbook start and Ansible's work per task (about 3 s a task on this machine
when it was written);
the module code, its HTTP over TLS, the emulator and its log are the same as in the playbook tests.
"""

import contextlib
import json
from unittest import mock

import pytest
import yaml

from ansible.module_utils._internal import _traceback as module_traceback
from ansible_collections.entra.crosscloud.plugins.plugin_utils import in_controller

from tests.integration.conftest import CREDENTIAL_ENV, PlaybookRun

PREFIX = "entra.crosscloud."
GROUP = "group/entra.crosscloud.graph"
TASK_KEYS = {"name", "ignore_errors", "check_mode", "diff"}
PLAY_KEYS = {"name", "hosts", "gather_facts", "tasks", "module_defaults"}


class NotInProcess(Exception):
    """The play needs ansible-playbook (move the test to tests/integration)."""


def _no_templates(value, where):
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        raise NotInProcess("%s holds a template (%r): use run_playbook" % (where, value))
    if isinstance(value, dict):
        for k, v in value.items():
            _no_templates(v, "%s.%s" % (where, k))
    if isinstance(value, list):
        for i, v in enumerate(value):
            _no_templates(v, "%s[%d]" % (where, i))


def _module_of(task):
    names = [k for k in task if k not in TASK_KEYS]
    if len(names) != 1 or not names[0].startswith(PREFIX):
        raise NotInProcess("task %r: only one %s* module and %s are run in-process" % (
            task.get("name"), PREFIX, sorted(TASK_KEYS)))
    return names[0][len(PREFIX):], task[names[0]] or {}


def _warning_text(w):
    """A warning as the controller shows it: the module sends structured summaries since ansible-core 2.19."""
    if isinstance(w, dict):
        event = w.get("event", w)
        return event.get("msg", json.dumps(w))
    return w


def _module_side_tracebacks():
    """Patches that make traceback capture read this run's _ansible_tracebacks_for, as in a module process."""
    patches = [mock.patch.object(module_traceback, "_module_tracebacks_enabled_events", None)]
    if hasattr(module_traceback, "_is_module_traceback_enabled"):
        patches.append(mock.patch.object(module_traceback, "_is_traceback_enabled",
                                         module_traceback._is_module_traceback_enabled))
    return patches


def run_module(name, args, check=False, diff=False, verbosity=0, tracebacks=()):
    """One module run: (result dict, what it printed), through the collection's own in-worker runner
    (plugins/plugin_utils/in_controller.py), as a playbook task on the controller runs it."""
    internal = {"_ansible_check_mode": check, "_ansible_diff": diff, "_ansible_module_name": PREFIX + name,
                "_ansible_verbosity": verbosity, "_ansible_debug": False, "_ansible_keep_remote_files": False,
                # what the controller sends from ANSIBLE_DISPLAY_TRACEBACK (ansible-core >= 2.19)
                "_ansible_tracebacks_for": list(tracebacks)}
    # pytest has not set up the controller's traceback display: read this run's _ansible_tracebacks_for
    with contextlib.ExitStack() as stack:
        for patch in _module_side_tracebacks():
            stack.enter_context(patch)
        res = in_controller.run_module_here(name, dict(args, **internal))
    printed = res["stdout"]
    lines = [line for line in printed.splitlines() if line.startswith("{")]
    assert lines, "module %s printed no result:\n%s\n%s" % (name, printed, res["stderr"])
    result = json.loads(lines[-1])
    if "warnings" in result:
        result["warnings"] = [_warning_text(w) for w in result["warnings"]]
    return result, printed + res["stderr"]


@pytest.fixture
def run_in_place(tmp_path, emulator, monkeypatch):
    """run_in_place(plays, check=False, diff=False, env=None): like run_playbook, in this process."""
    def run(plays, check=False, diff=False, env=None, extra_vars=None, inventory=None, args=()):
        verbosity = sum(a.count("v") for a in args if a.startswith("-") and set(a[1:]) == {"v"})
        if extra_vars or inventory or verbosity != sum(len(a) - 1 for a in args):
            raise NotInProcess("extra_vars, inventories and ansible-playbook options other than -v need run_playbook")
        if isinstance(plays, str):
            plays = yaml.safe_load(plays)
        for key in CREDENTIAL_ENV:
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("ENTRA_CLOUDS_FILE", emulator.clouds_file)
        monkeypatch.setenv("ENTRA_TOKEN_CACHE_DIR", str(tmp_path / "token-cache"))
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        tracebacks = [t for t in (env or {}).get("ANSIBLE_DISPLAY_TRACEBACK", "never").split(",") if t != "never"]
        run = PlaybookRun(0, "", "", [])
        for play in plays:
            extra = set(play) - PLAY_KEYS
            if extra or play.get("hosts") != "localhost":
                raise NotInProcess("play keys %s / hosts %r need run_playbook" % (sorted(extra), play.get("hosts")))
            defaults = play.get("module_defaults") or {}
            for task in play["tasks"]:
                name, args = _module_of(task)
                _no_templates(args, task.get("name", name))
                merged = dict(defaults.get(GROUP) or {})
                merged.update(defaults.get(PREFIX + name) or {})
                merged.update(args)
                result, printed = run_module(name, merged, check=task.get("check_mode", check),
                                             diff=task.get("diff", diff), verbosity=verbosity,
                                             tracebacks=tracebacks)
                status = "failed" if result.get("failed") else "ok"
                run.results.append({"host": "localhost", "task": task.get("name", PREFIX + name),
                                    "action": PREFIX + name, "status": status, "result": result})
                run.stdout += printed
                if status == "failed" and not task.get("ignore_errors"):
                    run.rc = 2
                    return run
        return run
    return run
