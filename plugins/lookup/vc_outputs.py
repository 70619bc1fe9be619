# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_outputs
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Read saved command outputs of a CPE for the offline verify
description:
  - Reads C(<directory>/<host>/<command with spaces, '/' and '|' as '_'>.txt) for every command (or the file an
    item of P(webex_di.virtual_connect.vc_gather_commands#filter) names), on the controller. File names match
    case-insensitively and C(-) may be written C(_). Platform-neutral; today IOS-XE CPEs use it (docs/offline-verify.md).
  - Never fails for a missing file; it is listed in C(missing) (command and expected path) so the
    caller can report it.
options:
  _terms:
    description: The directory holding one sub-directory per inventory host.
    type: list
    elements: str
    required: true
  host:
    description: Inventory hostname (the sub-directory name).
    type: str
    required: true
  commands:
    description: Output of P(webex_di.virtual_connect.vc_gather_commands#filter) or plain command strings.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Read the saved outputs of this CPE
  ansible.builtin.set_fact:
    vc_gather_offline: >-
      {{ query('webex_di.virtual_connect.vc_outputs', vc_verify_from,
               host=inventory_hostname, commands=vc_gather_commands) | first }}
"""

RETURN = r"""
_raw:
  description: One dict per directory given.
  type: list
  elements: dict
  contains:
    outputs: {description: "C({command: text}) for every file found.", type: dict}
    files: {description: "C({command: path}) of the files read.", type: dict}
    missing: {description: "C([{command, path, optional}]) for every file not found.", type: list}
    missing_required: {description: The non-optional part of C(missing)., type: list}
    directory: {description: The host directory searched., type: str}
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        host = self.get_option("host")
        commands = self.get_option("commands")
        if not terms:
            raise AnsibleLookupError("vc_outputs: give the saved-outputs directory")
        return [read_saved_outputs(str(term), host, commands) for term in terms]
