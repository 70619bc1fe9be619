"""Switching the BGP failover profile takes effect on IOS-XE (docs/ha.md section 3), end to end over network_cli on
the IOS-XE TEST DOUBLE: BGP negotiates the hold time in the OPEN, so `neighbor X timers 3 9` typed on an Established
session changes the configured timers only. deploy_vc.yml with the default timers, then with vc_bgp {keepalive_s: 3,
hold_s: 9}: the second deploy re-establishes each session after its stage's configuration session (`clear ip bgp X`,
tunnel 1 in stage 1, tunnel 2 in stage 2) and the router then shows "hold time is 9"; a third run changes nothing
and resets nothing."""
from __future__ import annotations

import json

import pytest

from e2e_helpers import REPO, make_lab  # noqa: I100

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
SETTLE = ("-e", "vc_deploy_settle_s=30")
FAST = ("-e", json.dumps({"vc_bgp": {"keepalive_s": 3, "hold_s": 9}}))
A, B = "100.64.0.2", "100.64.0.6"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    return make_lab("lab", tmp_path_factory, request)


def exec_lines(router, since):
    return [e["line"] for e in router.log[since:] if e["mode"] == "exec"]


def shown(router, nbr):
    from iosxe_double import Session

    with router.lock:
        return Session(router, next(iter(router.users))).exec_command("show ip bgp neighbors %s" % nbr)


def index_of(lines, text):
    return next(i for i, x in enumerate(lines) if x.strip() == text)


def test_a_timers_switch_resets_each_session_in_its_stage_and_the_new_hold_time_is_negotiated(lab):
    router = lab.routers["cpe1"]
    first = lab.playbook(DEPLOY, *SETTLE)
    assert first.rc == 0, first.out[-4000:]
    assert not any(x.startswith("clear") for x in exec_lines(router, 0))          # new neighbours: no reset
    for nbr in (A, B):
        assert "hold time is 30, keepalive interval is 10 seconds" in shown(router, nbr)
    lab.age()

    n = len(router.log)
    second = lab.playbook(DEPLOY, *SETTLE, *FAST)
    assert second.rc == 0, second.out[-4000:]
    assert second.recap["cpe1"]["failed"] == 0 and second.recap["cpe1"]["changed"] >= 1
    lines = exec_lines(router, n)
    clears = [x for x in lines if x.startswith("clear")]
    assert clears == ["clear ip bgp %s" % A, "clear ip bgp %s" % B], lines
    # each reset follows its own stage's configuration session: A's before the timers line of B is typed
    log = [e["line"] for e in router.log[n:]]
    assert index_of(log, "clear ip bgp %s" % A) < index_of(log, "neighbor %s timers 3 9" % B) < index_of(log, "clear ip bgp %s" % B)
    for nbr in (A, B):
        out = shown(router, nbr)
        assert "hold time is 9, keepalive interval is 3 seconds" in out, out
        assert "Configured hold time is 9, keepalive interval is 3 seconds" in out
        assert "BGP state = Established" in out
    assert router.errors == []

    lab.age()
    n = len(router.log)
    third = lab.playbook(DEPLOY, *SETTLE, *FAST)
    assert third.rc == 0 and third.recap["cpe1"]["changed"] == 0, third.out[-4000:]
    assert not any(x.startswith("clear") for x in exec_lines(router, n))
