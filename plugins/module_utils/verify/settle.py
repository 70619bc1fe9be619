# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a tunnel settled yet? The one rule, for every platform.

Right after a change the IKE SA comes up (with trap policies, on the first GRE packet), then the
CHILD SA, then BGP and its routes. The verify role gathers until :func:`waiting` is empty (or its time
is up) and only then judges with the checks: waiting is never a verdict.

A tunnel is settled when it has an established IKE SA with its DI IPsec peer, at least
``min_ike_uptime_s`` old; an installed CHILD SA towards its DI GRE IP; an Established BGP session with
its neighbour; and routes received on that session (the prefixes themselves, or when the platform
read only its summary, the accepted-prefix count).
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import canon_ts, ip_eq


def _routes_received(nbr: Dict[str, Any]) -> bool:
    if nbr.get("received") is not None:
        return bool(nbr["received"])
    return bool(nbr.get("prefixes_received"))


def _tunnel(state: Dict[str, Any], t: Dict[str, Any], min_ike_uptime_s: int) -> Tuple[List[str], float]:
    """What ``t`` still waits for, and how many seconds its IKE SA still needs to be old enough (0: old enough
    or no IKE SA yet)."""
    label = t.get("key")
    out: List[str] = []
    age_wait = 0.0
    ike = [x for x in state.get("ike_sas") or [] if ip_eq(x.get("remote"), t["di"]["ipsec_ip"])
           and x.get("state") == "established"]
    if not ike:
        out.append("%s: IKE SA" % label)
    elif min_ike_uptime_s:
        oldest = max(int(x.get("uptime_s") or 0) for x in ike)
        if oldest < min_ike_uptime_s:
            out.append("%s: IKE SA younger than %ss" % (label, min_ike_uptime_s))
            age_wait = float(min_ike_uptime_s - oldest)
    want_ts = canon_ts(t["crypto_acl"]["destination"])
    child = [x for x in state.get("ipsec_sas") or [] if canon_ts(x.get("remote_ts")) == want_ts
             and x.get("state") == "installed"]
    if not child:
        out.append("%s: CHILD SA" % label)
    nbr = [x for x in state.get("bgp_neighbors") or [] if ip_eq(x.get("neighbor"), t["bgp"]["neighbor"])]
    if not nbr or nbr[0].get("state") != "Established":
        out.append("%s: BGP session" % label)
    elif not _routes_received(nbr[0]):
        out.append("%s: BGP routes" % label)
    return out, age_wait


def waiting(state: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], min_ike_uptime_s: int = 0) -> List[str]:
    """What is not up yet for the plan ``tunnels`` in ``state`` (``"<key>: <what>"``); empty: settled."""
    out: List[str] = []
    for t in tunnels:
        out.extend(_tunnel(state, t, min_ike_uptime_s)[0])
    return out


def settle_wait_s(state: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], min_ike_uptime_s: int = 0,
                  poll_s: float = 5.0) -> float:
    """How long to wait before looking again: 0 when settled; when every tunnel is up and only IKE SAs are still
    younger than ``min_ike_uptime_s``, exactly the time until the youngest of them is old enough (the clock is
    known: no polling); otherwise ``poll_s`` (something is still coming up and nothing says when)."""
    waits = [_tunnel(state, t, min_ike_uptime_s) for t in tunnels]
    if not any(reasons for reasons, _age in waits):
        return 0.0
    if all(len(reasons) <= 1 and (not reasons or age > 0) for reasons, age in waits):
        return max(age for _reasons, age in waits)
    return float(poll_s)
