"""bgp_reset: which neighbours an IOS-XE apply re-establishes so that the timers it typed are negotiated."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import bgp_reset as B

from . import config_helpers as H

RUNNING = """hostname cpe1
interface Tunnel101
 description neighbor 100.64.0.2 remote-as 1
router bgp 64551
 bgp log-neighbor-changes
 neighbor 100.64.0.2 remote-as 64552
 neighbor 100.64.0.2 timers 10 30
 neighbor 10.9.9.9 remote-as 65001
 !
 address-family ipv4
  neighbor 100.64.0.2 activate
 exit-address-family
route-map X permit 10
 neighbor 100.64.0.6 remote-as 64562
"""


def test_timer_neighbors_only_under_router_bgp_once_each_in_order():
    cmds = ["interface Tunnel101", "neighbor 100.64.0.9 timers 3 9",         # not under router bgp
            "router bgp 64551", "neighbor 100.64.0.6 timers 3 9", "neighbor 100.64.0.6 remote-as 64562",
            "address-family ipv4", "neighbor 100.64.0.2 timers 3 9 3", "exit-address-family",   # with a min hold
            "neighbor 100.64.0.6 timers 3 9",                                    # repeated: once
            "no neighbor 10.9.9.9 timers",                                       # the no form is no timers line
            "ip prefix-list VC-OUT seq 5 permit 0.0.0.0/0", "neighbor 100.64.0.7 timers 3 9"]   # left router bgp
    assert B.timer_neighbors(cmds) == ["100.64.0.6", "100.64.0.2"]


def test_timer_neighbors_leave_router_bgp_on_no_forms_of_top_level_objects_and_other_routers():
    assert B.timer_neighbors(["router bgp 1", "no ip prefix-list X", "neighbor 1.1.1.1 timers 3 9"]) == []
    assert B.timer_neighbors(["router bgp 1", "router ospf 1", "neighbor 1.1.1.1 timers 3 9"]) == []
    assert B.timer_neighbors(["router bgp 1", " neighbor 1.1.1.1 timers 3 9 "]) == ["1.1.1.1"]
    assert B.timer_neighbors(["router bgp 1", "neighbor 1.1.1.1 timers 3"]) == []     # not a whole timers line
    assert B.timer_neighbors([]) == []


def test_existing_neighbors_are_the_remote_as_lines_of_router_bgp():
    assert B.existing_neighbors(RUNNING) == ["100.64.0.2", "10.9.9.9"]    # not the interface's nor the route-map's
    assert B.existing_neighbors("") == [] and B.existing_neighbors(None) == []
    assert B.existing_neighbors("router bgp 1\n\tneighbor 2.2.2.2 remote-as 2\n") == ["2.2.2.2"]


def test_staged_neighbors_every_tunnel_or_the_staged_ones():
    plan, _secrets = H.lab_plan()
    assert B.staged_neighbors(plan, "cpe1", None) == ["100.64.0.2", "100.64.0.6"]
    assert B.staged_neighbors(plan, "cpe1", ["lab-B"]) == ["100.64.0.6"]
    assert B.staged_neighbors(plan, "cpe1", []) == []
    assert B.staged_neighbors(plan, "nobody", None) == []


def test_bgp_resets_existing_staged_neighbours_with_a_typed_timers_line_only():
    plan, _secrets = H.lab_plan()
    cmds = ["router bgp 64551", "neighbor 100.64.0.6 remote-as 64562", "neighbor 100.64.0.6 timers 3 9",
            "neighbor 10.9.9.9 timers 3 9", "neighbor 100.64.0.2 timers 3 9"]
    # 100.64.0.2 existed: reset; 100.64.0.6 is new (first deploy of that tunnel): not; 10.9.9.9 is not ours
    assert B.bgp_resets(RUNNING, cmds, plan, "cpe1", None) == ["100.64.0.2"]
    both = RUNNING.replace(" neighbor 10.9.9.9 remote-as 65001\n", " neighbor 100.64.0.6 remote-as 64562\n")
    assert B.bgp_resets(both, cmds, plan, "cpe1", None) == ["100.64.0.6", "100.64.0.2"]
    assert B.bgp_resets(both, cmds, plan, "cpe1", ["lab-A"]) == ["100.64.0.2"]        # a staged apply: its own
    assert B.bgp_resets(both, ["router bgp 64551", "neighbor 100.64.0.2 password 0 x"], plan, "cpe1", None) == []
    assert B.bgp_resets(both, [], plan, "cpe1", None) == []                          # a re-run types nothing
