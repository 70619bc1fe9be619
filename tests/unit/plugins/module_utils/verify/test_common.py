"""Normalisation helpers: the state may use platform spellings; the plan vocabulary is canonical."""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import (
    canon_prefix, canon_ts, host_ip, iface_eq, ip_eq, norm_alg, norm_dh, norm_protocol, tunnel_label,
)


@pytest.mark.parametrize("value,expected", [
    ("0.0.0.0", "0.0.0.0/0"), ("10.0.0.0", "10.0.0.0/8"), ("172.16.0.0", "172.16.0.0/16"),
    ("203.0.113.0", "203.0.113.0/24"), ("203.0.113.128/25", "203.0.113.128/25"), ("203.0.113.5/24", "203.0.113.0/24"),
    ("garbage", "garbage"),
])
def test_canon_prefix(value, expected):
    assert canon_prefix(value) == expected


def test_traffic_selectors_and_addresses():
    assert canon_ts("192.0.2.2") == "192.0.2.2/32"
    assert canon_ts("192.0.2.2/32[gre]") == "192.0.2.2/32"
    assert canon_ts(None) is None
    assert host_ip("Loopback101 (192.0.2.2)") == "192.0.2.2"
    assert host_ip("100.64.0.1/30") == "100.64.0.1"
    assert host_ip("Tunnel101") is None and host_ip(None) is None
    assert ip_eq("192.0.2.2/32", "192.0.2.2") and not ip_eq("192.0.2.2", "192.0.2.3") and not ip_eq(None, None)
    assert iface_eq("100.64.0.1/30", "100.64.0.1/30") and not iface_eq("100.64.0.1/29", "100.64.0.1/30")


def test_protocols_algorithms_groups():
    assert [norm_protocol(v) for v in ("gre", 47, "47", "ip", "esp", None, True)] == [47, 47, 47, 0, 50, None, None]
    assert norm_alg("aes256gcm16") == norm_alg("esp-gcm 256") == norm_alg("AES-GCM-256") == "aes-gcm-256"
    assert norm_alg("prfsha384") == norm_alg("sha2_384") == "sha384"
    assert [norm_dh(v) for v in (20, "20", "group20", "ecp384", "modp2048", "none", None)] == [20, 20, 20, 20, 14, None, None]


def test_tunnel_label():
    assert tunnel_label({"index": 2, "datacenter": "B", "region": "eu"}) == "tunnel 2 DC-B (region eu)"
