# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Customer-side high availability of the plan: redistribution of the Cisco prefixes into the customer network.

The article's routing section: "the CPE may redistribute the routes it learns into the customer's enterprise
network (as required)". Opt-in per CPE (host variable ``vc_redistribution``, core key ``cpes[host].redistribution``).
What is handed to the customer core is exactly what the CPE learns from Dedicated Instance: the union of the
``expect_received`` prefixes of the CPE's tunnels (each DC's /25 and the /24 backup route, the IaaS ones
too), never anything else (in particular never the default route the CPE sends to Cisco). Two ways:

* ``protocol: ospf``: ``redistribute bgp`` into an OSPF process through a route-map that matches only those
  prefixes and sets a tag (default: the CPE's BGP ASN), the metric and the metric type;
* ``protocol: bgp``: iBGP to the customer core routers (``neighbors``) in the CPE's BGP process, with
  ``next-hop-self`` and an outbound filter that permits only those prefixes.

Pure Python, no I/O. Every field is declared in :data:`REDISTRIBUTION_FIELDS` (name -> rule), so that a
generic field -> rule validation covers it; every value that reaches a device line is checked here.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from . import addressing as A
from .findings import Findings

# field -> (rule, protocols it applies to). The one declaration of the input of vc_redistribution.
REDISTRIBUTION_FIELDS: Dict[str, Dict[str, Any]] = {
    "protocol": {"rule": "one of ospf, bgp", "required": True, "protocols": ("ospf", "bgp")},
    "tag": {"rule": "integer 1-4294967295 (OSPF route tag of the external routes, default: the CPE's BGP ASN)",
            "protocols": ("ospf",)},
    "include_iaas": {"rule": "true or false (default true): hand the IaaS prefixes to the core too", "protocols": ("ospf", "bgp")},
    "ospf_process": {"rule": "integer 1-65535 (the customer's OSPF process id, default 1)", "protocols": ("ospf",)},
    "metric": {"rule": "integer 1-16777214 (OSPF external metric, default 20)", "protocols": ("ospf",)},
    "metric_type": {"rule": "1 or 2 (OSPF external type E1/E2, default 2)", "protocols": ("ospf",)},
    "neighbors": {"rule": "list of 1-8 IPv4 addresses of the customer core routers (iBGP)", "required_for": "bgp",
                  "protocols": ("bgp",)},
    "next_hop_self": {"rule": "true or false (default true): the core must reach the DI prefixes via the CPE",
                      "protocols": ("bgp",)},
    "default_requires": {"rule": "1-8 customer IPv4 prefixes a.b.c.d/len (a string or a list; not 0.0.0.0/0, not "
                                 "overlapping a DI/IaaS prefix or a tunnel transit subnet): the CPE advertises 0.0.0.0/0 "
                                 "to Dedicated Instance only while at least one of them is in its routing table",
                         "protocols": ("ospf", "bgp")},
}
REDISTRIBUTION_DEFAULTS = {"include_iaas": True, "ospf_process": 1, "metric": 20, "metric_type": 2, "next_hop_self": True}
MAX_CORE_NEIGHBORS = 8
MAX_DEFAULT_REQUIRES = 8
# The conditional default (default_requires): the prefix-list of the condition prefixes and the route-map that
# neighbor X default-originate names (VC- marks them as ours).
DEFAULT_CONDITION = "VC-DEFAULT-COND"
# The names of the redistribution objects on every platform (VC- marks them as ours).
ROUTE_MAP = "VC-REDIST"
PREFIX_LIST = "VC-REDIST"
CORE_DESCRIPTION = "VC-CORE"


def _bool(value: Any) -> Optional[bool]:
    from .model import as_bool

    return as_bool(value)


def _int(findings: Findings, path: str, value: Any, low: int, high: int, what: str) -> Optional[int]:
    from .model import as_int

    number = as_int(value)
    if number is None or not low <= number <= high:
        findings.add("redistribution.value", path, "%s must be an integer %d-%d, got %r" % (what, low, high, value))
        return None
    return number


def resolve_redistribution(host: str, value: Any, findings: Findings) -> Optional[Dict[str, Any]]:
    """``vc_redistribution`` of ``host`` checked field by field; None when not set (the plan then has no key)."""
    if value is None or value == {} or value is False:
        return None
    path = "cpes.%s.redistribution" % host
    if not isinstance(value, dict):
        findings.add("input.type", path, "vc_redistribution must be a mapping (protocol: ospf|bgp, ...), got %s" % type(value).__name__)
        return None
    out: Dict[str, Any] = dict(REDISTRIBUTION_DEFAULTS, tag=None, neighbors=[])
    protocol = value.get("protocol")
    if protocol not in ("ospf", "bgp"):
        findings.add("redistribution.protocol", path + ".protocol",
                     "redistribution protocol must be 'ospf' (redistribute bgp into OSPF) or 'bgp' (iBGP to the core), got %r"
                     % (protocol,))
        protocol = None
    out["protocol"] = protocol
    for key in value:
        if key not in REDISTRIBUTION_FIELDS:
            findings.add("input.unknown", "%s.%s" % (path, key),
                         "%r is not a field of vc_redistribution; known: %s" % (key, ", ".join(REDISTRIBUTION_FIELDS)))
        elif protocol and protocol not in REDISTRIBUTION_FIELDS[key]["protocols"] and value[key] is not None:
            findings.add("redistribution.field", "%s.%s" % (path, key),
                         "%s applies only to protocol %s, not %s" % (key, "/".join(REDISTRIBUTION_FIELDS[key]["protocols"]), protocol))
    if value.get("tag") is not None:
        out["tag"] = _int(findings, path + ".tag", value["tag"], 1, 4294967295, "the route tag")
    for key in ("include_iaas", "next_hop_self"):
        if value.get(key) is not None:
            flag = _bool(value[key])
            if flag is None:
                findings.add("redistribution.value", "%s.%s" % (path, key), "%s must be true or false, got %r" % (key, value[key]))
            else:
                out[key] = flag
    for key, low, high, what in (("ospf_process", 1, 65535, "the OSPF process id"), ("metric", 1, 16777214, "the OSPF metric"),
                                 ("metric_type", 1, 2, "the OSPF metric type (1 = E1, 2 = E2)")):
        if value.get(key) is not None:
            number = _int(findings, "%s.%s" % (path, key), value[key], low, high, what)
            if number is not None:
                out[key] = number
    neighbors = value.get("neighbors")
    if protocol == "bgp":
        if not isinstance(neighbors, list) or not neighbors:
            findings.add("redistribution.neighbor", path + ".neighbors",
                         "protocol bgp needs neighbors: the list of the customer core routers' addresses (iBGP), got %r" % (neighbors,))
        elif len(neighbors) > MAX_CORE_NEIGHBORS:
            findings.add("redistribution.neighbor", path + ".neighbors",
                         "%d core neighbours: at most %d" % (len(neighbors), MAX_CORE_NEIGHBORS))
        else:
            out["neighbors"] = _unique(findings, "redistribution.neighbor", path + ".neighbors", neighbors,
                                       _core_neighbor, "core neighbour")
    out["default_requires"] = _default_requires(findings, path + ".default_requires", value.get("default_requires"))
    return out


def _default_requires(findings: Findings, path: str, value: Any) -> List[str]:
    """``default_requires``: canonical prefixes (syntax, 0.0.0.0/0 and count here; overlaps with the VC prefixes in
    :func:`redistribution_plan`, which knows the tunnels). [] when not set."""
    if value is None or value == [] or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        findings.add("redistribution.default_requires", path,
                     "default_requires must be a prefix or a list of prefixes, got %s" % type(value).__name__)
        return []
    if len(items) > MAX_DEFAULT_REQUIRES:
        findings.add("redistribution.default_requires", path,
                     "%d prefixes: at most %d (the default is sent while any one of them is routed)"
                     % (len(items), MAX_DEFAULT_REQUIRES))
        return []
    return _unique(findings, "redistribution.default_requires", path, items, _condition_prefix, "default_requires")


def _unique(findings: Findings, rule: str, path: str, items: List[Any], parse: Any, label: str) -> List[str]:
    """The canonical form of each item (``parse(text)`` -> (value, None) or (None, why)), each once: a finding of
    ``rule`` at ``path[i]`` for an item that does not parse or repeats an earlier one; the good ones in order."""
    out: List[str] = []
    for i, text in enumerate(items):
        ipath = "%s[%d]" % (path, i)
        value, why = parse(text)
        if why:
            findings.add(rule, ipath, why)
        elif value in out:
            findings.add(rule, ipath, "%s %s is listed twice" % (label, value))
        else:
            out.append(value)
    return out


def _core_neighbor(text: Any) -> Tuple[Optional[str], Optional[str]]:
    """A core neighbour of the iBGP hand-over: a unicast IPv4 address (no prefix length)."""
    try:
        addr, plen = A.parse_interface(text) if isinstance(text, str) else (None, None)
    except A.AddressError as exc:
        return None, "core neighbour: %s" % exc.message
    if addr is None or plen is not None:
        return None, "core neighbour %r is not an IPv4 address" % (text,)
    why = A.unicast_problem(addr)
    if why:
        return None, "core neighbour %s is %s" % (text, why)
    return A.int_to_ip(addr), None


def _condition_prefix(text: Any) -> Tuple[Optional[str], Optional[str]]:
    """A prefix of ``default_requires``: a customer unicast prefix, never the default route itself."""
    try:
        net = A.parse_prefix(text)
    except A.AddressError as exc:
        return None, "default_requires: %s" % exc.message
    if net[1] == 0:
        return None, ("default_requires %s is the default route itself: name the customer's own prefix (e.g. a LAN "
                      "behind the core) whose presence means the customer network is reachable" % text)
    why = A.unicast_problem(net[0])   # multicast, loopback, link-local, reserved: never a customer route
    if why:
        return None, "default_requires %s is %s" % (text, why)
    return A.cidr(net), None


def _default_condition(path: str, red: Dict[str, Any], tunnels: List[Dict[str, Any]],
                       all_tunnels: List[Dict[str, Any]], findings: Findings) -> Optional[Dict[str, Any]]:
    """The conditional default of the CPE (docs/ha.md section 3): None without ``default_requires``. A condition
    prefix must be the customer's: never a prefix learned from Dedicated Instance (the default would then depend
    on Cisco's own routes) nor a tunnel transit subnet (always connected while the tunnel is up)."""
    wanted = red.get("default_requires") or []
    if not wanted:
        return None
    vc: List[Any] = []
    for t in all_tunnels:
        for p in t.get("expect_received") or []:
            vc.append((A.parse_prefix(p), "the DI/IaaS prefix %s (tunnel %s)" % (p, t["key"])))
        for p in (t.get("iaas_dc_prefix"),):
            if p:
                vc.append((A.parse_prefix(p), "the IaaS prefix %s (tunnel %s)" % (p, t["key"])))
        net = (t.get("cpe") or {}).get("tunnel_network")
        if net:
            vc.append((A.parse_prefix(net), "the tunnel transit subnet %s (tunnel %s)" % (net, t["key"])))
    ok: List[str] = []
    for i, prefix in enumerate(wanted):
        net = A.parse_prefix(prefix)
        clash = next((what for other, what in vc if A.overlaps(net, other)), None)
        if clash:
            findings.add("redistribution.default_requires_overlap", "%s.default_requires[%d]" % (path, i),
                         "default_requires %s overlaps %s: the condition must be a customer prefix learned from the "
                         "customer network (e.g. the LAN behind the core), not a Virtual Connect one" % (prefix, clash))
            continue
        ok.append(prefix)
    if len(ok) != len(wanted):
        return None
    return {"prefixes": ok, "prefix_list": DEFAULT_CONDITION, "route_map": DEFAULT_CONDITION,
            "tunnels": [t["key"] for t in tunnels]}


def redistribution_plan(host: str, settings: Dict[str, Any], tunnels: List[Dict[str, Any]], router_asn: Optional[int],
                        router_asn_explicit: bool, findings: Findings,
                        all_tunnels: Optional[List[Dict[str, Any]]] = None) -> Optional[Dict[str, Any]]:
    """``cpes[host].redistribution`` of the plan from the resolved setting and the CPE's plan tunnels
    (``all_tunnels``: every tunnel of the plan, whose VC prefixes a ``default_requires`` prefix must not overlap)."""
    red = settings.get("redistribution")
    if not red or not red.get("protocol") or not tunnels:
        return None
    path = "cpes.%s.redistribution" % host
    prefixes: List[str] = []
    iaas = set()
    for t in tunnels:
        if t.get("iaas_dc_prefix"):
            iaas.update(p for p in t["expect_received"] if _iaas_of(t, p))
        for p in t["expect_received"]:
            if p not in prefixes:
                prefixes.append(p)
    if not red["include_iaas"]:
        prefixes = [p for p in prefixes if p not in iaas]
    prefixes = A.sort_prefixes(prefixes)
    if router_asn is None:
        return None
    out: Dict[str, Any] = {"protocol": red["protocol"], "prefixes": prefixes, "ospf": None, "ibgp": None,
                           "route_map": ROUTE_MAP, "prefix_list": PREFIX_LIST}
    cond = _default_condition(path, red, tunnels, all_tunnels if all_tunnels is not None else tunnels, findings)
    if cond is not None:   # only with default_requires: plans without it stay exactly as before
        out["default_condition"] = cond
    if red["protocol"] == "ospf":
        out["ospf"] = {"process": red["ospf_process"], "metric": red["metric"], "metric_type": red["metric_type"],
                       "tag": int(red["tag"] if red["tag"] is not None else router_asn), "source_asn": router_asn}
    else:
        if not router_asn_explicit:
            findings.add("redistribution.ibgp_asn", path + ".neighbors",
                         "iBGP to the core runs in the CPE's BGP AS %s, which is the customer ASN Cisco assigned for Virtual Connect "
                         "(no vc_bgp_asn): the core routers must run AS %s too; set vc_bgp_asn to the enterprise ASN otherwise"
                         % (router_asn, router_asn))
        vc_ips = set()
        for t in tunnels:
            vc_ips.update((t["di"]["tunnel_ip"], t["cpe"]["tunnel_ip"], t["di"]["gre_ip"], t["di"]["ipsec_ip"]))
        for i, ip in enumerate(red["neighbors"]):
            if ip in vc_ips:
                findings.add("redistribution.neighbor", "%s.neighbors[%d]" % (path, i),
                             "core neighbour %s is a Virtual Connect tunnel or Cisco address: the core is a customer router" % ip)
            for t in tunnels:
                for p in t["expect_received"]:
                    if A.contains(A.parse_prefix(p), A.ip_to_int(ip)):
                        findings.add("redistribution.neighbor", "%s.neighbors[%d]" % (path, i),
                                     "core neighbour %s is inside %s, a prefix learned over the tunnels" % (ip, p))
                        break
        out["ibgp"] = {"asn": router_asn, "neighbors": list(red["neighbors"]), "next_hop_self": red["next_hop_self"]}
    return out


def _iaas_of(t: Dict[str, Any], prefix: str) -> bool:
    iaas_dc = t.get("iaas_dc_prefix")
    if not iaas_dc:
        return False
    net = A.parse_prefix(iaas_dc)
    whole = (net[0] & A.mask_of(24), 24)
    return prefix in (iaas_dc, A.cidr(whole))


# ---------------------------------------------------------------------------------------------
# Split devices (seed 004, the article's "two-tier" head-end): IPsec on one device, GRE/BGP on another
# ---------------------------------------------------------------------------------------------
# Optional fields of a tunnel's cpe end: cpe.host stays the GRE/BGP router (as before); cpe.ipsec_host names the
# device that terminates IPsec for it, cpe.ipsec_inside_ip that device's address towards the GRE router (the next
# hop of the GRE router's route to di.gre_ip). Declared here so a generic field -> rule validation covers them.
SPLIT_FIELDS: Dict[str, Dict[str, Any]] = {
    "ipsec_host": {"rule": "inventory hostname of the IPsec device (omit: the GRE/BGP router does IPsec too)"},
    "ipsec_inside_ip": {"rule": "IPv4 address of the IPsec device towards the GRE router (required with ipsec_host)"},
}


def resolve_split(findings: Findings, cpe: Dict[str, Any], out: Dict[str, Any], path: str) -> None:
    """``out["split"]``: None (one device) or ``{ipsec_host, ipsec_inside}`` (int address) of a parsed tunnel."""
    out["split"] = None
    ipsec_host = cpe.get("ipsec_host")
    inside = cpe.get("ipsec_inside_ip")
    if ipsec_host in (None, ""):
        if inside not in (None, ""):
            findings.add("split.field", path + ".cpe.ipsec_inside_ip",
                         "ipsec_inside_ip is only used with ipsec_host (the IPsec device of a split tunnel)")
        return
    if not isinstance(ipsec_host, str) or not ipsec_host.strip():
        findings.add("input.type", path + ".cpe.ipsec_host", "ipsec_host must be an inventory hostname")
        return
    if ipsec_host == out.get("host"):
        findings.add("split.same_host", path + ".cpe.ipsec_host",
                     "ipsec_host %s is the GRE/BGP router itself: omit ipsec_host (one device does both)" % ipsec_host)
        return
    if inside in (None, ""):
        findings.add("split.inside_ip", path + ".cpe.ipsec_inside_ip",
                     "a split tunnel needs ipsec_inside_ip: the address of %s that %s routes the GRE packets to %s"
                     % (ipsec_host, out.get("host"), "the Cisco GRE endpoint"))
        return
    try:
        addr, plen = A.parse_interface(inside)
    except A.AddressError as exc:
        findings.add("split.inside_ip", path + ".cpe.ipsec_inside_ip", "ipsec_inside_ip: %s" % exc.message)
        return
    why = A.unicast_problem(addr) if plen is None else "a prefix, not an address"
    if why:
        findings.add("split.inside_ip", path + ".cpe.ipsec_inside_ip", "ipsec_inside_ip %s is %s" % (inside, why))
        return
    for key, field in (("cpe_gre", "cpe.gre_ip"), ("cpe_ipsec", "cpe.ipsec_ip")):
        if out.get(key) is not None and out[key] == addr:
            findings.add("split.inside_ip", path + ".cpe.ipsec_inside_ip",
                         "ipsec_inside_ip %s equals %s: it is the IPsec device's inside address" % (inside, field))
            return
    if out.get("cpe_gre") is not None and out.get("cpe_gre") == out.get("cpe_ipsec"):
        findings.add("split.same_address", path + ".cpe.gre_ip",
                     "cpe.gre_ip equals cpe.ipsec_ip (%s) but two devices carry them: the GRE router's transport address "
                     "and the IPsec device's public address differ" % A.int_to_ip(out["cpe_gre"]))
    out["split"] = {"ipsec_host": ipsec_host, "ipsec_inside": addr}


def split_checks(findings: Findings, tunnels: List[Dict[str, Any]]) -> None:
    """Across the parsed tunnels: one IPsec device has one tunnel per Cisco IPsec peer and unique crypto map
    sequence numbers (the tunnel numbers of the GRE routers it serves)."""
    peers: Dict[Any, str] = {}
    seqs: Dict[Any, str] = {}
    for t in tunnels:
        split = t.get("split")
        if not split:
            continue
        host = split["ipsec_host"]
        if t.get("di_ipsec") is not None:
            key = (host, t["di_ipsec"])
            if key in peers:
                findings.add("split.duplicate_peer", t["path"] + ".cpe.ipsec_host",
                             "%s already terminates a tunnel to Cisco IPsec peer %s (%s)"
                             % (host, A.int_to_ip(t["di_ipsec"]), peers[key]))
            else:
                peers[key] = t["path"]
        if t.get("tunnel_number") is not None:
            key = (host, t["tunnel_number"])
            if key in seqs:
                findings.add("split.sequence", t["path"] + ".cpe.tunnel_number",
                             "tunnel number %s is also the crypto map sequence on %s, already used by %s; set cpe.tunnel_number"
                             % (t["tunnel_number"], host, seqs[key]))
            else:
                seqs[key] = t["path"]


def split_plan(t: Dict[str, Any], rri: Dict[str, Any], router_asn: Optional[int]) -> Optional[Dict[str, Any]]:
    """The plan tunnel's ``split`` (None: one device): which host does what, the route between them, the RRI."""
    split = t.get("split")
    if not split:
        return None
    tag = rri.get("tag") if rri.get("tag") is not None else router_asn
    return {"ipsec_host": split["ipsec_host"], "gre_host": t["host"], "ipsec_inside_ip": A.int_to_ip(split["ipsec_inside"]),
            "rri": {"enabled": True, "static": bool(rri.get("static")), "tag": tag,
                    "route": A.int_to_ip(t["di_gre"]) + "/32", "via": A.int_to_ip(t["di_ipsec"])}}
