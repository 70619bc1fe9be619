"""New BGP timers on a running session (docs/ha.md section 3, "Switching profile"): real FRR outputs
(fixtures/bgp_timers, capture/capture_bgp_timers.sh) read by the Linux state parser and judged by verify's
bgp_timers check, and the delta rule that picks the neighbours a run must re-establish."""
from __future__ import annotations

import json

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.state import parse_bgp_neighbor
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import _check_bgp_timers

from .helpers import FIXTURES

CAP = FIXTURES / "bgp_timers"
NBR = "100.64.0.2"


def _nbr(step):
    return parse_bgp_neighbor(NBR, json.loads((CAP / step / "cpe_bgp_neighbors.json").read_text()))


def _bgp(hold):
    return {"neighbor": NBR, "timers": {"keepalive_s": hold // 3, "hold_s": hold}}


def test_real_frr_keeps_the_negotiated_hold_time_until_the_session_is_re_established():
    up, stale, cleared = _nbr("up_10_30"), _nbr("stale_3_9"), _nbr("cleared_3_9")
    assert (up["state"], up["hold_time_s"], up["keepalive_s"]) == ("Established", 30, 10)
    assert "neighbor %s timers 3 9" % NBR in (CAP / "stale_3_9" / "cpe_running.txt").read_text()
    assert (stale["state"], stale["hold_time_s"]) == ("Established", 30)     # configured 9 s, still running 30 s
    assert (cleared["state"], cleared["hold_time_s"], cleared["keepalive_s"]) == ("Established", 9, 3)


def test_verify_fails_a_session_on_an_older_longer_hold_time_and_passes_it_re_established():
    stale = _check_bgp_timers(_bgp(9), _nbr("stale_3_9"))
    assert (stale["status"], stale["expected"], stale["actual"]) == ("fail", 9, 30)
    assert "re-established" in stale["message"]
    assert _check_bgp_timers(_bgp(9), _nbr("cleared_3_9"))["status"] == "pass"
    assert _check_bgp_timers(_bgp(30), _nbr("up_10_30"))["status"] == "pass"
    # the lower of both ends is negotiated: a peer with a shorter hold time is fine, hold time 0 never detects
    assert _check_bgp_timers(_bgp(90), _nbr("up_10_30"))["status"] == "pass"
    zero = _check_bgp_timers(_bgp(30), dict(_nbr("up_10_30"), hold_time_s=0))
    assert zero["status"] == "fail" and "never detected" in zero["message"]
    assert _check_bgp_timers(_bgp(30), dict(_nbr("up_10_30"), hold_time_s=None))["status"] == "skip"
    assert _check_bgp_timers({"neighbor": NBR}, _nbr("up_10_30"))["status"] == "skip"


RUNNING = (CAP / "up_10_30" / "cpe_running.txt").read_text()


@pytest.mark.parametrize("commands,neighbors,want", [
    (["router bgp 64551", " neighbor %s timers 3 9" % NBR, "exit"], [NBR], [NBR]),
    (["router bgp 64551", " no neighbor %s timers 10 30" % NBR, "exit"], [NBR], [NBR]),       # back to FRR's defaults
    (["router bgp 64551", " neighbor %s timers connect 5" % NBR, "exit"], [NBR], []),        # not negotiated
    (["router bgp 64551", " neighbor %s timers 3 9" % NBR, "exit"], ["100.64.0.6"], []),      # not this stage's tunnel
    (["router bgp 64551", " neighbor 100.64.0.6 remote-as 64562", " neighbor 100.64.0.6 timers 3 9", "exit"],
     ["100.64.0.6"], []),                                                                     # a new neighbour
    (["router ospf", " neighbor %s timers 3 9" % NBR, "exit"], [NBR], []),                   # not under router bgp
    ([], [NBR], []),
])
def test_the_neighbours_to_re_establish_are_the_running_ones_whose_timers_the_delta_sets(commands, neighbors, want):
    assert F.timers_reset(RUNNING, commands, neighbors) == want


def test_without_a_bgp_router_nothing_is_re_established():
    assert F.timers_reset("frr version 8.4.4\n!\n", ["router bgp 64551", " neighbor %s timers 3 9" % NBR], [NBR]) == []
