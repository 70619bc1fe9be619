# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report writers for verify results: a readable per-tunnel table, JSON, JUnit XML."""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any, Dict, Optional, Tuple

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def _short(value: Any, width: int) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value) or "[]"
    elif isinstance(value, dict):
        text = " ".join("%s=%s" % (k, _short(v, width)) for k, v in value.items())
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > width:
        text = text[:max(0, width - 3)] + "..."
    return text


def render_table(result: Dict[str, Any], diagnosis: Optional[Dict[str, Any]] = None, width: int = 100) -> str:
    """Readable per-tunnel table (text): CHECK | STATUS | DETAIL; a failure adds its expected and actual
    values, and with `diagnosis` (diagnose_host output) the named cause and the fix."""
    diag_by_key = {}
    if diagnosis:
        diag_by_key = dict((t["key"], t) for t in diagnosis["tunnels"])
    lines = []
    s = result["summary"]
    lines.append("Virtual Connect verify of %s: %s (%d pass, %d fail, %d skip)" % (
        result["host"], "OK" if result["ok"] else "FAILED", s["pass"], s["fail"], s["skip"]))
    for t in result["tunnels"]:
        lines.append("")
        status = "OK" if t["ok"] else "FAILED at %s (%s)" % (t["first_failure"]["check"], t["first_failure_title"])
        lines.append("%s [%s]: %s" % (t["label"], t["key"], status))
        name_w = max([len("CHECK")] + [len(c["check"]) for c in t["checks"]])
        lines.append("  %-*s  %-6s  %s" % (name_w, "CHECK", "STATUS", "DETAIL"))
        for c in t["checks"]:
            lines.append(("  %-*s  %-6s  %s" % (
                name_w, c["check"], STATUS_WORD.get(c["status"], c["status"]), c["message"])).rstrip())
            if c["status"] == "fail":
                pad = " " * (name_w + 12)
                lines.append("%sexpected: %s" % (pad, _short(c["expected"], width)))
                lines.append("%sactual:   %s" % (pad, _short(c["actual"], width)))
        d = diag_by_key.get(t["key"])
        if d and not d["ok"]:
            lines.append("  cause [%s]: %s" % (d["cause_id"], d["cause"]))
            if d.get("evidence"):
                lines.append("  evidence: %s" % "; ".join(d["evidence"]))
            lines.append("  fix: %s" % d["fix"])
            for other in d["other_causes"]:
                lines.append("  also [%s] at %s: %s" % (other["cause_id"], other["check"], other["cause"]))
    for w in result.get("warnings") or []:
        lines.append("warning: %s" % w)
    return "\n".join(lines)


def render_json(result: Dict[str, Any], diagnosis: Optional[Dict[str, Any]] = None,
                extra: Optional[Dict[str, Any]] = None) -> str:
    doc = dict(result)
    if diagnosis is not None:
        doc["diagnosis"] = diagnosis
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"


def render_junit(result: Dict[str, Any], diagnosis: Optional[Dict[str, Any]] = None) -> str:
    """JUnit XML: one testsuite per tunnel, one testcase per check; fail -> <failure>, skip -> <skipped>."""
    diag_by_key = {}
    if diagnosis:
        diag_by_key = dict((t["key"], t) for t in diagnosis["tunnels"])
    s = result["summary"]
    root = ET.Element("testsuites", {
        "name": "vc_verify %s" % result["host"],
        "tests": str(s["pass"] + s["fail"] + s["skip"]),
        "failures": str(s["fail"]),
        "errors": "0",
        "skipped": str(s["skip"]),
    })
    for t in result["tunnels"]:
        checks = t["checks"]
        suite = ET.SubElement(root, "testsuite", {
            "name": "%s %s" % (result["host"], t["label"]),
            "tests": str(len(checks)),
            "failures": str(sum(1 for c in checks if c["status"] == "fail")),
            "errors": "0",
            "skipped": str(sum(1 for c in checks if c["status"] == "skip")),
        })
        d = diag_by_key.get(t["key"])
        for c in checks:
            case = ET.SubElement(suite, "testcase", {
                "classname": "%s.%s" % (result["host"], t["key"]),
                "name": c["check"],
            })
            if c["status"] == "fail":
                body = "expected: %s\nactual: %s" % (json.dumps(c["expected"], default=str),
                                                     json.dumps(c["actual"], default=str))
                if d and d.get("check") == c["check"]:
                    body += "\ncause [%s]: %s\nfix: %s" % (d["cause_id"], d["cause"], d["fix"])
                fail = ET.SubElement(case, "failure", {"message": c["message"], "type": c["layer"]})
                fail.text = body
            elif c["status"] == "skip":
                ET.SubElement(case, "skipped", {"message": c["message"]})
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_reports(report_dir: Optional[str], host: str, files: Dict[str, Tuple[str, str]]) -> Dict[str, str]:
    """Write {suffix-name: text} under report_dir; returns {kind: path}."""
    out = {}
    if not report_dir:
        return out
    report_dir = os.path.abspath(os.path.expanduser(report_dir))
    os.makedirs(report_dir, exist_ok=True)
    for kind, (name, text) in files.items():
        path = os.path.join(report_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
        out[kind] = path
    return out
