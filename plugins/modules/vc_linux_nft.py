#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_nft
short_description: Keep the Virtual Connect nftables table (TCP MSS clamp) loaded, idempotently
version_added: 0.1.0
description:
  - I(content) is an nft script that atomically (re)defines one VC-owned table (as rendered by the
    C(webex_di.virtual_connect.vc_linux_intent) filter, key C(nft)); every rule carries the same comment tag, a hash of
    the rule set.
  - The table is current when C(nft -j list table) shows exactly as many rules as I(content) has, all with that tag;
    otherwise the script is loaded with C(nft -f). No other table is read or changed.
  - With an empty I(content) the table is deleted.
  - Supports check mode and diff mode.
author:
  - webex_di maintainers (@webex-di)
options:
  content:
    description: The nft script.
    type: str
    required: true
  family:
    description: Table family.
    type: str
    default: inet
  table:
    description: Table name (VC-owned).
    type: str
    default: vc_mss_clamp
  nft:
    description: Path of the C(nft) command.
    type: str
    default: nft
  path:
    description:
      - Also keep the script in this file (for loading at boot), written when it differs. Parent directories are
        created. Omit to only load the table live.
    type: path
"""

EXAMPLES = r"""
- name: Load the MSS clamp
  webex_di.virtual_connect.vc_linux_nft:
    content: "{{ (vc_plan | webex_di.virtual_connect.vc_linux_intent(inventory_hostname)).nft }}"
"""

RETURN = r"""
tag:
  description: The rule tag the live table must carry.
  returned: always
  type: str
ip_no_pmtu_disc:
  description: The value of C(net.ipv4.ip_no_pmtu_disc) (0 - path-MTU discovery on); null when unreadable.
  returned: always
  type: int
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.apply import nft_current, nft_table_tags

TAG = re.compile(r'comment "(vc:[0-9a-f]+)"')


def _pmtu():
    try:
        with open("/proc/sys/net/ipv4/ip_no_pmtu_disc") as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            content=dict(type="str", required=True),
            family=dict(type="str", default="inet"),
            table=dict(type="str", default="vc_mss_clamp"),
            nft=dict(type="str", default="nft"),
            path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    nft = module.get_bin_path(p["nft"], required=True)
    tags = TAG.findall(p["content"])
    tag = tags[0] if tags else ""
    if any(t != tag for t in tags):
        module.fail_json(msg="the nft script carries more than one rule tag")
    rc, out, err = module.run_command([nft, "-j", "list", "table", p["family"], p["table"]])
    live = out if rc == 0 else None
    exists = live is not None and nft_table_tags(live) is not None
    if p["content"].strip():
        changed = not nft_current(live, tag, len(tags)) if live is not None else True
    else:
        changed = exists
    result = dict(changed=changed, tag=tag, ip_no_pmtu_disc=_pmtu())
    file_changed = False
    if p["path"]:
        old = open(p["path"]).read() if os.path.exists(p["path"]) else None
        file_changed = old != p["content"]
        if file_changed and not module.check_mode:
            directory = os.path.dirname(p["path"])
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
            with open(p["path"] + ".vc-tmp", "w") as fh:
                fh.write(p["content"])
            os.chmod(p["path"] + ".vc-tmp", 0o644)
            os.rename(p["path"] + ".vc-tmp", p["path"])
        result["changed"] = changed or file_changed
    if module._diff:
        before = ""
        if exists:
            rc2, text, err2 = module.run_command([nft, "list", "table", p["family"], p["table"]])
            before = text if rc2 == 0 else ""
        result["diff"] = dict(before=before, after=p["content"], before_header="live table %s %s" % (p["family"], p["table"]))
    if module.check_mode or not changed:
        module.exit_json(**result)
    if p["content"].strip():
        rc, out, err = module.run_command([nft, "-f", "-"], data=p["content"], binary_data=True)
    else:
        rc, out, err = module.run_command([nft, "delete", "table", p["family"], p["table"]])
    if rc != 0:
        module.fail_json(msg="nft failed: %s" % (err or out).strip(), **result)
    if p["content"].strip():
        rc, out, err = module.run_command([nft, "-j", "list", "table", p["family"], p["table"]])
        if rc != 0 or not nft_current(out, tag, len(tags)):
            module.fail_json(msg="the table %s %s does not match the script after loading it" % (p["family"], p["table"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
