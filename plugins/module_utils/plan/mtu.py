# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GRE-over-IPsec (ESP tunnel mode) overhead and the largest inner packet that fits.

Packet on the WAN: outer IP 20 | [UDP 8 with NAT-T] | ESP header 8 | IV | payload | padding |
pad length 1 | next header 1 | ICV. The payload is the GRE packet: its own IP header 20 + GRE 4
(+4 with a key) + the inner IP packet. payload + padding + 2 is a multiple of the cipher block
(16 for AES-CBC, 4 for GCM). Cisco's ``plaintext mtu 1438`` for esp-256-aes/sha256 at 1500 is the
largest payload under this model (IOSXE-NOTES.md).
"""

from __future__ import annotations

from typing import Dict, Optional

from .crypto import is_gcm

ICV_BYTES = {None: 0, "sha1": 12, "sha256": 16, "sha384": 24, "sha512": 32}
OUTER_IP = 20
ESP_HEADER = 8
ESP_TRAILER = 2
NAT_T = 8
GRE_HEADER = 4
GRE_KEY = 4
GRE_IP = 20
DOCUMENTED_MSS = 1350
DEFAULT_TUNNEL_IP_MTU = 1400
TCP_IP_HEADERS = 40


def esp_params(encryption: str, integrity: Optional[str]):
    """(iv, icv, block) in bytes for an ESP transform."""
    if is_gcm(encryption):
        return 8, 16, 4
    return 16, ICV_BYTES[integrity], 16


def max_esp_payload(wan_mtu: int, encryption: str, integrity: Optional[str], nat_t: bool) -> int:
    """Largest ESP payload (the GRE packet incl. its IP header) that fits in one WAN packet."""
    iv, icv, block = esp_params(encryption, integrity)
    room = wan_mtu - OUTER_IP - (NAT_T if nat_t else 0) - ESP_HEADER - iv - icv
    room -= room % block  # payload + padding + 2 must fill whole blocks
    return room - ESP_TRAILER


def max_inner_mtu(wan_mtu: int, encryption: str, integrity: Optional[str], nat_t: bool, gre_key: bool = False) -> int:
    """Largest inner IP packet carried over GRE over ESP without fragmenting."""
    return max_esp_payload(wan_mtu, encryption, integrity, nat_t) - GRE_IP - GRE_HEADER - (GRE_KEY if gre_key else 0)


def mtu_plan(
    wan_mtu: int,
    encryption: str,
    integrity: Optional[str],
    nat_t: bool,
    tunnel_ip_mtu: int = DEFAULT_TUNNEL_IP_MTU,
    tcp_mss: int = DOCUMENTED_MSS,
) -> Dict[str, object]:
    inner = max_inner_mtu(wan_mtu, encryption, integrity, nat_t)
    return {
        "wan_mtu": wan_mtu,
        "tunnel_ip_mtu": tunnel_ip_mtu,
        "tcp_mss": tcp_mss,
        "path_mtu_discovery": True,
        "max_inner_mtu": inner,
        "max_mss": inner - TCP_IP_HEADERS,
        "overhead_bytes": wan_mtu - inner,
        "nat_t": nat_t,
        "fits": tunnel_ip_mtu <= inner,
        "mss_fits": tcp_mss + TCP_IP_HEADERS <= inner,
    }
