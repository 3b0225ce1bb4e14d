"""Every module has its action (so that it runs in the controller's worker), and each action is the shared one."""

import importlib
import os

from ansible_collections.entra.crosscloud.plugins.plugin_utils import in_controller

PLUGINS = os.path.join(os.path.dirname(in_controller.__file__), "..")


def _names(folder):
    return sorted(n[:-3] for n in os.listdir(os.path.join(PLUGINS, folder)) if n.endswith(".py") and n != "__init__.py")


def test_every_module_has_an_action_and_every_action_a_module():
    assert _names("modules") and _names("action") == _names("modules")


def test_every_action_runs_through_the_shared_one():
    for name in _names("action"):
        action = importlib.import_module("ansible_collections.entra.crosscloud.plugins.action." + name)
        assert issubclass(action.ActionModule, in_controller.ActionModule), name


def test_the_controller_imported_every_module_and_requests():
    assert in_controller.IMPORT_PROBLEM is None
    for name in _names("modules"):
        assert hasattr(importlib.import_module(in_controller.MODULES_PACKAGE + "." + name), "main"), name


def test_a_module_that_dies_reads_as_a_module_process_that_died(monkeypatch):
    # what a module process prints when an exception escapes main(): nothing on stdout, the traceback on
    # stderr, exit code 1 (the action then reports a module failure with both)
    module = importlib.import_module(in_controller.MODULES_PACKAGE + ".tenant_info")

    def boom():
        raise RuntimeError("a bug in the module")
    monkeypatch.setattr(module, "main", boom)
    res = in_controller.run_module_here("tenant_info", {})
    assert res["rc"] == 1 and res["stdout"] == ""
    assert "RuntimeError: a bug in the module" in res["stderr"] and res["stderr_lines"][0].startswith("Traceback")


def test_the_module_side_switch_and_arguments_are_put_back(monkeypatch):
    from ansible.module_utils import basic
    module = importlib.import_module(in_controller.MODULES_PACKAGE + ".tenant_info")
    before = (basic._ANSIBLE_ARGS, in_controller.module_internal.is_controller)
    seen = {}

    def main():
        seen["is_controller"] = in_controller.module_internal.is_controller
        seen["args"] = basic._ANSIBLE_ARGS
        print('{"changed": false}')
        raise SystemExit(0)
    monkeypatch.setattr(module, "main", main)
    res = in_controller.run_module_here("tenant_info", {"tenant": "contoso.com"})
    assert res["rc"] == 0 and res["stdout"].strip() == '{"changed": false}'
    assert seen["is_controller"] is False and b'"tenant": "contoso.com"' in seen["args"]
    assert (basic._ANSIBLE_ARGS, in_controller.module_internal.is_controller) == before


def test_this_core_has_what_running_in_the_controller_needs():
    # a core without the module-side switch or the argument hand-over ships every module instead
    assert in_controller._SIDE_SWITCH is True
