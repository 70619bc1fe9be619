# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE: what the CPE hands to the customer core (docs/ha.md) -> ``state.redistribution``; its gather commands.

* ``show running-config | include ^router ospf |^ redistribute bgp |route-map VC-`` (never a secret line): the
  OSPF processes with their ``redistribute bgp`` lines and the neighbours' VC route-maps;
* ``show ip ospf <pid> database external self-originate``: the type-5 LSAs this CPE originates (what every OSPF
  router of the customer network learns from it), with their tag, metric and metric type;
* iBGP: ``show ip bgp neighbors <core>`` and ``... advertised-routes`` (the parsers of show_parsers.py);
* the conditional default (``default_requires``, docs/ha.md section 3): ``show ip route <net> <mask>
  longer-prefixes`` per condition prefix; IOS-XE sends the default while the routing table has exactly one of them.

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ...plan.addressing import canonical_prefix

RUNNING_REDIST = "show running-config | include ^router ospf |^ redistribute bgp |route-map VC-"
_OSPF_CMD = "show ip ospf %d database external self-originate"


def gather_commands(red: Optional[Dict[str, Any]], make) -> List[Dict[str, Any]]:
    """The commands of the hand-over (``make`` = commands._cmd); none without a planned redistribution."""
    if not red:
        return []
    cmds = [make(RUNNING_REDIST, "running_redistribution", optional=True, file="show_running-config_redistribution.txt",
                 alt_files=["show_running-config.txt"])]
    if red.get("ospf"):
        cmds.append(make(_OSPF_CMD % int(red["ospf"]["process"]), "ospf_external", optional=True))
    for ip in (red.get("ibgp") or {}).get("neighbors") or []:
        cmds.append(make("show ip bgp neighbors %s" % ip, "bgp_neighbor", optional=True))
        cmds.append(make("show ip bgp neighbors %s advertised-routes" % ip, "bgp_advertised", optional=True))
    for prefix in (red.get("default_condition") or {}).get("prefixes") or []:
        cmds.append(make(condition_command(prefix), "ip_route", optional=True))
    return cmds


def condition_command(prefix: str) -> str:
    """``show ip route <net> <mask> longer-prefixes`` of one condition prefix (the table form the parser reads)."""
    import ipaddress

    net = ipaddress.IPv4Network(prefix)
    return "show ip route %s %s longer-prefixes" % (net.network_address, net.netmask)


def default_condition(red: Dict[str, Any], route_tables: Optional[List[Dict[str, Any]]]) -> Optional[Dict[str, Any]]:
    """``state.redistribution.default_condition``: ``{prefixes, routed, routes}`` from the parsed ``show ip route``
    tables (``routed``: the condition prefixes in the routing table, any protocol, exactly that prefix: what IOS-XE's
    ``default-originate route-map`` matches); None without ``default_requires``; ``routed`` None when no table was
    gathered."""
    cond = red.get("default_condition")
    if not cond:
        return None
    wanted = list(cond.get("prefixes") or [])
    out: Dict[str, Any] = {"prefixes": wanted, "routed": None, "routes": []}
    if not route_tables:
        return out
    for tbl in route_tables:
        for r in tbl.get("routes") or []:
            if r.get("prefix") in wanted and not any(x["prefix"] == r["prefix"] for x in out["routes"]):
                hop = next(iter(r.get("paths") or []), {})
                out["routes"].append({"prefix": r["prefix"], "protocol": r.get("protocol"),
                                      "next_hop": hop.get("next_hop"), "interface": hop.get("interface")})
    found = set(x["prefix"] for x in out["routes"])
    out["routed"] = [p for p in wanted if p in found]
    return out


_FIELD = re.compile(r"^\s*(Link State ID|Advertising Router|Network Mask|Metric Type|Metric|External Route Tag):\s*(\S+)")


