"""Read the TEST DOUBLE's running-config tree back as data (interfaces, crypto, BGP, filters)."""
from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

from .config import Node


@functools.lru_cache(maxsize=4096)
def _network(address: str, mask: str) -> ipaddress.IPv4Network:
    """Network of an interface address (immutable result, cached: evaluated after every configuration line)."""
    return ipaddress.IPv4Interface("%s/%s" % (address, mask)).network


@dataclass
class Iface:
    name: str
    address: str | None = None
    mask: str | None = None
    shutdown: bool = False
    keepalive: tuple[int, int] | None = None
    tunnel_source: str | None = None
    tunnel_destination: str | None = None
    tunnel_mode: str = "gre ip"
    ip_mtu: int | None = None
    mss: int | None = None
    pmtud: bool = False
    crypto_map: str | None = None
    description: str | None = None
    bandwidth: int | None = None

    @property
    def is_tunnel(self) -> bool:
        return self.name.startswith("Tunnel")

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        if not self.address:
            return None
        return _network(self.address, self.mask)

    @property
    def cidr(self) -> str | None:
        if not self.address:
            return None
        return "%s/%d" % (self.address, self.network.prefixlen)


def _words(node: Node) -> list[list[str]]:
    return [c.line.split() for c in node.children]


def interfaces(root: Node) -> dict[str, Iface]:
    out: dict[str, Iface] = {}
    for blk in root.children:
        if blk.key[:1] != ("interface",):
            continue
        it = Iface(blk.key[1])
        for w in _words(blk):
            if w[:2] == ["ip", "address"] and len(w) >= 4 and "secondary" not in w:
                it.address, it.mask = w[2], w[3]
            elif w == ["shutdown"]:
                it.shutdown = True
            elif w[0] == "keepalive":
                it.keepalive = (int(w[1]), int(w[2]))
            elif w[:2] == ["tunnel", "source"]:
                it.tunnel_source = w[2]
            elif w[:2] == ["tunnel", "destination"]:
                it.tunnel_destination = w[2]
            elif w[:2] == ["tunnel", "mode"]:
                it.tunnel_mode = " ".join(w[2:])
            elif w[:2] == ["tunnel", "path-mtu-discovery"]:
                it.pmtud = True
            elif w[:2] == ["ip", "mtu"]:
                it.ip_mtu = int(w[2])
            elif w[:3] == ["ip", "tcp", "adjust-mss"]:
                it.mss = int(w[3])
            elif w[:2] == ["crypto", "map"]:
                it.crypto_map = w[2]
            elif w[0] == "description":
                it.description = " ".join(w[1:])
            elif w[0] == "bandwidth":
                it.bandwidth = int(w[1])
        out[it.name] = it
    return out


def resolve_source(ifaces: dict[str, Iface], src: str | None) -> str | None:
    """tunnel source / update-source: an address, or an interface name -> its address."""
    if src is None:
        return None
    if src in ifaces:
        return ifaces[src].address
    try:
        return str(ipaddress.IPv4Address(src))
    except ValueError:
        return None


@dataclass
class MapEntry:
    name: str
    seq: int
    peers: list[str] = field(default_factory=list)
    transform_sets: list[str] = field(default_factory=list)
    pfs: str | None = None
    profile: str | None = None
    acl: str | None = None
    reverse_route: str | None = None
    lifetime_s: int | None = None


def crypto_maps(root: Node) -> dict[str, list[MapEntry]]:
    out: dict[str, list[MapEntry]] = {}
    for blk in root.children:
        if blk.key[:2] != ("crypto", "map") or len(blk.key) != 4 or not blk.key[3].isdigit():
            continue
        e = MapEntry(blk.key[2], int(blk.key[3]))
        for w in _words(blk):
            if w[:2] == ["set", "peer"]:
                e.peers.append(w[2])
            elif w[:2] == ["set", "transform-set"]:
                e.transform_sets = w[2:]
            elif w[:2] == ["set", "pfs"]:
                e.pfs = w[2]
            elif w[:2] == ["set", "ikev2-profile"]:
                e.profile = w[2]
            elif w[:2] == ["match", "address"]:
                e.acl = w[2]
            elif w[0] == "reverse-route":
                e.reverse_route = " ".join(w)
            elif w[:4] == ["set", "security-association", "lifetime", "seconds"]:
                e.lifetime_s = int(w[4])
        out.setdefault(e.name, []).append(e)
    for entries in out.values():
        entries.sort(key=lambda x: x.seq)
    return out


