# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_diagnose: runs on the controller, never touches the CPE
(plugin_utils/controller_action.py: arguments checked against the module's spec, host defaults to
inventory_hostname; reports, if any, are written on the controller)."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.modules.vc_diagnose import ARGUMENT_SPEC, run
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.controller_action import HostReportAction


class ActionModule(HostReportAction):
    NAME = "vc_diagnose"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    RUN = staticmethod(run)
