# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's controller-only action plugins (vc_plan's base, vc_verify, vc_diagnose).

They never open a connection to the host: they validate the task arguments against the module's own
argument spec and run the module's shared ``run()`` on the controller.
"""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_diagnose, vc_verify


class ControllerAction(ActionBase):
    """Subclasses set NAME and ARGUMENT_SPEC and implement ``run_validated(params, task_vars, result)``."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = ""
    ARGUMENT_SPEC = {}  # type: dict

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerAction, self).run(tmp, task_vars)
        validation = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            result.update(failed=True, msg="%s: invalid arguments: %s" % (self.NAME, "; ".join(validation.error_messages)))
            return result
        return self.run_validated(validation.validated_parameters, task_vars or {}, result)

    def run_validated(self, params, task_vars, result):
        raise NotImplementedError


class HostReportAction(ControllerAction):
    """vc_verify and vc_diagnose: ``host`` defaults to inventory_hostname, then the module's ``run(params)``."""

    RUN = None

    def run_validated(self, params, task_vars, result):
        if not params.get("host"):
            params["host"] = task_vars.get("inventory_hostname")  # run() falls back to the state's host
        result.update(type(self).RUN(params))
        return result


class VerifyAction(HostReportAction):
    NAME = "vc_verify"
    ARGUMENT_SPEC = vc_verify.ARGUMENT_SPEC
    RUN = staticmethod(vc_verify.run)


class DiagnoseAction(HostReportAction):
    NAME = "vc_diagnose"
    ARGUMENT_SPEC = vc_diagnose.ARGUMENT_SPEC
    RUN = staticmethod(vc_diagnose.run)
