"""roles/verify/tasks/ios.yml in offline mode, run by ansible-playbook against the lab inventory
data: healthy and broken directories give the same state as the Python API, a missing file stops
the gather naming the command and the path."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs

from .helpers import OFFLINE, REPO

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offline")
    missing = tmp / "missing"
    shutil.copytree(OFFLINE / "healthy", missing)
    os.remove(missing / "cpe1" / "show_ip_bgp_neighbors_100.64.0.6_advertised-routes.txt")
    os.remove(missing / "cpe1" / "ping_100.64.0.2_source_Tunnel101_repeat_3.txt")  # optional: not reported
    inventory = tmp / "inventory.yml"
    inventory.write_text(
        "all:\n  hosts:\n    cpe1:\n      ansible_network_os: cisco.ios.ios\n"
        "      ansible_connection: ansible.netcommon.network_cli\n      ansible_host: 192.0.2.250\n"
        "      vc_wan_interface: GigabitEthernet1\n")
    out = tmp / "out.json"
    extra = {"vc_test_dirs": {"healthy": str(OFFLINE / "healthy"), "broken": str(OFFLINE / "broken"),
                              "missing": str(missing)}, "vc_test_out": str(out)}
    env = dict(os.environ)
    site = [p for p in sys.path if p.endswith("site-packages")]
    env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([str(REPO / ".build" / "collections")] + site)
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    env["ANSIBLE_HOST_KEY_CHECKING"] = "False"
    playbook = shutil.which("ansible-playbook") or os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run(
        [playbook, "-i", str(inventory), "-e", "@%s" % (REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml"),
         "-e", json.dumps(extra), os.path.join(HERE, "playbooks", "offline_gather.yml")],
        cwd=str(tmp), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(out.read_text()), proc.stdout, missing


def test_role_states_equal_the_python_api(run, plan):
    results, _stdout, _missing = run
    for scenario in ("healthy", "broken"):
        saved = read_saved_outputs(str(OFFLINE / scenario), "cpe1", ios_gather_commands(plan, "cpe1"))
        assert results[scenario] == build_ios_state(saved["outputs"], host="cpe1", plan=plan), scenario
    assert [n["state"] for n in results["broken"]["bgp_neighbors"]] == ["Active", "Established"]


def test_missing_file_is_reported_with_command_and_path(run):
    results, _stdout, missing = run
    msg = results["missing_msg"]
    assert "show ip bgp neighbors 100.64.0.6 advertised-routes" in msg
    assert str(missing / "cpe1" / "show_ip_bgp_neighbors_100.64.0.6_advertised-routes.txt") in msg
    assert "ping" not in msg  # optional outputs only null their fields


def test_no_secret_in_the_run_output(run):
    _results, stdout, _missing = run
    assert "lab-psk-dc-a" not in stdout and "lab-bgp-dc-b" not in stdout
