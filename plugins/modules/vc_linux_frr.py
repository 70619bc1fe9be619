#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_frr
short_description: Apply the Virtual Connect BGP configuration to FRR, touching nothing else
version_added: 0.1.0
description:
  - Renders the FRR objects of this CPE's Virtual Connect tunnels from the plan (prefix-lists and route-maps
    C(VC-<NAME>-IN)/C(VC-<NAME>-OUT), BFD profiles C(VC-<NAME>), and the lines of the VC neighbours inside
    C(router bgp <asn>)), compares them with C(show running-config) and pushes only the difference with C(vtysh -f).
  - Operator configuration (other neighbours, prefix-lists, route-maps, daemons) is never read into the comparison,
    so it is never changed. VC neighbours carry the description C(VC-<NAME>); a neighbour with such a description
    that the plan no longer lists is removed, and so are stale C(VC-*) prefix-lists, route-maps and BFD profiles.
  - After pushing, the running configuration is read again and must equal the intent, or the module fails.
  - Supports check mode and diff mode; BGP passwords are masked in the diff and in C(commands).
author:
  - webex_di maintainers (@webex-di)
options:
  plan:
    description: The plan (C(vc_plan)).
    type: dict
    required: true
  host:
    description: Inventory hostname of this CPE in the plan.
    type: str
    required: true
  secrets:
    description:
      - Tunnel key -> C({psk, bgp_password}), the output of the C(webex_di.virtual_connect.vc_secrets) filter.
      - Only C(bgp_password) is used. Never logged; every value is masked in the module's whole result.
    type: dict
    default: {}
  vtysh:
    description: The vtysh command, as a list (for example C([vtysh, -N, cpe]) for an FRR instance).
    type: list
    elements: str
    default: [vtysh]
  save:
    description: Run C(write memory) after a change so the configuration survives an FRR restart.
    type: bool
    default: true
  daemons_file:
    description:
      - FRR's daemons file. C(bgpd=yes) (and C(bfdd=yes) when the plan enables BFD) are set there, and FRR is restarted
        with I(restart) when they change or when C(vtysh -c 'show daemons') does not list them. Empty string - do not
        manage daemons (they must already run).
    type: str
    default: /etc/frr/daemons
  restart:
    description: Command that restarts FRR (C(service) works with systemd and with init scripts).
    type: list
    elements: str
    default: [service, frr, restart]
  wait_s:
    description: Seconds to wait for the daemons to answer vtysh after a restart.
    type: int
    default: 60
notes:
  - Debian's FRR package ships with C(bgpd=no); this module turns bgpd (and bfdd for BFD) on.
"""

EXAMPLES = r"""
- name: Apply the VC BGP configuration
  webex_di.virtual_connect.vc_linux_frr:
    plan: "{{ vc_plan }}"
    host: "{{ inventory_hostname }}"
    secrets: "{{ vc_regions | webex_di.virtual_connect.vc_secrets }}"
"""

RETURN = r"""
daemons_changed:
  description: The daemons file was changed and FRR restarted (or would be, in check mode).
  returned: always
  type: bool
commands:
  description: The vtysh configuration lines sent (or that would be sent in check mode), passwords masked.
  returned: always
  type: list
  elements: str
router_asn:
  description: The ASN of the C(router bgp) process used.
  type: int
  returned: always
