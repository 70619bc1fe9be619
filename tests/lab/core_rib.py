#!/usr/bin/env python
"""The customer core router's view of the CPEs' redistribution (lab drill ``redistribution:``).

    core_rib.py SPEC_JSON CORE_ROUTE_JSON CORE_OSPF_ROUTE_JSON   -> "PASS|FAIL<TAB>text" lines on stdout

SPEC_JSON is labgen.py's spec.json (``redistribution``: per CPE the prefixes the core must learn, tag, metric
type, next hop); the two others are the core's ``show ip route json`` and ``show ip ospf route json`` (FRR).
The core has no static and no default route of its own, so every non-connected route it holds came from a CPE.
"""
from __future__ import annotations

import ipaddress
import json
import sys
from typing import Any, Dict, List, Tuple

LOCAL = {"connected", "local", "kernel"}


def expected(spec: dict) -> Dict[str, Dict[str, Any]]:
    """prefix -> {next_hops: {cpe lan ip}, tags: {tag}, metric_types: {1|2}} over the CPEs that hand over."""
    out: Dict[str, Dict[str, Any]] = {}
    for red in (spec.get("redistribution") or {}).values():
        for p in red["prefixes"]:
            e = out.setdefault(p, {"next_hops": set(), "tags": set(), "metric_types": set()})
            e["next_hops"].add(red["next_hop"])
            e["tags"].add(int(red["tag"]))
            e["metric_types"].add(int(red["metric_type"]))
    return out


def _selected(route_doc: dict) -> Dict[str, dict]:
    """prefix -> the selected (installed) route entry of ``show ip route json``."""
    out = {}
    for prefix, entries in (route_doc or {}).items():
        for e in entries if isinstance(entries, list) else []:
            if e.get("selected"):
                out[prefix] = e
    return out


def _hops(entry: dict) -> set:
    return {h.get("ip") for h in entry.get("nexthops") or [] if h.get("ip") and h.get("active", True)}


def _sorted(prefixes) -> List[str]:
    return sorted(prefixes, key=ipaddress.ip_network)


def checks(spec: dict, route_doc: dict, ospf_doc: dict) -> List[Tuple[bool, str]]:
    exp = expected(spec)
    sel = _selected(route_doc)
    learned = {p: e for p, e in sel.items() if e.get("protocol") not in LOCAL}
    res: List[Tuple[bool, str]] = []
    res.append((bool(exp) and set(learned) == set(exp),
                "the core's RIB holds exactly the %d expected DI prefixes (%s); learned: %s"
                % (len(exp), " ".join(_sorted(exp)), " ".join(_sorted(learned)) or "none")))
    res.append((all(e.get("protocol") == "ospf" for e in learned.values()),
                "every learned route is OSPF (no static route on the core): %s"
                % (", ".join(sorted({str(e.get("protocol")) for e in learned.values()})) or "none")))
    defaults = [e.get("protocol") for e in (route_doc or {}).get("0.0.0.0/0") or []]
    res.append((not defaults, "no 0.0.0.0/0 on the core%s" % (" (found: %s)" % defaults if defaults else "")))
    bad_nh = {p: sorted(_hops(learned[p])) for p in exp if p in learned and _hops(learned[p]) != exp[p]["next_hops"]}
    res.append((bool(learned) and not bad_nh,
                "next hop of each prefix is the CPE(s) that learn it from DI%s"
                % (": wrong %s" % bad_nh if bad_nh else "")))
    bad_type = {}
    for p, e in exp.items():
        o = (ospf_doc or {}).get(p) or {}
        rtype = str(o.get("routeType") or "")
        tag = o.get("tag")
        want = {"N E%d" % t for t in e["metric_types"]}
        if rtype.strip() not in want or tag is None or int(tag) not in e["tags"]:
            bad_type[p] = "%s tag %s" % (rtype.strip() or "missing", tag)
    tags = sorted({t for e in exp.values() for t in e["tags"]})
    types = sorted({t for e in exp.values() for t in e["metric_types"]})
    res.append((bool(exp) and not bad_type,
                "OSPF external E%s with the planned tag %s on every prefix%s"
                % ("/E".join(map(str, types)), "/".join(map(str, tags)), (": " + str(bad_type)) if bad_type else "")))
    return res


def main(argv: List[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    docs = []
    for path in argv[1:]:
        with open(path) as f:
            docs.append(json.load(f))
    for ok, text in checks(*docs):
        print("%s\t%s" % ("PASS" if ok else "FAIL", text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
