#!/usr/bin/env python
"""Generate the embedded lab from a lab inventory: topology, addressing and the modelled Cisco side.

This is deliberately the lab's OWN small model of what Cisco runs for Virtual Connect (IPsec headend +
GRE/BGP router per data centre). It does not import the collection's plan core: the lab must be able to
prove the collection wrong.

    labgen.py INVENTORY_DIR OUT_DIR

reads   INVENTORY_DIR/group_vars/all/vc.yml   (vc_regions: the same truth the collection reads)
        INVENTORY_DIR/group_vars/all/lab.yml  (lab_* topology choices; connection vars are ignored here)
        INVENTORY_DIR/host_vars/<cpe>/lab.yml (lab_mgmt_cidr, lab_lan_cidr, vc_wan_interface, vc_redistribution)
writes  OUT_DIR/spec.json      everything the drills need (names, addresses, interfaces)
        OUT_DIR/build.sh       ordered calls of the primitives in guest/labctl.sh
        OUT_DIR/lab.env        shell variables for the drills
        OUT_DIR/<ns>/swanctl.conf, OUT_DIR/<ns>/frr.conf   (headends, DC routers, the customer core router)

The customer side: the LAN host sits behind a customer core router (namespace ``core``, its own FRR: zebra +
ospfd) whose bridge ``br0`` is the LAN segment of the CPEs' lan0. The core runs OSPF with the CPEs; each bare CPE
comes with the customer's existing OSPF (ospfd on, ``router ospf`` + its LAN network: the operator's, not ours),
so the DC prefixes reach the core only through the collection's redistribution (the core has no static route and
no default route). What the core must then hold is the lab's own expectation (``spec["redistribution"]``).
"""
from __future__ import annotations

import ipaddress
import json
import os
import shlex
import sys
from pathlib import Path

import yaml

DC_NS = {"A": "dca", "B": "dcb"}
CORE_NS = "core"


class LabError(Exception):
    pass


def _load(path: Path) -> dict:
    if not path.exists():
        return {}
    with path.open() as f:
        return yaml.safe_load(f) or {}


def _other_host(ip: str, prefixlen: int) -> tuple[str, str]:
    """(network/len, the other usable address) of the point-to-point subnet holding ip."""
    net = ipaddress.ip_network(f"{ip}/{prefixlen}", strict=False)
    hosts = [str(h) for h in net.hosts() if str(h) != ip]
    if not hosts:
        raise LabError(f"{ip}/{prefixlen} leaves no address for the internet router")
    return str(net), hosts[0]


def _split(prefix: str) -> dict[str, str]:
    """Cisco's /24 split: DC-A the lower /25, DC-B the upper."""
    net = ipaddress.ip_network(prefix)
    if net.prefixlen != 24:
        raise LabError(f"{prefix}: the lab models an aligned /24")
    low, high = net.subnets(new_prefix=25)
    return {"A": str(low), "B": str(high)}


def _nth(prefix: str, n: int) -> str:
    return str(ipaddress.ip_network(prefix)[n])


def _underlay(pool: str, idx: int) -> tuple[str, str]:
    net = list(ipaddress.ip_network(pool).subnets(new_prefix=30))[idx]
    return str(net[1]), str(net[2])


def _inside_links(tunnels: list, prefixlen: int) -> list:
    """The inside link of each split tunnel (docs/ha.md section 2): the GRE router's cpe.gre_ip and the IPsec
    device's cpe.ipsec_inside_ip in one subnet of ``prefixlen`` (lab_inside_prefixlen). The customer's OSPF runs on
    it (the lab's pre-configuration of both devices, not the collection's); one link per device pair."""
    links: list = []
    for t in tunnels:
        cpe = t["cpe"]
        if not cpe.get("ipsec_host"):
            continue
        gre, vpn = cpe["host"], cpe["ipsec_host"]
        if not cpe.get("ipsec_inside_ip"):
            raise LabError(f"tunnel {t['datacenter']}: a split tunnel needs cpe.ipsec_inside_ip")
        net = ipaddress.ip_network(f"{cpe['gre_ip']}/{prefixlen}", strict=False)
        if ipaddress.ip_address(cpe["ipsec_inside_ip"]) not in net or cpe["ipsec_inside_ip"] == cpe["gre_ip"]:
            raise LabError(f"tunnel {t['datacenter']}: cpe.gre_ip {cpe['gre_ip']} and cpe.ipsec_inside_ip "
                           f"{cpe['ipsec_inside_ip']} are not two addresses of one /{prefixlen} (lab_inside_prefixlen)")
        if any(lk["peer"].get(gre) == vpn for lk in links):
            continue
        links.append({"net": str(net), "peer": {gre: vpn, vpn: gre}, "switch": f"insw{len(links) + 1}",
                      "if": {gre: f"in-{vpn}"[:15], vpn: f"in-{gre}"[:15]},
                      "addr": {gre: f"{cpe['gre_ip']}/{prefixlen}", vpn: f"{cpe['ipsec_inside_ip']}/{prefixlen}"}})
    return links


