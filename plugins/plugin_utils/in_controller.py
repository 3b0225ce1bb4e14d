# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action behind every entra.crosscloud module: plugins/action/<module>.py subclasses ActionModule.

Our modules only talk HTTPS to Microsoft Graph, so they nearly always run on the controller itself
(connection: local). There a module task is a new Python process that imports ansible's module_utils,
requests and our module_utils all over again: about half a second of CPU per task, which a hub with a
hundred partner tenants pays hundreds of times. This action runs the module's main() inside the task's
worker instead: the worker is a fork of the controller, which imported this file, and with it every
module and requests, once per run.

The module sees what a module process sees: the same arguments (module_defaults included) with the same
internal ones (check mode, diff, no_log, verbosity), the task's `environment`, and the controller's
module-side behaviour (warnings and errors are returned, not displayed); its printed result is parsed as
a module process's would be. Anything a module process would do differently ships the module as usual:
another connection than local, become, async, an ansible_python_interpreter other than the controller's
Python, or `entra_in_controller: false`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib
import io
import json
import os
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.json import Direction, get_module_encoder
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

try:  # ansible-core 2.19 and 2.20; from 2.21 the parsed result is an object that removes them itself
    from ansible.vars.clean import remove_internal_keys
except ImportError:
    remove_internal_keys = None

try:  # module-side mode: how a module process tells itself apart from the controller (ansible-core >= 2.19)
    from ansible.module_utils import _internal as module_internal
    # private to ansible-core (2.19 to 2.21 have them, CI proves it): a core without them ships the module
    _SIDE_SWITCH = all(hasattr(owner, name) for owner, name in (
        (module_internal, "is_controller"), (basic, "_ANSIBLE_ARGS"), (basic, "_ANSIBLE_PROFILE")))
except ImportError:  # pragma: no cover - every core this collection supports has it
    module_internal, _SIDE_SWITCH = None, False

display = Display()

COLLECTION = "entra.crosscloud"
MODULES_PACKAGE = "ansible_collections.entra.crosscloud.plugins.modules"
PROFILE = "legacy"          # the serialization profile AnsiballZ uses for a module without metadata
ON_VARIABLE = "entra_in_controller"


def _import_modules():
    """Import every module of the collection now, in the controller, so that each worker (a fork) has
    them with requests and our module_utils. Returns why they cannot run here, or None."""
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "modules")
    names = sorted(n[:-3] for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))
    try:
        for name in names:
            importlib.import_module("%s.%s" % (MODULES_PACKAGE, name))
        importlib.import_module("requests")
    except Exception as exc:  # a library the controller's Python lacks: the module process reports it
        return "the controller's Python cannot import the modules (%s)" % exc
    return None


# What the modules, their results and the roles' templates import on first use, which every worker (a new
# fork for each task on each host) would otherwise import again: MSAL alone costs about 40 ms a task.
PRELOAD = ("msal", "netrc", "ansible.module_utils._internal._json._profiles._module_legacy_c2m",
           "ansible.module_utils._internal._json._profiles._module_legacy_m2c",
           "ansible_collections.entra.crosscloud.plugins.filter.pairing")


def _preload():
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # pylint: disable=broad-except
            pass  # only a head start: the first use imports it again, or fails as it would have


IMPORT_PROBLEM = _import_modules()
if IMPORT_PROBLEM is None:
    _preload()


def run_module_here(name, module_args):
    """Run module `name` (short name) with `module_args` (internal keys included) in this process, as its
    own process would: returns {"rc", "stdout", "stderr"}, what the action parses."""
    module = importlib.import_module("%s.%s" % (MODULES_PACKAGE, name))
    encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}, cls=encoder).encode()
    out, err, rc = io.StringIO(), io.StringIO(), 0
    saved = (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, module_internal.is_controller)
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    try:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = payload, PROFILE
        module_internal.is_controller = False
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                module.main()
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # a bug: what a module process prints when it dies
                traceback.print_exc()
                rc = 1
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, module_internal.is_controller = saved
    stdout, stderr = out.getvalue(), err.getvalue()
    return {"rc": rc, "stdout": stdout, "stdout_lines": stdout.splitlines(), "stderr": stderr,
            "stderr_lines": stderr.splitlines()}


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        why_not = self._why_not_here(task_vars)
        if why_not:
            display.vvvv("%s: running the module in its own process: %s" % (self._task.action, why_not))
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        return merge_hash(result, self._run_here(task_vars))

    def _module_name(self):
        resolved = getattr(self._task, "resolved_action", None) or self._task.action
        prefix = COLLECTION + "."
        return resolved[len(prefix):] if resolved.startswith(prefix) else None

    def _why_not_here(self, task_vars):
        """Why this task's module must run in its own process, or None when it can run in the worker."""
        wanted = task_vars.get(ON_VARIABLE, True)
        if not boolean(self._templar.template(wanted), strict=False):
            return "%s is false" % ON_VARIABLE
        if IMPORT_PROBLEM:
            return IMPORT_PROBLEM
        if not _SIDE_SWITCH:
            return "this ansible-core cannot run modules in the controller"
        if self._module_name() is None:
            return "%s is not a module of %s" % (self._task.action, COLLECTION)
        if getattr(self._connection, "transport", None) != "local":
            return "the connection is not local"
        if self._play_context.become:
            return "become is on"
        if self._task.async_val:
            return "the task is async"
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to, task_vars)
        interpreter = host_vars.get("ansible_python_interpreter")
        if interpreter is not None:
            interpreter = str(self._templar.template(interpreter))
            if not interpreter.startswith("auto") and \
                    os.path.normpath(os.path.expanduser(interpreter)) != os.path.normpath(sys.executable):
                return "ansible_python_interpreter is %s, not the controller's Python" % interpreter
        return None

    def _run_here(self, task_vars):
        name = self._module_name()
        module_args = dict(self._task.args)
        self._update_module_args("%s.%s" % (COLLECTION, name), module_args, task_vars)
        environment = {}
        self._compute_environment_string(environment)
        saved_environ = dict(os.environ)
        os.environ.update(dict((str(k), str(v)) for k, v in environment.items()))
        try:
            res = run_module_here(name, module_args)
        finally:
            os.environ.clear()
            os.environ.update(saved_environ)
        parsed = self._parse_returned_data(res, PROFILE)
        if isinstance(parsed, dict):  # ansible-core 2.19 and 2.20
            parsed.pop("_ansible_suppress_tmpdir_delete", None)
            remove_internal_keys(parsed)
            return parsed
        parsed.remove_internal_keys()  # a task result object (2.21 and later)
        return parsed.as_result_dict(for_round_trip=True)
