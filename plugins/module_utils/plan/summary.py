# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A readable per-tunnel table of a plan (what plan_vc.yml prints)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

COLUMNS = (
    ("region", "REGION"), ("tunnel", "TUNNEL"), ("cpe", "CPE"), ("ifnum", "IF#"), ("ipsec", "IPSEC CPE -> DI"),
    ("gre", "GRE CPE -> DI"), ("tunnel_ip", "TUNNEL IP -> NEIGHBOR"), ("asn", "AS CPE/DI"), ("local_as", "LOCAL-AS"),
    ("expect", "EXPECT RECEIVED"), ("mtu", "MTU/MSS"),
)


def _rows(plan: Dict[str, Any]) -> List[Dict[str, str]]:
    rows = []
    for region in plan.get("regions", []):
        for t in region.get("tunnels", []):
            bgp = t["bgp"]
            rows.append({
                "region": "%s (%s)" % (region["region"], region["deployment"] or "?"),
                "tunnel": "%d DC-%s" % (t["index"], t["datacenter"]),
                "cpe": t["cpe_host"],
                "ifnum": str(t["tunnel_number"]),
                "ipsec": "%s -> %s" % (t["cpe"]["ipsec_ip"], t["di"]["ipsec_ip"]),
                "gre": "%s -> %s" % (t["gre"]["source"], t["gre"]["destination"]),
                "tunnel_ip": "%s -> %s" % (t["cpe"]["tunnel_cidr"], t["di"]["tunnel_ip"]),
                "asn": "%s/%s" % (t["cpe"]["asn"], t["di"]["asn"]),
                "local_as": ("%s (router %s)" % (bgp["local_as"], bgp["router_asn"])) if bgp["local_as_override"] else "-",
                "expect": " ".join(t["expect_received"]),
                "mtu": "%d/%d (max %d)" % (t["mtu"]["tunnel_ip_mtu"], t["mtu"]["tcp_mss"], t["mtu"]["max_inner_mtu"]),
            })
    return rows


def plan_table(plan: Dict[str, Any], findings: Optional[List[Dict[str, str]]] = None) -> str:
    rows = _rows(plan)
    widths = {k: max([len(h)] + [len(r[k]) for r in rows]) for k, h in COLUMNS}
    line = "  ".join(h.ljust(widths[k]) for k, h in COLUMNS)
    out = [line, "  ".join("-" * widths[k] for k, _ in COLUMNS)]
    for r in rows:
        out.append("  ".join(r[k].ljust(widths[k]) for k, _ in COLUMNS).rstrip())
    out.append("advertised to Cisco on every tunnel: 0.0.0.0/0 only")
    for f in findings or []:
        out.append("%s %s: %s [%s]" % (f["severity"].upper(), f["path"], f["message"], f["code"]))
    return "\n".join(line.rstrip() for line in out)
