# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assemble the platform-neutral state (docs/contract.md section 3) from IOS-XE show outputs.

Input: {command: raw output}. Commands are recognised by their text (any of the supported forms),
so the same function serves the online gather, the offline mode and the diagnose playbook.

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, List, Optional, Tuple

from . import redistribution as R
from . import show_parsers as P
from ...plan.views import cpe_tunnels
from .evidence import build_evidence
from .util import is_ipv4, sorted_prefixes

PLATFORM = "cisco.ios.ios"

_CLASSIFIERS = (
    ("running_redistribution", re.compile(r"^sh(?:ow)? run(?:ning-config)? \| include \^router ospf ")),
    ("running_config", re.compile(r"^sh(?:ow)? run(?:ning-config)?(?:\s|$)")),
    ("ospf_external", re.compile(r"^sh(?:ow)? ip ospf(?: \d+)? database external(?: self-originate)?$")),
    ("logging", re.compile(r"^sh(?:ow)? log(?:ging)?(?:\s|$)")),
    ("clock", re.compile(r"^sh(?:ow)? clock(?: detail)?$")),
    ("ikev2_sa", re.compile(r"^sh(?:ow)? crypto ikev2 sa(?: detail(?:ed)?)?$")),
    ("ipsec_sa", re.compile(r"^sh(?:ow)? crypto ipsec sa\b")),
    ("crypto_session", re.compile(r"^sh(?:ow)? crypto session\b")),
    ("ip_interface_brief", re.compile(r"^sh(?:ow)? ip int(?:erface)? br(?:ief)?$")),
    ("ip_interface", re.compile(r"^sh(?:ow)? ip int(?:erface)?(?: (?P<name>\S+))?$")),
    ("interface", re.compile(r"^sh(?:ow)? int(?:erfaces?)?(?: (?P<name>\S+(?: \S+)?))?$")),
    ("bgp_summary", re.compile(r"^sh(?:ow)? (?:ip bgp|bgp ipv4 unicast|bgp all|bgp) summary$")),
    ("bgp_routes", re.compile(
        r"^sh(?:ow)? (?:ip bgp|bgp ipv4 unicast) neighbors? (?P<neighbor>\S+) "
        r"(?P<which>received-routes|advertised-routes|routes)$")),
    ("bgp_neighbor", re.compile(r"^sh(?:ow)? (?:ip bgp|bgp ipv4 unicast) neighbors? (?P<neighbor>\S+)$")),
    ("ip_route", re.compile(r"^sh(?:ow)? ip route\b")),
    ("ping", re.compile(r"^ping (?:ip )?(?P<target>\S+)(?P<rest>.*)$")),
)


def classify_command(command: str) -> Tuple[Optional[str], Dict[str, Any]]:
    """('bgp_routes', {'neighbor': '100.64.0.2', 'which': 'received-routes'}) etc.; (None, {})
    for a command this module does not parse."""
    text = re.sub(r"\s+", " ", (command or "").strip().lower())
    for kind, regex in _CLASSIFIERS:
        m = regex.match(text)
        if m:
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            if kind == "ping":
                sm = re.search(r"\bsource (\S+)", groups.get("rest", ""))
                groups["source"] = normalise_ifname(sm.group(1)) if sm else None
            return kind, groups
    return None, {}


def normalise_ifname(name: Optional[str]) -> Optional[str]:
    """'tunnel101', 'Tu101', 'Tunnel 101' -> 'Tunnel101'; other names keep their text."""
    if not name:
        return name
    m = re.match(r"^(?:tu|tun|tunnel)\s*(\d+)$", name.strip(), re.I)
    if m:
        return "Tunnel%s" % m.group(1)
    return name.strip()