def load_inventory(inv: Path) -> dict:
    gv = _load(inv / "group_vars" / "all" / "vc.yml")
    lab = _load(inv / "group_vars" / "all" / "lab.yml")
    hosts_yml = _load(inv / "hosts.yml")
    regions = gv.get("vc_regions")
    if not regions:
        raise LabError(f"{inv}: no vc_regions")
    cpe_names = sorted((((hosts_yml.get("all") or {}).get("children") or {}).get("vc_cpes") or {}).get("hosts") or {})
    hostvars = {h: _load(inv / "host_vars" / h / "lab.yml") for h in cpe_names}
    return {"regions": regions, "lab": lab, "hostvars": hostvars, "cpes": cpe_names, "rri": gv.get("vc_rri") or {}}


def build_spec(data: dict) -> dict:
    regions, lab, hostvars = data["regions"], data["lab"], data["hostvars"]
    if len(regions) != 1:
        raise LabError("the lab models exactly one region (one DC-A and one DC-B)")
    region = regions[0]
    tunnels = region["tunnels"]
    if sorted(t["datacenter"] for t in tunnels) != ["A", "B"]:
        raise LabError("the region needs exactly one tunnel to datacenter A and one to B")
    tunnels = sorted(tunnels, key=lambda t: t["datacenter"])
    wan_len = int(lab.get("lab_wan_prefixlen", 30))
    cisco = dict(lab.get("lab_cisco") or {})
    host_off = int(lab.get("lab_dc_host_offset", 10))
    di_split = _split(region["di_prefix"])
    iaas = region.get("iaas_prefix")
    iaas_split = _split(iaas) if iaas else None
    dci_net = ipaddress.ip_network(lab.get("lab_dci", "100.64.255.0/30"))
    dci = {"A": str(dci_net[1]), "B": str(dci_net[2])}
    lan_host = lab.get("lab_lan_host", "10.10.20.10/24")

    spec: dict = {"region": region["region"], "di_prefix": region["di_prefix"], "iaas_prefix": iaas,
                  "lan_host": lan_host, "cpes": {}, "dcs": {}, "tunnels": [], "inet": {"links": []}}

    # ---- CPEs (bare routers: the collection configures everything VC on them). A split tunnel (cpe.ipsec_host,
    # docs/ha.md section 2) has two: the GRE/BGP router (cpe.host, its GRE source cpe.gre_ip on the inside link)
    # and the IPsec device (cpe.ipsec_host: the public cpe.ipsec_ip, cpe.ipsec_inside_ip on the inside link).
    cpe_order = []
    for t in tunnels:
        for h in (t["cpe"]["host"], t["cpe"].get("ipsec_host")):
            if h and h not in cpe_order:
                cpe_order.append(h)
    for h in cpe_order:
        if h not in hostvars or not hostvars[h]:
            raise LabError(f"{h}: host_vars/{h}/lab.yml missing (lab_mgmt_cidr, lab_lan_cidr, vc_wan_interface)")
    inside = _inside_links(tunnels, int(lab.get("lab_inside_prefixlen", 30)))
    for i, h in enumerate(cpe_order):
        hv = hostvars[h]
        ips = {t["cpe"]["ipsec_ip"] for t in tunnels if (t["cpe"].get("ipsec_host") or t["cpe"]["host"]) == h}
        inside_ips = {lk["addr"][h].split("/")[0] for lk in inside if h in lk["addr"]}
        gres = {t["cpe"]["gre_ip"] for t in tunnels if t["cpe"]["host"] == h}
        if len(ips) > 1:
            raise LabError(f"{h}: one public IPsec address per CPE in the lab, got {sorted(ips)}")
        if not ips:
            raise LabError(f"{h}: the lab models a GRE router that also terminates IPsec (a WAN), or an IPsec device")
        ipsec_ip = ips.pop()
        net, inet_ip = _other_host(ipsec_ip, wan_len)
        mgmt = ipaddress.ip_interface(hv["lab_mgmt_cidr"])
        mgmt_peer = [str(a) for a in mgmt.network.hosts() if a != mgmt.ip][0]
        spec["cpes"][h] = {
            "ns": h, "index": i + 1, "wan_if": hv.get("vc_wan_interface", "wan0"),
            "wan_cidr": f"{ipsec_ip}/{wan_len}", "wan_gw": inet_ip, "ipsec_ip": ipsec_ip,
            "extra_gre_ips": sorted(g for g in gres if g != ipsec_ip and g not in inside_ips),
            "lan_cidr": hv.get("lab_lan_cidr"), "mgmt_cidr": str(mgmt), "mgmt_ip": str(mgmt.ip),
            "mgmt_peer_cidr": f"{mgmt_peer}/{mgmt.network.prefixlen}", "inet_if": f"to-{h}",
            "inside": [{"if": lk["if"][h], "cidr": lk["addr"][h], "net": lk["net"], "peer": lk["peer"][h]}
                       for lk in inside if h in lk["addr"]],
        }
        spec["inet"]["links"].append({"if": f"to-{h}", "cidr": f"{inet_ip}/{wan_len}", "net": net, "peer": h})
    spec["inside_links"] = inside

    # ---- data centres (Cisco side)
    for i, t in enumerate(tunnels):
        dc = t["datacenter"]
        ns = DC_NS[dc]
        other = "B" if dc == "A" else "A"
        di, cpe = t["di"], t["cpe"]
        net, inet_ip = _other_host(di["ipsec_ip"], wan_len)
        ul_vpn, ul_rtr = _underlay(lab.get("lab_dc_underlay", "10.255.0.0/24"), i)
        cpe_tun = ipaddress.ip_interface(cpe["tunnel_ip"])
        if ipaddress.ip_address(di["tunnel_ip"]) not in cpe_tun.network:
            raise LabError(f"tunnel {dc}: {di['tunnel_ip']} is not in {cpe_tun.network}")
        announce = [di_split[dc], region["di_prefix"]]
        if iaas_split:
            announce += [iaas_split[dc], iaas]
        static_other = [di_split[other]] + ([iaas_split[other]] if iaas_split else [])
        host_ips = [_nth(di_split[dc], host_off)] + ([_nth(iaas_split[dc], host_off)] if iaas_split else [])
        rtr_ips = [_nth(di_split[dc], 1)] + ([_nth(iaas_split[dc], 1)] if iaas_split else [])
        key = f"{region['region']}-{dc}"
        tun = {
            "key": key, "index": i + 1, "datacenter": dc, "cpe_host": cpe["host"],
            "ipsec_host": cpe.get("ipsec_host") or cpe["host"], "ipsec_inside_ip": cpe.get("ipsec_inside_ip"),
            # the tag the IPsec device's RRI route must carry into the inside OSPF (vc_rri.tag, else the GRE router's ASN)
            "rri_tag": int((data.get("rri") or {}).get("tag", cpe["asn"])) if cpe.get("ipsec_host") else None,
            "cpe_ipsec_ip": cpe["ipsec_ip"], "cpe_gre_ip": cpe["gre_ip"], "cpe_tunnel_ip": str(cpe_tun.ip),
            "cpe_asn": int(cpe["asn"]), "di_ipsec_ip": di["ipsec_ip"], "di_gre_ip": di["gre_ip"],
            "di_tunnel_cidr": f"{di['tunnel_ip']}/{cpe_tun.network.prefixlen}", "di_tunnel_ip": di["tunnel_ip"],
            "di_asn": int(di["asn"]), "dc_prefix": di_split[dc], "expect_received": sorted(announce),
            "dc_host": host_ips[0], "dc_host_ips": host_ips, "gre_if": f"gre{i + 1}",
            "inet_if": f"to-{ns}",
        }
        spec["tunnels"].append(tun)
        spec["dcs"][dc] = {
            "vpn_ns": f"{ns}-vpn", "rtr_ns": f"{ns}-rtr", "host_ns": f"{ns}-host",
            "vpn_out_cidr": f"{di['ipsec_ip']}/{wan_len}", "vpn_gw": inet_ip,
            "underlay_vpn": ul_vpn, "underlay_rtr": ul_rtr, "gre_ip": di["gre_ip"],
            "rtr_host_cidrs": [f"{a}/25" for a in rtr_ips], "host_cidrs": [f"{a}/25" for a in host_ips],
            "host_gw": rtr_ips[0], "dci_ip": dci[dc], "dci_peer": dci[other],
            "dci_cidr": f"{dci[dc]}/{dci_net.prefixlen}", "announce": announce, "static_other": static_other,
            "asn": int(di["asn"]), "tunnel": key,
        }
        spec["inet"]["links"].append({"if": f"to-{ns}", "cidr": f"{inet_ip}/{wan_len}", "net": net, "peer": f"{ns}-vpn"})
    spec["core"] = _core_spec(lab, spec, lan_host)
    spec["redistribution"] = _redistribution_spec(spec, hostvars)
    spec["cisco"] = {
        "ike_proposals": cisco.get("ike_proposals", "aes256gcm16-prfsha384-ecp384"),
        "esp_proposals": cisco.get("esp_proposals", "aes256gcm16-ecp384"),
        "dpd_delay_s": int(cisco.get("dpd_delay_s", 10)),
        "bfd": bool(cisco.get("bfd", False)),
        "bfd_interval_ms": int(cisco.get("bfd_interval_ms", 300)),
        "bfd_multiplier": int(cisco.get("bfd_multiplier", 3)),
        # the headend initiates IKEv2 when its GRE router's traffic needs the tunnel (crypto map behaviour);
        # the article: the DI side "may not always" initiate, so the lab can also be a pure responder
        "initiate": _flag(os.environ.get("LAB_CISCO_INITIATE"), cisco.get("initiate", True)),
    }
    return spec


