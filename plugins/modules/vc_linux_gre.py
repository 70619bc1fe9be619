#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_gre
short_description: Make the live kernel GRE links of Virtual Connect match the plan
version_added: 0.1.0
description:
  - Reads C(ip -j -d link show) and C(ip -j addr show), compares the C(vcgre*) links with I(links) and runs only
    the C(ip) commands that fix what differs (create, endpoints/TTL/PMTU discovery, MTU, admin state, address).
  - Links whose name starts with C(vcgre) but are not in I(links) are deleted when I(prune) is true.
  - Supports check mode and diff mode.
author:
  - webex_di maintainers (@webex-di)
options:
  links:
    description: Desired links, as returned by the C(webex_di.virtual_connect.vc_linux_intent) filter (C(links)).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Interface name (C(vcgre<tunnel_number>)).
        type: str
        required: true
      local:
        description: GRE source (the CPE GRE transport IP).
        type: str
        required: true
      remote:
        description: GRE destination (the Cisco GRE endpoint).
        type: str
        required: true
      ttl:
        description: Outer TTL (255 so eBGP's TTL 1 is never inherited).
        type: int
        default: 255
      mtu:
        description: Tunnel MTU.
        type: int
        required: true
      pmtudisc:
        description: Path-MTU discovery (DF on the outer header).
        type: bool
        default: true
      address:
        description: Tunnel address with prefix length.
        type: str
        required: true
      peer:
        description: The Cisco tunnel address (informational).
        type: str
      tunnel:
        description: Plan tunnel key (informational).
        type: str
  prune:
    description: Delete C(vcgre*) links that are not in I(links).
    type: bool
    default: true
  ip:
    description: Path of the iproute2 C(ip) command.
    type: str
    default: ip
  warn:
    description:
      - Warnings to show the operator (the role passes the plan's GRE keepalive warnings here, since Linux GRE has
        no keepalives and the Cisco side must be told).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Apply the GRE links live
  webex_di.virtual_connect.vc_linux_gre:
    links: "{{ (vc_plan | webex_di.virtual_connect.vc_linux_intent(inventory_hostname)).links }}"
"""

RETURN = r"""
commands:
  description: The C(ip) commands run (or that would run in check mode).
  returned: always
  type: list
  elements: str
links:
  description: The links after the change (name, local, remote, ttl, pmtudisc, mtu, up, addresses).
  returned: always
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.apply import gre_changes


def _json(module, args):
    rc, out, err = module.run_command(args)
    if rc != 0:
        module.fail_json(msg="%s failed: %s" % (" ".join(args), (err or out).strip()))
    try:
        return json.loads(out or "[]")
    except ValueError as exc:
        module.fail_json(msg="%s: cannot parse JSON: %s" % (" ".join(args), exc))


def _yaml_like(d):
    return json.dumps(d, indent=2, sort_keys=True) + "\n"


def main():
    link_spec = dict(
        name=dict(type="str", required=True),
        local=dict(type="str", required=True),
        remote=dict(type="str", required=True),
        ttl=dict(type="int", default=255),
        mtu=dict(type="int", required=True),
        pmtudisc=dict(type="bool", default=True),
        address=dict(type="str", required=True),
        peer=dict(type="str"),
        tunnel=dict(type="str"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            links=dict(type="list", elements="dict", required=True, options=link_spec),
            prune=dict(type="bool", default=True),
            ip=dict(type="str", default="ip"),
            warn=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    ip = module.get_bin_path(module.params["ip"], required=True)
    for text in module.params["warn"]:
        module.warn(text)
    for link in module.params["links"]:
        if len(link["name"]) > 15:
            module.fail_json(msg="interface name %r is longer than 15 characters" % link["name"])

    def state():
        return _json(module, [ip, "-j", "-d", "link", "show"]), _json(module, [ip, "-j", "addr", "show"])

    links, addrs = state()
    change = gre_changes(module.params["links"], links, addrs, module.params["prune"])
    result = dict(changed=bool(change["commands"]), commands=["ip " + " ".join(c) for c in change["commands"]], links=change["after"])
    if module._diff:
        result["diff"] = dict(before=_yaml_like(change["before"]), after=_yaml_like(change["after"]))
    if module.check_mode or not change["commands"]:
        module.exit_json(**result)
    for cmd in change["commands"]:
        rc, out, err = module.run_command([ip] + cmd)
        if rc != 0 and cmd[:2] == ["link", "set"] and "type" in cmd:
            # the kernel refused to change the tunnel in place: recreate it
            want = [x for x in module.params["links"] if x["name"] == cmd[3]][0]
            for retry in (["link", "del", "dev", want["name"]],) + tuple(gre_changes([want], [], [], prune=False)["commands"]):
                rc, out, err = module.run_command([ip] + list(retry))
                if rc != 0:
                    module.fail_json(msg="ip %s failed: %s" % (" ".join(retry), (err or out).strip()), **result)
            continue
        if rc != 0:
            module.fail_json(msg="ip %s failed: %s" % (" ".join(cmd), (err or out).strip()), **result)
    links, addrs = state()
    again = gre_changes(module.params["links"], links, addrs, module.params["prune"])
    if again["commands"]:
        module.fail_json(msg="GRE links still differ after applying: %s" % "; ".join("ip " + " ".join(c) for c in again["commands"]), **result)
    result["links"] = again["after"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