def map_local_address(root: Node, name: str) -> str | None:
    node = root.get(("crypto", "map", name, "local-address"))
    return node.line.split()[-1] if node else None


def blocks(root: Node, *prefix: str) -> dict[str, Node]:
    n = len(prefix)
    return {b.key[n]: b for b in root.children if b.key[:n] == prefix and len(b.key) > n}


def profiles(root: Node) -> dict[str, dict]:
    out = {}
    for name, blk in blocks(root, "crypto", "ikev2", "profile").items():
        p: dict = {"remote": [], "local_id": None, "auth_local": None, "auth_remote": None, "keyring": None,
                   "dpd": None, "lifetime": 86400}
        for w in _words(blk):
            if w[:4] == ["match", "identity", "remote", "address"]:
                p["remote"].append(ipaddress.IPv4Network("%s/%s" % (w[4], w[5]), strict=False))
            elif w[:3] == ["identity", "local", "address"]:
                p["local_id"] = w[3]
            elif w[:2] == ["identity", "local"]:
                p["local_id"] = " ".join(w[2:])
            elif w[:2] == ["authentication", "local"]:
                p["auth_local"] = w[2]
            elif w[:2] == ["authentication", "remote"]:
                p["auth_remote"] = w[2]
            elif w[:2] == ["keyring", "local"]:
                p["keyring"] = w[2]
            elif w[0] == "dpd":
                p["dpd"] = (int(w[1]), int(w[2]), w[3])
            elif w[0] == "lifetime":
                p["lifetime"] = int(w[1])
        out[name] = p
    return out


def keyrings(root: Node) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for name, blk in blocks(root, "crypto", "ikev2", "keyring").items():
        peers = []
        for peer in blk.children:
            if peer.key[:1] != ("peer",):
                continue
            d: dict = {"name": peer.key[1], "network": None, "psk_local": None, "psk_remote": None}
            for c in peer.children:
                w = c.line.split()
                if w[0] == "address":
                    d["network"] = ipaddress.IPv4Network("%s/%s" % (w[1], w[2] if len(w) > 2 else "32"), strict=False)
                elif w[0] == "pre-shared-key":
                    side = c.key[1] if len(c.key) > 1 else ""
                    secret = c.meta.get("secret")
                    if side in ("", "local"):
                        d["psk_local"] = secret if secret is not None else "<unknown>"
                    if side in ("", "remote"):
                        d["psk_remote"] = secret if secret is not None else "<unknown>"
            peers.append(d)
        out[name] = peers
    return out


def proposals(root: Node) -> dict[str, dict]:
    out = {}
    for name, blk in blocks(root, "crypto", "ikev2", "proposal").items():
        p = {"encryption": [], "integrity": [], "prf": [], "group": []}
        for w in _words(blk):
            if w[0] in p:
                p[w[0]] = w[1:]
        out[name] = p
    return out


def policies(root: Node) -> list[dict]:
    out = []
    for name, blk in blocks(root, "crypto", "ikev2", "policy").items():
        out.append({"name": name, "proposals": [w[1] for w in _words(blk) if w[0] == "proposal"],
                    "local": [w[3] for w in _words(blk) if w[:3] == ["match", "address", "local"]]})
    return out


def transform_sets(root: Node) -> dict[str, dict]:
    out = {}
    for name, blk in blocks(root, "crypto", "ipsec", "transform-set").items():
        mode = "tunnel"
        for w in _words(blk):
            if w[0] == "mode":
                mode = w[1]
        out[name] = {"transforms": blk.line.split()[4:], "mode": mode}
    return out


def acls(root: Node) -> dict[str, list[dict]]:
    out = {}
    for name, blk in blocks(root, "ip", "access-list").items():
        entries = []
        for c in blk.children:
            body = c.meta.get("body", "").split()
            if not body or body[0] not in ("permit", "deny"):
                continue
            entries.append({"seq": int(c.key[1]), "action": body[0], "proto": body[1], "rest": body[2:]})
        out[name] = entries
    return out


