"""Builders for plan-core tests: a valid region, then one mutation per test."""

from __future__ import annotations

import copy
from typing import Any, Dict, List


def region(label: str = "us-east", octet: int = 113, tun: int = 0, dual: bool = False, iaas: bool = True) -> Dict[str, Any]:
    """A valid region. ``octet`` picks the DI /24 (203.0.<octet>.0/24), ``tun`` the tunnel /30s."""
    second = "cpe2" if dual else "cpe1"
    return {
        "region": label,
        "di_prefix": "203.0.%d.0/24" % octet,
        **({"iaas_prefix": "198.18.%d.0/24" % octet} if iaas else {}),
        "bandwidth_mbps": 200,
        "tunnels": [
            {
                "datacenter": "A",
                "cpe": {
                    "host": "cpe1",
                    "ipsec_ip": "192.0.2.10",
                    "gre_ip": "192.0.2.10",
                    "tunnel_ip": "100.64.%d.1/30" % tun,
                    "asn": 64551,
                },
                "di": {
                    "ipsec_ip": "198.51.100.%d" % (10 + octet % 50),
                    "gre_ip": "198.51.100.%d" % (110 + octet % 50),
                    "tunnel_ip": "100.64.%d.2" % tun,
                    "asn": 64552,
                },
                "psk": "psk-dc-a-0123456789abcdef",
                "bgp_password": "bgp-a-secret",
            },
            {
                "datacenter": "B",
                "cpe": {
                    "host": second,
                    "ipsec_ip": "192.0.2.%d" % (20 if dual else 10),
                    "gre_ip": "192.0.2.%d" % (20 if dual else 10),
                    "tunnel_ip": "100.64.%d.5/30" % tun,
                    "asn": 64561,
                },
                "di": {
                    "ipsec_ip": "198.51.100.%d" % (60 + octet % 50),
                    "gre_ip": "198.51.100.%d" % (160 + octet % 50),
                    "tunnel_ip": "100.64.%d.6" % tun,
                    "asn": 64562,
                },
                "psk": "psk-dc-b-0123456789abcdef",
            },
        ],
    }


def regions(*items: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [copy.deepcopy(r) for r in (items or (region(),))]


def codes(result, severity: str = None) -> List[str]:
    return [f["code"] for f in result.findings if severity is None or f["severity"] == severity]


def paths(result, code: str) -> List[str]:
    return [f["path"] for f in result.findings if f["code"] == code]


def finding(result, code: str) -> Dict[str, str]:
    hits = [f for f in result.findings if f["code"] == code]
    assert hits, "no %s finding in %r" % (code, result.findings)
    return hits[0]
