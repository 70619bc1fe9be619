# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for the IOS-XE show commands the Virtual Connect verify runs.

Every parser takes the raw text of one command (prompt/echo lines, CRLF, tabs, lost indentation
and trailing blanks are tolerated) and returns plain dicts/lists. Values the output does not show
are None; nothing is invented. No genie / ntc-templates: they are wrong for several of these
outputs (see docs/offline-verify.md).

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, List, Optional

from ...plan.addressing import canonical_prefix
from .util import (
    IPV4,
    clean_lines,
    is_ipv4,
    mask_to_len,
    parse_uptime,
    sorted_prefixes,
    to_int,
)

IKE_STATE_MAP = {"READY": "established", "IN-NEG": "connecting", "NEGOTIATING": "connecting"}


def _error_text(lines: List[str]) -> Optional[str]:
    """The first IOS error message ('% Invalid input ...', '% Inbound soft reconfiguration ...')."""
    for line in lines:
        s = line.strip()
        if s.startswith("%"):
            return s
    return None


# --------------------------------------------------------------------------------------------
# show crypto ikev2 sa [detailed]
# --------------------------------------------------------------------------------------------
_IKEV2_ROW = re.compile(
    r"^\s*(?P<id>\d+)\s+(?P<local>" + IPV4 + r")/(?P<lport>\d+)\s+(?P<remote>" + IPV4
    + r")/(?P<rport>\d+)\s+(?P<fvrf>[^/\s]+)/(?P<ivrf>\S+)\s+(?P<status>[A-Z][A-Z-]*)\s*$"
)
_IKEV2_ATTR = re.compile(r"([A-Za-z][A-Za-z ]*?)\s*:\s*([^,]+)")


