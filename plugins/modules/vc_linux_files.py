#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_files
short_description: Write several Virtual Connect configuration files in one go, with a masked diff
version_added: 0.1.0
description:
  - Writes each file of I(files) atomically when its content or mode differs (creating missing parent directories),
    and deletes files matching I(prune) that are not in I(files). One module run for many files (module start-up is the
    dominant cost on small CPEs).
  - Every value of I(secrets) is replaced with C(********) in the diff; I(secrets) is no_log, so Ansible also censors
    those values from the whole result.
  - Supports check mode and diff mode.
author:
  - webex_di maintainers (@webex-di)
options:
  files:
    description: Files to write.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path, or relative to I(dir).
        type: str
        required: true
      content:
        description: Full content.
        type: str
        required: true
      mode:
        description: Octal mode, for example C('0600').
        type: str
        default: "0644"
  dir:
    description: Directory of the relative paths of I(files) and I(prune).
    type: path
  prune:
    description: Glob patterns of VC-owned files to delete when they are not in I(files) (relative to I(dir) when not absolute).
    type: list
    elements: str
    default: []
  secrets:
    description: Values to mask in the diff (never logged).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Write the networkd files of the GRE links
  webex_di.virtual_connect.vc_linux_files:
    dir: /etc/systemd/network
    files:
      - path: vcgre101.netdev
        content: "{{ netdev_text }}"
    prune: [vcgre*.netdev, vcgre*.network]
"""

RETURN = r"""
changed_files:
  description: Paths written or deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
"""

import glob
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule


def _mask(text, secrets):
    for s in sorted((x for x in secrets if x), key=len, reverse=True):
        text = text.replace(s, "********")
    return text


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(path=dict(type="str", required=True), content=dict(type="str", required=True), mode=dict(type="str", default="0644")),
            ),
            dir=dict(type="path"),
            prune=dict(type="list", elements="str", default=[]),
            secrets=dict(type="list", elements="str", default=[], no_log=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    changed, diffs = [], []
    wanted = set()

    def full(path):
        if not os.path.isabs(path):
            if not p["dir"]:
                module.fail_json(msg="relative path %r needs the dir option" % path)
            path = os.path.join(p["dir"], path)
        return path

    for f in p["files"]:
        path, content = full(f["path"]), f["content"]
        wanted.add(os.path.abspath(path))
        try:
            mode = int(f["mode"], 8)
        except ValueError:
            module.fail_json(msg="%s: mode %r is not octal" % (path, f["mode"]))
        before = None
        if os.path.exists(path):
            with open(path, "r") as fh:
                before = fh.read()
        cur_mode = (os.stat(path).st_mode & 0o7777) if before is not None else None
        if before == content and cur_mode == mode:
            continue
        changed.append(path)
        diffs.append(dict(before_header=path, after_header=path, before=_mask(before or "", p["secrets"]), after=_mask(content, p["secrets"])))
        if module.check_mode:
            continue
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix=".vc-", dir=directory)
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "w") as fh:
                fh.write(content)
            os.rename(tmp, path)
        except OSError as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            module.fail_json(msg="cannot write %s: %s" % (path, exc))
    for pattern in p["prune"]:
        for path in sorted(glob.glob(full(pattern))):
            if os.path.abspath(path) in wanted or not os.path.isfile(path):
                continue
            changed.append(path)
            diffs.append(dict(before_header=path, after_header="(deleted)", before=_mask(open(path).read(), p["secrets"]), after=""))
            if not module.check_mode:
                os.unlink(path)
    result = dict(changed=bool(changed), changed_files=changed)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
