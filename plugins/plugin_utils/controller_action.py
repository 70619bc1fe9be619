# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared base of the collection's controller-only action plugins (vc_plan, vc_verify, vc_diagnose).

They never open a connection to the host: they validate the task arguments against the module's own
argument spec and run the module's shared ``run()`` on the controller.
"""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """Subclasses set NAME and ARGUMENT_SPEC and call ``self.validated_params(result)``."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = ""
    ARGUMENT_SPEC = {}  # type: dict

    def validated_params(self, result):
        """The validated parameters, or None after marking ``result`` failed with every argument error."""
        validation = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            result.update(failed=True, msg="%s: invalid arguments: %s" % (self.NAME, "; ".join(validation.error_messages)))
            return None
        return validation.validated_parameters
