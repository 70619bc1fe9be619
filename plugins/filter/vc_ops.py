# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of webex_di.virtual_connect for operations (which CPEs a run acts on, the set_stats summaries); thin
wrappers over the plan core and drift.py.

Each filter is documented in its own file beside this one (``<filter>.yml``).
"""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.drift import verify_stats
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import resolve_targets


def vc_targets(plan, inventory_hosts=None, play_hosts=None, pattern=None, pattern_hosts=None, limit=None,
               allow_partial=False):
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("vc_targets: expects the plan returned by webex_di.virtual_connect.vc_plan")
    return resolve_targets(plan, list(inventory_hosts or []), list(play_hosts or []), pattern=pattern or None,
                           pattern_hosts=list(pattern_hosts or []), limit=limit or None,
                           allow_partial=bool(allow_partial))


def vc_verify_stats(result):
    if not isinstance(result, dict) or "tunnels" not in result:
        raise AnsibleFilterError("vc_verify_stats: expects the result of webex_di.virtual_connect.vc_verify")
    return verify_stats(result)


class FilterModule(object):
    def filters(self):
        return {"vc_targets": vc_targets, "vc_verify_stats": vc_verify_stats}
