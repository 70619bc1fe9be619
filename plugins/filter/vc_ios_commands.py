# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_ios_commands
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: The IOS-XE show commands that verify runs on one CPE, derived from the plan
description:
  - Global commands C(show crypto ikev2 sa), C(show crypto session detail), C(show ip bgp summary),
    C(show ip interface brief) and C(show ip route <net> <mask> longer-prefixes) per Cisco /24 of
    the host's regions.
  - Per tunnel of the host C(show crypto ipsec sa peer <di ipsec_ip>), C(show interfaces Tunnel<n>),
    C(show ip interface Tunnel<n>), C(show ip bgp neighbors <di tunnel_ip>) and its
    C(received-routes) (C(routes) without soft-reconfiguration) and C(advertised-routes), and
    C(ping <di tunnel_ip> source Tunnel<n> repeat 3).
  - Each item also names its saved-output file for the offline mode (see docs/offline-verify.md).
options:
  _input:
    description: The plan (output of C(vc_plan)).
    type: dict
    required: true
  host:
    description: Inventory hostname of the CPE.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: List the commands for this CPE
  ansible.builtin.set_fact:
    vc_ios_gather_commands: "{{ vc_plan | webex_di.virtual_connect.vc_ios_commands(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: Ordered, unique commands.
  type: list
  elements: dict
  contains:
    command: {description: The exact CLI command., type: str}
    kind: {description: What it is parsed as (ikev2_sa, ipsec_sa, interface, bgp_received, ping...)., type: str}
    tunnel: {description: Plan tunnel key for per-tunnel commands, else null., type: str}
    optional: {description: True when a missing saved output only nulls some fields (offline mode)., type: bool}
    file: {description: "Saved-output file name (spaces, '/' and '|' become '_', plus C(.txt)); the filtered
             running-config and logging evidence commands use short names (C(show_running-config_crypto.txt),
             C(show_running-config_links.txt), C(show_logging.txt)).", type: str}
    alt_files: {description: Other accepted file names (a whole C(show_running-config.txt)); only on those items., type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands


def vc_ios_commands(plan, host):
    if not isinstance(plan, dict):
        raise AnsibleFilterError("vc_ios_commands: input must be the plan dict")
    try:
        return ios_gather_commands(plan, host)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("vc_ios_commands: plan is missing data for host %s: %s" % (host, exc)) from exc


class FilterModule(object):
    def filters(self):
        return {"vc_ios_commands": vc_ios_commands}
