# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify of the customer-side HA objects (docs/ha.md): the hand-over of the DI prefixes to the customer core.

Layer ``redistribution``, after the route exchange, only for a CPE whose plan has ``cpes[host].redistribution``
(no check at all otherwise). Per tunnel, so that a tunnel whose BGP is down blocks only its own hand-over:

* ``redistribution_config``: the redistribution is configured (OSPF: ``redistribute bgp`` through the VC route-map
  in the planned process; iBGP: the core neighbours with the VC route-map out);
* ``redistribution_core``: (iBGP) every core neighbour is Established;
* ``redistribution_exported``: what the CPE hands to the core (its self-originated OSPF external LSAs, or the
  routes it advertises to the core neighbours) holds this tunnel's DI prefixes and nothing but DI prefixes, with the
  planned OSPF tag.

State key (docs/contract.md section 3): ``redistribution: {protocol, configured, exported: [cidr] | null,
exported_detail: [{prefix, tag, metric, metric_type}] | null, core_neighbors: [{neighbor, state, advertised}]}``.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import as_list, canon_prefix

CHECKS = (
    ("redistribution_config", "redistribution", ()),
    ("redistribution_core", "redistribution", ("redistribution_config",)),
    ("redistribution_exported", "redistribution", ("redistribution_config", "redistribution_core")),
)


def tunnel_share(red: Dict[str, Any], tunnel: Dict[str, Any]) -> List[str]:
    """The prefixes of the hand-over this tunnel brings (its expect_received that the plan hands over)."""
    planned = set(canon_prefix(p) for p in red.get("prefixes") or [])
    return sorted(p for p in (canon_prefix(x) for x in tunnel.get("expect_received") or []) if p in planned)