def _core_spec(lab: dict, spec: dict, lan_host: str) -> dict:
    """The customer core router: the CPEs' LAN segment (a bridge, the LAN switch) on one side, the LAN host's
    subnet on the other; OSPF area 0 on both (the host side passive). No static or default route."""
    seg = ipaddress.ip_interface(lab.get("lab_core_cidr", "10.10.10.253/24"))
    host = ipaddress.ip_interface(lan_host)
    if host.network.overlaps(seg.network):
        raise LabError(f"lab_lan_host {lan_host} must sit behind the core, not on the CPE LAN segment {seg.network}")
    host_gw = next(a for a in host.network.hosts() if a != host.ip)
    for name, c in spec["cpes"].items():
        nets = [lk["net"] for lk in c["inside"]]
        if not c["lan_cidr"]:
            # an IPsec device of a split tunnel sits on the inside link only (no LAN port on the core's segment)
            if not nets:
                raise LabError(f"{name}: lab_lan_cidr missing (only a split tunnel's IPsec device has no LAN)")
            c["igp"] = {"protocol": "ospf", "networks": nets, "router_id": c["inside"][0]["cidr"].split("/")[0]}
            continue
        lan = ipaddress.ip_interface(c["lan_cidr"])
        if lan.network != seg.network or lan.ip == seg.ip:
            raise LabError(f"{name}: lab_lan_cidr {c['lan_cidr']} is not a free address of the core's segment {seg.network}")
        # the customer's existing IGP on the CPE: OSPF on its LAN network (the operator's config, not ours) and on
        # the inside link to a split tunnel's IPsec device (which learns the RRI route over it)
        c["igp"] = {"protocol": "ospf", "networks": [str(lan.network)] + nets, "router_id": str(lan.ip)}
    return {"ns": CORE_NS, "seg_cidr": str(seg), "seg_ip": str(seg.ip), "seg_net": str(seg.network),
            "host_cidr": f"{host_gw}/{host.network.prefixlen}", "host_gw": str(host_gw), "host_net": str(host.network),
            "router_id": str(seg.ip), "area": str(lab.get("lab_core_ospf_area", "0.0.0.0"))}


