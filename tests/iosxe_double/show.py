"""`show` and `ping` of the IOS-XE TEST DOUBLE, in the formats of tests/fixtures/iosxe.

State is derived on every call from the running configuration and the Cisco-side model
(cisco_side.py); nothing here is canned except the fixed text of the formats.
"""
from __future__ import annotations

import ipaddress
import re
import time
import zlib

from . import model
from .cisco_side import Evaluator, longest_match
from .config import CLIError, norm_iface

BGP_LEGEND = """Status codes: s suppressed, d damped, h history, * valid, > best, i - internal,\x20
              r RIB-failure, S Stale, m multipath, b backup-path, f RT-Filter,\x20
              x best-external, a additional-path, c RIB-compressed,\x20
              t secondary path, L long-lived-stale,
Origin codes: i - IGP, e - EGP, ? - incomplete
RPKI validation codes: V valid, I invalid, N Not found"""

ROUTE_LEGEND = """Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area\x20
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2, m - OMP
       n - NAT, Ni - NAT inside, No - NAT outside, Nd - NAT DIA
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       H - NHRP, G - NHRP registered, g - NHRP registration summary
       o - ODR, P - periodic downloaded static route, l - LISP
       a - application route
       + - replicated route, % - next hop override, p - overrides from PfR
       & - replicated local route overrides by connected"""


