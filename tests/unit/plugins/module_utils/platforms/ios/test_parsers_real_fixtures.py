"""Every real IOS/IOS-XE capture in tests/fixtures/iosxe/ (copied byte-for-byte from
tests/fixtures/iosxe, copied from the project's shared fixtures; see SOURCES.md) parsed, asserting values read from the files."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import show_parsers as P

from .helpers import FIXTURES, fixture_text


def test_show_crypto_ikev2_sa():
    sas = P.parse_crypto_ikev2_sa(fixture_text("show_crypto_ikev2_sa.txt"))
    assert len(sas) == 1  # the IPv6 section is empty
    sa = sas[0]
    assert (sa["tunnel_id"], sa["local"], sa["local_port"], sa["remote"], sa["remote_port"]) == (
        1, "66.66.66.1", 500, "66.66.66.2", 500)
    assert (sa["status"], sa["state"], sa["nat_t"]) == ("READY", "established", False)
    assert (sa["encryption"], sa["keysize"], sa["prf"], sa["hash"], sa["dh_group"]) == ("AES-CBC", 128, "SHA1", "SHA96", 16)
    assert (sa["auth_sign"], sa["auth_verify"], sa["lifetime_s"], sa["active_s"]) == ("PSK", "PSK", 86400, 735)
    assert sa["session_id"] is None  # not printed in this capture: null, not invented


def test_show_crypto_ikev2_sa_nat_t_collapsed_whitespace():
    sa, = P.parse_crypto_ikev2_sa(fixture_text("show_crypto_ikev2_sa.2.txt"))
    assert (sa["local"], sa["local_port"], sa["remote"], sa["remote_port"]) == ("30.30.30.30", 4500, "20.20.20.20", 4500)
    assert sa["nat_t"] is True
    assert (sa["active_s"], sa["session_id"]) == (20942, 5206)
    assert (sa["local_spi"], sa["remote_spi"]) == ("1F7B76961C3A77ED", "1298FDE074BD724C")


def test_show_crypto_ipsec_sa_three_flows_lost_indentation():
    flows = P.parse_crypto_ipsec_sa(fixture_text("show_crypto_ipsec_sa.txt"))
    assert [f["interface"] for f in flows] == ["GigabitEthernet3", "GigabitEthernet3", "Tunnel0"]
    f1, f2, f3 = flows
    assert f1["crypto_map"] == "vpn-crypto-map" and f1["local_addr"] == "1.1.1.2"
    assert f1["local_ident"]["prefix"] == "20.20.20.0/24" and f1["remote_ident"]["prefix"] == "10.10.10.0/24"
    assert f1["local_ident"]["protocol"] == 0
    assert (f1["peer"], f1["peer_port"], f1["pkts_encaps"], f1["pkts_decaps"]) == ("1.1.1.1", 500, 4, 4)
    assert (f1["plaintext_mtu"], f1["path_mtu"], f1["ip_mtu_idb"]) == (1438, 1500, "GigabitEthernet3")
    assert [sa["spi"] for sa in f1["inbound_esp"]] == ["0x658F7C11"]
    assert [sa["spi"] for sa in f1["outbound_esp"]] == ["0x397C36EE"]
    assert f1["inbound_esp"][0]["active"] and f1["inbound_esp"][0]["mode"] == "tunnel"
    assert f1["inbound_esp"][0]["transform"] == "esp-256-aes esp-sha256-hmac"
    assert (f1["inbound_esp"][0]["remaining_kb"], f1["inbound_esp"][0]["remaining_s"]) == (4607999, 83191)
    # second flow of the same map has no SA at all
    assert f2["local_ident"]["prefix"] == "40.40.40.0/24" and f2["inbound_esp"] == [] and f2["outbound_esp"] == []
    assert f2["current_outbound_spi"] == "0x0"
    # Tunnel0: outbound SA comes after an empty line; file ends mid-section
    assert f3["local_ident"]["prefix"] == "0.0.0.0/0" and f3["peer"] == "2.2.2.1"
    assert [sa["spi"] for sa in f3["outbound_esp"]] == ["0x2E8482F8"]
    assert f3["outbound_esp"][0]["status"] == "ACTIVE(ACTIVE)"


def test_show_crypto_ipsec_sa_detail_gre_nat_t():
    flows = P.parse_crypto_ipsec_sa(fixture_text("show_crypto_ipsec_sa_detail.txt"))
    assert [f["interface"] for f in flows] == ["Tunnel1", "Tunnel2"]
    t1, t2 = flows
    assert t1["local_ident"]["prefix"] == "1.2.3.4/32" and t1["remote_ident"]["prefix"] == "2.2.2.2/32"
    assert t1["local_ident"]["protocol"] == 47 and t1["remote_ident"]["protocol"] == 47
    assert (t1["peer"], t1["peer_port"]) == ("2.2.2.2", 4500)
    assert (t1["pkts_encaps"], t1["pkts_decaps"]) == (4981028, 4112421)
    assert (t2["pkts_encaps"], t2["pkts_decaps"]) == (13133657, 12013064)
    sa = t1["inbound_esp"][0]
    assert (sa["spi"], sa["mode"], sa["udp_encaps"], sa["conn_id"]) == ("0xABCD1234", "transport", True, 124)
    assert t2["outbound_esp"][0]["spi"] == "0x4321DCBA"
    assert t2["remote_endpoint"] == "3.3.3.3" and t2["plaintext_mtu"] == 1442


def test_show_crypto_ipsec_sa_peer_missing_encaps_line():
    f, = P.parse_crypto_ipsec_sa(fixture_text("show_crypto_ipsec_sa_peer.txt"))
    assert f["interface"] == "Tunnel11" and f["vrf"] == "VRF_CLOUD_11"
    assert f["local_ident"]["prefix"] == "14.13.1.1/32" and f["remote_ident"]["prefix"] == "17.0.1.1/32"
    assert f["local_ident"]["protocol"] == 47
    assert f["pkts_encaps"] is None  # the capture has no '#pkts encaps' line
    assert f["pkts_decaps"] == 768
    assert f["pfs"] is True and f["dh_group"] == "group20"
    assert f["inbound_esp"][0]["transform"] == "esp-gcm 256"
    assert f["inbound_esp"][0]["remaining_s"] is None  # 'remaining key lifetime 1 hours, 10 mins'
    assert f["inbound_esp"][0]["active"] and f["outbound_esp"][0]["active"]


def test_show_crypto_map():
    e, = P.parse_crypto_map(fixture_text("show_crypto_map.txt"))
    assert (e["name"], e["seq"], e["type"]) == ("ikev2-cryptomap", 1, "ipsec-isakmp")
    assert e["peers"] == ["172.20.249.12", "172.20.249.3"]
    assert e["ikev2_profile"] == "ikev2profile" and e["acl"] == "102"
    assert (e["lifetime_kb"], e["lifetime_s"], e["pfs"]) == (4608000, 3600, False)
    assert e["transform_sets"] == ["aes256-sha1"] and e["interfaces"] == ["Vlan1"]


def test_show_crypto_session():
    s, = P.parse_crypto_session(fixture_text("show_crypto_session.txt"))
    assert (s["interface"], s["profile"], s["status"], s["peer"], s["peer_port"]) == (
        "Tunnel0", "polaris-test", "UP-ACTIVE", "1.1.1.1", 500)
    ike, = s["ike_sas"]
    assert (ike["version"], ike["local"], ike["remote"], ike["status"], ike["session_id"]) == (2, "2.2.2.2", "1.1.1.1", "Active", 3)
    fl, = s["ipsec_flows"]
    assert (fl["protocol"], fl["local"], fl["remote"], fl["active_sas"], fl["origin"]) == (
        47, "2.2.2.2/32", "1.1.1.1/32", 2, "crypto map")


def test_show_crypto_session_detail_ikev2():
    s, = P.parse_crypto_session(fixture_text("show_crypto_session_detail.txt"))
    assert (s["interface"], s["profile"], s["uptime_s"], s["fvrf"], s["phase1_id"]) == (
        "Tunnel11", "IKEV2_PFL_AES_GCM256", 11 * 3600 + 12 * 60 + 24, "INET", "10.25.20.2")
    ike, = s["ike_sas"]
    assert (ike["local"], ike["local_port"], ike["remote"], ike["connid"], ike["capabilities"]) == (
        "18.81.19.19", 4500, "21.61.95.23", 4, "DN")
    fl, = s["ipsec_flows"]
    assert (fl["protocol"], fl["local"], fl["remote"]) == (0, "0.0.0.0/0", "0.0.0.0/0")
    assert (fl["pkts_decrypted"], fl["drop_in"], fl["pkts_encrypted"]) == (4033155813, 33920, 1326659675)


def test_show_crypto_session_detail_three_sessions_not_nested():
    """genie nests sessions 2..n under the first; each must stand alone here."""
    sessions = P.parse_crypto_session(fixture_text("show_crypto_session_detail.2.txt"))
    assert [(s["interface"], s["peer"], s["status"]) for s in sessions] == [
        ("Tunnel1201", "10.161.255.14", "DOWN-NEGOTIATING"),
        ("Tunnel1101", "192.168.0.1", "UP-ACTIVE"),
        ("Tunnel2201", "10.163.255.14", "DOWN-NEGOTIATING"),
    ]
    down, up, down2 = sessions
    assert len(down["ike_sas"]) == 2 and all(i["status"] == "Inactive" and i["version"] == 1 for i in down["ike_sas"])
    assert [f["remote"] for f in down["ipsec_flows"]] == ["10.161.255.14/32"]
    assert down["ipsec_flows"][0]["active_sas"] == 0
    assert up["uptime_s"] == 49 * 86400 and up["peer_port"] == 4500
    assert up["ike_sas"][0]["connid"] == 2913
    assert (up["ipsec_flows"][0]["pkts_decrypted"], up["ipsec_flows"][0]["pkts_encrypted"]) == (15344097, 18074395)
    assert down2["ipsec_flows"][0]["local"] == "10.175.200.116/32"


def test_show_interfaces_tunnel_lost_indentation():
    t, = P.parse_show_interfaces(fixture_text("show_interfaces_tunnel.txt"))
    assert (t["name"], t["admin_up"], t["oper_up"]) == ("Tunnel2700", True, True)
    assert t["address"] == "172.18.58.121/30" and t["mtu"] == 17916
    assert t["keepalive"] == {"enabled": True, "interval_s": 10, "retries": 3}
    assert (t["tunnel_source"], t["tunnel_destination"], t["tunnel_protocol"]) == ("192.0.2.2", "216.66.5.49", "GRE/IP")
    assert (t["tunnel_ttl"], t["tunnel_transport_mtu"], t["linestate"]) == (255, 1476, "up")
    assert t["description"] == "Zscaler Primary Tunnel"
    assert t["path_mtu_discovery"] is False


def test_show_interfaces_tunnel_keepalive_down():
    t, = P.parse_show_interfaces(fixture_text("show_interfaces_tunnel.keepalive_down.txt"))
    assert (t["admin_up"], t["oper_up"], t["line_protocol"]) == (True, False, "down")
    assert (t["linestate"], t["linestate_reason"]) == ("down", "keepalive down")
    assert t["keepalive"]["enabled"] is True


def test_show_interfaces_tunnel_keepalive_not_set_source_interface():
    t, = P.parse_show_interfaces(fixture_text("show_interfaces_tunnel.2.txt"))
    assert t["name"] == "Tunnel1" and t["address"] == "172.16.25.1/24"
    assert t["keepalive"] == {"enabled": False, "interval_s": None, "retries": None}
    assert (t["tunnel_source"], t["tunnel_source_interface"], t["tunnel_destination"]) == (
        "10.154.1.2", "Loopback102", "10.154.1.1")


def test_show_ip_interface_brief():
    rows = P.parse_ip_interface_brief(fixture_text("show_ip_interface_brief.txt"))
    assert len(rows) == 21
    by = {r["name"]: r for r in rows}
    assert by["Tunnel1"]["ip"] == "10.174.10.1" and by["Tunnel1"]["oper_up"]
    assert by["Te0/0/5"]["ip"] is None and not by["Te0/0/5"]["oper_up"]
    assert by["ucse1/0/0"]["status"] == "administratively down" and by["ucse1/0/0"]["admin_up"] is False
    assert by["VirtualPortGroup4"]["ip"] == "192.168.166.1"  # last line has no newline
    assert "Tunnel2000000002" in by


def test_show_ip_bgp_summary():
    s = P.parse_bgp_summary(fixture_text("show_ip_bgp_summary.txt"))
    assert (s["router_id"], s["local_as"]) == ("10.0.0.0", 65000)
    assert len(s["neighbors"]) == 10
    n1 = s["neighbors"][0]
    assert (n1["neighbor"], n1["remote_as"], n1["state"], n1["prefixes_received"], n1["uptime_s"]) == (
        "10.0.0.1", 65000, "Established", 558720, 21 * 86400)
    n5 = s["neighbors"][4]
    assert (n5["msg_rcvd"], n5["msg_sent"]) == (26552304, 14931352)  # no space between wide columns
    last = s["neighbors"][-1]
    assert (last["neighbor"], last["state"], last["state_detail"], last["uptime_s"], last["prefixes_received"]) == (
        "10.0.0.10", "Idle", "Admin", None, 0)
    assert s["neighbors"][2]["prefixes_received"] == 0 and s["neighbors"][2]["state"] == "Established"


def test_show_bgp_all_summary_ipv4_family_only():
    s = P.parse_bgp_summary(fixture_text("show_bgp_all_summary.txt"))
    assert (s["router_id"], s["local_as"]) == ("192.168.111.1", 100)
    assert list(s["address_families"]) == ["IPv4 Unicast", "IPv6 Unicast", "VPNv4 Unicast", "VPNv6 Unicast"]
    assert [n["neighbor"] for n in s["neighbors"]] == [
        "192.168.111.1", "192.168.4.1", "192.168.51.1", "192.168.70.4", "192.168.19.2"]
    assert [n["remote_as"] for n in s["neighbors"]] == [100, 100, 100, 200, 300]
    assert all(n["state"] == "Idle" for n in s["neighbors"])
    assert [n["neighbor"] for n in s["address_families"]["IPv6 Unicast"]["neighbors"]][0] == "2001:db8:400::1:1"


def test_received_routes_classful_row_and_total():
    t = P.parse_bgp_table(fixture_text("show_ip_bgp_neighbors_received_routes.txt"))
    assert t["prefixes"] == ["10.0.0.0/8", "10.17.33.0/24", "192.168.33.0/31", "192.168.33.2/31"]
    assert t["total_prefixes"] == 4 and t["default_originate"] is False and t["router_id"] == "10.17.33.21"
    first = t["routes"][0]
    assert (first["network"], first["prefix"], first["next_hop"], first["best"]) == ("10.0.0.0", "10.0.0.0/8", "10.17.33.68", True)
    assert (first["weight"], first["as_path"], first["origin"]) == (0, "65515 12076 65020", "i")
    assert t["routes"][1]["best"] is False and t["routes"][1]["valid"] is True


def test_advertised_routes_wrapped_rows_classful_default():
    t = P.parse_bgp_table(fixture_text("show_ip_bgp_neighbors_advertised_routes.txt"))
    assert t["total_prefixes"] == 13 and len(t["routes"]) == 13
    assert "0.0.0.0/0" in t["prefixes"] and "162.135.0.0/16" in t["prefixes"]
    assert t["prefixes"][-2:] == ["192.168.120.16/30", "192.168.120.24/30"]  # wrapped onto 2 lines
    wrapped = [r for r in t["routes"] if r["prefix"] == "192.168.120.24/30"][0]
    assert (wrapped["next_hop"], wrapped["local_pref"], wrapped["as_path"]) == ("10.121.1.2", 300, "209")
    default = t["routes"][0]
    assert default["status"] == "r>i" and default["rib_failure"] and default["internal"]
    local = [r for r in t["routes"] if r["prefix"] == "10.121.0.0/16"][0]
    assert (local["next_hop"], local["weight"], local["as_path"], local["metric"]) == ("0.0.0.0", 32768, "", None)


def test_advertised_routes_ntc_sample():
    t = P.parse_bgp_table(fixture_text("show_ip_bgp_neighbors_advertised_routes.2.txt"))
    assert t["prefixes"] == ["113.55.45.0/24", "113.55.48.0/24", "113.55.50.0/24", "113.55.51.0/24",
                             "113.55.53.0/24", "113.55.54.0/24", "113.55.58.0/24"]
    assert t["total_prefixes"] == 7 and t["router_id"] == "192.168.88.2"


def test_advertised_routes_originating_default_line():
    """genie and ntc both drop this line; the default is not a table row."""
    t = P.parse_bgp_table(fixture_text("show_ip_bgp_neighbors_advertised_routes.default_originate.txt"))
    assert t["default_originate"] is True
    assert t["routes"] == [] and t["total_prefixes"] == 0


def test_show_ip_route_subnetted_and_wrapped():
    r = P.parse_ip_route(fixture_text("show_ip_route.txt"))
    assert r["gateway_of_last_resort"] == "194.0.0.2"
    by = {x["prefix"]: x for x in r["routes"]}
    assert by["1.1.1.1/32"]["protocol"] == "static"
    assert [p["next_hop"] for p in by["1.1.1.1/32"]["paths"]] == ["212.0.0.1", "192.168.0.1"]
    assert by["4.4.0.0/16"]["code"] == "O E2" and by["4.4.0.0/16"]["paths"][0]["interface"] == "FastEthernet0/0.100"
    assert "172.16.1.0/26" in by and by["172.16.1.0/26"]["protocol"] == "isis"
    assert "192.168.10.168/29" in by  # bare address under '192.168.10.0/29 is subnetted', wrapped line
    assert by["192.168.10.168/29"]["paths"][0]["next_hop"] == "7.7.7.170"
    assert [p["next_hop"] for p in by["10.63.184.0/23"]["paths"]] == ["10.62.4.29", "10.62.3.29"]
    assert by["0.0.0.0/0"]["code"] == "O*E2" and by["0.0.0.0/0"]["candidate_default"]
    assert by["6.6.0.0/16"]["protocol"] == "bgp" and by["6.6.0.0/16"]["paths"][0]["interface"] is None
    assert by["2.2.2.0/24"]["paths"][0]["interface"] == "FastEthernet0/0.100"
    assert by["13.14.128.0/17"]["paths"][0]["interface"] == "Null0"
    assert len(r["routes"]) == 32  # every entry line of the capture


def test_show_ip_route_vrf_ios_xe_17_legend():
    r = P.parse_ip_route(fixture_text("show_ip_route.2.txt"))
    assert r["vrf"] == "ce1" and r["gateway_of_last_resort"] is None
    assert [x["prefix"] for x in r["routes"]] == [
        "1.1.1.1/32", "1.1.1.10/32", "99.1.2.0/24", "99.1.2.2/32", "100.1.2.0/24", "100.1.2.2/32"]
    assert r["routes"][0]["paths"][0] == {"next_hop": "99.1.2.1", "interface": None, "age": "16:49:22"}
    assert r["routes"][1]["paths"][0]["next_hop"] == "FC01:101:8:E007::"
    assert r["routes"][3]["protocol"] == "local"


TESTED = {
    "show_crypto_ikev2_sa.txt", "show_crypto_ikev2_sa.2.txt", "show_crypto_ipsec_sa.txt",
    "show_crypto_ipsec_sa_detail.txt", "show_crypto_ipsec_sa_peer.txt", "show_crypto_map.txt",
    "show_crypto_session.txt", "show_crypto_session_detail.txt", "show_crypto_session_detail.2.txt",
    "show_interfaces_tunnel.txt", "show_interfaces_tunnel.keepalive_down.txt",
    "show_interfaces_tunnel.2.txt", "show_ip_interface_brief.txt", "show_ip_bgp_summary.txt",
    "show_bgp_all_summary.txt", "show_ip_bgp_neighbors_received_routes.txt",
    "show_ip_bgp_neighbors_advertised_routes.txt", "show_ip_bgp_neighbors_advertised_routes.2.txt",
    "show_ip_bgp_neighbors_advertised_routes.default_originate.txt", "show_ip_route.txt",
    "show_ip_route.2.txt",
}


def test_every_real_fixture_has_a_parser_test():
    files = {p.name for p in FIXTURES.glob("*.txt")}
    assert files == TESTED, "untested fixture(s): %s" % sorted(files - TESTED)