def ace_hosts(rest: list[str]) -> tuple[str | None, str | None]:
    """(src, dst) of an ACE when both are `host A` (the crypto ACL shape), else the raw forms."""
    def one(i: int) -> tuple[str, int]:
        if rest[i] == "any":
            return "any", i + 1
        if rest[i] == "host":
            return rest[i + 1], i + 2
        return "%s/%s" % (rest[i], rest[i + 1]), i + 2
    try:
        src, i = one(0)
        dst, _created = one(i)
        return src, dst
    except IndexError:
        return None, None


def prefix_lists(root: Node) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in root.children:
        if c.key[:2] == ("ip", "prefix-list") and c.meta.get("body"):
            w = c.meta["body"].split()
            d = {"seq": int(c.key[3]), "action": w[0], "net": ipaddress.IPv4Network(w[1]), "ge": None, "le": None}
            for i in range(2, len(w) - 1, 2):
                d[w[i]] = int(w[i + 1])
            out.setdefault(c.key[2], []).append(d)
    for v in out.values():
        v.sort(key=lambda d: d["seq"])
    return out


def prefix_list_permits(entries: list[dict] | None, prefix: str) -> bool:
    """IOS prefix-list semantics; an undefined list permits everything."""
    if entries is None:
        return True
    net = ipaddress.IPv4Network(prefix)
    for e in entries:
        base = e["net"]
        if not (net.prefixlen >= base.prefixlen and net.subnet_of(base)):
            continue
        if e["ge"] is None and e["le"] is None:
            ok = net.prefixlen == base.prefixlen
        else:
            lo = e["ge"] if e["ge"] is not None else base.prefixlen
            hi = e["le"] if e["le"] is not None else 32
            ok = lo <= net.prefixlen <= hi
        if ok:
            return e["action"] == "permit"
    return False


@dataclass
class Neighbor:
    address: str
    remote_as: int | None = None
    local_as: int | None = None
    local_as_opts: list[str] = field(default_factory=list)
    password: str | None = None     # plaintext as the double knows it
    password_set: bool = False
    timers: tuple[int, int] | None = None
    shutdown: bool = False
    update_source: str | None = None
    description: str | None = None
    fall_over_bfd: bool = False
    activate: bool = False
    default_originate: bool = False
    default_originate_map: str | None = None    # default-originate route-map NAME: the conditional default
    prefix_in: str | None = None
    prefix_out: str | None = None
    route_map_in: str | None = None
    route_map_out: str | None = None
    soft_in: bool = False
    seq: int = 0


@dataclass
class Bgp:
    asn: int
    router_id: str | None = None
    neighbors: dict[str, Neighbor] = field(default_factory=dict)
    networks: list[str] = field(default_factory=list)
    timers: tuple[int, int] = (60, 180)