def parse_crypto_ikev2_sa(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show crypto ikev2 sa``: one dict per IPv4 IKEv2 SA row.

    Keys: tunnel_id, local, local_port, remote, remote_port, fvrf, ivrf, status (as printed),
    state (established|connecting|down), encryption, keysize, prf, hash, dh_group, auth_sign,
    auth_verify, lifetime_s, active_s, session_id, local_spi, remote_spi, nat_t.
    """
    sas = []  # type: List[Dict[str, Any]]
    cur = None  # type: Optional[Dict[str, Any]]
    section_v4 = True
    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        if s.startswith("IPv6 Crypto IKEv2 SA"):
            section_v4 = False
            cur = None
            continue
        if s.startswith("IPv4 Crypto IKEv2 SA"):
            section_v4 = True
            continue
        if not section_v4:
            continue
        m = _IKEV2_ROW.match(s)
        if m:
            lport, rport = int(m.group("lport")), int(m.group("rport"))
            status = m.group("status")
            cur = {
                "tunnel_id": int(m.group("id")),
                "local": m.group("local"),
                "local_port": lport,
                "remote": m.group("remote"),
                "remote_port": rport,
                "fvrf": m.group("fvrf"),
                "ivrf": m.group("ivrf"),
                "status": status,
                "state": IKE_STATE_MAP.get(status, "down"),
                "encryption": None, "keysize": None, "prf": None, "hash": None, "dh_group": None,
                "auth_sign": None, "auth_verify": None, "lifetime_s": None, "active_s": None,
                "session_id": None, "local_spi": None, "remote_spi": None,
                "nat_t": 4500 in (lport, rport),
            }
            sas.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^Life/Active Time:\s*(\d+)/(\d+)\s*sec", s)
        if m:
            cur["lifetime_s"], cur["active_s"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.match(r"^Local spi:\s*([0-9A-Fa-f]+)\s+Remote spi:\s*([0-9A-Fa-f]+)", s)
        if m:
            cur["local_spi"], cur["remote_spi"] = m.group(1), m.group(2)
            continue
        m = re.search(r"Session-id:\s*(\d+)", s)
        if m:
            cur["session_id"] = int(m.group(1))
            continue
        if s.startswith("Encr:"):
            for key, val in _IKEV2_ATTR.findall(s):
                key, val = key.strip().lower(), val.strip()
                if key == "encr":
                    cur["encryption"] = val
                elif key == "keysize":
                    cur["keysize"] = to_int(val)
                elif key == "prf":
                    cur["prf"] = val
                elif key == "hash":
                    cur["hash"] = val
                elif key == "dh grp":
                    cur["dh_group"] = to_int(val)
                elif key == "auth sign":
                    cur["auth_sign"] = val
                elif key == "auth verify":
                    cur["auth_verify"] = val
            continue
        if re.search(r"NAT-T is detected", s):
            cur["nat_t"] = True
    return sas


# --------------------------------------------------------------------------------------------
# show crypto ipsec sa [peer X] [detail]
# --------------------------------------------------------------------------------------------
_IDENT = re.compile(
    r"^(local|remote)\s+ident\s*\(addr/mask/prot/port\):\s*\((" + IPV4 + r")/(" + IPV4
    + r")/(\d+)/(\d+)\)"
)


def _new_flow(interface, crypto_map, local_addr):
    return {
        "interface": interface, "crypto_map": crypto_map, "local_addr": local_addr, "vrf": None,
        "local_ident": None, "remote_ident": None, "peer": None, "peer_port": None,
        "pkts_encaps": None, "pkts_decaps": None, "send_errors": None, "recv_errors": None,
        "local_endpoint": None, "remote_endpoint": None, "plaintext_mtu": None, "path_mtu": None,
        "ip_mtu": None, "ip_mtu_idb": None, "current_outbound_spi": None, "pfs": None,
        "dh_group": None, "inbound_esp": [], "outbound_esp": [], "inbound_ah": [], "outbound_ah": [],
    }


def parse_crypto_ipsec_sa(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show crypto ipsec sa [peer X] [detail]``: one dict per protected flow (ident pair).

    local_ident/remote_ident = {address, mask, prefixlen, prefix, protocol, port}; inbound_esp /
    outbound_esp = [{spi, transform, settings, mode, udp_encaps, status, active, conn_id}]; packet
    counters are None when the line is absent (e.g. a truncated capture).
    """
    flows = []  # type: List[Dict[str, Any]]
    interface = crypto_map = local_addr = None
    cur = None  # type: Optional[Dict[str, Any]]
    section = None
    sa = None  # type: Optional[Dict[str, Any]]

    def start():
        f = _new_flow(interface, crypto_map, local_addr)
        flows.append(f)
        return f

    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^interface:\s*(\S+)", s)
        if m:
            interface, crypto_map, local_addr, cur, section, sa = m.group(1), None, None, None, None, None
            continue
        m = re.match(r"^Crypto map tag:\s*([^,]+),\s*local addr\s*(\S+)", s)
        if m:
            crypto_map, local_addr = m.group(1).strip(), m.group(2)
            continue
        m = re.match(r"^protected vrf:\s*(.*)$", s)
        if m:
            cur, section, sa = start(), None, None
            vrf = m.group(1).strip()
            cur["vrf"] = None if vrf in ("(none)", "") else vrf
            continue
        m = _IDENT.match(s)
        if m:
            side = m.group(1)
            if cur is None or cur[side + "_ident"] is not None:
                cur, section, sa = start(), None, None
            plen = mask_to_len(m.group(3))
            cur[side + "_ident"] = {
                "address": m.group(2), "mask": m.group(3), "prefixlen": plen,
                "prefix": canonical_prefix("%s/%s" % (m.group(2), plen)) if plen is not None else None,
                "protocol": int(m.group(4)), "port": int(m.group(5)),
            }
            continue
        if cur is None:
            continue
        m = re.match(r"^current_peer\s+(\S+)(?:\s+port\s+(\d+))?", s)
        if m:
            cur["peer"], cur["peer_port"] = m.group(1), to_int(m.group(2))
            continue
        m = re.search(r"#pkts encaps:\s*(\d+)", s)
        if m:
            cur["pkts_encaps"] = int(m.group(1))
        m = re.search(r"#pkts decaps:\s*(\d+)", s)
        if m:
            cur["pkts_decaps"] = int(m.group(1))
        m = re.match(r"^#send errors\s*(\d+),\s*#recv errors\s*(\d+)", s)
        if m:
            cur["send_errors"], cur["recv_errors"] = int(m.group(1)), int(m.group(2))
            continue
        if s.startswith("#"):
            continue
        m = re.match(r"^local crypto endpt\.:\s*([^,\s]+),\s*remote crypto endpt\.:\s*(\S+)", s)
        if m:
            cur["local_endpoint"], cur["remote_endpoint"] = m.group(1), m.group(2)
            continue
        m = re.match(r"^plaintext mtu\s*(\d+),\s*path mtu\s*(\d+),\s*ip mtu\s*(\d+)(?:,\s*ip mtu idb\s*(\S+))?", s)
        if m:
            cur["plaintext_mtu"], cur["path_mtu"], cur["ip_mtu"] = (int(m.group(i)) for i in (1, 2, 3))
            cur["ip_mtu_idb"] = m.group(4)
            continue
        m = re.match(r"^current outbound spi:\s*(0x[0-9A-Fa-f]+)", s)
        if m:
            cur["current_outbound_spi"] = m.group(1)
            continue
        m = re.match(r"^PFS \(Y/N\):\s*([YN]),\s*DH group:\s*(\S+)", s)
        if m:
            cur["pfs"] = m.group(1) == "Y"
            cur["dh_group"] = None if m.group(2) == "none" else m.group(2)
            continue
        m = re.match(r"^(inbound|outbound)\s+(esp|ah|pcp)\s+sas:", s)
        if m:
            section = "%s_%s" % (m.group(1), m.group(2))
            sa = None
            continue
        m = re.match(r"^spi:\s*(0x[0-9A-Fa-f]+)", s)
        if m and section in ("inbound_esp", "outbound_esp", "inbound_ah", "outbound_ah"):
            sa = {"spi": m.group(1), "transform": None, "settings": None, "mode": None,
                  "udp_encaps": None, "status": None, "active": False, "conn_id": None,
                  "remaining_kb": None, "remaining_s": None}
            cur[section].append(sa)
            continue
        if sa is None:
            continue
        m = re.match(r"^transform:\s*(.*?)\s*,?\s*$", s)
        if m:
            sa["transform"] = m.group(1).strip()
            continue
        m = re.match(r"^in use settings\s*=\s*\{(.*)\}", s)
        if m:
            settings = [x.strip() for x in m.group(1).split(",") if x.strip()]
            sa["settings"] = " ".join(settings)
            words = " ".join(settings).lower().split()
            sa["mode"] = "tunnel" if "tunnel" in words else ("transport" if "transport" in words else None)
            sa["udp_encaps"] = "udp-encaps" in words
            continue
        m = re.match(r"^conn id:\s*(\d+)", s)
        if m:
            sa["conn_id"] = int(m.group(1))
            continue
        m = re.match(r"^sa timing: remaining key lifetime \(k/sec\):\s*\((\d+)/(\d+)\)", s)
        if m:
            sa["remaining_kb"], sa["remaining_s"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.match(r"^Status:\s*(\S+)", s)
        if m:
            sa["status"] = m.group(1)
            sa["active"] = m.group(1).upper().startswith("ACTIVE")
            continue
    return flows


# --------------------------------------------------------------------------------------------
# show crypto session [detail]
# --------------------------------------------------------------------------------------------
_PROTO_NAMES = {"ip": 0, "icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ahp": 51}


def _acl_addr(tokens: List[str]):
    """Consume one ACL address spec from tokens: 'host A', 'any', 'A/M', 'A M'."""
    if not tokens:
        return None
    t = tokens.pop(0)
    if t == "host" and tokens:
        return canonical_prefix(tokens.pop(0) + "/32")
    if t == "any":
        return "0.0.0.0/0"
    if "/" in t:
        addr, mask = t.split("/", 1)
        plen = mask_to_len(mask) if "." in mask else to_int(mask)
        return canonical_prefix("%s/%s" % (addr, plen)) if plen is not None else None
    if is_ipv4(t) and tokens and is_ipv4(tokens[0]):
        mask = tokens.pop(0)
        plen = mask_to_len(mask)
        if plen is None:  # wildcard mask
            plen = mask_to_len(".".join(str(255 - int(o)) for o in mask.split(".")))
        return canonical_prefix("%s/%s" % (t, plen)) if plen is not None else None
    return None


def parse_ipsec_flow_acl(spec: str) -> Dict[str, Any]:
    """'permit 47 host 2.2.2.2 host 1.1.1.1' -> {action, protocol: 47, local, remote}."""
    tokens = spec.split()
    out = {"action": None, "protocol": None, "local": None, "remote": None}
    if tokens and tokens[0] in ("permit", "deny"):
        out["action"] = tokens.pop(0)
    if tokens:
        p = tokens.pop(0)
        out["protocol"] = int(p) if p.isdigit() else _PROTO_NAMES.get(p.lower())
    out["local"] = _acl_addr(tokens)
    out["remote"] = _acl_addr(tokens)
    return out


def parse_crypto_session(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show crypto session [detail]``: one dict per session, correct with any number of sessions
    (genie nests sessions 2..n under the first; here each 'Interface:' or 'Peer:' line opens a new
    session).

    Keys: interface, profile, uptime, uptime_s, status, peer, peer_port, fvrf, ivrf, phase1_id,
    ike_sas [{version, local, local_port, remote, remote_port, status, session_id, connid,
    capabilities}], ipsec_flows [{acl, action, protocol, local, remote, active_sas, origin,
    pkts_decrypted, pkts_encrypted, drop_in, drop_out}].
    """
    sessions = []  # type: List[Dict[str, Any]]
    interface = None
    cur = None  # type: Optional[Dict[str, Any]]
    pending = {}  # type: Dict[str, Any]
    flow = None  # type: Optional[Dict[str, Any]]
    ike = None  # type: Optional[Dict[str, Any]]
    session_id = None

    def new_session():
        sess = {"interface": interface, "profile": None, "uptime": None, "uptime_s": None,
                "status": None, "peer": None, "peer_port": None, "fvrf": None, "ivrf": None,
                "phase1_id": None, "description": None, "ike_sas": [], "ipsec_flows": []}
        sess.update(pending)
        sessions.append(sess)
        return sess

    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^Interface:\s*(\S+)", s)
        if m:
            interface, cur, flow, ike, pending = m.group(1), None, None, None, {}
            continue
        if interface is None:
            continue
        m = re.match(r"^(Profile|Uptime|Session status):\s*(.*)$", s)
        if m:
            key = {"Profile": "profile", "Uptime": "uptime", "Session status": "status"}[m.group(1)]
            if cur and (cur["ike_sas"] or cur["ipsec_flows"] or cur.get(key) is not None):  # pylint: disable=unsubscriptable-object
                cur, flow, ike, pending = None, None, None, {}  # header of a following session
            target = pending if cur is None else cur
            target[key] = m.group(2).strip()
            if key == "uptime":
                target["uptime_s"] = parse_uptime(target[key])
            continue
        m = re.match(r"^Peer:\s*(\S+)(?:\s+port\s+(\d+))?(?:\s+fvrf:\s*(\S+))?(?:\s+ivrf:\s*(\S+))?", s)
        if m:
            if not cur or cur.get("peer") is not None:
                cur = new_session()
            pending, flow, ike, session_id = {}, None, None, None
            cur["peer"], cur["peer_port"] = m.group(1), to_int(m.group(2))
            cur["fvrf"] = None if m.group(3) in (None, "(none)") else m.group(3)
            cur["ivrf"] = None if m.group(4) in (None, "(none)") else m.group(4)
            continue
        if cur is None:
            continue
        m = re.match(r"^Phase1_id:\s*(.*)$", s)
        if m:
            v = m.group(1).strip()
            cur["phase1_id"] = None if v == "(none)" else v
            continue
        m = re.match(r"^Desc:\s*(.*)$", s)
        if m:
            v = m.group(1).strip()
            cur["description"] = None if v == "(none)" else v
            continue
        m = re.match(r"^Session ID:\s*(\d+)", s)
        if m:
            session_id = int(m.group(1))
            continue
        m = re.match(r"^IKE(v1|v2)? SA:\s*local\s+(\S+?)/(\d+)\s+remote\s+(\S+?)/(\d+)\s+(\S+)", s)
        if m:
            ike = {"version": int(m.group(1)[1]) if m.group(1) else None,
                   "local": m.group(2), "local_port": int(m.group(3)),
                   "remote": m.group(4), "remote_port": int(m.group(5)),
                   "status": m.group(6), "session_id": session_id,
                   "connid": None, "capabilities": None, "lifetime": None}
            cur["ike_sas"].append(ike)
            flow = None
            continue
        m = re.match(r"^Capabilities:\s*(\S+)\s+connid:\s*(\d+)\s+lifetime:\s*(\S+)", s)
        if m and ike is not None:
            ike["capabilities"] = None if m.group(1) == "(none)" else m.group(1)
            ike["connid"] = int(m.group(2))
            ike["lifetime"] = m.group(3)
            continue
        m = re.match(r"^IPSEC FLOW:\s*(.*)$", s)
        if m:
            acl = m.group(1).strip()
            flow = {"acl": acl, "active_sas": None, "origin": None, "pkts_decrypted": None,
                    "pkts_encrypted": None, "drop_in": None, "drop_out": None}
            flow.update(parse_ipsec_flow_acl(acl))
            cur["ipsec_flows"].append(flow)
            continue
        if flow is None:
            continue
        m = re.match(r"^Active SAs:\s*(\d+)(?:,\s*origin:\s*(.*))?$", s)
        if m:
            flow["active_sas"] = int(m.group(1))
            flow["origin"] = m.group(2).strip() if m.group(2) else None
            continue
        m = re.match(r"^Inbound:\s*#pkts dec'ed\s*(\d+)\s+drop\s+(\d+)", s)
        if m:
            flow["pkts_decrypted"], flow["drop_in"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.match(r"^Outbound:\s*#pkts enc'ed\s*(\d+)\s+drop\s+(\d+)", s)
        if m:
            flow["pkts_encrypted"], flow["drop_out"] = int(m.group(1)), int(m.group(2))
            continue
    return sessions


# --------------------------------------------------------------------------------------------
# show interfaces X / show ip interface X
# --------------------------------------------------------------------------------------------
_IF_HEADER = re.compile(
    r"^(?P<name>\S+) is (?P<admin>up|down|administratively down|deleted|reset),\s*line protocol is\s+"
    r"(?P<line>up|down)(?:\s*\((?P<reason>[^)]*)\))?"
)


def _split_interface_blocks(text: Optional[str]):
    blocks = []
    cur = None
    for line in clean_lines(text):
        s = line.strip()
        m = _IF_HEADER.match(s)
        if m:
            cur = (m, [])
            blocks.append(cur)
            continue
        if cur is not None and s:
            cur[1].append(s)
    return blocks


def parse_show_interfaces(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show interfaces [X]``: one dict per interface. Indentation is not required.

    Keys: name, admin_up, oper_up, admin_status, line_protocol, line_reason, description, address
    (CIDR with host bits, 'a.b.c.d/len'), mtu (interface MTU), keepalive ({enabled, interval_s,
    retries}; enabled false for 'Keepalive not set'; None when the line is absent), linestate,
    linestate_reason, tunnel_source, tunnel_source_interface, tunnel_destination,
    tunnel_protocol, tunnel_ttl, tunnel_transport_mtu, path_mtu_discovery, tunnel_protection.
    """
    out = []
    for m, lines in _split_interface_blocks(text):
        itf = {
            "name": m.group("name"), "admin_status": m.group("admin"),
            "admin_up": m.group("admin") not in ("administratively down", "deleted"),
            "line_protocol": m.group("line"), "oper_up": m.group("line") == "up",
            "line_reason": m.group("reason"), "description": None, "address": None, "mtu": None,
            "keepalive": None, "linestate": None, "linestate_reason": None, "tunnel_source": None,
            "tunnel_source_interface": None, "tunnel_destination": None, "tunnel_protocol": None,
            "tunnel_ttl": None, "tunnel_transport_mtu": None, "path_mtu_discovery": None,
            "tunnel_protection": None,
        }
        tunnel = False
        for s in lines:
            mm = re.match(r"^Description:\s*(.*)$", s)
            if mm:
                itf["description"] = mm.group(1).strip().strip('"')
                continue
            mm = re.match(r"^Internet address is\s+(" + IPV4 + r")/(\d+)", s)
            if mm:
                itf["address"] = "%s/%s" % (mm.group(1), mm.group(2))
                continue
            mm = re.match(r"^MTU\s+(\d+)\s+bytes", s)
            if mm:
                itf["mtu"] = int(mm.group(1))
                continue
            mm = re.match(r"^Keepalive set\s*\((\d+)\s*sec\)(?:,\s*retries\s*(\d+))?", s)
            if mm:
                itf["keepalive"] = {"enabled": True, "interval_s": int(mm.group(1)),
                                    "retries": to_int(mm.group(2))}
                continue
            if re.match(r"^Keepalive not set", s):
                itf["keepalive"] = {"enabled": False, "interval_s": None, "retries": None}
                continue
            mm = re.match(r"^Tunnel linestate evaluation\s+(up|down)(?:\s*-\s*(.*))?$", s)
            if mm:
                tunnel = True
                itf["linestate"] = mm.group(1)
                itf["linestate_reason"] = mm.group(2).strip() if mm.group(2) else None
                continue
            mm = re.match(r"^Tunnel source\s+(\S+?)(?:\s*\(([^)]*)\))?,\s*destination\s+(\S+)", s)
            if mm:
                tunnel = True
                src = mm.group(1)
                itf["tunnel_source"] = src if is_ipv4(src) else None
                itf["tunnel_source_interface"] = mm.group(2) or (None if is_ipv4(src) else src)
                dst = mm.group(3).rstrip(",")
                itf["tunnel_destination"] = dst if is_ipv4(dst) else None
                continue
            mm = re.match(r"^Tunnel source\s+(\S+?)(?:\s*\(([^)]*)\))?\s*$", s)
            if mm:
                tunnel = True
                src = mm.group(1)
                itf["tunnel_source"] = src if is_ipv4(src) else None
                itf["tunnel_source_interface"] = mm.group(2) or (None if is_ipv4(src) else src)
                continue
            mm = re.match(r"^Tunnel protocol/transport\s+(\S+)", s)
            if mm:
                tunnel = True
                itf["tunnel_protocol"] = mm.group(1).rstrip(",")
                continue
            mm = re.match(r"^Tunnel TTL\s+(\d+)", s)
            if mm:
                itf["tunnel_ttl"] = int(mm.group(1))
                continue
            mm = re.match(r"^Tunnel transport MTU\s+(\d+)\s+bytes", s)
            if mm:
                itf["tunnel_transport_mtu"] = int(mm.group(1))
                continue
            if re.match(r"^Path MTU Discovery", s):
                itf["path_mtu_discovery"] = True
                continue
            mm = re.match(r'^Tunnel protection via IPSec \(profile "?([^")]+)"?\)', s)
            if mm:
                itf["tunnel_protection"] = mm.group(1)
                continue
        if tunnel and itf["path_mtu_discovery"] is None and itf["tunnel_transport_mtu"] is not None:
            # IOS prints the 'Path MTU Discovery, ager ...' line only when it is enabled, just
            # before 'Tunnel transport MTU'; a complete tunnel block without it means disabled.
            itf["path_mtu_discovery"] = False
        out.append(itf)
    return out


def parse_show_ip_interface(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show ip interface [X]``: name, admin_up, oper_up, address, ip_mtu ('MTU is N bytes'),
    tcp_adjust_mss (True when 'TCP Adjust MSS' is listed in the features; the value is not shown)."""
    out = []
    for m, lines in _split_interface_blocks(text):
        itf = {"name": m.group("name"),
               "admin_up": m.group("admin") not in ("administratively down", "deleted"),
               "oper_up": m.group("line") == "up", "address": None, "ip_mtu": None,
               "tcp_adjust_mss": None}
        for s in lines:
            mm = re.match(r"^Internet address is\s+(" + IPV4 + r")/(\d+)", s)
            if mm and itf["address"] is None:
                itf["address"] = "%s/%s" % (mm.group(1), mm.group(2))
                continue
            mm = re.match(r"^MTU is\s+(\d+)\s+bytes", s)
            if mm:
                itf["ip_mtu"] = int(mm.group(1))
                continue
            if re.match(r"^(?:Input|Output) features:.*TCP Adjust MSS", s):
                itf["tcp_adjust_mss"] = True
        out.append(itf)
    return out


_BRIEF_ROW = re.compile(
    r"^(?P<name>\S+)\s+(?P<ip>\S+)\s+(?P<ok>YES|NO|\?)\s+(?P<method>\S+)\s+"
    r"(?P<status>administratively down|up|down|deleted|reset)\s+(?P<protocol>up|down)\s*$"
)


def parse_ip_interface_brief(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show ip interface brief``: name, ip (None when unassigned), ok, method, status, protocol,
    admin_up, oper_up."""
    out = []
    for line in clean_lines(text):
        m = _BRIEF_ROW.match(line.strip())
        if not m:
            continue
        ip = m.group("ip")
        out.append({
            "name": m.group("name"), "ip": ip if is_ipv4(ip) else None, "ok": m.group("ok"),
            "method": m.group("method"), "status": m.group("status"),
            "protocol": m.group("protocol"),
            "admin_up": m.group("status") not in ("administratively down", "deleted"),
            "oper_up": m.group("protocol") == "up",
        })
    return out


# --------------------------------------------------------------------------------------------
# show ip bgp summary / show bgp ipv4 unicast summary / show bgp all summary
# --------------------------------------------------------------------------------------------
_BGP_ROW = re.compile(
    r"^(?P<neighbor>\S+)?\s*(?P<v>\d)\s+(?P<as>\d+(?:\.\d+)?)\s+(?P<rcvd>\d+)\s+(?P<sent>\d+)\s+"
    r"(?P<tblver>\d+)\s+(?P<inq>\d+)\s+(?P<outq>\d+)\s+(?P<updown>\S+)\s+(?P<state>.+?)\s*$"
)


def _asn(text):
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    if re.match(r"^\d+\.\d+$", text):  # asdot
        hi, lo = text.split(".")
        return int(hi) * 65536 + int(lo)
    return None


def parse_bgp_summary(text: Optional[str]) -> Dict[str, Any]:
    """BGP summary, any of the three IOS forms. Returns
    {router_id, local_as, address_families: {af: {router_id, local_as, neighbors}}, neighbors}
    where ``neighbors`` is the IPv4 Unicast list (the plain ``show ip bgp summary`` form is IPv4
    Unicast). Neighbour: {neighbor, version, remote_as, msg_rcvd, msg_sent, table_version, inq,
    outq, up_down, uptime_s, state, state_detail, prefixes_received}. A numeric State/PfxRcd means
    Established; uptime_s is only set for Established sessions (otherwise Up/Down is the time the
    session has been down)."""
    afs = {}  # type: Dict[str, Dict[str, Any]]
    af = "IPv4 Unicast"
    in_table = False
    pending_neighbor = None
    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^For address family:\s*(.+?)\s*$", s)
        if m:
            af, in_table, pending_neighbor = m.group(1), False, None
            continue
        entry = afs.setdefault(af, {"router_id": None, "local_as": None, "neighbors": []})
        m = re.match(r"^BGP router identifier\s+(" + IPV4 + r"),\s*local AS number\s+(\S+)", s)
        if m:
            entry["router_id"], entry["local_as"] = m.group(1), _asn(m.group(2))
            continue
        if re.match(r"^Neighbor\s+V\s+AS\s+MsgRcvd", s):
            in_table = True
            continue
        if not in_table:
            continue
        m = _BGP_ROW.match(s)
        if m and (m.group("neighbor") or pending_neighbor):
            neighbor = m.group("neighbor") or pending_neighbor
            pending_neighbor = None
            state_text = m.group("state")
            updown = m.group("updown")
            if state_text.isdigit():
                state, detail, pfx = "Established", None, int(state_text)
            else:
                mm = re.match(r"^(\S+)(?:\s*\((.*)\))?", state_text)
                state, detail, pfx = mm.group(1), mm.group(2), 0
            entry["neighbors"].append({
                "neighbor": neighbor, "version": int(m.group("v")), "remote_as": _asn(m.group("as")),
                "msg_rcvd": int(m.group("rcvd")), "msg_sent": int(m.group("sent")),
                "table_version": int(m.group("tblver")), "inq": int(m.group("inq")),
                "outq": int(m.group("outq")), "up_down": updown,
                "uptime_s": parse_uptime(updown) if state == "Established" else None,
                "state": state, "state_detail": detail, "prefixes_received": pfx,
            })
            continue
        if re.match(r"^\S+$", s) and (is_ipv4(s) or ":" in s):
            pending_neighbor = s  # long address wrapped onto its own line
    for name in list(afs):
        if not afs[name]["neighbors"] and afs[name]["router_id"] is None:
            del afs[name]
    v4 = afs.get("IPv4 Unicast") or {"router_id": None, "local_as": None, "neighbors": []}
    first = next(iter(afs.values()), v4)
    return {
        "router_id": v4["router_id"] or first["router_id"],
        "local_as": v4["local_as"] if v4["local_as"] is not None else first["local_as"],
        "address_families": afs,
        "neighbors": [n for n in v4["neighbors"] if is_ipv4(n["neighbor"])],
    }


def parse_bgp_neighbor_detail(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show ip bgp neighbors [X]`` (detail): neighbor, vrf, remote_as, local_as (only when the
    neighbour has a 'local-as' override; IOS prints it on the first line), local_as_flags,
    link, state, uptime_s, hold_time_s, keepalive_s, configured_hold_s, configured_keepalive_s,
    local_host, foreign_host.

    hold_time_s / keepalive_s are the session's values ("Last read ..., hold time is 30, keepalive interval
    is 10 seconds": negotiated in the OPEN when the session came up); configured_hold_s /
    configured_keepalive_s come from the "Configured hold time is 9, keepalive interval is 3 seconds" line
    that IOS prints only when ``neighbor X timers`` is set (None without it). The two differ after a
    ``neighbor X timers`` change until the session is re-established."""
    out = []
    cur = None
    for line in clean_lines(text):
        s = line.strip()
        m = re.match(r"^BGP neighbor is\s+(\S+?),\s*(?:vrf\s+(\S+?),\s*)?remote AS\s+(\S+?),(.*)$", s)
        if m:
            rest = m.group(4)
            lm = re.search(r"local AS\s+(\S+?)(?:,|\s|$)", rest)
            flags = [f.strip() for f in rest.split(",")
                     if f.strip() in ("no-prepend", "replace-as", "dual-as")]
            link = re.search(r"(external|internal) link", rest)
            cur = {"neighbor": m.group(1), "vrf": m.group(2), "remote_as": _asn(m.group(3)),
                   "local_as": _asn(lm.group(1)) if lm else None, "local_as_flags": flags,
                   "link": link.group(1) if link else None, "state": None, "uptime_s": None,
                   "hold_time_s": None, "keepalive_s": None, "configured_hold_s": None,
                   "configured_keepalive_s": None, "local_host": None, "foreign_host": None}
            out.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^BGP state\s*=\s*(\w+)(?:,\s*up for\s+(\S+))?", s)
        if m:
            cur["state"] = m.group(1)
            cur["uptime_s"] = parse_uptime(m.group(2)) if m.group(2) else None
            continue
        m = re.match(r"^Configured hold time is\s+(\d+),\s*keepalive interval is\s+(\d+)", s, re.I)
        if m:
            cur["configured_hold_s"], cur["configured_keepalive_s"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.search(r"(?:^|,\s*)hold time is\s+(\d+),\s*keepalive interval is\s+(\d+)", s, re.I)
        if m:
            cur["hold_time_s"], cur["keepalive_s"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.match(r"^Local host:\s*(\S+?),", s)
        if m:
            cur["local_host"] = m.group(1)
            continue
        m = re.match(r"^Foreign host:\s*(\S+?),", s)
        if m:
            cur["foreign_host"] = m.group(1)
    return out


# --------------------------------------------------------------------------------------------
# show ip bgp neighbors X received-routes | advertised-routes | routes  (and show ip bgp)
# --------------------------------------------------------------------------------------------
_STATUS_CHARS = set("sdh*>irSmbfxactLVIN=e ")
_ROW_START = re.compile(r"^(?P<status>[^\d]*?)\s*(?P<first>" + IPV4 + r"(?:/\d{1,2})?)(?P<rest>.*)$")


def _table_columns(header: str) -> Optional[Dict[str, int]]:
    cols = {}
    for name in ("Network", "Next Hop", "Metric", "LocPrf", "Weight", "Path"):
        idx = header.find(name)
        if idx < 0:
            return None
        cols[name] = idx
    cols["metric_end"] = cols["Metric"] + len("Metric")
    cols["locprf_end"] = cols["LocPrf"] + len("LocPrf")
    cols["weight_end"] = cols["Weight"] + len("Weight")
    return cols


def _split_attrs(line: str, start: int, cols: Optional[Dict[str, int]]):
    """Metric / LocPrf / Weight / Path / origin from the part of a row after the next hop."""
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", line[start:])]
    tokens = [(t, s + start, e + start) for t, s, e in tokens]
    res = {"metric": None, "local_pref": None, "weight": None, "as_path": None, "origin": None}
    if tokens and tokens[-1][0] in ("i", "e", "?"):
        res["origin"] = tokens[-1][0]
        tokens = tokens[:-1]
    if cols is None:
        return res
    path = []
    for tok, s, e in tokens:
        if s >= cols["Path"] or not tok.isdigit():
            path.append(tok)
        elif e <= cols["metric_end"] + 1:
            res["metric"] = int(tok)
        elif e <= cols["locprf_end"] + 1:
            res["local_pref"] = int(tok)
        elif e <= cols["weight_end"] + 1:
            res["weight"] = int(tok)
        else:
            path.append(tok)
    if res["weight"] is None:
        return {"metric": None, "local_pref": None, "weight": None, "as_path": None,
                "origin": res["origin"]}  # columns not aligned (indentation lost): do not guess
    res["as_path"] = " ".join(path)
    return res


def parse_bgp_table(text: Optional[str]) -> Dict[str, Any]:
    """A BGP table listing: ``show ip bgp neighbors X received-routes|advertised-routes|routes``
    (also ``show ip bgp``).

    Returns {routes, prefixes (sorted canonical, unique), default_originate (the 'Originating
    default network 0.0.0.0' line), total_prefixes ('Total number of prefixes N', None when
    absent), router_id, error ('% ...' message, e.g. soft-reconfiguration not enabled)}.
    Route: {prefix (canonical: classful forms get their classful length), network (as printed),
    next_hop, status, valid, best, internal, metric, local_pref, weight, as_path, origin}.
    Rows wrapped after a long network and multipath rows without a network are handled; a row
    that prints the network without a length gets the classful length (10.0.0.0 -> /8).
    """
    lines = clean_lines(text)
    res = {"routes": [], "prefixes": [], "default_originate": False, "total_prefixes": None,
           "router_id": None, "error": _error_text(lines)}  # type: Dict[str, Any]
    cols = None
    last_network = None
    wrapped = None  # network of a row whose next hop is on the next line
    wrapped_status = ""
    for line in lines:
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^BGP table version is\s+\d+,\s*local router ID is\s+(" + IPV4 + r")", s)
        if m:
            res["router_id"] = m.group(1)
            continue
        if re.match(r"^Originating default network 0\.0\.0\.0(?:/0)?\b", s):
            res["default_originate"] = True
            continue
        m = re.match(r"^Total number of prefixes\s+(\d+)", s)
        if m:
            res["total_prefixes"] = int(m.group(1))
            continue
        if "Network" in line and "Next Hop" in line:
            cols = _table_columns(line)
            continue
        if s.startswith(("Status codes", "Origin codes", "RPKI validation", "Route Distinguisher",
                         "%", "BGP table version")):
            continue
        m = _ROW_START.match(line)
        if not m:
            continue
        status = m.group("status").strip()
        if not set(status) <= _STATUS_CHARS:
            continue  # legend / prose line
        first, rest = m.group("first"), m.group("rest")
        rest_tokens = rest.split()
        if wrapped is not None and "/" not in first and not status:
            # continuation line of a wrapped row: '<next hop> <metric...> <path> <origin>'
            network, wrapped = wrapped, None
            res["routes"].append(_bgp_row(wrapped_status, network, first, line, m.end("first"), cols))
            last_network = network
            continue
        wrapped = None
        if not rest_tokens:
            wrapped, wrapped_status = first, status  # long network, next hop on the next line
            continue
        if is_ipv4(rest_tokens[0]):
            network, next_hop = first, rest_tokens[0]
            nh_end = m.end("first") + rest.index(next_hop) + len(next_hop)
        elif "/" not in first and last_network is not None:
            network, next_hop, nh_end = last_network, first, m.end("first")  # multipath row
        else:
            continue
        res["routes"].append(_bgp_row(status, network, next_hop, line, nh_end, cols))
        last_network = network
    res["prefixes"] = sorted_prefixes([r["prefix"] for r in res["routes"]])
    return res


def _bgp_row(status, network, next_hop, line, attrs_start, cols):
    row = {"prefix": canonical_prefix(network), "network": network, "next_hop": next_hop,
           "status": status, "valid": "*" in status, "best": ">" in status,
           "internal": "i" in status.replace(" ", "")[1:] or status.endswith("i"),
           "rib_failure": "r" in status}
    row.update(_split_attrs(line, attrs_start, cols))
    return row


# --------------------------------------------------------------------------------------------
# show ip route [...]
# --------------------------------------------------------------------------------------------
PROTOCOL_CODES = {
    "L": "local", "C": "connected", "S": "static", "R": "rip", "M": "mobile", "B": "bgp",
    "D": "eigrp", "O": "ospf", "i": "isis", "o": "odr", "P": "periodic", "H": "nhrp",
    "G": "nhrp", "g": "nhrp", "l": "lisp", "a": "application", "m": "omp", "n": "nat",
    "U": "static", "E": "egp", "+": "replicated", "%": "override", "p": "pfr", "&": "replicated",
}
_ROUTE_ENTRY = re.compile(
    r"^(?P<code>[A-Za-z+%&*][A-Za-z0-9*+%&]{0,3}(?:\s{1,3}[A-Za-z0-9*]{1,3})?)\s+(?P<prefix>" + IPV4
    + r"(?:/\d{1,2})?)(?P<rest>.*)$"
)
_SUBNETTED = re.compile(
    r"^(?P<net>" + IPV4 + r")/(?P<len>\d+)\s+is\s+(?P<var>variably\s+)?subnetted"
)


def _parse_route_rest(rest: str) -> Dict[str, Any]:
    """'[20/0] via 100.64.0.2, 00:01:02, Tunnel101' / 'is directly connected, Gi1' / ..."""
    out = {"distance": None, "metric": None, "next_hop": None, "interface": None, "age": None,
           "connected": False}
    rest = rest.strip()
    m = re.search(r"\[(\d+)/(\d+)\]", rest)
    if m:
        out["distance"], out["metric"] = int(m.group(1)), int(m.group(2))
        rest = (rest[:m.start()] + rest[m.end():]).strip()
    m = re.search(r"\bvia\s+(\S+?)(?:\s+\([^)]*\))?(?:,|$|\s)", rest + " ")
    if m:
        out["next_hop"] = m.group(1)
        rest = rest[m.end():]
    if "directly connected" in rest:
        out["connected"] = True
        rest = rest.split("directly connected", 1)[1]
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    for p in parts:
        if p.startswith("is a summary"):
            continue
        if parse_uptime(p) is not None or re.match(r"^\d+[ywdhm]\d+[ywdhm]$", p):
            out["age"] = p
        elif re.match(r"^[A-Za-z][\w./:-]*$", p):
            out["interface"] = p
    return out


def parse_ip_route(text: Optional[str]) -> Dict[str, Any]:
    """``show ip route [prefix mask [longer-prefixes]] [vrf X]``: {vrf, gateway_of_last_resort,
    routes: [{prefix, code, protocol, candidate_default, distance, metric, paths: [{next_hop,
    interface, age}]}]}. A prefix printed without a length takes it from the enclosing
    'X/len is subnetted' header, else the classful length."""
    res = {"vrf": None, "gateway_of_last_resort": None, "routes": []}  # type: Dict[str, Any]
    subnet_hdr = None  # (classful network, len) for the non-variable 'is subnetted' block
    cur = None  # type: Optional[Dict[str, Any]]
    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^Routing Table:\s*(\S+)", s)
        if m:
            res["vrf"] = m.group(1)
            continue
        m = re.match(r"^Gateway of last resort is\s+(\S+)", s)
        if m:
            res["gateway_of_last_resort"] = None if m.group(1) == "not" else m.group(1)
            continue
        if s.startswith("Codes:") or (" - " in s and not re.search(IPV4, s)):
            continue
        m = _SUBNETTED.match(s)
        if m:
            cur = None
            net = m.group("net")
            classful = canonical_prefix(net)
            subnet_hdr = None if m.group("var") else (classful, int(m.group("len")))
            continue
        if s.startswith("[") or (s.startswith("via ") and cur is not None):
            if cur is not None:
                p = _parse_route_rest(s)
                _add_path(cur, p)
            continue
        m = _ROUTE_ENTRY.match(s)
        if not m:
            continue
        code = re.sub(r"\s+", " ", m.group("code")).strip()
        printed = m.group("prefix")
        plen = None
        if "/" not in printed and subnet_hdr is not None:
            if ipaddress.IPv4Address(printed) in ipaddress.IPv4Network(subnet_hdr[0]):
                plen = subnet_hdr[1]
        prefix = canonical_prefix(printed, plen)
        first = code[0]
        cur = {"prefix": prefix, "printed": printed, "code": code,
               "protocol": PROTOCOL_CODES.get(first, first.lower()),
               "candidate_default": "*" in code, "distance": None, "metric": None, "paths": []}
        res["routes"].append(cur)
        rest = m.group("rest")
        if rest.strip():
            _add_path(cur, _parse_route_rest(rest))
    return res


def _add_path(route, p):
    if route["distance"] is None:
        route["distance"], route["metric"] = p["distance"], p["metric"]
    if p["next_hop"] is None and p["interface"] is None and not p["connected"]:
        return
    route["paths"].append({"next_hop": p["next_hop"], "interface": p["interface"], "age": p["age"]})


# --------------------------------------------------------------------------------------------
# ping X source TunnelN repeat 3
# --------------------------------------------------------------------------------------------
def parse_ping(text: Optional[str]) -> Dict[str, Any]:
    """'Success rate is 100 percent (3/3), round-trip min/avg/max = 1/1/2 ms' ->
    {success_pct, received, sent, ok}. ok = at least one reply; None when no result line."""
    for line in clean_lines(text):
        m = re.search(r"Success rate is\s+(\d+)\s+percent\s+\((\d+)/(\d+)\)", line)
        if m:
            received, sent = int(m.group(2)), int(m.group(3))
            return {"success_pct": int(m.group(1)), "received": received, "sent": sent,
                    "ok": received > 0}
    return {"success_pct": None, "received": None, "sent": None, "ok": None}


# --------------------------------------------------------------------------------------------
# show crypto map
# --------------------------------------------------------------------------------------------
def parse_crypto_map(text: Optional[str]) -> List[Dict[str, Any]]:
    """``show crypto map``: one dict per map entry: name, seq, type, peers, ikev2_profile (None
    when absent: the entry then negotiates IKEv1), acl, current_peer, lifetime_kb, lifetime_s,
    pfs, transform_sets, interfaces."""
    entries = []  # type: List[Dict[str, Any]]
    cur = None  # type: Optional[Dict[str, Any]]
    mode = None
    for line in clean_lines(text):
        s = line.strip()
        if not s:
            continue
        m = re.match(r'^Crypto Map (?:IPv4 )?"([^"]+)"\s+(\d+)\s+(\S+)', s)
        if m:
            cur = {"name": m.group(1), "seq": int(m.group(2)), "type": m.group(3), "peers": [],
                   "ikev2_profile": None, "acl": None, "current_peer": None, "lifetime_kb": None,
                   "lifetime_s": None, "pfs": None, "transform_sets": [], "interfaces": []}
            entries.append(cur)
            mode = None
            continue
        if cur is None:
            continue
        m = re.match(r"^Peer\s*=\s*(\S+)", s)
        if m:
            cur["peers"].append(m.group(1))
            continue
        m = re.match(r"^IKEv2 Profile:\s*(\S+)", s)
        if m:
            cur["ikev2_profile"] = m.group(1)
            continue
        m = re.match(r"^Extended IP access list\s+(\S+)", s)
        if m:
            cur["acl"] = m.group(1)
            continue
        m = re.match(r"^Current peer:\s*(\S+)", s)
        if m:
            cur["current_peer"] = m.group(1)
            continue
        m = re.match(r"^Security association lifetime:\s*(\d+) kilobytes/(\d+) seconds", s)
        if m:
            cur["lifetime_kb"], cur["lifetime_s"] = int(m.group(1)), int(m.group(2))
            continue
        m = re.match(r"^PFS \(Y/N\):\s*([YN])", s)
        if m:
            cur["pfs"] = m.group(1) == "Y"
            continue
        if s.startswith("Transform sets="):
            mode = "ts"
            continue
        m = re.match(r"^Interfaces using crypto map", s)
        if m:
            mode = "if"
            continue
        if mode == "ts":
            m = re.match(r"^([^:\s]+):\s*\{", s)
            if m:
                cur["transform_sets"].append(m.group(1))
            elif s.startswith("}"):
                mode = None
            continue
        if mode == "if" and re.match(r"^\S+$", s):
            cur["interfaces"].append(s)
    return entries
