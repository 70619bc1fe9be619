"""Virtual-Connect-shaped variants built from the real formats: the saved healthy lab outputs edited
the way a failing or differently-printed router would show them."""
from __future__ import annotations

import re

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state, outputs_from_command_results
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import show_parsers as P

from .helpers import OFFLINE

RCV_A = "show ip bgp neighbors 100.64.0.2 received-routes"
ADV_A = "show ip bgp neighbors 100.64.0.2 advertised-routes"


@pytest.fixture()
def healthy(plan):
    saved = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", ios_gather_commands(plan, "cpe1"))
    return dict(saved["outputs"])


def _nb(state, addr):
    return [n for n in state["bgp_neighbors"] if n["neighbor"] == addr][0]


def test_two_sessions_both_up(healthy):
    sessions = P.parse_crypto_session(healthy["show crypto session detail"])
    assert [(s["interface"], s["profile"], s["peer"], s["status"]) for s in sessions] == [
        ("GigabitEthernet1", "VC-LAB-A", "198.51.100.2", "UP-ACTIVE"),
        ("GigabitEthernet1", "VC-LAB-B", "198.51.100.6", "UP-ACTIVE")]
    assert [s["ipsec_flows"][0]["remote"] for s in sessions] == ["198.51.100.65/32", "198.51.100.66/32"]
    assert all(s["ipsec_flows"][0]["protocol"] == 47 and s["ipsec_flows"][0]["active_sas"] == 2 for s in sessions)


def test_session_only_gather_derives_ike_and_ipsec(plan, healthy):
    """Without 'show crypto ikev2 sa' and 'show crypto ipsec sa', the session detail still tells."""
    outputs = {"show crypto session detail": healthy["show crypto session detail"]}
    state = build_ios_state(outputs, host="cpe1", plan=plan)
    assert [(i["remote"], i["state"], i["version"], i["uptime_s"]) for i in state["ike_sas"]] == [
        ("198.51.100.2", "established", 2, 2480), ("198.51.100.6", "established", 2, 2476)]
    assert [(s["remote"], s["remote_ts"], s["protocol"], s["state"], s["mode"]) for s in state["ipsec_sas"]] == [
        ("198.51.100.2", "198.51.100.65/32", 47, "installed", None),
        ("198.51.100.6", "198.51.100.66/32", 47, "installed", None)]


@pytest.mark.parametrize("status,expected", [("IN-NEG", "connecting"), ("DELETE", "down"), ("READY", "established")])
def test_ikev2_status_mapping(plan, healthy, status, expected):
    text = healthy["show crypto ikev2 sa"].replace("READY  \n", status + "  \n", 1)
    state = build_ios_state({"show crypto ikev2 sa": text}, host="cpe1", plan=plan)
    assert state["ike_sas"][0]["state"] == expected and state["ike_sas"][1]["state"] == "established"


def test_tunnel1_ike_down_and_ipsec_without_sa(plan, healthy):
    out = dict(healthy)
    out["show crypto ikev2 sa"] = re.sub(r"^1 .*\n.*\n.*\n", "", healthy["show crypto ikev2 sa"], flags=re.M)
    out.pop("show crypto session detail")
    sa_text = out["show crypto ipsec sa peer 198.51.100.2"]
    out["show crypto ipsec sa peer 198.51.100.2"] = sa_text[:sa_text.index("     inbound esp sas:")] + (
        "     inbound esp sas:\n\n     inbound ah sas:\n\n     outbound esp sas:\n\n     outbound ah sas:\n")
    state = build_ios_state(out, host="cpe1", plan=plan)
    assert [i["remote"] for i in state["ike_sas"]] == ["198.51.100.6"]  # no SA with DC-A at all
    sa_a = [s for s in state["ipsec_sas"] if s["remote"] == "198.51.100.2"][0]
    assert sa_a["state"] == "down" and sa_a["protocol"] == 47