def _redistribution_spec(spec: dict, hostvars: dict) -> dict:
    """What the core must learn from each CPE that hands over (vc_redistribution, protocol ospf): exactly the DI
    (and IaaS, unless include_iaas is false) prefixes the CPE learns from Cisco, the lab's own model of them
    (the union of its tunnels' expect_received), as OSPF externals of the planned metric type and tag (default:
    the CPE's BGP ASN), next hop the CPE's LAN address. 0.0.0.0/0 and anything else are never expected."""
    iaas = {spec["iaas_prefix"]} if spec.get("iaas_prefix") else set()
    if iaas:
        iaas |= {str(n) for n in ipaddress.ip_network(spec["iaas_prefix"]).subnets(new_prefix=25)}
    out = {}
    for name, c in spec["cpes"].items():
        red = (hostvars.get(name) or {}).get("vc_redistribution")
        if not red:
            continue
        if red.get("protocol") != "ospf":
            raise LabError(f"{name}: the lab's core runs OSPF; vc_redistribution.protocol {red.get('protocol')!r}")
        tuns = [t for t in spec["tunnels"] if t["cpe_host"] == name]
        asns = {t["cpe_asn"] for t in tuns}
        prefixes = {p for t in tuns for p in t["expect_received"]}
        if red.get("include_iaas", True) is False:
            prefixes -= iaas
        out[name] = {"prefixes": sorted(prefixes, key=ipaddress.ip_network),
                     "tag": int(red.get("tag", min(asns))), "metric": int(red.get("metric", 20)),
                     "metric_type": int(red.get("metric_type", 2)),
                     "next_hop": str(ipaddress.ip_interface(c["lan_cidr"]).ip)}
    return out


