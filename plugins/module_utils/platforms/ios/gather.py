# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The online IOS-XE verify gather of vc_ios_gather, over a cliconf-like connection (``get``, ``get_prompt``,
``get_option`` / ``set_option``): every show command in one task, the settle wait included.

After a change (``settle_s`` > 0) the tunnels settle (verify/settle.py): a short look (the settle commands, the
IPsec/BGP log lines and the device clock) tells what is missing. When only the IKE SAs' age is, the wait is exactly
what they still need; when something else is still coming up, the look repeats every ``poll_s``; a tunnel whose log
shows a definitive cause (authentication failure, proposal refused, BGP OPEN error) younger than the wait so far is
not waited for. Then the full gather runs, and again every ``poll_s`` while the tunnels are not settled (within
``settle_s``), so its last read is the state verify judges. A command the router refuses is recorded as a gather
error (its output absent), never fatal.

Pure Python apart from the connection; no Ansible import beyond module_utils.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ansible.module_utils.connection import ConnectionError

from .apply import config_exchange
from .assemble import build_ios_state
from .commands import live_gather_commands, settle_look_commands
from ...verify.settle import settle_roles, settle_wait_s, waiting

# seconds a log event may be older than the wait so far and still count as fresh (the apply ends just before)
FRESH_SLACK_S = 1.0


def run_commands(conn: Any, commands: Sequence[str]) -> Tuple[Dict[str, Optional[str]], List[Dict[str, str]]]:
    """Each command once, in order: ({command: output or None}, [{command, message}] for those refused)."""
    outputs = {}  # type: Dict[str, Optional[str]]
    errors = []  # type: List[Dict[str, str]]
    for command in commands:
        try:
            outputs[command] = conn.get(command=command)
        except ConnectionError as exc:
            outputs[command] = None
            errors.append({"command": command, "message": str(exc) or "no output"})
    return outputs, errors


def gather(conn: Any, plan: Dict[str, Any], host: str, settle_s: float = 0, min_ike_uptime_s: int = 0,
           poll_s: float = 5.0, buffer_read_timeout: Optional[float] = 0.0,
           sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Dict[str, Any]:
    """{state, looks, gathers, waited_s, settled, waiting}: the state of the last full gather (docs/contract.md
    section 3), how many settle looks and full gathers ran, the seconds slept, and what was still missing."""
    tunnels, roles = settle_roles(plan, host)   # a split tunnel: its IPsec device settles the SAs, its GRE router BGP
    commands = live_gather_commands(plan, host)
    start = clock()
    looks, gathers, waited = 0, 0, 0.0

    def nap(seconds):
        nonlocal waited
        if seconds > 0:
            sleep(seconds)
            waited += seconds

    with config_exchange(conn, buffer_read_timeout):
        if settle_s > 0 and tunnels:
            look = settle_look_commands(plan, host)
            while True:
                outputs, errors = run_commands(conn, look)
                looks += 1
                elapsed = clock() - start
                wait = settle_wait_s(build_ios_state(outputs, host=host, plan=plan, errors=errors), tunnels,
                                     min_ike_uptime_s, poll_s, fresh_s=elapsed + FRESH_SLACK_S, roles=roles)
                remaining = settle_s - elapsed
                if wait <= 0 or remaining <= 0:
                    break
                nap(min(wait, remaining))
        while True:
            outputs, errors = run_commands(conn, commands)
            gathers += 1
            state = build_ios_state(outputs, host=host, plan=plan, errors=errors)
            elapsed = clock() - start
            missing = waiting(state, tunnels, min_ike_uptime_s, fresh_s=elapsed + FRESH_SLACK_S, roles=roles)
            if settle_s <= 0 or not missing or elapsed + poll_s > settle_s:
                break
            nap(poll_s)
    return {"state": state, "looks": looks, "gathers": gathers, "waited_s": round(waited, 1),
            "settled": not waiting(state, tunnels, min_ike_uptime_s, roles=roles), "waiting": missing}
