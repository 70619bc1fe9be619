# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ASN rules of Virtual Connect.

Cisco assigns both ends' ASNs from the private range 64512-65534. Each tunnel is eBGP (the two
ASNs differ). A router has one BGP process ASN: when one CPE carries tunnels whose customer-side
ASNs differ (or the router already runs BGP with the enterprise ASN), the neighbours whose ASN is
not the process ASN get ``local-as <tunnel ASN> no-prepend replace-as`` so Cisco sees exactly the
ASN it was given for that tunnel.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

PRIVATE_MIN = 64512
PRIVATE_MAX = 65534


def is_vc_private(asn: int) -> bool:
    return PRIVATE_MIN <= asn <= PRIVATE_MAX


def private_problem(asn: int) -> Optional[str]:
    if is_vc_private(asn):
        return None
    if asn == 65535:
        return "65535 is reserved"
    if 4200000000 <= asn <= 4294967294:
        return "%d is a 4-byte private ASN; Virtual Connect uses the 2-byte private range" % asn
    return "%d is not a private ASN" % asn


def check_pair(cpe_asn: int, di_asn: int) -> List[Tuple[str, str, str]]:
    """Problems of one tunnel's ASN pair as (code, which end, message)."""
    out = []
    for end, asn in (("cpe", cpe_asn), ("di", di_asn)):
        why = private_problem(asn)
        if why:
            out.append(("asn.not_private", end, "%s; Cisco assigns Virtual Connect ASNs from %d-%d" % (why, PRIVATE_MIN, PRIVATE_MAX)))
    if cpe_asn == di_asn:
        out.append(
            ("asn.ebgp_same", "cpe", "customer and Cisco ASN are both %d: the session must be eBGP, the two ASNs must differ" % cpe_asn)
        )
    return out


def router_asn(tunnel_asns: Sequence[int], configured: Optional[int]) -> int:
    """The BGP process ASN of a CPE: the existing/enterprise ASN when given, else its first tunnel's."""
    if configured is not None:
        return configured
    return tunnel_asns[0]


def neighbour_as(router: int, tunnel_asn: int, di_asn: int) -> Dict[str, object]:
    """local-as decision for one neighbour on a router running ``router`` as its process ASN."""
    return {
        "router_asn": router,
        "local_as": tunnel_asn,
        "local_as_override": tunnel_asn != router,
        "remote_as": di_asn,
        "ibgp": di_asn == router,
    }


def asn_findings(cpe_asn, di_asn, enterprise_asn=None) -> List[Dict[str, str]]:
    """Findings for one tunnel's ASNs (and an optional enterprise ASN), for the vc_asn_check filter."""
    from .model import as_int

    out: List[Dict[str, str]] = []
    values = {}
    for end, raw in (("cpe", cpe_asn), ("di", di_asn)):
        number = as_int(raw)
        if number is None:
            out.append(
                {"severity": "error", "code": "asn.invalid", "path": "%s.asn" % end, "message": "ASN must be an integer, got %r" % (raw,)}
            )
        values[end] = number
    if values["cpe"] is not None and values["di"] is not None:
        for code, end, msg in check_pair(values["cpe"], values["di"]):
            out.append({"severity": "error", "code": code, "path": "%s.asn" % end, "message": msg})
    if enterprise_asn is not None:
        ent = as_int(enterprise_asn)
        if ent is None or not 1 <= ent <= 4294967294:
            out.append(
                {
                    "severity": "error",
                    "code": "asn.enterprise_invalid",
                    "path": "enterprise_asn",
                    "message": "enterprise ASN must be 1-4294967294, got %r" % (enterprise_asn,),
                }
            )
        elif values["di"] is not None and ent == values["di"]:
            out.append(
                {
                    "severity": "error",
                    "code": "asn.enterprise_collision",
                    "path": "di.asn",
                    "message": "Cisco ASN %d equals the enterprise ASN: the session would be iBGP" % ent,
                }
            )
        elif values["cpe"] is not None and ent != values["cpe"]:
            out.append(
                {
                    "severity": "info",
                    "code": "asn.local_as",
                    "path": "cpe.asn",
                    "message": "the router runs AS %d; this neighbour needs 'local-as %d no-prepend replace-as'" % (ent, values["cpe"]),
                }
            )
    return out
