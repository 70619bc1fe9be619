# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_cpe_tunnels
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: The plan tunnels one CPE terminates
description:
  - Returns the tunnels of a plan (from M(webex_di.virtual_connect.vc_plan)) whose C(cpe_host) is the given host,
    in plan order (regions in input order, DC-A before DC-B).
options:
  _input:
    description: The plan.
    type: dict
    required: true
  host:
    description: The inventory hostname of the CPE.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Tunnels of this CPE
  ansible.builtin.set_fact:
    vc_my_tunnels: "{{ vc_plan | webex_di.virtual_connect.vc_cpe_tunnels(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: Plan tunnels (see docs/contract.md).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels


def vc_cpe_tunnels(plan, host):
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("vc_cpe_tunnels: expects the plan returned by webex_di.virtual_connect.vc_plan")
    return cpe_tunnels(plan, host)


class FilterModule(object):
    def filters(self):
        return {"vc_cpe_tunnels": vc_cpe_tunnels}
