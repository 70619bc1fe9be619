"""The apply and rollback roles on a Linux CPE (connection local, a stand-in swanctl): snapshots land in the run's
output dir (vc-out/snapshots under the working directory, 0700/0600), the rollback role restores a stage's snapshot,
and no PSK appears in the output at any point."""
from __future__ import annotations

import base64
import copy
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
SITE = next(p for p in sys.path if p.endswith("site-packages"))
CONNS = REPO / "tests" / "unit" / "plugins" / "module_utils" / "platforms" / "linux" / "fixtures" / "lab" / "swanctl_list_conns_raw.txt"
FAKE_SWANCTL = """#!/bin/sh
case "$*" in
  *--load-all*) touch "$(dirname "$0")/loaded"; echo "loaded" ;;
  *--list-conns*) [ -e "$(dirname "$0")/loaded" ] && cat "$(dirname "$0")/conns.txt" || echo "list-conns reply {}" ;;
  *--terminate*) echo "terminate $*" >> "$(dirname "$0")/terminated" ;;
  *) exit 1 ;;
esac
"""


def test_rollback_role_restores_the_stage_snapshot(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "conns.txt").write_text(CONNS.read_text())
    (bindir / "swanctl").write_text(FAKE_SWANCTL)
    (bindir / "swanctl").chmod(0o755)
    regions = yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    rotated = copy.deepcopy(regions)
    rotated[0]["tunnels"][0]["psk"] = "rotated-psk-a-0123456789xyz"
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "group_vars" / "all" / "vc.yml").write_text(yaml.safe_dump({"vc_regions": regions}))
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "ansible_network_os": "linux",
            "vc_wan_interface": "wan0"}
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"cpe1": host}}}))
    (tmp_path / "vars.json").write_text(json.dumps({
        "vc_regions_rotated": rotated, "vc_linux_swanctl_dir": str(tmp_path / "swanctl"),
        "vc_linux_swanctl_cmd": [str(bindir / "swanctl")]}))
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH="%s:%s" % (REPO / ".build" / "collections", SITE))
    proc = subprocess.run(["ansible-playbook", "-i", str(inv), str(REPO / "tests" / "integration" / "playbooks" / "linux_rollback.yml"),
                           "-e", "@%s" % (tmp_path / "vars.json"), "--diff", "-v"],
                          cwd=str(work), env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    snaps = work / "vc-out" / "snapshots"
    files = sorted(snaps.iterdir())
    assert len(files) == 2 and stat.S_IMODE(snaps.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert (bindir / "terminated").read_text().count("--ike vc-lab-A") == 2   # the changed connection: deploy and restore
    assert "vc-lab-B" not in (bindir / "terminated").read_text()
    for t in regions[0]["tunnels"] + rotated[0]["tunnels"]:
        for form in (t["psk"], base64.b64encode(t["psk"].encode()).decode()):
            assert form not in out
    assert "Rollback from" in out
