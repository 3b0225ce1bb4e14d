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
