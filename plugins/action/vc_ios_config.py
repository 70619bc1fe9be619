# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_ios_config.

Like the cisco.ios modules: for ``state: merged`` the module runs on the controller through the
persistent ``ansible.netcommon.network_cli`` connection (get_config / edit_config via the cisco.ios
cliconf). ``rendered`` and ``parsed`` run the module locally without touching the device. The
plugin also fills in ``host`` (inventory_hostname) and writes the backup file (mode 0600) without
letting it change the task's ``changed`` (unlike netcommon's backup helper).
"""
from __future__ import annotations

import os
import time

from ansible.plugins.action.normal import ActionModule as _NormalAction

try:
    from ansible_collections.ansible.netcommon.plugins.action.network import ActionModule as _NetworkAction
except ImportError:  # pragma: no cover - netcommon is a declared dependency
    _NetworkAction = _NormalAction


class ActionModule(_NetworkAction):
    def run(self, tmp=None, task_vars=None):
        del tmp
        task_vars = task_vars or {}
        args = self._task.args
        state = args.get("state", "merged")
        if not args.get("host"):
            args["host"] = task_vars.get("inventory_hostname")
        if state == "merged":
            connection = (self._play_context.connection or "").split(".")[-1]
            if connection != "network_cli":
                return {"failed": True,
                        "msg": "vc_ios_config state=merged needs connection ansible.netcommon.network_cli "
                               "(ansible_network_os cisco.ios.ios), not %s" % self._play_context.connection}
            result = super(ActionModule, self).run(task_vars=task_vars)
        else:
            result = _NormalAction.run(self, task_vars=task_vars)
        backup = result.pop("__backup__", None)
        if backup is not None and args.get("backup"):
            result["backup_path"] = self._write_backup(backup, args.get("backup_options") or {}, task_vars)
        return result

    def _write_backup(self, content, options, task_vars):
        directory = options.get("dir_path") or os.path.join(self._get_working_path(), "backup")
        features = self._task.args.get("features") or ["all"]
        if not isinstance(features, list):
            features = [str(features)]
        filename = options.get("filename") or "%s_vc_%s_running.%s.cfg" % (
            task_vars.get("inventory_hostname", "host"), "-".join(str(f) for f in features),
            time.strftime("%Y-%m-%d@%H:%M:%S"))
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, filename)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        return path
