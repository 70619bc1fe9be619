# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 address math for Virtual Connect, on plain integers (fast, no third-party library).

Everything here is pure: parse, split, classify and check overlaps. Errors are raised as
``AddressError`` with a message written for a network engineer; the planner turns them into findings.
"""

from __future__ import annotations

import re
import socket
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ALL_ONES = 0xFFFFFFFF
_INT_OF = int.from_bytes

# (network, prefixlen) as integers.
Net = Tuple[int, int]


class AddressError(ValueError):
    """An address or prefix that cannot be used; ``code`` is the finding code."""

    def __init__(self, code: str, message: str) -> None:
        super(AddressError, self).__init__(message)
        self.code = code
        self.message = message


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED = re.compile(r"^%s\.%s\.%s\.%s\Z" % (_OCTET, _OCTET, _OCTET, _OCTET))


def ip_to_int(text: str) -> int:
    """Strict dotted-quad to integer (no leading zeros, no shorthand)."""
    if isinstance(text, str) and _DOTTED.match(text):
        return _INT_OF(socket.inet_aton(text), "big")
    if not isinstance(text, str):
        raise AddressError("address.invalid", "%r is not an IPv4 address" % (text,))
    parts = text.split(".")
    if len(parts) != 4:
        raise AddressError("address.invalid", "%r is not an IPv4 address (expected a.b.c.d)" % (text,))
    for part in parts:
        if part.isdigit() and len(part) <= 3 and int(part) > 255:
            raise AddressError("address.invalid", "%r is not an IPv4 address (octet %s > 255)" % (text, part))
    raise AddressError("address.invalid", "%r is not an IPv4 address" % (text,))


def int_to_ip(value: int) -> str:
    return "%d.%d.%d.%d" % ((value >> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255)


_MASKS = tuple((ALL_ONES << (32 - n)) & ALL_ONES if n else 0 for n in range(33))


def mask_of(prefixlen: int) -> int:
    return _MASKS[prefixlen]


def netmask(prefixlen: int) -> str:
    return int_to_ip(mask_of(prefixlen))


def wildcard(prefixlen: int) -> str:
    return int_to_ip(ALL_ONES ^ mask_of(prefixlen))


def cidr(net: Net) -> str:
    return "%s/%d" % (int_to_ip(net[0]), net[1])


def parse_interface(text: str) -> Tuple[int, Optional[int]]:
    """``a.b.c.d`` or ``a.b.c.d/len`` -> (address, prefixlen or None). Host bits allowed."""
    if not isinstance(text, str):
        raise AddressError("address.invalid", "%r is not an IPv4 address" % (text,))
    if "/" in text:
        addr, _sep, plen = text.partition("/")
        if not plen.isdigit() or int(plen) > 32:
            raise AddressError("address.invalid", "%r has an invalid prefix length" % (text,))
        return ip_to_int(addr), int(plen)
    return ip_to_int(text), None


def parse_prefix(text: str) -> Net:
    """A network prefix ``a.b.c.d/len`` with no host bits; suggests the fix when host bits are set."""
    if not isinstance(text, str) or "/" not in text:
        raise AddressError("prefix.invalid", "%r is not an IPv4 prefix (expected a.b.c.d/len)" % (text,))
    try:
        addr, plen = parse_interface(text)
    except AddressError as exc:
        raise AddressError("prefix.invalid", exc.message)
    if plen is None:  # pragma: no cover - parse_interface returns a length when "/" is present
        raise AddressError("prefix.invalid", "%r has no prefix length" % (text,))
    net = addr & mask_of(plen)
    if net != addr:
        raise AddressError(
            "prefix.host_bits",
            "%s has host bits set; did you mean %s/%d?" % (text, int_to_ip(net), plen),
        )
    return net, plen


def contains(outer: Net, addr: int) -> bool:
    return (addr & _MASKS[outer[1]]) == outer[0]


def net_contains(outer: Net, inner: Net) -> bool:
    return outer[1] <= inner[1] and (inner[0] & mask_of(outer[1])) == outer[0]


def overlaps(a: Net, b: Net) -> bool:
    short = min(a[1], b[1])
    m = mask_of(short)
    return (a[0] & m) == (b[0] & m)


def last_address(net: Net) -> int:
    return net[0] | (ALL_ONES ^ mask_of(net[1]))


def split_half(net: Net) -> Tuple[Net, Net]:
    """A prefix into its lower and upper half (a /24 into two /25s)."""
    if net[1] >= 32:
        raise AddressError("prefix.invalid", "%s cannot be split" % cidr(net))
    plen = net[1] + 1
    return (net[0], plen), (net[0] | (1 << (32 - plen)), plen)


def parse_di_24(text: str) -> Net:
    """The Cisco-assigned /24 ("X.X.X.0/24"), with the fix suggested for the usual slips."""
    net = None
    if isinstance(text, str) and "/" not in text:
        try:
            addr = ip_to_int(text)
        except AddressError:
            raise AddressError("prefix.invalid", "%r is not an IPv4 prefix (expected X.X.X.0/24)" % (text,))
        raise AddressError("prefix.invalid", "%s has no prefix length; did you mean %s/24?" % (text, int_to_ip(addr & mask_of(24))))
    try:
        net = parse_prefix(text)
    except AddressError as exc:
        if exc.code == "prefix.host_bits":
            addr, plen = parse_interface(text)
            if plen == 24:
                raise
            raise AddressError(
                "prefix.not_24",
                "%s is not a /24; Cisco assigns one /24 per region (did you mean %s/24?)" % (text, int_to_ip(addr & mask_of(24))),
            )
        raise
    if net[1] != 24:
        raise AddressError(
            "prefix.not_24",
            "%s is a /%d; Cisco assigns one /24 per region (did you mean %s/24?)" % (text, net[1], int_to_ip(net[0] & mask_of(24))),
        )
    return net


# Special-purpose IPv4 blocks (RFC 6890 and friends) that are never a tunnel transport address.
_NOT_UNICAST: Sequence[Tuple[Net, str]] = (
    ((0x00000000, 8), "in 0.0.0.0/8 ('this network')"),
    ((0x7F000000, 8), "a loopback address"),
    ((0xA9FE0000, 16), "a link-local address"),
    ((0xE0000000, 4), "a multicast address"),
    ((0xF0000000, 4), "in the reserved 240.0.0.0/4 block"),
)
_PRIVATE: Sequence[Net] = ((0x0A000000, 8), (0xAC100000, 12), (0xC0A80000, 16))
SHARED_SPACE: Net = (0x64400000, 10)  # 100.64.0.0/10, RFC 6598


def unicast_problem(addr: int) -> Optional[str]:
    """Why ``addr`` is not a usable unicast address, or None."""
    if addr == ALL_ONES:
        return "the limited broadcast address"
    for net, why in _NOT_UNICAST:
        if contains(net, addr):
            return why
    return None


def is_private(addr: int) -> bool:
    """RFC 1918 or the shared address space (both imply NAT in front of the internet)."""
    return any(contains(n, addr) for n in _PRIVATE) or contains(SHARED_SPACE, addr)


def tunnel_addressing(cpe_tunnel_ip: str, di_tunnel_ip: str) -> Dict[str, object]:
    """Check and describe one tunnel's transit subnet.

    Returns the derived addressing; raises AddressError (first problem) otherwise. Warnings
    (wide subnet, outside shared space) are returned in ``warnings`` as (code, message).
    """
    addr, plen = parse_interface(cpe_tunnel_ip)
    if plen is None:
        raise AddressError(
            "tunnel.prefixlen_missing",
            "%s has no prefix length; write the CPE tunnel address with its length, e.g. %s/30" % (cpe_tunnel_ip, cpe_tunnel_ip),
        )
    warnings: List[Tuple[str, str]] = []
    if plen == 32:
        raise AddressError(
            "tunnel.prefixlen", "%s is a /32: there is no room for the Cisco end; use the /30 or /31 Cisco assigned" % cpe_tunnel_ip
        )
    if plen < 30:
        warnings.append(("tunnel.prefixlen_wide", "%s is a /%d; Cisco assigns /30 or /31 tunnel subnets" % (cpe_tunnel_ip, plen)))
    net = (addr & mask_of(plen), plen)
    peer, peer_len = parse_interface(di_tunnel_ip)
    if peer_len is not None and peer_len != plen:
        raise AddressError(
            "tunnel.different_subnet",
            "the Cisco tunnel IP %s has a different length than the CPE's %s" % (di_tunnel_ip, cpe_tunnel_ip),
        )
    if peer == addr:
        raise AddressError("tunnel.same_ip", "the CPE and Cisco tunnel IPs are both %s" % int_to_ip(addr))
    if not contains(net, peer):
        raise AddressError(
            "tunnel.different_subnet",
            "Cisco tunnel IP %s is not in the CPE tunnel subnet %s" % (int_to_ip(peer), cidr(net)),
        )
    if plen <= 30:
        bcast = last_address(net)
        for who, value in (("CPE", addr), ("Cisco", peer)):
            if value == net[0]:
                raise AddressError(
                    "tunnel.reserved_address",
                    "%s tunnel IP %s is the network address of %s" % (who, int_to_ip(value), cidr(net)),
                )
            if value == bcast:
                raise AddressError(
                    "tunnel.reserved_address",
                    "%s tunnel IP %s is the broadcast address of %s" % (who, int_to_ip(value), cidr(net)),
                )
    shared = net_contains(SHARED_SPACE, net)
    if not shared:
        warnings.append(
            (
                "tunnel.not_shared_space",
                "tunnel subnet %s is outside 100.64.0.0/10, where Cisco assigns tunnel subnets; check for a typo" % cidr(net),
            )
        )
    return {
        "cpe_ip": int_to_ip(addr),
        "cpe_cidr": "%s/%d" % (int_to_ip(addr), plen),
        "di_ip": int_to_ip(peer),
        "network": cidr(net),
        "prefixlen": plen,
        "netmask": netmask(plen),
        "shared_space": shared,
        "net": net,
        "warnings": warnings,
    }


def find_overlaps(items: Iterable[Tuple[Net, object]]) -> List[Tuple[object, object]]:
    """All pairs of overlapping prefixes, by a sweep over sorted intervals: O(n log n + pairs)."""
    spans = sorted(((n[0], last_address(n), tag) for n, tag in items), key=lambda s: (s[0], -s[1]))
    pairs: List[Tuple[object, object]] = []
    active: List[Tuple[int, object]] = []  # (end, tag) of spans that may still overlap
    for start, end, tag in spans:
        active = [a for a in active if a[0] >= start]
        for _end, other in active:
            pairs.append((other, tag))
        active.append((end, tag))
    return pairs


def sort_prefixes(prefixes: Iterable[str]) -> List[str]:
    """Sort CIDR strings by address then length (the order used everywhere in plans and reports)."""

    def key(p: str) -> Tuple[int, int]:
        addr, _sep, length = p.partition("/")
        return ip_to_int(addr), int(length or 32)

    return sorted(set(prefixes), key=key)


# ---------------------------------------------------------------------------------------------
# Prefixes as devices print them: the one normalisation of the collection (plans, parsers, verify)
# ---------------------------------------------------------------------------------------------
_PRINTED_PREFIX = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?\Z")


def classful_length(address: str) -> int:
    """The prefix length a router assumes when it prints a prefix without one.

    0.0.0.0 -> 0 (the default route); class A (first octet 1-127) -> 8; class B (128-191) -> 16;
    class C (192-223) -> 24; class D/E (224-255) -> 32 (never printed bare in practice).
    """
    first = int(address.split(".", 1)[0])
    if address == "0.0.0.0":
        return 0
    if first < 128:
        return 8
    if first < 192:
        return 16
    if first < 224:
        return 24
    return 32


def canonical_prefix(value: object, default_len: Optional[int] = None) -> Optional[str]:
    """Canonical IPv4 CIDR string of a prefix as a device prints it; None when it is not one.

    ``10.0.0.0`` -> ``10.0.0.0/8`` (classful, :func:`classful_length`), ``0.0.0.0`` and ``default`` ->
    ``0.0.0.0/0``, ``203.0.113.5/24`` -> ``203.0.113.0/24`` (host bits cleared). ``default_len``
    replaces the classful rule (``show ip route`` under an "X/len is subnetted" header).
    """
    if value is None:
        return None
    text = str(value).strip()
    if text == "default":
        return "0.0.0.0/0"
    m = _PRINTED_PREFIX.match(text)
    if not m or any(int(octet) > 255 for octet in m.group(1).split(".")):
        return None
    if m.group(2) is not None:
        length = int(m.group(2))
    elif default_len is not None:
        length = int(default_len)
    else:
        length = classful_length(m.group(1))
    if length > 32:
        return None
    return "%s/%d" % (int_to_ip(ip_to_int(_no_leading_zeros(m.group(1))) & mask_of(length)), length)


def _no_leading_zeros(address: str) -> str:
    return ".".join(str(int(octet)) for octet in address.split("."))
