"""The plan core's rules, one by one: each mutation of a valid input yields exactly the expected finding."""

from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import RULES, build_plan

from .helpers import codes, finding, paths, region, regions


def plan(rs, **kw):
    kw.setdefault("cpes", {"cpe1": {"wan_interface": "Gi1"}, "cpe2": {"wan_interface": "Gi1"}})
    return build_plan(rs, **kw)


def test_valid_region_has_no_findings():
    r = plan(regions())
    assert r.findings == []
    assert r.ok


def test_every_finding_code_is_registered():
    # every code the core can emit has a rule text and severity (docs are generated from RULES)
    assert all(sev in ("error", "warning") and text for sev, text in RULES.values())


# ---------------------------------------------------------------- /24 and split
@pytest.mark.parametrize(
    "value, code, hint",
    [
        ("203.0.113.7/24", "prefix.host_bits", "did you mean 203.0.113.0/24?"),
        ("203.0.113.0/23", "prefix.not_24", "Cisco assigns one /24"),
        ("203.0.113.128/25", "prefix.not_24", "did you mean 203.0.113.0/24?"),
        ("203.0.113.0", "prefix.invalid", "did you mean 203.0.113.0/24?"),
        ("203.0.113.300/24", "prefix.invalid", "not an IPv4"),
        ("banana", "prefix.invalid", "not an IPv4 prefix"),
    ],
)
def test_di_prefix_must_be_an_aligned_24(value, code, hint):
    rs = regions()
    rs[0]["di_prefix"] = value
    r = plan(rs)
    f = finding(r, code)
    assert f["path"] == "regions[0].di_prefix"
    assert hint in f["message"]
    assert not r.ok


def test_split_and_expected_prefixes_without_iaas():
    r = plan(regions(region(iaas=False)))
    a, b = r.plan["regions"][0]["tunnels"]
    assert (a["datacenter"], a["dc_prefix"], a["expect_received"]) == ("A", "203.0.113.0/25", ["203.0.113.0/24", "203.0.113.0/25"])
    assert (b["datacenter"], b["dc_prefix"], b["expect_received"]) == ("B", "203.0.113.128/25", ["203.0.113.0/24", "203.0.113.128/25"])
    assert a["advertise"] == b["advertise"] == ["0.0.0.0/0"]
    assert a["bgp"]["prefix_list_out"] == ["0.0.0.0/0"] and a["bgp"]["default_originate"] is True


def test_iaas_pair_is_expected_per_dc():
    r = plan(regions())
    a, b = r.plan["regions"][0]["tunnels"]
    assert a["expect_received"] == ["198.18.113.0/24", "198.18.113.0/25", "203.0.113.0/24", "203.0.113.0/25"]
    assert b["expect_received"] == ["198.18.113.0/24", "198.18.113.128/25", "203.0.113.0/24", "203.0.113.128/25"]
    assert b["iaas_dc_prefix"] == "198.18.113.128/25"
    assert a["bgp"]["prefix_list_in"] == a["expect_received"]


def test_iaas_equal_to_di_prefix():
    rs = regions()
    rs[0]["iaas_prefix"] = rs[0]["di_prefix"]
    assert paths(plan(rs), "prefix.same_as_di") == ["regions[0].iaas_prefix"]


def test_tunnels_ordered_a_then_b_whatever_the_input_order():
    rs = regions()
    rs[0]["tunnels"].reverse()
    r = plan(rs)
    assert [t["datacenter"] for t in r.plan["regions"][0]["tunnels"]] == ["A", "B"]
    assert [t["index"] for t in r.plan["regions"][0]["tunnels"]] == [1, 2]


# ---------------------------------------------------------------- structure
def test_three_tunnels_and_duplicate_datacenter():
    rs = regions()
    rs[0]["tunnels"].append(dict(rs[0]["tunnels"][0]))
    r = plan(rs)
    assert "region.tunnel_count" in codes(r, "error")
    assert paths(r, "region.datacenter_duplicate") == ["regions[0].tunnels[2].datacenter"]


def test_one_tunnel_only():
    rs = regions()
    del rs[0]["tunnels"][1]
    r = plan(rs)
    assert finding(r, "region.tunnel_count")["message"].startswith("1 tunnel(s) given")
    assert r.plan["regions"][0]["deployment"] is None


