# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From what Cisco hands over per region to one validated, explained plan.

``build_plan`` validates every rule of the input model (collecting every problem, not stopping at
the first) and derives what every platform renderer and the verify step use: the /25 split,
expected prefixes per tunnel, addressing, ASN/local-as decisions, crypto, MTU/MSS, and a per-CPE
view. No I/O, no Ansible; secrets are checked but never copied into the plan.
"""

from __future__ import annotations

import gc
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import addressing as A
from .asn import check_pair, neighbour_as, router_asn
from .findings import Findings
from .grammar import RULES as GRAMMAR, object_token, psk_problem, text_problem
from .ha import SPLIT_FIELDS, redistribution_plan, resolve_split, split_checks, split_plan
from .model import (
    CPE_END_FIELDS,
    DI_END_FIELDS,
    REGION_FIELDS,
    TUNNEL_FIELDS,
    as_int,
    resolve_cpe,
    resolve_options,
    unknown_fields,
)
from .mtu import mtu_plan
from .views import secrets_by_tunnel

PLAN_VERSION = 1
MAX_BANDWIDTH_MBPS = 250
_CPE_END_ALL = dict(CPE_END_FIELDS, **dict((k, False) for k in SPLIT_FIELDS))
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}\Z")
_DC_ALIASES = {"a": "A", "dc-a": "A", "dca": "A", "dc1": "A", "b": "B", "dc-b": "B", "dcb": "B", "dc2": "B"}


class PlanResult(object):
    __slots__ = ("plan", "findings")

    def __init__(self, plan: Dict[str, Any], findings: List[Dict[str, str]]) -> None:
        self.plan = plan
        self.findings = findings

    @property
    def errors(self) -> List[Dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self) -> List[Dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _name_token(region: str, dc: str) -> str:
    return object_token(region) + "-" + dc


class _Ctx(object):
    """Shared state of one build."""

    def __init__(self, findings: Findings, opts: Dict[str, Any]) -> None:
        self.f = findings
        self.opts = opts
        self.customer: List[Tuple[A.Net, str]] = []


def _check_fields(ctx: _Ctx, data: Any, fields: Dict[str, bool], path: str, what: str) -> bool:
    if not isinstance(data, dict):
        ctx.f.add("input.type", path, "%s must be a mapping, got %s" % (what, type(data).__name__))
        return False
    for key, close in unknown_fields(data, fields):
        hint = "; did you mean %r?" % close if close else "; known fields: %s" % ", ".join(fields)
        ctx.f.add("input.unknown", "%s.%s" % (path, key), "%r is not a field of %s%s" % (key, what, hint))
    for key, required in fields.items():
        if required and (key not in data or data[key] is None or data[key] == ""):
            ctx.f.add("input.missing", "%s.%s" % (path, key), "%s is missing %r" % (what, key))
    return True


def _addr(ctx: _Ctx, value: Any, path: str, what: str) -> Optional[int]:
    if value is None or value == "":
        return None  # reported as missing already
    try:
        addr, plen = A.parse_interface(value)
    except A.AddressError as exc:
        ctx.f.add("address.invalid", path, "%s: %s" % (what, exc.message))
        return None
    if plen is not None:
        ctx.f.add("address.invalid", path, "%s %s is an address, not a prefix: write %s" % (what, value, A.int_to_ip(addr)))
        return None
    why = A.unicast_problem(addr)
    if why:
        ctx.f.add("address.not_unicast", path, "%s %s is %s" % (what, value, why))
        return None
    return addr


def _secret(ctx: _Ctx, value: Any, path: str, what: str, required: bool) -> bool:
    if value is None or value == "":
        if required:
            ctx.f.add(
                "secret.missing",
                path,
                '%s is missing: put it in the inventory (vault-encrypted), e.g. psk: "{{ vault_vc_psk_dca }}"' % what,
            )
        return False
    if not isinstance(value, str):
        ctx.f.add("secret.format", path, "%s must be a string" % what)
        return False
    problem = psk_problem(value)
    if problem:
        ctx.f.add("secret.format", path, "%s %s (the value is never printed); rule: %s" % (what, problem, GRAMMAR["psk"]))
    elif required and len(value) < 16:
        ctx.f.add("secret.weak", path, "%s is shorter than 16 characters" % what)
    if "?" in value:
        ctx.f.add("secret.cli_char", path, "%s contains '?', which IOS-XE's CLI takes as a help request; choose another character" % what)
    return True


def _asn(ctx: _Ctx, value: Any, path: str) -> Optional[int]:
    if value is None or value == "":
        return None
    number = as_int(value)
    if number is None:
        ctx.f.add("asn.invalid", path, "ASN must be an integer, got %r" % (value,))
    return number


def _datacenter(ctx: _Ctx, value: Any, path: str) -> Optional[str]:
    dc = _DC_ALIASES.get(str(value).strip().lower()) if value is not None else None
    if dc is None:
        ctx.f.add("region.datacenter", path, "datacenter %r: must be A or B (tunnel 1 goes to DC-A, tunnel 2 to DC-B)" % (value,))
    return dc


def _tunnel(ctx: _Ctx, region: Dict[str, Any], t: Any, path: str) -> Optional[Dict[str, Any]]:
    if not _check_fields(ctx, t, TUNNEL_FIELDS, path, "a tunnel"):
        return None
    out: Dict[str, Any] = {"path": path}
    out["dc"] = _datacenter(ctx, t.get("datacenter"), path + ".datacenter") if t.get("datacenter") not in (None, "") else None
    cpe = t.get("cpe")
    di = t.get("di")
    ok_cpe = cpe is not None and _check_fields(ctx, cpe, _CPE_END_ALL, path + ".cpe", "the CPE end")
    ok_di = di is not None and _check_fields(ctx, di, DI_END_FIELDS, path + ".di", "the Cisco (di) end")
    cpe = cpe if ok_cpe else {}
    di = di if ok_di else {}
    host = cpe.get("host")
    if host is not None and (not isinstance(host, str) or not host.strip()):
        ctx.f.add("input.type", path + ".cpe.host", "host must be an inventory hostname")
        host = None
    elif host is not None and text_problem(host, allow_blank=False):
        ctx.f.add("input.type", path + ".cpe.host", "host %s (rule: an inventory hostname, %s)"
                  % (text_problem(host, allow_blank=False), GRAMMAR["text"]))
        host = None
    out["host"] = host
    out["cpe_ipsec"] = _addr(ctx, cpe.get("ipsec_ip"), path + ".cpe.ipsec_ip", "CPE IPsec IP")
    out["cpe_gre"] = _addr(ctx, cpe.get("gre_ip"), path + ".cpe.gre_ip", "CPE GRE IP")
    out["di_ipsec"] = _addr(ctx, di.get("ipsec_ip"), path + ".di.ipsec_ip", "Cisco IPsec IP")
    out["di_gre"] = _addr(ctx, di.get("gre_ip"), path + ".di.gre_ip", "Cisco GRE IP")
    out["cpe_asn"] = _asn(ctx, cpe.get("asn"), path + ".cpe.asn")
    out["di_asn"] = _asn(ctx, di.get("asn"), path + ".di.asn")
    out["tunnel_number"] = None
    if cpe.get("tunnel_number") is not None:
        number = as_int(cpe.get("tunnel_number"))
        if number is None or not 0 <= number <= 2147483647:
            ctx.f.add(
                "tunnel.number",
                path + ".cpe.tunnel_number",
                "tunnel_number must be an integer 0-2147483647, got %r" % (cpe.get("tunnel_number"),),
            )
        else:
            out["tunnel_number"] = number
    resolve_split(ctx.f, cpe, out, path)   # split IPsec / GRE-BGP devices (plan/ha.py, docs/ha.md)
    out["psk_set"] = _secret(ctx, t.get("psk"), path + ".psk", "the pre-shared key", True)
    out["password_set"] = _secret(ctx, t.get("bgp_password"), path + ".bgp_password", "the BGP password", False)

    # Cisco's IPsec headend and GRE router are different devices.
    if out["di_ipsec"] is not None and out["di_ipsec"] == out["di_gre"]:
        ctx.f.add(
            "address.di_same_device",
            path + ".di.gre_ip",
            "di.gre_ip equals di.ipsec_ip (%s): Cisco terminates IPsec and GRE on different devices; copy both from the activation form"
            % A.int_to_ip(out["di_gre"]),
        )
    for key, what in (("di_ipsec", "di.ipsec_ip"), ("di_gre", "di.gre_ip")):
        if out[key] is not None and A.is_private(out[key]):
            ctx.f.add(
                "address.private_di",
                path + "." + what,
                "%s %s is a private address; Cisco's endpoints are public: check the activation form" % (what, A.int_to_ip(out[key])),
            )

    # Tunnel addressing
    out["tun"] = None
    if cpe.get("tunnel_ip") not in (None, "") and di.get("tunnel_ip") not in (None, ""):
        try:
            tun = A.tunnel_addressing(cpe.get("tunnel_ip"), di.get("tunnel_ip"))
        except A.AddressError as exc:
            where = ".di.tunnel_ip" if exc.code in ("tunnel.different_subnet", "tunnel.same_ip") else ".cpe.tunnel_ip"
            if exc.code == "address.invalid":
                try:
                    A.parse_interface(cpe.get("tunnel_ip"))
                    where = ".di.tunnel_ip"
                except A.AddressError:
                    where = ".cpe.tunnel_ip"
            ctx.f.add(exc.code, path + where, exc.message)
        else:
            for code, msg in tun.pop("warnings"):
                ctx.f.add(code, path + ".cpe.tunnel_ip", msg)
            out["tun"] = tun

    # ASN pair
    if out["cpe_asn"] is not None and out["di_asn"] is not None:
        for code, end, msg in check_pair(out["cpe_asn"], out["di_asn"]):
            ctx.f.add(code, "%s.%s.asn" % (path, end), msg)
    else:
        for end in ("cpe", "di"):
            value = out[end + "_asn"]
            if value is not None:
                for code, e, msg in check_pair(value, -1):
                    if e == end:
                        ctx.f.add(code, "%s.%s.asn" % (path, end), msg)
    return out


def _region(ctx: _Ctx, r: Any, path: str) -> Optional[Dict[str, Any]]:
    if not _check_fields(ctx, r, REGION_FIELDS, path, "a region"):
        return None
    out: Dict[str, Any] = {"path": path, "label": None, "di": None, "iaas": None, "bw": None, "tunnels": {}}
    label = r.get("region")
    if label not in (None, ""):
        if not isinstance(label, str) or not _LABEL.match(label):
            ctx.f.add(
                "region.label",
                path + ".region",
                "region label %r: use 1-32 letters, digits, '.', '_' or '-' (it names device objects)" % (label,),
            )
        else:
            out["label"] = label
    for key, what in (("di_prefix", "di"), ("iaas_prefix", "iaas")):
        value = r.get(key)
        if value in (None, ""):
            continue
        try:
            out[what] = A.parse_di_24(value)
        except A.AddressError as exc:
            ctx.f.add(exc.code, "%s.%s" % (path, key), exc.message)
    if out["di"] and out["iaas"] and out["di"] == out["iaas"]:
        ctx.f.add(
            "prefix.same_as_di",
            path + ".iaas_prefix",
            "iaas_prefix %s is the Dedicated Instance /24 itself; the IaaS /24 is a second, different network" % A.cidr(out["iaas"]),
        )
        out["iaas"] = None
    bw = r.get("bandwidth_mbps")
    if bw in (None, ""):
        ctx.f.add(
            "bandwidth.unknown",
            path + ".bandwidth_mbps",
            "bandwidth_mbps not given: the total over both tunnels must stay within 250 Mbps, as one tunnel carries everything during failover",
        )
    else:
        number = as_int(bw)
        if number is None or number < 1:
            ctx.f.add("bandwidth.invalid", path + ".bandwidth_mbps", "bandwidth_mbps must be a positive integer, got %r" % (bw,))
        elif number > MAX_BANDWIDTH_MBPS:
            ctx.f.add(
                "bandwidth.exceeds",
                path + ".bandwidth_mbps",
                "%d Mbps over both tunnels exceeds 250 Mbps: a tunnel is limited to 250 Mbps and during failover one tunnel carries all traffic"
                % number,
            )
            out["bw"] = number
        else:
            if number > MAX_BANDWIDTH_MBPS * 0.9:
                ctx.f.add(
                    "bandwidth.headroom",
                    path + ".bandwidth_mbps",
                    "%d Mbps leaves less than 10%% headroom under 250 Mbps per tunnel" % number,
                )
            out["bw"] = number

    tunnels = r.get("tunnels")
    if tunnels in (None, ""):
        return out
    if not isinstance(tunnels, list):
        ctx.f.add("input.type", path + ".tunnels", "tunnels must be a list of two tunnels")
        return out
    if len(tunnels) != 2:
        ctx.f.add(
            "region.tunnel_count",
            path + ".tunnels",
            "%d tunnel(s) given: a region has exactly two, tunnel 1 to DC-A and tunnel 2 to DC-B" % len(tunnels),
        )
    for i, t in enumerate(tunnels):
        tp = "%s.tunnels[%d]" % (path, i)
        parsed = _tunnel(ctx, r, t, tp)
        if parsed is None or parsed["dc"] is None:
            continue
        if parsed["dc"] in out["tunnels"]:
            ctx.f.add(
                "region.datacenter_duplicate",
                tp + ".datacenter",
                "a second tunnel to DC-%s: exactly one tunnel per data centre (the other must be %s)"
                % (parsed["dc"], "B" if parsed["dc"] == "A" else "A"),
            )
            continue
        out["tunnels"][parsed["dc"]] = parsed
    if len(tunnels) == 2 and len(out["tunnels"]) == 1:
        pass  # the duplicate/unknown datacenter was reported above
    _region_pair_checks(ctx, out)
    return out


def _region_pair_checks(ctx: _Ctx, reg: Dict[str, Any]) -> None:
    ta, tb = reg["tunnels"].get("A"), reg["tunnels"].get("B")
    cisco = [(n, k) for n, k in ((reg["di"], "di_prefix"), (reg["iaas"], "iaas_prefix")) if n]
    for t in (ta, tb):
        if not t:
            continue
        # Transport addresses inside a /24 learned over the tunnel -> recursive routing.
        for key, field in (("di_gre", "di.gre_ip"), ("di_ipsec", "di.ipsec_ip"), ("cpe_gre", "cpe.gre_ip"), ("cpe_ipsec", "cpe.ipsec_ip")):
            addr = t[key]
            if addr is None:
                continue
            for net, name in cisco:
                if A.contains(net, addr):
                    ctx.f.add(
                        "address.inside_cisco_prefix",
                        "%s.%s" % (t["path"], field),
                        "%s %s is inside %s %s, which is learned over the tunnel: the tunnel would route over itself (recursive routing)"
                        % (field, A.int_to_ip(addr), name, A.cidr(net)),
                    )
            if t["tun"] and A.contains(t["tun"]["net"], addr):
                ctx.f.add(
                    "address.inside_cisco_prefix",
                    "%s.%s" % (t["path"], field),
                    "%s %s is inside the tunnel subnet %s: transport and tunnel addresses must differ"
                    % (field, A.int_to_ip(addr), t["tun"]["network"]),
                )
        if t["tun"]:
            for net, name in cisco:
                if A.overlaps(net, t["tun"]["net"]):
                    ctx.f.add(
                        "tunnel.overlap_cisco_prefix",
                        t["path"] + ".cpe.tunnel_ip",
                        "tunnel subnet %s overlaps %s %s" % (t["tun"]["network"], name, A.cidr(net)),
                    )
            for net, label in ctx.customer:
                if A.overlaps(net, t["tun"]["net"]):
                    ctx.f.add(
                        "tunnel.overlap_customer",
                        t["path"] + ".cpe.tunnel_ip",
                        "tunnel subnet %s overlaps customer prefix %s" % (t["tun"]["network"], label),
                    )
    if ta and tb:
        for key, field in (("di_ipsec", "ipsec_ip"), ("di_gre", "gre_ip")):
            if ta[key] is not None and ta[key] == tb[key]:
                ctx.f.add(
                    "address.dc_shared",
                    "%s.di.%s" % (tb["path"], field),
                    "DC-B's %s %s equals DC-A's: the two data centres are different devices" % (field, A.int_to_ip(tb[key])),
                )
        if ta["tun"] and tb["tun"] and A.overlaps(ta["tun"]["net"], tb["tun"]["net"]):
            ctx.f.add(
                "tunnel.overlap",
                tb["path"] + ".cpe.tunnel_ip",
                "tunnel 2 subnet %s overlaps tunnel 1 subnet %s" % (tb["tun"]["network"], ta["tun"]["network"]),
            )
        if ta["host"] and tb["host"] and ta["host"] != tb["host"] and ta["cpe_ipsec"] is not None and ta["cpe_ipsec"] == tb["cpe_ipsec"]:
            ctx.f.add(
                "address.cpe_shared_dual",
                tb["path"] + ".cpe.ipsec_ip",
                "two CPEs (%s, %s) share the IPsec address %s: only possible behind NAT; check the addresses"
                % (ta["host"], tb["host"], A.int_to_ip(ta["cpe_ipsec"])),
            )


def _cross_region(ctx: _Ctx, regions: List[Dict[str, Any]]) -> None:
    seen: Dict[str, str] = {}
    for reg in regions:
        if reg["label"]:
            if reg["label"] in seen:
                ctx.f.add(
                    "region.duplicate",
                    reg["path"] + ".region",
                    "region %r is defined twice (also at %s)" % (reg["label"], seen[reg["label"]]),
                )
            else:
                seen[reg["label"]] = reg["path"]
    items = []
    for reg in regions:
        for net, key in ((reg["di"], "di_prefix"), (reg["iaas"], "iaas_prefix")):
            if net:
                items.append((net, ("%s.%s" % (reg["path"], key), net)))
    for (pa, na), (pb, nb) in A.find_overlaps(items):
        first, second = sorted((pa, pb))
        ctx.f.add(
            "prefix.region_overlap",
            second,
            "%s overlaps %s at %s: no two regions share a /24"
            % (A.cidr(nb if second == pb else na), A.cidr(na if second == pb else nb), first),
        )
    for net, key in items:
        for cnet, label in ctx.customer:
            if A.overlaps(net, cnet):
                ctx.f.add(
                    "prefix.customer_overlap",
                    key[0],
                    "%s overlaps the customer prefix %s: the Cisco /24 must be unique in the customer network" % (A.cidr(net), label),
                )


def _cpe_view(
    ctx: _Ctx, regions: List[Dict[str, Any]], cpes_in: Dict[str, Any], inventory_hosts: Optional[Sequence[str]]
) -> Dict[str, Dict[str, Any]]:
    """Per-CPE checks and decisions: settings, tunnel numbers, router ASN, local-as, duplicates."""
    by_host: Dict[str, List[Dict[str, Any]]] = {}
    for reg in regions:
        for dc in ("A", "B"):
            t = reg["tunnels"].get(dc)
            if t and t["host"]:
                t["region"] = reg
                by_host.setdefault(t["host"], []).append(t)
    hosts = set(inventory_hosts) if inventory_hosts is not None else None
    view: Dict[str, Dict[str, Any]] = {}
    for host, tunnels in by_host.items():
        if hosts is not None and host not in hosts:
            ctx.f.add(
                "cpe.unknown_host",
                tunnels[0]["path"] + ".cpe.host",
                "CPE host %r is not in the inventory; add it (group vc_cpes) or fix the name" % host,
            )
        settings = resolve_cpe(host, cpes_in.get(host), ctx.f)
        _name_collisions(ctx, host, tunnels)
        if not settings["wan_interface"]:
            ctx.f.add(
                "cpe.wan_interface",
                "cpes.%s.wan_interface" % host,
                "no vc_wan_interface for %s: set it in host_vars before applying" % host,
            )
        enterprise = settings["bgp_asn"] if settings["bgp_asn"] is not None else ctx.opts["enterprise_asn"]
        asns = [t["cpe_asn"] for t in tunnels if t["cpe_asn"] is not None]
        rasn = router_asn(asns, enterprise) if (asns or enterprise is not None) else None
        # Tunnel numbers: explicit or base + 10 * (region ordinal on this CPE) + tunnel index.
        ordinals: Dict[int, int] = {}
        numbers: Dict[int, str] = {}
        derived = False
        for t in tunnels:
            rid = id(t["region"])
            ordinals.setdefault(rid, len(ordinals))
            if t["tunnel_number"] is None:
                t["tunnel_number"] = settings["tunnel_base"] + 10 * ordinals[rid] + (1 if t["dc"] == "A" else 2)
                derived = True
            if t["tunnel_number"] in numbers:
                ctx.f.add(
                    "tunnel.number_duplicate",
                    t["path"] + ".cpe.tunnel_number",
                    "tunnel number %d on %s is already used by %s; set cpe.tunnel_number"
                    % (t["tunnel_number"], host, numbers[t["tunnel_number"]]),
                )
            else:
                numbers[t["tunnel_number"]] = t["path"]
        if derived and len(ordinals) > 1:
            ctx.f.add(
                "tunnel.number_order",
                "cpes.%s" % host,
                "tunnel numbers on %s are derived from the order of its regions; pin cpe.tunnel_number so adding or "
                "reordering regions never renumbers live tunnels" % host,
            )
        peers: Dict[int, str] = {}
        gre_pairs: Dict[Tuple[int, int], str] = {}
        for t in tunnels:
            if t["di_ipsec"] is not None:
                if t["di_ipsec"] in peers:
                    ctx.f.add(
                        "cpe.duplicate_peer",
                        t["path"] + ".di.ipsec_ip",
                        "%s already has a tunnel to Cisco IPsec peer %s (%s)" % (host, A.int_to_ip(t["di_ipsec"]), peers[t["di_ipsec"]]),
                    )
                else:
                    peers[t["di_ipsec"]] = t["path"]
            if t["cpe_gre"] is not None and t["di_gre"] is not None:
                pair = (t["cpe_gre"], t["di_gre"])
                if pair in gre_pairs:
                    ctx.f.add(
                        "cpe.duplicate_gre",
                        t["path"] + ".di.gre_ip",
                        "%s already has a GRE tunnel %s -> %s (%s)" % (host, A.int_to_ip(pair[0]), A.int_to_ip(pair[1]), gre_pairs[pair]),
                    )
                else:
                    gre_pairs[pair] = t["path"]
            if rasn is not None and t["di_asn"] is not None and t["di_asn"] == rasn:
                if enterprise is not None and enterprise == rasn:
                    ctx.f.add(
                        "asn.enterprise_collision",
                        t["path"] + ".di.asn",
                        "Cisco ASN %d equals the BGP ASN of %s (enterprise/vc_bgp_asn): the session would be iBGP and routes would loop-drop"
                        % (rasn, host),
                    )
                else:
                    ctx.f.add(
                        "asn.ibgp_router",
                        t["path"] + ".di.asn",
                        "Cisco ASN %d equals the BGP ASN %s runs (its first tunnel's customer ASN): the session would be iBGP; "
                        "check the ASNs from the activation form" % (rasn, host),
                    )
        wan_bw = settings["wan_bandwidth_mbps"]
        if wan_bw:
            need = sum(reg["bw"] or 0 for reg in {id(t["region"]): t["region"] for t in tunnels}.values())
            if need > wan_bw:
                ctx.f.add(
                    "bandwidth.wan",
                    "cpes.%s.wan_bandwidth_mbps" % host,
                    "regions on %s need %s Mbps but its WAN has %s Mbps" % (host, need, wan_bw),
                )
        first_gre = next((t["cpe_gre"] for t in tunnels if t["cpe_gre"] is not None), None)
        rid_text = settings["router_id"]
        if rid_text is not None:
            try:
                A.ip_to_int(rid_text)
            except A.AddressError:
                ctx.f.add("bgp.router_id", "cpes.%s.router_id" % host, "router id %r is not an IPv4 address" % (rid_text,))
                rid_text = None
        view[host] = {
            "settings": settings,
            "tunnels": tunnels,
            "router_asn": rasn,
            "enterprise": enterprise is not None,
            "router_id": rid_text or (A.int_to_ip(first_gre) if first_gre is not None else None),
            "router_id_explicit": rid_text is not None,
        }
    # Tunnel subnets: overlap on one CPE is an error, across CPEs a warning.
    items = []
    for reg in regions:
        for t in reg["tunnels"].values():
            if t["tun"]:
                items.append((t["tun"]["net"], t))
    for a, b in A.find_overlaps(items):
        if a["region"] is b["region"]:
            continue  # reported by the region pair check
        later = b if b["path"] > a["path"] else a
        other = a if later is b else b
        code = "tunnel.overlap" if a["host"] == b["host"] else "tunnel.overlap_other_cpe"
        ctx.f.add(
            code,
            later["path"] + ".cpe.tunnel_ip",
            "tunnel subnet %s overlaps %s (%s)" % (later["tun"]["network"], other["tun"]["network"], other["path"]),
        )
    return view


def _name_collisions(ctx: _Ctx, host: str, tunnels: List[Dict[str, Any]]) -> None:
    """Region labels of one CPE must name different device objects once normalised (object_token)."""
    seen: Dict[str, Dict[str, Any]] = {}
    reported = set()
    for t in tunnels:
        reg = t["region"]
        if not reg["label"] or id(reg) in reported:
            continue
        token = object_token(reg["label"])
        other = seen.setdefault(token, reg)
        if other is not reg and other["label"] != reg["label"]:
            reported.add(id(reg))
            ctx.f.add(
                "region.name_collision",
                reg["path"] + ".region",
                "region labels %r and %r (%s) both name the device objects VC-%s-* on %s: rename one (labels must "
                "differ in more than case and punctuation)" % (reg["label"], other["label"], other["path"], token, host),
            )


def _nat_t(settings: Dict[str, Any], t: Dict[str, Any], ctx: _Ctx) -> bool:
    if settings["nat_t"] == "auto":
        natted = t["cpe_ipsec"] is not None and A.is_private(t["cpe_ipsec"])
        if natted:
            ctx.f.add(
                "address.nat_t",
                t["path"] + ".cpe.ipsec_ip",
                "CPE IPsec IP %s is private: NAT in the path, so IKE/ESP use UDP 4500 (NAT-T) and the MTU math counts 8 more bytes; set vc_nat_t to override"
                % A.int_to_ip(t["cpe_ipsec"]),
            )
        return natted
    return bool(settings["nat_t"])


def _tunnel_plan(ctx: _Ctx, reg: Dict[str, Any], t: Dict[str, Any], cpe: Dict[str, Any]) -> Dict[str, Any]:
    opts = ctx.opts
    settings = cpe["settings"]
    halves = A.split_half(reg["di"])
    dc_net = halves[0 if t["dc"] == "A" else 1]
    expect = [A.cidr(reg["di"]), A.cidr(dc_net)]
    iaas_dc = None
    if reg["iaas"]:
        iaas_dc = A.split_half(reg["iaas"])[0 if t["dc"] == "A" else 1]
        expect += [A.cidr(reg["iaas"]), A.cidr(iaas_dc)]
    expect = A.sort_prefixes(expect)
    nat_t = _nat_t(settings, t, ctx)
    esp = opts["crypto"]["esp"]
    mtu = mtu_plan(settings["wan_mtu"], esp["encryption"], esp["integrity"], nat_t, opts["mtu"]["tunnel_ip_mtu"], opts["mtu"]["tcp_mss"])
    if not mtu.pop("fits"):
        ctx.f.add(
            "mtu.fragment",
            t["path"],
            "tunnel IP MTU %d > %d, the largest inner packet that fits in WAN MTU %d after GRE and ESP (%s%s): set options.mtu.tunnel_ip_mtu to %d or less"
            % (
                mtu["tunnel_ip_mtu"],
                mtu["max_inner_mtu"],
                mtu["wan_mtu"],
                esp["encryption"],
                ", NAT-T" if nat_t else "",
                mtu["max_inner_mtu"],
            ),
        )
    if not mtu.pop("mss_fits"):
        ctx.f.add(
            "mtu.mss_fragment",
            t["path"],
            "TCP MSS %d needs %d-byte packets but only %d fit after GRE and ESP (%s%s, WAN MTU %d): segments will fragment"
            % (
                mtu["tcp_mss"],
                mtu["tcp_mss"] + 40,
                mtu["max_inner_mtu"],
                esp["encryption"] + ("/" + esp["integrity"] if esp["integrity"] else ""),
                ", NAT-T" if nat_t else "",
                mtu["wan_mtu"],
            ),
        )
    tun = t["tun"]
    nb = neighbour_as(cpe["router_asn"], t["cpe_asn"], t["di_asn"])
    bgp_opts = opts["bgp"]
    gre_opts = opts["gre"]
    cpe_ipsec = A.int_to_ip(t["cpe_ipsec"])
    di_ipsec = A.int_to_ip(t["di_ipsec"])
    cpe_gre = A.int_to_ip(t["cpe_gre"])
    di_gre = A.int_to_ip(t["di_gre"])
    out = {
        "key": "%s-%s" % (reg["label"], t["dc"]),
        "name": _name_token(reg["label"], t["dc"]),
        "index": 1 if t["dc"] == "A" else 2,
        "region": reg["label"],
        "datacenter": t["dc"],
        "cpe_host": t["host"],
        "platform": settings["platform"],
        "tunnel_number": t["tunnel_number"],
        "dc_prefix": A.cidr(dc_net),
        "iaas_dc_prefix": A.cidr(iaas_dc) if iaas_dc else None,
        "expect_received": expect,
        "advertise": ["0.0.0.0/0"],
        "cpe": {
            "ipsec_ip": cpe_ipsec,
            "gre_ip": cpe_gre,
            "tunnel_ip": tun["cpe_ip"],
            "tunnel_cidr": tun["cpe_cidr"],
            "tunnel_network": tun["network"],
            "tunnel_prefixlen": tun["prefixlen"],
            "tunnel_netmask": tun["netmask"],
            "asn": t["cpe_asn"],
        },
        "di": {"ipsec_ip": di_ipsec, "gre_ip": di_gre, "tunnel_ip": tun["di_ip"], "asn": t["di_asn"]},
        "ipsec": {
            "ike_version": 2,
            "mode": "tunnel",
            "auth": "psk",
            "psk_set": t["psk_set"],
            "local_id": cpe_ipsec,
            "remote_id": di_ipsec,
            "ike": dict(opts["crypto"]["ike"]),
            "esp": dict(esp),
            "dpd": dict(opts["dpd"]),
            "initiate": True,
            "nat_t": nat_t,
            "rri": dict(opts["rri"]),
        },
        "crypto_acl": {"protocol": "gre", "protocol_number": 47, "source": cpe_gre, "destination": di_gre},
        "gre": {
            "source": cpe_gre,
            "destination": di_gre,
            "keepalive": {
                "enabled": gre_opts["keepalive"],
                "interval_s": gre_opts["keepalive_interval_s"],
                "retries": gre_opts["keepalive_retries"],
            },
            "ttl": gre_opts["ttl"],
        },
        "mtu": mtu,
        "bgp": {
            "router_asn": nb["router_asn"],
            "local_as": nb["local_as"],
            "local_as_override": nb["local_as_override"],
            "neighbor": tun["di_ip"],
            "remote_as": nb["remote_as"],
            "update_source": tun["cpe_ip"],
            "password_set": t["password_set"],
            "timers": {"keepalive_s": bgp_opts["keepalive_s"], "hold_s": bgp_opts["hold_s"], "connect_s": bgp_opts["connect_s"]},
            "bfd": {"enabled": bgp_opts["bfd"], "interval_ms": bgp_opts["bfd_interval_ms"], "multiplier": bgp_opts["bfd_multiplier"]},
            "soft_reconfiguration_inbound": True,
            "default_originate": True,
            "prefix_list_in": list(expect),
            "prefix_list_out": ["0.0.0.0/0"],
            "ebgp_multihop": None,
        },
        "bandwidth_mbps": reg["bw"],
    }
    split = split_plan(t, opts["rri"], cpe["router_asn"])
    if split is not None:   # only for a split tunnel: single-device plans stay exactly as before
        out["split"] = split
        out["ipsec"]["rri"] = dict(split["rri"])
    return out


def _ipsec_hosts(ctx: _Ctx, split_tunnels: List[Dict[str, Any]], cpes_in: Dict[str, Any],
                 inventory_hosts: Optional[Sequence[str]], view: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Plan entries of the IPsec devices of split tunnels (docs/ha.md): their settings and the tunnels they protect."""
    hosts = set(inventory_hosts) if inventory_hosts is not None else None
    out: Dict[str, Dict[str, Any]] = {}
    settings_of: Dict[str, Dict[str, Any]] = {}
    for t in split_tunnels:
        host = t["split"]["ipsec_host"]
        if host not in out:
            if hosts is not None and host not in hosts:
                ctx.f.add("cpe.unknown_host", t["path"] + ".cpe.ipsec_host",
                          "IPsec host %r is not in the inventory; add it or fix the name" % host)
            settings = view[host]["settings"] if host in view else resolve_cpe(host, cpes_in.get(host), ctx.f)
            if not settings["wan_interface"] and host not in view:
                ctx.f.add("cpe.wan_interface", "cpes.%s.wan_interface" % host,
                          "no vc_wan_interface for %s: set it in host_vars before applying" % host)
            out[host] = {"host": host, "platform": settings["platform"], "wan_interface": settings["wan_interface"],
                         "wan_mtu": settings["wan_mtu"], "bgp": {"asn": None, "router_id": None, "router_id_explicit": False,
                                                                 "enterprise_asn": False},
                         "tunnels": [], "neighbors": [], "tunnel_numbers": [], "ipsec_peers": [], "gre_destinations": [],
                         "regions": [], "ipsec_tunnels": []}
            settings_of[host] = settings
        if t.get("region") and t["region"].get("label"):
            key = "%s-%s" % (t["region"]["label"], t["dc"])
            out[host]["ipsec_tunnels"].append(key)
            out[host]["ipsec_peers"].append(A.int_to_ip(t["di_ipsec"]) if t["di_ipsec"] is not None else None)
    return out, settings_of