def parse_ospf_external(text: str) -> List[Dict[str, Any]]:
    """``show ip ospf [pid] database external [self-originate]`` -> ``[{prefix, tag, metric, metric_type,
    advertising_router}]`` (one per LSA; the mask is printed ``/24`` or ``255.255.255.0``)."""
    out: List[Dict[str, Any]] = []
    cur: Optional[Dict[str, Any]] = None
    for line in (text or "").splitlines():
        m = _FIELD.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        if key == "Link State ID":
            cur = {"lsid": value, "mask": None, "tag": None, "metric": None, "metric_type": None, "advertising_router": None}
            out.append(cur)
        elif cur is None:
            continue
        elif key == "Network Mask":
            cur["mask"] = value.lstrip("/")
        elif key == "Advertising Router":
            cur["advertising_router"] = value
        elif key == "Metric Type":
            cur["metric_type"] = int(value) if value.isdigit() else None
        elif key == "Metric":
            cur["metric"] = int(value) if value.isdigit() else None
        elif key == "External Route Tag":
            cur["tag"] = int(value) if value.isdigit() else None
    result = []
    for lsa in out:
        prefix = _prefix(lsa.pop("lsid"), lsa.pop("mask"))
        if prefix:
            result.append(dict(lsa, prefix=prefix))
    return result


def _prefix(lsid: str, mask: Optional[str]) -> Optional[str]:
    if mask is None:
        return None
    if mask.isdigit():
        return canonical_prefix("%s/%s" % (lsid, mask))
    try:
        plen = sum(bin(int(o)).count("1") for o in mask.split("."))
    except ValueError:
        return None
    return canonical_prefix("%s/%d" % (lsid, plen))


def running_configured(text: Optional[str], red: Dict[str, Any], asn: Optional[int]) -> Optional[bool]:
    """Is the planned hand-over in the (filtered) running config? None when not gathered."""
    if text is None:
        return None
    rmap = red.get("route_map")
    if red.get("ospf"):
        want = "router ospf %d" % int(red["ospf"]["process"])
        inside = False
        for line in text.splitlines():
            if not line.startswith(" "):
                inside = line.strip() == want
            elif inside:
                words = line.split()
                if words[:3] == ["redistribute", "bgp", str(asn)] and "route-map" in words \
                        and words[words.index("route-map") + 1:words.index("route-map") + 2] == [rmap]:
                    return True
        return False
    lines = set(x.strip() for x in text.splitlines())
    return all("neighbor %s route-map %s out" % (ip, rmap) in lines for ip in (red.get("ibgp") or {}).get("neighbors") or [])


def build(red: Dict[str, Any], running: Optional[str], ospf_texts: List[str], neighbors: List[Dict[str, Any]],
          asn: Optional[int], condition_tables: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """``state.redistribution`` (docs/contract.md section 3) from the parsed outputs (``condition_tables``: the parsed
    ``show ip route`` outputs of the condition prefixes, :func:`condition_command`)."""
    out: Dict[str, Any] = {"protocol": red.get("protocol"), "configured": running_configured(running, red, asn),
                           "exported": None, "exported_detail": None, "core_neighbors": []}
    cond = default_condition(red, condition_tables)
    if cond is not None:
        out["default_condition"] = cond
    if red.get("ospf"):
        if ospf_texts:
            detail = [d for text in ospf_texts for d in parse_ospf_external(text)]
            out["exported_detail"] = detail
            out["exported"] = sorted(set(d["prefix"] for d in detail))
        return out
    by_ip = dict((n.get("neighbor"), n) for n in neighbors)
    exported = set()
    known = True
    for ip in (red.get("ibgp") or {}).get("neighbors") or []:
        n = by_ip.get(ip) or {}
        adv = n.get("advertised")
        if adv is None:
            known = False
        else:
            exported.update(adv)
        out["core_neighbors"].append({"neighbor": ip, "state": n.get("state"), "advertised": adv})
    out["exported"] = sorted(exported) if known else None
    return out