@pytest.mark.parametrize("dc, expect", [("a", "A"), ("DC-B", "B"), ("dc1", "A")])
def test_datacenter_aliases(dc, expect):
    rs = regions()
    rs[0]["tunnels"][0]["datacenter"] = dc if expect == "A" else "A"
    rs[0]["tunnels"][1]["datacenter"] = dc if expect == "B" else "B"
    assert plan(rs).ok


def test_unknown_datacenter():
    rs = regions()
    rs[0]["tunnels"][1]["datacenter"] = "C"
    assert paths(plan(rs), "region.datacenter") == ["regions[0].tunnels[1].datacenter"]


def test_unknown_field_suggests_the_right_one():
    rs = regions()
    rs[0]["tunnels"][0]["bgp_pasword"] = rs[0]["tunnels"][0].pop("bgp_password")
    f = finding(plan(rs), "input.unknown")
    assert f["path"] == "regions[0].tunnels[0].bgp_pasword" and "did you mean 'bgp_password'" in f["message"]


def test_missing_fields_are_each_named():
    rs = regions()
    del rs[0]["tunnels"][0]["cpe"]["gre_ip"]
    del rs[0]["tunnels"][1]["di"]["asn"]
    r = plan(rs)
    assert set(paths(r, "input.missing")) == {"regions[0].tunnels[0].cpe.gre_ip", "regions[0].tunnels[1].di.asn"}


@pytest.mark.parametrize("value", [None, {}, "x"])
def test_regions_must_be_a_nonempty_list(value):
    r = build_plan(value)
    assert not r.ok and r.plan["regions"] == []


def test_region_label_rules():
    rs = regions(region("us east!"))
    assert paths(plan(rs), "region.label") == ["regions[0].region"]
    rs = regions(region("r1"), region("r1", octet=114, tun=1))
    assert paths(plan(rs), "region.duplicate") == ["regions[1].region"]


# ---------------------------------------------------------------- addresses
def test_recursive_routing_gre_endpoint_inside_iaas():
    rs = regions()
    rs[0]["tunnels"][0]["di"]["gre_ip"] = "198.18.113.20"
    f = finding(plan(rs), "address.inside_cisco_prefix")
    assert f["path"] == "regions[0].tunnels[0].di.gre_ip" and "recursive routing" in f["message"]


def test_cisco_ipsec_and_gre_are_different_devices():
    rs = regions()
    rs[0]["tunnels"][1]["di"]["gre_ip"] = rs[0]["tunnels"][1]["di"]["ipsec_ip"]
    assert paths(plan(rs), "address.di_same_device") == ["regions[0].tunnels[1].di.gre_ip"]


def test_dc_a_and_b_cannot_share_a_headend():
    rs = regions()
    rs[0]["tunnels"][1]["di"]["ipsec_ip"] = rs[0]["tunnels"][0]["di"]["ipsec_ip"]
    assert "regions[0].tunnels[1].di.ipsec_ip" in paths(plan(rs), "address.dc_shared")


@pytest.mark.parametrize(
    "value, code",
    [
        ("127.0.0.1", "address.not_unicast"),
        ("224.0.0.5", "address.not_unicast"),
        ("192.0.2.300", "address.invalid"),
        ("192.0.2.10/32", "address.invalid"),
    ],
)
def test_transport_addresses_are_unicast(value, code):
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["ipsec_ip"] = value
    assert paths(plan(rs), code) == ["regions[0].tunnels[0].cpe.ipsec_ip"]


def test_private_cisco_endpoint_warns():
    rs = regions()
    rs[0]["tunnels"][0]["di"]["ipsec_ip"] = "10.1.1.1"
    r = plan(rs)
    assert finding(r, "address.private_di")["severity"] == "warning" and r.ok


def test_private_cpe_ipsec_ip_turns_on_nat_t_and_its_mtu_math():
    rs = regions()
    for t in rs[0]["tunnels"]:
        t["cpe"]["ipsec_ip"] = "10.0.0.2"
    r = plan(rs)
    assert "address.nat_t" in codes(r, "warning")
    t = r.plan["regions"][0]["tunnels"][0]
    assert t["ipsec"]["nat_t"] is True and t["mtu"]["max_inner_mtu"] == 1414


