"""Builders for plan-core tests: a valid region, then one mutation per test."""

from __future__ import annotations

import copy
from typing import Any, Dict, List


def _tunnel(dc: str, host: str, cpe_ip: str, tunnel_ip: str, di_tunnel_ip: str, asn: int, di_last: int, **secrets: str) -> Dict[str, Any]:
    """One tunnel of the test region: CPE end, DI end (IPsec .<di_last>, GRE .<di_last + 100>), its secrets."""
    return dict({
        "datacenter": dc,
        "cpe": {"host": host, "ipsec_ip": cpe_ip, "gre_ip": cpe_ip, "tunnel_ip": tunnel_ip, "asn": asn},
        "di": {"ipsec_ip": "198.51.100.%d" % di_last, "gre_ip": "198.51.100.%d" % (di_last + 100),
               "tunnel_ip": di_tunnel_ip, "asn": asn + 1},
    }, **secrets)


def region(label: str = "us-east", octet: int = 113, tun: int = 0, dual: bool = False, iaas: bool = True) -> Dict[str, Any]:
    """A valid region. ``octet`` picks the DI /24 (203.0.<octet>.0/24), ``tun`` the tunnel /30s."""
    second = "cpe2" if dual else "cpe1"
    return {
        "region": label,
        "di_prefix": "203.0.%d.0/24" % octet,
        **({"iaas_prefix": "198.18.%d.0/24" % octet} if iaas else {}),
        "bandwidth_mbps": 200,
        "tunnels": [
            _tunnel("A", "cpe1", "192.0.2.10", "100.64.%d.1/30" % tun, "100.64.%d.2" % tun, 64551, 10 + octet % 50,
                    psk="psk-dc-a-0123456789abcdef", bgp_password="bgp-a-secret"),
            _tunnel("B", second, "192.0.2.%d" % (20 if dual else 10), "100.64.%d.5/30" % tun, "100.64.%d.6" % tun, 64561,
                    60 + octet % 50, psk="psk-dc-b-0123456789abcdef"),
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
