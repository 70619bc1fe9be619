"""The far end, as the TEST DOUBLE models it: Cisco's DC-A/DC-B headends and routers for Virtual Connect.

The "Cisco side truth" is the inventory's `vc_regions` (psk, bgp_password, di.* addresses, ASNs) given
to the double when it starts. From it and the CPE's running configuration this module derives what the
CPE would show: an IKEv2 SA and a GRE-only IPsec SA per crypto map peer whose PSK, proposals and crypto
ACL match, tunnel line protocol, BGP session state and the prefixes each DC announces.

Independent on purpose: it recomputes the /25 split and the expected prefixes itself (it stands for the
other side of the wire), it never imports the collection's plan code.

Faults (``Router.faults()``): {"tunnels": {<key|A|B|1|2>: {...}}} with any of
  cisco_down   the DC's IPsec headend does not answer (no IKE SA)
  psk          the PSK the DC side uses (a mismatch fails IKE authentication)
  ipsec_down   IKE comes up, the CHILD SA is refused
  gre_down     the DC's GRE endpoint drops the tunnel (keepalives fail)
  bgp_down     the DC's BGP speaker does not answer
  withdraw     list of prefixes the DC stops announcing
  ping_loss    the DC side drops pings
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

from . import model

# What the DC side accepts (IKEv2 proposal intersection, ESP transforms, PFS groups).
DEFAULT_POLICY = {
    "ike": {"encryption": ["aes-gcm-256", "aes-cbc-256"], "prf": ["sha256", "sha384", "sha512"],
            "integrity": ["sha256", "sha384", "sha512"], "group": ["19", "20", "21"]},
    "esp": [["esp-gcm", "256"], ["esp-aes", "256", "esp-sha256-hmac"], ["esp-aes", "256", "esp-sha384-hmac"],
            ["esp-aes", "256", "esp-sha512-hmac"]],
    "pfs": ["group19", "group20", "group21", None],
    "bgp_hold_s": 30,
}
NAT_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
# IOS-XE default IKEv2 proposal / transform set, used when the CPE configures none.
DEFAULT_IKE_PROPOSAL = {"encryption": ["aes-cbc-256", "aes-cbc-192", "aes-cbc-128"],
                        "integrity": ["sha512", "sha384", "sha256"], "prf": [], "group": ["19", "20", "14"]}
DEFAULT_TRANSFORM = {"transforms": ["esp-aes", "esp-sha-hmac"], "mode": "tunnel"}


def dc_prefixes(region: dict, dc: str) -> list[str]:
    """What the DC announces on its tunnel: its /25 and the /24 (and the IaaS pair)."""
    out = []
    for key in ("di_prefix", "iaas_prefix"):
        if not region.get(key):
            continue
        net = ipaddress.IPv4Network(region[key])
        low, high = net.subnets(new_prefix=net.prefixlen + 1)
        out += [str(net), str(low if dc == "A" else high)]
    return sorted(out, key=lambda p: (ipaddress.IPv4Network(p).network_address, ipaddress.IPv4Network(p).prefixlen))


@dataclass
class VcTunnel:
    key: str
    dc: str
    index: int
    region: dict
    t: dict                           # the vc_regions tunnel entry (truth)
    faults: dict = field(default_factory=dict)
    # derived
    wan_iface: str | None = None
    map_name: str | None = None
    entry: model.MapEntry | None = None
    profile_name: str | None = None
    ike_up: bool = False
    ike_reason: str = ""
    ike_suite: dict = field(default_factory=dict)
    ipsec_up: bool = False
    ipsec_reason: str = ""
    transform: list[str] = field(default_factory=list)
    pfs: str | None = None
    nat_t: bool = False
    tunnel_iface: str | None = None
    gre_ok: bool = False
    gre_reason: str = ""
    bgp_state: str | None = None      # None: neighbour not configured
    bgp_reason: str = ""
    announced: list[str] = field(default_factory=list)
    ike_since: float | None = None
    ipsec_since: float | None = None
    bgp_since: float | None = None
    # split devices (seed 004; docs/ha.md section 2): "both" (IPsec and GRE/BGP here), "ipsec" (this router is the
    # tunnel's cpe.ipsec_host: IKE/IPsec and RRI only), "gre" (GRE/BGP here, IPsec on the router cpe.ipsec_host)
    role: str = "both"

    @property
    def cpe(self) -> dict:
        return self.t["cpe"]

    @property
    def di(self) -> dict:
        return self.t["di"]


@dataclass
class Evaluation:
    tunnels: list[VcTunnel]
    ifaces: dict[str, model.Iface]
    bgp: model.Bgp | None
    foreign_sas: list[dict]
    oper: dict[str, bool]             # interface -> line protocol up
    bgp_states: dict[str, str]        # neighbour -> state (all configured neighbours)
    bgp_received: dict[str, list[dict]]   # neighbour -> routes it sends us (before inbound policy)
    bgp_table: dict[str, list[dict]]      # prefix -> paths (best first)
    rib: list[dict]


def _match_fault(faults: dict, vt: VcTunnel) -> dict:
    table = faults.get("tunnels", faults) if isinstance(faults, dict) else {}
    out: dict = {}
    for name in (str(vt.index), vt.dc, vt.key, vt.key.upper()):
        if isinstance(table.get(name), dict):
            out.update(table[name])
    return out


def _intersect(mine: list[str], theirs: list[str]) -> str | None:
    for m in mine:
        if m in theirs:
            return m
    return None


class Evaluator:
    def __init__(self, router):
        self.r = router
        self.root = router.parser.root
        self.policy = dict(DEFAULT_POLICY)
        for region in router.truth:
            if isinstance(region, dict) and region.get("cisco_policy"):
                self.policy.update(region["cisco_policy"])

    def my_tunnels(self) -> list[VcTunnel]:
        host = self.r.inventory_name
        faults = self.r.faults()
        out = []
        for region in self.r.truth:
            for i, t in enumerate(region.get("tunnels", []), start=1):
                cpe = t.get("cpe", {})
                ipsec_host = cpe.get("ipsec_host")
                if cpe.get("host") == host:
                    role = "gre" if ipsec_host and ipsec_host != host else "both"
                elif ipsec_host == host:
                    role = "ipsec"
                else:
                    continue
                dc = str(t.get("datacenter", "AB"[i - 1])).upper()
                vt = VcTunnel("%s-%s" % (region["region"], dc), dc, i if dc not in "AB" else "AB".index(dc) + 1,
                              region, t, role=role)
                vt.faults = _match_fault(faults, vt)
                vt.announced = [p for p in dc_prefixes(region, dc) if p not in vt.faults.get("withdraw", [])]
                out.append(vt)
        return out

    # ------------------------------------------------------------------ IKE / IPsec
    def _ike(self, vt: VcTunnel, ifaces, maps, now: float) -> None:
        cpe_ip, di_ip = vt.cpe["ipsec_ip"], vt.di["ipsec_ip"]
        local_ip = None
        for ifn, it in ifaces.items():
            if not it.crypto_map or it.crypto_map not in maps:
                continue
            local = model.map_local_address(self.root, it.crypto_map)
            local_ip = ifaces[local].address if local in ifaces else it.address
            for e in maps[it.crypto_map]:
                if di_ip in e.peers:
                    vt.wan_iface, vt.map_name, vt.entry = ifn, it.crypto_map, e
                    if local_ip != cpe_ip:
                        vt.ike_reason = "IKE sourced from %s, the DC expects %s" % (local_ip, cpe_ip)
                        return
                    break
            if vt.entry:
                break
        e = vt.entry
        if e is None:
            vt.ike_reason = "no crypto map entry with peer %s on an interface" % di_ip
            return
        if ifaces[vt.wan_iface].shutdown:
            vt.ike_reason = "%s is shut down" % vt.wan_iface
            return
        acl_entries = model.acls(self.root).get(e.acl or "")
        if not e.acl or acl_entries is None:
            vt.ike_reason = "crypto map %s %d has no valid access list" % (e.name, e.seq)
            return
        if not e.profile:
            vt.ike_reason = "crypto map %s %d has no ikev2-profile (IKEv1 is attempted)" % (e.name, e.seq)
            return
        prof = model.profiles(self.root).get(e.profile)
        if prof is None:
            vt.ike_reason = "ikev2 profile %s does not exist" % e.profile
            return
        vt.profile_name = e.profile
        if vt.faults.get("cisco_down"):
            vt.ike_reason = "no response from %s (fault cisco_down)" % di_ip
            return
        if not any(ipaddress.IPv4Address(di_ip) in net for net in prof["remote"]):
            vt.ike_reason = "profile %s does not match identity %s" % (e.profile, di_ip)
            return
        if prof["local_id"] not in (None, cpe_ip):
            vt.ike_reason = "local identity %s, the DC expects %s" % (prof["local_id"], cpe_ip)
            return
        if prof["auth_local"] != "pre-share" or prof["auth_remote"] != "pre-share":
            vt.ike_reason = "profile %s does not authenticate with pre-share both ways" % e.profile
            return
        # proposals
        pols = model.policies(self.root)
        props = model.proposals(self.root)
        cands = []
        for pol in pols:
            if pol["local"] and cpe_ip not in pol["local"]:
                continue
            cands += [props[p] for p in pol["proposals"] if p in props]
        if not pols:
            cands = [DEFAULT_IKE_PROPOSAL]
        ike = self.policy["ike"]
        suite = None
        for p in cands:
            enc = _intersect(p["encryption"], ike["encryption"])
            grp = _intersect(p["group"], [str(g) for g in ike["group"]])
            if enc is None or grp is None:
                continue
            if "gcm" in enc:
                prf = _intersect(p["prf"], ike["prf"])
                if prf is None:
                    continue
                suite = {"encryption": enc, "prf": prf, "integrity": None, "group": grp}
            else:
                integ = _intersect(p["integrity"], ike["integrity"])
                if integ is None:
                    continue
                prf = _intersect(p["prf"] or p["integrity"], ike["prf"]) or integ
                suite = {"encryption": enc, "prf": prf, "integrity": integ, "group": grp}
            break
        if suite is None:
            vt.ike_reason = "no IKEv2 proposal chosen (the DC accepts %s)" % ike
            return
        kr = model.keyrings(self.root).get(prof["keyring"] or "")
        if kr is None:
            vt.ike_reason = "keyring %s does not exist" % prof["keyring"]
            return
        peer = next((p for p in kr if p["network"] is not None and ipaddress.IPv4Address(di_ip) in p["network"]), None)
        if peer is None:
            vt.ike_reason = "keyring %s has no peer for %s" % (prof["keyring"], di_ip)
            return
        dc_psk = vt.faults.get("psk", vt.t.get("psk"))
        if peer["psk_local"] != dc_psk or peer["psk_remote"] != dc_psk:
            vt.ike_reason = "authentication failed: pre-shared key mismatch"
            return
        vt.ike_up, vt.ike_suite = True, suite
        vt.nat_t = any(ipaddress.IPv4Address(local_ip) in ipaddress.IPv4Network(n) for n in NAT_RANGES)
        # CHILD SA
        entries = acl_entries
        first = next((x for x in entries if x["action"] == "permit"), None)
        if first is None:
            vt.ipsec_reason = "crypto ACL %s permits nothing" % e.acl
            return
        src, dst = model.ace_hosts(first["rest"])
        if first["proto"] != "gre" or src != vt.cpe["gre_ip"] or dst != vt.di["gre_ip"] or len(entries) != 1:
            vt.ipsec_reason = ("traffic selectors refused: the DC accepts only gre host %s host %s, got %s"
                               % (vt.cpe["gre_ip"], vt.di["gre_ip"], " / ".join(
                                   "%s %s %s" % (x["action"], x["proto"], " ".join(x["rest"])) for x in entries)))
            return
        tsets = model.transform_sets(self.root)
        offered = [tsets[n] for n in e.transform_sets if n in tsets] if e.transform_sets else [DEFAULT_TRANSFORM]
        chosen = None
        for ts in offered:
            if ts["transforms"] in [list(x) for x in self.policy["esp"]]:
                chosen = ts
                break
        if chosen is None:
            vt.ipsec_reason = "no acceptable ESP transform (the DC accepts %s)" % self.policy["esp"]
            return
        if chosen["mode"] != "tunnel":
            vt.ipsec_reason = "transport mode refused: the GRE endpoint is not the IPsec peer"
            return
        if e.pfs not in self.policy["pfs"]:
            vt.ipsec_reason = "PFS %s refused" % e.pfs
            return
        if vt.faults.get("ipsec_down"):
            vt.ipsec_reason = "CHILD SA refused (fault ipsec_down)"
            return
        vt.ipsec_up, vt.transform, vt.pfs = True, chosen["transforms"], e.pfs

    # ------------------------------------------------------------------ split: IPsec on another router
    def _split_ipsec(self, vt: VcTunnel) -> None:
        """A GRE/BGP router of a split tunnel: its GRE reaches the DC only through the IPsec device (cpe.ipsec_host),
        over a route to the DI GRE endpoint via that device's inside address, and only while that device's SA is up
        (the Cisco side drops GRE that is not protected)."""
        name = vt.cpe.get("ipsec_host")
        peer = (getattr(self.r, "site", None) or {}).get(name)
        if peer is None:
            vt.ike_reason = "the IPsec device %s of this tunnel is not modelled" % name
            return
        with peer.lock:
            pv = next((x for x in Evaluator(peer).evaluate().tunnels if x.key == vt.key and x.role == "ipsec"), None)
        if pv is None:
            vt.ike_reason = "%s does not carry the IPsec of %s" % (name, vt.key)
            return
        vt.ike_up, vt.ike_reason, vt.ipsec_up, vt.ipsec_reason = pv.ike_up, pv.ike_reason, pv.ipsec_up, pv.ipsec_reason
        inside = vt.cpe.get("ipsec_inside_ip")
        route = longest_match(model.static_routes(self.root), vt.di["gre_ip"])
        if route is None or route["via"] != inside:
            vt.ipsec_up = False
            vt.ipsec_reason = "no route to %s via the IPsec device %s (%s)" % (vt.di["gre_ip"], name, inside)

    # ------------------------------------------------------------------ GRE
    def _gre(self, vt: VcTunnel, ifaces, oper: dict) -> None:
        for ifn, it in ifaces.items():
            if it.is_tunnel and it.tunnel_destination == vt.di["gre_ip"]:
                vt.tunnel_iface = ifn
                break
        if vt.tunnel_iface is None:
            vt.gre_reason = "no tunnel interface with destination %s" % vt.di["gre_ip"]
            return
        it = ifaces[vt.tunnel_iface]
        src = model.resolve_source(ifaces, it.tunnel_source)
        if it.shutdown:
            vt.gre_reason = "%s is administratively down" % it.name
        elif src != vt.cpe["gre_ip"]:
            vt.gre_reason = "tunnel source %s, the DC expects %s" % (src, vt.cpe["gre_ip"])
        elif it.tunnel_mode != "gre ip":
            vt.gre_reason = "tunnel mode %s" % it.tunnel_mode
        elif not vt.ipsec_up:
            vt.gre_reason = "GRE is not protected by IPsec, the DC drops it"
        elif vt.faults.get("gre_down"):
            vt.gre_reason = "the DC GRE endpoint does not answer (fault gre_down)"
        else:
            vt.gre_ok = True

    # ------------------------------------------------------------------ main
    def evaluate(self) -> Evaluation:
        now = time.time()
        ifaces = model.interfaces(self.root)
        maps = model.crypto_maps(self.root)
        tunnels = self.my_tunnels()
        for vt in tunnels:
            if vt.role == "gre":
                self._split_ipsec(vt)
            else:
                self._ike(vt, ifaces, maps, now)
        oper: dict[str, bool] = {}
        for vt in tunnels:
            if vt.role != "ipsec":
                self._gre(vt, ifaces, oper)
        vc_ifaces = {vt.tunnel_iface: vt for vt in tunnels if vt.tunnel_iface}
        for ifn, it in ifaces.items():
            if it.shutdown:
                oper[ifn] = False
            elif it.is_tunnel:
                if ifn in vc_ifaces:
                    vt = vc_ifaces[ifn]
                    src_ok = model.resolve_source(ifaces, it.tunnel_source) is not None
                    oper[ifn] = src_ok and (vt.gre_ok if it.keepalive else True)
                else:
                    oper[ifn] = bool(it.tunnel_source and it.tunnel_destination)
            else:
                oper[ifn] = True
        foreign_sas = []
        vc_peers = {vt.di["ipsec_ip"] for vt in tunnels}
        acl_all = model.acls(self.root)
        for ifn, it in ifaces.items():
            for e in maps.get(it.crypto_map or "", []):
                for peer in e.peers:
                    if peer in vc_peers or not e.acl or e.acl not in acl_all:
                        continue
                    permit = next((x for x in acl_all[e.acl] if x["action"] == "permit"), None)
                    if permit is None:
                        continue
                    src, dst = model.ace_hosts(permit["rest"])
                    foreign_sas.append({"iface": ifn, "map": e.name, "seq": e.seq, "peer": peer,
                                        "local": it.address, "proto": permit["proto"], "src": src, "dst": dst,
                                        "profile": e.profile, "up": oper.get(ifn, False)})
        ev = Evaluation(tunnels, ifaces, model.bgp(self.root), foreign_sas, oper, {}, {}, {}, [])
        self._bgp(ev, now)
        self._rib(ev)
        self._timestamps(ev, now)
        return ev

    def _timestamps(self, ev: Evaluation, now: float) -> None:
        ups = self.r.up_since
        negotiated = self.r.bgp_negotiated
        for vt in ev.tunnels:
            for kind, up in (("ike", vt.ike_up), ("ipsec", vt.ike_up and vt.ipsec_up),
                             ("bgp", vt.bgp_state == "Established")):
                k = "%s:%s" % (vt.key, kind)
                if up:
                    ups.setdefault(k, now - (1 if kind == "ike" else 0))
                    if kind == "bgp" and negotiated.get(k) is None and not self.r.editing:
                        negotiated[k] = self.negotiated_timers(ev, vt)
                else:
                    ups.pop(k, None)
                    negotiated.pop(k, None)
            vt.ike_since = ups.get("%s:ike" % vt.key)
            vt.ipsec_since = ups.get("%s:ipsec" % vt.key)
            vt.bgp_since = ups.get("%s:bgp" % vt.key)

    def negotiated_timers(self, ev: Evaluation, vt: VcTunnel) -> tuple[int, int]:
        """(hold, keepalive) a session of ``vt`` negotiates in its OPEN with what is configured now: the smaller of
        the CPE's hold time (``neighbor X timers``, else ``timers bgp``) and the DC side's, keepalive a third."""
        n = ev.bgp.neighbors.get(vt.di["tunnel_ip"]) if ev.bgp is not None else None
        timers = (n.timers if n is not None else None) or (ev.bgp.timers if ev.bgp is not None else (60, 180))
        hold = min(timers[1], self.policy.get("bgp_hold_s", 180))
        return hold, max(1, hold // 3)

    def _bgp(self, ev: Evaluation, now: float) -> None:
        b = ev.bgp
        if b is None:
            return
        by_nbr = {vt.di["tunnel_ip"]: vt for vt in ev.tunnels if vt.role != "ipsec"}
        foreign = {f["neighbor"]: f for f in self.r.foreign.get("bgp", [])}
        for addr, n in b.neighbors.items():
            vt = by_nbr.get(addr)
            state, reason, routes = "Active", "", []
            local_as = n.local_as or b.asn
            # the interface the session runs over
            over = next((it for it in ev.ifaces.values() if it.network is not None and
                         ipaddress.IPv4Address(addr) in it.network), None)
            link_up = over is not None and ev.oper.get(over.name, False)
            if n.shutdown:
                state, reason = "Idle (Admin)", "neighbor shutdown"
            elif vt is not None:
                if not vt.gre_ok or not link_up:
                    reason = "no transport: %s" % (vt.gre_reason or vt.ipsec_reason or vt.ike_reason
                                                   or "no connected route to %s" % addr)
                    if vt.gre_ok and not link_up:
                        reason = "no connected interface for %s" % addr
                elif over.name != vt.tunnel_iface:
                    reason = "%s is reached over %s, not the DC tunnel" % (addr, over.name)
                elif n.remote_as != int(vt.di["asn"]):
                    state, reason = "Idle", "bad remote AS: configured %s, the DC is %s" % (n.remote_as, vt.di["asn"])
                elif local_as != int(vt.cpe["asn"]):
                    state, reason = "Idle", "the DC expects AS %s, we open with %s" % (vt.cpe["asn"], local_as)
                elif (n.password or None) != (vt.t.get("bgp_password") or None):
                    reason = "TCP MD5 authentication mismatch"
                elif vt.faults.get("bgp_down"):
                    reason = "the DC does not answer (fault bgp_down)"
                else:
                    state = "Established"
                    routes = [{"prefix": p, "next_hop": addr, "as_path": [int(vt.di["asn"])]} for p in vt.announced]
                vt.bgp_state, vt.bgp_reason = state, reason
            elif addr in foreign:
                f = foreign[addr]
                if link_up and n.remote_as == int(f["remote_as"]):
                    state = "Established"
                    routes = [{"prefix": p, "next_hop": addr, "as_path": [int(f["remote_as"])]}
                              for p in f.get("routes", [])]
            ev.bgp_states[addr] = state
            ev.bgp_received[addr] = routes if n.activate or state != "Established" else []
        # BGP table: local networks + accepted routes, best first
        pls = model.prefix_lists(self.root)
        table: dict[str, list[dict]] = {}
        for net in b.networks:
            table.setdefault(net, []).append({"prefix": net, "next_hop": "0.0.0.0", "as_path": [], "weight": 32768,
                                              "from": None, "local": True})
        order = {k: self.r.up_since.get("%s:bgp" % vt.key, now) for vt in ev.tunnels for k in [vt.di["tunnel_ip"]]}
        for addr, routes in ev.bgp_received.items():
            n = b.neighbors[addr]
            for rt in routes:
                if n.prefix_in and not model.prefix_list_permits(pls.get(n.prefix_in), rt["prefix"]):
                    continue
                table.setdefault(rt["prefix"], []).append(dict(rt, weight=0, **{"from": addr, "local": False}))
        for prefix, paths in table.items():
            paths.sort(key=lambda p: (-p["weight"], len(p["as_path"]), order.get(p["from"], now),
                                      ipaddress.IPv4Address(p["from"] or "0.0.0.0")))
        ev.bgp_table = table

    def _rib(self, ev: Evaluation) -> None:
        rib = []
        for ifn, it in ev.ifaces.items():
            if it.network is None or not ev.oper.get(ifn):
                continue
            rib.append({"prefix": str(it.network), "code": "C", "iface": ifn, "via": None})
            rib.append({"prefix": "%s/32" % it.address, "code": "L", "iface": ifn, "via": None})
        for s in model.static_routes(self.root):
            rib.append({"prefix": s["prefix"], "code": "S", "iface": None, "via": s["via"], "ad": 1})
        for vt in ev.tunnels:
            if vt.ipsec_up and vt.entry and vt.entry.reverse_route:
                rib.append({"prefix": "%s/32" % vt.di["gre_ip"], "code": "S", "iface": None,
                            "via": vt.di["ipsec_ip"], "ad": 1})
        have = {r["prefix"] for r in rib}
        for prefix, paths in ev.bgp_table.items():
            best = paths[0]
            if best["local"] or prefix in have:
                continue
            over = next((it.name for it in ev.ifaces.values() if it.network is not None
                         and ipaddress.IPv4Address(best["next_hop"]) in it.network), None)
            rib.append({"prefix": prefix, "code": "B", "iface": over, "via": best["next_hop"], "ad": 20,
                        "as": best["as_path"][0] if best["as_path"] else None, "from": best["from"]})
        ev.rib = rib

    # ------------------------------------------------------------------ helpers for show
    def advertised(self, ev: Evaluation, addr: str) -> tuple[bool, list[dict]]:
        """(default originated, table rows) sent to this neighbour."""
        b = ev.bgp
        n = b.neighbors[addr]
        if ev.bgp_states.get(addr) != "Established":
            return False, []
        pls = model.prefix_lists(self.root)
        rows = []
        for prefix, paths in sorted(ev.bgp_table.items(), key=lambda kv: _pkey(kv[0])):
            best = paths[0]
            if best["from"] == addr:
                continue
            if best["local"] and not any(r["prefix"] == prefix for r in ev.rib):
                continue
            if n.prefix_out and not model.prefix_list_permits(pls.get(n.prefix_out), prefix):
                continue
            rows.append(best)
        return self.default_sent(ev, n), rows

    def default_sent(self, ev: Evaluation, n: model.Neighbor) -> bool:
        """``default-originate``: always; ``default-originate route-map NAME``: only while a route of the routing
        table (RIB, not the BGP table: docs/ha.md section 3) is permitted by the route-map (its ``match ip address
        prefix-list`` matches the route's prefix exactly, as a prefix-list does); a missing route-map sends nothing."""
        if not n.default_originate:
            return False
        if n.default_originate_map is None:
            return True
        maps, pls = model.route_maps(self.root), model.prefix_lists(self.root)
        if n.default_originate_map not in maps:
            return False
        return any(model.route_map_result(maps, n.default_originate_map, pls, r["prefix"]) is not None for r in ev.rib)


def _pkey(prefix: str):
    net = ipaddress.IPv4Network(prefix)
    return (int(net.network_address), net.prefixlen)


def longest_match(rib: list[dict], dest: str) -> dict | None:
    addr = ipaddress.IPv4Address(dest)
    best = None
    for r in rib:
        net = ipaddress.IPv4Network(r["prefix"])
        if addr in net and (best is None or net.prefixlen > ipaddress.IPv4Network(best["prefix"]).prefixlen):
            best = r
    return best