def hms(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    s = int(max(seconds, 0))
    if s < 86400:
        return "%02d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)
    if s < 7 * 86400:
        return "%dd%02dh" % (s // 86400, s % 86400 // 3600)
    return "%dw%dd" % (s // (7 * 86400), s % (7 * 86400) // 86400)


def classful_len(addr: str) -> int:
    first = int(addr.split(".", 1)[0])
    return 8 if first < 128 else 16 if first < 192 else 24


def bgp_net(prefix: str) -> str:
    """A prefix on its classful boundary prints without a length, as IOS does in BGP tables."""
    net = ipaddress.IPv4Network(prefix)
    addr = str(net.network_address)
    if prefix == "0.0.0.0/0" or net.prefixlen == classful_len(addr):
        return addr
    return prefix


def _spi(seed: str) -> tuple[int, str]:
    v = zlib.crc32(seed.encode()) | 0x10000000
    return v, "0x%08X(%d)" % (v, v)


def _counter(since: float | None, rate: float = 0.4) -> int:
    return 0 if since is None else int((time.time() - since) * rate) + 12


class ShowContext:
    def __init__(self, router):
        self.r = router
        self.ev_ = Evaluator(router)
        self.ev = self.ev_.evaluate()


def show(session, t: list[str]) -> str:
    r = session.r
    args = t[1:]
    a0 = args[0]
    if a0 == "running-config":
        return _show_run(r, args[1:])
    if a0 == "startup-config":
        return r.startup if r.startup is not None else "startup-config is not present"
    if a0 == "version":
        return _version(r)
    if a0 == "privilege":
        return "Current privilege level is %d" % session.priv
    if a0 == "clock":
        return time.strftime("*%H:%M:%S.123 UTC %a %b %d %Y", time.gmtime())
    if a0 == "terminal":
        return "Line 2, Location: \"\", Type: \"\"\nLength: %d lines, Width: %d columns" % (
            session.term_length, session.term_width)
    if a0 == "users":
        return "    Line       User       Host(s)              Idle       Location\n*  2 vty 0     %s       idle" \
               "                 00:00:00 127.0.0.1" % session.user
    if a0 in ("flash:", "bootflash:"):
        return session._dir([])
    if a0 == "archive":
        if len(args) > 1:
            return "%No Rollback Confirmed Change pending"
        return "Archive feature not enabled"
    ctx = ShowContext(r)
    if a0 == "interfaces":
        return _interfaces(ctx, args[1:])
    if a0 == "ip":
        if len(args) < 2:
            raise CLIError("% Incomplete command.", pos=None)
        a1 = args[1]
        if a1 == "interface":
            if args[2:3] == ["brief"]:
                return _ip_int_brief(ctx)
            return _ip_interface(ctx, args[2:])
        if a1 == "route":
            return _ip_route(ctx, args[2:])
        if a1 == "bgp":
            return _bgp(ctx, args[2:])
        if a1 == "prefix-list":
            return _prefix_lists(ctx, args[2:])
        if a1 == "access-lists":
            return _acls(ctx)
        if a1 == "ospf":
            return _ospf(ctx, args[2:])
        raise CLIError(pos=2)
    if a0 == "bgp":
        rest = [x.lower() for x in args[1:]]
        if rest[:2] == ["ipv4", "unicast"]:
            return _bgp(ctx, args[3:])
        if rest[:1] == ["all"] and rest[1:2] == ["summary"]:
            return "\nFor address family: IPv4 Unicast\n" + _bgp(ctx, ["summary"])
        if rest[:1] == ["summary"]:
            return _bgp(ctx, ["summary"])
        raise CLIError(pos=2)
    if a0 == "access-lists":
        return _acls(ctx)
    if a0 == "crypto":
        return _crypto(ctx, args[1:])
    if a0 == "logging":
        return _logging(ctx)
    raise CLIError(pos=1)


# ------------------------------------------------------------------------------------------ config
def _show_run(r, args: list[str]) -> str:
    if not args or args[0].lower() in ("all", "brief", "full", "view"):
        return r.running_config()
    if args[0].lower() == "interface":
        if len(args) < 2:
            raise CLIError("% Incomplete command.", pos=None)
        name = norm_iface("".join(args[1:]))
        blk = r.parser.root.get(("interface", name)) if name else None
        if blk is None:
            raise CLIError(pos=3)
        lines = _section(r.running_lines(), "interface " + name)
        body = "!\n" + "\n".join(lines) + "\nend"
        return "Building configuration...\n\nCurrent configuration : %d bytes\n%s" % (len(body), body)
    raise CLIError(pos=2)


def _section(lines: list[str], header: str) -> list[str]:
    out, on = [], False
    for ln in lines:
        if not ln.startswith(" "):
            on = ln == header
        if on:
            out.append(ln)
    return out


def _version(r) -> str:
    up = hms(time.time() - r.boot_time)
    days = int(time.time() - r.boot_time) // 86400
    return f"""Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.9.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or "License Notice" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: IOS-XE ROMMON

{r.hostname} uptime is 1 week, {days - 7} days, 3 hours, 4 minutes
Uptime for this control processor is 1 week, {days - 7} days, 3 hours, 6 minutes
System returned to ROM by reload
System image file is "bootflash:packages.conf"
Last reload reason: reload



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.

License Level: network-advantage
License Type: Perpetual
Next reload license Level: network-advantage

Addon License Level: dna-advantage
Addon License Type: Subscription
Next reload addon license Level: dna-advantage

The current throughput level is 250000 kbps\x20


Smart Licensing Status: Registration Not Applicable/Not Applicable

cisco C8000V (VXE) processor (revision VXE) with 2027876K/3075K bytes of memory.
Processor board ID 9TESTDOUBLE
Router operating mode: Autonomous
{len(r.parser.hw)} Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
3965120K bytes of physical memory.
11526144K bytes of virtual hard disk at bootflash:.

Configuration register is 0x2102
""".replace("{up}", up)


# ------------------------------------------------------------------------------------------ interfaces
def _iface_arg(ctx: ShowContext, args: list[str], pos: int) -> str | None:
    if not args:
        return None
    name = norm_iface("".join(args))
    if name is None or name not in ctx.ev.ifaces:
        raise CLIError(pos=pos)
    return name


def _status(ctx: ShowContext, it: model.Iface) -> tuple[str, str]:
    if it.shutdown:
        return "administratively down", "down"
    return "up", "up" if ctx.ev.oper.get(it.name) else "down"


def _interfaces(ctx: ShowContext, args: list[str]) -> str:
    name = _iface_arg(ctx, args, 2)
    names = [name] if name else sorted(ctx.ev.ifaces, key=model_sort)
    return "\n".join(_one_interface(ctx, ctx.ev.ifaces[n]) for n in names)


def model_sort(name: str):
    from .config import iface_sort_key
    return iface_sort_key(name)


def _one_interface(ctx: ShowContext, it: model.Iface) -> str:
    st, proto = _status(ctx, it)
    lines = ["%s is %s, line protocol is %s " % (it.name, st, proto)]
    if it.is_tunnel:
        lines.append("  Hardware is Tunnel")
    else:
        mac = "0050.56bf.%04x" % (zlib.crc32(it.name.encode()) & 0xFFFF)
        lines.append("  Hardware is vNIC, address is %s (bia %s)" % (mac, mac))
    if it.description:
        lines.append("  Description: %s" % it.description)
    if it.address:
        lines.append("  Internet address is %s" % it.cidr)
    if it.is_tunnel:
        vt = next((v for v in ctx.ev.tunnels if v.tunnel_iface == it.name), None)
        bw = it.bandwidth or 100
        lines += ["  MTU 17916 bytes, BW %d Kbit/sec, DLY 50000 usec, " % bw,
                  "     reliability 255/255, txload 1/255, rxload 1/255",
                  "  Encapsulation TUNNEL, loopback not set"]
        if it.keepalive:
            lines.append("  Keepalive set (%d sec), retries %d" % it.keepalive)
        else:
            lines.append("  Keepalive not set")
        up = ctx.ev.oper.get(it.name)
        if it.shutdown or up:
            lines.append("  Tunnel linestate evaluation %s" % ("up" if up else "down"))
        elif it.keepalive and vt is not None:
            lines.append("  Tunnel linestate evaluation down - keepalive down")
        else:
            lines.append("  Tunnel linestate evaluation down - transport reg down")
        src_ip = model.resolve_source(ctx.ev.ifaces, it.tunnel_source)
        src_if = it.tunnel_source if it.tunnel_source in ctx.ev.ifaces else next(
            (n for n, x in ctx.ev.ifaces.items() if x.address and x.address == src_ip), None)
        src = "%s (%s)" % (src_ip, src_if) if src_ip and src_if else (src_ip or "UNKNOWN")
        lines.append("  Tunnel source %s, destination %s" % (src, it.tunnel_destination or "UNKNOWN"))
        if src_if:
            members = sum(1 for x in ctx.ev.ifaces.values() if x.is_tunnel and x.tunnel_source in (src_if, src_ip))
            lines += ["   Tunnel Subblocks:", "      src-track:",
                      "         %s source tracking subblock associated with %s" % (it.name, src_if),
                      "          Set of tunnels with source %s, %d members (includes iterators), on interface <OK>"
                      % (src_if, members)]
        lines += ["  Tunnel protocol/transport GRE/IP", "    Key disabled, sequencing disabled",
                  "    Checksumming of packets disabled", "  Tunnel TTL 255, Fast tunneling enabled"]
        if it.pmtud:
            lines.append("  Path MTU Discovery, ager 10 mins, min MTU 92")
        lines += ["  Tunnel transport MTU 1476 bytes", "  Tunnel transmit bandwidth 8000 (kbps)",
                  "  Tunnel receive bandwidth 8000 (kbps)"]
        pk = _counter(vt.ike_since if vt else None, 0.2) if (vt is None or up) else 0
        last_in = "00:00:0%d" % (int(time.time()) % 9) if up else "never"
        lines += ["  Last input %s, output 00:00:01, output hang never" % last_in]
        lines += _counters(pk)
    else:
        lines += ["  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec, ",
                  "     reliability 255/255, txload 1/255, rxload 1/255",
                  "  Encapsulation ARPA, loopback not set", "  Keepalive set (10 sec)",
                  "  Full Duplex, 1000Mbps, link type is auto, media type is Virtual",
                  "  output flow-control is unsupported, input flow-control is unsupported",
                  "  ARP type: ARPA, ARP Timeout 04:00:00",
                  "  Last input 00:00:00, output 00:00:00, output hang never"]
        lines += _counters(_counter(ctx.r.boot_time, 3.0))
    return "\n".join(lines)


def _counters(pk: int) -> list[str]:
    return ["  Last clearing of \"show interface\" counters never",
            "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
            "  Queueing strategy: fifo", "  Output queue: 0/0 (size/max)",
            "  5 minute input rate 0 bits/sec, 0 packets/sec", "  5 minute output rate 0 bits/sec, 0 packets/sec",
            "     %d packets input, %d bytes, 0 no buffer" % (pk, pk * 96),
            "     Received 0 broadcasts (0 IP multicasts)", "     0 runts, 0 giants, 0 throttles ",
            "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
            "     %d packets output, %d bytes, 0 underruns" % (pk + 3, (pk + 3) * 96),
            "     0 output errors, 0 collisions, 0 interface resets", "     0 unknown protocol drops",
            "     0 output buffer failures, 0 output buffers swapped out"]


def _ip_int_brief(ctx: ShowContext) -> str:
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for name in sorted(ctx.ev.ifaces, key=model_sort):
        it = ctx.ev.ifaces[name]
        st, proto = _status(ctx, it)
        row = (name, it.address or "unassigned", "YES", "manual" if it.address else "unset", st, proto)
        lines.append("%-23s%-16s%-4s%-7s%-22s%s" % row)
    return "\n".join(lines)


def _ip_interface(ctx: ShowContext, args: list[str]) -> str:
    name = _iface_arg(ctx, args, 3)
    out = []
    for n in [name] if name else sorted(ctx.ev.ifaces, key=model_sort):
        it = ctx.ev.ifaces[n]
        st, proto = _status(ctx, it)
        out.append("%s is %s, line protocol is %s" % (n, st, proto))
        if not it.address:
            out.append("  Internet protocol processing disabled")
            continue
        mtu = it.ip_mtu or (1476 if it.is_tunnel else 1500)
        out += ["  Internet address is %s" % it.cidr, "  Broadcast address is 255.255.255.255",
                "  Address determined by setup command", "  MTU is %d bytes" % mtu, "  Helper address is not set",
                "  Directed broadcast forwarding is disabled", "  Outgoing Common access list is not set ",
                "  Outgoing access list is not set", "  Inbound Common access list is not set ",
                "  Inbound  access list is not set", "  Proxy ARP is enabled", "  Local Proxy ARP is disabled",
                "  Security level is default", "  Split horizon is enabled", "  ICMP redirects are always sent",
                "  ICMP unreachables are always sent", "  ICMP mask replies are never sent",
                "  IP fast switching is enabled", "  IP Flow switching is disabled", "  IP CEF switching is enabled"]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ routing
def _major(prefix: str) -> ipaddress.IPv4Network:
    net = ipaddress.IPv4Network(prefix)
    return ipaddress.IPv4Network("%s/%d" % (net.network_address, classful_len(str(net.network_address))),
                                 strict=False) if net.prefixlen >= classful_len(str(net.network_address)) else net


def _route_text(ctx: ShowContext, rt: dict) -> str:
    if rt["code"] in ("C", "L"):
        return "%s is directly connected, %s" % (rt["prefix"], rt["iface"])
    if rt["code"] == "S":
        return "%s [1/0] via %s" % (rt["prefix"], rt["via"])
    age = hms(time.time() - (ctx.r.up_since.get(_vt_key(ctx, rt.get("from")), time.time())))
    return "%s [20/0] via %s, %s" % (rt["prefix"], rt["via"], age)


def _vt_key(ctx: ShowContext, nbr: str | None) -> str:
    vt = next((v for v in ctx.ev.tunnels if v.di["tunnel_ip"] == nbr), None)
    return "%s:bgp" % vt.key if vt else ""


def _ip_route(ctx: ShowContext, args: list[str]) -> str:
    rib = ctx.ev.rib
    within = None
    if args and re.match(r"^\d+\.\d+\.\d+\.\d+$", args[0]):
        if "longer-prefixes" not in [a.lower() for a in args]:
            return _route_detail(ctx, args)
        if len(args) != 3:
            raise CLIError(pos=4)
        try:
            within = ipaddress.IPv4Network("%s/%s" % (args[0], args[1]), strict=False)
        except ValueError:
            raise CLIError(pos=4)
        args = []
    code = {"bgp": "B", "connected": "C", "static": "S"}.get(args[0].lower()) if args else None
    if args and code is None:
        raise CLIError(pos=3)
    if within is not None:
        rib = [x for x in rib if ipaddress.IPv4Network(x["prefix"]).subnet_of(within)]
    gw = next((x for x in ctx.ev.rib if x["prefix"] == "0.0.0.0/0"), None)
    lines = [ROUTE_LEGEND, ""]
    if gw:
        lines.append("Gateway of last resort is %s to network 0.0.0.0" % (gw["via"] or gw["iface"]))
    else:
        lines.append("Gateway of last resort is not set")
    lines.append("")
    sel = [x for x in rib if code is None or x["code"] == code or (code == "C" and x["code"] == "L")]
    groups: dict[str, list[dict]] = {}
    for x in sel:
        groups.setdefault(str(_major(x["prefix"])), []).append(x)
    for major in sorted(groups, key=lambda p: int(ipaddress.IPv4Network(p).network_address)):
        routes = sorted(groups[major], key=lambda x: (int(ipaddress.IPv4Network(x["prefix"]).network_address),
                                                      ipaddress.IPv4Network(x["prefix"]).prefixlen))
        masks = {ipaddress.IPv4Network(x["prefix"]).prefixlen for x in routes}
        single_top = len(routes) == 1 and routes[0]["prefix"] == major
        if single_top or major == "0.0.0.0/0":
            for x in routes:
                c = x["code"] + ("*" if x["prefix"] == "0.0.0.0/0" else "")
                lines.append("%-6s%s" % (c, _route_text(ctx, x)))
            continue
        if len(masks) == 1:
            lines.append("      %s/%d is subnetted, %d subnets" % (major.split("/")[0], masks.pop(), len(routes)))
        else:
            lines.append("      %s is variably subnetted, %d subnets, %d masks" % (major, len(routes), len(masks)))
        for x in routes:
            lines.append("%-9s%s" % (x["code"], _route_text(ctx, x)))
    return "\n".join(lines)


def _route_detail(ctx: ShowContext, args: list[str]) -> str:
    addr = args[0]
    if len(args) > 1:
        try:
            net = ipaddress.IPv4Network("%s/%s" % (addr, args[1]), strict=False)
        except ValueError:
            raise CLIError(pos=4)
        rt = next((x for x in ctx.ev.rib if x["prefix"] == str(net)), None)
        if rt is None:
            return "% Subnet not in table"
    else:
        rt = longest_match(ctx.ev.rib, addr)
        if rt is None:
            return "% Network not in table"
    if rt["code"] == "B":
        age = hms(time.time() - ctx.r.up_since.get(_vt_key(ctx, rt.get("from")), time.time()))
        asn = ctx.ev.bgp.asn if ctx.ev.bgp else 0
        return "\n".join([
            "Routing entry for %s" % rt["prefix"],
            '  Known via "bgp %d", distance 20, metric 0' % asn,
            "  Tag %s, type external" % rt.get("as"),
            "  Last update from %s %s ago" % (rt["via"], age),
            "  Routing Descriptor Blocks:",
            "  * %s, from %s, %s ago" % (rt["via"], rt["via"], age),
            "      opaque_ptr 0x7F3A2C1B5E48 ",
            "      Route metric is 0, traffic share count is 1",
            "      AS Hops 1",
            "      Route tag %s" % rt.get("as"),
            "      MPLS label: none"])
    if rt["code"] in ("C", "L"):
        return "\n".join(["Routing entry for %s" % rt["prefix"],
                          '  Known via "%s", distance 0, metric 0 (connected, via interface)'
                          % ("connected" if rt["code"] == "C" else "local"),
                          "  Routing Descriptor Blocks:", "  * directly connected, via %s" % rt["iface"],
                          "      Route metric is 0, traffic share count is 1"])
    return "\n".join(["Routing entry for %s" % rt["prefix"], '  Known via "static", distance 1, metric 0',
                      "  Routing Descriptor Blocks:", "  * %s" % rt["via"],
                      "      Route metric is 0, traffic share count is 1"])


# ------------------------------------------------------------------------------------------ BGP
def _bgp(ctx: ShowContext, args: list[str]) -> str:
    ev = ctx.ev
    if ev.bgp is None:
        return "% BGP not active" if args[:1] != ["summary"] else "% BGP not active"
    low = [x.lower() for x in args]
    if not low:
        return _bgp_table(ctx, list(ev.bgp_table.items()), all_paths=True)
    if low[0] == "summary":
        return _bgp_summary(ctx)
    if low[0] == "neighbors":
        if len(args) == 1:
            return "\n\n".join(_nbr_detail(ctx, a) for a in ev.bgp.neighbors)
        addr = args[1]
        if addr not in ev.bgp.neighbors:
            return "% No such neighbor or address family"
        what = low[2] if len(low) > 2 else None
        if what is None:
            return _nbr_detail(ctx, addr)
        if what == "received-routes":
            n = ev.bgp.neighbors[addr]
            if not n.soft_in:
                return "%% Inbound soft reconfiguration not enabled on %s" % addr
            rows = [dict(r, weight=0, **{"from": addr, "local": False}) for r in ev.bgp_received.get(addr, [])]
            best = {k: v[0] for k, v in ev.bgp_table.items()}
            return _rows_table(ctx, rows, best)
        if what == "routes":
            rows = [p for paths in ev.bgp_table.values() for p in paths if p["from"] == addr]
            best = {k: v[0] for k, v in ev.bgp_table.items()}
            return _rows_table(ctx, rows, best)
        if what == "advertised-routes":
            default, rows = ctx.ev_.advertised(ev, addr)
            return _rows_table(ctx, rows, {r["prefix"]: r for r in rows}, default=default, advertised=True)
        raise CLIError(pos=5)
    if re.match(r"^\d+\.\d+\.\d+\.\d+", args[0]):
        prefix = args[0] if "/" in args[0] else None
        hits = [(k, v) for k, v in ev.bgp_table.items()
                if (prefix and k == str(ipaddress.IPv4Network(prefix, strict=False))) or
                (not prefix and ipaddress.IPv4Address(args[0]) in ipaddress.IPv4Network(k))]
        if not hits:
            return "% Network not in table"
        return _bgp_table(ctx, hits, all_paths=True)
    raise CLIError(pos=3)


# ------------------------------------------------------------------------------------------ ospf
def _ospf(ctx: ShowContext, args: list[str]) -> str:
    """`show ip ospf [pid] database external [self-originate]`: the type-5 LSAs this router originates from its
    `redistribute bgp` (eBGP routes of the RIB through the route-map; IOS defaults: metric 1 for BGP, E2, tag 0).
    The double has no OSPF neighbours, so the database holds only the self-originated LSAs."""
    low = [x.lower() for x in args]
    procs = model.ospf_processes(ctx.r.parser.root)
    pid = None
    if low and low[0].isdigit():
        pid = int(low[0])
        low = low[1:]
    if low[:2] != ["database", "external"] or low[2:] not in ([], ["self-originate"]):
        raise CLIError(pos=3)
    chosen = [p for p in sorted(procs) if pid is None or p == pid]
    out = []
    ev = ctx.ev
    pls = model.prefix_lists(ctx.r.parser.root)
    maps = model.route_maps(ctx.r.parser.root)
    for p in chosen:
        proc = procs[p]
        rid = proc["router_id"] or _router_id(ctx)
        out += ["", "            OSPF Router with ID (%s) (Process ID %d)" % (rid, p), "",
                "\t\tType-5 AS External Link States", ""]
        red = proc["redistribute"].get(("bgp", str(ev.bgp.asn))) if ev.bgp is not None else None
        if red is None:
            continue
        for rt in sorted((r for r in ev.rib if r["code"] == "B"), key=lambda r: model_net_key(r["prefix"])):
            nbr = ev.bgp.neighbors.get(rt.get("from"))
            if nbr is None or nbr.remote_as == ev.bgp.asn:
                continue          # IOS redistributes eBGP routes only (no bgp redistribute-internal)
            sets = model.route_map_result(maps, red.get("route-map"), pls, rt["prefix"])
            if sets is None:
                continue
            net = ipaddress.IPv4Network(rt["prefix"])
            mtype = {"type-1": "1", "type-2": "2"}.get(sets.get("metric-type"), red.get("metric-type") or "2")
            metric = sets.get("metric") or red.get("metric") or "1"
            tag = sets.get("tag") or red.get("tag") or "0"
            out += ["  LS age: 42", "  Options: (No TOS-capability, DC, Upward)", "  LS Type: AS External Link",
                    "  Link State ID: %s (External Network Number )" % net.network_address,
                    "  Advertising Router: %s" % rid, "  LS Seq Number: 80000001", "  Checksum: 0x%04X" % (
                        int(net.network_address) % 65521), "  Length: 36", "  Network Mask: /%d" % net.prefixlen,
                    "\tMetric Type: %s (%s)" % (
                        mtype, "Comparable directly to link state metric" if mtype == "1" else "Larger than any link state path"),
                    "\tMTID: 0 ", "\tMetric: %s " % metric, "\tForward Address: 0.0.0.0",
                    "\tExternal Route Tag: %s" % tag, ""]
    return "\n".join(out)


def model_net_key(prefix: str):
    net = ipaddress.IPv4Network(prefix)
    return (int(net.network_address), net.prefixlen)


def _row(status: str, prefix: str, nh: str, weight: int, path: list[int], local: bool) -> list[str]:
    net = bgp_net(prefix)
    tail = "%-20s%6s %6s %6s %s" % (nh, "0" if local else "", "", weight,
                                    " ".join(str(a) for a in path) + (" i" if path else "i"))
    if len(net) > 16:
        return [" %-3s  %s" % (status, net), " " * 23 + tail]
    return [" %-3s  %-17s%s" % (status, net, tail)]


def _rows_table(ctx: ShowContext, rows: list[dict], best: dict, default: bool = False,
                advertised: bool = False) -> str:
    rid = _router_id(ctx)
    lines = ["BGP table version is %d, local router ID is %s" % (_tblver(ctx), rid), BGP_LEGEND, ""]
    if default:
        lines += ["Originating default network 0.0.0.0", ""]
    lines.append("     Network          Next Hop            Metric LocPrf Weight Path")
    for r in sorted(rows, key=lambda r: (int(ipaddress.IPv4Network(r["prefix"]).network_address),
                                         ipaddress.IPv4Network(r["prefix"]).prefixlen)):
        b = best.get(r["prefix"])
        status = "*>" if b is not None and b.get("from") == r.get("from") else "*"
        nh = "0.0.0.0" if r.get("local") else r["next_hop"]
        lines += _row(status, r["prefix"], nh, r.get("weight", 0), r["as_path"], r.get("local", False))
    lines += ["", "Total number of prefixes %d " % len(rows)]
    return "\n".join(lines)


def _bgp_table(ctx: ShowContext, items, all_paths: bool) -> str:
    lines = ["BGP table version is %d, local router ID is %s" % (_tblver(ctx), _router_id(ctx)), BGP_LEGEND, "",
             "     Network          Next Hop            Metric LocPrf Weight Path"]
    for prefix, paths in sorted(items, key=lambda kv: (int(ipaddress.IPv4Network(kv[0]).network_address),
                                                       ipaddress.IPv4Network(kv[0]).prefixlen)):
        for i, p in enumerate(paths):
            lines += _row("*>" if i == 0 else "*", prefix, "0.0.0.0" if p["local"] else p["next_hop"],
                          p["weight"], p["as_path"], p["local"])
    return "\n".join(lines)


def _router_id(ctx: ShowContext) -> str:
    b = ctx.ev.bgp
    if b and b.router_id:
        return b.router_id
    loops = [it.address for it in ctx.ev.ifaces.values() if it.name.startswith("Loopback") and it.address]
    cands = loops or [it.address for it in ctx.ev.ifaces.values() if it.address and ctx.ev.oper.get(it.name)]
    return max(cands, key=lambda a: int(ipaddress.IPv4Address(a))) if cands else "0.0.0.0"


def _tblver(ctx: ShowContext) -> int:
    return 1 + sum(len(v) for v in ctx.ev.bgp_table.values()) * 2


def _bgp_summary(ctx: ShowContext) -> str:
    ev = ctx.ev
    b = ev.bgp
    n_nets = len(ev.bgp_table)
    n_paths = sum(len(v) for v in ev.bgp_table.values())
    tv = _tblver(ctx)
    lines = ["BGP router identifier %s, local AS number %d" % (_router_id(ctx), b.asn),
             "BGP table version is %d, main routing table version %d" % (tv, tv),
             "%d network entries using %d bytes of memory" % (n_nets, n_nets * 248),
             "%d path entries using %d bytes of memory" % (n_paths, n_paths * 136),
             "%d/%d BGP path/bestpath attribute entries using %d bytes of memory" % (n_paths, n_nets, n_paths * 296),
             "%d BGP AS-PATH entries using %d bytes of memory" % (len(b.neighbors), len(b.neighbors) * 24),
             "0 BGP route-map cache entries using 0 bytes of memory",
             "0 BGP filter-list cache entries using 0 bytes of memory",
             "BGP using %d total bytes of memory" % (n_nets * 248 + n_paths * 432 + 24),
             "BGP activity %d/%d prefixes, %d/%d paths, scan interval 60 secs" % (n_nets, 0, n_paths, 0),
             "%d networks peaked at 10:00:00 Jan 6 2025 UTC (00:10:00.000 ago)" % n_nets, "",
             "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd"]
    for addr, n in sorted(b.neighbors.items(), key=lambda kv: kv[1].seq):
        state = ev.bgp_states.get(addr, "Idle")
        since = ctx.r.up_since.get(_vt_key(ctx, addr)) if state == "Established" else None
        if state == "Established" and since is None:
            since = ctx.r.boot_time + 60
        msgs = _counter(since, 0.1)
        if state == "Established":
            pfx = sum(1 for paths in ev.bgp_table.values() for p in paths if p["from"] == addr)
            col = "%8d" % pfx
        else:
            col = state
        row = (addr, "4", n.remote_as, msgs, msgs + 1, tv if state == "Established" else 1, 0, 0,
               hms(time.time() - since) if since else "never", col)
        lines.append("%-16s%-1s%13d%8d%8d%9d%5d%5d %-8s %s" % row)
    return "\n".join(lines)


def _nbr_detail(ctx: ShowContext, addr: str) -> str:
    ev = ctx.ev
    b = ev.bgp
    n = b.neighbors[addr]
    state = ev.bgp_states.get(addr, "Idle")
    vt = next((v for v in ev.tunnels if v.di["tunnel_ip"] == addr), None)
    las = " local AS %d%s," % (n.local_as, "".join(" " + o for o in n.local_as_opts)) if n.local_as else ""
    since = ctx.r.up_since.get(_vt_key(ctx, addr)) if state == "Established" else None
    hold = min((n.timers or b.timers)[1], ctx.ev_.policy.get("bgp_hold_s", 180)) if vt else (n.timers or b.timers)[1]
    ka = (n.timers or b.timers)[0] if vt is None else max(1, hold // 3)
    # an Established session keeps what it negotiated when it came up; `neighbor X timers` changes only the
    # Configured line below until the session is re-established (clear ip bgp X)
    negotiated = ctx.r.bgp_negotiated.get(_vt_key(ctx, addr)) if vt is not None and since is not None else None
    if negotiated:
        hold, ka = negotiated
    lines = ["BGP neighbor is %s,  remote AS %d,%s external link" % (addr, n.remote_as, las)]
    if n.description:
        lines.append(" Description: %s" % n.description)
    lines += ["  BGP version 4, remote router ID %s" % (vt.di["gre_ip"] if vt and state == "Established" else "0.0.0.0"),
              "  BGP state = %s%s" % (state.split()[0], ", up for %s" % hms(time.time() - since) if since else ""),
              "  Last read 00:00:03, last write 00:00:03, hold time is %d, keepalive interval is %d seconds"
              % (hold, ka)]
    if n.timers:
        lines.append("  Configured hold time is %d, keepalive interval is %d seconds" % (n.timers[1], n.timers[0]))
    if state == "Established":
        pfx = sum(1 for paths in ev.bgp_table.values() for p in paths if p["from"] == addr)
        default, adv = ctx.ev_.advertised(ev, addr)
        lines += ["  Neighbor sessions:", "    1 active, is not multisession capable (disabled)",
                  "  Neighbor capabilities:", "    Route refresh: advertised and received(new)",
                  "    Four-octets ASN Capability: advertised and received",
                  "    Address family IPv4 Unicast: advertised and received",
                  "", " For address family: IPv4 Unicast", "  Session: %s" % addr,
                  "  BGP table version %d, neighbor version %d/0" % (_tblver(ctx), _tblver(ctx)),
                  "  Output queue size : 0", "  Index 1, Advertise bit 0", "  1 update-group member"]
        if n.prefix_in:
            lines.append("  Incoming update prefix filter list is %s" % n.prefix_in)
        if n.prefix_out:
            lines.append("  Outgoing update prefix filter list is %s" % n.prefix_out)
        if n.soft_in:
            lines.append("  Inbound soft reconfiguration allowed")
        if n.default_originate:
            lines.append("  Default information originate, default %s" % ("sent" if default else "not sent"))
        lines += ["                                 Sent       Rcvd",
                  "  Prefix activity:               ----       ----",
                  "    Prefixes Current:               %d          %d (Consumes %d bytes)" % (
                      len(adv) + (1 if default else 0), pfx, pfx * 136)]
    else:
        lines.append("  Last reset never" if vt is None else "  Last reset never, due to %s" % (vt.bgp_reason or "Active open failed"))
    if n.password_set:
        lines.append("  Connections established 1; dropped 0" if state == "Established" else
                     "  Connections established 0; dropped 0")
    if vt is not None and n.fall_over_bfd:
        lines.append("  Using BFD to detect fast fallover (single-hop).")
    lines.append("  Transport(tcp) path-mtu-discovery is enabled")
    return "\n".join(lines)


def _prefix_lists(ctx: ShowContext, args: list[str]) -> str:
    pls = model.prefix_lists(ctx.r.parser.root)
    names = [args[0]] if args else list(pls)
    out = []
    for name in names:
        entries = pls.get(name, [])
        if args and name not in pls:
            return ""
        out.append("ip prefix-list %s: %d entries" % (name, len(entries)))
        for e in entries:
            extra = "".join(" %s %d" % (k, e[k]) for k in ("ge", "le") if e[k] is not None)
            out.append("   seq %d %s %s%s" % (e["seq"], e["action"], e["net"], extra))
    return "\n".join(out)


def _acls(ctx: ShowContext) -> str:
    out = []
    for name, blk in model.blocks(ctx.r.parser.root, "ip", "access-list").items():
        kind = blk.line.split()[2]
        out.append("%s IP access list %s" % ("Extended" if kind == "extended" else "Standard", name))
        for c in blk.children:
            out.append("    %s" % c.line)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ crypto
def _crypto(ctx: ShowContext, args: list[str]) -> str:
    low = [x.lower() for x in args]
    if low[:2] == ["ikev2", "sa"]:
        return _ikev2_sa(ctx)
    if low[:2] == ["ipsec", "sa"]:
        peer = args[3] if low[2:3] == ["peer"] and len(args) > 3 else None
        if low[2:3] == ["peer"] and peer is None:
            raise CLIError("% Incomplete command.", pos=None)
        return _ipsec_sa(ctx, peer)
    if low[:1] == ["session"]:
        detail = "detail" in low
        remote = args[low.index("remote") + 1] if "remote" in low and len(args) > low.index("remote") + 1 else None
        return _session(ctx, detail, remote)
    if low[:1] == ["map"]:
        return _crypto_map(ctx)
    if low[:2] == ["ipsec", "transform-set"]:
        out = []
        for name, ts in model.transform_sets(ctx.r.parser.root).items():
            out += ["Transform set %s: { %s  } " % (name, " ".join(ts["transforms"])),
                    "   will negotiate = { %s,  }, " % ts["mode"].capitalize(), "   "]
        return "\n".join(out)
    raise CLIError(pos=2)


def _flows(ctx: ShowContext) -> list[dict]:
    """Every crypto map flow: the VC tunnels (modelled) and the foreign ones (always up when complete)."""
    flows = []
    for vt in ctx.ev.tunnels:
        if vt.entry is None:
            continue
        flows.append({"iface": vt.wan_iface, "map": vt.map_name, "seq": vt.entry.seq, "peer": vt.di["ipsec_ip"],
                      "local": ctx.ev.ifaces[vt.wan_iface].address, "src": vt.cpe["gre_ip"], "dst": vt.di["gre_ip"],
                      "proto": "gre", "ike": vt.ike_up, "ipsec": vt.ike_up and vt.ipsec_up, "since": vt.ike_since,
                      "ipsec_since": vt.ipsec_since,
                      "nat_t": vt.nat_t, "profile": vt.profile_name or vt.entry.profile, "suite": vt.ike_suite,
                      "transform": vt.transform, "pfs": vt.pfs, "key": vt.key,
                      "lifetime": (model.profiles(ctx.r.parser.root).get(vt.profile_name or "", {}) or {}).get(
                          "lifetime", 86400), "sa_life": vt.entry.lifetime_s or 3600})
    for f in ctx.ev.foreign_sas:
        flows.append({"iface": f["iface"], "map": f["map"], "seq": f["seq"], "peer": f["peer"], "local": f["local"],
                      "src": f["src"], "dst": f["dst"], "proto": f["proto"], "ike": f["up"], "ipsec": f["up"],
                      "since": time.time() - ((time.time() - ctx.r.boot_time) % 3000),
                      "ipsec_since": time.time() - ((time.time() - ctx.r.boot_time) % 3000), "nat_t": False, "profile": f["profile"],
                      "suite": {"encryption": "aes-cbc-256", "prf": "sha256", "integrity": "sha256", "group": "19"},
                      "transform": ["esp-aes", "256", "esp-sha256-hmac"], "pfs": None, "key": f["peer"],
                      "lifetime": 86400, "sa_life": 3600})
    return flows


def _ikev2_sa(ctx: ShowContext) -> str:
    lines = ["IPv4 Crypto IKEv2 SA ", "",
             "Tunnel-id Local                 Remote                fvrf/ivrf            Status "]
    tid = 0
    for f in _flows(ctx):
        if not f["ike"]:
            continue
        tid += 1
        port = 4500 if f["nat_t"] else 500
        s = f["suite"]
        enc = s["encryption"].upper().rsplit("-", 1)
        integ = (s["integrity"] or "None").upper()
        row = (tid, "%s/%d" % (f["local"], port), "%s/%d" % (f["peer"], port), "none/none", "READY")
        lines.append("%-10s%-22s%-22s%-21s%-7s" % row)
        lines.append("      Encr: %s, keysize: %s, PRF: %s, Hash: %s, DH Grp:%s, Auth sign: PSK, Auth verify: PSK"
                     % (enc[0], enc[1], s["prf"].upper(), integ, s["group"]))
        lines.append("      Life/Active Time: %d/%d sec" % (f["lifetime"], int(time.time() - (f["since"] or time.time()))))
        lines.append("")
    lines += [" IPv6 Crypto IKEv2 SA ", ""]
    return "\n".join(lines)


def _plaintext_mtu(transform: list[str], nat_t: bool) -> int:
    if not transform:
        return 1500
    gcm = "esp-gcm" in transform
    iv = 8 if gcm else 16
    icv = 16 if gcm else {"esp-sha-hmac": 12, "esp-sha256-hmac": 16, "esp-sha384-hmac": 24,
                          "esp-sha512-hmac": 32}.get(transform[-1], 12)
    return 1500 - 20 - 8 - iv - icv - 2 - (8 if nat_t else 0)


def _ipsec_sa(ctx: ShowContext, peer: str | None) -> str:
    flows = [f for f in _flows(ctx) if peer is None or f["peer"] == peer]
    out: list[str] = []
    last_iface = None
    for f in sorted(flows, key=lambda f: (f["iface"], f["seq"])):
        if f["iface"] != last_iface:
            out += ["interface: %s" % f["iface"], "    Crypto map tag: %s, local addr %s" % (f["map"], f["local"])]
            last_iface = f["iface"]
        up = f["ipsec"]
        n = _counter(f["ipsec_since"], 0.1) if up else 0
        port = 4500 if f["nat_t"] else 500
        proto = {"gre": 47, "ip": 0, "esp": 50}.get(f["proto"], 0)
        spi_out, spi_out_s = _spi("out" + f["key"] + str(f["ipsec_since"]))
        spi_in, spi_in_s = _spi("in" + f["key"] + str(f["ipsec_since"]))
        out += ["", "   protected vrf: (none)",
                "   local  ident (addr/mask/prot/port): (%s/255.255.255.255/%d/0)" % (f["src"], proto),
                "   remote ident (addr/mask/prot/port): (%s/255.255.255.255/%d/0)" % (f["dst"], proto),
                "   current_peer %s port %d" % (f["peer"], port),
                "     PERMIT, flags={origin_is_acl,}",
                "    #pkts encaps: %d, #pkts encrypt: %d, #pkts digest: %d" % (n, n, n),
                "    #pkts decaps: %d, #pkts decrypt: %d, #pkts verify: %d" % ((max(n - 2, 0),) * 3),
                "    #pkts compressed: 0, #pkts decompressed: 0",
                "    #pkts not compressed: 0, #pkts compr. failed: 0",
                "    #pkts not decompressed: 0, #pkts decompress failed: 0",
                "    #send errors 0, #recv errors 0", "",
                "     local crypto endpt.: %s, remote crypto endpt.: %s" % (f["local"], f["peer"]),
                "     plaintext mtu %d, path mtu 1500, ip mtu 1500, ip mtu idb %s" % (
                    _plaintext_mtu(f["transform"] if up else [], f["nat_t"]), f["iface"]),
                "     current outbound spi: %s" % (spi_out_s if up else "0x0(0)"),
                "     PFS (Y/N): %s, DH group: %s" % (("Y", f["pfs"]) if up and f["pfs"] else ("N", "none")), ""]
        remaining = max(f["sa_life"] - int(time.time() - (f["ipsec_since"] or time.time())), 1)
        for direction, spi in (("inbound", spi_in_s), ("outbound", spi_out_s)):
            out.append("     %s esp sas:" % direction)
            if up:
                out += ["      spi: %s" % spi,
                        "        transform: %s ," % " ".join(f["transform"]),
                        "        in use settings ={Tunnel%s, }" % (" UDP-Encaps" if f["nat_t"] else ""),
                        "        conn id: %d, flow_id: CSR:%d, sibling_flags FFFFFFFF80000048, crypto map: %s" % (
                            2000 + f["seq"] * 2 + (direction == "outbound"), f["seq"], f["map"]),
                        "        sa timing: remaining key lifetime (k/sec): (4607999/%d)" % remaining,
                        "        IV size: %d bytes" % (8 if "esp-gcm" in f["transform"] else 16),
                        "        replay detection support: Y",
                        "        Status: ACTIVE(ACTIVE)"]
            out += ["", "     %s ah sas:" % direction, "", "     %s pcp sas:" % direction, ""]
    return "\n".join(out)


CODE_HDR = """Crypto session current status

Code: C - IKE Configuration mode, D - Dead Peer Detection\x20\x20\x20\x20\x20
K - Keepalives, N - NAT-traversal, T - cTCP encapsulation\x20\x20\x20\x20\x20
X - IKE Extended Authentication, F - IKE Fragmentation
R - IKE Auto Reconnect, U - IKE Dynamic Route Update
S - SIP VPN
"""


def _session(ctx: ShowContext, detail: bool, remote: str | None) -> str:
    out = [CODE_HDR if detail else "Crypto session current status\n"]
    for i, f in enumerate(_flows(ctx), start=1):
        if remote and f["peer"] != remote:
            continue
        port = 4500 if f["nat_t"] else 500
        status = "UP-ACTIVE" if f["ipsec"] else ("UP-IDLE" if f["ike"] else "DOWN")
        out.append("Interface: %s" % f["iface"])
        if f["ike"] and f["profile"]:
            out.append("Profile: %s" % f["profile"])
        if detail and f["ike"]:
            out.append("Uptime: %s" % hms(time.time() - (f["since"] or time.time())))
        out.append("Session status: %s    " % status if detail else "Session status: %s" % status)
        if detail:
            out += ["Peer: %s port %d fvrf: (none) ivrf: (none)" % (f["peer"], port),
                    "      Phase1_id: %s" % (f["peer"] if f["ike"] else "(none)"), "      Desc: (none)"]
        else:
            out.append("Peer: %s port %d " % (f["peer"], port))
        if f["ike"]:
            life = hms(max(f["lifetime"] - (time.time() - (f["since"] or time.time())), 0))
            out += ["  Session ID: %d  " % (i + 2),
                    "  IKEv2 SA: local %s/%d remote %s/%d Active " % (f["local"], port, f["peer"], port)]
            if detail:
                out.append("          Capabilities:D%s connid:%d lifetime:%s" % ("N" if f["nat_t"] else "", i, life))
        proto = {"gre": "47", "ip": "ip"}.get(f["proto"], f["proto"])
        out.append("  IPSEC FLOW: permit %s host %s host %s " % (proto, f["src"], f["dst"]))
        n = _counter(f["ipsec_since"], 0.1) if f["ipsec"] else 0
        remaining = max(f["sa_life"] - int(time.time() - (f["ipsec_since"] or time.time())), 1) if f["ipsec"] else 0
        out.append("        Active SAs: %d, origin: crypto map" % (2 if f["ipsec"] else 0))
        if detail:
            life = "4607999/%d" % remaining if f["ipsec"] else "0/0"
            out += ["        Inbound:  #pkts dec'ed %d drop 0 life (KB/Sec) %s" % (max(n - 2, 0), life),
                    "        Outbound: #pkts enc'ed %d drop 0 life (KB/Sec) %s" % (n, life)]
        out.append(" ")
    return "\n".join(out)


def _crypto_map(ctx: ShowContext) -> str:
    root = ctx.r.parser.root
    maps = model.crypto_maps(root)
    acl = model.acls(root)
    tsets = model.transform_sets(root)
    ifaces = ctx.ev.ifaces
    out = []
    for name, entries in maps.items():
        for e in entries:
            out.append('Crypto Map IPv4 "%s" %d ipsec-isakmp' % (name, e.seq))
            out += ["\tPeer = %s" % p for p in e.peers]
            if e.profile:
                out.append("\tIKEv2 Profile: %s" % e.profile)
            out.append("\tAccess-List SS dynamic: False")
            if e.acl:
                out.append("\tExtended IP access list %s" % e.acl)
                for x in acl.get(e.acl, []):
                    out.append("\t    access-list %s %s %s %s" % (e.acl, x["action"], x["proto"], " ".join(x["rest"])))
            if e.peers:
                out.append("\tCurrent peer: %s" % e.peers[0])
            out += ["\tSecurity association lifetime: 4608000 kilobytes/%d seconds" % (e.lifetime_s or 3600),
                    "\tDualstack (Y/N): N", "", "\tResponder-Only (Y/N): N",
                    "\tPFS (Y/N): %s" % ("Y" if e.pfs else "N")]
            if e.pfs:
                out.append("\tDH group:  %s" % e.pfs)
            out += ["\tMixed-mode : Disabled", "\tTransform sets={ "]
            for ts in e.transform_sets:
                if ts in tsets:
                    out.append("\t\t%s:  { %s  } , " % (ts, " ".join(tsets[ts]["transforms"])))
            out.append("\t}")
            if e.reverse_route:
                out.append("\tReverse Route Injection Enabled")
            users = [n for n, it in ifaces.items() if it.crypto_map == name]
            out.append("\tInterfaces using crypto map %s:" % name)
            out += ["\t\t%s" % u for u in users]
            out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ logging
LOG_HEADER = """Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, \
filtering disabled)

No Active Message Discriminator.

No Inactive Message Discriminator.

    Console logging: disabled
    Monitor logging: level debugging, 0 messages logged, xml disabled,
                     filtering disabled
    Buffer logging:  level debugging, %d messages logged, xml disabled,
                    filtering disabled
    Exception Logging: size (4096 bytes)
    Count and timestamp logging messages: disabled
    Persistent logging: disabled

No active filter modules.

    Trap logging: level informational, 0 message lines logged
        Logging Source-Interface:       VRF Name:

Log Buffer (64000 bytes):
"""


def _asdata(asn: int) -> str:
    return "2 bytes %04X" % asn if asn < 65536 else "4 bytes %08X" % asn


def _log_lines(ctx: ShowContext) -> list[str]:
    """What the router's log buffer holds about the VC peers right now, derived from the same evaluation
    as every other show (no history: the messages a failing negotiation repeats, an Up for what is up).
    Texts: %BGP-3-NOTIFICATION and %TCP-6-BADAUTH as IOS prints them; the IKEv2 lines are the
    `debug crypto ikev2` forms (logged to the buffer at level debugging), see docs/offline-verify.md."""
    ev = ctx.ev
    out: list[str] = []
    for vt in ev.tunnels:
        cpe_ip, di_ip = vt.cpe["ipsec_ip"], vt.di["ipsec_ip"]
        sid = "SESSION ID = %d,SA ID = 1" % (100 + vt.index)
        send = "IKEv2:(%s):Sending Packet [To %s:500/From %s:500/VRF i0:f0]" % (sid, di_ip, cpe_ip)
        recv = "IKEv2:(%s):Received Packet [From %s:500/To %s:500/VRF i0:f0]" % (sid, di_ip, cpe_ip)
        attempted = vt.profile_name is not None
        if vt.role == "gre":
            pass                        # its IKE/IPsec messages are in the IPsec device's log
        elif vt.ike_up and vt.ipsec_up:
            out.append("%%CRYPTO-5-SESSION_STATUS: Crypto tunnel is UP  .  Peer %s:500       Id: %s" % (di_ip, di_ip))
        elif attempted and not vt.ike_up:
            out.append("%%IKEV2-5-OSAL_INITIATE_TUNNEL: Received request to establish an IPsec tunnel; local traffic "
                       "selector = Address Range: %s-%s Protocol: 47 Port Range: 0-65535 ; remote traffic selector = "
                       "Address Range: %s-%s Protocol: 47 Port Range: 0-65535" % (
                           vt.cpe["gre_ip"], vt.cpe["gre_ip"], vt.di["gre_ip"], vt.di["gre_ip"]))
            if vt.faults.get("cisco_down"):
                out += [send, "IKEv2 IKE_SA_INIT Exchange REQUEST", "IKEv2:(%s):Retransmitting packet" % sid,
                        "IKEv2:(%s):Retransmitting packet" % sid,
                        "IKEv2-ERROR:(%s):: Maximum number of retransmissions reached" % sid]
            elif vt.ike_reason.startswith("no IKEv2 proposal chosen"):
                out += [send, "IKEv2 IKE_SA_INIT Exchange REQUEST", recv, "IKEv2 IKE_SA_INIT Exchange RESPONSE",
                        "IKEv2-ERROR:(%s):: Received no proposal chosen notify" % sid,
                        "IKEv2-ERROR:(%s):: Initial exchange failed" % sid]
            elif vt.ike_reason.startswith("authentication failed"):
                out += [send, "IKEv2 IKE_AUTH Exchange REQUEST", recv, "IKEv2 IKE_AUTH Exchange RESPONSE",
                        "IKEv2-ERROR:(%s):: Failed to authenticate the IKE SA" % sid,
                        "IKEv2-ERROR:(%s):: Auth exchange failed" % sid]
        elif vt.ike_up and not vt.ipsec_up:
            if vt.ipsec_reason.startswith("traffic selectors refused"):
                out += [send, "IKEv2 IKE_AUTH Exchange REQUEST", recv, "IKEv2 IKE_AUTH Exchange RESPONSE",
                        "IKEv2-ERROR:(%s):: Received TS_UNACCEPTABLE notify" % sid]
            elif vt.ipsec_reason.startswith("no acceptable ESP transform"):
                out += [send, "IKEv2 IKE_AUTH Exchange REQUEST", recv, "IKEv2 IKE_AUTH Exchange RESPONSE",
                        "IKEv2-ERROR:(%s):: Received no proposal chosen notify" % sid]
        # BGP: the messages of a session refused for its AS numbers or its TCP MD5 password
        b = ev.bgp
        addr = vt.di["tunnel_ip"]
        n = b.neighbors.get(addr) if b is not None else None
        if n is None:
            continue
        if vt.bgp_state == "Established":
            out.append("%%BGP-5-ADJCHANGE: neighbor %s Up " % addr)
        elif vt.bgp_reason.startswith("bad remote AS"):
            out.append("%%BGP-3-NOTIFICATION: sent to neighbor %s passive 2/2 (peer in wrong AS) %s" % (
                addr, _asdata(int(vt.di["asn"]))))
        elif vt.bgp_reason.startswith("the DC expects AS"):
            out.append("%%BGP-3-NOTIFICATION: received from neighbor %s active 2/2 (peer in wrong AS) %s" % (
                addr, _asdata(int(n.local_as or b.asn))))
        elif vt.bgp_reason.startswith("TCP MD5") and vt.t.get("bgp_password"):
            what = "Invalid" if n.password else "No"
            out.append("%%TCP-6-BADAUTH: %s MD5 digest from %s(%d) to %s(179) tableid - 0" % (
                what, addr, 20000 + vt.index, vt.cpe["tunnel_ip"].split("/")[0]))
    return out


def _logging(ctx: ShowContext) -> str:
    # A failing negotiation repeats (every trigger, every retransmission): the buffer's newest repetition is what
    # the double shows, its lines 10 ms apart ending now. (They were 1 s apart, which made the newest auth failure
    # of a two-tunnel router 4-5 s old at the first look after a change: its freshness then depended on how fast
    # the controller ran the look, not on the rule; CI saw two settle looks where the rule needs one.)
    lines = _log_lines(ctx)
    base = time.time() - 0.01 * len(lines)
    stamped = []
    for i, line in enumerate(lines):
        t = base + 0.01 * i
        stamped.append("%s.%03d: %s" % (time.strftime("%b %e %H:%M:%S", time.gmtime(t)), int((t % 1) * 1000), line))
    return LOG_HEADER % len(stamped) + "\n".join(stamped)


# ------------------------------------------------------------------------------------------ ping
def ping(r, args: list[str]) -> str:
    if not args:
        raise CLIError("% Incomplete command.", pos=None)
    try:
        dest = str(ipaddress.IPv4Address(args[0]))
    except ValueError:
        return "Translating \"%s\"\n%% Unrecognized host or address, or protocol not running." % args[0]
    repeat, size, df, source = 5, 100, False, None
    i = 1
    low = [x.lower() for x in args]
    while i < len(args):
        w = low[i]
        if w in ("repeat", "size", "timeout", "source") and i + 1 < len(args):
            if w == "repeat":
                repeat = int(args[i + 1])
            elif w == "size":
                size = int(args[i + 1])
                if not 36 <= size <= 18024:
                    raise CLIError(pos=i + 2)
            elif w == "source":
                source = args[i + 1]
            i += 2
        elif w in ("df-bit", "validate", "verbose"):
            df = df or w == "df-bit"
            i += 1
        else:
            raise CLIError(pos=i + 1)
    ctx = ShowContext(r)
    ev = ctx.ev
    src_ip = None
    if source:
        name = norm_iface(source)
        if name and name in ev.ifaces:
            src_ip = ev.ifaces[name].address
            if src_ip is None:
                return "% Invalid source interface - IP not enabled"
        else:
            try:
                src_ip = str(ipaddress.IPv4Address(source))
            except ValueError:
                raise CLIError(pos=low.index("source") + 2)
            if not any(it.address == src_ip for it in ev.ifaces.values()):
                return "% Invalid source address- IP address not on any of our up interfaces"
    head = ["Type escape sequence to abort.",
            "Sending %d, %d-byte ICMP Echos to %s, timeout is 2 seconds:" % (repeat, size, dest)]
    if src_ip:
        head.append("Packet sent with a source address of %s " % src_ip)
    if df:
        head.append("Packet sent with the DF bit set")
    rt = longest_match(ev.rib, dest)
    ok, mark = False, "."
    if rt is not None:
        out_if = rt["iface"]
        if out_if is None and rt.get("via"):
            nh = longest_match(ev.rib, rt["via"])
            out_if = nh["iface"] if nh else None
        vt = next((v for v in ev.tunnels if v.tunnel_iface == out_if), None)
        it = ev.ifaces.get(out_if) if out_if else None
        if rt["code"] == "L":
            ok = True
        elif vt is not None:
            reachable = dest == vt.di["tunnel_ip"] or any(
                ipaddress.IPv4Address(dest) in ipaddress.IPv4Network(p) for p in vt.announced)
            mtu = (it.ip_mtu or 1476) if it else 1476
            if df and size > mtu:
                mark = "M"
            elif vt.gre_ok and ev.oper.get(out_if) and reachable and not vt.faults.get("ping_loss"):
                ok = True
        elif it is not None and ev.oper.get(out_if):
            # the DC IPsec headends answer pings unless the fault cisco_down makes them unreachable
            targets = {rt.get("via")} | {f["neighbor"] for f in r.foreign.get("bgp", [])} | set(
                r.foreign.get("ping_ok", [])) | {v.di["ipsec_ip"] for v in ev.tunnels if not v.faults.get("cisco_down")}
            ok = dest in targets
    if ok:
        return "\n".join(head + ["!" * repeat,
                                 "Success rate is 100 percent (%d/%d), round-trip min/avg/max = 1/2/4 ms" % (
                                     repeat, repeat)])
    return "\n".join(head + [mark * repeat, "Success rate is 0 percent (0/%d)" % repeat])
