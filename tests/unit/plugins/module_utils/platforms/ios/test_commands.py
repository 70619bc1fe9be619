"""The IOS-XE gather command list comes from the plan only, and the offline file naming."""
from __future__ import annotations

import copy

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import command_filename, read_saved_outputs
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import classify_command

from .helpers import OFFLINE


def test_lab_single_cpe_command_list(plan):
    cmds = [c["command"] for c in ios_gather_commands(plan, "cpe1")]
    assert cmds == [
        "show crypto ikev2 sa",
        "show crypto session detail",
        "show ip bgp summary",
        "show ip interface brief",
        "show ip route 203.0.113.0 255.255.255.0 longer-prefixes",
        "show ip route 198.18.10.0 255.255.255.0 longer-prefixes",
        "show crypto ipsec sa peer 198.51.100.2",
        "show interfaces Tunnel101",
        "show ip interface Tunnel101",
        "show ip bgp neighbors 100.64.0.2",
        "show ip bgp neighbors 100.64.0.2 received-routes",
        "show ip bgp neighbors 100.64.0.2 advertised-routes",
        "ping 100.64.0.2 source Tunnel101 repeat 3",
        "show crypto ipsec sa peer 198.51.100.6",
        "show interfaces Tunnel102",
        "show ip interface Tunnel102",
        "show ip bgp neighbors 100.64.0.6",
        "show ip bgp neighbors 100.64.0.6 received-routes",
        "show ip bgp neighbors 100.64.0.6 advertised-routes",
        "ping 100.64.0.6 source Tunnel102 repeat 3",
        # optional diagnose evidence (evidence.py)
        "show running-config | section ^crypto (ikev2 (proposal|policy|profile)|ipsec (transform-set|"
        "security-association)|map|dynamic-map)|^ip access-list extended|^access-list",
        "show running-config | include ^interface |^ ip address |vrf forwarding |^ tunnel (source|destination|vrf) "
        "|^ crypto map |^router bgp |^ address-family |^ +neighbor .* (remote-as|local-as|peer-group)",
        "show logging | include IKEV2|IKEv2|CRYPTO|BGP|BADAUTH",
        "ping 198.51.100.2 source 192.0.2.2 repeat 3",
        "ping 198.51.100.6 source 192.0.2.2 repeat 3",
    ]


def test_items_carry_kind_tunnel_optional_and_file(plan):
    cmds = {c["command"]: c for c in ios_gather_commands(plan, "cpe1")}
    rcv = cmds["show ip bgp neighbors 100.64.0.2 received-routes"]
    assert rcv == {"command": "show ip bgp neighbors 100.64.0.2 received-routes", "kind": "bgp_received",
                   "tunnel": "lab-A", "optional": False,
                   "file": "show_ip_bgp_neighbors_100.64.0.2_received-routes.txt"}
    assert cmds["ping 100.64.0.6 source Tunnel102 repeat 3"]["optional"] is True
    assert cmds["show ip bgp neighbors 100.64.0.6"]["optional"] is True
    assert cmds["show crypto ikev2 sa"]["tunnel"] is None
    # every command is one the state assembler recognises
    assert all(classify_command(c)[0] is not None for c in cmds)


def test_dual_cpe_each_host_gets_its_own_tunnel(dual_plan):
    c1 = [c["command"] for c in ios_gather_commands(dual_plan, "cpe1")]
    c2 = [c["command"] for c in ios_gather_commands(dual_plan, "cpe2")]
    t1 = [t for r in dual_plan["regions"] for t in r["tunnels"] if t["cpe_host"] == "cpe1"][0]
    t2 = [t for r in dual_plan["regions"] for t in r["tunnels"] if t["cpe_host"] == "cpe2"][0]
    assert "show crypto ipsec sa peer 198.51.100.2" in c1 and "show crypto ipsec sa peer 198.51.100.6" not in c1
    assert "show crypto ipsec sa peer 198.51.100.6" in c2 and "show crypto ipsec sa peer 198.51.100.2" not in c2
    assert "show interfaces Tunnel%d" % t1["tunnel_number"] in c1
    assert "ping 100.64.0.6 source Tunnel%d repeat 3" % t2["tunnel_number"] in c2
    # both CPEs look at both /24s of their region
    for cmds in (c1, c2):
        assert "show ip route 203.0.113.0 255.255.255.0 longer-prefixes" in cmds
    assert ios_gather_commands(dual_plan, "not-a-cpe")[:4] == ios_gather_commands(dual_plan, "cpe1")[:4]
    assert len(ios_gather_commands(dual_plan, "not-a-cpe")) == 4  # globals only, no route queries


