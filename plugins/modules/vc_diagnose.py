#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_diagnose
author:
  - webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Name the most likely cause of a broken Virtual Connect tunnel and its fix
description:
  - Walks the troubleshooting order of the Virtual Connect guide (IKEv2 phase 1, IPsec phase 2, GRE tunnel,
    BGP session, BGP route exchange) over the checks of M(webex_di.virtual_connect.vc_verify) and the optional
    evidence of the state (C(config) of the VC objects as seen on the device, C(probes), C(log_events)).
  - Per tunnel returns the first failing layer and check, the named cause in the guide's wording (with a
    stable C(cause_id) such as C(ike.proposal) or C(bgp.remote_as)), the evidence and the fix, other
    independent faults, and the checks the first fault blocks.
  - Does not fail by default (O(fail_on_fault)); runs on the controller (action plugin).
extends_documentation_fragment:
  - webex_di.virtual_connect.verify_inputs
options:
  report_dir:
    description: When set, writes C(<report_dir>/diagnose-<host>.json) on the controller.
    type: path
  fail_on_fault:
    description: Fail the task when a tunnel has a fault.
    type: bool
    default: false
notes:
  - Check mode is supported.
seealso:
  - module: webex_di.virtual_connect.vc_verify
"""

EXAMPLES = r"""
- name: Diagnose this CPE's tunnels
  webex_di.virtual_connect.vc_diagnose:
    plan: "{{ vc_plan }}"
    state: "{{ vc_state }}"
  register: vc_diagnose_result

- name: Print the named causes
  ansible.builtin.debug:
    msg: "{{ vc_diagnose_result.lines }}"
"""

RETURN = r"""
ok:
  description: No tunnel of the host has a fault.
  returned: always
  type: bool
host:
  description: The diagnosed host.
  returned: always
  type: str
tunnels:
  description:
    - Per tunnel - C(key), C(label), C(ok), C(layer), C(layer_title), C(check), C(message), C(cause_id),
      C(cause), C(fix), C(evidence), C(other_causes), C(blocked), C(notes).
  returned: always
  type: list
  elements: dict
lines:
  description: The diagnosis as readable lines.
  returned: always
  type: list
  elements: str
summary:
  description: Number of checks per status, from the underlying verify.
  returned: always
  type: dict
report_files:
  description: Path of the JSON report written (empty without O(report_dir)).
  returned: always
  type: dict
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.controller_module import run_module
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import diagnosis_lines, render_json, write_reports
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.entry import argument_spec, diagnose_message, for_host

ARGUMENT_SPEC = argument_spec(fail_on_fault=False)


def run(params):
    """Shared by the module and the action plugin: returns the result dict."""
    return for_host(params, "vc_diagnose", _diagnose_result)


def _diagnose_result(params, host, result, diagnosis):
    lines = diagnosis_lines(diagnosis)
    files = write_reports(params.get("report_dir"), host, {
        "json": ("diagnose-%s.json" % host, render_json(diagnosis, extra={"verify": result})),
    })
    out = {
        "changed": False,
        "ok": diagnosis["ok"],
        "host": host,
        "tunnels": diagnosis["tunnels"],
        "lines": lines,
        "summary": result["summary"],
        "report_files": files,
    }
    out["msg"] = diagnose_message(host, diagnosis)
    if not diagnosis["ok"] and params.get("fail_on_fault"):
        out["failed"] = True
    return out


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
