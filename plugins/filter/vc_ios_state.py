# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_ios_state
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Turn IOS-XE show command outputs into the Virtual Connect state
description:
  - Parses the outputs of the IOS-XE show commands listed by P(webex_di.virtual_connect.vc_ios_commands#filter)
    (IKEv2 SAs, IPsec SAs, crypto sessions, tunnel interfaces, BGP summary / neighbours /
    received-routes / advertised-routes, routes, ping) and assembles the platform-neutral state of
    C(docs/contract.md) section 3.
  - Own parsers, no genie / ntc-templates. Classful prefixes printed without a length are
    normalised (C(10.0.0.0) -> C(10.0.0.0/8), C(0.0.0.0) -> C(0.0.0.0/0), class C -> C(/24)).
  - Values the outputs do not show are null, never invented.
  - The optional evidence outputs (running-config filters, C(show logging), ping to the DI IPsec IP)
    add the diagnose evidence keys C(config), C(probes) and C(log_events); a key whose outputs are
    absent or refused stays absent. No secret is ever copied from a running configuration.
options:
  _input:
    description:
      - Either a mapping of command to output, or what a looped C(cisco.ios.ios_command) registered
        (one command per loop item, the item being a command string or a dict with a C(command) key).
      - Failed commands of a registered loop are listed in the state's C(gather_errors).
    type: raw
    required: true
  host:
    description: Inventory hostname of the CPE (the state's C(host)).
    type: str
    required: true
  plan:
    description:
      - The plan (output of C(vc_plan)). With it, C(routes) is limited to the routes overlapping the
        host's expected prefixes and plan tunnels only seen in C(show ip interface brief) get an entry.
    type: dict
    required: false
  errors:
    description: Extra gather errors to record, each a mapping with C(command) and C(message).
    type: list
    elements: dict
    required: false
"""

EXAMPLES = r"""
- name: Assemble the state from a looped ios_command result
  ansible.builtin.set_fact:
    vc_state: "{{ vc_ios_gather_online | webex_di.virtual_connect.vc_ios_state(host=inventory_hostname, plan=vc_plan) }}"

- name: Assemble the state from saved outputs
  ansible.builtin.set_fact:
    vc_state: >-
      {{ {'show crypto ikev2 sa': lookup('ansible.builtin.file', 'out/show_crypto_ikev2_sa.txt')}
         | webex_di.virtual_connect.vc_ios_state(host='cpe1') }}
"""

RETURN = r"""
_value:
  description: The state (docs/contract.md section 3).
  type: dict
  contains:
    host: {description: Inventory hostname., type: str}
    platform: {description: Always C(cisco.ios.ios)., type: str}
    ike_sas: {description: One per IKE SA seen (local, remote, state, version, nat_t, uptime_s, local_port, remote_port)., type: list}
    ipsec_sas: {description: One per IPsec flow (local, remote, local_ts, remote_ts, protocol, mode, state, pkts_out, pkts_in)., type: list}
    tunnels: {description: GRE tunnel interfaces (name, admin_up, oper_up, source, destination, address, ip_mtu, keepalive, ping_ok)., type: list}
    bgp_neighbors: {description: BGP neighbours (neighbor, remote_as, local_as, state, uptime_s, received, advertised, prefixes_received)., type: list}
    routes: {description: Routes of interest (prefix, protocol, next_hop, interface)., type: list}
    gather_errors: {description: Commands that failed or could not be read, with the message., type: list}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state, outputs_from_command_results


def vc_ios_state(data, host=None, plan=None, errors=None):
    if host is None:
        raise AnsibleFilterError("vc_ios_state: 'host' is required")
    if not isinstance(data, (dict, list)):
        raise AnsibleFilterError("vc_ios_state: input must be a dict {command: output} or a registered ios_command loop result")
    outputs, run_errors = outputs_from_command_results(data)
    return build_ios_state(outputs, host=host, plan=plan, errors=run_errors + list(errors or []))


class FilterModule(object):
    def filters(self):
        return {"vc_ios_state": vc_ios_state}