def frr_core(spec: dict) -> str:
    """The customer core router: OSPF with the CPEs on their LAN segment, the LAN host's subnet advertised.
    Deliberately nothing else: the DC prefixes can only come from the CPEs' redistribution."""
    core = spec["core"]
    return "\n".join([
        "! customer core router (lab, generated by tests/lab/labgen.py): OSPF with the CPEs, no static routes",
        f"hostname {core['ns']}",
        "log file /run/lab/logs/frr-" + core["ns"] + ".log informational",
        "router ospf",
        f" ospf router-id {core['router_id']}",
        " passive-interface host0",
        f" network {core['seg_net']} area {core['area']}",
        f" network {core['host_net']} area {core['area']}",
        "exit",
    ]) + "\n"


def _flag(env: str | None, default) -> bool:
    if env is None or env == "":
        return bool(default)
    return env.strip().lower() in ("1", "true", "yes", "on")


def swanctl_headend(tun: dict, psk: str, cisco: dict) -> str:
    """The Cisco IPsec headend of one tunnel: responder, IKEv2 PSK, tunnel mode, GRE-only selectors, DPD."""
    k = tun["key"]
    if cisco.get("initiate", True):
        start = ("        # like a crypto map: GRE that matches while no SA exists triggers IKE (the DI side initiates)\n"
                 "        start_action = trap")
    else:
        start = ("        # responder only (the DI side never initiates); clear GRE is still dropped (headend_guard)\n"
                 "        start_action = none")
    return f"""# {k}: modelled Cisco IPsec headend (lab, generated by tests/lab/labgen.py)
connections {{
  {k} {{
    version = 2
    local_addrs = {tun['di_ipsec_ip']}
    remote_addrs = {tun['cpe_ipsec_ip']}
    proposals = {cisco['ike_proposals']}
    dpd_delay = {cisco['dpd_delay_s']}s
    mobike = no
    local {{
      auth = psk
      id = {tun['di_ipsec_ip']}
    }}
    remote {{
      auth = psk
      id = {tun['cpe_ipsec_ip']}
    }}
    children {{
      {k}-gre {{
        mode = tunnel
        # the headend protects GRE between its GRE router (not itself) and the CPE's GRE source
        local_ts = {tun['di_gre_ip']}/32[gre]
        remote_ts = {tun['cpe_gre_ip']}/32[gre]
        esp_proposals = {cisco['esp_proposals']}
{start}
        dpd_action = clear
      }}
    }}
  }}
}}
secrets {{
  ike-{k} {{
    id-a = {tun['di_ipsec_ip']}
    id-b = {tun['cpe_ipsec_ip']}
    secret = "{psk}"
  }}
}}
"""


