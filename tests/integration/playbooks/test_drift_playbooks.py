"""drift_vc.yml on a Linux CPE's captured state (tests/fixtures/linux/faults: real lab captures), no connection.

With a captured state (vc_verify_state) the drift role compares the state's configuration facts only (no device
access: the configuration check is off). The lab captures were taken while faults were injected on the Cisco side,
so the CPE's own objects are as planned: no drift, although verify fails (drift is not verify). The same capture with
a CPE-side change (a GRE link pointed elsewhere, a BGP neighbour removed) is drift, per tunnel, and the run fails.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
FAULTS = REPO / "tests" / "fixtures" / "linux" / "faults"
SITE = next(p for p in sys.path if p.endswith("site-packages"))


def run(cwd, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH="%s:%s" % (REPO / ".build" / "collections", SITE))
    proc = subprocess.run(["ansible-playbook", *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def linux_inventory(tmp_path):
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)
    shutil.copy(REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml", inv / "group_vars" / "all" / "vc.yml")
    host = {"ansible_host": "192.0.2.250", "ansible_port": 9, "ansible_network_os": "linux",
            "vc_wan_interface": "wan0", "ansible_user": "nobody"}
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"edge": {"hosts": {"cpe1": host}}}}}))
    return inv


def captured(fault):
    return json.loads((FAULTS / fault / "state.json").read_text())


def drift(tmp_path, inv, state, *extra):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (tmp_path / "vars.json").write_text(json.dumps({"vc_verify_state": state}))
    rc, out = run(work, "-i", str(inv), str(REPO / "playbooks" / "drift_vc.yml"), "-e", "@%s" % (tmp_path / "vars.json"),
                  *extra)
    path = work / "vc-out" / "drift" / "drift-cpe1.json"
    return rc, out, (json.loads(path.read_text()) if path.exists() else None)


@pytest.mark.parametrize("fault", ["bgp_remote_as", "routes_extra", "ike_psk_mismatch"])
def test_cisco_side_faults_are_not_drift(tmp_path, linux_inventory, fault):
    rc, out, doc = drift(tmp_path, linux_inventory, captured(fault))
    assert rc == 0, out[-3000:]
    assert "unreachable=0" in out
    assert doc["drift"] is False and [t["key"] for t in doc["tunnels"]] == ["lab-A", "lab-B"]
    assert "cpe1: no drift: 2 tunnel(s) as planned" in out


def test_cpe_side_changes_are_drift_per_tunnel(tmp_path, linux_inventory):
    state = copy.deepcopy(captured("routes_extra"))
    b = next(t for t in state["tunnels"] if t["name"] == "vcgre102")
    b["destination"] = "198.51.100.99"                     # someone re-pointed tunnel 2's GRE link
    state["bgp_neighbors"] = [n for n in state["bgp_neighbors"] if n["neighbor"] != "100.64.0.2"]  # tunnel 1's neighbour gone
    rc, out, doc = drift(tmp_path, linux_inventory, state)
    assert rc == 2, out[-3000:]
    assert "unreachable=0" in out
    tunnels = dict((t["key"], t) for t in doc["tunnels"])
    assert [(d["object"], d["kind"]) for d in tunnels["lab-A"]["differences"]] == [("BGP neighbour", "missing")]
    got_b = [(d["object"], d["kind"]) for d in tunnels["lab-B"]["differences"]]
    assert got_b == [("GRE tunnel source/destination", "differs")]
    assert "198.51.100.99" in json.dumps(tunnels["lab-B"]["differences"])
    assert "vc_drift: cpe1: 2 difference(s) from the plan" in out
    junit = (tmp_path / "work" / "vc-out" / "drift" / "junit-drift-cpe1.xml").read_text()
    assert 'failures="2"' in junit


def test_report_only_flag_and_report_dir(tmp_path, linux_inventory):
    state = copy.deepcopy(captured("routes_extra"))
    state["tunnels"] = [t for t in state["tunnels"] if t["name"] != "vcgre101"]
    rc, out, _doc = drift(tmp_path, linux_inventory, state, "-e", "vc_drift_fail_on_drift=false",
                          "-e", "vc_drift_report_dir=elsewhere")
    assert rc == 0, out[-3000:]
    doc = json.loads((tmp_path / "work" / "elsewhere" / "drift-cpe1.json").read_text())
    a = dict((t["key"], t) for t in doc["tunnels"])["lab-A"]["differences"]
    assert ("GRE tunnel interface", "missing") in [(d["object"], d["kind"]) for d in a]
