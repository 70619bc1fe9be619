# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_linux_config: keeps the rollback snapshot on the controller.

The module runs on the CPE as usual. An ``applied`` run that changed something returns its snapshot (the previous
state of what it changed, secrets included) under a private key: this plugin writes it to ``snapshot_dir`` on the
controller (directory 0700, file 0600; relative to the directory ansible runs from, never inside the collection),
drops the key and returns ``snapshot_path`` - also when the module failed half-way, so that the rollback role can put
back what did change. For ``state: restored`` it reads ``snapshot_path`` on the controller and hands the content to
the module as a no_log option. The snapshot's content is never in a task result.
"""
from __future__ import annotations

import binascii
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.webex_di.virtual_connect.plugins.action.vc_ios_config import backup_directory, write_private
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.snapshot import KEY, SealError, unseal

MODULE = "webex_di.virtual_connect.vc_linux_config"


def snapshot_filename(host, tunnels, now=None):
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + ("%.6f" % ((now or time.time()) % 1))[1:]
    part = "-".join(str(t) for t in tunnels) if tunnels else "all"
    return "%s_vc_linux_snapshot_%s_%s.json" % (host, "".join(c if c.isalnum() or c in "-." else "_" for c in part), stamp)


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        del tmp
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(task_vars=task_vars)
        args = dict(self._task.args)
        if not args.get("host"):
            args["host"] = task_vars.get("inventory_hostname")
        if args.get("state") == "restored":
            path = args.get("snapshot_path")
            if not path:
                raise AnsibleActionFail("state=restored needs snapshot_path (the snapshot_path of the run to undo)")
            path = os.path.abspath(os.path.expanduser(str(path)))
            try:
                with open(path, "r") as handle:
                    args["snapshot"] = handle.read()
            except OSError as exc:
                raise AnsibleActionFail("cannot read the snapshot %s: %s" % (path, exc.strerror))
        else:
            args.pop("snapshot", None)
        key = binascii.hexlify(os.urandom(32)).decode("ascii")
        args["snapshot_key"] = key
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        content = result.pop(KEY, None)
        result.pop("invocation", None)   # holds the (masked) snapshot option; nothing a user needs
        if content is not None:
            try:
                content = unseal(content, key)
            except (SealError, ValueError, TypeError) as exc:
                raise AnsibleActionFail("the snapshot returned by the CPE cannot be unsealed: %s" % exc)
        if content is not None and args.get("snapshot_dir"):
            directory = backup_directory(args["snapshot_dir"])
            name = snapshot_filename(args["host"], args.get("tunnels") or [], time.time())
            result["snapshot_path"] = write_private(directory, name, content)
        return result
