"""drift_vc.yml and the target resolution of every playbook, end to end on IOS-XE TEST DOUBLE routers.

drift (scenario lab, one CPE with both tunnels): after a deploy there is no drift (rc 0, report says so); a line
changed by hand in tunnel 2 is reported on tunnel 2 only; an interface carrying the Virtual Connect marker that the
plan does not have is reported as extra while an unmarked interface is not; nothing is ever typed into the router
in configuration mode by a drift run; reports go to vc-out/drift under the directory the run started in.
targets (scenario dual, one tunnel on each of two CPEs): a --limit selecting one CPE of the region, a vc_cpe_group
that misses a CPE of the plan, an inventory without one of the planned CPEs: each fails naming the hosts before any
login to a router.
"""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from e2e_helpers import INVENTORY, REPO, make_lab  # noqa: I100

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
DRIFT = REPO / "playbooks" / "drift_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"


def by_hand(router, lines):
    """What an engineer types on the console (a CLI session of the double, not through ansible)."""
    from iosxe_double.cli import Session

    session = Session(router, "admin")
    for line in ["enable", "configure terminal"] + lines + ["end"]:
        out = session.handle_line(line)
        assert "Invalid" not in out and "%" not in out.split("\n")[-1], (line, out)


def typed_config(router, since):
    return [e["line"] for e in router.log[since:] if e["mode"] != "exec" or e["line"].startswith("conf")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    lab = make_lab("lab", tmp_path_factory, request)
    run = lab.playbook(DEPLOY, "-e", "vc_deploy_settle_s=0", "-e", "vc_deploy_verify=false")
    assert run.rc == 0, run.out[-3000:]
    lab.age()
    return lab


@pytest.fixture(scope="module")
def clean_drift(lab):
    router = lab.routers["cpe1"]
    n = len(router.log)
    run = lab.playbook(DRIFT)
    return run, typed_config(router, n)


@pytest.fixture(scope="module")
def dirty_drift(lab, clean_drift):
    router = lab.routers["cpe1"]
    by_hand(router, ["interface Tunnel102", "ip mtu 1300", "exit",
                     "interface Tunnel199", "description VC-OLD-A webex_di.virtual_connect:old-A", "ip address 100.64.9.1 255.255.255.252", "exit",
                     "interface Tunnel150", "description customer backup link", "exit"])
    before, n = router.config_text(), len(router.log)
    run = lab.playbook(DRIFT, "-e", "vc_output_dir=drift-out")
    return run, before, router.config_text(), typed_config(router, n)


def test_no_drift_after_a_deploy(clean_drift, lab):
    run, typed = clean_drift
    assert run.rc == 0, run.out[-3000:]
    assert run.recap["cpe1"]["failed"] == 0 and run.recap["cpe1"]["changed"] == 0
    assert "cpe1: no drift: 2 tunnel(s) as planned" in run.out
    assert typed == []
    doc = json.loads((lab.workdir / "vc-out" / "drift" / "drift-cpe1.json").read_text())
    assert doc["drift"] is False and doc["summary"]["total"] == 0
    assert sorted(t["key"] for t in doc["tunnels"]) == ["lab-A", "lab-B"]
    assert 'failures="0"' in (lab.workdir / "vc-out" / "drift" / "junit-drift-cpe1.xml").read_text()


def test_a_change_by_hand_and_a_marked_extra_object_are_drift(dirty_drift, lab):
    run, before, after, typed = dirty_drift
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1
    assert after == before and typed == [], "drift typed configuration into the router"
    doc = json.loads((lab.workdir / "drift-out" / "drift" / "drift-cpe1.json").read_text())
    tunnels = dict((t["key"], t) for t in doc["tunnels"])
    assert tunnels["lab-A"]["ok"] is True and tunnels["lab-A"]["differences"] == []
    b = tunnels["lab-B"]["differences"]
    assert [d["kind"] for d in b] == ["differs"] and "ip mtu 1400" in b[0]["message"]
    extra = [d["object"] for d in doc["host_differences"] if d["kind"] == "extra"]
    assert extra == ["interface Tunnel199"]  # marked, not planned; the unmarked Tunnel150 is not ours
    assert doc["summary"] == {"missing": 0, "differs": 1, "extra": 1, "error": 0, "total": 2}
    junit = (lab.workdir / "drift-out" / "drift" / "junit-drift-cpe1.xml").read_text()
    assert 'failures="2"' in junit and "Tunnel199" in junit
    # the one-line summary of the failed host names the tunnel and the objects
    assert "vc_drift: cpe1: 2 difference(s) from the plan: lab-B differs configuration; (CPE) extra interface Tunnel199" in run.out


def test_drift_can_report_without_failing(dirty_drift, lab):
    run = lab.playbook(DRIFT, "-e", "vc_drift_fail_on_drift=false", "-e", "vc_output_dir=report-only")
    assert run.rc == 0, run.out[-3000:]
    assert json.loads((lab.workdir / "report-only" / "drift" / "drift-cpe1.json").read_text())["drift"] is True


def test_a_missing_tunnel_interface_is_missing(dirty_drift, lab):
    router = lab.routers["cpe1"]
    by_hand(router, ["no interface Tunnel101"])
    try:
        run = lab.playbook(DRIFT, "-e", "vc_drift_fail_on_drift=false", "-e", "vc_output_dir=missing")
        assert run.rc == 0, run.out[-3000:]
        doc = json.loads((lab.workdir / "missing" / "drift" / "drift-cpe1.json").read_text())
        a = dict((t["key"], t) for t in doc["tunnels"])["lab-A"]["differences"]
        assert ("GRE tunnel interface", "missing") in [(d["object"], d["kind"]) for d in a]
    finally:
        lab.playbook(DEPLOY, "-e", "vc_deploy_settle_s=0", "-e", "vc_deploy_verify=false")


# ------------------------------------------------------------------------------------- targets
@pytest.fixture(scope="module")
def dual(tmp_path_factory, request):
    return make_lab("dual", tmp_path_factory, request)


def logins(lab):
    return sum(len(r.ssh_clients) for r in lab.routers.values())


@pytest.mark.parametrize("playbook", ["deploy_vc.yml", "verify_vc.yml", "drift_vc.yml", "diagnose_vc.yml"])
def test_a_limit_splitting_a_dual_cpe_region_fails_naming_the_hosts(dual, playbook):
    before = logins(dual)
    run = dual.playbook(REPO / "playbooks" / playbook, "--limit", "cpe1")
    assert run.rc != 0
    assert "--limit cpe1 selects cpe1 but leaves out cpe2" in run.out and "vc_allow_partial_region=true" in run.out
    assert logins(dual) == before, "a router was contacted although the run was refused"


def test_a_group_that_misses_a_planned_cpe_fails(dual, tmp_path):
    inv = tmp_path / "inv"
    shutil.copytree(INVENTORY / "dual", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    group = next(iter(hosts["all"]["children"]))
    cpes = hosts["all"]["children"][group]["hosts"]
    hosts["all"]["children"] = {"site_a": {"hosts": {"cpe1": cpes["cpe1"]}}, "site_b": {"hosts": {"cpe2": cpes["cpe2"]}}}
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    before = logins(dual)
    run = dual.playbook(VERIFY, "-e", "vc_cpe_group=site_a", inventory=inv)
    assert run.rc != 0
    assert "CPE host(s) cpe2 named by vc_regions are not in vc_cpe_group=site_a" in run.out
    # the user's own group names, no vc_cpes group: every planned CPE is acted on
    run = dual.playbook(REPO / "playbooks" / "plan_vc.yml", inventory=inv)
    assert run.rc == 0, run.out[-3000:]
    assert "CPEs of this run: cpe1, cpe2" in run.out
    assert logins(dual) == before


def test_a_planned_cpe_missing_from_the_inventory_fails(dual, tmp_path):
    inv = tmp_path / "inv"
    shutil.copytree(INVENTORY / "dual", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    for group in hosts["all"]["children"].values():
        (group.get("hosts") or {}).pop("cpe2", None)
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    before = logins(dual)
    run = dual.playbook(DEPLOY, inventory=inv)
    assert run.rc != 0
    assert "cpe2" in run.out and "not in the inventory" in run.out
    assert logins(dual) == before
