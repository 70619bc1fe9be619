"""The conditional default on Linux/FRR (vc_redistribution.default_requires, docs/ha.md section 3).

The fixtures are real FRR 8.4 outputs (capture/capture_default_cond.sh: Cisco's side, the CPE typed by the collection's
delta, the customer core with its LAN in OSPF): ``present`` while the LAN is in the CPE's RIB (the default is sent),
``withheld`` after the core lost it (the default is withdrawn), ``uncond``/``revert`` the unconditional default.
"""
from __future__ import annotations

import json

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import redistribution as RED
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as S

from .helpers import FIXTURES

COND = FIXTURES / "default_cond"
HOST = "ha-lnx1"
DI = "100.64.10.6"


def _plan(name):
    return json.loads((COND / name / "plan.json").read_text())


def _intent(plan):
    return L.frr_intent(cpe_tunnels(plan, HOST), plan["cpes"][HOST], {})


def _text(name, file):
    return (COND / name / file).read_text()


def test_render_the_condition_in_frr_syntax_marked_and_nothing_leaks():
    plan = _plan("present")
    assert plan["cpes"][HOST]["redistribution"]["default_condition"] == {
        "prefixes": ["10.20.30.0/24"], "prefix_list": "VC-DEFAULT-COND", "route_map": "VC-DEFAULT-COND",
        "tunnels": ["us-east-B"]}
    text = L.render_frr(_intent(plan))
    assert "  neighbor %s default-originate route-map VC-DEFAULT-COND\n" % DI in text
    assert "  neighbor %s default-originate\n" % DI not in text
    assert "  redistribute ospf route-map VC-DEFAULT-COND-IGP\n" in text
    assert ("route-map VC-DEFAULT-COND-IGP permit 10\n description webex_di.virtual_connect:redistribution\n"
            " match ip address prefix-list VC-DEFAULT-COND\n set community no-advertise\n") in text
    assert "ip prefix-list VC-DEFAULT-COND description webex_di.virtual_connect:redistribution\n" in text
    # the filter towards Dedicated Instance stays exactly the default route
    assert "ip prefix-list VC-US-EAST-B-OUT seq 5 permit 0.0.0.0/0\n" in text
    assert "ip prefix-list VC-US-EAST-B-OUT seq 10" not in text
    # without default_requires: the unconditional default, no condition object
    plain = L.render_frr(_intent(_plan("uncond")))
    assert "  neighbor %s default-originate\n" % DI in plain and "VC-DEFAULT-COND" not in plain


def test_delta_on_real_frr_is_empty_the_second_time_and_changes_default_originate_in_place():
    plan = _plan("present")
    again = F.frr_delta(_text("present", "cpe_running.txt"), _intent(plan))
    assert again["error"] is None and again["commands"] == []
    assert _text("present", "delta_second.txt").strip() == ""
    first = _text("present", "delta_first.txt").splitlines()
    assert "  neighbor %s default-originate route-map VC-DEFAULT-COND" % DI in first
    assert not [x for x in first if x.strip().startswith("no neighbor")]   # never withdraws the default first
    # from the unconditional running config (real FRR), the same delta as typed in the capture
    delta = F.frr_delta(_text("uncond", "cpe_running.txt"), _intent(plan))
    assert delta["error"] is None and delta["commands"] == first
    # back to the unconditional default: the condition objects go, the line changes in place
    back = F.frr_delta(_text("present", "cpe_running.txt"), _intent(_plan("uncond")))
    assert back["commands"] == _text("revert", "delta_first.txt").splitlines()
    assert "  neighbor %s default-originate" % DI in back["commands"]
    assert "  no redistribute ospf route-map VC-DEFAULT-COND-IGP" in back["commands"]


def test_an_operator_redistribute_ospf_is_refused_never_replaced():
    running = _text("uncond", "cpe_running.txt").replace(
        " address-family ipv4 unicast\n", " address-family ipv4 unicast\n  redistribute ospf route-map CUST-OSPF\n", 1)
    assert "  redistribute ospf route-map CUST-OSPF\n" in running
    delta = F.frr_delta(running, _intent(_plan("present")))
    assert delta["commands"] == []
    assert "redistribute ospf route-map CUST-OSPF" in delta["error"] and "default_requires" in delta["error"]
    # the route-map of ours used by an operator line is refused as used elsewhere
    running = _text("present", "cpe_running.txt").replace(
        "router ospf\n", "router ospf\n redistribute static route-map VC-DEFAULT-COND\n", 1)
    delta = F.frr_delta(running, _intent(_plan("present")))
    assert delta["commands"] == [] and "route-map VC-DEFAULT-COND" in delta["error"]


def test_state_says_whether_the_condition_prefix_is_routed_by_the_igp():
    red = _plan("present")["cpes"][HOST]["redistribution"]
    got = RED.default_condition(red, _text("present", "cpe_kernel_routes.json"))
    assert got == {"prefixes": ["10.20.30.0/24"], "routed": ["10.20.30.0/24"], "routes": [
        {"prefix": "10.20.30.0/24", "protocol": "ospf", "next_hop": "10.0.0.2", "interface": "lan0"}]}
    gone = RED.default_condition(red, _text("withheld", "cpe_kernel_routes.json"))
    assert gone == {"prefixes": ["10.20.30.0/24"], "routed": [], "routes": []}
    # the prefix present but connected (not from the customer OSPF): FRR's condition does not see it
    routes = json.loads(_text("withheld", "cpe_kernel_routes.json")) + [
        {"dst": "10.20.30.0/24", "dev": "lan1", "protocol": "kernel", "scope": "link"}]
    other = RED.default_condition(red, json.dumps(routes))
    assert other["routed"] == [] and other["routes"][0]["protocol"] == "kernel"
    assert RED.default_condition(red, None)["routed"] is None
    assert RED.default_condition(_plan("uncond")["cpes"][HOST]["redistribution"], "[]") is None


def test_advertised_default_follows_the_condition_in_the_real_outputs():
    """FRR lists the originated default apart; withheld, it is not listed at all (the neighbour says defaultNotSent)."""
    for name, want in (("present", ["0.0.0.0/0"]), ("withheld", [])):
        ndoc = json.loads(_text(name, "cpe_di_neighbor.json"))
        adv = json.loads(_text(name, "cpe_di_advertised.json"))
        nb = S.parse_bgp_neighbor(DI, ndoc, {}, adv)
        assert nb["advertised"] == want, name
    di = json.loads(_text("present", "di_bgp.json"))["routes"]
    assert "0.0.0.0/0" in di and "10.20.30.0/24" not in di       # the condition prefix never reaches Cisco
    assert "0.0.0.0/0" not in json.loads(_text("withheld", "di_bgp.json"))["routes"]
    core = json.loads(_text("present", "core_routes.json"))
    assert [r["protocol"] for r in core["10.20.30.0/24"]] == ["ospf", "connected"]   # nothing of ours back to the core
