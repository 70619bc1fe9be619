# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Optional diagnose evidence of an IOS-XE CPE (docs/contract.md section 3: ``config``, ``probes``,
``log_events``), from the outputs of the optional evidence commands of commands.py.

* ``config``: the VC objects as the router has them, per plan tunnel key, from running-config text
  (the filtered ``show running-config | section ...`` / ``| include ...`` outputs, or a whole
  ``show running-config``). The text is read with the collection's running-config parser
  (parser.py ``parse_tree``) and the normalised forms of forms.py. The objects
  are found the way IOS-XE links them, from the plan's addresses, never from VC names only: the
  crypto map entry whose ``set peer`` is the DI IPsec IP, its ACL, transform sets, PFS, lifetime and
  IKEv2 profile; the IKEv2 policies of the CPE's IPsec IP and their proposals; the tunnel interface
  (``Tunnel<n>`` or the one going to the DI GRE IP) and the VRF of its source interface; the BGP
  neighbour (the DI tunnel IP, else one in the tunnel subnet).
* ``probes``: every ping output (``ping <DI IPsec IP> source <CPE IPsec IP>`` and the tunnel pings).
* ``log_events``: ``show logging`` lines normalised to the contract's event names, each with its ``age_s``
  on the device's own clock when the line carries a date stamp and ``show clock`` was read (else no age).

Secrets never enter the evidence: a secret line (PSK, BGP password, any ``key``/``password`` form)
only sets a ``psk_set`` / ``password_set`` presence flag, and log lines that mention a secret
keyword are dropped. Unknown values are None; a section that cannot be found is left out.

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import calendar
import ipaddress
import re
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import forms
from .parser import parse_tree

from ...plan.views import cpe_tunnels
from .show_parsers import parse_ping
from .util import IPV4, clean_lines, is_ipv4, mask_to_len

# ---------------------------------------------------------------------------------------------
# Running configuration -> config facts
# ---------------------------------------------------------------------------------------------
_ESP_ENC = {"esp-gcm": "aes-gcm", "esp-aes": "aes-cbc", "esp-gmac": "aes-gmac"}
_ESP_ENC_FIXED = {"esp-3des": "3des", "esp-des": "des", "esp-null": "null", "esp-seal": "seal"}
_ESP_INTEG = {"esp-sha-hmac": "sha1", "esp-sha256-hmac": "sha256", "esp-sha384-hmac": "sha384",
              "esp-sha512-hmac": "sha512", "esp-md5-hmac": "md5"}
IOS_DEFAULT_PFS_GROUP = 1          # 'set pfs' without a group
_SECRET_WORDS = re.compile(r"(pre-shared-key|password|secret|\bkey\b|key-string|authentication-key|community)", re.I)


# A running configuration whose indentation was lost (copied from a ticket or a web page): the blocks
# this module reads start at these headers and end at the next header or known top-level line.
_BLOCK_HEADERS = re.compile(r"^(interface \S+$|router \S+|crypto (map \S+ \d+ |dynamic-map |ikev2 (proposal|policy|profile|"
                            r"keyring) |ipsec transform-set |ipsec profile )|ip access-list |vrf definition |ip vrf \S+$|"
                            r"route-map |key chain |class-map |policy-map |line |control-plane)")
_TOP_LINES = re.compile(r"^(ip (route|prefix-list|forward-protocol|http|ssh|domain|name-server|sla|community-list|as-path|"
                        r"scp|ftp|tftp|dhcp pool|nat (inside|outside) source)\b|access-list |hostname |version |service |"
                        r"username |enable |snmp-server |ntp |banner |boot|license |aaa |crypto (pki|isakmp|key)"
                        r"|archive|redundancy|spanning-tree|vlan |platform |memory |end$)")
_SUB_HEADERS = {"router": re.compile(r"^address-family "), "crypto ikev2 keyring": re.compile(r"^peer \S+$")}


def _reindent(text: str) -> str:
    """Give a flattened running configuration back its block structure (two levels: router bgp
    address families, keyring peers); a text with any indentation is returned unchanged."""
    lines = [x.rstrip() for x in (text or "").replace("\r", "").split("\n")]
    if any(x[:1] in (" ", "\t") for x in lines if x.strip()):
        return text
    out = []
    block = None   # the kind of block the following lines belong to
    sub = False
    for line in lines:
        if _BLOCK_HEADERS.match(line):
            block = next((k for k in _SUB_HEADERS if line.startswith(k)), "block")
            sub = False
            out.append(line)
        elif block is not None and line.strip() in ("!", "exit-address-family", "exit-peer-policy", "exit-peer-session"):
            sub = False    # '!' separates the parts of a block (neighbours / address families, keyring peers)
        elif block is None or _TOP_LINES.match(line) or not line.strip():
            block = None
            out.append(line)
        elif block in _SUB_HEADERS and _SUB_HEADERS[block].match(line):
            sub = True
            out.append(" " + line)
        else:
            out.append(("  " if sub else " ") + line)
    return "\n".join(out)