def test_nat_t_setting_overrides_auto():
    r = plan(regions(), cpes={"cpe1": {"nat_t": True, "wan_interface": "Gi1"}})
    assert r.plan["regions"][0]["tunnels"][0]["ipsec"]["nat_t"] is True
    assert "address.nat_t" not in codes(r)


# ---------------------------------------------------------------- tunnel addressing
@pytest.mark.parametrize(
    "cpe, di, code, path",
    [
        ("100.64.0.1", "100.64.0.2", "tunnel.prefixlen_missing", "cpe.tunnel_ip"),
        ("100.64.0.1/32", "100.64.0.2", "tunnel.prefixlen", "cpe.tunnel_ip"),
        ("100.64.0.0/30", "100.64.0.2", "tunnel.reserved_address", "cpe.tunnel_ip"),
        ("100.64.0.1/30", "100.64.0.3", "tunnel.reserved_address", "cpe.tunnel_ip"),
        ("100.64.0.1/30", "100.64.0.1", "tunnel.same_ip", "di.tunnel_ip"),
        ("100.64.0.1/30", "100.64.0.6", "tunnel.different_subnet", "di.tunnel_ip"),
        ("100.64.0.1/30", "100.64.0.2/29", "tunnel.different_subnet", "di.tunnel_ip"),
    ],
)
def test_tunnel_addressing_errors(cpe, di, code, path):
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["tunnel_ip"] = cpe
    rs[0]["tunnels"][0]["di"]["tunnel_ip"] = di
    assert paths(plan(rs), code) == ["regions[0].tunnels[0].%s" % path]


def test_slash_31_uses_both_addresses():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["tunnel_ip"] = "100.64.0.0/31"
    rs[0]["tunnels"][0]["di"]["tunnel_ip"] = "100.64.0.1"
    r = plan(rs)
    assert r.ok
    t = r.plan["regions"][0]["tunnels"][0]
    assert (t["cpe"]["tunnel_netmask"], t["bgp"]["neighbor"]) == ("255.255.255.254", "100.64.0.1")


def test_tunnel_outside_shared_space_warns():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["tunnel_ip"] = "169.254.10.1/30"
    rs[0]["tunnels"][0]["di"]["tunnel_ip"] = "169.254.10.2"
    r = plan(rs)
    assert finding(r, "tunnel.not_shared_space")["severity"] == "warning" and r.ok


def test_tunnel_subnets_overlap_each_other():
    rs = regions()
    rs[0]["tunnels"][1]["cpe"]["tunnel_ip"] = "100.64.0.1/29"
    rs[0]["tunnels"][1]["di"]["tunnel_ip"] = "100.64.0.6"
    assert paths(plan(rs), "tunnel.overlap") == ["regions[0].tunnels[1].cpe.tunnel_ip"]


def test_tunnel_subnet_overlaps_customer_lan_and_cisco_24():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["tunnel_ip"] = "203.0.113.1/30"
    rs[0]["tunnels"][0]["di"]["tunnel_ip"] = "203.0.113.2"
    r = plan(rs, options={"customer_prefixes": ["100.64.0.0/29"]})
    assert paths(r, "tunnel.overlap_cisco_prefix") == ["regions[0].tunnels[0].cpe.tunnel_ip"]
    assert paths(r, "tunnel.overlap_customer") == ["regions[0].tunnels[1].cpe.tunnel_ip"]


def test_customer_prefix_overlapping_di_24():
    r = plan(regions(), options={"customer_prefixes": ["203.0.0.0/16"]})
    assert paths(r, "prefix.customer_overlap") == ["regions[0].di_prefix"]


def test_customer_prefix_with_host_bits():
    r = plan(regions(), options={"customer_prefixes": ["10.1.2.3/8"]})
    assert "did you mean 10.0.0.0/8?" in finding(r, "prefix.host_bits")["message"]


# ---------------------------------------------------------------- ASN
@pytest.mark.parametrize(
    "end, value, msg",
    [("di", 3356, "not a private ASN"), ("cpe", 65535, "reserved"), ("di", 64511, "not a private"), ("cpe", 4200000001, "4-byte private")],
)
def test_asn_private_range(end, value, msg):
    rs = regions()
    rs[0]["tunnels"][1][end]["asn"] = value
    f = finding(plan(rs), "asn.not_private")
    assert f["path"] == "regions[0].tunnels[1].%s.asn" % end and msg in f["message"] and "64512-65534" in f["message"]