def frr_dc_router(dc: dict, tun: dict, password: str | None, cisco: dict, di_prefix: str, iaas: str | None) -> str:
    """The Cisco GRE/BGP router of one data centre: announces its /25 + the /24 (+ IaaS), accepts only 0/0."""
    nbr = tun["cpe_tunnel_ip"]
    lines = [
        "! modelled Cisco GRE/BGP router (lab, generated by tests/lab/labgen.py)",
        f"hostname {dc['rtr_ns']}",
        "log file /run/lab/logs/frr-" + dc["rtr_ns"] + ".log informational",
        f"ip route {di_prefix} Null0",
    ]
    if iaas:
        lines.append(f"ip route {iaas} Null0")
    for p in dc["static_other"]:
        lines.append(f"ip route {p} {dc['dci_peer']}")
    lines.append("! floating default over the DCI: only when the customer's BGP default is gone")
    lines.append(f"ip route 0.0.0.0/0 {dc['dci_peer']} 250")
    for i, p in enumerate(dc["announce"]):
        lines.append(f"ip prefix-list VC-TO-CUST seq {5 * (i + 1)} permit {p}")
    lines += [
        "ip prefix-list VC-FROM-CUST seq 5 permit 0.0.0.0/0",
        "route-map VC-TO-CUST permit 10",
        " match ip address prefix-list VC-TO-CUST",
        "exit",
        "route-map VC-FROM-CUST permit 10",
        " match ip address prefix-list VC-FROM-CUST",
        "exit",
    ]
    if cisco["bfd"]:
        lines += ["bfd", " profile vc", f"  detect-multiplier {cisco['bfd_multiplier']}",
                  f"  receive-interval {cisco['bfd_interval_ms']}", f"  transmit-interval {cisco['bfd_interval_ms']}",
                  " exit", "exit"]
    lines += [
        f"router bgp {dc['asn']}",
        f" bgp router-id {dc['gre_ip']}",
        " bgp log-neighbor-changes",
        f" neighbor {nbr} remote-as {tun['cpe_asn']}",
        f" neighbor {nbr} description {tun['key']} customer CPE {tun['cpe_host']}",
    ]
    if password:
        lines.append(f" neighbor {nbr} password {password}")
    if cisco["bfd"]:
        lines.append(f" neighbor {nbr} bfd profile vc")
    lines.append(" address-family ipv4 unicast")
    for p in dc["announce"]:
        lines.append(f"  network {p}")
    lines += [
        f"  neighbor {nbr} soft-reconfiguration inbound",
        f"  neighbor {nbr} route-map VC-FROM-CUST in",
        f"  neighbor {nbr} route-map VC-TO-CUST out",
        " exit-address-family",
        "exit",
    ]
    return "\n".join(lines) + "\n"


def build_script(spec: dict) -> str:
    """Ordered primitive calls (functions of guest/labctl.sh)."""
    q = shlex.quote
    out = ["# generated by tests/lab/labgen.py: ordered lab primitives (see guest/labctl.sh)"]
    dcs, cpes = spec["dcs"], spec["cpes"]
    inet_cidr = {link["if"]: link["cidr"] for link in spec["inet"]["links"]}
    core = spec["core"]
    nss = ["lan", core["ns"], "inet"] + [c["ns"] for c in cpes.values()] + [lk["switch"] for lk in spec["inside_links"]]
    for dc in dcs.values():
        nss += [dc["vpn_ns"], dc["rtr_ns"], dc["host_ns"]]
    out.append("ns_create " + " ".join(nss))
    # the LAN host behind the customer core router; the core's br0 is the CPEs' LAN segment (one port per CPE)
    out.append(f"veth {core['ns']} host0 lan eth0")
    out.append(f"addr {core['ns']} host0 {core['host_cidr']}")
    out.append(f"addr lan eth0 {q(spec['lan_host'])}")
    out.append(f"route lan default via {core['host_gw']}")
    out.append(f"bridge {core['ns']} br0 {core['seg_cidr']}")
    for c in cpes.values():
        n = c["ns"]
        if c["lan_cidr"]:
            out.append(f"veth {core['ns']} l-{n} {n} lan0")
            out.append(f"bridge_port {core['ns']} l-{n}")
            out.append(f"addr {n} lan0 {c['lan_cidr']}")
        out.append(f"veth inet {c['inet_if']} {n} {c['wan_if']}")
        out.append(f"addr {n} {c['wan_if']} {c['wan_cidr']}")
        out.append(f"addr inet {c['inet_if']} {inet_cidr[c['inet_if']]}")
        out.append(f"route {n} default via {c['wan_gw']}")
        for g in c["extra_gre_ips"]:
            out.append(f"addr {n} lo {g}/32")
        out.append(f"veth root m-{n} {n} mgmt0")
        out.append(f"addr root m-{n} {c['mgmt_peer_cidr']}")
        out.append(f"addr {n} mgmt0 {c['mgmt_cidr']}")
    for lk in spec["inside_links"]:
        # a split tunnel's inside link: GRE router <-> IPsec device through a switch (namespace insw<N>, a bridge),
        # the customer's network between them: a dead neighbour is noticed by OSPF's dead interval, not by carrier
        (a, ia), (b, ib) = lk["if"].items()
        out.append(f"veth {a} {ia} {lk['switch']} p-{a}")
        out.append(f"veth {b} {ib} {lk['switch']} p-{b}")
        out.append(f"l2switch {lk['switch']} br0 p-{a} p-{b}")
        out.append(f"addr {a} {ia} {lk['addr'][a]}")
        out.append(f"addr {b} {ib} {lk['addr'][b]}")
    for key, dc in dcs.items():
        tun = next(t for t in spec["tunnels"] if t["datacenter"] == key)
        v, r, h = dc["vpn_ns"], dc["rtr_ns"], dc["host_ns"]
        out.append(f"veth inet {tun['inet_if']} {v} out0")
        out.append(f"addr inet {tun['inet_if']} {inet_cidr[tun['inet_if']]}")
        out.append(f"addr {v} out0 {dc['vpn_out_cidr']}")
        out.append(f"route {v} default via {dc['vpn_gw']}")
        out.append(f"veth {v} in0 {r} up0")
        out.append(f"addr {v} in0 {dc['underlay_vpn']}/30")
        out.append(f"addr {r} up0 {dc['underlay_rtr']}/30")
        out.append(f"route {v} {dc['gre_ip']}/32 via {dc['underlay_rtr']}")
        out.append(f"addr {r} lo {dc['gre_ip']}/32")
        # underlay of the GRE router: only the CPE GRE source /32 (never a default: LAB-NOTES gotcha 7)
        out.append(f"route {r} {tun['cpe_gre_ip']}/32 via {dc['underlay_vpn']}")
        out.append(f"veth {r} host0 {h} eth0")
        for a in dc["rtr_host_cidrs"]:
            out.append(f"addr {r} host0 {a}")
        for a in dc["host_cidrs"]:
            out.append(f"addr {h} eth0 {a}")
        out.append(f"route {h} default via {dc['host_gw']}")
        # a crypto map drops GRE of its ACL that is not protected by IPsec, both ways (LAB-NOTES: a headend
        # whose charon stopped forwarded its GRE router's packets in clear)
        out.append(f"headend_guard {v} {dc['gre_ip']} {tun['cpe_gre_ip']}")
        out.append(f"gre {r} {tun['gre_if']} {dc['gre_ip']} {tun['cpe_gre_ip']} {tun['di_tunnel_cidr']}")
        out.append(f"mss_clamp {r}")
    a, b = dcs["A"], dcs["B"]
    out.append(f"veth {a['rtr_ns']} dci0 {b['rtr_ns']} dci0")
    out.append(f"addr {a['rtr_ns']} dci0 {a['dci_cidr']}")
    out.append(f"addr {b['rtr_ns']} dci0 {b['dci_cidr']}")
    # Cisco side first (LAB-NOTES gotcha 5): headends loaded and DC routers up before any CPE initiates
    for dc in dcs.values():
        out.append(f"headend_start {dc['vpn_ns']}")
    for dc in dcs.values():
        out.append(f"frr_instance_start {dc['rtr_ns']}")
    out.append(f"frr_instance_start {core['ns']} zebra ospfd")
    for c in cpes.values():
        igp = c["igp"]
        out.append(f"cpe_start {c['ns']} {c['mgmt_ip']} {','.join(igp['networks'])} {igp['router_id']}")
    return "\n".join(out) + "\n"


