# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by the IOS-XE parsers: text clean-up, addresses, prefixes, uptimes.

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import ipaddress
import re
from typing import List, Optional

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV4_RE = re.compile(r"^" + IPV4 + r"$")
_PREFIX_RE = re.compile(r"^(" + IPV4 + r")(?:/(\d{1,2}))?$")

# A device prompt that echoes the command ("cpe1#show ip bgp summary", "R1>ping ...") or a bare
# trailing prompt ("cpe1#"). The hostname part never contains spaces.
_PROMPT_RE = re.compile(r"^[A-Za-z0-9_.:()/-]{1,63}[#>]\s*(?:(?:show|sh|ping|terminal|term)\b.*)?$")


def clean_lines(text: Optional[str]) -> List[str]:
    """Split raw CLI output into lines: CR/LF normalised, tabs expanded, trailing blanks and
    prompt/echo lines removed. Leading indentation is kept (some parsers use it as a hint) but no
    parser requires it."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for raw in text.split("\n"):
        line = raw.expandtabs(8).rstrip()
        if _PROMPT_RE.match(line.strip()) and not _looks_like_data(line):
            continue
        out.append(line)
    return out


def _looks_like_data(line: str) -> bool:
    # "Tunnel101 is up" etc. never end in '#' or '>' followed by a command; the prompt regex is
    # anchored, so the only risk is a data line such as "*>" alone, which has no hostname part.
    return line.strip() in ("*>", ">")


def is_ipv4(value: Optional[str]) -> bool:
    if not value or not _IPV4_RE.match(value):
        return False
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def classful_length(address: str) -> int:
    """Classful prefix length IOS assumes when it prints a prefix without one.

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


def canonical_prefix(text: Optional[str], default_len: Optional[int] = None) -> Optional[str]:
    """Canonical CIDR string for a prefix as IOS prints it.

    '10.0.0.0' -> '10.0.0.0/8', '172.16.0.0' -> '172.16.0.0/16', '192.168.1.0' -> '192.168.1.0/24',
    '0.0.0.0' -> '0.0.0.0/0', '203.0.113.0/25' unchanged. ``default_len`` overrides the classful
    rule (used by ``show ip route`` under an "X/len is subnetted" header). Host bits are cleared.
    Returns None for anything that is not an IPv4 prefix.
    """
    if not text:
        return None
    m = _PREFIX_RE.match(text.strip())
    if not m or not is_ipv4(m.group(1)):
        return None
    addr = m.group(1)
    if m.group(2) is not None:
        length = int(m.group(2))
    elif default_len is not None:
        length = default_len
    else:
        length = classful_length(addr)
    if length > 32:
        return None
    return str(ipaddress.IPv4Network("%s/%d" % (addr, length), strict=False))


def prefix_sort_key(prefix: str):
    net = ipaddress.IPv4Network(prefix)
    return (int(net.network_address), net.prefixlen)


def sorted_prefixes(prefixes) -> List[str]:
    """Unique canonical prefixes sorted by address then length."""
    return sorted(set(p for p in prefixes if p), key=prefix_sort_key)


def mask_to_len(mask: str) -> Optional[int]:
    """'255.255.255.252' -> 30; None when not a contiguous netmask."""
    if not is_ipv4(mask):
        return None
    try:
        return ipaddress.IPv4Network("0.0.0.0/%s" % mask).prefixlen
    except ValueError:
        return None


_UPTIME_PATTERNS = (
    (re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})$"), (3600, 60, 1)),
    (re.compile(r"^(\d+)y(\d+)w$"), (365 * 86400, 7 * 86400)),
    (re.compile(r"^(\d+)w(\d+)d$"), (7 * 86400, 86400)),
    (re.compile(r"^(\d+)d(\d+)h$"), (86400, 3600)),
    (re.compile(r"^(\d+)h(\d+)m$"), (3600, 60)),
    (re.compile(r"^(\d+)y$"), (365 * 86400,)),
    (re.compile(r"^(\d+)w$"), (7 * 86400,)),
    (re.compile(r"^(\d+)d$"), (86400,)),
)


def parse_uptime(text: Optional[str]) -> Optional[int]:
    """IOS uptime strings to seconds: '00:03:41', '1d18h', '3w0d', '1y10w'. 'never' -> None.

    The coarse forms are approximate by nature (IOS drops the smaller units)."""
    if not text:
        return None
    text = text.strip()
    for regex, factors in _UPTIME_PATTERNS:
        m = regex.match(text)
        if m:
            return sum(int(v) * f for v, f in zip(m.groups(), factors))
    return None


def to_int(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
