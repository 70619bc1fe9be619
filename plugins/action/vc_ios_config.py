# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_ios_config.

Like the cisco.ios modules: for ``state: merged`` the module runs on the controller through the
persistent ``ansible.netcommon.network_cli`` connection (get_config / edit_config via the cisco.ios
cliconf). ``rendered`` and ``parsed`` run the module locally without touching the device. The
plugin also fills in ``host`` (inventory_hostname) and writes the backup file (mode 0600, directory 0700,
where the user runs and never inside the collection, secret fields masked) without letting it change the
task's ``changed`` (unlike netcommon's backup helper).
"""
from __future__ import annotations

import os
import time

from ansible.plugins.action.normal import ActionModule as _NormalAction

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.secrets import mask_secret_lines

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
        directory = backup_directory(options.get("dir_path"))
        features = self._task.args.get("features") or ["all"]
        if not isinstance(features, list):
            features = [str(features)]
        filename = options.get("filename") or "%s_vc_%s_running.%s.cfg" % (
            task_vars.get("inventory_hostname", "host"), "-".join(str(f) for f in features),
            time.strftime("%Y-%m-%d@%H:%M:%S"))
        # the file keeps no secret in any form (type 7 is reversible): secret fields are masked, and a restore
        # from it never types a masked placeholder (secrets compare by presence, docs/ownership.md)
        return write_private(directory, filename, mask_secret_lines(content))


COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def _inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def backup_directory(dir_path=None, cwd=None, root=COLLECTION_ROOT):
    """Where a backup goes: ``dir_path`` (vc_ios_backup_dir) when given, else ``VC_BACKUP_DIR``, else
    ``vc_backups`` in the directory the user runs ansible-playbook from - never inside the installed
    collection (it would be packaged by ansible-galaxy collection build): then ``~/.ansible/vc_backups``."""
    directory = dir_path or os.environ.get("VC_BACKUP_DIR") or os.path.join(cwd or os.getcwd(), "vc_backups")
    directory = os.path.abspath(os.path.expanduser(directory))
    if _inside(directory, root):
        directory = os.path.join(os.path.expanduser("~"), ".ansible", "vc_backups")
    return directory


def write_private(directory, filename, content):
    """Write ``content`` to ``directory/filename``: the directory 0700 when created here, the file 0600 (never
    readable by others at any moment), replaced atomically. Returns the path."""
    if os.sep in filename or filename in ("", ".", ".."):
        raise ValueError("backup filename %r must be a plain file name" % (filename,))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
    path = os.path.join(directory, filename)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
