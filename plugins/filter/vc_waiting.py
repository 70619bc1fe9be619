# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_waiting
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: What is not up yet on a CPE's Virtual Connect tunnels (empty when settled)
description:
  - Right after a change the SAs and BGP sessions take a moment. Per plan tunnel of the host, lists what is still
    missing - an established IKE SA older than O(min_ike_uptime_s), an installed CHILD SA, an Established BGP
    session, routes received on it. The one rule of "settled" for every platform (the verify role waits with it);
    the verdict is verify's.
options:
  _input:
    description: The state (docs/contract.md section 3), even a partial one.
    type: dict
    required: true
  plan:
    description: The plan.
    type: dict
    required: true
  host:
    description: Inventory hostname of the CPE.
    type: str
    required: true
  min_ike_uptime_s:
    description: An IKE SA younger than this is still waiting (just born or flapping).
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Wait until the tunnels settled
  ansible.builtin.assert:
    that: (vc_state | webex_di.virtual_connect.vc_waiting(vc_plan, inventory_hostname, 10)) | length == 0
"""

RETURN = r"""
_value:
  description: One line per missing piece, for example C(lab-A - CHILD SA) (C(<tunnel key>: <what>)).
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import waiting
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.platform_filter import require_plan


def vc_waiting(state, plan, host, min_ike_uptime_s=0):
    if not isinstance(state, dict):
        raise AnsibleFilterError("vc_waiting: input must be a state (docs/contract.md section 3)")
    return waiting(state, cpe_tunnels(require_plan("vc_waiting", plan), host), int(min_ike_uptime_s or 0))


class FilterModule(object):
    def filters(self):
        return {"vc_waiting": vc_waiting}
