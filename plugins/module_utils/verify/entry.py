# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What vc_verify and vc_diagnose share: their options and the verify + diagnose of one host."""
from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import verify_host
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import DEFAULT_MIN_IKE_UPTIME_S


def argument_spec(fail_on_fault: bool) -> Dict[str, Dict[str, Any]]:
    """The options of vc_verify (``fail_on_fault`` true) and vc_diagnose (false)."""
    return dict(
        plan=dict(type="dict", required=True),
        state=dict(type="dict", required=True),
        host=dict(type="str"),
        report_dir=dict(type="path"),
        min_ike_uptime_s=dict(type="int", default=DEFAULT_MIN_IKE_UPTIME_S),
        require_traffic=dict(type="bool", default=True),
        fail_on_fault=dict(type="bool", default=fail_on_fault),
    )


def verify_message(host: str, result: Dict[str, Any], diagnosis: Dict[str, Any]) -> str:
    """vc_verify's msg: every failing check per tunnel with the likely cause (diagnose: cause, evidence, fix), or
    all OK. deploy_vc.yml's failure message carries it."""
    if result["ok"]:
        return "vc_verify: %s: all %d tunnel(s) OK" % (host, len(result["tunnels"]))
    causes = dict((t["key"], t) for t in diagnosis["tunnels"])
    parts = []
    for t in result["tunnels"]:
        if t["ok"]:
            continue
        bad = [c for c in t["checks"] if c["status"] == "fail"]
        d = causes.get(t["key"]) or {}
        cause = ""
        if d.get("cause_id"):
            cause = " (likely cause [%s]: %s%s%s)" % (
                d.get("cause_id"), d.get("cause"),
                " Evidence: %s." % "; ".join(d["evidence"]) if d.get("evidence") else "",
                " Fix: %s" % d["fix"] if d.get("fix") else "")
        parts.append("%s [%s]: %s%s" % (
            t["label"], t["key"], "; ".join("%s: %s" % (c["check"], c["message"]) for c in bad), cause))
    return "vc_verify: %s: %d check(s) failed: %s" % (host, result["summary"]["fail"], " | ".join(parts))


def diagnose_message(host: str, diagnosis: Dict[str, Any]) -> str:
    """vc_diagnose's msg: the named cause of every tunnel with a fault, or none."""
    faults = [t for t in diagnosis["tunnels"] if not t["ok"]]
    if not faults:
        return "vc_diagnose: %s: no fault on %d tunnel(s)" % (host, len(diagnosis["tunnels"]))
    return "vc_diagnose: %s: %s" % (host, " | ".join(
        "%s [%s]: %s at %s: [%s] %s" % (t["label"], t["key"], t["layer_title"], t["check"], t["cause_id"], t["cause"])
        for t in faults))


class NoHost(ValueError):
    """Neither the task nor the state names the host."""


def for_host(params: Dict[str, Any], name: str, build: Callable[..., Dict[str, Any]]) -> Dict[str, Any]:
    """``build(params, host, result, diagnosis)`` for the host the task (or the state) names; a failed result
    naming the module when there is none."""
    try:
        host, result, diagnosis = check_host(params, name)
    except NoHost as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}
    return build(params, host, result, diagnosis)


def check_host(params: Dict[str, Any], name: str) -> Tuple[str, Dict[str, Any], Dict[str, Any]]:
    """``(host, verify result, diagnosis)`` of the host the task (or the state) names."""
    state = params["state"] or {}
    host = params.get("host") or state.get("host")
    if not host:
        raise NoHost("%s: no host given and the state names none" % name)
    options = {"min_ike_uptime_s": params["min_ike_uptime_s"], "require_traffic": params["require_traffic"]}
    result = verify_host(params["plan"], state, host, options)
    return host, result, diagnose_host(params["plan"], state, host, options, verify_result=result)
