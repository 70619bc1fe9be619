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