def outputs_from_command_results(registered: Any) -> Tuple[Dict[str, Optional[str]], List[Dict[str, str]]]:
    """Turn what a looped ``cisco.ios.ios_command`` registers (one command per item, the item
    being a command dict or string) into ({command: output}, [{command, message}] errors).
    A plain {command: output} dict passes through unchanged."""
    if isinstance(registered, dict) and "results" not in registered:
        return dict(registered), []
    results = registered.get("results", []) if isinstance(registered, dict) else list(registered or [])
    outputs = {}  # type: Dict[str, Optional[str]]
    errors = []  # type: List[Dict[str, str]]
    for res in results:
        if not isinstance(res, dict) or res.get("skipped"):
            continue
        item = res.get("item")
        command = item.get("command") if isinstance(item, dict) else item
        if command is None:
            cmds = (res.get("invocation") or {}).get("module_args", {}).get("commands") or []
            command = cmds[0] if cmds else None
            if isinstance(command, dict):
                command = command.get("command")
        if command is None:
            continue
        stdout = res.get("stdout")
        if stdout and not res.get("failed"):
            outputs[command] = stdout[0] if isinstance(stdout, list) else stdout
        else:
            outputs[command] = None
            errors.append({"command": command, "message": str(res.get("msg") or "no output")})
    return outputs, errors


def _interest(plan, host) -> Optional[List[ipaddress.IPv4Network]]:
    if not plan or not host:
        return None
    nets = []
    for t in cpe_tunnels(plan, host):
        for p in t.get("expect_received") or []:
            nets.append(ipaddress.IPv4Network(p))
    for r in plan.get("regions") or []:      # split devices: the DI GRE /32 on both devices (docs/ha.md)
        for t in r.get("tunnels") or []:
            split = t.get("split")
            if split and host in (split.get("ipsec_host"), t.get("cpe_host")):
                nets.append(ipaddress.IPv4Network(split["rri"]["route"]))
    return nets or None


def _route_of_interest(prefix: str, interest) -> bool:
    if interest is None:
        return True
    net = ipaddress.IPv4Network(prefix)
    shortest = min(n.prefixlen for n in interest)
    return net.prefixlen >= shortest and any(net.overlaps(n) for n in interest)


def _ike_state_from_session(ike, session):
    if (ike.get("status") or "").lower() == "active":
        return "established"
    if "NEGOTIAT" in (session.get("status") or "").upper():
        return "connecting"
    return "down"


