# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_secrets
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Pre-shared keys and BGP passwords by tunnel key (no_log use only)
description:
  - The plan never carries secrets. Tasks that must write them (IPsec secrets, BGP passwords) look them up with
    this filter from C(vc_regions), keyed like plan tunnels (C(<region>-<A|B>)).
  - Use only in tasks that set C(no_log) to true.
options:
  _input:
    description: The C(vc_regions) list.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the IPsec secrets
  ansible.builtin.template:
    src: secrets.conf.j2
    dest: /etc/swanctl/conf.d/vc-secrets.conf
    mode: "0600"
  vars:
    vc_tunnel_secrets: "{{ vc_regions | webex_di.virtual_connect.vc_secrets }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: A mapping of tunnel key to a mapping with C(psk) and C(bgp_password).
  type: dict
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import secrets_by_tunnel


def vc_secrets(regions):
    return secrets_by_tunnel(regions)


class FilterModule(object):
    def filters(self):
        return {"vc_secrets": vc_secrets}
