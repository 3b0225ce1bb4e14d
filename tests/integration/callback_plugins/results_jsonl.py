# Test-only stdout callback: keeps the default screen output and also writes every task result
# (host, task name, action, status, the module's result) as one JSON line to $RESULTS_JSONL, so
# pytest can assert on what each task returned. Not part of the collection.
from __future__ import annotations

import json
import os

from ansible.plugins.callback.default import CallbackModule as DefaultCallback

DOCUMENTATION = """
name: results_jsonl
type: stdout
short_description: default output plus a JSON line per task result (tests only)
description: Writes each task result to the file named by RESULTS_JSONL.
extends_documentation_fragment: default_callback
"""


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "results_jsonl"

    def _record(self, result, status):
        path = os.environ.get("RESULTS_JSONL")
        if not path:
            return
        task = result._task
        line = {"host": result._host.get_name(), "task": task.get_name(), "action": task.action,
                "status": status, "result": result._result}
        with open(path, "a") as f:
            f.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")
        super().v2_runner_on_ok(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")
        super().v2_runner_on_failed(result, ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
        super().v2_runner_on_skipped(result)

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
        super().v2_runner_on_unreachable(result)
