"""vc_verify / vc_diagnose, the verify role and verify_vc.yml / diagnose_vc.yml through real
ansible-playbook runs. Plans come from the real plan core; states are the unit-test fixtures."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
if str(REPO / "tests") not in sys.path:  # the unit-test builders, imported the way pytest imports them
    sys.path.insert(0, str(REPO / "tests"))

from unit.plugins.module_utils.verify.helpers import healthy_state, lab_plan, state_with  # noqa: E402
from unit.plugins.module_utils.verify.test_faults import _bgp_active, _remote_as  # noqa: E402

HERE = Path(__file__).parent
SITE = next(p for p in sys.path if p.endswith("site-packages"))
UNREACHABLE = ("cpe1 ansible_host=192.0.2.250 ansible_connection=ansible.netcommon.network_cli "
               "ansible_network_os=cisco.ios.ios ansible_user=nobody ansible_password=x")


def run_playbook(*args, json_out=False):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_COLLECTIONS_PATH="%s:%s" % (REPO / ".build" / "collections", SITE),
               ANSIBLE_PERSISTENT_CONNECT_TIMEOUT="5", ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="5")
    if json_out:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    proc = subprocess.run(["ansible-playbook", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    return proc.returncode, proc.stdout, proc.stderr


def task_result(stdout, name, host="cpe1"):
    doc = json.loads(stdout)
    for play in doc["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == name and host in task["hosts"]:
                return task["hosts"][host]
    raise AssertionError("task %r not in the output" % name)


def write_vars(tmp_path, **values):
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(values))
    return "@%s" % path


TASK = {"verify": "Verify the given state against the given plan", "diagnose": "Diagnose the given state"}


def run_action(tmp_path, action, want_rc, **values):
    """verify_action.yml with these vc_test_* values; the exit code must be ``want_rc``; the task's result."""
    extra = write_vars(tmp_path, vc_test_action=action, **values)
    rc, out, err = run_playbook("-i", "cpe1,", "-c", "local", str(HERE / "verify_action.yml"), "-e", extra, json_out=True)
    assert rc == want_rc, out + err
    return task_result(out, TASK[action])


@pytest.fixture(scope="module")
def plan():
    return lab_plan()


def test_action_healthy_passes_and_writes_reports(tmp_path, plan):
    reports = tmp_path / "reports"
    res = run_action(tmp_path, "verify", 0, vc_test_plan=plan, vc_test_state=healthy_state(), vc_test_report_dir=str(reports))
    assert res["ok"] is True and res.get("failed") is not True and res["changed"] is False
    assert res["summary"] == {"pass": 42, "fail": 0, "skip": 0}   # bgp_timers on both tunnels
    assert res["table"].splitlines()[0] == "Virtual Connect verify of cpe1: OK (42 pass, 0 fail, 0 skip)"
    doc = json.loads((reports / "cpe1.json").read_text())
    assert doc["ok"] is True and [t["key"] for t in doc["tunnels"]] == ["lab-A", "lab-B"]
    junit = ET.parse(reports / "junit-cpe1.xml").getroot()
    assert junit.get("tests") == "42" and junit.get("failures") == "0"


def test_action_fault_fails_naming_host_tunnel_and_mismatch(tmp_path, plan):
    state = state_with(_remote_as, _bgp_active)
    res = run_action(tmp_path, "verify", 2, vc_test_plan=plan, vc_test_state=state, vc_test_report_dir=str(tmp_path / "r"))
    assert res["failed"] is True
    assert res["msg"].startswith("vc_verify: cpe1: 1 check(s) failed: tunnel 1 DC-A (region lab) [lab-A]: "
                                 "bgp_remote_as: remote AS 64999, expected 64552")
    assert "likely cause [bgp.remote_as]" in res["msg"]
    assert res["failures"] == ["cpe1: tunnel 1 DC-A (region lab) [lab-A]: bgp_remote_as: remote AS 64999, "
                               "expected 64552"]
    junit = ET.parse(tmp_path / "r" / "junit-cpe1.xml").getroot()
    failed = [c for c in junit.iter("testcase") if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("cpe1.lab-A", "bgp_remote_as")]


def test_action_fail_on_fault_false_reports_without_failing(tmp_path, plan):
    res = run_action(tmp_path, "verify", 0, vc_test_plan=plan, vc_test_state=state_with(_remote_as, _bgp_active),
                     vc_test_report_dir="", vc_test_fail_on_fault=False)
    assert res["ok"] is False and res.get("failed") is not True
    assert "bgp_remote_as: remote AS 64999, expected 64552" in res["msg"]
    assert res["report_files"] == {}