def test_no_soft_reconfiguration_uses_routes(plan):
    p = copy.deepcopy(plan)
    p["regions"][0]["tunnels"][0]["bgp"]["soft_reconfiguration_inbound"] = False
    cmds = [c["command"] for c in ios_gather_commands(p, "cpe1")]
    assert "show ip bgp neighbors 100.64.0.2 routes" in cmds
    assert "show ip bgp neighbors 100.64.0.2 received-routes" not in cmds
    assert classify_command("show ip bgp neighbors 100.64.0.2 routes") == (
        "bgp_routes", {"neighbor": "100.64.0.2", "which": "routes"})


def test_no_iaas_prefix_means_one_route_query(plan):
    p = copy.deepcopy(plan)
    p["regions"][0]["iaas_prefix"] = None
    cmds = [c["command"] for c in ios_gather_commands(p, "cpe1") if c["kind"] == "ip_route"]
    assert cmds == ["show ip route 203.0.113.0 255.255.255.0 longer-prefixes"]


def test_command_filename():
    assert command_filename("show ip bgp neighbors 100.64.0.2 received-routes") == \
        "show_ip_bgp_neighbors_100.64.0.2_received-routes.txt"
    assert command_filename(" show  interfaces Tunnel101 ") == "show_interfaces_Tunnel101.txt"
    assert command_filename("show interfaces GigabitEthernet0/0/1 | include MTU") == \
        "show_interfaces_GigabitEthernet0_0_1_include_MTU.txt"


def test_read_saved_outputs_variants_and_missing(tmp_path):
    host = tmp_path / "cpe9"
    host.mkdir()
    (host / "SHOW_CRYPTO_IKEV2_SA.txt").write_text("IPv4 Crypto IKEv2 SA\n")
    (host / "show_ip_bgp_neighbors_100.64.0.2_received_routes.txt").write_text("x")
    cmds = [{"command": "show crypto ikev2 sa", "optional": False},
            {"command": "show ip bgp neighbors 100.64.0.2 received-routes", "optional": False},
            {"command": "show ip bgp summary", "optional": False},
            {"command": "ping 100.64.0.2 source Tunnel101 repeat 3", "optional": True}]
    res = read_saved_outputs(str(tmp_path), "cpe9", cmds)
    assert res["outputs"] == {"show crypto ikev2 sa": "IPv4 Crypto IKEv2 SA\n",
                              "show ip bgp neighbors 100.64.0.2 received-routes": "x"}
    assert res["missing"] == [
        {"command": "show ip bgp summary", "path": str(host / "show_ip_bgp_summary.txt"), "optional": False},
        {"command": "ping 100.64.0.2 source Tunnel101 repeat 3",
         "path": str(host / "ping_100.64.0.2_source_Tunnel101_repeat_3.txt"), "optional": True}]
    assert [m["command"] for m in res["missing_required"]] == ["show ip bgp summary"]


def test_read_saved_outputs_missing_host_dir(tmp_path):
    res = read_saved_outputs(str(tmp_path), "ghost", ["show ip bgp summary"])
    assert res["outputs"] == {} and res["directory"] == str(tmp_path / "ghost")
    assert res["missing_required"][0]["path"] == str(tmp_path / "ghost" / "show_ip_bgp_summary.txt")


def test_offline_fixture_dirs_hold_exactly_the_commands(plan):
    expected = {c["file"] for c in ios_gather_commands(plan, "cpe1")}
    for scenario in ("healthy", "broken"):
        assert {p.name for p in (OFFLINE / scenario / "cpe1").iterdir()} == expected, scenario
