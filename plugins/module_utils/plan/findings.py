# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: what the plan core says about an input, as data.

A finding is ``{severity, code, path, message}``. ``code`` is stable (tests, docs and users' CI
filters rely on it); ``path`` names the field in the input (``regions[0].tunnels[1].di.asn``);
``message`` says what is wrong in a network engineer's words and, where it can, the fix.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

ERROR = "error"
WARNING = "warning"

# code -> (severity, rule in one line). The single source for docs/findings.md and the tests.
RULES: Dict[str, Tuple[str, str]] = {
    # structure
    "input.type": (ERROR, "a field has the wrong type (list, mapping, string, integer)"),
    "input.missing": (ERROR, "a required field is missing"),
    "input.unknown": (ERROR, "a field is not part of the input model (often a typo)"),
    "input.empty": (ERROR, "the region list is empty"),
    "region.label": (ERROR, "region labels are 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"),
    "region.duplicate": (ERROR, "region labels must be unique"),
    "region.name_collision": (ERROR, "region labels on one CPE must differ after normalisation (case, punctuation): they name device objects"),
    "region.tunnel_count": (ERROR, "a region has exactly two tunnels: one to DC-A and one to DC-B"),
    "region.datacenter": (ERROR, "each tunnel names its data centre: A or B"),
    "region.datacenter_duplicate": (ERROR, "exactly one tunnel per data centre"),
    # prefixes
    "prefix.invalid": (ERROR, "not an IPv4 prefix"),
    "prefix.host_bits": (ERROR, "a network prefix must not have host bits set"),
    "prefix.not_24": (ERROR, "Cisco assigns the Dedicated Instance (and IaaS) network as one /24"),
    "prefix.same_as_di": (ERROR, "the IaaS /24 must differ from the Dedicated Instance /24"),
    "prefix.region_overlap": (ERROR, "no two regions may share a /24"),
    "prefix.customer_overlap": (ERROR, "a Cisco /24 must not overlap a customer LAN prefix"),
    # addresses
    "address.invalid": (ERROR, "not an IPv4 address"),
    "address.not_unicast": (ERROR, "the address is not a usable unicast address"),
    "address.private_di": (WARNING, "Cisco's IPsec/GRE endpoints are public addresses"),
    "address.inside_cisco_prefix": (ERROR, "a transport address inside a /24 learned over the tunnel causes recursive routing"),
    "address.di_same_device": (ERROR, "Cisco terminates IPsec and GRE on different devices, so their IPs differ"),
    "address.dc_shared": (ERROR, "DC-A and DC-B are different devices with different addresses"),
    "address.cpe_shared_dual": (WARNING, "two CPEs with the same public IPsec address"),
    "address.nat_t": (WARNING, "a private CPE IPsec address means NAT in the path: NAT-T (UDP 4500) is assumed"),
    # tunnel addressing
    "tunnel.prefixlen_missing": (ERROR, "the CPE tunnel IP carries its prefix length (e.g. 100.64.0.1/30)"),
    "tunnel.prefixlen": (ERROR, "a tunnel transit subnet is a /30 or /31 (a /32 has no peer)"),
    "tunnel.prefixlen_wide": (WARNING, "Cisco assigns /30 or /31 tunnel subnets"),
    "tunnel.reserved_address": (ERROR, "a /30 (or wider) host address cannot be the network or broadcast address"),
    "tunnel.same_ip": (ERROR, "the CPE and Cisco tunnel IPs must differ"),
    "tunnel.different_subnet": (ERROR, "both tunnel ends are in one subnet"),
    "tunnel.overlap": (ERROR, "tunnel subnets must not overlap each other"),
    "tunnel.overlap_other_cpe": (WARNING, "tunnel subnets of tunnels on different CPEs overlap"),
    "tunnel.overlap_cisco_prefix": (ERROR, "a tunnel subnet must not overlap the Dedicated Instance or IaaS /24"),
    "tunnel.overlap_customer": (ERROR, "a tunnel subnet must not overlap a customer LAN prefix"),
    "tunnel.not_shared_space": (WARNING, "Cisco assigns tunnel subnets from the shared address space 100.64.0.0/10"),
    "tunnel.number": (ERROR, "tunnel interface numbers are integers 0-2147483647"),
    "tunnel.number_duplicate": (ERROR, "tunnel interface numbers are unique per CPE"),
    "tunnel.number_order": (WARNING, "derived tunnel numbers depend on region order"),
    "cpe.duplicate_peer": (ERROR, "one CPE cannot have two tunnels to the same Cisco IPsec peer"),
    "cpe.duplicate_gre": (ERROR, "one CPE cannot have two GRE tunnels with the same source and destination"),
    "cpe.unknown_host": (ERROR, "the CPE host is not in the inventory"),
    "cpe.wan_interface": (WARNING, "the CPE has no vc_wan_interface: needed to apply"),
    "cpe.setting": (ERROR, "a per-CPE setting is invalid"),
    "platform.unknown": (ERROR, "ansible_network_os is set to a platform of the collection (see docs/platforms.md)"),
    # ASN
    "asn.invalid": (ERROR, "an ASN is an integer"),
    "asn.not_private": (ERROR, "Cisco assigns Virtual Connect ASNs from the private range 64512-65534"),
    "asn.ebgp_same": (ERROR, "customer and Cisco ASN on one tunnel must differ (eBGP)"),
    "asn.ibgp_router": (ERROR, "a Cisco ASN equal to the router's BGP ASN makes the session iBGP"),
    "asn.enterprise_collision": (ERROR, "the customer enterprise ASN must not equal a Cisco ASN"),
    "asn.enterprise_invalid": (ERROR, "the enterprise ASN is 1-4294967294"),
    # bandwidth
    "bandwidth.invalid": (ERROR, "bandwidth_mbps is a positive integer"),
    "bandwidth.exceeds": (ERROR, "both tunnels together must fit in one tunnel (250 Mbps) for failover"),
    "bandwidth.headroom": (WARNING, "less than 10% headroom under the 250 Mbps a single tunnel carries in failover"),
    "bandwidth.unknown": (WARNING, "no bandwidth given: the 250 Mbps failover budget cannot be checked"),
    "bandwidth.wan": (ERROR, "the regions on a CPE need more than its WAN bandwidth"),
    # secrets
    "secret.missing": (ERROR, "each tunnel has a pre-shared key"),
    "secret.format": (ERROR, "secrets are single-line strings without leading or trailing spaces"),
    "secret.weak": (WARNING, "a pre-shared key shorter than 16 characters is weak"),
    "secret.cli_char": (WARNING, "'?' in a secret is taken as CLI help by IOS-XE"),
    # crypto / ipsec
    "crypto.suite": (ERROR, "unknown crypto suite"),
    "crypto.ike_version": (ERROR, "Virtual Connect uses IKEv2 only"),
    "crypto.mode": (ERROR, "IPsec must run in tunnel mode: Cisco's IPsec peer is not its GRE endpoint"),
    "crypto.algorithm": (ERROR, "unsupported encryption/integrity/PRF algorithm"),
    "crypto.gcm_integrity": (WARNING, "with GCM the cipher authenticates: integrity is NULL"),
    "crypto.integrity_missing": (ERROR, "a CBC cipher needs an integrity algorithm"),
    "crypto.dh_group": (ERROR, "Diffie-Hellman group not allowed (weak or unsupported)"),
    "crypto.no_pfs": (WARNING, "no PFS group: it must match the Cisco side exactly"),
    "crypto.lifetime": (ERROR, "lifetime out of range"),
    "crypto.initiate": (ERROR, "the CPE must be able to initiate IKEv2"),
    "dpd.range": (ERROR, "DPD interval is 10-3600 s and retry 2-60 s"),
    "dpd.mode": (ERROR, "DPD mode is periodic or on-demand"),
    # bgp
    "bgp.timers": (ERROR, "BGP hold time is 3-65535 s (0 disables failure detection) and keepalive below hold"),
    "bgp.slow_failover": (WARNING, "a hold time above 90 s means minutes of outage on a tunnel failure"),
    "bgp.keepalive_ratio": (WARNING, "keepalive is usually a third of the hold time"),
    "bgp.bfd": (ERROR, "BFD interval is 50-60000 ms and multiplier 2-255"),
    "bgp.router_id": (ERROR, "the BGP router id is an IPv4 address"),
    # mtu
    "mtu.range": (ERROR, "MTU/MSS value out of range"),
    "mtu.mss_not_documented": (WARNING, "Cisco documents 'ip tcp adjust-mss 1350'"),
    "mtu.mss_exceeds_mtu": (WARNING, "TCP MSS must be at most the tunnel IP MTU minus 40"),
    "mtu.fragment": (WARNING, "the tunnel IP MTU exceeds what fits in one packet after GRE and ESP: packets fragment"),
    "mtu.mss_fragment": (WARNING, "MSS 1350 segments do not fit after GRE and ESP: they fragment"),
    # gre
    "gre.keepalive_off": (WARNING, "Cisco enables GRE keepalives by default: tell Cisco if the CPE cannot send them"),
    "gre.keepalive_range": (ERROR, "GRE keepalive interval is 1-32767 s and retries 1-255"),
    "option.invalid": (ERROR, "an option has an invalid value"),
    # customer-side HA (plan/ha.py, docs/ha.md)
    "redistribution.protocol": (ERROR, "redistribution into the customer network is protocol ospf or bgp"),
    "redistribution.field": (ERROR, "a redistribution field applies only to the protocol it belongs to"),
    "redistribution.value": (ERROR, "a redistribution value (tag, OSPF process, metric, metric type, flag) is out of range"),
    "redistribution.neighbor": (ERROR, "iBGP core neighbours are 1-8 distinct customer unicast addresses, none of them a VC address"),
    "redistribution.default_requires": (ERROR, "default_requires is 1-8 distinct customer unicast IPv4 prefixes, none of them 0.0.0.0/0"),
    "redistribution.default_requires_overlap": (ERROR, "a default_requires prefix overlaps a DI/IaaS prefix or a tunnel transit subnet"),
    "redistribution.ibgp_asn": (WARNING, "iBGP to the core runs in the Cisco-assigned customer ASN unless vc_bgp_asn is set"),
    "split.field": (ERROR, "ipsec_inside_ip belongs to a split tunnel (one with ipsec_host)"),
    "split.same_host": (WARNING, "ipsec_host equal to the GRE/BGP router is not a split: omit it"),
    "split.inside_ip": (ERROR, "a split tunnel names the IPsec device's inside address (ipsec_inside_ip), a unicast address"),
    "split.same_address": (ERROR, "on split devices the GRE transport IP and the IPsec IP belong to different devices"),
    "split.duplicate_peer": (ERROR, "one IPsec device has one tunnel per Cisco IPsec peer"),
    "split.sequence": (ERROR, "tunnel numbers are the crypto map sequences of the IPsec device: unique on it"),
}


