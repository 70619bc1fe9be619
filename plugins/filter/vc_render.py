# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_render
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: The full intended Virtual Connect configuration of one CPE, as files (offline, no secrets)
description:
  - Renders, from the plan, every file of one CPE's Virtual Connect configuration for review, through the
    platform of the CPE (the plan names it; see docs/platforms.md). IOS-XE gives C(vc-ios.cfg) (running-config
    form, secrets masked); Linux gives C(swanctl/conf.d/vc-connections.conf), the C(systemd/network) files of
    the GRE links and C(nftables.d/vc-mss-clamp.nft) (never the secrets file).
  - Fails naming the rule when the plan holds something the platform cannot express.
options:
  _input:
    description: The plan.
    type: dict
    required: true
  host:
    description: The inventory hostname of the CPE.
    type: str
    required: true
  host_vars:
    description:
      - The CPE's variables (for example C(hostvars[inventory_hostname])); the platform reads the ones it
        declares (IOS-XE C(vc_wan_next_hop), C(vc_crypto_map_name)).
    type: dict
"""

EXAMPLES = r"""
- name: Render this CPE's configuration
  ansible.builtin.set_fact:
    vc_rendered: "{{ vc_plan | webex_di.virtual_connect.vc_render(inventory_hostname, hostvars[inventory_hostname]) }}"
"""

RETURN = r"""
_value:
  description: C(files) (path relative to the CPE's output directory -> content) and C(warnings).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.platform_filter import host_platform


def vc_render(plan, host, host_vars=None):
    platform = host_platform("vc_render", plan, host)
    host_vars = host_vars or {}
    settings = dict((key, host_vars[var]) for var, key in platform.settings.items() if var in host_vars and host_vars[var] is not None)
    try:
        return platform.render(plan, host, settings)
    except (ValueError, KeyError) as exc:
        raise AnsibleFilterError("vc_render: %s: %s" % (host, exc))


class FilterModule(object):
    def filters(self):
        return {"vc_render": vc_render}
