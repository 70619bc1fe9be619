# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_ios_gather: the gather runs in the task's worker on the controller,
over the persistent network_cli connection (its JSON-RPC socket), with no module process: one task per host for the
settle wait and every show command."""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.connection import Connection, ConnectionError
from ansible.plugins.action import ActionBase

from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_gather


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        validation = ArgumentSpecValidator(vc_ios_gather.ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            result.update(failed=True, msg="vc_ios_gather: invalid arguments: %s" % "; ".join(validation.error_messages))
            return result
        params = validation.validated_parameters
        params["host"] = params.get("host") or task_vars.get("inventory_hostname")
        connection = (self._play_context.connection or "").split(".")[-1]
        socket_path = getattr(self._connection, "socket_path", None)
        if connection != "network_cli" or not socket_path:
            result.update(failed=True, msg="vc_ios_gather needs connection ansible.netcommon.network_cli "
                                           "(ansible_network_os cisco.ios.ios), not %s" % self._play_context.connection)
            return result
        try:
            result.update(vc_ios_gather.run(params, Connection(socket_path)))
        except ConnectionError as exc:
            result.update(failed=True, msg="vc_ios_gather: %s: the connection failed: %s" % (params["host"], exc))
        return result