def lab_env(spec: dict) -> str:
    t1, t2 = spec["tunnels"]
    cpes = list(spec["cpes"])
    v = {
        "LAB_CPES": " ".join(cpes),
        "LAB_LAN_HOST_IP": spec["lan_host"].split("/")[0],
        "LAB_T1_KEY": t1["key"], "LAB_T2_KEY": t2["key"],
        "LAB_T1_CPE": t1["cpe_host"], "LAB_T2_CPE": t2["cpe_host"],
        "LAB_T1_INET_IF": t1["inet_if"], "LAB_T2_INET_IF": t2["inet_if"],
        "LAB_T1_DI_GRE": t1["di_gre_ip"], "LAB_T2_DI_GRE": t2["di_gre_ip"],
        "LAB_T1_DI_TUN": t1["di_tunnel_ip"], "LAB_T2_DI_TUN": t2["di_tunnel_ip"],
        "LAB_T1_CPE_TUN": t1["cpe_tunnel_ip"], "LAB_T2_CPE_TUN": t2["cpe_tunnel_ip"],
        "LAB_DCA_HOST": t1["dc_host"], "LAB_DCB_HOST": t2["dc_host"],
        "LAB_DCA_RTR": spec["dcs"]["A"]["rtr_ns"], "LAB_DCB_RTR": spec["dcs"]["B"]["rtr_ns"],
        "LAB_DCA_VPN": spec["dcs"]["A"]["vpn_ns"], "LAB_DCB_VPN": spec["dcs"]["B"]["vpn_ns"],
        "LAB_CPE_INET_IFS": " ".join(c["inet_if"] for c in spec["cpes"].values()),
        "LAB_CISCO_BFD": "1" if spec["cisco"]["bfd"] else "0",
        "LAB_CISCO_INITIATE": "1" if spec["cisco"]["initiate"] else "0",
        "LAB_CPE_GRE_IPS": " ".join(sorted({t["cpe_gre_ip"] for t in spec["tunnels"]})),
        "LAB_DI_GRE_IPS": " ".join(t["di_gre_ip"] for t in spec["tunnels"]),
        "LAB_DI_PREFIX": spec["di_prefix"], "LAB_IAAS_PREFIX": spec["iaas_prefix"] or "",
        "LAB_CORE": spec["core"]["ns"], "LAB_CORE_IP": spec["core"]["seg_ip"],
        "LAB_REDIST_CPES": " ".join(spec["redistribution"]),
    }
    # per CPE: where it sits on the LAN and what the core must learn from it (the redistribution: drills)
    for name, c in spec["cpes"].items():
        u = name.upper()
        if c["lan_cidr"]:
            v[f"LAB_{u}_LAN_IP"] = str(ipaddress.ip_interface(c["lan_cidr"]).ip)
        v[f"LAB_{u}_WAN_IF"] = c["wan_if"]
        red = spec["redistribution"].get(name)
        if red:
            v[f"LAB_{u}_REDIST_PREFIXES"] = " ".join(red["prefixes"])
            v[f"LAB_{u}_REDIST_TAG"] = red["tag"]
            v[f"LAB_{u}_REDIST_METRIC_TYPE"] = red["metric_type"]
    # per tunnel: what the fault primitives (guest/faults.sh) need
    for t in spec["tunnels"]:
        i, dc = t["index"], spec["dcs"][t["datacenter"]]
        other = spec["dcs"]["B" if t["datacenter"] == "A" else "A"]
        v.update({
            f"LAB_T{i}_VPN": dc["vpn_ns"], f"LAB_T{i}_RTR": dc["rtr_ns"], f"LAB_T{i}_GRE_IF": t["gre_if"],
            f"LAB_T{i}_CPE_IPSEC": t["cpe_ipsec_ip"], f"LAB_T{i}_DI_IPSEC": t["di_ipsec_ip"],
            f"LAB_T{i}_CPE_GRE": t["cpe_gre_ip"], f"LAB_T{i}_CPE_ASN": t["cpe_asn"], f"LAB_T{i}_DI_ASN": t["di_asn"],
            f"LAB_T{i}_OWN_25S": " ".join(p for p in dc["announce"] if p.endswith("/25")),
            f"LAB_T{i}_OTHER_25S": " ".join(p for p in other["announce"] if p.endswith("/25")),
            f"LAB_T{i}_CPE_LAN": str(ipaddress.ip_interface(spec["cpes"][t["cpe_host"]]["lan_cidr"]).network),
            # the device that terminates the tunnel's IPsec (the GRE router itself unless the tunnel is split)
            f"LAB_T{i}_IPSEC_HOST": t["ipsec_host"], f"LAB_T{i}_IPSEC_INSIDE": t["ipsec_inside_ip"] or "",
            f"LAB_T{i}_RRI_TAG": "" if t["rri_tag"] is None else t["rri_tag"],
        })
    return "".join(f"{k}={shlex.quote(str(val))}\n" for k, val in v.items())