def test_asn_same_on_both_ends_is_not_ebgp():
    rs = regions()
    rs[0]["tunnels"][0]["di"]["asn"] = 64551
    assert "regions[0].tunnels[0].cpe.asn" in paths(plan(rs), "asn.ebgp_same")


def test_asn_as_string_is_accepted():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["asn"] = "64551"
    assert plan(rs).plan["regions"][0]["tunnels"][0]["cpe"]["asn"] == 64551


def test_asn_not_a_number():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["asn"] = "AS64551"
    assert paths(plan(rs), "asn.invalid") == ["regions[0].tunnels[0].cpe.asn"]


def test_local_as_on_single_cpe_with_different_customer_asns():
    r = plan(regions())
    a, b = r.plan["regions"][0]["tunnels"]
    assert (a["bgp"]["router_asn"], a["bgp"]["local_as_override"]) == (64551, False)
    assert (b["bgp"]["router_asn"], b["bgp"]["local_as"], b["bgp"]["local_as_override"]) == (64551, 64561, True)
    assert r.plan["cpes"]["cpe1"]["bgp"]["asn"] == 64551


def test_no_local_as_when_customer_asns_match():
    rs = regions()
    rs[0]["tunnels"][1]["cpe"]["asn"] = 64551
    b = plan(rs).plan["regions"][0]["tunnels"][1]
    assert b["bgp"]["local_as_override"] is False


def test_dual_cpe_each_router_runs_its_tunnel_asn():
    r = plan(regions(region(dual=True)))
    reg = r.plan["regions"][0]
    assert reg["deployment"] == "dual_cpe" and reg["cpe_hosts"] == ["cpe1", "cpe2"]
    assert r.plan["cpes"]["cpe2"]["bgp"]["asn"] == 64561
    assert not any(t["bgp"]["local_as_override"] for t in reg["tunnels"])


def test_enterprise_asn_gives_local_as_on_every_neighbour():
    r = plan(regions(), options={"enterprise_asn": 65010})
    assert all(t["bgp"]["local_as_override"] and t["bgp"]["router_asn"] == 65010 for t in r.plan["regions"][0]["tunnels"])


def test_enterprise_asn_collision_with_cisco_asn():
    r = plan(regions(), options={"enterprise_asn": 64562})
    assert paths(r, "asn.enterprise_collision") == ["regions[0].tunnels[1].di.asn"]


def test_cisco_asn_equal_to_router_asn_is_ibgp():
    rs = regions()
    rs[0]["tunnels"][1]["di"]["asn"] = 64551  # the router runs 64551 (tunnel 1's customer ASN)
    assert paths(plan(rs), "asn.ibgp_router") == ["regions[0].tunnels[1].di.asn"]


# ---------------------------------------------------------------- bandwidth
@pytest.mark.parametrize(
    "bw, code", [(300, "bandwidth.exceeds"), (240, "bandwidth.headroom"), (0, "bandwidth.invalid"), ("lots", "bandwidth.invalid")]
)
def test_bandwidth_budget(bw, code):
    rs = regions()
    rs[0]["bandwidth_mbps"] = bw
    assert paths(plan(rs), code) == ["regions[0].bandwidth_mbps"]


def test_bandwidth_missing_warns():
    rs = regions()
    del rs[0]["bandwidth_mbps"]
    r = plan(rs)
    assert finding(r, "bandwidth.unknown")["severity"] == "warning" and r.ok


def test_wan_bandwidth_of_a_cpe():
    rs = regions(region("r1"), region("r2", octet=114, tun=1))
    for t in rs[1]["tunnels"]:
        t["cpe"]["ipsec_ip"] = t["cpe"]["gre_ip"] = "192.0.2.10"
    r = plan(rs, cpes={"cpe1": {"wan_interface": "Gi1", "wan_bandwidth_mbps": 300}})
    assert "need 400 Mbps" in finding(r, "bandwidth.wan")["message"]


