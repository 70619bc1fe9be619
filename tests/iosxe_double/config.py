"""Running configuration of the IOS-XE TEST DOUBLE: a tree of lines edited by configuration commands.

This is a test double, not a simulator of a Cisco product. It accepts the configuration commands the
collection and its tests use, stores them in the normalised form a real IOS-XE 17 router prints in
`show running-config` (see docs/iosxe-notes.md) and rejects the rest with `% Invalid input`.

Each configuration mode has a handler `h_<mode>(parser, node, toks, neg)` which returns
- ``None`` when the command is not a command of that mode (the parser then tries the parent mode, as
  IOS does: an `interface X` line typed under `router bgp` leaves the router mode),
- ``Enter(mode, node)`` when the command enters a sub-mode,
- ``Done(message)`` otherwise; bad arguments raise ``CLIError`` with the position of the `^` marker.
"""
from __future__ import annotations

import functools
import ipaddress
import re

from .passwords import Type6Store, type7_decrypt, type7_encrypt


class CLIError(Exception):
    """A command rejected the way IOS rejects it. ``pos`` = index of the offending token (for `^`)."""

    def __init__(self, message: str = "% Invalid input detected at '^' marker.", pos: int | None = 0):
        super().__init__(message)
        self.message = message
        self.pos = pos


def invalid(pos: int) -> CLIError:
    return CLIError("% Invalid input detected at '^' marker.", pos)


def incomplete() -> CLIError:
    return CLIError("% Incomplete command.", pos=None)


class Node:
    __slots__ = ("line", "key", "children", "meta")

    def __init__(self, line: str, key: tuple | None = None, meta: dict | None = None):
        self.line = line
        self.key = tuple(key) if key is not None else tuple(line.split())
        self.children: list[Node] = []
        self.meta = dict(meta or {})

    @property
    def toks(self) -> list[str]:
        return self.line.split()

    def get(self, key: tuple) -> Node | None:
        for child in self.children:
            if child.key == tuple(key):
                return child
        return None

    def set(self, line: str, key: tuple, meta: dict | None = None) -> Node:
        """Replace the child with this key (keeping its place) or append a new one."""
        new = Node(line, key, meta)
        for i, child in enumerate(self.children):
            if child.key == tuple(key):
                new.children = child.children
                self.children[i] = new
                return new
        self.children.append(new)
        return new

    def block(self, line: str, key: tuple | None = None) -> tuple[Node, bool]:
        key = tuple(key) if key is not None else tuple(line.split())
        found = self.get(key)
        if found is not None:
            found.line = line
            return found, False
        new = Node(line, key)
        self.children.append(new)
        return new, True

    def remove_where(self, pred) -> int:
        before = len(self.children)
        self.children = [c for c in self.children if not pred(c)]
        return before - len(self.children)

    def remove_prefix(self, toks: list[str]) -> int:
        """IOS `no` semantics: remove lines that start with toks, or whose key is a prefix of toks."""
        low = [t.lower() for t in toks]

        def match(child: Node) -> bool:
            ct = [t.lower() for t in child.line.split()]
            ck = [str(t).lower() for t in child.key]
            return ct[: len(low)] == low or (len(ck) <= len(low) and low[: len(ck)] == ck)

        return self.remove_where(match)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class Enter:
    def __init__(self, mode: str, node: Node, message: str = ""):
        self.mode, self.node, self.message = mode, node, message


class Done:
    def __init__(self, message: str = ""):
        self.message = message


# --------------------------------------------------------------------------------------------------
# value helpers

IFACE_TYPES = [
    "GigabitEthernet", "TenGigabitEthernet", "TwoGigabitEthernet", "FastEthernet", "Loopback", "Tunnel",
    "Port-channel", "Vlan", "Dialer", "Virtual-Template", "BDI",
]
CREATABLE = {"Loopback", "Tunnel", "Port-channel", "Vlan", "Dialer", "Virtual-Template", "BDI"}
_IF_RE = re.compile(r"^([A-Za-z][A-Za-z\-]*?)\s*(\d+(?:/\d+)*(?:\.\d+)?)$")
_ABBREV = {"gi": "GigabitEthernet", "te": "TenGigabitEthernet", "tw": "TwoGigabitEthernet", "fa": "FastEthernet",
           "lo": "Loopback", "tu": "Tunnel", "po": "Port-channel", "vl": "Vlan", "di": "Dialer"}


def norm_iface(name: str) -> str | None:
    m = _IF_RE.match(name.strip())
    if not m:
        return None
    typ, num = m.group(1).lower(), m.group(2)
    for full in IFACE_TYPES:
        if full.lower().startswith(typ) and len(typ) >= 2:
            cands = [f for f in IFACE_TYPES if f.lower().startswith(typ)]
            if len(cands) == 1:
                return full + num
            if typ in _ABBREV:
                return _ABBREV[typ] + num
            return None
    return None


def iface_sort_key(name: str):
    m = _IF_RE.match(name)
    if not m:
        return (99, name)
    typ = m.group(1)
    nums = tuple(int(x) for x in re.split(r"[/.]", m.group(2)))
    order = IFACE_TYPES.index(typ) if typ in IFACE_TYPES else 98
    return (order, nums)


def ip4(tok: str, pos: int) -> str:
    try:
        return str(ipaddress.IPv4Address(tok))
    except ValueError:
        raise invalid(pos)


def mask4(tok: str, pos: int) -> str:
    addr = ip4(tok, pos)
    bits = int(ipaddress.IPv4Address(addr))
    inv = (~bits) & 0xFFFFFFFF
    if inv & (inv + 1):
        raise invalid(pos)
    return addr


def prefixlen(mask: str) -> int:
    return bin(int(ipaddress.IPv4Address(mask))).count("1")


def intval(tok: str, pos: int, lo: int, hi: int) -> int:
    if not tok.isdigit() or not lo <= int(tok) <= hi:
        raise invalid(pos)
    return int(tok)


def need(toks: list[str], n: int) -> None:
    if len(toks) < n:
        raise incomplete()


def kw(toks: list[str], *words: str) -> bool:
    """toks starts with these keywords (case-insensitive, full words)."""
    if len(toks) < len(words):
        return False
    return all(t.lower() == w for t, w in zip(toks, words))


# --------------------------------------------------------------------------------------------------
# the parser