class _Config(object):
    """Index of a (possibly filtered, possibly split over several outputs) running configuration:
    top-level header -> child lines (union over every output it appears in, in order)."""

    def __init__(self, texts: Iterable[str]):
        self.blocks = {}  # type: Dict[str, List[Any]]
        self.order = []  # type: List[str]
        for text in texts:
            for node in parse_tree(_reindent(text or "")):
                if node.text not in self.blocks:
                    self.blocks[node.text] = []
                    self.order.append(node.text)
                have = set(c.text for c in self.blocks[node.text])
                for child in node.children:
                    if child.text not in have:
                        self.blocks[node.text].append(child)
                        have.add(child.text)

    def lines(self, header: str) -> Optional[List[str]]:
        if header not in self.blocks:
            return None
        return [c.text for c in self.blocks[header]]

    def children(self, header: str) -> List[Any]:
        return self.blocks.get(header) or []

    def headers(self, regex) -> List[Tuple[str, Any]]:
        out = []
        for header in self.order:
            m = regex.match(header)
            if m:
                out.append((header, m))
        return out

    def has(self, regex) -> bool:
        return any(regex.match(h) for h in self.order)


_TS_HEADER = re.compile(r"^crypto ipsec transform-set (\S+) (.+)$")
_POLICY_HEADER = re.compile(r"^crypto ikev2 policy (\S+)$")
_DYN_MAP_HEADER = re.compile(r"^crypto dynamic-map (\S+) (\d+)$")
_GLOBAL_IPSEC_LIFETIME = re.compile(r"^crypto ipsec security-association lifetime seconds (\d+)$")
_CRYPTO_PART = re.compile(r"^(crypto (map|ikev2|ipsec|dynamic-map) |ip access-list extended |access-list )")
_INTERFACE_PART = forms.INTERFACE_RX
_BGP_PART = forms.ROUTER_BGP_RX


def _esp_algorithms(transforms: str) -> Tuple[List[str], List[str]]:
    """'esp-gcm 256' -> (['aes-gcm-256'], []); 'esp-aes 256 esp-sha256-hmac' -> (['aes-cbc-256'], ['sha256'])."""
    enc, integ = [], []  # type: List[str], List[str]
    words = transforms.split()
    i = 0
    while i < len(words):
        w = words[i].lower()
        if w in _ESP_ENC:
            bits = words[i + 1] if i + 1 < len(words) and words[i + 1].isdigit() else None
            enc.append("%s-%s" % (_ESP_ENC[w], bits or "128"))
            i += 2 if bits else 1
            continue
        if w in _ESP_ENC_FIXED:
            enc.append(_ESP_ENC_FIXED[w])
        elif w in _ESP_INTEG:
            integ.append(_ESP_INTEG[w])
        i += 1
    return enc, integ


def _ace(line: str) -> Optional[Dict[str, Any]]:
    """'10 permit gre host A host B' -> {action, protocol, source, destination}; any/host/wildcard forms."""
    words = forms.strip_acl_seq(line).split()
    if len(words) < 3 or words[0] not in ("permit", "deny"):
        return None
    out = {"action": words[0], "protocol": words[1]}
    rest = words[2:]
    for key in ("source", "destination"):
        if not rest:
            out[key] = None
            continue
        if rest[0] == "any":
            out[key], rest = "any", rest[1:]
        elif rest[0] == "host" and len(rest) > 1:
            out[key], rest = rest[1], rest[2:]
        elif is_ipv4(rest[0]) and len(rest) > 1 and is_ipv4(rest[1]):
            out[key] = _wildcard_cidr(rest[0], rest[1])
            rest = rest[2:]
        else:
            out[key], rest = rest[0], rest[1:]
    return out


def _wildcard_cidr(addr: str, wildcard: str) -> str:
    if wildcard == "0.0.0.0":
        return addr
    inverted = ".".join(str(255 - int(o)) for o in wildcard.split("."))
    plen = mask_to_len(inverted)
    if plen is None:
        return "%s %s" % (addr, wildcard)
    return str(ipaddress.IPv4Network("%s/%d" % (addr, plen), strict=False))


def _int_after(lines: List[str], regex) -> Optional[int]:
    for line in lines:
        m = regex.match(line)
        if m:
            return int(m.group(1))
    return None


