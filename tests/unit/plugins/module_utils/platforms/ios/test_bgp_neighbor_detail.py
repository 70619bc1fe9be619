"""parse_bgp_neighbor_detail: the session's (negotiated) BGP timers and the configured ones are two lines of
``show ip bgp neighbors X``; the later "Configured hold time" line must not overwrite the negotiated values."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import show_parsers as P

from .helpers import OFFLINE

# an Established session negotiated with 10/30, then `neighbor 100.64.0.2 timers 3 9` typed (IOS-XE 17.x layout)
BOTH = """BGP neighbor is 100.64.0.2,  remote AS 64552, external link
  BGP version 4, remote router ID 198.51.100.65
  BGP state = Established, up for 00:40:58
  Last read 00:00:04, last write 00:00:07, hold time is 30, keepalive interval is 10 seconds
  Configured hold time is 9, keepalive interval is 3 seconds
  Minimum holdtime from neighbor is 0 seconds
  Neighbor sessions:
    1 active, is not multisession capable (disabled)
Local host: 100.64.0.1, Local port: 179
Foreign host: 100.64.0.2, Foreign port: 34021
"""

# no `neighbor X timers` configured: IOS prints no Configured line
NEGOTIATED_ONLY = """BGP neighbor is 100.64.0.6,  remote AS 64562, local AS 64561, no-prepend, replace-as, external link
  BGP version 4, remote router ID 198.51.100.66
  BGP state = Established, up for 01:02:03
  Last read 00:00:01, last write 00:00:02, hold time is 180, keepalive interval is 60 seconds
Local host: 100.64.0.5, Local port: 22011
Foreign host: 100.64.0.6, Foreign port: 179
"""


def test_negotiated_and_configured_timers_are_kept_apart():
    d, = P.parse_bgp_neighbor_detail(BOTH)
    assert (d["neighbor"], d["state"], d["uptime_s"]) == ("100.64.0.2", "Established", 40 * 60 + 58)
    assert (d["hold_time_s"], d["keepalive_s"]) == (30, 10)                    # the session's, from the OPEN
    assert (d["configured_hold_s"], d["configured_keepalive_s"]) == (9, 3)     # what `timers 3 9` asks for
    assert (d["local_host"], d["foreign_host"]) == ("100.64.0.1", "100.64.0.2")


def test_without_configured_line_configured_timers_are_none():
    d, = P.parse_bgp_neighbor_detail(NEGOTIATED_ONLY)
    assert (d["hold_time_s"], d["keepalive_s"]) == (180, 60)
    assert (d["configured_hold_s"], d["configured_keepalive_s"]) == (None, None)
    assert (d["local_as"], d["local_as_flags"]) == (64561, ["no-prepend", "replace-as"])


def test_configured_line_before_negotiated_line_does_not_matter():
    lines = BOTH.splitlines()
    swapped = "\n".join(lines[:3] + [lines[4], lines[3]] + lines[5:])
    d, = P.parse_bgp_neighbor_detail(swapped)
    assert (d["hold_time_s"], d["keepalive_s"], d["configured_hold_s"], d["configured_keepalive_s"]) == (30, 10, 9, 3)


def test_two_neighbours_each_keep_their_own_timers():
    a, b = P.parse_bgp_neighbor_detail(BOTH + "\n" + NEGOTIATED_ONLY)
    assert (a["neighbor"], a["hold_time_s"], a["configured_hold_s"]) == ("100.64.0.2", 30, 9)
    assert (b["neighbor"], b["hold_time_s"], b["configured_hold_s"]) == ("100.64.0.6", 180, None)


def test_real_saved_detail_has_the_negotiated_line_only():
    text = (OFFLINE / "healthy" / "cpe1" / "show_ip_bgp_neighbors_100.64.0.2.txt").read_text()
    d, = P.parse_bgp_neighbor_detail(text)
    assert (d["hold_time_s"], d["keepalive_s"], d["configured_hold_s"], d["configured_keepalive_s"]) == (
        30, 10, None, None)
