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

Waiting stops early for a tunnel with a definitive cause (:func:`definitive`): a log event of the state that
no retry can fix, younger than the wait so far (``fresh_s``; its ``age_s`` is on the device's own clock, so no
clock of two machines is compared). Such a tunnel is not waited for: verify and diagnose judge it at once.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import as_list, canon_ts, ip_eq

# log events (docs/contract.md section 3) that retrying does not fix: the peer refused our credentials, our
# proposal or our traffic selectors, our stack cannot do the planned group, or a BGP OPEN error (code 2).
# The IKE SA age verify requires by default: younger is "just born or flapping" (the guide: up more than a few seconds,
# not bouncing); roles/verify vc_verify_min_ike_uptime_s has the same default.
DEFAULT_MIN_IKE_UPTIME_S = 10

DEFINITIVE = ("AUTHENTICATION_FAILED", "AUTH_FAILED", "NO_PROPOSAL_CHOSEN", "DH_GROUP_UNSUPPORTED", "TS_UNACCEPTABLE",
              "BGP_BAD_PEER_AS", "BGP_AUTH_FAILED")


def definitive(state: Dict[str, Any], tunnel: Dict[str, Any], fresh_s: Optional[float]) -> Optional[Dict[str, Any]]:
    """The first log event of ``tunnel`` (peer = one of its DI addresses) that no retry fixes, at most ``fresh_s``
    seconds old; None when there is none or ``fresh_s`` is None (events without an age never count)."""
    if fresh_s is None:
        return None
    peers = (tunnel["di"]["ipsec_ip"], tunnel["di"]["gre_ip"], tunnel["di"]["tunnel_ip"])
    for ev in as_list(state.get("log_events")):
        if not isinstance(ev, dict) or ev.get("age_s") is None or float(ev["age_s"]) > float(fresh_s):
            continue
        if not any(ip_eq(ev.get("peer"), p) for p in peers):
            continue
        name = str(ev.get("event") or "").upper()
        if name in DEFINITIVE or (name == "BGP_NOTIFICATION" and ev.get("code") == 2):
            return ev
    return None


def _routes_received(nbr: Dict[str, Any]) -> bool:
    if nbr.get("received") is not None:
        return bool(nbr["received"])
    return bool(nbr.get("prefixes_received"))


def settle_roles(plan: Dict[str, Any], host: str) -> Tuple[List[Dict[str, Any]], Dict[str, str]]:
    """The plan tunnels ``host`` settles and each one's role there (ha_checks.host_roles): ``both`` (one device),
    ``ipsec`` (the IPsec device of a split tunnel: it waits for the SAs only) or ``gre`` (its GRE/BGP router: BGP only,
    the SAs are the IPsec device's), docs/ha.md section 2."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.ha_checks import host_roles

    found = host_roles(plan, host)
    return [t for _r, t, _role in found], dict((t.get("key"), role) for _r, t, role in found)


def _tunnel(state: Dict[str, Any], t: Dict[str, Any], min_ike_uptime_s: int, role: str = "both") -> Tuple[List[str], float]:
    """What ``t`` still waits for, and how many seconds its IKE SA still needs to be old enough (0: old enough
    or no IKE SA yet). ``role`` (:func:`settle_roles`): ``ipsec`` waits for the SAs only, ``gre`` for BGP only."""
    label = t.get("key")
    out: List[str] = []
    age_wait = 0.0
    if role == "gre":
        return _bgp_waits(state, t, label), age_wait
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
    if role != "ipsec":
        out += _bgp_waits(state, t, label)
    return out, age_wait


def _bgp_waits(state: Dict[str, Any], t: Dict[str, Any], label: Any) -> List[str]:
    nbr = [x for x in state.get("bgp_neighbors") or [] if ip_eq(x.get("neighbor"), t["bgp"]["neighbor"])]
    if not nbr or nbr[0].get("state") != "Established":
        return ["%s: BGP session" % label]
    if not _routes_received(nbr[0]):
        return ["%s: BGP routes" % label]
    # a conditional default (docs/ha.md section 3) comes only once the customer's route is in the CPE's routing table
    # (its IGP converging after a restart) and the BGP process has re-evaluated the condition: until then the tunnel is
    # still coming up, not failed (a settle that never sees it ends at its timeout; diagnose names the cause)
    cond = ((state.get("redistribution") or {}).get("default_condition")) or {}
    advertised = nbr[0].get("advertised")
    if cond.get("prefixes") and advertised is not None and "0.0.0.0/0" not in [str(p) for p in advertised]:
        return ["%s: the conditional default (%s routed: %s)" % (
            label, ", ".join(cond["prefixes"]), ", ".join(cond.get("routed") or []) or "none")]
    return []


def waiting(state: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], min_ike_uptime_s: int = 0,
            fresh_s: Optional[float] = None, roles: Optional[Dict[str, str]] = None) -> List[str]:
    """What is not up yet for the plan ``tunnels`` in ``state`` (``"<key>: <what>"``); empty: settled, or every
    tunnel not up has a definitive cause at most ``fresh_s`` seconds old."""
    out: List[str] = []
    for t in tunnels:
        if definitive(state, t, fresh_s) is not None:
            continue
        out.extend(_tunnel(state, t, min_ike_uptime_s, (roles or {}).get(t.get("key"), "both"))[0])
    return out


def settle_wait_s(state: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], min_ike_uptime_s: int = 0,
                  poll_s: float = 5.0, fresh_s: Optional[float] = None, roles: Optional[Dict[str, str]] = None) -> float:
    """How long to wait before looking again: 0 when settled; when every tunnel is up and only IKE SAs are still
    younger than ``min_ike_uptime_s``, exactly the time until the youngest of them is old enough (the clock is
    known: no polling); otherwise ``poll_s`` (something is still coming up and nothing says when)."""
    waits = [_tunnel(state, t, min_ike_uptime_s, (roles or {}).get(t.get("key"), "both")) for t in tunnels
             if definitive(state, t, fresh_s) is None]
    if not any(reasons for reasons, _age in waits):
        return 0.0
    if all(len(reasons) <= 1 and (not reasons or age > 0) for reasons, age in waits):
        return max(age for _reasons, age in waits)
    return float(poll_s)