def _addr_in(addr: str, spec: str) -> bool:
    """Keyring peer 'address A [M]' covers addr."""
    words = spec.split()
    if not words or not is_ipv4(words[0]):
        return False
    plen = mask_to_len(words[1]) if len(words) > 1 else 32
    if plen is None:
        return False
    return ipaddress.IPv4Address(addr) in ipaddress.IPv4Network("%s/%d" % (words[0], plen), strict=False)


def _entries_for_peer(cfg: _Config, peer: str):
    """Crypto map entries with 'set peer <peer>', entries of maps applied to an interface first."""
    applied = set()
    for header, _m in cfg.headers(_INTERFACE_PART):
        name = forms.interface_crypto_map(cfg.lines(header) or [])
        if name:
            applied.add(name)
    found = []
    for header, m in cfg.headers(forms.CRYPTO_MAP_ENTRY_RX):
        lines = cfg.lines(header) or []
        peers = [re.match(r"^set peer (\S+)", x).group(1) for x in lines if re.match(r"^set peer \S+", x)]
        if peer in peers:
            found.append((m.group(1) not in applied, int(m.group(2)), m.group(1), header, lines))
    found.sort(key=lambda e: (e[0], e[2], e[1]))
    return found


def _ike_facts(cfg: _Config, tunnel: Dict[str, Any], entry_lines: Optional[List[str]]) -> Dict[str, Any]:
    plan_ike = ((tunnel.get("ipsec") or {}).get("ike") or {})
    cpe_ip = (tunnel.get("cpe") or {}).get("ipsec_ip")
    di_ip = (tunnel.get("di") or {}).get("ipsec_ip")
    out = {}  # type: Dict[str, Any]
    profile = None
    if entry_lines is not None:
        profile = next((x.split()[2] for x in entry_lines if re.match(r"^set ikev2-profile \S+$", x)), None)
        out["version"] = 2 if profile else 1
        out["initiate"] = True
    # proposals of the IKEv2 policies that apply to the CPE's IPsec IP
    policies = cfg.headers(_POLICY_HEADER)
    names = []  # type: List[str]
    for header, _m in policies:
        lines = cfg.lines(header) or []
        local = [x.split()[3] for x in lines if re.match(r"^match address local \S+$", x)]
        if local and cpe_ip not in local:
            continue
        for x in lines:
            m = re.match(r"^proposal (.+)$", x)
            if m:
                names.extend(n for n in m.group(1).split() if n not in names)
    proposals = []
    for name in names:
        lines = cfg.lines("crypto ikev2 proposal %s" % name)
        if lines is None:
            continue
        prop = {"encryption": [], "integrity": [], "prf": [], "group": []}  # type: Dict[str, List[Any]]
        for x in lines:
            words = x.split()
            if words and words[0] in ("encryption", "integrity", "prf", "group"):
                values = [int(w) if w.isdigit() else w.lower() for w in words[1:]]
                prop[words[0]].extend(values)
        if not prop["prf"]:
            prop["prf"] = list(prop["integrity"])
        proposals.append(prop)
    if proposals:
        chosen = _offered_ciphers(out, proposals, plan_ike.get("encryption"))
        out["prf"] = _unique(v for p in chosen for v in p["prf"])
        out["dh_group"] = _unique(v for p in chosen for v in p["group"])
    elif policies:
        out.update({"encryption": None, "integrity": None, "prf": None, "dh_group": None})
    if profile is not None:
        plines = cfg.lines("crypto ikev2 profile %s" % profile)
        out["profile"] = profile
        if plines is not None:
            out["lifetime_s"] = _int_after(plines, re.compile(r"^lifetime (\d+)$")) or forms.DEFAULT_IKEV2_LIFETIME_S
            keyring = next((x.split()[2] for x in plines if re.match(r"^keyring local \S+$", x)), None)
            out["psk_set"] = _psk_set(cfg, keyring, di_ip, plines)
    return out


def _offered_ciphers(out: Dict[str, Any], offers: List[Dict[str, Any]], want: Any) -> List[Dict[str, Any]]:
    """Set ``encryption`` (every cipher offered) and ``integrity`` (paired with the planned cipher ``want``;
    GCM: []; unknown when no offer has that cipher) in ``out``; returns the offers to read the rest from
    (those with the planned cipher, else all)."""
    matching = [p for p in offers if want in p["encryption"]]
    out["encryption"] = _unique(v for p in offers for v in p["encryption"])
    out["integrity"] = _unique(v for p in matching for v in p["integrity"]) if matching else None
    return matching or offers


