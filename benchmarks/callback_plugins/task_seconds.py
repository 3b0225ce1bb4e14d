"""Benchmark aid: wall seconds per task (all hosts together), written to $TASK_SECONDS as JSON lines.

Not part of the collection: benchmarks/pair_tenants.py --profile enables it beside the stdout callback."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_seconds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._current = None

    def _close(self):
        if self._current and os.environ.get("TASK_SECONDS"):
            name, started, hosts = self._current
            with open(os.environ["TASK_SECONDS"], "a") as f:
                f.write(json.dumps({"task": name, "seconds": time.time() - started, "hosts": hosts}) + "\n")
        self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current = [task.get_name(), time.time(), 0]

    def v2_runner_on_ok(self, result):
        if self._current:
            self._current[2] += 1

    v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_ok

    def v2_playbook_on_stats(self, stats):
        self._close()
