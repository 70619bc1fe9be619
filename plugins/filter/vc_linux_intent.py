# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_linux_intent
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: What a Linux CPE must hold for its Virtual Connect tunnels (no secrets)
description:
  - Renders, from the plan, everything the Linux roles apply on one CPE, so templates stay dumb.
  - Keys C(tunnels) (plan keys), C(links) (GRE links for M(webex_di.virtual_connect.vc_linux_gre)),
    C(connections) and C(children) (swanctl names), C(dpd) (connection -> DPD interval),
    C(keepalive_warnings) (Linux GRE has no keepalives), C(swanctl_conf) (vc-connections.conf),
    C(networkd) (list of C({path, content}) .netdev/.network files, path relative to the networkd directory), C(nft) (MSS clamp script).
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
- name: Render this CPE's Linux configuration
  ansible.builtin.set_fact:
    vc_linux: "{{ vc_plan | webex_di.virtual_connect.vc_linux_intent(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: The rendered intent (see description).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import RenderError, linux_intent


def vc_linux_intent(plan, host):
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("vc_linux_intent: expects the plan returned by webex_di.virtual_connect.vc_plan")
    try:
        return linux_intent(plan, host)
    except (RenderError, KeyError) as exc:
        raise AnsibleFilterError("vc_linux_intent: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"vc_linux_intent": vc_linux_intent}
