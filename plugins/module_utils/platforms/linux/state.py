# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux CPE state: strongSwan (``swanctl --list-sas --raw``), iproute2 (``ip -j``), FRR (``vtysh ... json``)
-> the platform-neutral state of docs/contract.md section 3.

The parsers are pure functions over command output (unit-tested on outputs captured from the lab).
``gather`` runs the commands through a caller-supplied ``run(argv) -> (rc, stdout, stderr)`` so the
same code serves the Ansible module and the lab scripts.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ...plan.addressing import canonical_prefix  # the one prefix normalisation
from . import redistribution as RED

PLATFORM = "linux"

# The options every Linux CPE module takes (doc fragment webex_di.virtual_connect.linux_cpe).
CPE_OPTIONS = dict(
    plan=dict(type="dict", required=True),
    host=dict(type="str", required=True),
    swanctl=dict(type="list", elements="str", default=["swanctl"]),
    swanctl_uri=dict(type="str"),
    vtysh=dict(type="list", elements="str", default=["vtysh"]),
)
IP_PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51, "sctp": 132}

Runner = Callable[[List[str]], Tuple[int, str, str]]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def json_docs(text: str) -> List[Any]:
    """Every JSON document in ``text`` (vtysh may print several, or a warning line before one)."""
    docs = []
    dec = json.JSONDecoder()
    i = 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return docs
        i = min(starts)
        try:
            doc, end = dec.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        docs.append(doc)
        i = end


def _one_json(text: str) -> Any:
    docs = json_docs(text or "")
    return docs[0] if docs else None


# ---------------------------------------------------------------------------------------------
# strongSwan: vici raw format
# ---------------------------------------------------------------------------------------------
def parse_vici_raw(text: str) -> List[Tuple[str, Dict[str, Any]]]:
    """Parse ``swanctl --raw`` output: ``name {key=value key=[a b] sub {..}}`` per message.

    Returns ``[(message name, section dict)]``; sections are dicts, lists are Python lists.
    """
    messages = []  # type: List[Tuple[str, Dict[str, Any]]]
    i, n = 0, len(text)
    stack = []  # type: List[Dict[str, Any]]
    pending = []  # type: List[str]
    last_key = {}  # type: Dict[int, Optional[str]]
    top_name = ""
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "}":
            if stack:
                done = stack.pop()
                if not stack:
                    messages.append((top_name, done))
            i += 1
            continue
        if c == "{":
            name = " ".join(pending)
            pending = []
            sec = {}  # type: Dict[str, Any]
            if stack:
                last_key[len(stack) - 1] = None
                stack[-1][name] = sec
            else:
                top_name = name
            stack.append(sec)
            last_key[len(stack) - 1] = None
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "={}":
            j += 1
        word = text[i:j]
        if j < n and text[j] == "=":
            j += 1
            if j < n and text[j] == "[":
                depth, k, items, cur = 1, j + 1, [], []
                while k < n and depth:
                    ch = text[k]
                    if ch == "[":
                        depth += 1
                    elif ch == "]":
                        depth -= 1
                        if depth == 0:
                            break
                    if ch.isspace() and depth == 1:
                        if cur:
                            items.append("".join(cur))
                            cur = []
                    else:
                        cur.append(ch)
                    k += 1
                if cur:
                    items.append("".join(cur))
                value = items  # type: Any
                j = k + 1
            else:
                k = j
                while k < n and not text[k].isspace() and text[k] != "}":
                    k += 1
                value = text[j:k]
                j = k
            if stack:
                stack[-1][word] = value
                last_key[len(stack) - 1] = word
            i = j
            continue
        # a bare word: part of a section name ("list-sa event {") or the rest of a value with spaces
        # ("class=pre-shared key"): look ahead past further bare words for a '{'
        k = j
        while True:
            while k < n and text[k].isspace():
                k += 1
            if k >= n or text[k] in "{}":
                break
            m = k
            while m < n and not text[m].isspace() and text[m] not in "={}":
                m += 1
            if m < n and text[m] == "=":
                break
            k = m
        if k < n and text[k] == "{":
            pending.append(word)
        elif stack and last_key[len(stack) - 1] is not None and isinstance(stack[-1].get(last_key[len(stack) - 1]), str):
            key = last_key[len(stack) - 1]
            stack[-1][key] = stack[-1][key] + " " + word
        i = j
    return messages


IKE_STATES = {"ESTABLISHED": "established", "REKEYING": "established", "REKEYED": "established", "CREATED": "connecting", "CONNECTING": "connecting"}