def build_ios_state(outputs: Dict[str, Optional[str]], host: Optional[str] = None,
                    plan: Optional[Dict[str, Any]] = None,
                    errors: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    """The contract state for one IOS-XE CPE from {command: output}.

    With ``plan`` and ``host``, ``routes`` is limited to the routes overlapping the tunnels'
    expected prefixes (no shorter than the shortest of them), and plan tunnels that only show
    up in ``show ip interface brief`` still get an entry. Unknown values are None.
    """
    parsed = {k: [] for k, _classify in _CLASSIFIERS}  # type: Dict[str, List[Tuple[Dict[str, Any], str]]]
    for command, text in (outputs or {}).items():
        kind, args = classify_command(command)
        if kind is None or text is None:
            continue
        parsed[kind].append((args, text))
    ike_sas, sessions = _ike_sas(parsed)
    tunnels = _tunnels(parsed, plan, host)
    state = {
        "host": host,
        "platform": PLATFORM,
        "ike_sas": ike_sas,
        "ipsec_sas": _ipsec_sas(parsed, sessions),
        "tunnels": tunnels,
        "bgp_neighbors": _bgp_neighbors(parsed),
        "routes": _routes(parsed, tunnels, plan, host),
        "gather_errors": list(errors or []),
    }
    red = (((plan or {}).get("cpes") or {}).get(host) or {}).get("redistribution") if host else None
    if red:   # the hand-over to the customer core (docs/ha.md): only when the plan has one
        running = [text for _args, text in parsed["running_redistribution"]]
        want = set(R.condition_command(p) for p in (red.get("default_condition") or {}).get("prefixes") or [])
        conds = [P.parse_ip_route(text) for command, text in (outputs or {}).items()
                 if text is not None and re.sub(r"\s+", " ", (command or "").strip()) in want]
        state["redistribution"] = R.build(red, (running or [None])[0],
                                          [text for _args, text in parsed["ospf_external"]], state["bgp_neighbors"],
                                          ((plan.get("cpes") or {}).get(host) or {}).get("bgp", {}).get("asn"), conds)
    # optional diagnose evidence (config, probes, log_events): only what the outputs hold
    state.update(build_evidence([text for _args, text in parsed["running_config"]],
                                [text for _args, text in parsed["logging"]],
                                parsed["ping"], plan, host, [text for _args, text in parsed["clock"]]))
    return state


def _ike_sas(parsed: Dict[str, List[Tuple[Dict[str, Any], str]]]) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """IKE SAs (``show crypto ikev2 sa`` first, then what only the crypto sessions show) and the sessions."""
    ike_sas = []  # type: List[Dict[str, Any]]
    seen_ike = set()

    def add_ike(entry):
        key = (entry["local"], entry["remote"], entry["version"], entry["local_port"], entry["remote_port"])
        if key in seen_ike:
            return
        seen_ike.add(key)
        ike_sas.append(entry)

    for _args, text in parsed["ikev2_sa"]:
        for sa in P.parse_crypto_ikev2_sa(text):
            add_ike({"local": sa["local"], "remote": sa["remote"], "state": sa["state"], "version": 2,
                     "nat_t": sa["nat_t"], "uptime_s": sa["active_s"],
                     "local_port": sa["local_port"], "remote_port": sa["remote_port"]})
    sessions = []
    for _args, text in parsed["crypto_session"]:
        sessions.extend(P.parse_crypto_session(text))
    ikev2_pairs = set((e["local"], e["remote"]) for e in ike_sas)
    for sess in sessions:
        for ike in sess["ike_sas"]:
            if ike["version"] == 2 and (ike["local"], ike["remote"]) in ikev2_pairs:
                continue  # 'show crypto ikev2 sa' is authoritative for the SAs it lists
            if not (is_ipv4(ike["local"]) and is_ipv4(ike["remote"])):
                continue
            add_ike({"local": ike["local"], "remote": ike["remote"],
                     "state": _ike_state_from_session(ike, sess), "version": ike["version"],
                     "nat_t": 4500 in (ike["local_port"], ike["remote_port"]),
                     "uptime_s": sess["uptime_s"] if (ike.get("status") or "").lower() == "active" else None,
                     "local_port": ike["local_port"], "remote_port": ike["remote_port"]})
    return ike_sas, sessions


def _ipsec_sas(parsed: Dict[str, List[Tuple[Dict[str, Any], str]]], sessions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """IPsec flows (``show crypto ipsec sa``; the crypto sessions when it was not read)."""
    ipsec_sas = []  # type: List[Dict[str, Any]]
    seen_flow = set()
    for _args, text in parsed["ipsec_sa"]:
        for flow in P.parse_crypto_ipsec_sa(text):
            li, ri = flow["local_ident"] or {}, flow["remote_ident"] or {}
            sas = flow["inbound_esp"] + flow["outbound_esp"]
            mode = next((sa["mode"] for sa in sas if sa["mode"]), None)
            installed = (any(sa["active"] for sa in flow["inbound_esp"])
                         and any(sa["active"] for sa in flow["outbound_esp"]))
            entry = {
                "local": flow["local_endpoint"] or flow["local_addr"],
                "remote": flow["remote_endpoint"] or flow["peer"],
                "local_ts": li.get("prefix"), "remote_ts": ri.get("prefix"),
                "protocol": li.get("protocol", ri.get("protocol")),
                "mode": mode, "state": "installed" if installed else "down",
                "pkts_out": flow["pkts_encaps"], "pkts_in": flow["pkts_decaps"],
            }
            key = (entry["local"], entry["remote"], entry["local_ts"], entry["remote_ts"], entry["protocol"])
            if key in seen_flow:
                continue
            seen_flow.add(key)
            ipsec_sas.append(entry)
    if not parsed["ipsec_sa"]:
        for sess in sessions:
            ike_local = next((i["local"] for i in sess["ike_sas"]), None)
            for fl in sess["ipsec_flows"]:
                entry = {
                    "local": ike_local, "remote": sess["peer"], "local_ts": fl["local"],
                    "remote_ts": fl["remote"], "protocol": fl["protocol"], "mode": None,
                    "state": "installed" if (fl["active_sas"] or 0) >= 2 else "down",
                    "pkts_out": fl["pkts_encrypted"], "pkts_in": fl["pkts_decrypted"],
                }
                key = (entry["local"], entry["remote"], entry["local_ts"], entry["remote_ts"], entry["protocol"])
                if key not in seen_flow:
                    seen_flow.add(key)
                    ipsec_sas.append(entry)
    return ipsec_sas


def _tunnels(parsed: Dict[str, List[Tuple[Dict[str, Any], str]]], plan: Optional[Dict[str, Any]], host: Optional[str]) -> List[Dict[str, Any]]:
    """Tunnel interfaces (``show interfaces``, ``show ip interface``, pings; plan tunnels seen only in the brief listing)."""
    ip_ifs = {}  # type: Dict[str, Dict[str, Any]]
    for _args, text in parsed["ip_interface"]:
        for itf in P.parse_show_ip_interface(text):
            ip_ifs[itf["name"]] = itf
    pings = {}  # type: Dict[str, Optional[bool]]
    for args, text in parsed["ping"]:
        if args.get("source"):
            pings[args["source"]] = P.parse_ping(text)["ok"]
    tunnels = []  # type: List[Dict[str, Any]]
    seen_tunnels = set()
    for _args, text in parsed["interface"]:
        for itf in P.parse_show_interfaces(text):
            name = itf["name"]
            if not name.lower().startswith("tunnel") or name in seen_tunnels:
                continue
            seen_tunnels.add(name)
            ipi = ip_ifs.get(name) or {}
            tunnels.append({
                "name": name, "admin_up": itf["admin_up"], "oper_up": itf["oper_up"],
                "source": itf["tunnel_source"], "destination": itf["tunnel_destination"],
                "address": itf["address"] or ipi.get("address"), "ip_mtu": ipi.get("ip_mtu"),
                "keepalive": itf["keepalive"], "ping_ok": pings.get(name),
            })
    brief = []
    for _args, text in parsed["ip_interface_brief"]:
        brief.extend(P.parse_ip_interface_brief(text))
    if plan and host:
        by_name = {b["name"]: b for b in brief}
        for t in cpe_tunnels(plan, host):
            name = "Tunnel%s" % t.get("tunnel_number")
            if name in seen_tunnels or name not in by_name:
                continue
            seen_tunnels.add(name)
            b = by_name[name]
            ipi = ip_ifs.get(name) or {}
            tunnels.append({"name": name, "admin_up": b["admin_up"], "oper_up": b["oper_up"],
                            "source": None, "destination": None, "address": ipi.get("address"),
                            "ip_mtu": ipi.get("ip_mtu"), "keepalive": None, "ping_ok": pings.get(name)})
    return tunnels


def _bgp_neighbors(parsed: Dict[str, List[Tuple[Dict[str, Any], str]]]) -> List[Dict[str, Any]]:
    """BGP neighbours: summary, details and the received/advertised tables."""
    summary = {"router_id": None, "local_as": None, "neighbors": []}  # type: Dict[str, Any]
    for _args, text in parsed["bgp_summary"]:
        s = P.parse_bgp_summary(text)
        if s["neighbors"] or summary["local_as"] is None:
            summary = s
    details = {}  # type: Dict[str, Dict[str, Any]]
    for _args, text in parsed["bgp_neighbor"]:
        for d in P.parse_bgp_neighbor_detail(text):
            details[d["neighbor"]] = d
    tables = {}  # type: Dict[Tuple[str, str], Dict[str, Any]]
    for args, text in parsed["bgp_routes"]:
        tables[(args["neighbor"], args["which"])] = P.parse_bgp_table(text)

    order = [n["neighbor"] for n in summary["neighbors"]]
    for nb in list(details) + [k[0] for k in tables]:
        if nb not in order and is_ipv4(nb):
            order.append(nb)
    by_summary = {n["neighbor"]: n for n in summary["neighbors"]}
    bgp_neighbors = []
    for nb in order:
        s = by_summary.get(nb) or {}
        d = details.get(nb)
        local_as = None
        if d is not None:
            local_as = d["local_as"] if d["local_as"] is not None else summary.get("local_as")
        received = None
        for which in ("received-routes", "routes"):
            tbl = tables.get((nb, which))
            if tbl is not None and not tbl["error"]:
                received = tbl["prefixes"]
                break
        advertised = None
        tbl = tables.get((nb, "advertised-routes"))
        if tbl is not None and not tbl["error"]:
            advertised = sorted_prefixes(tbl["prefixes"] + (["0.0.0.0/0"] if tbl["default_originate"] else []))
        state = s.get("state") or (d or {}).get("state")
        uptime = s.get("uptime_s") if s else (d or {}).get("uptime_s")
        bgp_neighbors.append({
            "neighbor": nb,
            "remote_as": s.get("remote_as") if s else (d or {}).get("remote_as"),
            "local_as": local_as, "state": state, "uptime_s": uptime,
            "received": received, "advertised": advertised,
            "prefixes_received": s.get("prefixes_received") if s else None,
            # platform extras (docs/contract.md): the session's negotiated timers and the configured ones
            "hold_time_s": (d or {}).get("hold_time_s"), "keepalive_s": (d or {}).get("keepalive_s"),
            "configured_hold_s": (d or {}).get("configured_hold_s"),
            "configured_keepalive_s": (d or {}).get("configured_keepalive_s"),
        })
    return bgp_neighbors


def _routes(parsed: Dict[str, List[Tuple[Dict[str, Any], str]]], tunnels: List[Dict[str, Any]],
            plan: Optional[Dict[str, Any]], host: Optional[str]) -> List[Dict[str, Any]]:
    """Routes of interest, next hops resolved to interfaces (connected routes, tunnel addresses)."""
    route_tables = [P.parse_ip_route(text) for _args, text in parsed["ip_route"]]
    connected = []
    for tbl in route_tables:
        for r in tbl["routes"]:
            if r["protocol"] == "connected" and r["prefix"]:
                for p in r["paths"]:
                    if p["interface"]:
                        connected.append((ipaddress.IPv4Network(r["prefix"]), p["interface"]))
    for t in tunnels:
        if t["address"]:
            connected.append((ipaddress.IPv4Interface(t["address"]).network, t["name"]))

    def resolve(next_hop):
        if not is_ipv4(next_hop):
            return None
        addr = ipaddress.IPv4Address(next_hop)
        best_len, best_if = -1, None
        for net, ifname in connected:
            if addr in net and net.prefixlen > best_len:
                best_len, best_if = net.prefixlen, ifname
        return best_if

    interest = _interest(plan, host)
    routes = []
    seen_routes = set()
    for tbl in route_tables:
        for r in tbl["routes"]:
            if not r["prefix"] or not _route_of_interest(r["prefix"], interest):
                continue
            paths = r["paths"] or [{"next_hop": None, "interface": None}]
            for p in paths:
                entry = {"prefix": r["prefix"], "protocol": r["protocol"], "next_hop": p["next_hop"],
                         "interface": p["interface"] or resolve(p["next_hop"])}
                key = tuple(entry.values())
                if key not in seen_routes:
                    seen_routes.add(key)
                    routes.append(entry)
    routes.sort(key=lambda e: (ipaddress.IPv4Network(e["prefix"]).network_address,
                               ipaddress.IPv4Network(e["prefix"]).prefixlen))
    return routes


def parse(outputs: Any, host: str, plan: Optional[Dict[str, Any]] = None,
          errors: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    """``Platform.parse``: a ``{command: output}`` mapping or a registered ``ios_command`` loop -> the state."""
    found, run_errors = outputs_from_command_results(outputs)
    return build_ios_state(found, host=host, plan=plan, errors=run_errors + list(errors or []))
