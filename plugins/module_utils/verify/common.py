# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small, pure helpers shared by verify, diagnose and the report writers.

Everything here reads the plan and the state exactly as docs/contract.md describes them and never
recomputes what the plan already says.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, List, Optional

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.addressing import canonical_prefix
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.registry import fold_algorithm, fold_dh_group

__all__ = [
    "LAYERS",
    "LAYER_TITLES",
    "canon_prefix",
    "canon_ts",
    "host_ip",
    "ip_eq",
    "iface_eq",
    "norm_alg",
    "norm_dh",
    "norm_protocol",
    "sibling_tunnel",
    "tunnel_label",
    "as_list",
]

# The troubleshooting order of the source article: IKEv2 (phase 1), IPsec (phase 2), GRE tunnel,
# BGP session, BGP route exchange.
LAYERS = ("ike", "ipsec", "gre", "bgp", "routes", "redistribution")   # the last: customer-side HA (docs/ha.md)
LAYER_TITLES = {
    "ike": "IKEv2 phase 1",
    "ipsec": "IPsec phase 2",
    "gre": "GRE tunnel",
    "bgp": "BGP session",
    "routes": "BGP route exchange",
    "redistribution": "Redistribution into the customer network",
}

_IP_IN_TEXT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})")


def as_list(value: Any) -> List[Any]:
    """None -> [], scalar -> [scalar], list/tuple/set -> list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def host_ip(value: Any) -> Optional[str]:
    """Return the IPv4/IPv6 address in `value` as a string, or None.

    Accepts '192.0.2.1', '192.0.2.1/32', 'Loopback101 (192.0.2.1)'.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return str(ipaddress.ip_interface(text).ip)
    except ValueError:
        pass
    match = _IP_IN_TEXT.search(text)
    if match:
        try:
            return str(ipaddress.ip_address(match.group(1)))
        except ValueError:
            return None
    return None


def ip_eq(a: Any, b: Any) -> bool:
    """Two addresses are the same IP (prefix lengths and decorations ignored)."""
    ia, ib = host_ip(a), host_ip(b)
    return ia is not None and ia == ib


def iface_eq(a: Any, b: Any) -> bool:
    """Two interface addresses 'ip/len' are the same address with the same length."""
    try:
        return ipaddress.ip_interface(str(a)) == ipaddress.ip_interface(str(b))
    except ValueError:
        return False


def canon_prefix(value: Any) -> str:
    """Canonical CIDR string for a route prefix (plan.addressing.canonical_prefix: a bare address is read as
    classful, as routers print '10.0.0.0' for 10.0.0.0/8); IPv6 is normalised too; anything else comes back as
    text, so that comparisons still work."""
    found = canonical_prefix(value)
    if found is not None:
        return found
    text = str(value).strip()
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def canon_ts(value: Any) -> Optional[str]:
    """Canonical traffic selector: '192.0.2.1' -> '192.0.2.1/32'; a protocol suffix such as '[gre]' dropped."""
    if value is None:
        return None
    text = re.sub(r"\[.*\]$", "", str(value).strip())
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


_PROTOCOLS = {"gre": 47, "esp": 50, "ah": 51, "tcp": 6, "udp": 17, "icmp": 1, "ip": 0, "any": 0}


def norm_protocol(value: Any) -> Optional[int]:
    """IP protocol as an int (47 for 'gre'); 0 means any IP ('ip' ACL); None when unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    return _PROTOCOLS.get(text)


def norm_alg(value: Any) -> Optional[str]:
    """Algorithm name in the plan's vocabulary (lower case, blanks removed, and a platform's own spelling
    such as ``aes256gcm16`` or ``esp-gcm 256`` folded by that platform's vocabulary); None stays None."""
    if value is None:
        return None
    text = re.sub(r"\s+", "", str(value).strip().lower())
    return fold_algorithm(text)


def norm_dh(value: Any) -> Optional[int]:
    """DH group number from 20, '20', 'group20' or a platform's name for it ('ecp384'); None when unknown or 'none'."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower().replace(" ", "")
    if text in ("", "none", "null", "disabled", "no"):
        return None
    if text.startswith("group"):
        text = text[len("group"):]
    if text.isdigit():
        return int(text)
    return fold_dh_group(text)


def sibling_tunnel(region: Dict[str, Any], tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The other tunnel of the same region (DC-B for DC-A), or None."""
    for other in region.get("tunnels") or []:
        if other.get("key") != tunnel.get("key"):
            return other
    return None


def tunnel_label(tunnel: Dict[str, Any]) -> str:
    """'tunnel 1 DC-A (region us-east)' as the article names them."""
    return "tunnel %s DC-%s (region %s)" % (
        tunnel.get("index", "?"),
        tunnel.get("datacenter", "?"),
        tunnel.get("region", "?"),
    )
