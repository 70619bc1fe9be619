# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How IOS-XE says things: its algorithm spellings (folded to the plan's vocabulary before verify and
diagnose compare them) and the wording of the fixes diagnose gives on an IOS-XE CPE.

Keys of ``ALGORITHMS`` are lower case without blanks (``esp-gcm 256`` is looked up as ``esp-gcm256``).
``WORDING`` phrases may use the placeholders of verify/diagnose.py (``{di_ipsec}``, ``{cpe_gre}`` ...).
"""
from __future__ import annotations

from typing import Dict

ALGORITHMS: Dict[str, str] = {
    # transform-set transforms
    "esp-gcm256": "aes-gcm-256",
    "esp-gcm": "aes-gcm-128",
    "esp-gcm128": "aes-gcm-128",
    "esp-256-aes": "aes-cbc-256",
    "esp-aes256": "aes-cbc-256",
    "esp-aes": "aes-cbc-128",
    "esp-aes128": "aes-cbc-128",
    "esp-sha256-hmac": "sha256",
    "esp-sha384-hmac": "sha384",
    "esp-sha512-hmac": "sha512",
    "esp-sha-hmac": "sha1",
    # IKEv2 proposal keywords printed without their dash
    "aes-cbc256": "aes-cbc-256",
    "aes-cbc128": "aes-cbc-128",
}

DH_GROUPS: Dict[str, int] = {}

WORDING: Dict[str, str] = {
    "ikev2_only": "'set ikev2-profile' on the crypto map, else IOS-XE tries IKEv1",
    "gre_only_selectors": "crypto ACL 'permit gre host {cpe_gre} host {di_gre}'",
    "initiate": "the crypto map: GRE traffic matching its ACL triggers IKEv2",
    "tunnel_mode": "transform set 'mode tunnel'",
    "esp_proposal": "the transform set",
    "admin_up": "'no shutdown' on {tunnel_if}",
    "gre_keepalive": "'keepalive {ka_interval} {ka_retries}' on {tunnel_if}",
    "firewalls": "CPE ACLs, zone-based firewall",
    "crypto_support": "an IOS-XE image and license with the planned IKEv2 algorithms ('show crypto ikev2 proposal')",
    # split devices (docs/ha.md section 2)
    "rri_inject": "Configure 'reverse-route' (and 'set reverse-route tag') in the crypto map entry of tunnel {index}; RRI "
                  "configured after the SA came up only takes effect once the SA is re-established (clear crypto sa peer "
                  "{di_ipsec}).",
    "rri_path": "via {di_ipsec}",
    "bgp_reset": "'clear ip bgp {di_tun}' (a hard reset: a soft one does not negotiate the hold time again)",
    "split_route": "Route {di_gre}/32 to the IPsec device {split_inside} (the bgp/gre feature renders it), or learn it from "
                   "the IPsec device's RRI route (tag {rri_tag}) through the inside IGP.",
}
