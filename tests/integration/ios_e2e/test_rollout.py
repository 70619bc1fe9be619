"""deploy_vc.yml's safe rollout, end to end on IOS-XE TEST DOUBLE routers: tunnel 1, its verify gate, then tunnel 2.

lab (one CPE, both tunnels): a fault on tunnel 2's Cisco side fails stage 2; the stage is restored from its own backup,
so tunnel 1 (proved in stage 1) stays configured and Established while tunnel 2's objects are gone again. A fault on
tunnel 1 stops the deploy in stage 1: not one line of tunnel 2 is typed. Without faults the deploy passes both stages
and a re-run changes nothing.
dual (one tunnel on each of two CPEs): when the tunnel 1 CPE fails its gate, the tunnel 2 CPE is not logged into for
configuration at all and fails naming its region partner.
"""
from __future__ import annotations

import pytest

from e2e_helpers import REPO, make_lab  # noqa: I100

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
SETTLE = ("-e", "vc_deploy_settle_s=15")


def typed(router, since):
    return [e["line"] for e in router.log[since:] if e["mode"] != "exec"]


def state(router):
    from iosxe_double.cisco_side import Evaluator

    return dict((t.key, t) for t in Evaluator(router).evaluate().tunnels)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    return make_lab("lab", tmp_path_factory, request)


def test_a_failing_tunnel_1_stops_before_tunnel_2_is_touched(lab):
    router = lab.routers["cpe1"]
    n = len(router.log)
    lab.set_fault("cpe1", {"tunnels": {"A": {"bgp_down": True}}})
    try:
        run = lab.playbook(DEPLOY, *SETTLE)
    finally:
        lab.clear_faults()
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1
    assert "deployment failed on cpe1 in stage 1 (lab-A)" in run.out
    assert "Tunnel(s) lab-B were not touched" in run.out and "ROLLBACK FAILED" not in run.out
    lines = typed(router, n)
    assert lines and not any("Tunnel102" in x or "VC-LAB-B" in x or "100.64.0.6" in x for x in lines), lines
    assert "interface Tunnel101" not in router.config_text()   # stage 1 restored


def test_a_failing_tunnel_2_is_restored_and_tunnel_1_keeps_working(lab):
    router = lab.routers["cpe1"]
    lab.set_fault("cpe1", {"tunnels": {"B": {"bgp_down": True}}})
    try:
        run = lab.playbook(DEPLOY, *SETTLE)
    finally:
        lab.clear_faults()
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1
    assert "deployment failed on cpe1 in stage 2 (lab-B)" in run.out
    assert "Tunnel(s) lab-A passed earlier and stay as they are" in run.out
    assert "ROLLBACK FAILED" not in run.out and "Rollback from" in run.out
    cfg = router.config_text()
    assert "interface Tunnel101" in cfg and "interface Tunnel102" not in cfg and "peer VC-LAB-B" not in cfg
    got = state(router)
    assert got["lab-A"].ike_up and got["lab-A"].bgp_state == "Established"


def test_without_faults_both_stages_pass_and_a_rerun_changes_nothing(lab):
    run = lab.playbook(DEPLOY, *SETTLE)
    assert run.rc == 0, run.out[-4000:]
    assert "TASK [Stage 1 - tunnel 1" in run.out and "TASK [Stage 2 - tunnel 2" in run.out
    got = state(lab.routers["cpe1"])
    assert all(t.ike_up and t.bgp_state == "Established" for t in got.values()) and sorted(got) == ["lab-A", "lab-B"]
    lab.age()
    again = lab.playbook(DEPLOY, "-e", "vc_deploy_verify=false")
    assert again.rc == 0 and again.recap["cpe1"]["changed"] == 0, again.out[-4000:]


def test_check_mode_shows_the_whole_change_in_one_step(tmp_path_factory, request):
    fresh = make_lab("lab", tmp_path_factory, request)
    run = fresh.playbook(DEPLOY, "--check", "--diff")
    assert run.rc == 0, run.out[-4000:]
    assert "TASK [Stage 2 - tunnel 2" in run.out and "skipping: [cpe1]" in run.out.split("TASK [Stage 2 - tunnel 2")[1][:300]
    assert "interface Tunnel101" in run.out and "interface Tunnel102" in run.out


def test_dual_cpe_tunnel_2_cpe_waits_for_tunnel_1(tmp_path_factory, request):
    dual = make_lab("dual", tmp_path_factory, request)
    cpe2 = dual.routers["cpe2"]
    before = cpe2.config_text()
    n2 = len(cpe2.log)
    dual.set_fault("cpe1", {"tunnels": {"A": {"bgp_down": True}}})
    try:
        run = dual.playbook(DEPLOY, *SETTLE)
    finally:
        dual.clear_faults()
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1 and run.recap["cpe2"]["failed"] == 1
    assert "deployment failed on cpe1 in stage 1 (lab-A)" in run.out
    assert "Tunnel 2 of cpe2 (lab-B) was not changed: the CPE(s) cpe1 of the same region failed stage 1" in run.out
    assert typed(cpe2, n2) == [] and cpe2.config_text() == before


AGE_60 = ("-e", "vc_verify_min_ike_uptime_s=60")   # an IKE SA age no SA reaches within the 15 s settle


def test_a_fresh_tunnel_2_lets_stage_1_leave_the_ike_age_to_stage_2_which_restores_both(tmp_path_factory, request):
    # tunnel 2 leaves no trace on the router: stage 1 proves tunnel 1 (SAs, GRE, BGP, exact prefixes) without waiting for
    # its IKE SA's age; stage 2 judges the age of every tunnel, finds tunnel 1's too young and restores both stages
    fresh = make_lab("lab", tmp_path_factory, request)
    run = fresh.playbook(DEPLOY, *SETTLE, *AGE_60)
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1
    assert "deployment failed on cpe1 in stage 2 (lab-B)" in run.out, run.out[-4000:]
    assert "up for only" in run.out and "Tunnel(s) lab-A of an earlier stage failed here" in run.out
    assert "passed earlier" not in run.out and "ROLLBACK FAILED" not in run.out and "Rollback from" in run.out
    cfg = fresh.routers["cpe1"].config_text()
    assert "interface Tunnel101" not in cfg and "interface Tunnel102" not in cfg and "peer VC-LAB-A" not in cfg


def test_a_trace_of_tunnel_2_on_the_router_keeps_the_ike_age_in_stage_1(tmp_path_factory, request):
    # a foreign prefix list naming tunnel 2's DI IPsec peer: tunnel 2 may carry traffic, so stage 1 waits for (and here
    # fails on) tunnel 1's IKE SA age, and not one line of tunnel 2 is typed
    fresh = make_lab("lab", tmp_path_factory, request)
    router = fresh.routers["cpe1"]
    text = router.config_text()
    assert text.endswith("\nend\n")
    assert router.replace_config(text[:-len("end\n")] + "ip prefix-list OPS-WATCH seq 5 permit 198.51.100.6/32\nend\n") == []
    assert "OPS-WATCH" in router.config_text()
    n = len(router.log)
    run = fresh.playbook(DEPLOY, *SETTLE, *AGE_60)
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1
    assert "deployment failed on cpe1 in stage 1 (lab-A)" in run.out and "up for only" in run.out, run.out[-4000:]
    assert "Tunnel(s) lab-B were not touched" in run.out
    assert not any("Tunnel102" in x or "VC-LAB-B" in x for x in typed(router, n))
    assert "ip prefix-list OPS-WATCH seq 5 permit 198.51.100.6/32" in router.config_text()
