# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan core of webex_di.virtual_connect: pure Python, no Ansible imports, no I/O.

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
result = build_plan(regions, cpes=None, options=None, inventory_hosts=None)
"""

from __future__ import annotations

from .findings import RULES, format_findings
from .planner import PLAN_VERSION, PlanResult, build_plan
from .summary import plan_table
from .views import cpe_tunnels, secrets_by_tunnel

__all__ = ["RULES", "PLAN_VERSION", "PlanResult", "build_plan", "format_findings", "plan_table", "cpe_tunnels", "secrets_by_tunnel"]
