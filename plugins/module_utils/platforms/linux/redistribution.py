# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux CPE (FRR): what the CPE hands to the customer core (docs/ha.md) -> ``state.redistribution``.

Pure functions over vtysh output, tested on outputs captured from real FRR
(tests/unit/plugins/module_utils/platforms/linux/capture/capture_redistribution.sh):

* ``show running-config``: the VC redistribution is configured (``router ospf`` has ``redistribute bgp`` with the
  VC route-map; the iBGP core neighbours have ``route-map VC-REDIST out``);
* ``show ip ospf database external self-originate json``: the external LSAs this CPE originates (what every OSPF
  router of the customer network sees from it), with their tag, metric and metric type;
* ``show bgp ipv4 unicast neighbors <core> advertised-routes json`` and ``show bgp neighbors json``: the routes
  sent to each core neighbour and its session state;
* ``ip -j route show table main`` (gathered anyway): the conditional default's prefixes (``default_requires``,
  docs/ha.md section 3) in the routing table, and from which protocol (FRR's condition holds only for a prefix
  the customer IGP brings: OSPF with ``protocol: ospf``, the core's iBGP with ``protocol: bgp``).
"""
from __future__ import annotations

import ipaddress
import json
from typing import Any, Dict, List, Optional

from ...plan.addressing import canonical_prefix

RUNNING = "show running-config"
OSPF_EXTERNAL_SELF = "show ip ospf database external self-originate json"


def _mask_len(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return ipaddress.IPv4Network("0.0.0.0/%s" % value).prefixlen
        except ValueError:
            return None


def parse_ospf_external_self(doc: Any) -> Optional[List[Dict[str, Any]]]:
    """``show ip ospf database external self-originate json`` -> ``[{prefix, tag, metric, metric_type}]``
    (None when the output is not FRR's JSON)."""
    if not isinstance(doc, dict) or "AS External Link States" not in doc:
        return None
    out = []
    for lsid, lsa in sorted((doc.get("AS External Link States") or {}).items()):
        if not isinstance(lsa, dict):
            continue
        plen = _mask_len(lsa.get("networkMask"))
        prefix = canonical_prefix("%s/%s" % (lsa.get("linkStateId") or lsid, plen)) if plen is not None else None
        if prefix is None:
            continue
        mtype = str(lsa.get("metricType") or "").upper().lstrip("E")
        out.append({"prefix": prefix, "tag": lsa.get("externalRouteTag"), "metric": lsa.get("metric"),
                    "metric_type": int(mtype) if mtype.isdigit() else None})
    return out


def running_redistribution(running: Optional[str], red: Dict[str, Any]) -> Optional[bool]:
    """Is the planned hand-over configured (None: the running config is not known)?"""
    if running is None:
        return None
    from .frr import bgp_router, parse_running, _child  # the one FRR config tree

    tree = parse_running(running)
    rmap = red.get("route_map")
    if red.get("ospf"):
        node = _child(tree, "router ospf")
        lines = [n["line"] for n in node["children"]] if node else []
        return any(x.split()[:2] == ["redistribute", "bgp"] and ("route-map %s" % rmap) in x for x in lines)
    router = bgp_router(tree)
    if router is None:
        return False
    lines = [n["line"] for n in router["children"]]
    for af in router["children"]:
        if af["line"].startswith("address-family ipv4"):
            lines += [n["line"] for n in af["children"]]
    return all("neighbor %s route-map %s out" % (ip, rmap) in lines
               for ip in (red.get("ibgp") or {}).get("neighbors") or [])


# the kernel protocol of a route FRR's conditional default can see in its BGP table, per redistribution protocol
CONDITION_SOURCES = {"ospf": ("ospf",), "bgp": ("bgp",)}


def default_condition(red: Dict[str, Any], routes_text: Optional[str]) -> Optional[Dict[str, Any]]:
    """``state.redistribution.default_condition``: ``{prefixes, routed, routes}`` (``routed``: the condition
    prefixes the customer IGP has put in the routing table, the ones that make FRR send the default; ``routes``:
    every kernel route of exactly a condition prefix, with its protocol); None without ``default_requires``;
    ``routed`` None when the routing table is not known."""
    cond = red.get("default_condition")
    if not cond:
        return None
    wanted = list(cond.get("prefixes") or [])
    out: Dict[str, Any] = {"prefixes": wanted, "routed": None, "routes": []}
    try:
        doc = json.loads(routes_text) if routes_text else None
    except ValueError:
        doc = None
    if not isinstance(doc, list):
        return out
    sources = CONDITION_SOURCES.get(red.get("protocol") or "", ())
    routed = set()
    for r in doc:
        if not isinstance(r, dict):
            continue
        dst = str(r.get("dst") or "")
        prefix = canonical_prefix(dst if "/" in dst or dst == "default" else dst + "/32")   # a host route: no length
        if prefix not in wanted:
            continue
        proto = r.get("protocol") or "boot"
        out["routes"].append({"prefix": prefix, "protocol": proto, "next_hop": r.get("gateway"), "interface": r.get("dev")})
        if proto in sources:
            routed.add(prefix)
    out["routed"] = [p for p in wanted if p in routed]
    return out


def parse_redistribution(red: Dict[str, Any], outputs: Dict[str, Optional[str]], one_json: Any,
                         advertised_key: Any, neighbors_key: str, route_keys: Any,
                         routes_text: Optional[str] = None) -> Dict[str, Any]:
    """The ``redistribution`` part of the state (docs/contract.md section 3) from the gathered outputs
    (``routes_text``: ``ip -j route show table main``, for the conditional default)."""
    out: Dict[str, Any] = {"protocol": red.get("protocol"),
                           "configured": running_redistribution(outputs.get(RUNNING), red),
                           "exported": None, "exported_detail": None, "core_neighbors": []}
    cond = default_condition(red, routes_text)
    if cond is not None:
        out["default_condition"] = cond
    if red.get("ospf"):
        detail = parse_ospf_external_self(one_json(outputs.get(OSPF_EXTERNAL_SELF) or ""))
        if detail is not None:
            out["exported_detail"] = detail
            out["exported"] = sorted(set(d["prefix"] for d in detail))
        return out
    ndoc = one_json(outputs.get(neighbors_key) or "")
    exported = set()
    known = True
    for ip in (red.get("ibgp") or {}).get("neighbors") or []:
        n = ndoc.get(ip) if isinstance(ndoc, dict) else None
        adv_doc = one_json(outputs.get(advertised_key(ip)) or "")
        adv = route_keys(adv_doc, "advertisedRoutes") if isinstance(adv_doc, dict) else None
        if adv is None:
            known = False
        else:
            exported.update(adv)
        out["core_neighbors"].append({"neighbor": ip, "state": n.get("bgpState") if isinstance(n, dict) else None,
                                      "advertised": adv})
    out["exported"] = sorted(exported) if known else None
    return out