"""

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import (
    RenderError,
    frr_intent,
    host_tunnels,
    mask_secrets,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.frr import frr_delta, needs_activate


def _running(module, vtysh):
    rc, out, err = module.run_command(list(vtysh) + ["-c", "show running-config"])
    if rc != 0:
        module.fail_json(msg="vtysh cannot read the running configuration (is FRR running?): %s" % (err or out).strip())
    return out


def _daemons(module, p, need):
    """Make sure the FRR daemons in ``need`` are enabled and running; returns True when it (would have) changed."""
    path = p["daemons_file"]
    text = open(path).read() if path and os.path.exists(path) else None
    new = text
    if text is not None:
        for d in need:
            if re.search(r"^%s=" % d, new, re.M):
                new = re.sub(r"^%s=.*$" % d, "%s=yes" % d, new, flags=re.M)
            else:
                new = new.rstrip("\n") + "\n%s=yes\n" % d
    rc, out, err = module.run_command(list(p["vtysh"]) + ["-c", "show daemons"])
    running = out.split() if rc == 0 else []
    missing = [d for d in need if d not in running]
    if new == text and not missing:
        return False
    if module.check_mode:
        return True
    if new != text:
        with open(path + ".vc-tmp", "w") as fh:
            fh.write(new)
        os.chmod(path + ".vc-tmp", os.stat(path).st_mode & 0o7777)
        os.rename(path + ".vc-tmp", path)
    rc, out, err = module.run_command(list(p["restart"]))
    if rc != 0:
        module.fail_json(msg="%s failed (rc %s): %s" % (" ".join(p["restart"]), rc, (err or out).strip()))
    deadline = time.time() + p["wait_s"]
    while True:
        rc, out, err = module.run_command(list(p["vtysh"]) + ["-c", "show daemons"])
        if rc == 0 and all(d in out.split() for d in need):
            return True
        if time.time() > deadline:
            module.fail_json(msg="FRR daemons %s not running %ss after '%s' (vtysh: %s)" % (
                ", ".join(need), p["wait_s"], " ".join(p["restart"]), (out or err).strip()))
        time.sleep(1)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            plan=dict(type="dict", required=True),
            host=dict(type="str", required=True),
            secrets=dict(type="dict", default={}, no_log=True),
            vtysh=dict(type="list", elements="str", default=["vtysh"]),
            save=dict(type="bool", default=True),
            daemons_file=dict(type="str", default="/etc/frr/daemons"),
            restart=dict(type="list", elements="str", default=["service", "frr", "restart"]),
            wait_s=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    p = module.params
    plan = p["plan"]
    passwords = dict((k, (v or {}).get("bgp_password")) for k, v in p["secrets"].items())
    secrets = [str(x) for v in p["secrets"].values() for x in (v or {}).values() if x]
    tunnels = host_tunnels(plan, p["host"])
    cpe = (plan.get("cpes") or {}).get(p["host"])
    if not tunnels or not cpe:
        module.exit_json(changed=False, daemons_changed=False, commands=[], router_asn=None, msg="no Virtual Connect tunnel on %s" % p["host"])

    def compute(running):
        try:
            intent = frr_intent(tunnels, cpe, passwords, activate=needs_activate(running))
        except RenderError as exc:
            module.fail_json(msg=str(exc))
        return intent, frr_delta(running, intent)

    missing = [t["key"] for t in tunnels if t["bgp"].get("password_set") and not passwords.get(t["key"])]
    if missing:
        module.fail_json(msg="the plan says tunnel(s) %s have a BGP password, but secrets has none for them" % ", ".join(missing))
    need = ["bgpd"] + (["bfdd"] if any(t["bgp"].get("bfd", {}).get("enabled") for t in tunnels) else [])
    daemons_changed = _daemons(module, p, need) if p["daemons_file"] else False
    intent, delta = compute(_running(module, p["vtysh"]))
    result = dict(changed=bool(delta["commands"]) or daemons_changed, daemons_changed=daemons_changed, router_asn=intent["asn"])
    if delta["error"]:
        module.fail_json(msg=delta["error"], **result)
    result["commands"] = [mask_secrets(c, secrets) for c in delta["commands"]]
    if module._diff:
        result["diff"] = dict(
            before=mask_secrets(delta["before"], secrets),
            after=mask_secrets(delta["after"], secrets),
            before_header="FRR running-config (VC-owned part)",
            after_header="FRR intent (VC-owned part)",
        )
    if not delta["commands"] or module.check_mode:
        module.exit_json(**result)

    rc, out, err = module.run_command(list(p["vtysh"]) + ["-f", "/dev/stdin"], data="\n".join(delta["commands"]) + "\n")
    output = mask_secrets((out + err).strip(), secrets)
    intent, again = compute(_running(module, p["vtysh"]))
    if again["commands"]:
        module.fail_json(
            msg="FRR did not take the Virtual Connect configuration; still differing: %s. vtysh said: %s"
            % ("; ".join(mask_secrets(c, secrets).strip() for c in again["commands"]), output or "(nothing, rc %s)" % rc),
            **result
        )
    if p["save"]:
        rc, out, err = module.run_command(list(p["vtysh"]) + ["-c", "write memory"])
        if rc != 0:
            module.warn("vtysh 'write memory' failed (rc %s): %s" % (rc, (err or out).strip()))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
