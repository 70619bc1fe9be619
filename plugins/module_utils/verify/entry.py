# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What vc_verify and vc_diagnose share: their options and the verify + diagnose of one host."""
from __future__ import annotations

from typing import Any, Dict, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import verify_host
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host


def argument_spec(fail_on_fault: bool) -> Dict[str, Dict[str, Any]]:
    """The options of vc_verify (``fail_on_fault`` true) and vc_diagnose (false)."""
    return dict(
        plan=dict(type="dict", required=True),
        state=dict(type="dict", required=True),
        host=dict(type="str"),
        report_dir=dict(type="path"),
        min_ike_uptime_s=dict(type="int", default=10),
        require_traffic=dict(type="bool", default=True),
        fail_on_fault=dict(type="bool", default=fail_on_fault),
    )


class NoHost(ValueError):
    """Neither the task nor the state names the host."""


def check_host(params: Dict[str, Any], name: str) -> Tuple[str, Dict[str, Any], Dict[str, Any]]:
    """``(host, verify result, diagnosis)`` of the host the task (or the state) names."""
    state = params["state"] or {}
    host = params.get("host") or state.get("host")
    if not host:
        raise NoHost("%s: no host given and the state names none" % name)
    options = {"min_ike_uptime_s": params["min_ike_uptime_s"], "require_traffic": params["require_traffic"]}
    result = verify_host(params["plan"], state, host, options)
    return host, result, diagnose_host(params["plan"], state, host, options, verify_result=result)
