# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_platform
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Map ansible_network_os to the collection's platform name
description:
  - Roles include C(tasks/<platform>.yml) chosen by this filter, through the platform registry
    (docs/platforms.md), for example C(ios) for C(cisco.ios.ios) and C(linux) for C(linux).
  - Fails naming the supported values for anything else, and when C(ansible_network_os) is not set (a CPE
    never silently becomes another platform).
options:
  _input:
    description: The host's C(ansible_network_os) (empty or null when not set).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Include the platform's tasks
  ansible.builtin.include_tasks: "{{ ansible_network_os | default('') | webex_di.virtual_connect.vc_platform }}.yml"
"""

RETURN = r"""
_value:
  description: The platform name (C(ios), C(linux)).
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import platform_of


def vc_platform(network_os):
    try:
        return platform_of(network_os)
    except ValueError as exc:
        raise AnsibleFilterError("vc_platform: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"vc_platform": vc_platform}