def _ts(value: Any) -> Tuple[Optional[str], Optional[int]]:
    """``192.0.2.2/32[gre]`` -> (``192.0.2.2/32``, 47); ``[gre/0]``, ``[47]`` work too."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not value:
        return None, None
    m = re.match(r"^([^\[]+)(?:\[([^\]/]*)(?:/[^\]]*)?\])?$", str(value))
    if not m:
        return None, None
    proto = m.group(2)
    number = None
    if proto:
        number = _int(proto) if proto.isdigit() else IP_PROTOCOLS.get(proto.lower())
    return canonical_prefix(m.group(1)), number


def parse_swanctl_sas(text: str) -> Dict[str, List[Dict[str, Any]]]:
    """``swanctl --list-sas --raw`` -> ``{ike_sas: [...], ipsec_sas: [...]}`` (contract shapes, plus ``name``)."""
    ike_sas, ipsec_sas = [], []
    for _name, msg in parse_vici_raw(text or ""):
        for name, sa in msg.items():
            if not isinstance(sa, dict):
                continue
            local, remote = sa.get("local-host"), sa.get("remote-host")
            ike_sas.append(
                {
                    "name": name,
                    "local": local,
                    "remote": remote,
                    "state": IKE_STATES.get(str(sa.get("state", "")).upper(), "down"),
                    "version": _int(sa.get("version")),
                    "nat_t": sa.get("nat-any") == "yes" or sa.get("nat-local") == "yes" or sa.get("nat-remote") == "yes",
                    "uptime_s": _int(sa.get("established")),
                    "local_port": _int(sa.get("local-port")),
                    "remote_port": _int(sa.get("remote-port")),
                }
            )
            for child in (sa.get("child-sas") or {}).values():
                if not isinstance(child, dict):
                    continue
                lts, lproto = _ts(child.get("local-ts"))
                rts, rproto = _ts(child.get("remote-ts"))
                ipsec_sas.append(
                    {
                        "name": child.get("name"),
                        "local": local,
                        "remote": remote,
                        "local_ts": lts,
                        "remote_ts": rts,
                        "protocol": lproto if lproto is not None else rproto,
                        "mode": str(child.get("mode", "")).lower() or None,
                        "state": "installed" if str(child.get("state", "")).upper() == "INSTALLED" else "down",
                        "pkts_out": _int(child.get("packets-out")),
                        "pkts_in": _int(child.get("packets-in")),
                    }
                )
    return {"ike_sas": ike_sas, "ipsec_sas": ipsec_sas}


def parse_swanctl_conns(text: str) -> Dict[str, Dict[str, Any]]:
    """``swanctl --list-conns --raw`` -> ``{connection: {dpd_delay, children: {name: {...}}, ...}}``."""
    out = {}
    for _name, msg in parse_vici_raw(text or ""):
        for name, conn in msg.items():
            if isinstance(conn, dict):
                out[name] = conn
    return out


# ---------------------------------------------------------------------------------------------
# iproute2
# ---------------------------------------------------------------------------------------------
def parse_gre_links(
    links: Sequence[Dict[str, Any]], addrs: Sequence[Dict[str, Any]], names: Optional[Sequence[str]] = None, prefix: str = "vcgre"
) -> List[Dict[str, Any]]:
    """``ip -j -d link show`` + ``ip -j addr show`` -> contract ``tunnels`` (``ping_ok`` None: see ``gather``)."""
    addr_by = dict((a.get("ifname"), a) for a in addrs or [])
    out = []
    wanted = list(names) if names is not None else None
    for link in links or []:
        name = link.get("ifname")
        if wanted is not None and name not in wanted:
            continue
        if wanted is None and not str(name).startswith(prefix):
            continue
        info = link.get("linkinfo") or {}
        data = info.get("info_data") or {}
        flags = link.get("flags") or []
        v4 = [a for a in (addr_by.get(name) or {}).get("addr_info", []) if a.get("family") == "inet"]
        ttl = data.get("ttl")
        out.append(
            {
                "name": name,
                "kind": info.get("info_kind"),
                "admin_up": "UP" in flags,
                "oper_up": "UP" in flags and "LOWER_UP" in flags,
                "source": data.get("local"),
                "destination": data.get("remote"),
                "address": "%s/%s" % (v4[0]["local"], v4[0]["prefixlen"]) if v4 else None,
                "ip_mtu": link.get("mtu"),
                "ttl": 0 if ttl in (None, "inherit") else _int(ttl),
                "pmtudisc": bool(data.get("pmtudisc", True)) if info.get("info_kind") == "gre" else None,
                "keepalive": None,  # Linux GRE has no keepalives
                "ping_ok": None,
            }
        )
    return out


def parse_routes(routes: Sequence[Dict[str, Any]], prefixes: Sequence[str]) -> List[Dict[str, Any]]:
    """``ip -j route show table main`` -> contract ``routes`` for the prefixes of interest (absent = no route)."""
    wanted = [canonical_prefix(p) for p in prefixes]
    out = []
    for r in routes or []:
        dst = r.get("dst")
        if isinstance(dst, str) and "/" not in dst and dst != "default":
            dst += "/32"       # the kernel prints a host route without its length (not a classful prefix)
        dst = canonical_prefix(dst)
        if dst not in wanted or r.get("type", "unicast") != "unicast":
            continue
        hops = r.get("nexthops") or [r]
        out.append(
            {
                "prefix": dst,
                "protocol": r.get("protocol"),
                "next_hop": hops[0].get("gateway"),
                "interface": hops[0].get("dev"),
            }
        )
    out.sort(key=lambda x: wanted.index(x["prefix"]))
    return out


def route_get_key(addr: str) -> str:
    """The output key of ``ip -j route get <addr>`` (the path an RRI route must follow, docs/ha.md section 2)."""
    return "ip -j route get %s" % addr


def parse_route_get(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """``ip -j route get X`` -> ``{gateway, dev}`` (None: no output, or not the kernel's JSON)."""
    doc = _one_json(text or "")
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        return None
    return {"gateway": doc[0].get("gateway"), "dev": doc[0].get("dev")}


def mark_rri_routes(routes: List[Dict[str, Any]], rri: Sequence[Dict[str, Any]], outputs: Dict[str, Optional[str]]) -> None:
    """An IPsec device's RRI routes (docs/ha.md section 2): the kernel cannot route via the Cisco IPsec peer itself
    (no recursive next hop), so the updown script routes the DI GRE /32 via the WAN next hop towards the peer. A
    route to the /32 that follows exactly that path (same gateway and device as ``ip route get <peer>``) gets
    ``peer``: the Cisco IPsec peer it leads to, which the rri_route check compares with the plan's ``rri.via``."""
    for target in rri:
        path = parse_route_get(outputs.get(route_get_key(target["peer"])))
        if path is None:
            continue
        for r in routes:
            if r["prefix"] == canonical_prefix(target["route"]) and r.get("next_hop") == path["gateway"] \
                    and r.get("interface") == path["dev"]:
                r["peer"] = target["peer"]


def parse_ping(rc: int, text: str) -> bool:
    m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", text or "")
    return rc == 0 and bool(m) and int(m.group(2)) > 0


# ---------------------------------------------------------------------------------------------
# FRR
# ---------------------------------------------------------------------------------------------
def _route_keys(doc: Any, key: str) -> List[str]:
    table = (doc or {}).get(key) or {}
    out = set()
    # default-originate: FRR lists the default apart ("Originating default network 0.0.0.0/0")
    default = canonical_prefix((doc or {}).get("bgpOriginatingDefaultNetwork")) if key == "advertisedRoutes" else None
    if default:
        out.add(default)
    for k, v in table.items():
        p = canonical_prefix(k)
        if p is None and isinstance(v, dict):
            p = canonical_prefix(v.get("prefix") or v.get("addrPrefix"))
        if p:
            out.add(p)
    return sorted(out, key=lambda p: (ipaddress.IPv4Network(p).network_address, ipaddress.IPv4Network(p).prefixlen))


def parse_bgp_neighbor(ip: str, neighbors_doc: Any, received_doc: Any = None, advertised_doc: Any = None) -> Optional[Dict[str, Any]]:
    """``show bgp neighbors json`` (+ received-routes / advertised-routes json) -> one contract neighbour."""
    n = (neighbors_doc or {}).get(ip)
    if not isinstance(n, dict):
        return None
    state = n.get("bgpState")
    af = ((n.get("addressFamilyInfo") or {}).get("ipv4Unicast")) or {}
    up_ms = n.get("bgpTimerUpMsec")
    return {
        "neighbor": ip,
        "remote_as": _int(n.get("remoteAs")),
        "local_as": _int(n.get("localAs")),
        "state": state,
        "uptime_s": int(up_ms) // 1000 if state == "Established" and up_ms is not None else None,
        "received": _route_keys(received_doc, "receivedRoutes") if received_doc is not None else None,
        "advertised": _route_keys(advertised_doc, "advertisedRoutes") if advertised_doc is not None else None,
        "prefixes_received": _int(af.get("acceptedPrefixCounter")) if af else None,
        "hold_time_s": int(n["bgpTimerHoldTimeMsecs"]) // 1000 if n.get("bgpTimerHoldTimeMsecs") is not None else None,
        "keepalive_s": int(n["bgpTimerKeepAliveIntervalMsecs"]) // 1000 if n.get("bgpTimerKeepAliveIntervalMsecs") is not None else None,
    }


# ---------------------------------------------------------------------------------------------
# gather
# ---------------------------------------------------------------------------------------------
# The outputs a gather collects, by command (without the command's own prefix such as ``vtysh -c`` or
# ``--uri``): what :func:`parse` reads, so a state can also be built from outputs captured elsewhere.
SAS = "swanctl --list-sas --raw"
LINKS = "ip -j -d link show"
ADDRS = "ip -j addr show"
ROUTES = "ip -j route show table main"
NEIGHBORS = "show bgp neighbors json"


def received_key(ip: str) -> str:
    return "show bgp ipv4 unicast neighbors %s received-routes json" % ip


def advertised_key(ip: str) -> str:
    return "show bgp ipv4 unicast neighbors %s advertised-routes json" % ip


def ping_key(peer: str, local: Optional[str]) -> str:
    return "ping %s source %s" % (peer, local) if local else "ping %s" % peer


# diagnose evidence (platforms/linux/evidence.py), by the same rule: the command (or what was read) -> its output
KERNEL = "cat /proc/uptime /proc/net/netstat /proc/net/xfrm_stat"
AFTER = " (after the probes)"          # the second sample of SAS / KERNEL, after every probe of this gather
CHARON_LOG = "charon log"              # the last lines of charon's log file (``tail -n N FILE``) ...
CHARON_JOURNAL = "charon journal"      # ... or, when there is no such file, ``journalctl -u strongswan -o json -n N``
DMESG_MD5 = "dmesg (MD5 lines)"        # the kernel log's TCP MD5 lines (only when a VC BGP session is down)
NOW = "date +%s"                       # the CPE's clock when the outputs were read (the age of log lines)
EVIDENCE_LEVELS = ("all", "logs", "none")


def ipsec_ping_key(peer: str, local: str) -> str:
    return "ping -c 3 -i 0.2 -W 1 -n -q -I %s %s" % (local, peer)


def df_ping_key(peer: str, local: str, size: int) -> str:
    return "ping -c 2 -i 0.3 -W 1 -n -q -M do -s %d -I %s %s" % (size, local, peer)


def udp_probe_key(peer: str, local: str, port: int = 500) -> str:
    return "udp probe %s:%d from %s" % (peer, port, local)


def udp_probe(local: str, peer: str, port: int = 500, timeout: float = 1.0, tries: int = 2) -> str:
    """Send an empty UDP datagram from ``local`` to ``peer:port`` (the DI IKE port; an IKE daemon ignores it):
    ``refused`` when ICMP port unreachable comes back (nothing listens: the IKE service is down while the host
    answers), ``answered``, ``no answer`` (dropped on the way, or ICMP filtered), or ``error: ...``."""
    import socket

    s = None
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        s.bind((local, 0))
        s.connect((peer, port))
        for _i in range(tries):
            try:
                s.send(b"")
                s.recv(2048)
                return "answered"
            except ConnectionRefusedError:
                return "refused"
            except socket.timeout:
                continue
        return "no answer"
    except OSError as exc:
        return "error: %s" % exc
    finally:
        if s is not None:
            s.close()


def gather(
    run: Runner, host: str, targets: Dict[str, Any], cmds: Optional[Dict[str, List[str]]] = None, swanctl_uri: Optional[str] = None,
    evidence: str = "none", charon_log: str = "/var/log/charon.log", log_lines: int = 2000,
    udp: Optional[Callable[[str, str, int], str]] = None, clock: Optional[Callable[[], float]] = None,
    outputs: Optional[Dict[str, Optional[str]]] = None,
) -> Dict[str, Any]:
    """Run the commands on this CPE and return the contract state.

    ``targets``: ``{tunnels: [{name, local_ip, peer_ip, ipsec_local, ipsec_peer, df_size}], neighbors: [ip],
    prefixes: [cidr], ping: bool}``.
    ``cmds``: argv prefixes ``{swanctl: [...], vtysh: [...], ip: [...], ping: [...]}``; ``swanctl_uri``: vici
    socket (swanctl wants ``--uri`` after its command).
    ``evidence`` (diagnose evidence, docs/contract.md section 3): ``logs`` adds charon's log (``charon_log``, its last
    ``log_lines`` lines; the strongswan unit's journal when the file is absent), the last BGP NOTIFICATION of
    each VC neighbour (from ``show bgp neighbors json``) and, when a VC session is down, the kernel's TCP MD5
    lines; ``all`` adds the probes: a ping of each DI IPsec IP from the CPE IPsec IP, the kernel counters and
    ``swanctl --list-sas`` before and after the tunnel pings (the CHILD SA counter deltas), a DF ping of the
    tunnel MTU when the small one passed, and when a tunnel has no established IKE SA an empty UDP datagram
    to the DI IKE port (``udp``, see :func:`udp_probe`). Read-only: nothing here changes the CPE.
    ``outputs``: a dict that receives every output by command (what :func:`parse_outputs` reads).
    A command that fails leaves its part empty and adds a line to ``errors``. Pings run only over the links
    that exist, the route tables only of the neighbours FRR knows.
    """
    if evidence not in EVIDENCE_LEVELS:
        raise ValueError("evidence must be one of %s" % ", ".join(EVIDENCE_LEVELS))
    c = {"swanctl": ["swanctl"], "vtysh": ["vtysh"], "ip": ["ip"], "ping": ["ping"]}
    c.update(cmds or {})
    errors = []  # type: List[str]
    outputs = {} if outputs is None else outputs
    probes = evidence == "all"

    def out(key: str, argv: List[str], quiet: bool = False) -> Optional[str]:
        try:
            rc, stdout, stderr = run(argv)
        except (OSError, ValueError) as exc:
            rc, stdout, stderr = None, "", str(exc)
        if rc != 0:
            if not quiet:
                errors.append("%s: rc %s: %s" % (" ".join(argv), rc, (stderr or stdout or "").strip()[:300]))
            stdout = None
        outputs[key] = stdout
        return stdout

    def ping(key: str, argv: List[str]) -> str:
        try:
            rc, stdout, stderr = run(argv)
        except (OSError, ValueError) as exc:
            rc, stdout, stderr = None, "", str(exc)
        text = "%s%s" % (stdout or "", stderr or "")      # ping -M do says 'message too long' on stderr
        outputs[key] = "%src=%s\n" % (text if text.endswith("\n") or not text else text + "\n", rc)
        return text

    def vtysh_batch(keys: List[str]) -> None:
        """Several vtysh show commands in ONE vtysh run (each start costs a process and a connection to every
        daemon); each command's output is its one JSON document. When the run fails or the documents do not
        match the commands one for one, each command runs alone (the outputs are then exactly the single runs)."""
        if len(keys) > 1:
            try:
                rc, stdout, _err = run(c["vtysh"] + [a for k in keys for a in ("-c", k)])
            except (OSError, ValueError):
                rc, stdout = None, ""
            docs = json_docs(stdout or "") if rc == 0 else []
            if len(docs) == len(keys):
                for k, doc in zip(keys, docs):
                    outputs[k] = json.dumps(doc)
                return
        for k in keys:
            out(k, c["vtysh"] + ["-c", k])

    uri = ["--uri", swanctl_uri] if swanctl_uri else []
    sas_argv = c["swanctl"] + ["--list-sas", "--raw"] + uri
    if probes:
        out(KERNEL, ["cat", "/proc/uptime", "/proc/net/netstat", "/proc/net/xfrm_stat"], quiet=True)
    out(SAS, sas_argv)
    out(LINKS, c["ip"] + ["-j", "-d", "link", "show"])
    out(ADDRS, c["ip"] + ["-j", "addr", "show"])
    found = [t["name"] for t in _tunnels(outputs, targets)]
    up_peers = set(sa["remote"] for sa in parse_swanctl_sas(outputs.get(SAS) or "")["ike_sas"] if sa["state"] == "established")
    for tgt in targets.get("tunnels", []):
        if probes and tgt.get("ipsec_peer") and tgt.get("ipsec_local"):
            ping(ipsec_ping_key(tgt["ipsec_peer"], tgt["ipsec_local"]),
                 c["ping"] + ["-c", "3", "-i", "0.2", "-W", "1", "-n", "-q", "-I", tgt["ipsec_local"], tgt["ipsec_peer"]])
            if udp is not None and tgt["ipsec_peer"] not in up_peers:
                outputs[udp_probe_key(tgt["ipsec_peer"], tgt["ipsec_local"])] = udp(tgt["ipsec_local"], tgt["ipsec_peer"], 500)
        if tgt["name"] in found and (targets.get("ping", True) or probes) and tgt.get("peer_ip"):
            argv = c["ping"] + ["-c", "3", "-i", "0.2", "-W", "1", "-n", "-q"]
            if tgt.get("local_ip"):
                argv += ["-I", tgt["local_ip"]]
            rc, stdout, _err = run(argv + [tgt["peer_ip"]])
            outputs[ping_key(tgt["peer_ip"], tgt.get("local_ip"))] = stdout if rc == 0 else ""   # no reply
            if probes and rc == 0 and tgt.get("df_size") and tgt.get("local_ip"):
                size = int(tgt["df_size"])
                ping(df_ping_key(tgt["peer_ip"], tgt["local_ip"], size),
                     c["ping"] + ["-c", "2", "-i", "0.3", "-W", "1", "-n", "-q", "-M", "do", "-s", str(size), "-I", tgt["local_ip"], tgt["peer_ip"]])
    if probes:
        out(SAS + AFTER, sas_argv, quiet=True)
        out(KERNEL + AFTER, ["cat", "/proc/uptime", "/proc/net/netstat", "/proc/net/xfrm_stat"], quiet=True)
    out(ROUTES, c["ip"] + ["-j", "route", "show", "table", "main"])
    for target in targets.get("rri") or []:     # an IPsec device of split tunnels: the path its RRI route must follow
        out(route_get_key(target["peer"]), c["ip"] + ["-j", "route", "get", target["peer"]])
    ndoc = None
    if targets.get("neighbors"):
        ndoc = _one_json(out(NEIGHBORS, c["vtysh"] + ["-c", NEIGHBORS]) or "")
        keys = [k for ip in targets["neighbors"] if isinstance(ndoc, dict) and ip in ndoc for k in (received_key(ip), advertised_key(ip))]
        vtysh_batch(keys)
    red = targets.get("redistribution")
    if red:   # the hand-over to the customer core (docs/ha.md): only when the plan has one
        out(RED.RUNNING, c["vtysh"] + ["-c", RED.RUNNING])
        if red.get("ospf"):
            out(RED.OSPF_EXTERNAL_SELF, c["vtysh"] + ["-c", RED.OSPF_EXTERNAL_SELF])
        else:
            if NEIGHBORS not in outputs:
                out(NEIGHBORS, c["vtysh"] + ["-c", NEIGHBORS])
            vtysh_batch([advertised_key(ip) for ip in (red.get("ibgp") or {}).get("neighbors") or []])
    if evidence != "none":
        if clock is not None:
            outputs[NOW] = "%.0f" % clock()
        if out(CHARON_LOG, ["tail", "-n", str(int(log_lines)), charon_log], quiet=True) is None:
            del outputs[CHARON_LOG]
            out(CHARON_JOURNAL, ["journalctl", "-u", "strongswan", "--no-pager", "-o", "json", "-n", str(int(log_lines))], quiet=True)
        down = [ip for ip in targets.get("neighbors") or []
                if not (isinstance(ndoc, dict) and isinstance(ndoc.get(ip), dict) and ndoc[ip].get("bgpState") == "Established")]
        if down:
            text = out(DMESG_MD5, ["dmesg"], quiet=True)
            if text is not None:
                outputs[DMESG_MD5] = "\n".join(x for x in text.splitlines() if "MD5" in x)
            if KERNEL not in outputs:
                out(KERNEL, ["cat", "/proc/uptime", "/proc/net/netstat", "/proc/net/xfrm_stat"], quiet=True)
    return parse_outputs(outputs, host, targets, errors)


def evidence_inputs(outputs: Dict[str, Optional[str]], targets: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The gather's evidence outputs (keys above) -> the inputs of evidence.build_evidence; None when none was gathered."""
    keys = (KERNEL, SAS + AFTER, CHARON_LOG, CHARON_JOURNAL, DMESG_MD5)
    if not any(k in outputs for k in keys) and not any(k.startswith(("ping -c", "udp probe")) for k in outputs):
        return None

    def kernel(key: str) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        text = outputs.get(key)
        if text is None:
            return None, None, None
        first, _nl, rest = text.partition("\n")
        return first, rest, rest

    uptime, netstat_b, xfrm_b = kernel(KERNEL)
    _u, netstat_a, xfrm_a = kernel(KERNEL + AFTER)
    pings, udps = [], []
    for t in targets.get("tunnels", []):
        ci, di, ct, dt = t.get("ipsec_local"), t.get("ipsec_peer"), t.get("local_ip"), t.get("peer_ip")
        if ci and di and ipsec_ping_key(di, ci) in outputs:
            text = outputs[ipsec_ping_key(di, ci)] or ""
            pings.append({"output": text, "rc": _rc(text), "source": ci, "destination": di})
        if ci and di and udp_probe_key(di, ci) in outputs:
            udps.append({"source": ci, "destination": di, "port": 500, "result": outputs[udp_probe_key(di, ci)]})
        if dt and ping_key(dt, ct) in outputs:
            pings.append({"output": outputs[ping_key(dt, ct)] or "", "rc": None, "source": ct, "destination": dt})
        if dt and ct and t.get("df_size") and df_ping_key(dt, ct, int(t["df_size"])) in outputs:
            text = outputs[df_ping_key(dt, ct, int(t["df_size"]))] or ""
            pings.append({"output": text, "rc": _rc(text), "source": ct, "destination": dt, "size": int(t["df_size"]), "df": True})
    counter_probes = []
    if outputs.get(SAS) is not None and outputs.get(SAS + AFTER) is not None:
        for t in targets.get("tunnels", []):
            if t.get("ipsec_peer"):
                counter_probes.append({"before": outputs[SAS], "after": outputs[SAS + AFTER], "remote": t["ipsec_peer"],
                                       "probe": "this gather's probes (tunnel ping %s -> %s)" % (t.get("local_ip"), t.get("peer_ip"))})
    has_probes = SAS + AFTER in outputs     # evidence "all": the probes ran (the tunnel ping alone is the state's)
    return {
        "charon_log": outputs.get(CHARON_LOG), "charon_journal": outputs.get(CHARON_JOURNAL),
        "bgp_neighbors": outputs.get(NEIGHBORS) if any(k in outputs for k in (CHARON_LOG, CHARON_JOURNAL, DMESG_MD5)) else None,
        "dmesg": outputs.get(DMESG_MD5), "uptime": uptime,
        "netstat_before": netstat_b if netstat_a is not None or DMESG_MD5 in outputs else None,
        "netstat_after": netstat_a, "xfrm_stat_before": xfrm_b, "xfrm_stat_after": xfrm_a,
        "pings": pings if has_probes else None, "counter_probes": counter_probes if has_probes else None,
        "udp_probes": udps,
    }


def _rc(text: str) -> Optional[int]:
    m = re.search(r"^rc=(\S+)$", text or "", re.M)
    return _int(m.group(1)) if m else None


def _tunnels(outputs: Dict[str, Optional[str]], targets: Dict[str, Any]) -> List[Dict[str, Any]]:
    links = _one_json(outputs.get(LINKS) or "") or []
    addrs = _one_json(outputs.get(ADDRS) or "") or []
    return parse_gre_links(links, addrs, [t["name"] for t in targets.get("tunnels", [])])


def parse_outputs(outputs: Dict[str, Optional[str]], host: str, targets: Dict[str, Any],
                  errors: Optional[List[str]] = None) -> Dict[str, Any]:
    """The contract state from the outputs of the gather commands (keys: SAS, LINKS, ... above; a missing
    output, or None for a failed command, leaves its part empty)."""
    sas = parse_swanctl_sas(outputs.get(SAS) or "")
    tunnels = _tunnels(outputs, targets)
    by_name = dict((t["name"], t) for t in targets.get("tunnels", []))
    for t in tunnels:
        tgt = by_name[t["name"]]
        text = outputs.get(ping_key(tgt.get("peer_ip"), tgt.get("local_ip"))) if tgt.get("peer_ip") else None
        if text is not None:
            t["ping_ok"] = parse_ping(0, text)
    routes = parse_routes(_one_json(outputs.get(ROUTES) or "") or [], targets.get("prefixes", []))
    mark_rri_routes(routes, targets.get("rri") or [], outputs)
    neighbors = []
    ndoc = _one_json(outputs.get(NEIGHBORS) or "")
    for ip in targets.get("neighbors") or []:
        if not isinstance(ndoc, dict) or ip not in ndoc:
            continue
        rec, adv = (_one_json(outputs.get(key) or "") for key in (received_key(ip), advertised_key(ip)))
        nb = parse_bgp_neighbor(ip, ndoc, rec if rec is not None else {}, adv if adv is not None else {})
        if nb:
            neighbors.append(nb)
    state = {
        "host": host,
        "platform": PLATFORM,
        "ike_sas": sas["ike_sas"],
        "ipsec_sas": sas["ipsec_sas"],
        "tunnels": tunnels,
        "bgp_neighbors": neighbors,
        "routes": routes,
        "errors": list(errors or []),
    }
    if targets.get("redistribution"):
        state["redistribution"] = RED.parse_redistribution(targets["redistribution"], outputs, _one_json, advertised_key,
                                                           NEIGHBORS, _route_keys, outputs.get(ROUTES))
    inputs = evidence_inputs(outputs, targets)
    if inputs is not None:
        from .evidence import add_evidence, evidence_from

        own = sorted(set(x for t in targets.get("tunnels", []) for x in (t.get("ipsec_local"), t.get("gre_local"), t.get("local_ip")) if x))
        conns = dict((t["connection"], t["ipsec_peer"]) for t in targets.get("tunnels", []) if t.get("connection") and t.get("ipsec_peer"))
        now = _int(outputs.get(NOW))
        state = add_evidence(state, evidence_from(inputs, own, targets.get("neighbors") or [], conns, now))
    return state


def parse(outputs: Dict[str, Optional[str]], host: str, plan: Optional[Dict[str, Any]] = None,
          errors: Optional[List[Any]] = None) -> Dict[str, Any]:
    """``Platform.parse``: outputs captured by command (the keys of :func:`gather`) -> the state of ``host``."""
    targets = host_targets(plan or {}, host)
    return parse_outputs(dict(outputs or {}), host, targets, ["%s: %s" % (e.get("command"), e.get("message"))
                                                              if isinstance(e, dict) else str(e) for e in errors or []])


def host_targets(plan: Dict[str, Any], host: str) -> Dict[str, Any]:
    """What to look at on ``host``: :func:`targets_from_plan` of its GRE/BGP tunnels, and of the split tunnels
    (docs/ha.md section 2): on their IPsec device the RRI route (``rri``: route, peer, tunnel) and the path it must
    follow, on their GRE router the route to the DI GRE endpoint (both in ``prefixes``, read from the routes that
    the gather reads anyway)."""
    from .render import conn_name, host_tunnels, link_name, rri_tunnels

    tunnels = host_tunnels(plan, host)
    targets = targets_from_plan(tunnels, link_name, conn_name, ((plan.get("cpes") or {}).get(host) or {}).get("redistribution"))
    rri = rri_tunnels(plan, host)
    targets["rri"] = [{"route": t["split"]["rri"]["route"], "peer": t["split"]["rri"]["via"], "tunnel": t["key"]} for t in rri]
    for t in list(tunnels) + list(rri):
        if t.get("split") and t["split"]["rri"]["route"] not in targets["prefixes"]:
            targets["prefixes"].append(t["split"]["rri"]["route"])
    return targets


def targets_from_plan(tunnels: Sequence[Dict[str, Any]], link_name: Callable[[Dict[str, Any]], str],
                      conn_name: Optional[Callable[[Dict[str, Any]], str]] = None,
                      redistribution: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """What to look at on this CPE, from its plan tunnels (and the plan's hand-over to the core, if any)."""
    prefixes = []  # type: List[str]
    for t in tunnels:
        for p in [t.get("dc_prefix")] + list(t.get("expect_received") or []):
            if p and p not in prefixes:
                prefixes.append(p)
    return {
        "tunnels": [{"name": link_name(t), "local_ip": t["cpe"]["tunnel_ip"], "peer_ip": t["di"]["tunnel_ip"], "tunnel": t["key"],
                     "ipsec_local": t["cpe"].get("ipsec_ip"), "ipsec_peer": t["di"].get("ipsec_ip"),
                     "gre_local": (t.get("crypto_acl") or {}).get("source") or t["cpe"].get("gre_ip"),
                     "connection": conn_name(t) if conn_name else None,
                     # the largest ICMP echo payload of the tunnel MTU (20 bytes IP + 8 ICMP)
                     "df_size": int((t.get("mtu") or {}).get("tunnel_ip_mtu") or 0) - 28 if (t.get("mtu") or {}).get("tunnel_ip_mtu") else None}
                    for t in tunnels],
        "neighbors": [t["bgp"]["neighbor"] for t in tunnels],
        "prefixes": prefixes,
        "redistribution": redistribution,
    }
