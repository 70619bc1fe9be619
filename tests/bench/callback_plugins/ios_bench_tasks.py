# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback (tests/bench/ios_bench.py --tasks): wall and controller CPU per task.

Writes ``$IOS_BENCH_TASKS_FILE`` (JSON) at the end of the playbook: one entry per task in the order they
ran, with the wall seconds from its start to the next task's start, the CPU of the ansible-playbook main
process (RUSAGE_SELF: strategy, templating of task arguments, results) and of its reaped worker processes
(RUSAGE_CHILDREN: module execution, action plugins) during that span, and the host results. Worker CPU is
attributed when the worker is reaped, so it can lag a task behind; totals are exact. Not part of the
collection: it lives under tests/bench and is enabled only by the benchmark.
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: ios_bench_tasks
type: aggregate
short_description: Benchmark only, wall and controller CPU per task
description:
  - Writes the wall time and the controller CPU of every task to the JSON file named by IOS_BENCH_TASKS_FILE.
requirements:
  - enable in the callbacks_enabled setting
"""

import json
import os
import resource
import time

from ansible.plugins.callback import CallbackBase


def _cpu():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ios_bench_tasks"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tasks = []
        self._current = None
        self._t0 = time.time()

    def _close(self):
        if self._current is None:
            return
        now = time.time()
        main, kids = _cpu()
        cur = self._current
        cur["wall_s"] = now - cur.pop("_t")
        cur["cpu_main_s"] = main - cur.pop("_main")
        cur["cpu_workers_s"] = kids - cur.pop("_kids")
        self._tasks.append(cur)
        self._current = None

    def _start(self, task, kind):
        self._close()
        main, kids = _cpu()
        role = getattr(task, "_role", None)
        self._current = {
            "name": task.get_name(), "action": task.action, "role": role.get_name() if role else None,
            "kind": kind, "start_s": time.time() - self._t0, "_t": time.time(), "_main": main, "_kids": kids,
            "ok": 0, "changed": 0, "failed": 0, "skipped": 0, "unreachable": 0,
        }

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task, "task")

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task, "handler")

    def _count(self, result, key):
        if self._current is not None:
            self._current[key] += 1
            if key == "ok" and result._result.get("changed"):
                self._current["changed"] += 1

    def v2_runner_on_ok(self, result):
        self._count(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._count(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._count(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("IOS_BENCH_TASKS_FILE")
        if not path:
            return
        main, kids = _cpu()
        with open(path, "w") as fh:
            json.dump({"tasks": self._tasks, "wall_s": time.time() - self._t0, "cpu_main_s": main,
                       "cpu_workers_s": kids}, fh, indent=1)