def test_only_inbound_sa_active_is_not_installed(plan, healthy):
    out = dict(healthy)
    text = out["show crypto ipsec sa peer 198.51.100.6"]
    head, tail = text.split("     outbound esp sas:", 1)
    out["show crypto ipsec sa peer 198.51.100.6"] = head + "     outbound esp sas:" + tail.replace(
        "Status: ACTIVE(ACTIVE)", "Status: STANDBY(STANDBY)", 1)
    state = build_ios_state(out, host="cpe1", plan=plan)
    sa_b = [s for s in state["ipsec_sas"] if s["remote"] == "198.51.100.6"][0]
    assert sa_b["state"] == "down"


def test_missing_dc_slash25_in_received_routes(plan, healthy):
    out = dict(healthy)
    out[RCV_A] = "\n".join(ln for ln in healthy[RCV_A].splitlines() if "203.0.113.0/25" not in ln).replace(
        "Total number of prefixes 4", "Total number of prefixes 3")
    nb = _nb(build_ios_state(out, host="cpe1", plan=plan), "100.64.0.2")
    assert nb["received"] == ["198.18.10.0/24", "198.18.10.0/25", "203.0.113.0/24"]


def test_extra_prefix_classful_rows_and_wrapped_long_network(plan, healthy):
    out = dict(healthy)
    extra = (" *>   172.16.0.0       100.64.0.2               0             0 64552 i\n"
             " *>   192.168.200.128/25\n"
             "                       100.64.0.2               0             0 64552 i\n")
    out[RCV_A] = healthy[RCV_A].replace("\nTotal number", extra + "\nTotal number")
    nb = _nb(build_ios_state(out, host="cpe1", plan=plan), "100.64.0.2")
    # canonical, sorted by address then length
    assert nb["received"] == ["172.16.0.0/16", "192.168.200.128/25", "198.18.10.0/24", "198.18.10.0/25",
                              "203.0.113.0/24", "203.0.113.0/25"]


def test_default_originate_plus_table_rows(plan, healthy):
    out = dict(healthy)
    out[ADV_A] = healthy[ADV_A].replace(
        "     Network          Next Hop            Metric LocPrf Weight Path\n",
        "     Network          Next Hop            Metric LocPrf Weight Path\n"
        " *>   10.20.0.0/16     0.0.0.0                  0         32768 i\n").replace(
        "Total number of prefixes 0", "Total number of prefixes 1")
    nb = _nb(build_ios_state(out, host="cpe1", plan=plan), "100.64.0.2")
    assert nb["advertised"] == ["0.0.0.0/0", "10.20.0.0/16"]
    out[ADV_A] = healthy[ADV_A].replace("Originating default network 0.0.0.0\n", "")
    nb = _nb(build_ios_state(out, host="cpe1", plan=plan), "100.64.0.2")
    assert nb["advertised"] == []  # no default-originate: nothing advertised


def test_soft_reconfiguration_missing_gives_unknown_received(plan, healthy):
    out = dict(healthy)
    out[RCV_A] = "% Inbound soft reconfiguration not enabled on 100.64.0.2\n"
    nb = _nb(build_ios_state(out, host="cpe1", plan=plan), "100.64.0.2")
    assert nb["received"] is None and nb["prefixes_received"] == 4


def test_absent_tunnel_interface_is_absent_from_state(plan, healthy):
    out = dict(healthy)
    out["show interfaces Tunnel101"] = ("show interfaces Tunnel101\n                        ^\n"
                                        "% Invalid input detected at '^' marker.\n")
    out["show ip interface brief"] = "\n".join(
        ln for ln in healthy["show ip interface brief"].splitlines() if not ln.startswith("Tunnel101"))
    state = build_ios_state(out, host="cpe1", plan=plan)
    assert [t["name"] for t in state["tunnels"]] == ["Tunnel102"]


def test_tunnel_only_in_brief_gets_partial_entry(plan, healthy):
    out = dict(healthy)
    out.pop("show interfaces Tunnel101")
    state = build_ios_state(out, host="cpe1", plan=plan)
    t = [t for t in state["tunnels"] if t["name"] == "Tunnel101"][0]
    assert (t["admin_up"], t["oper_up"], t["source"], t["keepalive"], t["ip_mtu"]) == (True, True, None, None, 1400)


