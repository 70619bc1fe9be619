"""vc_linux_config's snapshot through Ansible (action plugin): written on the controller 0600 in a 0700 directory, never
in the task result, and put back by state=restored from its path."""
from __future__ import annotations

import base64
import copy
import json
import os
import stat

from ..module_utils.platforms.linux.helpers import SECRETS
from .test_vc_linux_config import fake_swanctl, module, needs_ansible


@needs_ansible
def test_snapshot_is_private_on_the_controller_and_restored_from_its_path(plan, tmp_path):
    d = tmp_path / "swanctl"
    snaps = tmp_path / "out" / "snapshots"
    swanctl = fake_swanctl(tmp_path)
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["ipsec"], "swanctl_dir": str(d),
            "swanctl": [swanctl], "snapshot_dir": str(snaps)}
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] and not res.get("failed"), raw
    first = res["snapshot_path"]
    assert os.path.dirname(first) == str(snaps)
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600 and stat.S_IMODE(os.stat(str(snaps)).st_mode) == 0o700
    assert res["snapshot"]["files"] == sorted([str(d / "conf.d" / "vc-connections.conf"), str(d / "conf.d" / "vc-secrets.conf")])
    before = {p: open(p).read() for p in res["snapshot"]["files"]}

    rotated = copy.deepcopy(SECRETS)
    rotated["lab-A"]["psk"] = "rotated-psk-a-0123456789xyz"
    res, raw = module("vc_linux_config", dict(args, secrets=rotated, tunnels=["lab-A"]), tmp_path=tmp_path)
    second = res["snapshot_path"]
    assert res["snapshot"]["files"] == [str(d / "conf.d" / "vc-secrets.conf")]
    assert "lab-psk-dc-a" in open(second).read() or base64.b64encode(b"lab-psk-dc-a-0123456789").decode() in open(second).read()
    after_second = {p: open(p).read() for p in before}

    restore = {"state": "restored", "plan": plan, "host": "cpe1", "swanctl": [swanctl], "snapshot_path": second}
    res, raw = module("vc_linux_config", restore, check=True, tmp_path=tmp_path)
    assert res["changed"] and {p: open(p).read() for p in before} == after_second        # check mode: nothing written
    res, raw = module("vc_linux_config", restore, tmp_path=tmp_path)
    assert res["changed"] and res["restored"]["files"] == [str(d / "conf.d" / "vc-secrets.conf")], raw
    assert {p: open(p).read() for p in before} == before                                # the first deploy's files again
    for entry in list(SECRETS.values()) + list(rotated.values()):
        for form in (entry["psk"], base64.b64encode(entry["psk"].encode()).decode()):
            assert form not in raw
    res, raw = module("vc_linux_config", restore, tmp_path=tmp_path)
    assert res["changed"] is False

    res, raw = module("vc_linux_config", dict(restore, snapshot_path=first), tmp_path=tmp_path)
    assert res["changed"] and not (d / "conf.d" / "vc-secrets.conf").exists()            # first deploy: nothing of ours
    res, raw = module("vc_linux_config", dict(restore, snapshot_path=first, host="cpe2"), tmp_path=tmp_path)
    assert res.get("failed") and "taken on cpe1, not on cpe2" in res["msg"]
    assert json.loads(raw)
