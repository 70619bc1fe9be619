# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The main() of the controller-side modules (vc_plan, vc_verify, vc_diagnose): their action plugins run
``run(params)`` on the controller; run as plain modules they do the same through AnsibleModule."""
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def run_module(argument_spec, run):
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    out = run(module.params)
    if out.get("failed"):
        module.fail_json(**out)
    module.exit_json(**out)
