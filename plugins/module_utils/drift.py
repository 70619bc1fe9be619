# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: how one CPE's Virtual Connect objects differ from the plan (read-only; drift_vc.yml, module vc_drift).

Two platform-neutral inputs, either may be empty:

* ``state`` - the common state of docs/contract.md section 3 (the verify role's gather). Its configuration facts
  are compared with the plan per tunnel: the GRE interface (present, admin up, source/destination, address,
  keepalive), the BGP neighbour (present, remote AS, local AS) through the verify checks of those facts, and the
  optional ``config`` evidence (IKEv2/ESP algorithms, the crypto ACL, GRE endpoints). Operational facts (SAs up,
  sessions established, routes) are verify's, not drift's.
* ``config`` - what the CPE's platform apply module, run in check mode, says a deploy would change:
  ``{commands: [...], tunnels: {key: [commands]}, extra: [objects], files: [paths], error: str}`` (secrets masked by
  the module). ``extra`` are objects that carry the Virtual Connect marker but that the plan does not have; the
  platform's own ownership rules found them (the platform apply module's stale list).

Each difference is ``{tunnel, object, kind, expected, actual, message, source}``, ``kind`` one of ``missing`` (the
plan has it, the CPE does not), ``differs``, ``extra`` (ours by marker, not in the plan) or ``error`` (could not be
compared). Pure Python, no Ansible import.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_region_tunnels
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import checks as V
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import (
    as_list, ip_eq, norm_alg, norm_dh, norm_protocol, tunnel_label,
)

KINDS = ("missing", "differs", "extra", "error")
# the verify checks of configuration facts (the others are operational: verify's business)
CONFIG_CHECKS = {
    "gre_interface": "GRE tunnel interface",
    "gre_endpoints": "GRE tunnel source/destination",
    "gre_address": "GRE tunnel address",
    "gre_keepalive": "GRE keepalive",
    "bgp_neighbor": "BGP neighbour",
    "bgp_remote_as": "BGP neighbour remote AS",
    "bgp_local_as": "BGP neighbour local AS",
}
HOST = "(CPE)"   # the tunnel column of a difference that is not one tunnel's


def _diff(tunnel: str, obj: str, kind: str, expected: Any, actual: Any, message: str, source: str) -> Dict[str, Any]:
    return {"tunnel": tunnel, "object": obj, "kind": kind, "expected": expected, "actual": actual,
            "message": message, "source": source}


