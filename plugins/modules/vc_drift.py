#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_drift
author:
  - webex_di maintainers (@webex-di)
version_added: "0.2.0"
short_description: List how a CPE's Virtual Connect objects differ from the plan (drift)
description:
  - Compares the plan (from M(webex_di.virtual_connect.vc_plan)) with what one CPE has, per tunnel, and lists every
    difference as C(missing) (the plan has it, the CPE does not), C(differs), C(extra) (carries the Virtual Connect
    marker, not in the plan) or C(error) (could not be compared).
  - Two inputs, both read-only - O(state), the platform-neutral state the verify role gathers, whose configuration
    facts are compared (GRE interface, endpoints, address, keepalive; BGP neighbour and its AS numbers; the optional
    configuration evidence of IKEv2/ESP algorithms and the crypto ACL), and O(config), what the CPE's platform apply
    module said in check mode a deploy would change (its commands per tunnel, files, and the marked objects the plan
    does not have).
  - Never fails because of drift; C(drift) tells, and the drift role fails the host with the summary.
  - Runs on the controller (action plugin) and needs no connection to the CPE.
options:
  plan:
    description: The plan returned by M(webex_di.virtual_connect.vc_plan) (its C(plan) key).
    type: dict
    required: true
  host:
    description: Inventory hostname of the CPE (default C(inventory_hostname), then the state's C(host)).
    type: str
  state:
    description: The CPE's state in the common shape (docs/contract.md section 3); empty to compare the configuration only.
    type: dict
    default: {}
  config:
    description:
      - What the platform apply module said in check mode -
        C(commands) (list, everything a deploy would send or run), C(tunnels) (plan tunnel key -> commands of that
        tunnel's staged deploy), C(extra) (objects carrying the Virtual Connect marker that the plan does not have),
        C(files) (files a deploy would write) and C(error) (why it could not be compared). Secrets are masked by the
        platform module; this module never sees one.
    type: dict
    default: {}
  report_dir:
    description:
      - When set, writes C(<report_dir>/drift-<host>.json) and C(<report_dir>/junit-drift-<host>.xml) on the
        controller; a relative path is relative to the directory ansible runs from. The directory is created.
    type: path
seealso:
  - module: webex_di.virtual_connect.vc_verify
"""

EXAMPLES = r"""
- name: Compare this CPE with the plan
  webex_di.virtual_connect.vc_drift:
    plan: "{{ vc_plan }}"
    state: "{{ vc_state }}"
    config: "{{ vc_drift_config }}"
    report_dir: vc-out/drift
  register: vc_drift_result
"""

RETURN = r"""
drift:
  description: Whether anything differs from the plan.
  returned: always
  type: bool
host:
  description: The CPE.
  returned: always
  type: str
tunnels:
  description: Per plan tunnel of the CPE - C(key), C(label), C(region), C(index), C(ok) and its C(differences).
  returned: always
  type: list
  elements: dict
host_differences:
  description: Differences no single tunnel owns (marked objects the plan does not have, shared configuration, files).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by kind - C(missing), C(differs), C(extra), C(error), C(total).
  returned: always
  type: dict
lines:
  description: The report, one line per tunnel or difference.
  returned: always
  type: list
  elements: str
stats:
  description: The compact per-host summary the drift role hands to C(set_stats).
  returned: always
  type: dict
report_files:
  description: Paths of the JSON and JUnit reports written (empty without O(report_dir)).
  returned: always
  type: dict
msg:
  description: One line - no drift, or the count and each difference.
  returned: always
  type: str
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.controller_module import run_module
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.drift import (
    drift_host, drift_message, render_json, render_junit, stats,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.report import write_reports

ARGUMENT_SPEC = dict(
    plan=dict(type="dict", required=True),
    host=dict(type="str"),
    state=dict(type="dict", default={}),
    config=dict(type="dict", default={}),
    report_dir=dict(type="path"),
)


def run(params):
    """Shared by the module and the action plugin: returns the result dict."""
    state = params.get("state") or {}
    host = params.get("host") or state.get("host")
    if not host:
        return {"failed": True, "changed": False, "msg": "vc_drift: no host given and the state names none"}
    result = drift_host(params["plan"], host, state, params.get("config") or {})
    files = write_reports(params.get("report_dir"), host, {
        "json": ("drift-%s.json" % host, render_json(result)),
        "junit": ("junit-drift-%s.xml" % host, render_junit(result)),
    })
    out = dict(result, changed=False, stats=stats(result), report_files=files, msg=drift_message(result))
    return out


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
