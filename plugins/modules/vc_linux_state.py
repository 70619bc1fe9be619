#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_state
short_description: Gather the Virtual Connect state of a Linux CPE (strongSwan, kernel GRE, FRR)
version_added: 0.1.0
description:
  - Runs C(swanctl --list-sas --raw), C(ip -j) (links, addresses, routes), a ping from each tunnel address to
    the Cisco tunnel address, and C(vtysh) JSON commands (neighbours, received-routes (pre-policy),
    advertised-routes), and returns the platform-neutral state of docs/contract.md section 3.
  - Read-only; never changes anything. Works in check mode.
author:
  - webex_di maintainers (@webex-di)
extends_documentation_fragment:
  - webex_di.virtual_connect.linux_cpe
options:
  ping:
    description: Ping the Cisco tunnel address from each tunnel address.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Gather the CPE state
  webex_di.virtual_connect.vc_linux_state:
    plan: "{{ vc_plan }}"
    host: "{{ inventory_hostname }}"
  register: vc_linux_state_result
"""

RETURN = r"""
state:
  description: The state (host, platform, ike_sas, ipsec_sas, tunnels, bgp_neighbors, routes, errors).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import host_tunnels, link_name
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.state import CPE_OPTIONS, gather, targets_from_plan


def main():
    module = AnsibleModule(
        argument_spec=dict(CPE_OPTIONS, ping=dict(type="bool", default=True)),
        supports_check_mode=True,
    )
    p = module.params
    tunnels = host_tunnels(p["plan"], p["host"])
    targets = targets_from_plan(tunnels, link_name, ((p["plan"].get("cpes") or {}).get(p["host"]) or {}).get("redistribution"))
    targets["ping"] = p["ping"]

    def run(argv):
        rc, out, err = module.run_command(argv)
        return rc, out, err

    state = gather(run, p["host"], targets, {"swanctl": p["swanctl"], "vtysh": p["vtysh"]}, swanctl_uri=p["swanctl_uri"])
    module.exit_json(changed=False, state=state)


if __name__ == "__main__":
    main()
