# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_drift: on the controller, never touching the CPE."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_drift
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.controller_action import HostReportAction


class ActionModule(HostReportAction):
    NAME = "vc_drift"
    ARGUMENT_SPEC = vc_drift.ARGUMENT_SPEC
    RUN = staticmethod(vc_drift.run)