def _psk_set(cfg: _Config, keyring: Optional[str], di_ip: Optional[str], profile_lines: List[str]) -> Optional[bool]:
    """Presence (never the value) of a PSK for the DI peer: profile inline key or keyring peer."""
    if any(re.match(r"^authentication (local|remote) pre-share key\b", x) for x in profile_lines):
        return True
    if not keyring or not di_ip:
        return None
    nodes = cfg.children("crypto ikev2 keyring %s" % keyring)
    if not nodes:
        return None
    for peer in nodes:
        lines = [c.text for c in peer.children]
        if any(x.startswith("address ") and _addr_in(di_ip, x[len("address "):]) for x in lines):
            return any(forms.secret_key(x) is not None for x in lines)
    return False


def _esp_facts(cfg: _Config, tunnel: Dict[str, Any], entry_lines: List[str]) -> Dict[str, Any]:
    plan_esp = ((tunnel.get("ipsec") or {}).get("esp") or {})
    out = {}  # type: Dict[str, Any]
    sets = []
    for x in entry_lines:
        m = re.match(r"^set transform-set (.+)$", x)
        if m:
            sets.extend(m.group(1).split())
    ts_headers = dict((m.group(1), (m.group(2), h)) for h, m in cfg.headers(_TS_HEADER))
    parsed = []
    for name in sets:
        if name not in ts_headers:
            continue
        transforms, header = ts_headers[name]
        enc, integ = _esp_algorithms(transforms)
        lines = cfg.lines(header) or []
        mode = next((x.split()[1] for x in lines if re.match(r"^mode (tunnel|transport)\b", x)), "tunnel")
        parsed.append({"encryption": enc, "integrity": integ, "mode": mode})
    if parsed:
        out["mode"] = _offered_ciphers(out, parsed, plan_esp.get("encryption"))[0]["mode"]
    pfs = next((x for x in entry_lines if re.match(r"^set pfs\b", x)), None)
    if pfs is None:
        out["pfs_group"] = "none"
    else:
        m = re.search(r"group(\d+)", pfs)
        out["pfs_group"] = int(m.group(1)) if m else IOS_DEFAULT_PFS_GROUP
    lifetime = _int_after(entry_lines, re.compile(r"^set security-association lifetime seconds (\d+)$"))
    if lifetime is None:
        for _header, m in cfg.headers(_GLOBAL_IPSEC_LIFETIME):
            lifetime = int(m.group(1))
    out["lifetime_s"] = lifetime or forms.DEFAULT_IPSEC_LIFETIME_S
    return out


def _acl_facts(cfg: _Config, entry_lines: List[str]) -> Optional[Dict[str, Any]]:
    name = next((x.split()[2] for x in entry_lines if re.match(r"^match address \S+$", x)), None)
    if name is None:
        return {"name": None, "protocol": None, "source": None, "destination": None}
    lines = cfg.lines("ip access-list extended %s" % name)
    if lines is None and name.isdigit():
        lines = [h[len("access-list %s " % name):] for h in cfg.order if h.startswith("access-list %s " % name)]
    if not lines:
        return {"name": name, "protocol": None, "source": None, "destination": None}
    aces = [a for a in (_ace(x) for x in lines) if a is not None]
    first = next((a for a in aces if a["action"] == "permit"), None)
    if first is None:
        return {"name": name, "protocol": None, "source": None, "destination": None, "entries": len(aces)}
    return {"name": name, "protocol": first["protocol"], "source": first["source"],
            "destination": first["destination"], "entries": len(aces)}


def _interface_address(lines: List[str]) -> Optional[str]:
    for x in lines:
        m = re.match(r"^ip address (" + IPV4 + r") (" + IPV4 + r")$", x)
        if m:
            plen = mask_to_len(m.group(2))
            return "%s/%s" % (m.group(1), plen) if plen is not None else m.group(1)
    return None


def _vrf(lines: List[str]) -> Optional[str]:
    for x in lines:
        m = re.match(r"^(?:ip )?vrf forwarding (\S+)$", x)
        if m:
            return m.group(1)
    return None


