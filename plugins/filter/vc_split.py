# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_split
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Split a Dedicated Instance /24 into the DC-A and DC-B /25s
description:
  - Cisco splits the region's /24 into two /25s; DC-A announces the lower, DC-B the upper, and both the /24 as backup.
  - Fails with the rule and the likely fix for a prefix that is not an aligned /24.
options:
  _input:
    description: The Cisco-assigned /24, for example C(203.0.113.0/24).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Show what each data centre announces
  ansible.builtin.debug:
    msg: "{{ '203.0.113.0/24' | webex_di.virtual_connect.vc_split }}"
  # -> {"A": "203.0.113.0/25", "B": "203.0.113.128/25", "backup": "203.0.113.0/24"}
"""

RETURN = r"""
_value:
  description: The two /25s keyed by data centre, and the /24 announced by both as backup.
  type: dict
  contains:
    A:
      description: DC-A's /25 (lower half).
      type: str
    B:
      description: DC-B's /25 (upper half).
      type: str
    backup:
      description: The /24 itself.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import addressing as A


def vc_split(prefix):
    try:
        net = A.parse_di_24(prefix)
    except A.AddressError as exc:
        raise AnsibleFilterError("vc_split: %s [%s]" % (exc.message, exc.code))
    low, high = A.split_half(net)
    return {"A": A.cidr(low), "B": A.cidr(high), "backup": A.cidr(net)}


class FilterModule(object):
    def filters(self):
        return {"vc_split": vc_split}
