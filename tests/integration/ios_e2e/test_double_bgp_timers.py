"""The IOS-XE TEST DOUBLE models BGP timer negotiation (in process, fast): an Established session keeps the hold
time and keepalive it negotiated when it came up; `neighbor X timers` typed later changes only the "Configured
hold time" line of `show ip bgp neighbors X`; `clear ip bgp X` (hard) re-establishes it with the configured timers
(capped by the Cisco side's hold time); a soft reset renegotiates nothing. The collection's parser reads both."""
from __future__ import annotations

import re

from test_double_contract import Rig

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import show_parsers as P

A, B = "100.64.0.2", "100.64.0.6"


def detail(rig: Rig, nbr: str) -> dict:
    d, = P.parse_bgp_neighbor_detail(rig.session.exec_command("show ip bgp neighbors %s" % nbr))
    return d


def timers(rig: Rig, nbr: str) -> tuple:
    d = detail(rig, nbr)
    return d["hold_time_s"], d["keepalive_s"], d["configured_hold_s"], d["configured_keepalive_s"]


def test_timers_typed_on_an_established_session_change_only_the_configured_line_until_a_hard_clear():
    rig = Rig.deployed("lab", "cpe1")                        # default timers 10/30, sessions aged 300 s
    assert timers(rig, A) == timers(rig, B) == (30, 10, 30, 10)
    up_a, up_b = detail(rig, A)["uptime_s"], detail(rig, B)["uptime_s"]
    assert up_a >= 300 and up_b >= 300
    assert rig.type(["router bgp 64551", "neighbor %s timers 3 9" % A, "neighbor %s timers 3 9" % B]) == []
    assert timers(rig, A) == timers(rig, B) == (30, 10, 9, 3)     # the sessions keep what they negotiated
    assert detail(rig, A)["state"] == "Established" and detail(rig, A)["uptime_s"] >= 300

    assert rig.session.exec_command("clear ip bgp %s soft" % A) == ""    # a soft reset: no new OPEN
    assert rig.session.exec_command("clear ip bgp %s in" % A) == ""
    assert timers(rig, A) == (30, 10, 9, 3) and detail(rig, A)["uptime_s"] >= 300

    out = rig.session.handle_line("clear ip bgp %s" % A)        # the hard reset, typed like a client does
    assert out == "cpe1#"
    assert timers(rig, A) == (9, 3, 9, 3)                        # re-established with the configured timers
    assert detail(rig, A)["state"] == "Established" and detail(rig, A)["uptime_s"] < 60
    assert timers(rig, B) == (30, 10, 9, 3) and detail(rig, B)["uptime_s"] >= 300    # the other one untouched
    rig.session.exec_command("clear ip bgp *")
    assert timers(rig, B) == (9, 3, 9, 3)
    assert rig.router.errors == []


def test_a_session_that_comes_up_in_a_configuration_session_negotiates_what_that_session_configured():
    rig = Rig("lab", "cpe1")
    fast = [re.sub(r"^(neighbor \S+ timers) 10 30$", r"\1 3 9", c) for c in rig.commands()]
    assert sum(1 for c in fast if c.endswith(" timers 3 9")) == 2
    assert rig.type(fast) == []
    assert timers(rig, A) == timers(rig, B) == (9, 3, 9, 3)


def test_the_cisco_side_hold_time_caps_the_negotiated_one_and_the_state_carries_both():
    rig = Rig.deployed("lab", "cpe1")
    rig.type(["router bgp 64551", "neighbor %s timers 20 60" % A])
    rig.session.exec_command("clear ip bgp %s" % A)
    assert timers(rig, A) == (30, 10, 60, 20)                    # min(60, the DC's 30)
    nb, = [n for n in rig.gather()["bgp_neighbors"] if n["neighbor"] == A]
    assert (nb["hold_time_s"], nb["keepalive_s"], nb["configured_hold_s"], nb["configured_keepalive_s"]) == (
        30, 10, 60, 20)
    assert rig.verify()["ok"]
