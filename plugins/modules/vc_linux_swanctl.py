#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_swanctl
short_description: Make sure charon has the Virtual Connect swanctl connections loaded
version_added: 0.1.0
description:
  - Lists the connections loaded in charon (C(swanctl --list-conns --raw)). When one of I(connections) is missing,
    or I(reload) is true (the VC configuration files just changed), loads the configuration with
    C(swanctl --load-all --noprompt), which is what C(systemctl reload strongswan) does on Debian.
  - Returns the loaded VC connections (for example their C(dpd_delay) and child start/DPD/close actions), so other
    roles can check them. Changes nothing when everything is loaded and I(reload) is false.
  - Supports check mode.
author:
  - webex_di maintainers (@webex-di)
options:
  connections:
    description: The VC connection names that must be loaded.
    type: list
    elements: str
    required: true
  reload:
    description: Load the configuration even when all connections are present (their files changed).
    type: bool
    default: false
  swanctl:
    description: The swanctl command as a list.
    type: list
    elements: str
    default: [swanctl]
  swanctl_uri:
    description: The vici socket of charon (swanctl C(--uri)), when not swanctl's default.
    type: str
  file:
    description: swanctl.conf to load (default swanctl's own, C(/etc/swanctl/swanctl.conf), which includes C(conf.d/*.conf)).
    type: path
"""

EXAMPLES = r"""
- name: Load the VC connections
  webex_di.virtual_connect.vc_linux_swanctl:
    connections: [vc-lab-A, vc-lab-B]
    reload: "{{ vc_ipsec_files is changed }}"
"""

RETURN = r"""
loaded:
  description: The VC connections as charon reports them (C(swanctl --list-conns --raw) fields).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.state import parse_swanctl_conns


def main():
    module = AnsibleModule(
        argument_spec=dict(
            connections=dict(type="list", elements="str", required=True),
            reload=dict(type="bool", default=False),
            swanctl=dict(type="list", elements="str", default=["swanctl"]),
            swanctl_uri=dict(type="str"),
            file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    uri = ["--uri", p["swanctl_uri"]] if p["swanctl_uri"] else []

    def loaded():
        rc, out, err = module.run_command(list(p["swanctl"]) + ["--list-conns", "--raw"] + uri)
        if rc != 0:
            module.fail_json(msg="swanctl cannot reach charon (is strongSwan running?): %s" % (err or out).strip())
        conns = parse_swanctl_conns(out)
        return dict((k, v) for k, v in conns.items() if k in p["connections"])

    have = loaded()
    missing = [c for c in p["connections"] if c not in have]
    changed = bool(missing) or p["reload"]
    result = dict(changed=changed, missing=missing, loaded=have)
    if module.check_mode or not changed:
        module.exit_json(**result)
    argv = list(p["swanctl"]) + ["--load-all", "--noprompt"] + uri
    if p["file"]:
        argv += ["--file", p["file"]]
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="swanctl --load-all failed: %s" % (err or out).strip(), **result)
    have = loaded()
    missing = [c for c in p["connections"] if c not in have]
    if missing:
        module.fail_json(msg="after swanctl --load-all, charon still lacks %s: %s" % (", ".join(missing), out.strip()), **result)
    result.update(loaded=have, missing=[], output=out.strip().splitlines()[-3:])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