def test_diagnose_action_names_the_cause_without_failing(tmp_path, plan):
    state = state_with(_remote_as, _bgp_active)
    res = run_action(tmp_path, "diagnose", 0, vc_test_plan=plan, vc_test_state=state, vc_test_report_dir=str(tmp_path / "r"))
    a, b = res["tunnels"]
    assert (a["cause_id"], a["check"], a["layer"]) == ("bgp.remote_as", "bgp_remote_as", "bgp")
    assert b["ok"] is True
    assert res["lines"][1].startswith("  cause [bgp.remote_as]: The remote AS number does not match")
    assert json.loads((tmp_path / "r" / "diagnose-cpe1.json").read_text())["tunnels"][0]["cause_id"] == "bgp.remote_as"


def test_action_rejects_bad_arguments(tmp_path, plan):
    res = run_action(tmp_path, "verify", 2, vc_test_plan=plan, vc_test_state="not a dict", vc_test_report_dir=str(tmp_path))
    assert "vc_verify: invalid arguments" in res["msg"]


def test_role_runs_without_a_connection_and_prints_the_table(tmp_path, plan):
    inv = tmp_path / "hosts"
    inv.write_text("[vc_cpes]\n%s\n" % UNREACHABLE)
    extra = write_vars(tmp_path, vc_test_plan=plan, vc_verify_state=state_with(_remote_as, _bgp_active),
                       vc_report_dir=str(tmp_path / "r"))
    rc, out, err = run_playbook("-i", str(inv), str(HERE / "verify_role.yml"), "-e", extra)
    assert rc == 2, out + err
    assert "unreachable=0" in out and "failed=1" in out
    assert "vc_verify: cpe1: 1 check(s) failed" in out
    # the table is printed even though the verify task failed
    assert "tunnel 1 DC-A (region lab) [lab-A]: FAILED at bgp_remote_as (BGP session)" in out
    assert (tmp_path / "r" / "junit-cpe1.xml").exists()


def test_role_diagnose_entry_point(tmp_path, plan):
    inv = tmp_path / "hosts"
    inv.write_text("[vc_cpes]\n%s\n" % UNREACHABLE)
    extra = write_vars(tmp_path, vc_test_plan=plan, vc_verify_state=state_with(_remote_as, _bgp_active),
                       vc_report_dir="", vc_test_entry="diagnose")
    rc, out, err = run_playbook("-i", str(inv), str(HERE / "verify_role.yml"), "-e", extra)
    assert rc == 0, out + err
    assert "cause [bgp.remote_as]" in out and "unreachable=0" in out


@pytest.fixture
def lab_inventory(tmp_path):
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)   # the lab's vc_regions only: cpe1 here is an IOS-XE router
    shutil.copy(REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml", inv / "group_vars" / "all" / "vc.yml")
    host = dict(kv.split("=", 1) for kv in UNREACHABLE.split()[1:])
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"vc_cpes": {"hosts": {"cpe1": host}}}}}))
    return inv


def test_verify_vc_playbook_healthy_and_broken(tmp_path, lab_inventory):
    reports = tmp_path / "reports"
    ok_vars = write_vars(tmp_path, vc_verify_state=healthy_state(), vc_report_dir=str(reports))
    rc, out, err = run_playbook("-i", str(lab_inventory), "playbooks/verify_vc.yml", "-e", ok_vars)
    assert rc == 0, out + err
    assert "Virtual Connect verify of cpe1: OK (42 pass, 0 fail, 0 skip)" in out
    assert json.loads((reports / "cpe1.json").read_text())["ok"] is True

    bad = tmp_path / "bad"
    bad.mkdir()
    bad_vars = write_vars(bad, vc_verify_state=state_with(_remote_as, _bgp_active), vc_report_dir=str(reports))
    rc, out, err = run_playbook("-i", str(lab_inventory), "playbooks/verify_vc.yml", "-e", bad_vars)
    assert rc == 2, out + err
    assert "bgp_remote_as: remote AS 64999, expected 64552" in out
    assert json.loads((reports / "cpe1.json").read_text())["ok"] is False


