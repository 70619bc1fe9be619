# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_parse
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Turn a CPE's command outputs into the Virtual Connect state
description:
  - Parses the outputs of the commands listed by P(webex_di.virtual_connect.vc_gather_commands#filter), through the
    platform of the CPE, and assembles the platform-neutral state of C(docs/contract.md) section 3 (IKE SAs, IPsec
    SAs, tunnels, BGP neighbours with received/advertised prefixes, routes), plus the diagnose evidence (C(config),
    C(probes), C(log_events)) when the evidence outputs are there.
  - IOS-XE - own parsers (no genie / ntc-templates); classful prefixes printed without a length are normalised
    (C(10.0.0.0) -> C(10.0.0.0/8)). Values the outputs do not show are null, never invented; no secret is ever
    copied from a running configuration.
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
      - The plan (output of C(vc_plan)); names the CPE's platform. With it, C(routes) is limited to the routes of
        interest and plan tunnels only seen in a brief listing still get an entry.
    type: dict
  network_os:
    description: The CPE's C(ansible_network_os), when no O(plan) is given.
    type: str
  errors:
    description: Extra gather errors to record, each a mapping with C(command) and C(message).
    type: list
    elements: dict
"""

EXAMPLES = r"""
- name: Assemble the state from a looped ios_command result
  ansible.builtin.set_fact:
    vc_state: "{{ vc_gather_online | webex_di.virtual_connect.vc_parse(inventory_hostname, plan=vc_plan) }}"

- name: Assemble the state from saved outputs
  ansible.builtin.set_fact:
    vc_state: >-
      {{ {'show crypto ikev2 sa': lookup('ansible.builtin.file', 'out/show_crypto_ikev2_sa.txt')}
         | webex_di.virtual_connect.vc_parse('cpe1', network_os='cisco.ios.ios') }}
"""

RETURN = r"""
_value:
  description: The state (docs/contract.md section 3) - C(host), C(platform), C(ike_sas), C(ipsec_sas), C(tunnels),
    C(bgp_neighbors), C(routes), C(gather_errors), and the optional evidence keys.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import get_platform
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.platform_filter import host_platform


def vc_parse(data, host=None, plan=None, network_os=None, errors=None):
    if host is None:
        raise AnsibleFilterError("vc_parse: 'host' is required")
    if not isinstance(data, (dict, list)):
        raise AnsibleFilterError("vc_parse: input must be a dict {command: output} or a registered command loop result")
    if plan is not None:
        platform = host_platform("vc_parse", plan, host)
    else:
        try:
            platform = get_platform(network_os, host)
        except ValueError as exc:
            raise AnsibleFilterError("vc_parse: give plan= or network_os=: %s" % exc)
    try:
        return platform.parse(data, host, plan, list(errors or []))
    except KeyError as exc:
        raise AnsibleFilterError("vc_parse: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"vc_parse": vc_parse}
