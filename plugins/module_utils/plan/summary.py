# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A readable per-tunnel summary of a plan (what plan_vc.yml prints). Lines stay under 100 columns."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


def _tunnel_lines(t: Dict[str, Any]) -> List[str]:
    bgp = t["bgp"]
    local_as = (
        "local-as %s (router %s)" % (bgp["local_as"], bgp["router_asn"]) if bgp["local_as_override"] else "router AS %s" % bgp["router_asn"]
    )
    ipsec = t["ipsec"]
    nat = " NAT-T" if ipsec["nat_t"] else ""
    return [
        "  tunnel %d -> DC-%s  on %s  interface #%s" % (t["index"], t["datacenter"], t["cpe_host"], t["tunnel_number"]),
        "    IPsec  %s -> %s, IKEv2 %s/%s/group %s%s"
        % (t["cpe"]["ipsec_ip"], t["di"]["ipsec_ip"], ipsec["ike"]["encryption"], ipsec["ike"]["prf"], ipsec["ike"]["dh_group"], nat),
        "    ACL    permit gre host %s host %s (tunnel mode)" % (t["crypto_acl"]["source"], t["crypto_acl"]["destination"]),
        "    GRE    %s -> %s, %s, keepalive %s"
        % (
            t["gre"]["source"],
            t["gre"]["destination"],
            t["cpe"]["tunnel_cidr"],
            (
                "%d/%d" % (t["gre"]["keepalive"]["interval_s"], t["gre"]["keepalive"]["retries"])
                if t["gre"]["keepalive"]["enabled"]
                else "off"
            ),
        ),
        "    BGP    %s remote-as %s, %s, %d/%d%s"
        % (
            bgp["neighbor"],
            bgp["remote_as"],
            local_as,
            bgp["timers"]["keepalive_s"],
            bgp["timers"]["hold_s"],
            ", BFD" if bgp["bfd"]["enabled"] else "",
        ),
        "    expect %s" % " ".join(t["expect_received"]),
        "    send   %s only" % " ".join(t["advertise"]),
        "    MTU    ip mtu %d, mss %d; fits up to %d (overhead %d, WAN %d)"
        % (t["mtu"]["tunnel_ip_mtu"], t["mtu"]["tcp_mss"], t["mtu"]["max_inner_mtu"], t["mtu"]["overhead_bytes"], t["mtu"]["wan_mtu"]),
    ]


def plan_table(plan: Dict[str, Any], findings: Optional[List[Dict[str, str]]] = None) -> str:
    out: List[str] = []
    for region in plan.get("regions", []):
        bw = "%s Mbps" % region["bandwidth_mbps"] if region["bandwidth_mbps"] else "bandwidth not given"
        iaas = ", IaaS %s" % region["iaas_prefix"] if region["iaas_prefix"] else ""
        out.append("region %s: %s%s, %s, %s" % (region["region"], region["di_prefix"], iaas, region["deployment"] or "incomplete", bw))
        for t in region["tunnels"]:
            out.extend(_tunnel_lines(t))
    for f in findings or []:
        out.append("%s %s: %s [%s]" % (f["severity"].upper(), f["path"], f["message"], f["code"]))
    return "\n".join(out)
