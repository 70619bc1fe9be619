# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_linux_swanctl_secrets
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: The swanctl secrets file of a Linux CPE (no_log use only)
description:
  - Renders C(conf.d/vc-secrets.conf) (one IKE PSK per tunnel of the host, base64-encoded with the C(0s) prefix).
  - "Use only in tasks with C(no_log: true)."
options:
  _input:
    description: The plan.
    type: dict
    required: true
  host:
    description: The inventory hostname of the CPE.
    type: str
    required: true
  secrets:
    description: Output of the C(webex_di.virtual_connect.vc_secrets) filter.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the IPsec secrets
  ansible.builtin.copy:
    content: "{{ vc_plan | webex_di.virtual_connect.vc_linux_swanctl_secrets(inventory_hostname, vc_regions | webex_di.virtual_connect.vc_secrets) }}"
    dest: /etc/swanctl/conf.d/vc-secrets.conf
    mode: "0600"
  no_log: true
"""

RETURN = r"""
_value:
  description: File content.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import RenderError, host_tunnels, render_swanctl_secrets


def vc_linux_swanctl_secrets(plan, host, secrets):
    try:
        return render_swanctl_secrets(host_tunnels(plan, host), secrets or {})
    except (RenderError, KeyError, AttributeError) as exc:
        # the message names the tunnel, never the secret
        raise AnsibleFilterError("vc_linux_swanctl_secrets: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"vc_linux_swanctl_secrets": vc_linux_swanctl_secrets}
