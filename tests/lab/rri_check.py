#!/usr/bin/env python
"""The lab's own reading of the split model's RRI (drill ``rri:``, tests/lab/rri_drill.sh), independent of the
collection's verify.

    rri_check.py learned ROUTE_JSON OSPF_ROUTE_JSON PREFIX   -> "protocol=P via=IP type=T tag=N" (or "none")
    rri_check.py cause REPORT_DIR HOST KEY [fix]             -> the cause diagnose names for tunnel KEY on HOST
                                                                ("ok" when it is green, "none" without a report;
                                                                fix: its fix text)
    rri_check.py rows PLAYBOOK_LOG HOST KEY CHECK...         -> exit 0 when a verify table of HOST in the log shows
                                                                every CHECK of tunnel KEY as PASS

ROUTE_JSON / OSPF_ROUTE_JSON: the GRE router's FRR ``show ip route PREFIX json`` and ``show ip ospf route json``;
REPORT_DIR: the ``vc_report_dir`` of playbooks/diagnose_vc.yml (one ``diagnose-<host>.json`` per host).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Dict


def learned(route_doc: Dict[str, Any], ospf_doc: Dict[str, Any], prefix: str) -> str:
    """How the GRE router holds PREFIX: the selected route's protocol and next hop, and its OSPF route type and
    tag (an external route learned from the IPsec device's redistribution: ``N E2`` with the RRI tag)."""
    sel = [e for e in (route_doc or {}).get(prefix) or [] if e.get("selected")]
    if not sel:
        return "none"
    e = sel[0]
    hops = [h.get("ip") for h in e.get("nexthops") or [] if h.get("ip") and h.get("active", True)]
    o = (ospf_doc or {}).get(prefix) or {}
    rtype = str(o.get("routeType") or "-").strip().replace(" ", "_")
    return "protocol=%s via=%s type=%s tag=%s" % (e.get("protocol"), ",".join(hops) or "-", rtype, o.get("tag", "-"))


def cause(report_dir: str, host: str, key: str, field: str = "cause_id") -> str:
    """The cause diagnose names for tunnel KEY on HOST (``field``: its ``cause_id``, or its ``fix`` text)."""
    path = Path(report_dir) / ("diagnose-%s.json" % host)
    if not path.exists():
        return "none"
    for t in json.loads(path.read_text()).get("tunnels", []):
        if t.get("key") == key:
            return "ok" if t.get("ok") else str(t.get(field))
    return "none"


def rows(log: str, host: str, key: str, wanted: list) -> bool:
    """The verify tables (``ok: [HOST] =>`` then ``- '...'`` lines) of HOST: tunnel KEY's rows, one table with every
    wanted check PASS."""
    tables, cur = [], None
    for line in log.splitlines():
        m = re.match(r"^(ok|changed|fatal|failed): \[([^\]]+)\]", line)
        if m:
            cur = [] if m.group(2) == host else None
            if cur is not None:
                tables.append(cur)
            continue
        m = re.match(r"^\s+- '(.*)'?$", line)
        if cur is not None and m:
            cur.append(m.group(1).rstrip("'"))
    for t in tables:
        status, inside = {}, False
        for row in t:
            if row.startswith("tunnel "):
                inside = "[%s]" % key in row
            elif inside:
                words = row.split()
                if len(words) >= 2:
                    status.setdefault(words[0], words[1])
        if status and all(status.get(c) == "PASS" for c in wanted):
            return True
    return False


def main(argv: list) -> int:
    if len(argv) >= 6 and argv[1] == "rows":
        return 0 if rows(Path(argv[2]).read_text(errors="replace"), argv[3], argv[4], argv[5:]) else 1
    if len(argv) == 5 and argv[1] == "learned":
        docs = []
        for path in argv[2:4]:
            try:
                docs.append(json.loads(Path(path).read_text() or "{}"))
            except ValueError:
                docs.append({})
        print(learned(docs[0], docs[1], argv[4]))
        return 0
    if len(argv) in (5, 6) and argv[1] == "cause":
        print(cause(argv[2], argv[3], argv[4], "fix" if argv[5:] == ["fix"] else "cause_id"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
