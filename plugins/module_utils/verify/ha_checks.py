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
        return {"red_how": "", "red_map": "", "red_prefixes": "", "red_tag": "", "red_asn": "", "cpe_core_hint": ""}
    ospf, ibgp = red.get("ospf") or {}, red.get("ibgp") or {}
    if ospf:
        how = ("redistribute bgp %s into OSPF process %s through route-map %s (metric %s, E%s, tag %s)"
               % (ospf.get("source_asn"), ospf.get("process"), red.get("route_map"), ospf.get("metric"),
                  ospf.get("metric_type"), ospf.get("tag")))
    else:
        how = ("iBGP to the core %s with next-hop-self and route-map %s out"
               % (", ".join(ibgp.get("neighbors") or []), red.get("route_map")))
    return {"red_how": how, "red_map": red.get("route_map"), "red_prefixes": ", ".join(red.get("prefixes") or []),
            "red_tag": ospf.get("tag", ""), "red_asn": ibgp.get("asn", ""), "cpe_core_hint": "<the CPE's address>"}
