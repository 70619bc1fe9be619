# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a Linux CPE (strongSwan, kernel GRE, FRR) says things.

* The one mapping table of plan crypto tokens -> strongSwan proposal keywords (render.py builds the
  ``proposals`` of vc-connections.conf from it).
* ``ALGORITHMS`` / ``DH_GROUPS``: strongSwan spellings folded to the plan's vocabulary (the inverse
  of the table above plus the other keywords strongSwan accepts), lower case without blanks.
* ``WORDING``: how diagnose says a fix on a Linux CPE (placeholders of verify/diagnose.py).
"""
from __future__ import annotations

from typing import Dict

STRONGSWAN_ENCRYPTION: Dict[str, str] = {
    "aes-gcm-256": "aes256gcm16",
    "aes-gcm-128": "aes128gcm16",
    "aes-cbc-256": "aes256",
    "aes-cbc-192": "aes192",
    "aes-cbc-128": "aes128",
}
STRONGSWAN_INTEGRITY: Dict[str, str] = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
STRONGSWAN_PRF: Dict[str, str] = {"sha1": "prfsha1", "sha256": "prfsha256", "sha384": "prfsha384", "sha512": "prfsha512"}
STRONGSWAN_DH: Dict[int, str] = {
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    31: "curve25519",
}

ALGORITHMS: Dict[str, str] = dict((v, k) for k, v in STRONGSWAN_ENCRYPTION.items())
ALGORITHMS.update(dict((v, k) for k, v in STRONGSWAN_PRF.items()))
ALGORITHMS.update({
    "aes256gcm128": "aes-gcm-256",
    "aes256gcm": "aes-gcm-256",
    "aes128gcm128": "aes-gcm-128",
    "sha2-256": "sha256",
    "sha2-384": "sha384",
    "sha2-512": "sha512",
    "sha2_256": "sha256",
    "sha2_384": "sha384",
    "sha2_512": "sha512",
})

DH_GROUPS: Dict[str, int] = dict((v, k) for k, v in STRONGSWAN_DH.items())
DH_GROUPS.update({"modp1024": 2, "modp1536": 5, "modp6144": 17, "modp8192": 18, "x25519": 31, "curve448": 32})

WORDING: Dict[str, str] = {
    "bgp_reset": "vtysh -c 'clear bgp {di_tun}' (a hard reset: a soft one does not negotiate the hold time again)",
    "ikev2_only": "swanctl connection 'version = 2'",
    "gre_only_selectors": "swanctl child 'local_ts = {cpe_gre}/32[gre]', 'remote_ts = {di_gre}/32[gre]'",
    "initiate": "swanctl child 'start_action = trap' (or start)",
    "tunnel_mode": "swanctl child 'mode = tunnel'",
    "esp_proposal": "the child's esp_proposals",
    "admin_up": "ip link set {tunnel_if} up",
    "gre_keepalive": "Linux GRE has no keepalives: ask Cisco to disable theirs on this tunnel",
    "firewalls": "nftables / iptables rules of the CPE",
    "crypto_support": "package libstrongswan-standard-plugins (openssl, gcm: the ECP groups and AES-GCM); "
                      "'swanctl --list-algs' lists what charon offers",
    # split devices (docs/ha.md section 2)
    "rri_inject": "The CHILD SA's updown script (swanctl child 'updown = .../vc-rri-updown.sh', written by the ipsec "
                  "role) routes {di_gre}/32 via the WAN next hop (protocol 249) when the SA comes up: re-run the ipsec "
                  "role if the script or the 'updown' line is missing, then re-establish the SA so that it runs "
                  "(swanctl --terminate --ike vc-{tunnel_key}; the trap policy brings it up again).",
    "rri_path": "via the WAN next hop towards {di_ipsec} (protocol 249, the updown script)",
    "split_route": "A Linux GRE router learns {di_gre}/32 from the IPsec device's RRI route through the inside OSPF (an "
                   "external route, tag {rri_tag}, next hop {split_inside}), and the IPsec device injects it only while "
                   "its SA is up: verify and diagnose {split_ipsec_host} first (its IKE SA with {di_ipsec} and the "
                   "CHILD SA for GRE {cpe_gre} -> {di_gre}); when that SA is up, check the OSPF adjacency with the "
                   "IPsec device and that it redistributes the route ('redistribute kernel route-map VC-RRI').",
}