def generate(inv: Path, out: Path) -> dict:
    data = load_inventory(inv)
    spec = build_spec(data)
    secrets = {f"{data['regions'][0]['region']}-{t['datacenter']}": (t.get("psk"), t.get("bgp_password"))
               for t in data["regions"][0]["tunnels"]}
    out.mkdir(parents=True, exist_ok=True)
    for tun in spec["tunnels"]:
        dc = spec["dcs"][tun["datacenter"]]
        psk, pw = secrets[tun["key"]]
        if not psk:
            raise LabError(f"{tun['key']}: no psk")
        (out / dc["vpn_ns"]).mkdir(exist_ok=True)
        (out / dc["vpn_ns"] / "swanctl.conf").write_text(swanctl_headend(tun, psk, spec["cisco"]))
        (out / dc["rtr_ns"]).mkdir(exist_ok=True)
        (out / dc["rtr_ns"] / "frr.conf").write_text(
            frr_dc_router(dc, tun, pw, spec["cisco"], spec["di_prefix"], spec["iaas_prefix"]))
    (out / spec["core"]["ns"]).mkdir(exist_ok=True)
    (out / spec["core"]["ns"] / "frr.conf").write_text(frr_core(spec))
    (out / "spec.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    (out / "build.sh").write_text(build_script(spec))
    (out / "lab.env").write_text(lab_env(spec))
    return spec


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        generate(Path(argv[1]), Path(argv[2]))
    except (LabError, KeyError) as e:
        print(f"labgen: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
