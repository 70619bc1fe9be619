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

from typing import Any, Dict, List, Sequence

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import canon_ts, ip_eq


def _routes_received(nbr: Dict[str, Any]) -> bool:
    if nbr.get("received") is not None:
        return bool(nbr["received"])
    return bool(nbr.get("prefixes_received"))


def waiting(state: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], min_ike_uptime_s: int = 0) -> List[str]:
    """What is not up yet for the plan ``tunnels`` in ``state`` (``"<key>: <what>"``); empty: settled."""
    out: List[str] = []
    for t in tunnels:
        label = t.get("key")
        ike = [x for x in state.get("ike_sas") or [] if ip_eq(x.get("remote"), t["di"]["ipsec_ip"])
               and x.get("state") == "established"]
        if not ike:
            out.append("%s: IKE SA" % label)
        elif min_ike_uptime_s and max(int(x.get("uptime_s") or 0) for x in ike) < min_ike_uptime_s:
            out.append("%s: IKE SA younger than %ss" % (label, min_ike_uptime_s))
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
    return out