def check_redistribution(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import FAIL, PASS, SKIP, _result

    red = ctx.get("redistribution")
    if not red:
        return
    tunnel = ctx["tunnel"]
    got = ctx["state"].get("redistribution")
    got = got if isinstance(got, dict) else None
    want = tunnel_share(red, tunnel)
    planned = sorted(set(canon_prefix(p) for p in red.get("prefixes") or []))
    ospf, ibgp = red.get("ospf"), red.get("ibgp")
    where = ("OSPF process %s" % ospf["process"]) if ospf else ("iBGP to %s" % ", ".join((ibgp or {}).get("neighbors") or []))
    if got is None:
        for name in ("redistribution_config", "redistribution_core", "redistribution_exported"):
            yield _result(name, SKIP, None, None, "redistribution not gathered")
        return
    configured = got.get("configured")
    if configured is None:
        yield _result("redistribution_config", SKIP, where, None, "redistribution configuration not known")
    elif configured is True:
        yield _result("redistribution_config", PASS, where, True, "the DI prefixes are redistributed (%s, route-map %s)"
                      % (where, red.get("route_map")))
    else:
        yield _result("redistribution_config", FAIL, where, False,
                      "no redistribution of the DI prefixes (%s, route-map %s) on this CPE" % (where, red.get("route_map")))

    if ibgp:
        by_ip = dict((n.get("neighbor"), n) for n in as_list(got.get("core_neighbors")) if isinstance(n, dict))
        down = []
        for ip in ibgp.get("neighbors") or []:
            st = (by_ip.get(ip) or {}).get("state")
            if str(st or "").lower() != "established":
                down.append("%s %s" % (ip, st or "not configured"))
        if down:
            yield _result("redistribution_core", FAIL, "Established", down, "iBGP to the core not established: %s" % "; ".join(down))
        else:
            yield _result("redistribution_core", PASS, "Established", "Established",
                          "iBGP Established with %s" % ", ".join(ibgp["neighbors"]))
    else:
        yield _result("redistribution_core", SKIP, None, None, "OSPF: no core session to check")

    exported = got.get("exported")
    if exported is None:
        yield _result("redistribution_exported", SKIP, want, None, "what the CPE hands to the core is not known")
        return
    exp = sorted(set(canon_prefix(p) for p in exported))
    missing = [p for p in want if p not in exp]
    extra = [p for p in exp if p not in planned]
    problems = []
    if missing:
        problems.append("not handed to the core: %s" % ", ".join(missing))
    if extra:
        problems.append("also handed to the core: %s (only the DI prefixes %s may be)" % (", ".join(extra), ", ".join(planned)))
    wrong_tag = []
    if ospf:
        for d in as_list(got.get("exported_detail")):
            if isinstance(d, dict) and canon_prefix(d.get("prefix")) in want and d.get("tag") is not None \
                    and str(d.get("tag")) != str(ospf["tag"]):
                wrong_tag.append("%s tag %s" % (canon_prefix(d.get("prefix")), d.get("tag")))
        if wrong_tag:
            problems.append("tag %s expected: %s" % (ospf["tag"], ", ".join(wrong_tag)))
    if problems:
        yield _result("redistribution_exported", FAIL, want, exp, "%s: %s" % (where, "; ".join(problems)),
                      missing=missing, extra=extra, wrong_tag=wrong_tag)
    else:
        yield _result("redistribution_exported", PASS, want, exp, "handed to the core (%s): %s" % (where, ", ".join(want)),
                      missing=[], extra=[], wrong_tag=[])


def red_values(red: Any) -> Dict[str, Any]:
    """The ``{red_*}`` words of the diagnose fixes for a plan's redistribution (empty strings when none)."""
    if not isinstance(red, dict):
        return {"red_how": "", "red_map": "", "red_prefixes": "", "red_tag": "", "red_asn": "", "cpe_core_hint": "",
                "red_cond": "", "red_igp": ""}
    ospf, ibgp = red.get("ospf") or {}, red.get("ibgp") or {}
    if ospf:
        how = ("redistribute bgp %s into OSPF process %s through route-map %s (metric %s, E%s, tag %s)"
               % (ospf.get("source_asn"), ospf.get("process"), red.get("route_map"), ospf.get("metric"),
                  ospf.get("metric_type"), ospf.get("tag")))
    else:
        how = ("iBGP to the core %s with next-hop-self and route-map %s out"
               % (", ".join(ibgp.get("neighbors") or []), red.get("route_map")))
    cond = red.get("default_condition") or {}
    return {"red_how": how, "red_map": red.get("route_map"), "red_prefixes": ", ".join(red.get("prefixes") or []),
            "red_tag": ospf.get("tag", ""), "red_asn": ibgp.get("asn", ""), "cpe_core_hint": "<the CPE's address>",
            "red_cond": ", ".join(cond.get("prefixes") or []),
            "red_igp": "the OSPF adjacency with the core" if ospf else "the iBGP session with the core"}


# ---------------------------------------------------------------------------------------------
# Split devices (seed 004): IKE/IPsec verified on the IPsec device, GRE/BGP on the GRE router
# ---------------------------------------------------------------------------------------------
SPLIT_CHECKS = (
    ("rri_route", "ipsec", ("ipsec_sa",)),       # IPsec device: RRI put the DI GRE /32 via the Cisco IPsec peer
    ("split_route", "gre", ()),                  # GRE router: the DI GRE /32 goes to the IPsec device
)
# where they sit in the troubleshooting order (before this check)
SPLIT_ORDER = {"rri_route": "gre_interface", "split_route": "gre_interface"}
IPSEC_LAYERS = ("ike", "ipsec")


def host_roles(plan: Dict[str, Any], host: str) -> List[Any]:
    """``(region, tunnel, role)`` of every plan tunnel ``host`` verifies: ``both`` (one device), ``gre`` (the GRE/BGP
    router of a split tunnel) or ``ipsec`` (its IPsec device), in plan order."""
    out = []
    for r in (plan or {}).get("regions") or []:
        for t in r.get("tunnels") or []:
            split = t.get("split")
            if t.get("cpe_host") == host:
                out.append((r, t, "gre" if split else "both"))
            elif split and split.get("ipsec_host") == host:
                out.append((r, t, "ipsec"))
    return out


def _host_routes(state: Dict[str, Any], prefix: str) -> List[Dict[str, Any]]:
    want = canon_prefix(prefix)
    return [r for r in as_list(state.get("routes")) if isinstance(r, dict) and canon_prefix(r.get("prefix")) == want]


def _via_peer(route: Dict[str, Any], peer: str) -> bool:
    """An RRI route leads to the Cisco IPsec peer: its next hop is the peer (IOS-XE's reverse-route), or the platform's
    state says it follows the path towards the peer (``peer``: a platform whose kernel cannot route via a
    non-adjacent address sets it on the route that goes via the WAN next hop towards the peer)."""
    return route.get("next_hop") == peer or route.get("peer") == peer


def check_split(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import FAIL, PASS, SKIP, _result

    split = ctx["tunnel"].get("split")
    role = ctx.get("role", "both")
    if not split or role == "both":
        return
    rri = split["rri"]
    if role == "ipsec":
        routes = _host_routes(ctx["state"], rri["route"])
        want = {"prefix": rri["route"], "via": rri["via"]}
        if ctx["state"].get("routes") is None:
            yield _result("rri_route", SKIP, want, None, "no routes in the state")
        elif not routes:
            yield _result("rri_route", FAIL, want, [], "no RRI route %s via %s on %s (reverse-route of the crypto map)"
                          % (rri["route"], rri["via"], ctx.get("host") or "the IPsec device"))
        elif not any(_via_peer(r, rri["via"]) for r in routes):
            yield _result("rri_route", FAIL, want, routes, "%s routed via %s, expected the RRI route via %s"
                          % (rri["route"], ", ".join(str(r.get("next_hop")) for r in routes), rri["via"]))
        else:
            yield _result("rri_route", PASS, want, routes, "RRI route %s via %s" % (rri["route"], rri["via"]))
        return
    routes = _host_routes(ctx["state"], rri["route"])
    want = {"prefix": rri["route"], "via": split["ipsec_inside_ip"]}
    if ctx["state"].get("routes") is None:
        yield _result("split_route", SKIP, want, None, "no routes in the state")
    elif not routes:
        yield _result("split_route", FAIL, want, [], "no route to the DI GRE endpoint %s via the IPsec device %s (%s)"
                      % (rri["route"], split["ipsec_host"], split["ipsec_inside_ip"]))
    elif not any(r.get("next_hop") == split["ipsec_inside_ip"] for r in routes):
        yield _result("split_route", FAIL, want, routes, "%s routed via %s, not via the IPsec device %s (%s)"
                      % (rri["route"], ", ".join(str(r.get("next_hop")) for r in routes), split["ipsec_host"],
                         split["ipsec_inside_ip"]))
    else:
        yield _result("split_route", PASS, want, routes, "%s via the IPsec device %s (%s)"
                      % (rri["route"], split["ipsec_host"], split["ipsec_inside_ip"]))


def role_filter(raw: List[Dict[str, Any]], ctx: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The checks of the tunnel's role: the IPsec device has IKE/IPsec (and RRI) only; the GRE router of a split
    tunnel has no IKE/IPsec of its own (they are skipped, naming the IPsec device)."""
    role = ctx.get("role", "both")
    if role == "ipsec":
        return [c for c in raw if c["layer"] in IPSEC_LAYERS]
    if role == "gre":
        from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import SKIP

        host = ctx["tunnel"]["split"]["ipsec_host"]
        out = []
        for c in raw:
            if c["layer"] in IPSEC_LAYERS:
                c = dict(c, status=SKIP, actual=None, message="IPsec of this tunnel runs on %s: verify it there" % host)
            out.append(c)
        return out
    return raw