# ---------------------------------------------------------------- secrets
def test_missing_psk_and_secrets_never_in_plan():
    rs = regions()
    rs[0]["tunnels"][1]["psk"] = ""
    r = plan(rs)
    assert paths(r, "secret.missing") == ["regions[0].tunnels[1].psk"]
    text = repr(r.plan) + repr(r.findings)
    for secret in ("psk-dc-a-0123456789abcdef", "bgp-a-secret"):
        assert secret not in text


PSK_FORMS = [(" spaced ", "secret.format"), ("tiny-psk", "secret.weak"), ("abc?defghijklmnopq", "secret.cli_char"),
             ("line\nbreak-xxxxxxxxxx", "secret.format")]


@pytest.mark.parametrize("value, code", PSK_FORMS)
def test_psk_form(value, code):
    rs = regions()
    rs[0]["tunnels"][0]["psk"] = value
    r = plan(rs)
    assert paths(r, code) == ["regions[0].tunnels[0].psk"]
    assert value not in repr(r.findings)


def test_password_set_flags():
    a, b = plan(regions()).plan["regions"][0]["tunnels"]
    assert (a["bgp"]["password_set"], b["bgp"]["password_set"]) == (True, False)
    assert a["ipsec"]["psk_set"] is True


# ---------------------------------------------------------------- per CPE / multi region
def test_two_regions_on_one_cpe_get_distinct_tunnel_numbers_and_a_stability_warning():
    rs = regions(region("r1"), region("r2", octet=114, tun=1))
    r = plan(rs)
    assert r.plan["cpes"]["cpe1"]["tunnel_numbers"] == [101, 102, 111, 112]
    assert "tunnel.number_order" in codes(r, "warning")
    assert r.plan["cpes"]["cpe1"]["regions"] == ["r1", "r2"]


def test_regions_cannot_share_a_24():
    rs = regions(region("r1"), region("r2", octet=113, tun=1))
    r = plan(rs)
    assert "regions[1].di_prefix" in paths(r, "prefix.region_overlap")


def test_regions_cannot_share_tunnel_subnets_on_one_cpe():
    rs = regions(region("r1"), region("r2", octet=114, tun=0))
    assert "regions[1].tunnels[0].cpe.tunnel_ip" in paths(plan(rs), "tunnel.overlap")


def test_explicit_tunnel_number_collision():
    rs = regions(region("r1"), region("r2", octet=114, tun=1))
    rs[1]["tunnels"][0]["cpe"]["tunnel_number"] = 101
    assert paths(plan(rs), "tunnel.number_duplicate") == ["regions[1].tunnels[0].cpe.tunnel_number"]


def test_same_cisco_peer_twice_on_one_cpe():
    rs = regions(region("r1"), region("r2", octet=114, tun=1))
    rs[1]["tunnels"][0]["di"]["ipsec_ip"] = rs[0]["tunnels"][0]["di"]["ipsec_ip"]
    assert paths(plan(rs), "cpe.duplicate_peer") == ["regions[1].tunnels[0].di.ipsec_ip"]


def test_unknown_inventory_host():
    r = build_plan(regions(), inventory_hosts=["router9"])
    assert paths(r, "cpe.unknown_host") == ["regions[0].tunnels[0].cpe.host"]


def test_missing_wan_interface_warns():
    r = build_plan(regions())
    assert finding(r, "cpe.wan_interface")["path"] == "cpes.cpe1.wan_interface"
    assert r.ok


def test_dual_cpe_same_public_ip_warns():
    rs = regions(region(dual=True))
    rs[0]["tunnels"][1]["cpe"]["ipsec_ip"] = "192.0.2.10"
    assert finding(plan(rs), "address.cpe_shared_dual")["severity"] == "warning"