class Finding(object):
    __slots__ = ("severity", "code", "path", "message")

    def __init__(self, severity: str, code: str, path: str, message: str) -> None:
        self.severity = severity
        self.code = code
        self.path = path
        self.message = message

    def as_dict(self) -> Dict[str, str]:
        return {"severity": self.severity, "code": self.code, "path": self.path, "message": self.message}

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "Finding(%s %s %s: %s)" % (self.severity, self.code, self.path, self.message)


class Findings(object):
    """An ordered collection of findings. Severity comes from RULES unless overridden."""

    def __init__(self) -> None:
        self.items: List[Finding] = []

    def add(self, code: str, path: str, message: str, severity: Optional[str] = None) -> None:
        sev = severity or RULES[code][0]
        self.items.append(Finding(sev, code, path, message))

    @property
    def errors(self) -> List[Finding]:
        return [f for f in self.items if f.severity == ERROR]

    @property
    def warnings(self) -> List[Finding]:
        return [f for f in self.items if f.severity == WARNING]

    def as_list(self) -> List[Dict[str, str]]:
        return [f.as_dict() for f in self.items]

    def __len__(self) -> int:
        return len(self.items)


def format_findings(findings: List[Dict[str, str]], severity: Optional[str] = None) -> str:
    """One line per finding: ``ERROR regions[0].di_prefix: ... [prefix.not_24]``."""
    lines = []
    for f in findings:
        if severity and f["severity"] != severity:
            continue
        lines.append("%s %s: %s [%s]" % (f["severity"].upper(), f["path"], f["message"], f["code"]))
    return "\n".join(lines)