def _ipsec_platform_rules(ctx: _Ctx, regions: Any, settings_of: Dict[str, Dict[str, Any]], plan_cpes: Dict[str, Any],
                          by_key: Dict[str, Any], split_tunnels: List[Dict[str, Any]], view: Dict[str, Any]) -> None:
    """The platform rules of the IPsec-only devices of split tunnels (the GRE routers' run in _platform_rules)."""
    from ..platforms.registry import find_platform, unknown_message

    secrets = secrets_by_tunnel(regions)
    for host, settings in settings_of.items():
        if host in view:
            continue
        platform = find_platform(settings["platform"])
        if platform is None:
            ctx.f.add("platform.unknown", "cpes.%s.platform" % host, unknown_message(settings["platform"], host))
            continue
        paths = dict(("%s-%s" % (t["region"]["label"], t["dc"]), t["path"]) for t in split_tunnels
                     if t["split"]["ipsec_host"] == host and t.get("region"))
        tunnels = [by_key[k] for k in plan_cpes[host]["ipsec_tunnels"] if k in by_key]
        for severity, code, path, message in platform.validate(host, plan_cpes[host], tunnels, settings, secrets, paths):
            ctx.f.add(code, path, message, severity=severity)


def _complete(t: Optional[Dict[str, Any]]) -> bool:
    if not t:
        return False
    needed = ("host", "cpe_ipsec", "cpe_gre", "di_ipsec", "di_gre", "cpe_asn", "di_asn", "tun", "dc")
    return all(t.get(k) is not None for k in needed)