# ---------------------------------------------------------------- crypto, DPD, BGP, MTU, GRE options
@pytest.mark.parametrize(
    "options, code, path",
    [
        ({"crypto": {"ike_version": 1}}, "crypto.ike_version", "options.crypto.ike_version"),
        ({"crypto": {"mode": "transport"}}, "crypto.mode", "options.crypto.mode"),
        ({"crypto": {"suite": "des"}}, "crypto.suite", "options.crypto.suite"),
        ({"crypto": {"ike": {"dh_group": 2}}}, "crypto.dh_group", "options.crypto.ike.dh_group"),
        ({"crypto": {"esp": {"encryption": "aes-cbc-256", "integrity": None}}}, "crypto.integrity_missing", "options.crypto.esp.integrity"),
        ({"crypto": {"initiate": False}}, "crypto.initiate", "options.crypto.initiate"),
        ({"dpd": {"interval_s": 5}}, "dpd.range", "options.dpd.interval_s"),
        ({"dpd": {"mode": "sometimes"}}, "dpd.mode", "options.dpd.mode"),
        ({"bgp": {"hold_s": 0}}, "bgp.timers", "options.bgp.hold_s"),
        ({"bgp": {"keepalive_s": 40, "hold_s": 30}}, "bgp.timers", "options.bgp.keepalive_s"),
        ({"mtu": {"tunnel_ip_mtu": 100}}, "mtu.range", "options.mtu.tunnel_ip_mtu"),
        ({"gre": {"keepalive_retries": 0}}, "gre.keepalive_range", "options.gre.keepalive_retries"),
        ({"colour": "blue"}, "input.unknown", "options.colour"),
    ],
)
def test_option_errors(options, code, path):
    r = plan(regions(), options=options)
    assert path in paths(r, code)
    assert not r.ok


@pytest.mark.parametrize(
    "options, code",
    [
        ({"crypto": {"esp": {"integrity": "sha256"}}}, "crypto.gcm_integrity"),
        ({"crypto": {"esp": {"pfs_group": None}}}, "crypto.no_pfs"),
        ({"bgp": {"keepalive_s": 60, "hold_s": 180}}, "bgp.slow_failover"),
        ({"mtu": {"tcp_mss": 1360}}, "mtu.mss_not_documented"),
        ({"gre": {"keepalive": False}}, "gre.keepalive_off"),
    ],
)
def test_option_warnings(options, code):
    r = plan(regions(), options=options)
    assert finding(r, code)["severity"] == "warning"
    assert r.ok


def test_gcm_integrity_is_nulled():
    r = plan(regions(), options={"crypto": {"esp": {"integrity": "sha256"}}})
    assert r.plan["regions"][0]["tunnels"][0]["ipsec"]["esp"]["integrity"] is None


def test_crypto_acl_is_gre_only_between_gre_transport_ips():
    rs = regions()
    rs[0]["tunnels"][0]["cpe"]["gre_ip"] = "192.0.2.11"
    acl = plan(rs).plan["regions"][0]["tunnels"][0]["crypto_acl"]
    assert acl == {"protocol": "gre", "protocol_number": 47, "source": "192.0.2.11", "destination": "198.51.100.123"}


def test_mtu_fragment_warning_for_cbc_sha512_nat_t_and_pppoe():
    r = plan(
        regions(), cpes={"cpe1": {"wan_mtu": 1492, "nat_t": True, "wan_interface": "Gi1"}}, options={"crypto": {"suite": "cbc256-sha512"}}
    )
    t = r.plan["regions"][0]["tunnels"][0]
    assert t["mtu"]["max_inner_mtu"] == 1382  # padding to 16-byte blocks absorbs the 8 PPPoE bytes
    assert set(codes(r, "warning")) >= {"mtu.fragment", "mtu.mss_fragment"}
    assert "set options.mtu.tunnel_ip_mtu to 1382 or less" in finding(r, "mtu.fragment")["message"]


def test_default_mtu_fits_gcm():
    t = plan(regions()).plan["regions"][0]["tunnels"][0]
    assert t["mtu"] == {
        "wan_mtu": 1500,
        "tunnel_ip_mtu": 1400,
        "tcp_mss": 1350,
        "path_mtu_discovery": True,
        "max_inner_mtu": 1422,
        "max_mss": 1382,
        "overhead_bytes": 78,
        "nat_t": False,
    }


def test_many_errors_are_all_listed():
    rs = regions()
    rs[0]["di_prefix"] = "203.0.113.7/24"
    rs[0]["tunnels"][0]["di"]["asn"] = 3356
    rs[0]["tunnels"][1]["psk"] = None
    rs[0]["tunnels"][1]["cpe"]["tunnel_ip"] = "100.64.0.1/29"
    r = plan(rs)
    assert {"prefix.host_bits", "asn.not_private", "secret.missing", "tunnel.overlap"} <= set(codes(r, "error"))
