#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_ios_gather
author:
  - webex_di maintainers (@webex-di)
version_added: "0.2.0"
short_description: Gather the Virtual Connect state of one IOS-XE CPE in one task, the settle wait included
description:
  - Runs the show commands the plan implies for this CPE (the verify role's IOS-XE gather, the same list as
    filter C(vc_gather_commands)) over the persistent C(ansible.netcommon.network_cli) connection, on the controller
    (action plugin), and parses them into the platform-neutral state (docs/contract.md section 3).
  - With O(settle_s) (right after a change) it waits until the tunnels settled (verify/settle.py) - the IKE and
    CHILD SAs up, the IKE SAs older than O(min_ike_uptime_s), BGP Established with routes - or a tunnel shows a
    definitive cause in the router log younger than the wait so far (authentication failed, a proposal or the
    traffic selectors refused, a BGP OPEN error such as a wrong peer AS or a TCP MD5 failure), or O(settle_s)
    passed. A short look (C(show crypto ikev2 sa), C(show crypto ipsec sa), C(show ip bgp summary), the IPsec/BGP
    log lines and C(show clock)) tells what is missing; when only the IKE SAs' age is, the wait is exactly what they
    still need, else the look repeats every O(poll_s). The full gather then runs once, and again every O(poll_s)
    while not settled (within O(settle_s)), so its last read is the state verify judges.
  - A command the router refuses is recorded in the state's C(gather_errors), never fatal.
  - The show commands are read with prompts matched on the device's hostname at the start of a line and
    O(buffer_read_timeout) seconds of waiting after each prompt (network_cli waits 0.1 s by default); both
    options are put back afterwards.
  - Read-only; runs in check mode.
options:
  plan:
    description: The plan (the host's part is enough, filter C(vc_host_plan)).
    type: dict
    required: true
  host:
    description: The CPE (inventory name in the plan); default the task's C(inventory_hostname).
    type: str
  settle_s:
    description: Wait at most this many seconds for the tunnels to settle; V(0) gathers once.
    type: int
    default: 0
  min_ike_uptime_s:
    description: An IKE SA younger than this is not settled yet.
    type: int
    default: 0
  poll_s:
    description: Seconds between two looks while something other than the IKE SAs' age is missing.
    type: float
    default: 5
  buffer_read_timeout:
    description:
      - Seconds network_cli waits after a matched prompt, during this task only, with prompts anchored on the
        device's hostname (no prompt can be matched inside an output). Negative - leave the connection as it is.
    type: float
    default: 0
notes:
  - Needs C(ansible_connection=ansible.netcommon.network_cli) and C(ansible_network_os=cisco.ios.ios).
seealso:
  - module: webex_di.virtual_connect.vc_verify
"""

EXAMPLES = r"""
- name: Gather this CPE's Virtual Connect state after a change, waiting up to 180 s for it to settle
  webex_di.virtual_connect.vc_ios_gather:
    plan: "{{ vc_plan }}"
    settle_s: 180
    min_ike_uptime_s: 10
  register: vc_gather

- name: Verify it
  webex_di.virtual_connect.vc_verify:
    plan: "{{ vc_plan }}"
    state: "{{ vc_gather.state }}"
"""

RETURN = r"""
state:
  description: The platform-neutral state of the CPE (docs/contract.md section 3), from the last full gather.
  returned: always
  type: dict
looks:
  description: How many settle looks ran.
  returned: always
  type: int
gathers:
  description: How many full gathers ran.
  returned: always
  type: int
waited_s:
  description: Seconds slept waiting for the tunnels.
  returned: always
  type: float
settled:
  description: Whether every tunnel was settled at the last gather.
  returned: always
  type: bool
waiting:
  description:
    - What was still missing at the last gather, as C(<key>) then C(<what>); a tunnel with a fresh definitive cause is
      not listed.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.connection import Connection

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.gather import gather, settings

ARGUMENT_SPEC = dict(
    plan=dict(type="dict", required=True),
    host=dict(type="str"),
    settle_s=dict(type="int", default=0),
    min_ike_uptime_s=dict(type="int", default=0),
    poll_s=dict(type="float", default=5.0),
    buffer_read_timeout=dict(type="float", default=0.0),
)


def run(params, conn):
    """The task result of ``params`` (validated) over the cliconf-like ``conn``."""
    problem, timeout = settings(params["poll_s"], params["buffer_read_timeout"])
    if problem:
        return dict(failed=True, msg="vc_ios_gather: " + problem)
    out = gather(conn, params["plan"], params["host"], settle_s=max(0, params["settle_s"]),
                 min_ike_uptime_s=max(0, params["min_ike_uptime_s"]), poll_s=params["poll_s"],
                 buffer_read_timeout=timeout)
    out["changed"] = False
    return out


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = dict(module.params)
    if not params.get("host"):
        module.fail_json(msg="vc_ios_gather: host is required when it runs as a module")
    result = run(params, Connection(module._socket_path))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
