# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_gather_commands
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: The commands verify runs (or reads offline) on one CPE, derived from the plan
description:
  - Through the platform of the CPE (the plan names it). IOS-XE - the global show commands (IKEv2 SAs, crypto
    sessions, BGP summary, interfaces, the routes of the Cisco /24s), per tunnel the IPsec SAs of the peer, the
    tunnel interface, the BGP neighbour and its received/advertised routes, a ping over the tunnel, then the
    optional diagnose evidence (filtered running config, C(show logging), a ping to the DI IPsec IP).
  - With O(settle=true), only the few commands that tell whether the tunnels settled after a change.
  - Each item names its saved-output file for the offline mode (see docs/offline-verify.md). A platform that
    gathers with a module of its own (Linux) returns an empty list.
options:
  _input:
    description: The plan (output of C(vc_plan)).
    type: dict
    required: true
  host:
    description: Inventory hostname of the CPE.
    type: str
    required: true
  settle:
    description: Return the settle commands (plain strings) instead.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: List the commands for this CPE
  ansible.builtin.set_fact:
    vc_gather_commands: "{{ vc_plan | webex_di.virtual_connect.vc_gather_commands(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: Ordered, unique commands, each C({command, kind, tunnel, optional, file}) (C(alt_files) on some).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.platform_filter import host_platform


def vc_gather_commands(plan, host, settle=False):
    platform = host_platform("vc_gather_commands", plan, host)
    try:
        return platform.settle_commands(plan, host) if settle else platform.gather_commands(plan, host)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("vc_gather_commands: plan is missing data for host %s: %s" % (host, exc)) from exc


class FilterModule(object):
    def filters(self):
        return {"vc_gather_commands": vc_gather_commands}