def test_diagnose_vc_playbook_prints_the_cause(tmp_path, lab_inventory):
    extra = write_vars(tmp_path, vc_verify_state=state_with(_remote_as, _bgp_active), vc_report_dir="")
    rc, out, err = run_playbook("-i", str(lab_inventory), "playbooks/diagnose_vc.yml", "-e", extra)
    assert rc == 0, out + err
    assert "cpe1 tunnel 1 DC-A (region lab) [lab-A]: BGP session failed at bgp_remote_as" in out
    assert "cause [bgp.remote_as]" in out
    assert "cpe1 tunnel 2 DC-B (region lab) [lab-B]: OK, every check passed" in out


@pytest.mark.parametrize("capture,rc_expected", [("healthy", 0), ("broken", 2)])
def test_verify_vc_offline_ios_captures(tmp_path, lab_inventory, capture, rc_expected):
    """The whole chain offline: plan -> IOS gather from saved show outputs -> verify (no connection)."""
    reports = tmp_path / "reports"
    rc, out, err = run_playbook("-i", str(lab_inventory), "playbooks/verify_vc.yml",
                                "-e", "vc_verify_from=%s" % (REPO / "tests" / "fixtures" / "iosxe" / "offline" / capture),
                                "-e", "vc_report_dir=%s" % reports)
    assert rc == rc_expected, out + err
    assert "unreachable=0" in out
    doc = json.loads((reports / "cpe1.json").read_text())
    if capture == "healthy":
        assert doc["ok"] is True and doc["summary"]["fail"] == 0
    else:
        first = dict((t["key"], t["first_failure"]["check"] if t["first_failure"] else None) for t in doc["tunnels"])
        assert first == {"lab-A": "ike_sa", "lab-B": "bgp_received"}
        causes = dict((t["key"], t["cause_id"]) for t in doc["diagnosis"]["tunnels"])
        assert causes == {"lab-A": "ike.firewall", "lab-B": "routes.missing_dc_prefix"}


def test_linux_settle_wait_stops_at_a_fresh_auth_failure_and_the_message_names_it(tmp_path):
    # the settle wait of a deploy (120 s here) ends as soon as charon logs an authentication failure for each
    # tunnel after the wait began; the failure message carries diagnose's cause, evidence and fix
    import threading
    import time

    plan = json.loads((REPO / "tests" / "fixtures" / "linux" / "faults" / "plan.json").read_text())
    log = tmp_path / "charon.log"
    log.write_text("Dec  1 10:00:00 01[IKE] <vc-lab-A|1> received AUTHENTICATION_FAILED notify error\n")  # an old run's
    stop = threading.Event()

    def charon():
        n = 10
        while not stop.wait(1.0):
            n += 1
            stamp = time.strftime("%b %e %H:%M:%S")
            with log.open("a") as f:
                for key in ("lab-A", "lab-B"):
                    f.write("%s 13[IKE] <vc-%s|%d> received AUTHENTICATION_FAILED notify error\n" % (stamp, key, n))

    writer = threading.Thread(target=charon, daemon=True)
    writer.start()
    inventory = tmp_path / "hosts"
    inventory.write_text("cpe1 ansible_connection=local ansible_network_os=linux ansible_python_interpreter=%s\n" % sys.executable)
    extra = write_vars(tmp_path, vc_test_plan=plan, vc_test_settle_s=120, vc_test_charon_log=str(log))
    t0 = time.time()
    try:
        rc, out, err = run_playbook("-i", str(inventory), str(HERE / "linux_settle.yml"), "-e", extra, json_out=True)
    finally:
        stop.set()
        writer.join()
    took = time.time() - t0
    assert rc != 0, out + err
    assert took < 100, took            # stopped well before the 120 s wait
    role = "webex_di.virtual_connect.verify : "
    res = task_result(out, role + "Fail naming the host, the tunnel and the exact mismatch")
    for key in ("lab-A", "lab-B"):
        assert "[%s]: ike_sa:" % key in res["msg"]
    assert res["msg"].count("likely cause [ike.auth]") == 2
    assert "Evidence: log: AUTHENTICATION_FAILED from/to 198.51.100.2" in res["msg"]
    assert "Fix: Re-enter this tunnel's pre-shared key" in res["msg"]
    gather = task_result(out, role + "Gather the Virtual Connect state (swanctl, ip -j, ping over each tunnel, vtysh json, charon log)")
    assert gather.get("failed") is not True and gather["attempts"] < 60      # stopped early, not exhausted
    ages = sorted(e["age_s"] for e in gather["state"]["log_events"])
    assert ages[0] < took, (ages, took)
    probed = task_result(out, role + "Gather once more with the probes (the wait ended with a tunnel not settled)")
    assert "probes" in probed["state"]    # one gather with the probes for diagnose