def build_plan(
    regions: Any,
    cpes: Optional[Dict[str, Any]] = None,
    options: Optional[Dict[str, Any]] = None,
    inventory_hosts: Optional[Sequence[str]] = None,
) -> PlanResult:
    """Validate ``regions`` (the ``vc_regions`` list) and derive the plan.

    ``cpes`` maps inventory hostname -> per-CPE settings (platform, wan_interface, wan_mtu, nat_t,
    bgp_asn, router_id, tunnel_base, wan_bandwidth_mbps). ``options`` overrides the global knobs of
    ``model.DEFAULT_OPTIONS``. ``inventory_hosts``, when given, lets the plan flag unknown CPE hosts.
    The plan is built even when errors exist (for as much as is valid), but must not be applied.
    """
    collecting = gc.isenabled()
    if collecting:
        gc.disable()  # the build allocates many small, acyclic objects: cyclic GC passes only cost time
    try:
        return _build(regions, cpes, options, inventory_hosts)
    finally:
        if collecting:
            gc.enable()


def _build(
    regions: Any, cpes: Optional[Dict[str, Any]], options: Optional[Dict[str, Any]], inventory_hosts: Optional[Sequence[str]]
) -> PlanResult:
    findings = Findings()
    opts = resolve_options(options, findings)
    ctx = _Ctx(findings, opts)
    for i, text in enumerate(opts["customer_prefixes"]):
        try:
            ctx.customer.append((A.parse_prefix(text), str(text)))
        except A.AddressError as exc:
            findings.add(exc.code, "options.customer_prefixes[%d]" % i, exc.message)
    cpes = cpes or {}
    if not isinstance(cpes, dict):
        findings.add("input.type", "cpes", "cpes must be a mapping of host -> settings")
        cpes = {}

    parsed: List[Dict[str, Any]] = []
    if not isinstance(regions, list):
        findings.add("input.type", "regions", "regions (vc_regions) must be a list of regions, got %s" % type(regions).__name__)
    elif not regions:
        findings.add("input.empty", "regions", "regions (vc_regions) is empty: nothing to plan")
    else:
        for i, r in enumerate(regions):
            reg = _region(ctx, r, "regions[%d]" % i)
            if reg is not None:
                parsed.append(reg)
    _cross_region(ctx, parsed)
    view = _cpe_view(ctx, parsed, cpes, inventory_hosts)
    split_tunnels = [t for reg in parsed for t in reg["tunnels"].values() if t.get("split")]
    split_checks(findings, split_tunnels)
    ipsec_hosts, ipsec_settings = _ipsec_hosts(ctx, split_tunnels, cpes, inventory_hosts, view)

    plan_regions = []
    for reg in parsed:
        tunnels = []
        for dc in ("A", "B"):
            t = reg["tunnels"].get(dc)
            if reg["label"] and reg["di"] and _complete(t):
                tunnels.append(_tunnel_plan(ctx, reg, t, view[t["host"]]))
        hosts = []
        for t in tunnels:
            if t["cpe_host"] not in hosts:
                hosts.append(t["cpe_host"])
        plan_regions.append(
            {
                "region": reg["label"],
                "di_prefix": A.cidr(reg["di"]) if reg["di"] else None,
                "iaas_prefix": A.cidr(reg["iaas"]) if reg["iaas"] else None,
                "deployment": ("single_cpe" if len(hosts) == 1 else "dual_cpe") if len(tunnels) == 2 else None,
                "bandwidth_mbps": reg["bw"],
                "cpe_hosts": hosts,
                "tunnels": tunnels,
            }
        )

    plan_cpes: Dict[str, Any] = {}
    by_key = {t["key"]: t for r in plan_regions for t in r["tunnels"]}
    all_tunnels = list(by_key.values())
    for host, v in view.items():
        mine = [
            by_key["%s-%s" % (t["region"]["label"], t["dc"])] for t in v["tunnels"] if "%s-%s" % (t["region"]["label"], t["dc"]) in by_key
        ]
        plan_cpes[host] = {
            "host": host,
            "platform": v["settings"]["platform"],
            "wan_interface": v["settings"]["wan_interface"],
            "wan_mtu": v["settings"]["wan_mtu"],
            "bgp": {
                "asn": v["router_asn"],
                "router_id": v["router_id"],
                "router_id_explicit": v["router_id_explicit"],
                "enterprise_asn": v["enterprise"],
            },
            "tunnels": [t["key"] for t in mine],
            "neighbors": [
                {
                    "neighbor": t["bgp"]["neighbor"],
                    "remote_as": t["bgp"]["remote_as"],
                    "local_as": t["bgp"]["local_as"],
                    "local_as_override": t["bgp"]["local_as_override"],
                    "tunnel": t["key"],
                }
                for t in mine
            ],
            "tunnel_numbers": [t["tunnel_number"] for t in mine],
            "ipsec_peers": [t["di"]["ipsec_ip"] for t in mine],
            "gre_destinations": [t["di"]["gre_ip"] for t in mine],
            "regions": sorted(set(t["region"] for t in mine)),
        }
        red = redistribution_plan(host, v["settings"], mine, v["router_asn"], v["settings"]["bgp_asn"] is not None, findings,
                                  all_tunnels=all_tunnels)
        if red is not None:  # only when vc_redistribution is set: inventories without it plan exactly as before
            plan_cpes[host]["redistribution"] = red
    for host, entry in ipsec_hosts.items():
        if host in plan_cpes:
            plan_cpes[host]["ipsec_tunnels"] = entry["ipsec_tunnels"]
        else:
            plan_cpes[host] = entry
    _platform_rules(ctx, regions, view, plan_cpes, by_key)
    _ipsec_platform_rules(ctx, regions, ipsec_settings, plan_cpes, by_key, split_tunnels, view)
    plan = {"version": PLAN_VERSION, "regions": plan_regions, "cpes": plan_cpes, "options": _public_options(opts)}
    return PlanResult(plan, findings.as_list())


