# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which BGP sessions an apply must re-establish so that new timers take effect (pure, no connection).

BGP negotiates the hold time in the OPEN message: ``neighbor X timers K H`` typed on an Established session
changes the configured timers only, the session keeps the negotiated hold time until it is re-established
(IOS-XE ``show ip bgp neighbors X``: "hold time is 30" next to "Configured hold time is 9"). A hard reset
(``clear ip bgp X``) renegotiates; a soft reset does not. So after a configuration session that typed a timers
line for a neighbour that already existed before it, that neighbour is cleared. A new neighbour (first deploy)
opens with the new timers anyway, and an idempotent re-run types no timers line.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from ...plan.views import device_tunnels
from .parser import parse_tree

_TIMERS = re.compile(r"^neighbor\s+(\S+)\s+timers\s+\d+\s+\d+(?:\s+\d+)?\s*$", re.I)
# a command that leaves the router bgp context of a flat command list (the diff's order: a header, its lines,
# its sub-blocks with their exit); an address family stays inside router bgp
_TOP = re.compile(r"^(?:no\s+)?(?:interface|crypto|ip|ipv6|route-map|router|access-list|track|line|key|end)\b", re.I)


def timer_neighbors(commands: Iterable[str]) -> List[str]:
    """The neighbours of every ``neighbor X timers K H [min]`` line under ``router bgp`` in a flat command list, in
    order, once each. ``no neighbor X timers`` is not a timers line (and not something this collection types)."""
    out = []  # type: List[str]
    in_bgp = False
    for raw in commands:
        line = str(raw).strip()
        if re.match(r"^router\s+bgp\s+\S+\s*$", line, re.I):
            in_bgp = True
            continue
        if _TOP.match(line):
            in_bgp = False
            continue
        m = _TIMERS.match(line)
        if in_bgp and m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def existing_neighbors(running_config: str) -> List[str]:
    """The neighbours that ``running_config`` configures (a ``neighbor X remote-as`` line under ``router bgp``)."""
    out = []  # type: List[str]
    for node in parse_tree(running_config or ""):
        if not re.match(r"^router\s+bgp\s+\S+$", node.text, re.I):
            continue
        for line in node.lines():
            m = re.match(r"^neighbor\s+(\S+)\s+remote-as\s+\S+", line, re.I)
            if m and m.group(1) not in out:
                out.append(m.group(1))
    return out


def staged_neighbors(plan: Dict[str, Any], host: str, tunnels: Optional[List[str]]) -> List[str]:
    """The BGP neighbours of ``host``'s plan tunnels of this apply (``tunnels`` None: every tunnel of the host)."""
    out = []  # type: List[str]
    for t in device_tunnels(plan, host):
        if tunnels is not None and t.get("key") not in tunnels:
            continue
        nb = (t.get("bgp") or {}).get("neighbor")
        if nb and nb not in out:
            out.append(nb)
    return out


def bgp_resets(backup: str, commands: Iterable[str], plan: Dict[str, Any], host: str,
               tunnels: Optional[List[str]]) -> List[str]:
    """The neighbours whose session must be re-established (``clear ip bgp X``) after ``commands``: a timers line
    typed for a neighbour of the staged tunnels that ``backup`` (the running config read before the apply)
    already had. In the order of the commands."""
    before = set(existing_neighbors(backup))
    ours = set(staged_neighbors(plan, host, tunnels))
    return [nb for nb in timer_neighbors(commands) if nb in before and nb in ours]