def bgp(root: Node) -> Bgp | None:
    for blk in root.children:
        if blk.key[:2] != ("router", "bgp"):
            continue
        b = Bgp(int(blk.key[2]))

        def nbr(addr: str) -> Neighbor:
            return b.neighbors.setdefault(addr, Neighbor(addr))

        def walk(node: Node, af: bool) -> None:
            for c in node.children:
                w = c.line.split()
                if c.key[:1] == ("address-family",):
                    if c.key == ("address-family", "ipv4"):
                        walk(c, True)
                    continue
                if w[:2] == ["bgp", "router-id"]:
                    b.router_id = w[2]
                elif w[:2] == ["timers", "bgp"]:
                    b.timers = (int(w[2]), int(w[3]))
                elif w[0] == "network":
                    net = w[1]
                    mask = w[3] if len(w) > 3 and w[2] == "mask" else None
                    if mask is None:
                        first = int(net.split(".", 1)[0])
                        plen = 8 if first < 128 else 16 if first < 192 else 24
                    else:
                        plen = ipaddress.IPv4Network("0.0.0.0/%s" % mask).prefixlen
                    b.networks.append(str(ipaddress.IPv4Network("%s/%d" % (net, plen), strict=False)))
                elif w[0] == "neighbor" and len(w) >= 3:
                    n = nbr(w[1])
                    a = w[2]
                    if a == "remote-as":
                        n.remote_as = int(w[3])
                        n.seq = c.meta.get("seq", 0)
                    elif a == "local-as":
                        n.local_as = int(w[3])
                        n.local_as_opts = w[4:]
                    elif a == "password":
                        n.password_set = True
                        n.password = c.meta.get("secret")
                    elif a == "timers":
                        n.timers = (int(w[3]), int(w[4]))
                    elif a == "shutdown":
                        n.shutdown = True
                    elif a == "update-source":
                        n.update_source = w[3]
                    elif a == "description":
                        n.description = " ".join(w[3:])
                    elif a == "fall-over" and "bfd" in w:
                        n.fall_over_bfd = True
                    elif a == "activate" and af:
                        n.activate = True
                    elif a == "default-originate":
                        n.default_originate = True
                        n.default_originate_map = w[4] if len(w) > 4 and w[3] == "route-map" else None
                    elif a == "prefix-list":
                        if w[4] == "in":
                            n.prefix_in = w[3]
                        else:
                            n.prefix_out = w[3]
                    elif a == "route-map":
                        if w[4] == "in":
                            n.route_map_in = w[3]
                        else:
                            n.route_map_out = w[3]
                    elif a == "soft-reconfiguration":
                        n.soft_in = True

        walk(blk, False)
        b.neighbors = {k: v for k, v in b.neighbors.items() if v.remote_as is not None}
        return b
    return None


def static_routes(root: Node) -> list[dict]:
    out = []
    for c in root.children:
        w = c.line.split()
        if w[:2] == ["ip", "route"] and len(w) >= 5:
            net = ipaddress.IPv4Network("%s/%s" % (w[2], w[3]), strict=False)
            out.append({"prefix": str(net), "via": w[4]})
    return out


def route_maps(root: Node) -> dict[str, list[dict]]:
    """route-map NAME -> [{seq, action, match_prefix_list, set: {metric, metric-type, tag}}] by sequence."""
    out: dict[str, list[dict]] = {}
    for c in root.children:
        if c.key[:1] != ("route-map",):
            continue
        w = c.line.split()
        entry = {"seq": int(c.key[2]), "action": w[2], "match_prefix_list": None, "set": {}}
        for k in c.children:
            kw = k.line.split()
            if kw[:4] == ["match", "ip", "address", "prefix-list"]:
                entry["match_prefix_list"] = kw[4:]
            elif kw[:1] == ["set"] and len(kw) >= 3:
                entry["set"][kw[1]] = kw[2]
        out.setdefault(c.key[1], []).append(entry)
    for v in out.values():
        v.sort(key=lambda e: e["seq"])
    return out


def route_map_result(maps: dict[str, list[dict]], name: str | None, pls: dict, prefix: str) -> dict | None:
    """IOS route-map semantics for one prefix: the set clauses of the first matching permit entry, None = denied.
    No route-map: permitted without set clauses; a route-map that does not exist denies everything."""
    if name is None:
        return {}
    for e in maps.get(name) or []:
        lists = e["match_prefix_list"]
        if lists is not None and not any(prefix_list_permits(pls.get(n, []), prefix) for n in lists):
            continue
        return dict(e["set"]) if e["action"] == "permit" else None
    return None


def ospf_processes(root: Node) -> dict[int, dict]:
    """router ospf N -> {router_id, redistribute: {(proto, src): {metric, metric-type, tag, route-map}}}."""
    out: dict[int, dict] = {}
    for c in root.children:
        if c.key[:2] != ("router", "ospf"):
            continue
        p = {"router_id": None, "redistribute": {}}
        for k in c.children:
            w = k.line.split()
            if w[0] == "router-id":
                p["router_id"] = w[1]
            elif w[0] == "redistribute":
                src = w[2] if len(w) > 2 and w[2].isdigit() else None
                rest = w[3:] if src else w[2:]
                p["redistribute"][(w[1], src)] = dict(zip(rest[0::2], rest[1::2]))
        out[int(c.key[2])] = p
    return out
