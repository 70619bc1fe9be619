# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment(object):
    """What vc_verify and vc_diagnose compare: the plan, one CPE's state, and the judging options."""

    DOCUMENTATION = r"""
options:
  plan:
    description: The plan, as returned by M(webex_di.virtual_connect.vc_plan) in C(plan).
    type: dict
    required: true
  state:
    description:
      - The CPE state in the common shape of the collection's state contract (C(ike_sas), C(ipsec_sas),
        C(tunnels), C(bgp_neighbors), C(routes); optional evidence C(config), C(probes), C(log_events)).
    type: dict
    required: true
  host:
    description:
      - Inventory hostname whose tunnels (plan tunnels with this C(cpe_host)) are judged.
      - Defaults to the C(host) of O(state), and in the action plugin to C(inventory_hostname).
    type: str
  min_ike_uptime_s:
    description: An IKE SA younger than this many seconds fails C(ike_sa_stable) (just born or flapping).
    type: int
    default: 10
  require_traffic:
    description: Require packets in and out on the CHILD SA (C(ipsec_traffic)).
    type: bool
    default: true
"""
