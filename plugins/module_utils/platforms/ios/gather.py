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
error (its output absent), never fatal: what counts as refused is IOS's own error answers (``GATHER_STDERR_RE``, set on
the connection for the gather), not the ``ERROR:`` of the router log lines it reads.

``after_apply`` is the same gather run by ``vc_ios_config`` (option ``gather``) right after a stage's apply, in the
same task: one device task per deploy stage instead of two (each device task starts an ``ansible-connection``
process). Which tunnels it looks at and whether their IKE SA age is judged are the plan core's stage decisions
(``plan/targets.py``), from the apply's own result.

Pure Python apart from the connection; no Ansible import beyond module_utils.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ansible.module_utils.connection import ConnectionError

from .apply import config_exchange, connection_options
from .assemble import build_ios_state
from .commands import GATHER_STDERR_RE, live_gather_commands, settle_look_commands
from ...plan.targets import ike_age_deferred, plan_with_tunnels, stage_tunnels
from ...verify.settle import DEFAULT_MIN_IKE_UPTIME_S, settle_roles, settle_wait_s, waiting

# seconds a log event may be older than the wait so far and still count as fresh (the apply ends just before)
FRESH_SLACK_S = 1.0


def settings(poll_s: float, buffer_read_timeout: Optional[float]) -> Tuple[Optional[str], Optional[float]]:
    """The gather's task options checked: (the problem or None, the buffer read timeout to set during the show
    commands: None or negative = the connection's own, else at most 10 s)."""
    if poll_s <= 0:
        return "poll_s must be positive, got %s" % poll_s, None
    if buffer_read_timeout is None or buffer_read_timeout < 0:
        return None, None
    return None, min(buffer_read_timeout, 10.0)


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

    stderr = {"terminal_stderr_re": [dict(p) for p in GATHER_STDERR_RE]}
    with config_exchange(conn, buffer_read_timeout), connection_options(conn, stderr):
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


def after_apply(conn: Any, plan: Dict[str, Any], host: str, spec: Dict[str, Any], out: Dict[str, Any],
                check_mode: bool = False, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> None:
    """``vc_ios_config`` option ``gather`` (``spec``: the stage context ``stages``, ``stage``, ``partners`` and the
    gather's ``settle_s``, ``min_ike_uptime_s`` (None: the verify default), ``poll_s``, ``buffer_read_timeout``): after
    the apply result ``out`` of this stage, gather the state its verify judges into ``out['state']`` and say what was
    looked at in ``out['gather']`` (the tunnels, the IKE SA age judged, looks, gathers, seconds waited, settled,
    what was still missing). Nothing when the apply failed or in check mode (nothing was changed, nothing to prove);
    a router that stops answering leaves gather errors in the state, which its verify then fails (and the stage is
    restored), as with vc_ios_gather."""
    if not spec or out.get("failed") or check_mode:
        return
    stages, stage, partners = spec["stages"], int(spec["stage"]), spec.get("partners") or []
    poll_s = float(spec.get("poll_s", 5.0))
    problem, timeout = settings(poll_s, spec.get("buffer_read_timeout", 0.0))
    if problem:
        out.update(failed=True, msg="gather: " + problem)
        return
    keys = stage_tunnels(stages, stage, out, partners)
    deferred = ike_age_deferred(stages, stage, out, partners)
    min_ike = spec.get("min_ike_uptime_s")
    min_ike = 0 if deferred else max(0, DEFAULT_MIN_IKE_UPTIME_S if min_ike is None else int(min_ike))
    res = gather(conn, plan_with_tunnels(plan, keys), host, settle_s=max(0, int(spec.get("settle_s") or 0)),
                 min_ike_uptime_s=min_ike, poll_s=poll_s, buffer_read_timeout=timeout, sleep=sleep, clock=clock)
    out["state"] = res.pop("state")
    out["gather"] = dict(res, tunnels=keys, min_ike_uptime_s=min_ike, ike_age_deferred=deferred)
