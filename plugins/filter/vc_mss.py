# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_mss
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: GRE-over-IPsec MTU/MSS arithmetic for a crypto suite and WAN MTU
description:
  - Computes the largest inner IP packet and TCP MSS that cross GRE over ESP tunnel mode without fragmenting
    (outer IP, optional NAT-T UDP, ESP header, IV, padding to the cipher block, ESP trailer, ICV, GRE and its IP
    header), and whether a tunnel IP MTU and the documented MSS 1350 fit.
options:
  _input:
    description: The WAN (path) MTU, usually 1500; 1492 behind PPPoE.
    type: int
    required: true
  suite:
    description: A crypto suite name of the collection (gcm256, gcm128, cbc256-sha256, cbc256-sha384, cbc256-sha512).
    type: str
    default: gcm256
  nat_t:
    description: Whether NAT-T (UDP 4500 encapsulation, 8 bytes) is in use.
    type: bool
    default: false
  tunnel_ip_mtu:
    description: The tunnel IP MTU to check.
    type: int
    default: 1400
  tcp_mss:
    description: The TCP MSS to check.
    type: int
    default: 1350
"""

EXAMPLES = r"""
- name: Will MSS 1350 fragment with AES-CBC/SHA-512 behind NAT?
  ansible.builtin.debug:
    msg: "{{ 1500 | webex_di.virtual_connect.vc_mss(suite='cbc256-sha512', nat_t=true) }}"
  # -> max_inner_mtu 1382, max_mss 1342, mss_fits false
"""

RETURN = r"""
_value:
  description: The arithmetic.
  type: dict
  contains:
    max_inner_mtu:
      description: Largest inner IP packet that fits.
      type: int
    max_mss:
      description: Largest TCP MSS that fits (max_inner_mtu - 40).
      type: int
    overhead_bytes:
      description: WAN MTU minus max_inner_mtu.
      type: int
    fits:
      description: Whether tunnel_ip_mtu fits.
      type: bool
    mss_fits:
      description: Whether tcp_mss fits.
      type: bool
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.crypto import SUITES
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.mtu import mtu_plan


def vc_mss(wan_mtu, suite="gcm256", nat_t=False, tunnel_ip_mtu=1400, tcp_mss=1350):
    if suite not in SUITES:
        raise AnsibleFilterError("vc_mss: unknown suite %r; choose one of %s" % (suite, ", ".join(sorted(SUITES))))
    try:
        wan = int(wan_mtu)
    except (TypeError, ValueError):
        raise AnsibleFilterError("vc_mss: WAN MTU must be an integer, got %r" % (wan_mtu,))
    if not 1280 <= wan <= 9216:
        raise AnsibleFilterError("vc_mss: WAN MTU %d is outside 1280-9216" % wan)
    esp = SUITES[suite]["esp"]
    out = mtu_plan(wan, esp["encryption"], esp["integrity"], bool(nat_t), int(tunnel_ip_mtu), int(tcp_mss))
    out["suite"] = suite
    return out


class FilterModule(object):
    def filters(self):
        return {"vc_mss": vc_mss}
