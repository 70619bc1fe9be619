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
  evidence:
    description:
      - Diagnose evidence added to the state (docs/contract.md section 3, C(log_events), C(probes), C(ipsec_counters)).
      - V(logs) - charon's log (the last O(log_lines) lines of O(charon_log), or of the strongswan unit's journal when
        that file is absent), the last BGP NOTIFICATION of each VC neighbour, and when a VC session is down the
        kernel's TCP MD5 lines and counters. Log events carry C(age_s), their age on the CPE's clock.
      - V(all) - also the probes - a ping of each DI IPsec IP from the CPE IPsec IP; C(swanctl --list-sas) and the kernel
        counters before and after the tunnel pings (the CHILD SA counter deltas); a ping with DF set of the tunnel MTU
        when the small one passed; and, for a tunnel without an established IKE SA, an empty UDP datagram to the DI
        IKE port (UDP 500) to tell a dead IKE service (ICMP port unreachable) from a filtered path.
      - Every probe is read-only on the CPE. V(none) - only the state.
    type: str
    choices: [all, logs, none]
    default: all
  charon_log:
    description: charon's log file (a C(filelog) of strongswan.conf); the journal of the strongswan unit is read when it is absent.
    type: path
    default: /var/log/charon.log
  log_lines:
    description: How many of the last lines of charon's log are read.
    type: int
    default: 2000
  return_outputs:
    description: Also return every command output the state was built from (RV(outputs); for fixtures and offline diagnose).
    type: bool
    default: false
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
outputs:
  description: With O(return_outputs), every output by command (the keys C(webex_di.virtual_connect.vc_parse) reads).
  returned: when O(return_outputs) is true
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

import time

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.state import (
    CPE_OPTIONS, EVIDENCE_LEVELS, gather, host_targets, udp_probe,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(CPE_OPTIONS, ping=dict(type="bool", default=True),
                           evidence=dict(type="str", choices=list(EVIDENCE_LEVELS), default="all"),
                           charon_log=dict(type="path", default="/var/log/charon.log"),
                           log_lines=dict(type="int", default=2000),
                           return_outputs=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    p = module.params
    targets = host_targets(p["plan"], p["host"])     # GRE/BGP tunnels, and the split tunnels' routes (docs/ha.md)
    targets["ping"] = p["ping"]

    def run(argv):
        rc, out, err = module.run_command(argv)
        return rc, out, err

    outputs = {}
    state = gather(run, p["host"], targets, {"swanctl": p["swanctl"], "vtysh": p["vtysh"]}, swanctl_uri=p["swanctl_uri"],
                   evidence=p["evidence"], charon_log=p["charon_log"], log_lines=p["log_lines"], udp=udp_probe,
                   clock=time.time, outputs=outputs)
    result = dict(changed=False, state=state)
    if p["return_outputs"]:
        result["outputs"] = outputs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