class ConfigParser:
    """Executes configuration commands against a tree. One per router."""

    def __init__(self, interfaces_hw: list[str] | None = None):
        self.root = Node("", ())
        self.type6 = Type6Store()
        self.master_key = False
        self.hw = set(interfaces_hw or [])
        self._neighbor_seq = 0
        self.last_entered = False

    # ---- flags read from the tree
    def has_top(self, line: str) -> bool:
        return any(c.line.strip() == line for c in self.root.children)

    @property
    def password_encryption(self) -> bool:
        return self.has_top("service password-encryption")

    @property
    def aes_encryption(self) -> bool:
        return self.master_key and self.has_top("password encryption aes")

    # ---- dispatch
    def execute(self, stack: list[tuple[str, Node]], line: str) -> str:
        """Run one configuration line. ``stack`` = [(mode, node)...], global mode first; mutated."""
        toks = line.split()
        if not toks:
            return ""
        neg = False
        body = toks
        if toks[0].lower() == "no" and len(toks) > 1:
            neg, body = True, toks[1:]
        elif toks[0].lower() == "default" and len(toks) > 1:
            neg, body = True, toks[1:]
        best: CLIError | None = None
        for depth in range(len(stack) - 1, -1, -1):
            mode, node = stack[depth]
            handler = getattr(self, "h_" + mode.replace("-", "_"))
            try:
                res = handler(node, body, neg)
            except CLIError as exc:
                if exc.pos is not None and neg:
                    exc.pos += 1
                if best is None or (exc.pos or 0) > (best.pos or 0):
                    best = exc
                continue
            if res is None:
                continue
            del stack[depth + 1:]
            self.last_entered = isinstance(res, Enter)
            if self.last_entered:
                stack.append((res.mode, res.node))
            return res.message
        if best is not None:
            raise best
        raise invalid(1 if neg else 0)

    # ---- secrets
    def store_secret(self, plain: str, kind: str) -> str:
        """Return the running-config form of a secret ('6 X', '7 X' or cleartext)."""
        if kind == "psk" and self.aes_encryption:
            return "6 " + self.type6.encrypt(plain)
        if kind == "bgp" and self.password_encryption:
            return "7 " + type7_encrypt(plain)
        return plain

    def parse_secret(self, toks: list[str], pos: int) -> tuple[str, str | None]:
        """toks = [type] secret. Return (printed form, plaintext or None if unknown cipher)."""
        need(toks, 1)
        if toks[0] in ("0", "6", "7") and len(toks) >= 2:
            typ, val = toks[0], " ".join(toks[1:])
            if typ == "0":
                return None, val  # type: ignore[return-value]
            if typ == "7":
                return "7 " + val, type7_decrypt(val)
            return "6 " + val, self.type6.decrypt(val)
        return None, " ".join(toks)  # type: ignore[return-value]

    # ================================================================================ global
    def h_config(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        w0 = t[0].lower()
        if w0 == "hostname":
            need(t, 2)
            node.set("hostname " + t[1], ("hostname",))
            return Done()
        if w0 == "interface":
            need(t, 2)
            name = norm_iface("".join(t[1:2] if len(t) == 2 or not t[2][0].isdigit() else t[1:3]))
            if name is None:
                raise invalid(1)
            typ = _IF_RE.match(name).group(1)
            if neg:
                if name in self.hw and "." not in name:
                    return Done("% Removal of physical interfaces is not permitted")
                node.remove_where(lambda c: c.key == ("interface", name))
                return Done()
            if typ not in CREATABLE and name not in self.hw and not ("." in name and name.split(".", 1)[0] in self.hw):
                raise invalid(1)
            blk, _created = node.block("interface " + name, ("interface", name))
            return Enter("config-if", blk)
        if w0 == "router" and len(t) >= 2 and t[1].lower() == "bgp":
            if neg:
                node.remove_where(lambda c: c.key[:2] == ("router", "bgp"))
                return Done()
            need(t, 3)
            asn = intval(t[2], 2, 1, 4294967295)
            for c in node.children:
                if c.key[:2] == ("router", "bgp") and c.key[2] != str(asn):
                    raise CLIError("BGP is already running; AS is %s" % c.key[2], None)
            blk, created = node.block("router bgp %d" % asn, ("router", "bgp", str(asn)))
            if created:
                blk.set("bgp log-neighbor-changes", ("bgp", "log-neighbor-changes"))
            return Enter("config-router", blk)
        if w0 == "router" and len(t) >= 2 and t[1].lower() == "ospf":
            need(t, 3)
            pid = intval(t[2], 2, 1, 65535)
            if neg:
                node.remove_where(lambda c: c.key == ("router", "ospf", str(pid)))
                return Done()
            blk, _created = node.block("router ospf %d" % pid, ("router", "ospf", str(pid)))
            return Enter("config-router-ospf", blk)
        if w0 == "route-map":
            return self._route_map(node, t, neg)
        if w0 == "crypto":
            return self._global_crypto(node, t, neg)
        if w0 == "ip" and len(t) >= 2:
            return self._global_ip(node, t, neg)
        if w0 == "service":
            need(t, 2)
            if neg:
                node.remove_prefix(t)
            else:
                node.set(" ".join(t), tuple(t))
            return Done()
        if kw(t, "password", "encryption", "aes"):
            if neg:
                node.remove_prefix(t)
            else:
                node.set("password encryption aes", ("password", "encryption", "aes"))
            return Done()
        if kw(t, "key", "config-key", "password-encrypt"):
            self.master_key = not neg
            return Done()
        if w0 in ("username", "enable"):
            need(t, 2)
            if neg:
                node.remove_prefix(t[:2])
                return Done()
            key = ("username", t[1]) if w0 == "username" else ("enable", "secret")
            node.set(" ".join(t), key)
            return Done()
        if w0 == "file" and kw(t, "file", "prompt"):
            if neg:
                node.remove_prefix(["file", "prompt"])
            else:
                node.set(" ".join(t), ("file", "prompt"))
            return Done()
        if w0 == "line":
            need(t, 2)
            blk, _created = node.block(" ".join(t))
            return Enter("config-line", blk)
        if w0 == "archive":
            if neg:
                node.remove_prefix(["archive"])
                return Done()
            blk, _created = node.block("archive")
            return Enter("config-archive", blk)
        if w0 == "control-plane":
            blk, _created = node.block("control-plane")
            return Enter("config-cp", blk)
        if w0 in ("version", "logging", "ntp", "aaa", "boot-start-marker", "boot-end-marker", "license", "platform",
                  "memory", "multilink", "spanning-tree", "redundancy", "snmp-server", "clock", "login",
                  "diagnostic", "subscriber", "vrf", "call-home", "cdp", "lldp"):
            if neg:
                node.remove_prefix(t)
                return Done()
            single = {"version": 1, "clock": 2}.get(w0)
            node.set(" ".join(t), tuple(t[:single]) if single else tuple(t))
            return Done()
        return None

    def _global_ip(self, node: Node, t: list[str], neg: bool):
        w1 = t[1].lower()
        if w1 == "access-list":
            need(t, 3)
            kind = t[2].lower()
            if kind not in ("extended", "standard"):
                raise invalid(2)
            need(t, 4)
            if neg:
                node.remove_where(lambda c: c.key == ("ip", "access-list", t[3]))
                return Done()
            blk, _created = node.block("ip access-list %s %s" % (kind, t[3]), ("ip", "access-list", t[3]))
            return Enter("config-ext-nacl" if kind == "extended" else "config-std-nacl", blk)
        if w1 == "prefix-list":
            return self._prefix_list(node, t, neg)
        if w1 == "route":
            need(t, 4 if not neg else 3)
            if neg:
                node.remove_prefix(t)
                return Done()
            net, mask = ip4(t[2], 2), mask4(t[3], 3)
            node.set(" ".join(["ip", "route", net, mask] + t[4:]), tuple(["ip", "route", net, mask] + t[4:5]))
            return Done()
        if w1 in ("domain", "name-server", "ssh", "http", "forward-protocol", "tcp", "scp", "bgp-community", "cef",
                  "routing", "subnet-zero", "classless", "vrf"):
            if neg:
                node.remove_prefix(t)
                return Done()
            key = tuple(t[:3]) if w1 in ("domain", "ssh") else tuple(t)
            node.set(" ".join(t), key)
            return Done()
        return None

    def _prefix_list(self, node: Node, t: list[str], neg: bool):
        need(t, 3)
        name = t[2]
        rest = t[3:]
        if neg and not rest:
            node.remove_where(lambda c: c.key[:3] == ("ip", "prefix-list", name))
            return Done()
        if rest and rest[0].lower() == "description":
            if neg:
                node.remove_where(lambda c: c.key == ("ip", "prefix-list", name, "description"))
            else:
                node.set(" ".join(t), ("ip", "prefix-list", name, "description"))
            return Done()
        seq = None
        pos = 3
        if rest and rest[0].lower() == "seq":
            need(t, 5)
            seq = intval(rest[1], 4, 1, 4294967294)
            rest, pos = rest[2:], 5
        if neg and seq is not None and not rest:
            node.remove_where(lambda c: c.key == ("ip", "prefix-list", name, str(seq)))
            return Done()
        need(rest, 2)
        action = rest[0].lower()
        if action not in ("permit", "deny"):
            raise invalid(pos)
        try:
            net = ipaddress.IPv4Network(rest[1], strict=False)
        except ValueError:
            raise invalid(pos + 1)
        if "/" not in rest[1]:
            raise invalid(pos + 1)
        extra = rest[2:]
        ge = le = None
        i = 0
        while i < len(extra):
            word = extra[i].lower()
            if word in ("ge", "le") and i + 1 < len(extra):
                val = intval(extra[i + 1], pos + 3 + i, 1, 32)
                if word == "ge":
                    ge = val
                else:
                    le = val
                i += 2
            else:
                raise invalid(pos + 2 + i)
        if (ge is not None and ge <= net.prefixlen) or (le is not None and le < (ge or net.prefixlen)):
            raise CLIError("%% Invalid prefix range for %s, make sure: len < ge-value <= le-value" % net, pos=None)
        body = "%s %s" % (action, net) + ("" if ge is None else " ge %d" % ge) + ("" if le is None else " le %d" % le)
        entries = [c for c in node.children if c.key[:3] == ("ip", "prefix-list", name) and c.meta.get("body")]
        if neg:
            node.remove_where(lambda c: c.key[:3] == ("ip", "prefix-list", name) and c.meta.get("body") == body
                              and (seq is None or c.key[3] == str(seq)))
            return Done()
        for c in entries:
            if c.meta["body"] == body and (seq is None or c.key[3] == str(seq)):
                return Done()
        if seq is None:
            seq = (max([int(c.key[3]) for c in entries] or [0]) // 5 + 1) * 5
        line = "ip prefix-list %s seq %d %s" % (name, seq, body)
        existing = node.get(("ip", "prefix-list", name, str(seq)))
        if existing is not None:
            existing.line, existing.meta = line, {"body": body}
        else:
            # keep the entries of one list together, in sequence order
            new = Node(line, ("ip", "prefix-list", name, str(seq)), {"body": body})
            idx = len(node.children)
            for i, c in enumerate(node.children):
                if c.key[:3] == ("ip", "prefix-list", name):
                    # the list's description line prints before its entries
                    idx = i + 1 if not c.meta.get("body") or int(c.key[3]) < seq else min(idx, i)
            node.children.insert(idx, new)
            self._sort_prefix_list(node, name)
        return Done()

    @staticmethod
    def _sort_prefix_list(node: Node, name: str) -> None:
        idxs = [i for i, c in enumerate(node.children) if c.key[:3] == ("ip", "prefix-list", name) and c.meta.get("body")]
        items = sorted((node.children[i] for i in idxs), key=lambda c: int(c.key[3]))
        for i, item in zip(idxs, items):
            node.children[i] = item

    def _global_crypto(self, node: Node, t: list[str], neg: bool):
        need(t, 2)
        w1 = t[1].lower()
        if w1 == "ikev2":
            need(t, 3)
            w2 = t[2].lower()
            modes = {"proposal": "config-ikev2-proposal", "policy": "config-ikev2-policy",
                     "keyring": "config-ikev2-keyring", "profile": "config-ikev2-profile"}
            if w2 in modes:
                need(t, 4)
                key = ("crypto", "ikev2", w2, t[3])
                if neg:
                    node.remove_where(lambda c: c.key == key)
                    return Done()
                blk, _created = node.block("crypto ikev2 %s %s" % (w2, t[3]), key)
                return Enter(modes[w2], blk)
            if w2 in ("dpd", "nat", "cookie-challenge", "limit", "fragmentation", "diagnose", "http-url"):
                if neg:
                    node.remove_prefix(t)
                else:
                    node.set(" ".join(t), tuple(t[:3]))
                return Done()
            raise invalid(2)
        if w1 == "ipsec":
            need(t, 3)
            w2 = t[2].lower()
            if w2 == "transform-set":
                need(t, 4)
                key = ("crypto", "ipsec", "transform-set", t[3])
                if neg:
                    node.remove_where(lambda c: c.key == key)
                    return Done()
                need(t, 5)
                transforms = self._transforms(t[4:], 4)
                blk, created = node.block("crypto ipsec transform-set %s %s " % (t[3], transforms), key)
                if created:
                    blk.set("mode tunnel", ("mode",))
                return Enter("cfg-crypto-trans", blk)
            if w2 in ("security-association", "df-bit", "fragmentation", "nat-transparency"):
                if neg:
                    node.remove_prefix(t)
                else:
                    node.set(" ".join(t), tuple(t[:4]))
                return Done()
            raise invalid(2)
        if w1 == "map":
            need(t, 3)
            name = t[2]
            if len(t) >= 4 and t[3].lower() == "local-address":
                if neg:
                    node.remove_where(lambda c: c.key == ("crypto", "map", name, "local-address"))
                    return Done()
                need(t, 5)
                ifn = norm_iface(t[4])
                if ifn is None:
                    raise invalid(4)
                node.set("crypto map %s local-address %s" % (name, ifn), ("crypto", "map", name, "local-address"))
                return Done()
            if neg:
                if len(t) == 3:
                    node.remove_where(lambda c: c.key[:3] == ("crypto", "map", name) and len(c.key) == 4
                                      and c.key[3].isdigit())
                else:
                    seq = intval(t[3], 3, 1, 65535)
                    node.remove_where(lambda c: c.key == ("crypto", "map", name, str(seq)))
                return Done()
            need(t, 4)
            seq = intval(t[3], 3, 1, 65535)
            if len(t) >= 5 and t[4].lower() not in ("ipsec-isakmp",):
                raise invalid(4)
            if len(t) > 5:
                raise invalid(5)
            blk, created = node.block("crypto map %s %d ipsec-isakmp " % (name, seq), ("crypto", "map", name, str(seq)))
            msg = ""
            if created:
                msg = ("% NOTE: This new crypto map will remain disabled until a peer\n"
                       "        and a valid access list have been configured.")
            return Enter("config-crypto-map", blk, msg)
        if w1 in ("isakmp", "pki", "key", "logging"):
            if neg:
                node.remove_prefix(t)
            else:
                node.set(" ".join(t), tuple(t))
            return Done()
        raise invalid(1)

    @staticmethod
    def _transforms(toks: list[str], pos: int) -> str:
        out: list[str] = []
        i = 0
        enc = {"esp-aes", "esp-gcm", "esp-gmac", "esp-256-aes", "esp-192-aes", "esp-3des", "esp-des"}
        auth = {"esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac", "esp-sha512-hmac", "esp-md5-hmac"}
        while i < len(toks):
            tok = toks[i].lower()
            if tok in ("esp-aes", "esp-gcm", "esp-gmac"):
                out.append(tok)
                if i + 1 < len(toks) and toks[i + 1] in ("128", "192", "256"):
                    out.append(toks[i + 1])
                    i += 1
                elif tok in ("esp-gcm", "esp-gmac"):
                    out.append("128")
            elif tok in enc or tok in auth:
                out.append(tok)
            else:
                raise invalid(pos + i)
            i += 1
        return " ".join(out)

    # ================================================================================ interface
    IF_SINGLE = {
        ("description",): None, ("ip", "mtu"): (68, 9216), ("ip", "tcp", "adjust-mss"): (500, 1460),
        ("bandwidth",): (1, 100000000), ("mtu",): (64, 9216), ("load-interval",): (30, 600),
        ("tunnel", "ttl"): (1, 255), ("tunnel", "key"): (0, 4294967295),
    }

    def h_config_if(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "shutdown":
            if neg:
                node.remove_where(lambda c: c.key == ("shutdown",))
            else:
                node.set("shutdown", ("shutdown",))
            return Done()
        for key, rng in self.IF_SINGLE.items():
            if tuple(low[: len(key)]) == key:
                if neg:
                    node.remove_where(lambda c: c.key == key)
                    return Done()
                need(t, len(key) + 1)
                if rng is None:
                    node.set(" ".join(t), key)
                else:
                    val = intval(t[len(key)], len(key), *rng)
                    node.set(" ".join(list(key) + [str(val)]), key)
                return Done()
        if low[:2] == ["ip", "address"]:
            if neg:
                node.remove_where(lambda c: c.key[:2] == ("ip", "address"))
                return Done()
            need(t, 4)
            addr, mask = ip4(t[2], 2), ip4(t[3], 3)
            try:
                mask4(mask, 3)
            except CLIError:
                raise CLIError("Bad mask 0x%08X for address %s" % (int(ipaddress.IPv4Address(mask)), addr), None)
            net = ipaddress.IPv4Interface("%s/%s" % (addr, mask)).network
            me = self._iface_name(node)
            for other in self.root.children:
                if other.key[:1] != ("interface",) or other is node:
                    continue
                for c in other.children:
                    if c.key[:2] == ("ip", "address") and len(c.toks) >= 4:
                        onet = ipaddress.IPv4Interface("%s/%s" % (c.toks[2], c.toks[3])).network
                        if onet.overlaps(net):
                            raise CLIError("%% %s overlaps with %s" % (net.network_address, other.key[1]), None)
            secondary = len(t) > 4 and low[4] == "secondary"
            if len(t) > 4 and not secondary:
                raise invalid(4)
            line = "ip address %s %s%s" % (addr, mask, " secondary" if secondary else "")
            node.set(line, ("ip", "address", addr) if secondary else ("ip", "address"))
            del me
            return Done()
        if low[0] == "keepalive":
            if neg:
                node.remove_where(lambda c: c.key == ("keepalive",))
                return Done()
            period = intval(t[1], 1, 0, 32767) if len(t) > 1 else 10
            retries = intval(t[2], 2, 1, 255) if len(t) > 2 else 3
            node.set("keepalive %d %d" % (period, retries), ("keepalive",))
            return Done()
        if low[0] == "tunnel" and len(t) >= 2:
            w1 = low[1]
            if w1 in ("source", "destination"):
                if neg:
                    node.remove_where(lambda c: c.key == ("tunnel", w1))
                    return Done()
                need(t, 3)
                val = t[2]
                try:
                    val = str(ipaddress.IPv4Address(val))
                except ValueError:
                    if w1 == "destination":
                        raise invalid(2)
                    ifn = norm_iface(val)
                    if ifn is None:
                        raise invalid(2)
                    val = ifn
                node.set("tunnel %s %s" % (w1, val), ("tunnel", w1))
                return Done()
            if w1 == "mode":
                if neg or low[2:] == ["gre", "ip"]:
                    node.remove_where(lambda c: c.key == ("tunnel", "mode"))  # hidden default
                    return Done()
                need(t, 3)
                node.set(" ".join(low), ("tunnel", "mode"))
                return Done()
            if w1 == "path-mtu-discovery":
                if neg:
                    node.remove_where(lambda c: c.key == ("tunnel", "path-mtu-discovery"))
                else:
                    node.set(" ".join(low), ("tunnel", "path-mtu-discovery"))
                return Done()
            if w1 == "protection":
                if neg:
                    node.remove_where(lambda c: c.key == ("tunnel", "protection"))
                else:
                    need(t, 5)
                    node.set(" ".join(t), ("tunnel", "protection"))
                return Done()
            raise invalid(1)
        if low[:2] == ["crypto", "map"]:
            if neg:
                node.remove_where(lambda c: c.key == ("crypto", "map"))
                return Done()
            need(t, 3)
            node.set("crypto map " + t[2], ("crypto", "map"))
            return Done()
        if low[0] in ("negotiation", "cdp", "ip", "bfd", "service-policy", "mop", "duplex", "speed", "media-type",
                      "vrf", "arp", "no"):
            ip_words = ("nat", "virtual-reassembly", "access-group", "ospf", "redirects", "unreachables",
                        "proxy-arp", "unnumbered", "vrf")
            if low[0] == "ip" and (len(low) < 2 or low[1] not in ip_words):
                return None
            if neg:
                node.remove_prefix(t)
                return Done()
            key = tuple(low[:3]) if low[0] in ("ip", "bfd") else tuple(low[:1])
            if low[:2] == ["ip", "access-group"]:
                key = ("ip", "access-group", low[-1])
            node.set(" ".join(t), key)
            return Done()
        return None

    @staticmethod
    def _iface_name(node: Node) -> str:
        return node.key[1] if len(node.key) > 1 else ""

    # ================================================================================ BGP
    NBR_GLOBAL = ("remote-as", "local-as", "password", "timers", "update-source", "description", "shutdown",
                  "ebgp-multihop", "fall-over", "ttl-security", "disable-connected-check", "version", "transport",
                  "peer-group", "bfd")
    NBR_AF = ("activate", "default-originate", "prefix-list", "route-map", "soft-reconfiguration", "send-community",
              "next-hop-self", "maximum-prefix", "allowas-in", "remove-private-as", "weight", "filter-list",
              "distribute-list", "as-override", "unsuppress-map")
    AF_LINES = ("network", "redistribute", "maximum-paths", "default-information", "aggregate-address",
                "distance", "auto-summary", "synchronization", "table-map")

    def _neighbors(self, router: Node) -> set[str]:
        return {c.key[1] for c in router.children if c.key[:1] == ("neighbor",) and len(c.key) > 2
                and c.key[2] in ("remote-as", "peer-group")}

    def _af_block(self, router: Node, create: bool = True) -> Node | None:
        blk = router.get(("address-family", "ipv4"))
        if blk is None and create:
            blk, _created = router.block("address-family ipv4", ("address-family", "ipv4"))
        return blk

    def h_config_router(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "bgp":
            need(t, 2)
            if low[1:] == ["default", "ipv4-unicast"]:
                if neg:
                    node.set("no bgp default ipv4-unicast", ("bgp", "default", "ipv4-unicast"))
                else:
                    node.remove_where(lambda c: c.key == ("bgp", "default", "ipv4-unicast"))
                return Done()
            if neg:
                node.remove_where(lambda c: c.key[:2] == ("bgp", low[1]))
                return Done()
            if low[1] == "router-id":
                need(t, 3)
                node.set("bgp router-id " + ip4(t[2], 2), ("bgp", "router-id"))
                return Done()
            if low[1] in ("log-neighbor-changes", "graceful-restart", "bestpath", "always-compare-med",
                          "deterministic-med", "cluster-id", "fast-external-fallover", "update-delay"):
                node.set(" ".join(low), ("bgp", low[1]))
                return Done()
            raise invalid(1)
        if low[0] == "timers" and len(low) > 1 and low[1] == "bgp":
            if neg:
                node.remove_where(lambda c: c.key == ("timers", "bgp"))
                return Done()
            need(t, 4)
            ka, hold = intval(t[2], 2, 0, 65535), intval(t[3], 3, 0, 65535)
            node.set("timers bgp %d %d" % (ka, hold), ("timers", "bgp"))
            return Done()
        if low[0] == "address-family":
            need(t, 2)
            if low[1] not in ("ipv4", "ipv6", "vpnv4", "l2vpn"):
                raise invalid(1)
            rest = [x for x in low[2:] if x != "unicast"]
            name = "address-family " + " ".join([low[1]] + rest) if rest else "address-family " + low[1]
            if rest and rest[0] == "vrf":
                name = "address-family %s vrf %s" % (low[1], t[-1])
            key = tuple(name.split())
            if neg:
                node.remove_where(lambda c: c.key == key)
                return Done()
            blk, _created = node.block(name, key)
            return Enter("config-router-af", blk)
        if low[0] == "neighbor":
            return self._neighbor(node, node, t, neg, router_mode=True)
        if low[0] in self.AF_LINES:
            return self._af_line(self._af_block(node), t, neg)
        return None

    # ---- router ospf (the customer's OSPF, where Virtual Connect redistributes the DI prefixes: docs/ha.md)
    def h_config_router_ospf(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "router-id":
            if neg:
                node.remove_where(lambda c: c.key == ("router-id",))
            else:
                need(t, 2)
                node.set("router-id " + ip4(t[1], 1), ("router-id",))
            return Done()
        if low[0] == "network":
            need(t, 5)
            if low[3] != "area":
                raise invalid(3)
            line = "network %s %s area %s" % (ip4(t[1], 1), ip4(t[2], 2), t[4])
            if neg:
                node.remove_where(lambda c: c.line.strip() == line)
            else:
                node.set(line, ("network", t[1], t[2]))
            return Done()
        if low[0] in ("passive-interface", "log-adjacency-changes", "default-information", "auto-cost"):
            line = " ".join(t)
            if neg:
                node.remove_where(lambda c: c.key[:1] == (low[0],))
            else:
                node.set(line, tuple(low))
            return Done()
        if low[0] == "redistribute":
            need(t, 2)
            proto = low[1]
            if proto not in ("bgp", "static", "connected", "eigrp", "rip", "ospf"):
                raise invalid(1)
            src = ()
            i = 2
            if proto in ("bgp", "eigrp", "ospf"):
                need(t, 3)
                src = (str(intval(t[2], 2, 1, 4294967295)),)
                i = 3
            key = ("redistribute", proto) + src
            if neg:
                node.remove_where(lambda c: c.key == key)
                return Done()
            opts: dict = {}
            while i < len(t):
                w = low[i]
                if w == "subnets":              # IOS-XE 16+ redistributes subnets always and prints no keyword
                    i += 1
                elif w in ("metric", "metric-type", "tag", "route-map") and i + 1 < len(t):
                    if w == "metric":
                        intval(t[i + 1], i + 1, 0, 16777214)
                    elif w == "metric-type" and t[i + 1] not in ("1", "2"):
                        raise invalid(i + 1)
                    elif w == "tag":
                        intval(t[i + 1], i + 1, 0, 4294967295)
                    opts[w] = t[i + 1]
                    i += 2
                else:
                    raise invalid(i)
            words = ["redistribute", proto] + list(src)
            for w in ("metric", "metric-type", "tag", "route-map"):
                if w in opts:
                    words += [w, opts[w]]
            node.set(" ".join(words), key)
            return Done()
        return None

    # ---- route-map NAME [permit|deny] [seq]
    def _route_map(self, node: Node, t: list[str], neg: bool):
        need(t, 2)
        name = t[1]
        action = t[2].lower() if len(t) > 2 else "permit"
        if action not in ("permit", "deny"):
            raise invalid(2)
        seq = intval(t[3], 3, 0, 65535) if len(t) > 3 else 10
        if neg:
            if len(t) == 2:
                node.remove_where(lambda c: c.key[:2] == ("route-map", name))
            else:
                node.remove_where(lambda c: c.key == ("route-map", name, str(seq)))
            return Done()
        for c in node.children:   # one entry per sequence: a new action replaces the old one's header
            if c.key == ("route-map", name, str(seq)) and c.line != "route-map %s %s %d" % (name, action, seq):
                c.line = "route-map %s %s %d" % (name, action, seq)
        blk, _created = node.block("route-map %s %s %d" % (name, action, seq), ("route-map", name, str(seq)))
        return Enter("config-route-map", blk)

    def h_config_route_map(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[:4] == ["match", "ip", "address", "prefix-list"]:
            key = ("match", "ip", "address", "prefix-list")
            if neg:
                node.remove_where(lambda c: c.key == key)
            else:
                need(t, 5)
                node.set("match ip address prefix-list " + " ".join(t[4:]), key)
            return Done()
        if low[0] == "set" and len(low) >= 2 and low[1] in ("metric", "metric-type", "tag"):
            key = ("set", low[1])
            if neg:
                node.remove_where(lambda c: c.key == key)
                return Done()
            need(t, 3)
            if low[1] == "metric-type" and low[2] not in ("type-1", "type-2", "internal", "external"):
                raise invalid(2)
            if low[1] in ("metric", "tag"):
                intval(t[2], 2, 0, 4294967295)
            node.set("set %s %s" % (low[1], low[2]), key)
            return Done()
        if low[0] == "description":
            if neg:
                node.remove_where(lambda c: c.key == ("description",))
            else:
                node.set(" ".join(t), ("description",))
            return Done()
        return None

    def h_config_router_af(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "exit-address-family":
            return None  # handled by the session (mode change)
        if low[0] == "neighbor":
            router = self._router_of(node)
            return self._neighbor(router, node, t, neg, router_mode=False)
        if low[0] in self.AF_LINES:
            return self._af_line(node, t, neg)
        return None

    def _router_of(self, af: Node) -> Node:
        for c in self.root.children:
            if c.key[:2] == ("router", "bgp") and af in c.children:
                return c
        raise RuntimeError("address-family block without router")

    def _af_line(self, af: Node, t: list[str], neg: bool):
        low = [x.lower() for x in t]
        if low[0] == "network":
            need(t, 2)
            net = ip4(t[1], 1)
            rest = t[2:]
            first = int(net.split(".", 1)[0])
            classful = 8 if first < 128 else 16 if first < 192 else 24
            if rest and rest[0].lower() == "mask":
                need(t, 4)
                mask = mask4(t[3], 3)
                rest = rest[2:]
            else:
                mask = str(ipaddress.IPv4Network("%s/%d" % (net, classful), strict=False).netmask)
            if prefixlen(mask) == classful and first != 0:
                line = "network %s" % net
            else:
                line = "network %s mask %s" % (net, mask)
            if neg:
                af.remove_where(lambda c: c.key == ("network", net, mask))
                return Done()
            af.set(" ".join([line] + rest), ("network", net, mask))
            return Done()
        if neg:
            af.remove_prefix(t)
            return Done()
        af.set(" ".join(t), tuple(low[:2]) if low[0] in ("maximum-paths", "distance") else tuple(low))
        return Done()

    def _neighbor(self, router: Node, here: Node, t: list[str], neg: bool, router_mode: bool):
        need(t, 2)
        try:
            nbr = str(ipaddress.IPv4Address(t[1]))
        except ValueError:
            nbr = t[1]  # peer-group name
            if not re.match(r"^[A-Za-z][\w\-]*$", nbr):
                raise invalid(1)
        exists = nbr in self._neighbors(router)
        if len(t) == 2:
            if not neg:
                raise incomplete()
            self._drop_neighbor(router, nbr)
            return Done()
        attr = t[2].lower()
        if attr in self.NBR_GLOBAL and not router_mode:
            return None  # IOS leaves the address-family for router-level neighbour commands
        if attr not in self.NBR_GLOBAL and attr not in self.NBR_AF:
            raise invalid(2)
        if attr == "remote-as":
            if neg:
                self._drop_neighbor(router, nbr)
                return Done()
            need(t, 4)
            asn = intval(t[3], 3, 1, 4294967295)
            router.set("neighbor %s remote-as %d" % (nbr, asn), ("neighbor", nbr, "remote-as"),
                       {"seq": self._nbr_seq(router, nbr)})
            if not exists and router.get(("bgp", "default", "ipv4-unicast")) is None:
                self._af_block(router).set("neighbor %s activate" % nbr, ("neighbor", nbr, "activate"))
            return Done()
        if not exists and not neg and attr != "peer-group":
            raise CLIError("% Specify remote-as or peer-group commands first", pos=None)
        target = router if attr in self.NBR_GLOBAL else (here if here is not router else self._af_block(router))
        if neg:
            if attr == "activate":
                target.remove_where(lambda c: c.key == ("neighbor", nbr, "activate"))
            else:
                sub = [x.lower() for x in t[3:]]
                target.remove_where(lambda c: c.key[:3] == ("neighbor", nbr, attr)
                                    and (attr not in ("prefix-list", "route-map") or not sub or c.key[-1] == sub[-1]))
            return Done()
        rest = t[3:]
        meta: dict = {}
        key: tuple = ("neighbor", nbr, attr)
        if attr == "local-as":
            need(t, 4)
            las = intval(t[3], 3, 1, 4294967295)
            if str(las) == router.key[2]:
                raise CLIError("% Cannot have local-as same as BGP AS number", pos=None)
            opts = [x.lower() for x in t[4:]]
            for i, o in enumerate(opts):
                if o not in ("no-prepend", "replace-as", "dual-as"):
                    raise invalid(4 + i)
            if "replace-as" in opts and "no-prepend" not in opts:
                raise invalid(4 + opts.index("replace-as"))
            order = [o for o in ("no-prepend", "replace-as", "dual-as") if o in opts]
            line = " ".join(["neighbor", nbr, "local-as", str(las)] + order)
        elif attr == "password":
            need(t, 4)
            shown, plain = self.parse_secret(t[3:], 3)
            if shown is None:
                shown = self.store_secret(plain, "bgp")
            meta["secret"] = plain
            line = "neighbor %s password %s" % (nbr, shown)
        elif attr == "timers":
            need(t, 5)
            ka, hold = intval(t[3], 3, 0, 65535), intval(t[4], 4, 0, 65535)
            if hold and hold < 3:
                raise invalid(4)
            line = "neighbor %s timers %d %d" % (nbr, ka, hold) + ("" if len(t) < 6 else " %d" % intval(t[5], 5, 0, 65535))
        elif attr == "update-source":
            need(t, 4)
            ifn = norm_iface(" ".join(t[3:]).replace(" ", ""))
            if ifn is None:
                raise invalid(3)
            line = "neighbor %s update-source %s" % (nbr, ifn)
        elif attr == "soft-reconfiguration":
            if [x.lower() for x in rest] != ["inbound"]:
                raise incomplete() if not rest else invalid(3)
            line = "neighbor %s soft-reconfiguration inbound" % nbr
        elif attr in ("prefix-list", "route-map", "filter-list", "distribute-list"):
            need(t, 5)
            direction = t[4].lower()
            if direction not in ("in", "out"):
                raise invalid(4)
            key = ("neighbor", nbr, attr, direction)
            line = "neighbor %s %s %s %s" % (nbr, attr, t[3], direction)
        elif attr == "default-originate":
            if rest and (rest[0].lower() != "route-map" or len(rest) != 2):
                raise invalid(3)
            line = " ".join(["neighbor", nbr, "default-originate"] + rest)
        elif attr == "description":
            need(t, 4)
            line = " ".join(["neighbor", nbr, "description"] + rest)
        elif attr == "fall-over":
            line = " ".join(["neighbor", nbr, "fall-over"] + [x.lower() for x in rest])
        else:
            line = " ".join(["neighbor", nbr, attr] + rest)
        target.set(line, key, meta)
        return Done()

    def _nbr_seq(self, router: Node, nbr: str) -> int:
        cur = router.get(("neighbor", nbr, "remote-as"))
        if cur is not None:
            return cur.meta.get("seq", 0)
        self._neighbor_seq += 1
        return self._neighbor_seq

    @staticmethod
    def _drop_neighbor(router: Node, nbr: str) -> None:
        router.remove_where(lambda c: c.key[:2] == ("neighbor", nbr))
        for blk in router.children:
            if blk.key[:1] == ("address-family",):
                blk.remove_where(lambda c: c.key[:2] == ("neighbor", nbr))

    # ================================================================================ IKEv2
    ALGOS = {
        "encryption": ["aes-cbc-128", "aes-cbc-192", "aes-cbc-256", "aes-gcm-128", "aes-gcm-256", "3des", "des"],
        "integrity": ["md5", "sha1", "sha256", "sha384", "sha512"],
        "prf": ["md5", "sha1", "sha256", "sha384", "sha512"],
        "group": ["1", "2", "5", "14", "15", "16", "19", "20", "21", "24"],
    }

    def h_config_ikev2_proposal(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        w0 = t[0].lower()
        if w0 not in self.ALGOS:
            return None
        vals = [x.lower() for x in t[1:]]
        for i, v in enumerate(vals):
            if v not in self.ALGOS[w0]:
                raise invalid(1 + i)
        cur = node.get((w0,))
        have = cur.toks[1:] if cur is not None else []
        if neg:
            have = [v for v in have if v not in vals] if vals else []
        else:
            need(t, 2)
            have = have + [v for v in vals if v not in have]
        if have:
            node.set(" ".join([w0] + have), (w0,))
        else:
            node.remove_where(lambda c: c.key == (w0,))
        return Done()

    def h_config_ikev2_policy(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "proposal":
            need(t, 2)
            if neg:
                node.remove_where(lambda c: c.key == ("proposal", t[1]))
            else:
                node.set("proposal " + t[1], ("proposal", t[1]))
            return Done()
        if low[0] == "match":
            need(t, 3)
            if neg:
                node.remove_prefix(t)
            else:
                node.set(" ".join(t), tuple(low[:2]) if low[1] == "fvrf" else tuple(t))
            return Done()
        return None

    def h_config_ikev2_keyring(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        if t[0].lower() == "peer":
            need(t, 2)
            if neg:
                node.remove_where(lambda c: c.key == ("peer", t[1]))
                return Done()
            blk, _created = node.block("peer " + t[1], ("peer", t[1]))
            return Enter("config-ikev2-keyring-peer", blk)
        return None

    def h_config_ikev2_keyring_peer(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "description":
            if neg:
                node.remove_where(lambda c: c.key == ("description",))
            else:
                need(t, 2)
                node.set(" ".join(t), ("description",))
            return Done()
        if low[0] == "address":
            if neg:
                node.remove_where(lambda c: c.key == ("address",))
                return Done()
            need(t, 2)
            addr = ip4(t[1], 1)
            line = "address " + addr + (" " + mask4(t[2], 2) if len(t) > 2 else "")
            node.set(line, ("address",))
            return Done()
        if low[0] == "identity":
            if neg:
                node.remove_where(lambda c: c.key == ("identity",))
            else:
                need(t, 3)
                node.set(" ".join(t), ("identity",))
            return Done()
        if low[0] == "hostname":
            need(t, 2)
            node.set(" ".join(t), ("hostname",))
            return Done()
        if low[0] == "pre-shared-key":
            rest = t[1:]
            side = None
            if rest and rest[0].lower() in ("local", "remote"):
                side, rest = rest[0].lower(), rest[1:]
            key = ("pre-shared-key", side or "")
            if neg:
                node.remove_where(lambda c: c.key[:1] == ("pre-shared-key",) and (side is None or c.key == key))
                return Done()
            need(rest, 1)
            shown, plain = self.parse_secret(rest, len(t) - len(rest))
            if shown is None:
                shown = self.store_secret(plain, "psk")
            if side is None:
                node.remove_where(lambda c: c.key[:1] == ("pre-shared-key",))
            else:
                node.remove_where(lambda c: c.key == ("pre-shared-key", ""))
            line = "pre-shared-key " + (side + " " if side else "") + shown
            node.set(line, key, {"secret": plain})
            return Done()
        return None

    def h_config_ikev2_profile(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "description":
            if neg:
                node.remove_where(lambda c: c.key == ("description",))
            else:
                need(t, 2)
                node.set(" ".join(t), ("description",))
            return Done()
        if low[:4] == ["match", "identity", "remote", "address"]:
            need(t, 5)
            addr = ip4(t[4], 4)
            mask = mask4(t[5], 5) if len(t) > 5 else "255.255.255.255"
            key = ("match", "identity", "remote", "address", addr)
            if neg:
                node.remove_where(lambda c: c.key == key)
            else:
                node.set("match identity remote address %s %s" % (addr, mask), key)
            return Done()
        if low[0] == "match":
            need(t, 3)
            if neg:
                node.remove_prefix(t)
            else:
                node.set(" ".join(t), tuple(low[:2]) if low[1] == "fvrf" else tuple(t))
            return Done()
        if low[:2] == ["identity", "local"]:
            if neg:
                node.remove_where(lambda c: c.key == ("identity", "local"))
                return Done()
            need(t, 4)
            if low[2] == "address":
                ip4(t[3], 3)
            elif low[2] not in ("fqdn", "email", "key-id", "dn"):
                raise invalid(2)
            node.set(" ".join(t), ("identity", "local"))
            return Done()
        if low[0] == "authentication":
            need(t, 2)
            if low[1] not in ("local", "remote"):
                raise invalid(1)
            key = ("authentication", low[1])
            if neg:
                node.remove_where(lambda c: c.key == key)
                return Done()
            need(t, 3)
            if low[2] not in ("pre-share", "rsa-sig", "ecdsa-sig", "eap"):
                raise invalid(2)
            node.set(" ".join(low[:3]), key)
            return Done()
        if low[0] == "keyring":
            if neg:
                node.remove_where(lambda c: c.key == ("keyring",))
                return Done()
            need(t, 3)
            if low[1] != "local":
                raise invalid(1)
            node.set("keyring local " + t[2], ("keyring",))
            return Done()
        if low[0] == "dpd":
            if neg:
                node.remove_where(lambda c: c.key == ("dpd",))
                return Done()
            need(t, 4)
            iv, rt = intval(t[1], 1, 10, 3600), intval(t[2], 2, 2, 60)
            if low[3] not in ("on-demand", "periodic"):
                raise invalid(3)
            node.set("dpd %d %d %s" % (iv, rt, low[3]), ("dpd",))
            return Done()
        if low[0] == "lifetime":
            if neg:
                node.remove_where(lambda c: c.key == ("lifetime",))
                return Done()
            need(t, 2)
            node.set("lifetime %d" % intval(t[1], 1, 120, 86400), ("lifetime",))
            return Done()
        if low[:2] == ["nat", "keepalive"]:
            if neg:
                node.remove_where(lambda c: c.key == ("nat", "keepalive"))
            else:
                need(t, 3)
                node.set("nat keepalive %d" % intval(t[2], 2, 5, 3600), ("nat", "keepalive"))
            return Done()
        if low[0] in ("ivrf", "virtual-template", "config-exchange"):
            if neg:
                node.remove_prefix(t)
            else:
                node.set(" ".join(t), (low[0],))
            return Done()
        return None

    # ================================================================================ IPsec
    def h_cfg_crypto_trans(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        if t[0].lower() == "mode":
            if neg:
                node.set("mode tunnel", ("mode",))
                return Done()
            need(t, 2)
            if t[1].lower() not in ("tunnel", "transport"):
                raise invalid(1)
            node.set("mode " + t[1].lower(), ("mode",))
            return Done()
        return None

    def h_config_crypto_map(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        if low[0] == "description":
            if neg:
                node.remove_where(lambda c: c.key == ("description",))
            else:
                need(t, 2)
                node.set(" ".join(t), ("description",))
            return Done()
        if low[0] == "set":
            need(t, 2)
            w1 = low[1]
            if w1 == "peer":
                need(t, 3)
                addr = ip4(t[2], 2)
                if neg:
                    node.remove_where(lambda c: c.key == ("set", "peer", addr))
                else:
                    node.set("set peer " + addr + (" default" if low[3:4] == ["default"] else ""), ("set", "peer", addr))
                return Done()
            if w1 == "transform-set":
                if neg:
                    node.remove_where(lambda c: c.key == ("set", "transform-set"))
                    return Done()
                need(t, 3)
                node.set("set transform-set %s " % " ".join(t[2:]), ("set", "transform-set"))
                return Done()
            if w1 == "pfs":
                if neg:
                    node.remove_where(lambda c: c.key == ("set", "pfs"))
                    return Done()
                grp = low[2] if len(t) > 2 else "group1"
                if grp not in ["group" + g for g in self.ALGOS["group"]]:
                    raise invalid(2)
                node.set("set pfs " + grp, ("set", "pfs"))
                return Done()
            if w1 == "ikev2-profile":
                if neg:
                    node.remove_where(lambda c: c.key == ("set", "ikev2-profile"))
                    return Done()
                need(t, 3)
                node.set("set ikev2-profile " + t[2], ("set", "ikev2-profile"))
                return Done()
            if w1 == "security-association":
                need(t, 4)
                if low[2] != "lifetime" or low[3] not in ("seconds", "kilobytes", "days"):
                    raise invalid(3 if low[2] == "lifetime" else 2)
                key = ("set", "security-association", "lifetime", low[3])
                if neg:
                    node.remove_where(lambda c: c.key == key)
                    return Done()
                need(t, 5)
                node.set("set security-association lifetime %s %d" % (low[3], intval(t[4], 4, 1, 4294967295)), key)
                return Done()
            if w1 in ("isakmp-profile", "nat", "reverse-route"):
                if neg:
                    node.remove_prefix(t)
                else:
                    node.set(" ".join(t), tuple(low[:2]))
                return Done()
            raise invalid(1)
        if low[:2] == ["match", "address"]:
            if neg:
                node.remove_where(lambda c: c.key == ("match", "address"))
                return Done()
            need(t, 3)
            node.set("match address " + t[2], ("match", "address"))
            return Done()
        if low[0] == "reverse-route":
            if neg:
                node.remove_where(lambda c: c.key == ("reverse-route",))
                return Done()
            opts = low[1:]
            if opts and opts[0] not in ("static", "tag", "remote-peer", "gateway"):
                raise invalid(1)
            node.set(" ".join(low), ("reverse-route",))
            return Done()
        return None

    # ================================================================================ ACL
    PROTO_NAMES = {"0": "ip", "1": "icmp", "4": "ipinip", "6": "tcp", "17": "udp", "47": "gre", "50": "esp",
                   "51": "ahp", "88": "eigrp", "89": "ospf", "103": "pim"}

    def h_config_ext_nacl(self, node: Node, t: list[str], neg: bool):
        if not t:
            return None
        low = [x.lower() for x in t]
        seq = None
        pos = 0
        if low[0].isdigit():
            seq = intval(t[0], 0, 1, 2147483647)
            if neg and len(t) == 1:
                node.remove_where(lambda c: c.key == ("seq", str(seq)))
                return Done()
            t, low, pos = t[1:], low[1:], 1
            need(t, 1)
        if low[0] == "remark":
            body = " ".join(["remark"] + t[1:])
        elif low[0] in ("permit", "deny"):
            body = self._ace(t, pos)
        elif seq is None:
            return None
        else:
            raise invalid(pos)
        entries = [c for c in node.children if c.key[:1] == ("seq",)]
        if neg:
            node.remove_where(lambda c: c.meta.get("body") == body)
            return Done()
        for c in entries:
            if c.meta.get("body") == body:
                return Done()  # duplicate entry: ignored
        if seq is None:
            seq = (max([int(c.key[1]) for c in entries] or [0]) // 10 + 1) * 10
        elif node.get(("seq", str(seq))) is not None:
            raise CLIError("% Duplicate sequence number", pos=None)
        node.children.append(Node("%d %s" % (seq, body), ("seq", str(seq)), {"body": body}))
        node.children.sort(key=lambda c: int(c.key[1]) if c.key[:1] == ("seq",) else 0)
        return Done()

    h_config_std_nacl = h_config_ext_nacl

    def _ace(self, t: list[str], pos: int) -> str:
        need(t, 4)
        action = t[0].lower()
        proto = t[1].lower()
        proto = self.PROTO_NAMES.get(proto, proto)
        if not (proto in self.PROTO_NAMES.values() or proto.isdigit()):
            raise invalid(pos + 1)
        out = [action, proto]
        i = 2

        def addr(i: int) -> tuple[str, int]:
            if i >= len(t):
                raise incomplete()
            w = t[i].lower()
            if w == "any":
                return "any", i + 1
            if w == "host":
                if i + 1 >= len(t):
                    raise incomplete()
                return "host " + ip4(t[i + 1], pos + i + 1), i + 2
            a = ip4(t[i], pos + i)
            if i + 1 >= len(t):
                raise incomplete()
            wc = ip4(t[i + 1], pos + i + 1)
            if wc == "0.0.0.0":
                return "host " + a, i + 2
            if wc == "255.255.255.255":
                return "any", i + 2
            return "%s %s" % (a, wc), i + 2

        def port(i: int) -> tuple[str | None, int]:
            if proto in ("tcp", "udp") and i < len(t) and t[i].lower() in ("eq", "gt", "lt", "neq", "range"):
                n = 3 if t[i].lower() == "range" else 2
                return " ".join(t[i:i + n]), i + n
            return None, i

        src, i = addr(i)
        out.append(src)
        p, i = port(i)
        if p:
            out.append(p)
        dst, i = addr(i)
        out.append(dst)
        p, i = port(i)
        if p:
            out.append(p)
        out.extend(x.lower() for x in t[i:])
        return " ".join(out)

    # ================================================================================ misc modes
    def h_config_line(self, node: Node, t: list[str], neg: bool):
        if not t or t[0].lower() in ("interface", "router", "crypto", "ip", "line", "hostname", "archive"):
            return None
        if neg:
            node.remove_prefix(t)
        else:
            node.set(" ".join(t), tuple(x.lower() for x in t[:1]) if t[0].lower() != "transport" else tuple(t[:2]))
        return Done()

    def h_config_archive(self, node: Node, t: list[str], neg: bool):
        if not t or t[0].lower() not in ("path", "maximum", "write-memory", "time-period", "log"):
            return None
        if neg:
            node.remove_prefix(t)
        else:
            node.set(" ".join(t), (t[0].lower(),))
        return Done()

    def h_config_cp(self, node: Node, t: list[str], neg: bool):
        return None


# --------------------------------------------------------------------------------------------------
# rendering

_TOP_RANK = [
    (r"^version\b", 0), (r"^service\b", 1), (r"^platform\b", 2), (r"^hostname\b", 3), (r"^boot-start", 4),
    (r"^boot-end", 5), (r"^vrf\b", 6), (r"^logging\b", 7), (r"^aaa\b", 8), (r"^(ip domain|ip name-server|login)\b", 9),
    (r"^subscriber\b", 10), (r"^multilink\b", 11), (r"^crypto pki\b", 12), (r"^license\b", 13), (r"^memory\b", 13),
    (r"^file prompt", 14), (r"^diagnostic\b", 14), (r"^spanning-tree\b", 14), (r"^archive\b", 15), (r"^username\b", 16),
    (r"^enable\b", 16), (r"^redundancy\b", 17), (r"^crypto ikev2 proposal\b", 20), (r"^crypto ikev2 policy\b", 21),
    (r"^crypto ikev2 keyring\b", 22), (r"^crypto ikev2 profile\b", 23), (r"^crypto ikev2\b", 24),
    (r"^crypto isakmp\b", 25), (r"^crypto ipsec transform-set\b", 26), (r"^crypto ipsec\b", 27),
    (r"^crypto map \S+ local-address", 28), (r"^crypto map\b", 29), (r"^crypto\b", 30),
    (r"^interface\b", 40), (r"^router ospf\b", 49), (r"^router bgp\b", 50), (r"^route-map\b", 68), (r"^ip forward-protocol\b", 60), (r"^ip http\b", 61),
    (r"^ip route\b", 62), (r"^ip ssh\b", 63), (r"^ip scp\b", 63), (r"^ip access-list\b", 64),
    (r"^ip prefix-list\b", 65), (r"^ip\b", 66), (r"^password encryption", 67), (r"^cdp\b", 68), (r"^snmp", 69),
    (r"^control-plane\b", 80), (r"^line\b", 90), (r"^ntp\b", 95),
]

IF_RANK = ["description", "bandwidth", "vrf", "ip vrf", "ip address", "no ip address", "ip unnumbered", "ip mtu",
           "ip nat", "ip virtual-reassembly", "ip access-group", "ip tcp adjust-mss", "ip ospf", "load-interval",
           "keepalive", "shutdown", "negotiation", "cdp", "bfd", "tunnel source", "tunnel destination", "tunnel mode",
           "tunnel ttl", "tunnel key", "tunnel path-mtu-discovery", "tunnel protection", "crypto map",
           "service-policy"]
NBR_RANK = ["peer-group", "remote-as", "local-as", "description", "ebgp-multihop", "password", "shutdown",
            "update-source", "version", "timers", "fall-over", "ttl-security", "disable-connected-check", "transport",
            "activate", "send-community", "next-hop-self", "default-originate", "soft-reconfiguration",
            "allowas-in", "remove-private-as", "as-override", "route-map", "maximum-prefix", "prefix-list",
            "filter-list", "distribute-list", "weight", "unsuppress-map"]
CMAP_RANK = ["description", "set peer", "set security-association", "set transform-set", "set pfs",
             "set ikev2-profile", "set isakmp-profile", "set nat", "match address", "reverse-route"]
PROFILE_RANK = ["description", "match fvrf", "match address", "match identity", "identity local",
                "authentication remote", "authentication local", "keyring", "ivrf", "lifetime", "dpd", "nat",
                "virtual-template", "config-exchange"]
PROPOSAL_RANK = ["encryption", "integrity", "prf", "group"]
PEER_RANK = ["description", "address", "hostname", "identity", "pre-shared-key"]
OSPF_RANK = ["router-id", "auto-cost", "log-adjacency-changes", "redistribute", "passive-interface", "network",
             "default-information"]
ROUTE_MAP_RANK = ["description", "match", "set metric", "set metric-type", "set tag"]


def _rank(line: str, ranks: list[str]) -> int:
    return _rank_of(line, tuple(ranks))


@functools.lru_cache(maxsize=16384)
def _rank_of(line: str, ranks: tuple[str, ...]) -> int:
    best, best_len = len(ranks), -1
    for i, r in enumerate(ranks):
        if (line == r or line.startswith(r + " ")) and len(r) > best_len:
            best, best_len = i, len(r)
    return best


_TOP_RANK_RX = [(re.compile(pat), rank) for pat, rank in _TOP_RANK]


@functools.lru_cache(maxsize=8192)
def top_rank(line: str) -> int:
    """Position of a top-level line in the running config (pure; cached: rendering runs on every config line)."""
    for rx, rank in _TOP_RANK_RX:
        if rx.match(line):
            return rank
    return 70


def _sorted_top(root: Node) -> list[Node]:
    def key(ix_node):
        ix, n = ix_node
        r = top_rank(n.line)
        if n.key[:1] == ("interface",):
            return (r, iface_sort_key(n.key[1]), ix)
        if n.key[:2] == ("crypto", "map") and len(n.key) == 4 and n.key[3].isdigit():
            return (r, (n.key[2], int(n.key[3])), ix)
        return (r, (), ix)

    return [n for _ix, n in sorted(enumerate(root.children), key=key)]


def _render_block(node: Node, indent: str, out: list[str]) -> None:
    line = node.line
    out.append(indent + line)
    kids = list(node.children)
    sub = indent + " "
    if node.key[:1] == ("interface",):
        if not any(c.key[:2] == ("ip", "address") or c.key[:2] == ("ip", "unnumbered") for c in kids):
            kids.append(Node("no ip address", ("no", "ip", "address")))
        kids.sort(key=lambda c: _rank(c.line, IF_RANK))
        for c in kids:
            out.append(sub + c.line)
        return
    if node.key[:2] == ("router", "bgp"):
        _render_bgp(node, sub, out)
        return
    if node.key[:2] == ("crypto", "map"):
        kids.sort(key=lambda c: _rank(c.line, CMAP_RANK))
    elif node.key[:3] == ("crypto", "ikev2", "profile"):
        kids.sort(key=lambda c: _rank(c.line, PROFILE_RANK))
    elif node.key[:3] == ("crypto", "ikev2", "proposal"):
        kids.sort(key=lambda c: _rank(c.line, PROPOSAL_RANK))
    elif node.key[:1] == ("peer",):
        kids.sort(key=lambda c: _rank(c.line, PEER_RANK))
    elif node.key[:2] == ("router", "ospf"):
        kids.sort(key=lambda c: _rank(c.line, OSPF_RANK))
    elif node.key[:1] == ("route-map",):
        kids.sort(key=lambda c: _rank(c.line, ROUTE_MAP_RANK))
    for c in kids:
        if c.children or c.key[:1] == ("peer",):
            _render_block(c, sub, out)
            if c.key[:1] == ("peer",):
                out.append(sub + "!")
        else:
            out.append(sub + c.line)


def _nbr_sorted(lines: list[Node], order: dict[str, int]) -> list[Node]:
    def key(ix_c):
        ix, c = ix_c
        if c.key[:1] == ("neighbor",):
            return (1, order.get(c.key[1], 10 ** 6), _rank(" ".join(c.line.split()[2:]), NBR_RANK), ix)
        first = c.key[0] if c.key else ""
        return (0, {"bgp": 0, "timers": 1, "network": 2, "aggregate-address": 3, "redistribute": 4}.get(first, 5), 0, ix)

    return [c for _ix, c in sorted(enumerate(lines), key=key)]


def _render_bgp(router: Node, sub: str, out: list[str]) -> None:
    order = {c.key[1]: c.meta.get("seq", 0) for c in router.children if c.key[:1] == ("neighbor",) and len(c.key) > 2
             and c.key[2] == "remote-as"}
    flat = [c for c in router.children if not c.key[:1] == ("address-family",)]

    def bgp_key(c):
        return {"router-id": 0, "log-neighbor-changes": 1}.get(c.key[1] if len(c.key) > 1 else "", 2)

    bgp_lines = sorted([c for c in flat if c.key[:1] == ("bgp",)], key=bgp_key)
    rest = [c for c in flat if c.key[:1] != ("bgp",)]
    for c in bgp_lines + _nbr_sorted(rest, order):
        out.append(sub + c.line)
    for af in [c for c in router.children if c.key[:1] == ("address-family",)]:
        out.append(sub + "!")
        out.append(sub + af.line)
        for c in _nbr_sorted(af.children, order):
            out.append(sub + " " + c.line)
        out.append(sub + "exit-address-family")


def render_lines(root: Node) -> list[str]:
    """Body of `show running-config` (between the header and `end`)."""
    out: list[str] = []
    prev_rank = None
    for node in _sorted_top(root):
        r = top_rank(node.line)
        if node.children or node.key[:1] in (("interface",), ("router",)) or node.key[:2] == ("crypto", "map") and \
                len(node.key) == 4 and node.key[3].isdigit() or (prev_rank is not None and r != prev_rank):
            if out and out[-1] != "!":
                out.append("!")
        if node.children or node.key[:1] == ("interface",) or (node.key[:2] == ("crypto", "map") and len(node.key) == 4
                                                               and node.key[3].isdigit()):
            _render_block(node, "", out)
            out.append("!")
        else:
            out.append(node.line)
        prev_rank = r
    return out


def load_text(parser: ConfigParser, text: str) -> list[str]:
    """Apply a configuration file (indentation gives the modes), as `configure replace` or a boot does.

    Returns the error messages (a real router logs them and carries on)."""
    errors: list[str] = []
    stack: list[tuple[str, Node]] = [("config", parser.root)]
    levels: list[int] = [-1]
    for raw in text.splitlines():
        line = raw.rstrip("\r").rstrip()
        s = line.strip()
        if not s or s.startswith("!"):
            continue
        if s == "end":
            break
        if s.startswith("Building configuration") or s.startswith("Current configuration"):
            continue
        ind = len(line) - len(line.lstrip(" "))
        while len(stack) > 1 and levels[len(stack) - 1] >= ind:
            stack.pop()
        levels = levels[: len(stack)]
        if s == "exit-address-family":
            if stack[-1][0] == "config-router-af":
                stack.pop()
                levels = levels[: len(stack)]
            continue
        try:
            parser.execute(stack, s)
        except CLIError as exc:
            errors.append("%s: %s" % (s, exc.message))
            continue
        levels = levels[: len(stack) - 1] + [ind] if parser.last_entered else levels[: len(stack)]
        while len(levels) < len(stack):
            levels.append(ind)
    return errors