def _state_differences(state: Dict[str, Any], region: Dict[str, Any], tunnel: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Configuration facts of the state that differ from the plan, for one tunnel (unblocked: every one counts)."""
    key = tunnel["key"]
    ctx = V.tunnel_context(state, region, tunnel, V.merge_options(None))
    out = []
    for gen in (V._check_gre, V._check_bgp):   # pylint: disable=protected-access
        for c in gen(ctx):
            if c["check"] not in CONFIG_CHECKS or c["status"] != V.FAIL:
                continue
            missing = c["check"] in ("gre_interface", "bgp_neighbor") and (
                c["check"] == "bgp_neighbor" or ctx["gre"] is None)
            out.append(_diff(key, CONFIG_CHECKS[c["check"]], "missing" if missing else "differs", c["expected"],
                             c["actual"], c["message"], "state"))
    out.extend(_evidence_differences(state, tunnel))
    return out


def _has(values: Any, want: Any, norm) -> Optional[bool]:
    """Whether the configured values (a list or one value) hold the planned one; None when unknown."""
    if values is None or want is None:
        return None
    got = [norm(v) for v in as_list(values)]
    return norm(want) in got


def _evidence_differences(state: Dict[str, Any], tunnel: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The optional ``config`` evidence of the state (the VC objects as configured) against the plan."""
    cfg = ((state.get("config") or {}).get(tunnel["key"])) or {}
    if not cfg:
        return []
    key = tunnel["key"]
    ipsec = tunnel.get("ipsec") or {}
    out = []
    rows = []
    ike, esp = cfg.get("ike") or {}, cfg.get("esp") or {}
    pike, pesp = ipsec.get("ike") or {}, ipsec.get("esp") or {}
    rows += [("IKEv2 encryption", ike.get("encryption"), pike.get("encryption"), norm_alg),
             ("IKEv2 PRF", ike.get("prf"), pike.get("prf"), norm_alg),
             ("IKEv2 DH group", ike.get("dh_group"), pike.get("dh_group"), norm_dh),
             ("ESP encryption", esp.get("encryption"), pesp.get("encryption"), norm_alg),
             ("ESP PFS group", esp.get("pfs_group"), pesp.get("pfs_group"), norm_dh)]
    for obj, got, want, norm in rows:
        if _has(got, want, norm) is False:
            out.append(_diff(key, obj, "differs", want, got, "%s configured %s, plan %s" % (obj, got, want), "state"))
    acl, pacl = cfg.get("crypto_acl") or {}, tunnel.get("crypto_acl") or {}
    if acl:
        bad = []
        if acl.get("protocol") is not None and norm_protocol(acl.get("protocol")) != norm_protocol(pacl.get("protocol")):
            bad.append("protocol %s" % acl.get("protocol"))
        for side in ("source", "destination"):
            if acl.get(side) is not None and not ip_eq(acl.get(side), pacl.get(side)):
                bad.append("%s %s" % (side, acl.get(side)))
        if bad:
            want = {k: pacl.get(k) for k in ("protocol", "source", "destination")}
            out.append(_diff(key, "crypto ACL (GRE only)", "differs", want, acl,
                             "crypto ACL has %s, plan gre %s -> %s" % (", ".join(bad), pacl.get("source"),
                                                                       pacl.get("destination")), "state"))
    gre, pgre = cfg.get("gre") or {}, tunnel.get("gre") or {}
    for side in ("source", "destination"):
        if gre.get(side) is not None and not ip_eq(gre.get(side), pgre.get(side)):
            out.append(_diff(key, "GRE tunnel %s (configured)" % side, "differs", pgre.get(side), gre.get(side),
                             "tunnel %s %s configured, plan %s" % (side, gre.get(side), pgre.get(side)), "state"))
    return out


def _dedupe(items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    seen, out = set(), []
    for d in items:
        mark = json.dumps([d["tunnel"], d["object"], d["kind"], d["expected"], d["actual"]], sort_keys=True, default=str)
        if mark not in seen:
            seen.add(mark)
            out.append(d)
    return out


def drift_host(plan: Dict[str, Any], host: str, state: Optional[Dict[str, Any]] = None,
               config: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Every difference of ``host`` from the plan. Returns ``{host, drift, tunnels: [{key, label, ok, differences}],
    host_differences, summary: {missing, differs, extra, error, total}, lines}``."""
    state = state or {}
    config = config or {}
    per_tunnel = config.get("tunnels") or {}
    tunnels = []
    for region, tunnel in cpe_region_tunnels(plan, host):
        diffs = _state_differences(state, region, tunnel) if state else []
        cmds = [c for c in as_list(per_tunnel.get(tunnel["key"])) if c]
        if cmds:
            diffs.append(_diff(tunnel["key"], "configuration", "differs", "as planned", "%d command(s) away" % len(cmds),
                               "a deploy of this tunnel would send: %s" % "; ".join(cmds), "config"))
        diffs = _dedupe(diffs)
        tunnels.append({"key": tunnel["key"], "label": tunnel_label(tunnel), "region": tunnel.get("region"),
                        "index": tunnel.get("index"), "ok": not diffs, "differences": diffs})
    host_diffs = []
    for obj in as_list(config.get("extra")):
        host_diffs.append(_diff(HOST, str(obj), "extra", None, str(obj),
                                "%s carries the Virtual Connect marker but the plan does not have it" % obj, "config"))
    all_cmds = [c for c in as_list(config.get("commands")) if c]
    staged = set(c for cmds in per_tunnel.values() for c in as_list(cmds))
    if all_cmds and not per_tunnel:
        host_diffs.append(_diff(HOST, "configuration", "differs", "as planned", "%d command(s) away" % len(all_cmds),
                                "a deploy would run: %s" % "; ".join(all_cmds), "config"))
    elif all_cmds and not staged:
        host_diffs.append(_diff(HOST, "configuration", "differs", "as planned", "%d command(s) away" % len(all_cmds),
                                "a deploy would send (objects no single tunnel owns): %s" % "; ".join(all_cmds),
                                "config"))
    files = [f for f in as_list(config.get("files")) if f]
    if files:
        host_diffs.append(_diff(HOST, "files", "differs", "as planned", files,
                                "a deploy would write: %s" % ", ".join(files), "config"))
    if config.get("error"):
        host_diffs.append(_diff(HOST, "configuration", "error", None, None,
                                "the configuration could not be compared: %s" % config["error"], "config"))
    if not tunnels:
        host_diffs.append(_diff(HOST, "plan", "error", None, None,
                                "the plan has no Virtual Connect tunnel on host %s" % host, "plan"))
    everything = [d for t in tunnels for d in t["differences"]] + host_diffs
    summary = dict((k, sum(1 for d in everything if d["kind"] == k)) for k in KINDS)
    summary["total"] = len(everything)
    result = {"host": host, "drift": bool(everything), "tunnels": tunnels, "host_differences": host_diffs,
              "summary": summary}
    result["lines"] = drift_lines(result)
    return result


def drift_lines(result: Dict[str, Any]) -> List[str]:
    host = result["host"]
    if not result["drift"]:
        return ["%s: no drift: %d tunnel(s) as planned" % (host, len(result["tunnels"]))]
    s = result["summary"]
    lines = ["%s: DRIFT: %d difference(s) (%d missing, %d differ, %d extra, %d not compared)"
             % (host, s["total"], s["missing"], s["differs"], s["extra"], s["error"])]
    for t in result["tunnels"]:
        if t["ok"]:
            lines.append("  %s [%s]: as planned" % (t["label"], t["key"]))
        for d in t["differences"]:
            lines.append("  %s [%s]: %s %s: %s" % (t["label"], t["key"], d["kind"], d["object"], d["message"]))
    for d in result["host_differences"]:
        lines.append("  %s: %s %s: %s" % (HOST, d["kind"], d["object"], d["message"]))
    return lines


def drift_message(result: Dict[str, Any]) -> str:
    """One line for the task: the host, the count and each difference, short."""
    if not result["drift"]:
        return "vc_drift: %s: no drift (%d tunnel(s) as planned)" % (result["host"], len(result["tunnels"]))
    parts = ["%s %s %s" % (d["tunnel"], d["kind"], d["object"])
             for d in [d for t in result["tunnels"] for d in t["differences"]] + result["host_differences"]]
    return "vc_drift: %s: %d difference(s) from the plan: %s" % (result["host"], result["summary"]["total"],
                                                                 "; ".join(parts))


def render_junit(result: Dict[str, Any]) -> str:
    """JUnit XML: one testsuite per CPE, one testcase per tunnel and one for the CPE's own objects."""
    host = result["host"]
    cases = [(t["key"], t["differences"]) for t in result["tunnels"]] + [("cpe", result["host_differences"])]
    root = ET.Element("testsuite", {"name": "vc_drift %s" % host, "tests": str(len(cases)),
                                    "failures": str(sum(1 for _k, d in cases if d)), "errors": "0"})
    for name, diffs in cases:
        case = ET.SubElement(root, "testcase", {"classname": "vc_drift.%s" % host, "name": name})
        if diffs:
            fail = ET.SubElement(case, "failure", {"message": "%d difference(s) from the plan" % len(diffs),
                                                   "type": "drift"})
            fail.text = "\n".join("%s %s: %s" % (d["kind"], d["object"], d["message"]) for d in diffs)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_json(result: Dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, default=str) + "\n"


def stats(result: Dict[str, Any]) -> Dict[str, Any]:
    """The per-host summary for set_stats (AWX workflows branch on it)."""
    return {"drift": result["drift"], "summary": result["summary"],
            "tunnels": dict((t["key"], {"ok": t["ok"], "differences": len(t["differences"])}) for t in result["tunnels"])}


def verify_stats(result: Dict[str, Any]) -> Dict[str, Any]:
    """The per-host summary of a vc_verify result for set_stats: ok, the counts, per tunnel ok and first failure."""
    return {"ok": bool(result.get("ok")), "summary": result.get("summary") or {},
            "tunnels": dict((t.get("key"), {"ok": bool(t.get("ok")),
                                            "first_failure": (t.get("first_failure") or {}).get("check")})
                            for t in result.get("tunnels") or [])}