def _mangle_all(outputs, fn):
    return {c: fn(c, t) for c, t in outputs.items()}


def test_lost_indentation_gives_the_same_state(plan, healthy):
    reference = build_ios_state(healthy, host="cpe1", plan=plan)
    flat = _mangle_all(healthy, lambda c, t: "\n".join(ln.lstrip() for ln in t.splitlines()))
    flat_state = build_ios_state(flat, host="cpe1", plan=plan)
    # BGP attribute columns cannot be aligned any more, but nothing in the state depends on them
    assert flat_state == reference


def test_crlf_prompts_tabs_trailing_blanks_give_the_same_state(plan, healthy):
    reference = build_ios_state(healthy, host="cpe1", plan=plan)
    noisy = _mangle_all(healthy, lambda c, t: "cpe1#%s\r\n%s\r\ncpe1#" % (
        c, "\r\n".join(ln.replace("        ", "\t") + "   " for ln in t.splitlines())))
    assert build_ios_state(noisy, host="cpe1", plan=plan) == reference


def test_nat_t_ports(plan, healthy):
    text = healthy["show crypto ikev2 sa"].replace("/500", "/4500")
    state = build_ios_state({"show crypto ikev2 sa": text}, host="cpe1", plan=plan)
    assert all(i["nat_t"] and i["local_port"] == 4500 and i["remote_port"] == 4500 for i in state["ike_sas"])


def test_bgp_summary_wrapped_neighbor_and_asdot():
    text = ("BGP router identifier 192.0.2.2, local AS number 64551\n\n"
            "Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd\n"
            "100.64.0.2\n"
            "                4        64552      58      61       11    0    0 00:41:02        4\n"
            "100.64.0.6      4          1.10      0       0        1    0    0 never    Idle (Admin)\n")
    s = P.parse_bgp_summary(text)
    assert [(n["neighbor"], n["remote_as"], n["state"], n["prefixes_received"]) for n in s["neighbors"]] == [
        ("100.64.0.2", 64552, "Established", 4), ("100.64.0.6", 65546, "Idle", 0)]


def test_registered_ios_command_loop_and_failures(plan, healthy):
    cmds = ios_gather_commands(plan, "cpe1")
    results = []
    for c in cmds:
        if c["command"] == "show ip interface Tunnel102":
            results.append({"item": c, "failed": False, "failed_when_result": False,
                            "msg": "show ip interface Tunnel102\r\n% Invalid input detected at '^' marker."})
        else:
            results.append({"item": c, "stdout": [healthy[c["command"]]], "changed": False})
    results.append({"item": {"command": "show version"}, "skipped": True})
    outputs, errors = outputs_from_command_results({"results": results, "msg": "All items completed"})
    assert errors == [{"command": "show ip interface Tunnel102",
                       "message": "show ip interface Tunnel102\r\n% Invalid input detected at '^' marker."}]
    assert "show version" not in outputs
    state = build_ios_state(outputs, host="cpe1", plan=plan, errors=errors)
    assert state["gather_errors"] == errors
    assert [(t["name"], t["ip_mtu"]) for t in state["tunnels"]] == [("Tunnel101", 1400), ("Tunnel102", None)]


def test_routes_without_plan_keep_everything():
    from .helpers import fixture_text
    state = build_ios_state({"show ip route": fixture_text("show_ip_route.txt")}, host="r1")
    assert len(state["routes"]) == 35  # 32 entries, 3 of them with two paths
    assert {"prefix": "2.2.2.0/24", "protocol": "static", "next_hop": None,
            "interface": "FastEthernet0/0.100"} in state["routes"]
    bgp = [r for r in state["routes"] if r["prefix"] == "6.6.0.0/16"][0]
    assert bgp["next_hop"] == "195.0.0.1" and bgp["interface"] is None  # no connected route covers it
