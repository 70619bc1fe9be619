#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_verify
author:
  - webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Prove a CPE's Virtual Connect tunnels against the plan
description:
  - Compares the plan (from M(webex_di.virtual_connect.vc_plan)) with the platform-neutral state of one CPE
    (gathered by the verify role's platform tasks) and returns one named result per check and tunnel, in the
    troubleshooting order of the Virtual Connect guide - IKEv2 SA, IPsec (CHILD) SA, GRE tunnel, BGP session,
    BGP route exchange.
  - Checks per tunnel - C(ike_sa), C(ike_sa_stable), C(ipsec_sa), C(ipsec_selectors), C(ipsec_protocol),
    C(ipsec_mode), C(ipsec_traffic), C(gre_interface), C(gre_endpoints), C(gre_address), C(gre_keepalive),
    C(gre_up), C(gre_ping), C(bgp_neighbor), C(bgp_remote_as), C(bgp_local_as), C(bgp_established),
    C(bgp_received), C(bgp_advertised), C(route_via_tunnel).
  - A check that fails because an earlier layer already failed is reported as skipped, blocked by that first
    failure, so one fault gives one failing check; the diagnosis names its most likely cause and the fix.
  - Fails when any check fails; the message names the host, the tunnel (tunnel 1 DC-A / tunnel 2 DC-B, region)
    and the exact mismatch.
  - Runs on the controller (action plugin) and needs no connection to the CPE.
extends_documentation_fragment:
  - webex_di.virtual_connect.verify_inputs
options:
  report_dir:
    description:
      - When set, writes C(<report_dir>/<host>.json) and C(<report_dir>/junit-<host>.xml) (one testcase per check)
        on the controller; the directory is created.
    type: path
  fail_on_fault:
    description:
      - Fail the task when a check fails (the default). With V(false) the result carries C(ok=false) and the
        same C(msg), so a play can print the table before failing with a short message.
    type: bool
    default: true
notes:
  - Check mode is supported; nothing on the CPE is changed, reports are written in check mode too.
seealso:
  - module: webex_di.virtual_connect.vc_diagnose
  - module: webex_di.virtual_connect.vc_plan
"""

EXAMPLES = r"""
- name: Verify this CPE's tunnels against the plan
  webex_di.virtual_connect.vc_verify:
    plan: "{{ vc_plan }}"
    state: "{{ vc_state }}"
    report_dir: "{{ playbook_dir }}/../.build/reports"
  register: vc_verify_result

- name: Verify without failing, print the table, then fail with the short message
  webex_di.virtual_connect.vc_verify:
    plan: "{{ vc_plan }}"
    state: "{{ vc_state }}"
    fail_on_fault: false
  register: vc_verify_result

- name: Print the table
  ansible.builtin.debug:
    msg: "{{ vc_verify_result.table.splitlines() }}"

- name: Fail naming the host, tunnel and mismatch
  ansible.builtin.fail:
    msg: "{{ vc_verify_result.msg }}"
  when: not vc_verify_result.ok
"""

RETURN = r"""
ok:
  description: Every check of every tunnel of the host passed or was skipped for lack of data.
  returned: always
  type: bool
host:
  description: The verified host.
  returned: always
  type: str
tunnels:
  description:
    - Per tunnel - C(key), C(index), C(datacenter), C(region), C(label), C(ok), C(first_failure) and C(checks),
      each check with C(check), C(layer), C(status) (pass, fail, skip), C(expected), C(actual), C(message),
      C(blocked_by) and for prefix lists C(missing) and C(extra).
  returned: always
  type: list
  elements: dict
summary:
  description: Number of checks per status (C(pass), C(fail), C(skip)).
  returned: always
  type: dict
failures:
  description: One line per failing check, naming host, tunnel, check and mismatch.
  returned: always
  type: list
  elements: str
diagnosis:
  description: The diagnosis (see M(webex_di.virtual_connect.vc_diagnose)) of the same state.
  returned: always
  type: dict
table:
  description: A readable per-tunnel table; print it with C(table.splitlines()).
  returned: always
  type: str
report_files:
  description: Paths of the JSON and JUnit reports written (empty without O(report_dir)).
  returned: always
  type: dict
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.controller_module import run_module
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import (
    failure_lines,
    render_json,
    render_junit,
    render_table,
    write_reports,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.entry import argument_spec, for_host, verify_message

ARGUMENT_SPEC = argument_spec(fail_on_fault=True)


def run(params):
    """Shared by the module and the action plugin: returns the result dict."""
    return for_host(params, "vc_verify", _verify_result)


def _verify_result(params, host, result, diagnosis):
    table = render_table(result, diagnosis)
    files = write_reports(params.get("report_dir"), host, {
        "json": ("%s.json" % host, render_json(result, diagnosis)),
        "junit": ("junit-%s.xml" % host, render_junit(result, diagnosis)),
    })
    failures = failure_lines(result)
    out = {
        "changed": False,
        "ok": result["ok"],
        "host": host,
        "tunnels": result["tunnels"],
        "summary": result["summary"],
        "failures": failures,
        "diagnosis": diagnosis,
        "table": table,
        "report_files": files,
    }
    if result["warnings"]:
        out["warnings"] = list(result["warnings"])
    out["msg"] = verify_message(host, result, diagnosis)
    if not result["ok"]:
        out["failed"] = bool(params.get("fail_on_fault", True))
    return out


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
