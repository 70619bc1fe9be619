# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_diagnose: runs on the controller, never touches the CPE.

Validates the arguments against the module's spec, defaults `host` to inventory_hostname and calls the
shared run() of the module (reports, if any, are written on the controller).
"""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.modules.vc_diagnose import ARGUMENT_SPEC, run
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.controller_action import ControllerAction


class ActionModule(ControllerAction):
    NAME = "vc_diagnose"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        params = self.validated_params(result)
        if params is None:
            return result
        if not params.get("host"):
            params["host"] = task_vars.get("inventory_hostname")  # run() falls back to the state's host
        result.update(run(params))
        return result