def _platform_rules(ctx: _Ctx, regions: Any, view: Dict[str, Dict[str, Any]], plan_cpes: Dict[str, Any],
                    by_key: Dict[str, Any]) -> None:
    """Every CPE's platform, through the registry: an unset or unknown one is an error, and each known
    platform checks its own rules (platforms/<name>/validate.py) before any device is touched."""
    from ..platforms.registry import find_platform, unknown_message

    secrets = secrets_by_tunnel(regions)
    for host, v in view.items():
        settings = v["settings"]
        platform = find_platform(settings["platform"])
        if platform is None:
            ctx.f.add("platform.unknown", "cpes.%s.platform" % host, unknown_message(settings["platform"], host))
            continue
        paths = dict(("%s-%s" % (t["region"]["label"], t["dc"]), t["path"]) for t in v["tunnels"])
        tunnels = [by_key[k] for k in plan_cpes[host]["tunnels"]]
        for severity, code, path, message in platform.validate(host, plan_cpes[host], tunnels, settings, secrets, paths):
            ctx.f.add(code, path, message, severity=severity)


def _public_options(opts: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "crypto_suite": opts["crypto"]["suite"],
        "customer_prefixes": list(opts["customer_prefixes"]),
        "enterprise_asn": opts["enterprise_asn"],
    }
