# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_diagnose: on the controller, never touching the CPE (plugin_utils/controller_action.py)."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.controller_action import DiagnoseAction as ActionModule

__all__ = ["ActionModule"]
