# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_tunnel_addressing
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Check and describe one tunnel's transit subnet
description:
  - Checks that the CPE and Cisco tunnel IPs are in one /30 or /31, differ, and are neither the network nor the
    broadcast address of a /30; warns when the subnet is outside the shared address space 100.64.0.0/10.
  - Fails with the rule for a broken pair.
options:
  _input:
    description: The CPE tunnel address with its length, for example C(100.64.0.1/30).
    type: str
    required: true
  di_tunnel_ip:
    description: The Cisco tunnel IP (the BGP neighbour).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Derive the tunnel addressing
  ansible.builtin.debug:
    msg: "{{ '100.64.0.1/30' | webex_di.virtual_connect.vc_tunnel_addressing('100.64.0.2') }}"
"""

RETURN = r"""
_value:
  description: The derived addressing.
  type: dict
  contains:
    cpe_ip:
      description: CPE tunnel address.
      type: str
    cpe_cidr:
      description: CPE tunnel address with its length.
      type: str
    di_ip:
      description: Cisco tunnel address (BGP neighbour).
      type: str
    network:
      description: The transit subnet.
      type: str
    prefixlen:
      description: Its length.
      type: int
    netmask:
      description: Its dotted mask (for IOS-XE C(ip address)).
      type: str
    shared_space:
      description: Whether the subnet is inside 100.64.0.0/10.
      type: bool
    warnings:
      description: Warnings, each as a string "code - message".
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import addressing as A


def vc_tunnel_addressing(cpe_tunnel_ip, di_tunnel_ip):
    try:
        out = A.tunnel_addressing(cpe_tunnel_ip, di_tunnel_ip)
    except A.AddressError as exc:
        raise AnsibleFilterError("vc_tunnel_addressing: %s [%s]" % (exc.message, exc.code))
    out.pop("net")
    out["warnings"] = ["%s - %s" % w for w in out["warnings"]]
    return out


class FilterModule(object):
    def filters(self):
        return {"vc_tunnel_addressing": vc_tunnel_addressing}