def _gre_facts(cfg: _Config, tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    interfaces = dict((m.group(1), cfg.lines(h) or []) for h, m in cfg.headers(_INTERFACE_PART))
    di_gre = ((tunnel.get("gre") or {}).get("destination") or (tunnel.get("di") or {}).get("gre_ip"))
    name = "Tunnel%s" % tunnel.get("tunnel_number")
    if name not in interfaces:
        name = next((n for n, lines in interfaces.items() if "tunnel destination %s" % di_gre in lines), None)
    if name is None:
        return None
    lines = interfaces[name]
    src = next((x.split()[2] for x in lines if re.match(r"^tunnel source \S+$", x)), None)
    dst = next((x.split()[2] for x in lines if re.match(r"^tunnel destination \S+$", x)), None)
    out = {"name": name, "source": src, "destination": dst, "address": _interface_address(lines),
           "tunnel_vrf": next((x.split()[2] for x in lines if re.match(r"^tunnel vrf \S+$", x)), None)}
    src_if = None
    if src is not None and not is_ipv4(src):
        src_if = src if src in interfaces else None
        if src_if is not None:
            addr = _interface_address(interfaces[src_if])
            out["source_interface"], out["source"] = src_if, addr.split("/")[0] if addr else None
    elif src is not None:
        for ifname, if_lines in interfaces.items():
            if any(re.match(r"^ip address %s \S+( secondary)?$" % re.escape(src), x) for x in if_lines):
                src_if = ifname
                out["source_interface"] = ifname
                break
    if src_if is not None:
        out["source_vrf"] = _vrf(interfaces[src_if])
    return out


def _bgp_facts(cfg: _Config, tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    found = cfg.headers(_BGP_PART)
    if not found:
        return None
    header, m = found[0]
    router_as = int(m.group(1)) if m.group(1).isdigit() else m.group(1)
    lines = []  # neighbour lines of the global IPv4 table: router level and 'address-family ipv4 [unicast]'
    for child in cfg.children(header):
        text = child.text
        if text.startswith("address-family "):
            if forms.compare_form(text) == "address-family ipv4":
                lines.extend(c.text for c in child.children)
            continue
        lines.append(text)
    want = (tunnel.get("bgp") or {}).get("neighbor") or (tunnel.get("di") or {}).get("tunnel_ip")
    neighbors = []  # type: List[str]
    for x in lines:
        m = re.match(r"^neighbor (" + IPV4 + r") ", x)
        if m and m.group(1) not in neighbors:
            neighbors.append(m.group(1))
    nbr = want if want in neighbors else None
    if nbr is None:
        net = (tunnel.get("cpe") or {}).get("tunnel_network")
        if net:
            nbr = next((n for n in neighbors if ipaddress.IPv4Address(n) in ipaddress.IPv4Network(net)), None)
    out = {"router_as": router_as, "neighbor": nbr, "remote_as": None, "local_as": None, "password_set": None}
    if nbr is None:
        return out

    def setting(who, word):
        for x in lines:
            mm = re.match(r"^neighbor %s %s (\S+)" % (re.escape(who), word), x)
            if mm:
                return mm.group(1)
        return None

    group = setting(nbr, "peer-group")
    remote = setting(nbr, "remote-as") or (setting(group, "remote-as") if group else None)
    local = setting(nbr, "local-as") or (setting(group, "local-as") if group else None)
    out["remote_as"] = int(remote) if remote and remote.isdigit() else remote
    out["local_as"] = int(local) if local and local.isdigit() else (local or router_as)
    out["peer_group"] = group
    who = [nbr] + ([group] if group else [])
    if any(forms.secret_key(x) == "neighbor %s password" % w for x in lines for w in who):
        out["password_set"] = True
    return out


def _unique(values) -> List[Any]:
    out = []  # type: List[Any]
    for v in values:
        if v not in out:
            out.append(v)
    return out


def config_facts(texts: Iterable[str], plan: Optional[Dict[str, Any]], host: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """{tunnel key: {ike, esp, crypto_acl, gre, bgp}} from running-config text(s); a section is left
    out when the part of the configuration it comes from was not gathered or the object is absent."""
    cfg = _Config([t for t in texts if t])
    crypto_seen = cfg.has(_CRYPTO_PART)
    out = {}  # type: Dict[str, Dict[str, Any]]
    for tunnel in cpe_tunnels(plan or {}, host):
        facts = {}  # type: Dict[str, Any]
        di_ip = (tunnel.get("di") or {}).get("ipsec_ip")
        entries = _entries_for_peer(cfg, di_ip) if di_ip else []
        entry_lines = entries[0][4] if entries else None
        if crypto_seen:
            ike = _ike_facts(cfg, tunnel, entry_lines)
            if entry_lines is None and _dynamic_only(cfg, di_ip):
                ike["initiate"] = False
            if entries:
                ike["crypto_map"] = "%s %s" % (entries[0][2], entries[0][1])
            if ike:
                facts["ike"] = ike
            if entry_lines is not None:
                facts["esp"] = _esp_facts(cfg, tunnel, entry_lines)
                facts["crypto_acl"] = _acl_facts(cfg, entry_lines)
        gre = _gre_facts(cfg, tunnel)
        if gre is not None:
            facts["gre"] = gre
        bgp = _bgp_facts(cfg, tunnel)
        if bgp is not None:
            facts["bgp"] = bgp
        out[tunnel.get("key")] = facts
    return out


def _dynamic_only(cfg: _Config, di_ip: Optional[str]) -> bool:
    """A dynamic crypto map serves the DI peer (and no static entry does): the CPE can only respond."""
    for header, _m in cfg.headers(_DYN_MAP_HEADER):
        if "set peer %s" % di_ip in (cfg.lines(header) or []):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Ping outputs -> probes
# ---------------------------------------------------------------------------------------------
def probes_from_pings(pings: List[Tuple[Dict[str, Any], str]], plan: Optional[Dict[str, Any]],
                      host: Optional[str]) -> List[Dict[str, Any]]:
    """[(classify args {target, source}, output)] -> [{type: ping, source, destination, ok}]."""
    tunnels = cpe_tunnels(plan or {}, host)
    by_ifname = dict(("tunnel%s" % t.get("tunnel_number"), t) for t in tunnels)
    wan = ((plan or {}).get("cpes") or {}).get(host or "", {}).get("wan_interface")
    out = []
    for args, text in pings:
        target = args.get("target")
        if not is_ipv4(target):
            continue
        source = None
        for line in clean_lines(text):
            m = re.search(r"Packet sent with a source address of (" + IPV4 + r")", line)
            if m:
                source = m.group(1)
                break
        given = args.get("source")
        if source is None and given:
            if is_ipv4(given):
                source = given
            elif given.lower() in by_ifname:
                source = (by_ifname[given.lower()].get("cpe") or {}).get("tunnel_ip")
            elif wan and given.lower() == str(wan).lower() and tunnels:
                source = (tunnels[0].get("cpe") or {}).get("ipsec_ip")
        out.append({"type": "ping", "source": source, "destination": target, "ok": parse_ping(text)["ok"]})
    return out


# ---------------------------------------------------------------------------------------------
# show logging -> log events
# ---------------------------------------------------------------------------------------------
# Real IOS / IOS-XE texts these are matched against (docs/offline-verify.md, "Log events"):
#   %BGP-3-NOTIFICATION: sent to neighbor 192.168.12.1 active 2/2 (peer in wrong AS) 2 bytes 0064
#   %TCP-6-BADAUTH: Invalid MD5 digest from 6.6.6.5(179) to 2.2.2.5(17744) tableid - 0
#   %TCP-6-BADAUTH: No MD5 digest from 10.10.23.2(179) to 10.10.23.3(11002)
#   IKEv2-ERROR:(SESSION ID = 89,SA ID = 1):: Received no proposal chosen notify   (debug crypto ikev2)
#   IKEv2-ERROR:(SESSION ID = 7,SA ID = 1):: Failed to authenticate the IKE SA
#   IKEv2:(SESSION ID = 7,SA ID = 1):Sending Packet [To 198.51.100.2:500/From 192.0.2.2:500/VRF i0:f0]
_IKE_PATTERNS = (
    ("AUTHENTICATION_FAILED", re.compile(
        r"AUTHENTICATION_FAILED|Failed to authenticate the IKE SA|Auth exchange failed|Verify auth failed|"
        r"authentication failure notify|Computed authentication value for peer differs", re.I)),
    ("TS_UNACCEPTABLE", re.compile(r"TS_UNACCEPTABLE|no IPSEC policy found for received TS", re.I)),
    ("INVALID_KE_PAYLOAD", re.compile(r"INVALID_KE|KE payload contained", re.I)),
    ("NO_PROPOSAL_CHOSEN", re.compile(r"NO_PROPOSAL_CHOSEN|no proposal chosen|Failed to find a matching policy", re.I)),
    ("IKE_TIMEOUT", re.compile(r"Retransmitting packet|Maximum number of retransmissions|retransmissions reached|"
                               r"Failed to receive the AUTH msg before the timer expired|peer not responding", re.I)),
)
_BGP_NOTIFICATION = re.compile(
    r"%BGP-\d-NOTIFICATION:\s+(?P<dir>sent to|received from) neighbor (?P<peer>" + IPV4 + r")"
    r"(?:\s+\S+)?\s+(?P<code>\d+)/(?P<sub>\d+)(?:\s+\((?P<text>[^)]*)\))?")
_BADAUTH = re.compile(r"%TCP-\d-BADAUTH:\s+(?P<what>.*?)\s*MD5 digest from (?P<peer>" + IPV4 + r")[(:]")
_SESSION = re.compile(r"SESSION ID\s*=\s*(\d+)")
_PACKET_PEER = re.compile(r"(?:Sending Packet \[To|Received Packet \[From) (" + IPV4 + r"):")
_UP = (re.compile(r"%BGP-\d-ADJCHANGE: neighbor (" + IPV4 + r") Up"),
       re.compile(r"Crypto tunnel is UP\s*\.?\s*Peer (" + IPV4 + r")"))
_EXCHANGE = re.compile(r"\b(IKE_SA_INIT|IKE_AUTH|CREATE_CHILD_SA)\b")
MAX_EVENTS_PER_KIND = 10


_MONTHS = dict((m, i) for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                             "nov", "dec"), 1))
# 'show clock': '*05:41:07.123 UTC Wed Dec 2 2026' ('*' or '.': the clock is not authoritative)
_CLOCK = re.compile(r"^[*.]?(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<ms>\d+))?\s+(?P<tz>[A-Za-z][\w+-]*)\s+"
                    r"\w{3}\s+(?P<mon>[A-Za-z]{3})\s+(?P<d>\d{1,2})\s+(?P<y>\d{4})\b")
# a log line's date stamp (service timestamps log datetime [msec] [localtime] [year] [show-timezone]), after an
# optional sequence number: '000123: *Dec  2 05:41:07.123: ', 'Dec  2 2026 05:41:07.123 UTC: '
_STAMP = re.compile(r"^(?:\d+:\s*)?[*.]?(?P<mon>[A-Za-z]{3})\s+(?P<d>\d{1,2})\s+(?:(?P<y>\d{4})\s+)?"
                    r"(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<ms>\d+))?(?:\s+(?P<tz>[A-Za-z][\w+-]*))?:")
# a line stamped this much after the clock was read is not an age (the clock read first, or another zone)
_CLOCK_SKEW_S = 2.0


def _epoch(m, year: int) -> Optional[float]:
    month = _MONTHS.get(m.group("mon").lower())
    if month is None:
        return None
    try:
        seconds = calendar.timegm((year, month, int(m.group("d")), int(m.group("h")), int(m.group("mi")),
                                   int(m.group("s")), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    ms = m.group("ms")
    return seconds + (float("0." + ms) if ms else 0.0)


def device_clock(texts: Iterable[str]) -> Optional[Tuple[float, str]]:
    """(seconds, zone) of the first ``show clock`` output that reads as one; None when there is none."""
    for text in texts:
        for line in clean_lines(text):
            m = _CLOCK.match(line.strip())
            if m:
                at = _epoch(m, int(m.group("y")))
                if at is not None:
                    return at, m.group("tz")
    return None


def log_age_s(line: str, clock: Optional[Tuple[float, str]]) -> Optional[float]:
    """Seconds between a log line's date stamp and the device ``clock`` (both on the device's clock); None when the
    line has no date stamp (uptime stamps, none), names another time zone than the clock, or is later than it."""
    if clock is None:
        return None
    m = _STAMP.match(line)
    if not m:
        return None
    now, zone = clock
    if m.group("tz") and m.group("tz").upper() != str(zone).upper():
        return None
    year = int(m.group("y")) if m.group("y") else time.gmtime(now).tm_year
    at = _epoch(m, year)
    if at is not None and not m.group("y") and at > now + 86400:
        at = _epoch(m, year - 1)   # a December line read in January
    if at is None or at > now + _CLOCK_SKEW_S:
        return None
    return round(max(0.0, now - at), 1)


def log_events_from_text(texts: Iterable[str], plan: Optional[Dict[str, Any]] = None,
                         host: Optional[str] = None,
                         clock: Optional[Tuple[float, str]] = None) -> List[Dict[str, Any]]:
    """Normalised IPsec / BGP events of ``show logging`` text: [{event, peer, phase?, direction?, message}].

    peer = the DI address the line names (or the peer of its IKEv2 session id, from the
    ``Sending/Received Packet`` lines), another address when the line is about a foreign peer, None
    when unknown. Events older than a later 'Up' of the same peer are dropped (resolved since).
    Lines mentioning a secret keyword are never kept. With the device ``clock`` (:func:`device_clock`) an event of
    a date-stamped line has ``age_s`` (verify/settle.py: a fresh definitive cause ends the settle wait).
    """
    tunnels = cpe_tunnels(plan or {}, host)
    di_addrs = set()
    own = set()
    for t in tunnels:
        di = t.get("di") or {}
        cpe = t.get("cpe") or {}
        di_addrs.update(a for a in (di.get("ipsec_ip"), di.get("gre_ip"), di.get("tunnel_ip")) if a)
        own.update(a for a in (cpe.get("ipsec_ip"), cpe.get("gre_ip"), cpe.get("tunnel_ip")) if a)
    lines = []  # type: List[str]
    for text in texts:
        lines.extend(x.strip() for x in clean_lines(text) if x.strip())
    sessions = {}  # type: Dict[str, str]
    for line in lines:
        sm, pm = _SESSION.search(line), _PACKET_PEER.search(line)
        if sm and pm and pm.group(1) not in own:
            sessions.setdefault(sm.group(1), pm.group(1))

    def peer_of(line):
        addrs = re.findall(IPV4, line)
        for a in addrs:
            if a in di_addrs:
                return a
        sm = _SESSION.search(line)
        if sm and sm.group(1) in sessions:
            return sessions[sm.group(1)]
        return next((a for a in addrs if a not in own and is_ipv4(a)), None)

    events = []  # type: List[Dict[str, Any]]
    exchange = {}  # type: Dict[Optional[str], str]
    for index, line in enumerate(lines):
        if _SECRET_WORDS.search(line) and not _BADAUTH.search(line):
            continue
        for rx in _UP:
            m = rx.search(line)
            if m:
                events = [e for e in events if e["peer"] != m.group(1)]
        sm = _SESSION.search(line)
        sid = sm.group(1) if sm else None
        xm = _EXCHANGE.search(line)
        if xm:
            exchange[sid] = xm.group(1)
            exchange[None] = xm.group(1)
        ev = _classify_log_line(line, exchange.get(sid) or exchange.get(None))
        if ev is None:
            continue
        if ev.get("peer", "") == "":
            ev["peer"] = peer_of(line)
        ev["message"] = line
        age = log_age_s(line, clock)
        if age is not None:
            ev["age_s"] = age
        ev["_i"] = index
        events.append(ev)
    kept = []  # type: List[Dict[str, Any]]
    counts = {}  # type: Dict[Tuple[Any, Any], int]
    for ev in reversed(events):   # the most recent ones of each kind
        key = (ev["event"], ev["peer"])
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= MAX_EVENTS_PER_KIND:
            kept.append(ev)
    kept.sort(key=lambda e: e["_i"])
    for ev in kept:
        del ev["_i"]
    return kept


def _classify_log_line(line: str, exchange: Optional[str]) -> Optional[Dict[str, Any]]:
    m = _BGP_NOTIFICATION.search(line)
    if m:
        code, sub, text = int(m.group("code")), int(m.group("sub")), (m.group("text") or "").lower()
        direction = "sent" if m.group("dir") == "sent to" else "received"
        if (code, sub) == (2, 2) or "wrong as" in text or "bad peer as" in text:
            return {"event": "BGP_BAD_PEER_AS", "peer": m.group("peer"), "direction": direction}
        if (code, sub) == (2, 5) or "authentication" in text:
            return {"event": "BGP_AUTH_FAILED", "peer": m.group("peer"), "direction": direction}
        return None
    m = _BADAUTH.search(line)
    if m:
        return {"event": "BGP_AUTH_FAILED", "peer": m.group("peer")}
    if "IKEV2" not in line.upper() and "CRYPTO" not in line.upper():
        return None
    for name, rx in _IKE_PATTERNS:
        if rx.search(line):
            ev = {"event": name, "peer": ""}  # type: Dict[str, Any]
            phase = _phase(name, line, exchange)
            if phase is not None:
                ev["phase"] = phase
            return ev
    return None


def _phase(name: str, line: str, exchange: Optional[str]) -> Optional[str]:
    if name in ("AUTHENTICATION_FAILED", "IKE_TIMEOUT"):
        return "ike"
    if name == "TS_UNACCEPTABLE":
        return "ipsec"
    if re.search(r"\bESP\b|CHILD", line):
        return "ipsec"
    if exchange == "IKE_SA_INIT":
        return "ike"
    if exchange in ("IKE_AUTH", "CREATE_CHILD_SA"):
        return "ipsec"
    return None


_REFUSAL = re.compile(r"^% ?(Invalid input|Incomplete command|Ambiguous command|Unknown command|Unrecognized command|"
                      r"Invalid command|Bad IP address|Type \"show \?\")")


def _refused(text: Optional[str]) -> bool:
    """An output that is only an IOS error ('% Invalid input detected ...', '% Incomplete command.');
    an empty output is an answer (nothing matched), not a refusal."""
    return any(_REFUSAL.match(x.strip()) for x in clean_lines(text))


# ---------------------------------------------------------------------------------------------
# Entry point used by assemble.build_ios_state
# ---------------------------------------------------------------------------------------------
def build_evidence(running: List[str], logging: List[str], pings: List[Tuple[Dict[str, Any], str]],
                   plan: Optional[Dict[str, Any]], host: Optional[str],
                   clock: Optional[List[str]] = None) -> Dict[str, Any]:
    """{config?, probes?, log_events?}: only the keys whose outputs were gathered (a key whose
    commands were refused or not saved stays absent = not gathered)."""
    running = [t for t in running if not _refused(t)]
    logging = [t for t in logging if not _refused(t)]
    pings = [(a, t) for a, t in pings if not _refused(t)]
    out = {}  # type: Dict[str, Any]
    if running and plan and host:
        out["config"] = config_facts(running, plan, host)
    if pings:
        out["probes"] = probes_from_pings(pings, plan, host)
    if logging:
        out["log_events"] = log_events_from_text(logging, plan, host, device_clock(clock or []))
    return out
