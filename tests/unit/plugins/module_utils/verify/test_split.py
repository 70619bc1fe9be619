"""Verify and diagnose on split devices (seed 004, docs/ha.md): IKE/IPsec and the RRI route on the IPsec device
(vpn1), GRE/BGP and the route to the IPsec device on the GRE router (cpe1), in the troubleshooting order."""
from __future__ import annotations

import copy

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import diagnose_host, verify_host

from .helpers import A, B, healthy_state, lab_regions

IOS = {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1"}
RRI = {"prefix": "198.51.100.65/32", "protocol": "static", "next_hop": "198.51.100.2", "interface": None}
TO_VPN = {"prefix": "198.51.100.65/32", "protocol": "static", "next_hop": "10.1.0.1", "interface": None}


def split_plan():
    regions = lab_regions()
    regions[0]["tunnels"][0]["cpe"].update(ipsec_host="vpn1", ipsec_inside_ip="10.1.0.1", gre_ip="192.0.2.130")
    result = build_plan(regions, cpes={"cpe1": dict(IOS), "vpn1": dict(IOS)}, options={"rri": {"tag": 99}})
    assert result.ok, result.findings
    return result.plan


PLAN = split_plan()


def gre_router_state():
    """cpe1: both GRE tunnels and BGP; IPsec only for tunnel B; tunnel A's GRE goes to vpn1."""
    s = healthy_state()
    s["ike_sas"] = s["ike_sas"][1:]
    s["ipsec_sas"] = s["ipsec_sas"][1:]
    s["tunnels"][0]["source"] = "192.0.2.130"
    s["routes"].append(dict(TO_VPN))
    return s


def ipsec_device_state():
    """vpn1: the IKE SA and the GRE-only CHILD SA of tunnel A (GRE from cpe1's 192.0.2.130), and the RRI route."""
    s = healthy_state()
    ike, child = s["ike_sas"][0], s["ipsec_sas"][0]
    child["local_ts"] = "192.0.2.130/32"
    return {"host": "vpn1", "platform": "cisco.ios.ios", "ike_sas": [ike], "ipsec_sas": [child], "tunnels": [],
            "bgp_neighbors": [], "routes": [dict(RRI)]}


def _t(result, key):
    return dict((t["key"], t) for t in result["tunnels"])[key]


def _status(t):
    return dict((c["check"], c["status"]) for c in t["checks"])


def test_each_device_verifies_its_part_and_passes():
    rtr = verify_host(PLAN, gre_router_state(), "cpe1")
    assert rtr["ok"], [c for t in rtr["tunnels"] for c in t["checks"] if c["status"] == "fail"]
    a = _t(rtr, A)
    assert a["role"] == "gre" and _t(rtr, B)["role"] == "both"
    st = _status(a)
    assert st["ike_sa"] == st["ipsec_sa"] == "skip" and st["split_route"] == "pass" and st["bgp_established"] == "pass"
    assert "runs on vpn1" in dict((c["check"], c) for c in a["checks"])["ike_sa"]["message"]
    assert "split_route" not in _status(_t(rtr, B)) and "rri_route" not in _status(_t(rtr, B))
    vpn = verify_host(PLAN, ipsec_device_state(), "vpn1")
    assert vpn["ok"] and [t["key"] for t in vpn["tunnels"]] == [A]
    st = _status(_t(vpn, A))
    assert set(c["layer"] for c in _t(vpn, A)["checks"]) == {"ike", "ipsec"}
    assert st["ike_sa"] == st["ipsec_sa"] == st["rri_route"] == "pass"
    order = [c["check"] for c in _t(vpn, A)["checks"]]
    assert order.index("ipsec_traffic") < order.index("rri_route")


def test_an_empty_ipsec_device_fails_at_ike_not_vacuously():
    empty = {"host": "vpn1", "ike_sas": [], "ipsec_sas": [], "tunnels": [], "bgp_neighbors": [], "routes": []}
    vpn = verify_host(PLAN, empty, "vpn1")
    assert not vpn["ok"] and _t(vpn, A)["first_failure"]["check"] == "ike_sa"
    st = _status(_t(vpn, A))
    assert st["rri_route"] == "skip"      # blocked by the IKE failure: one fault, one failing check


def test_rri_missing_is_diagnosed_on_the_ipsec_device():
    s = ipsec_device_state()
    s["routes"] = []
    d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "vpn1")["tunnels"])[A]
    assert d["check"] == "rri_route" and d["cause_id"] == "rri.not_injected"
    assert "clear crypto sa peer 198.51.100.2" in d["fix"]
    s["routes"] = [dict(RRI, next_hop="192.0.2.1")]
    d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "vpn1")["tunnels"])[A]
    assert d["cause_id"] == "rri.wrong_next_hop"


def test_route_to_the_ipsec_device_missing_blocks_gre():
    s = gre_router_state()
    s["routes"] = [r for r in s["routes"] if r["prefix"] != "198.51.100.65/32"]
    s["tunnels"][0].update(oper_up=False, ping_ok=False)
    s["bgp_neighbors"][0].update(state="Active", received=[], advertised=[])
    s["routes"] = [r for r in s["routes"] if r["next_hop"] != "100.64.0.2"]
    result = verify_host(PLAN, s, "cpe1")
    a = _t(result, A)
    assert [c["check"] for c in a["checks"] if c["status"] == "fail"] == ["split_route"]
    assert _t(result, B)["ok"]
    d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "cpe1")["tunnels"])[A]
    assert d["cause_id"] == "rri.no_route_to_ipsec_device" and "10.1.0.1" in d["fix"]
    s2 = gre_router_state()
    s2["routes"] = [r for r in s2["routes"] if r["prefix"] != "198.51.100.65/32"] + [dict(TO_VPN, next_hop="192.0.2.1")]
    d = dict((t["key"], t) for t in diagnose_host(PLAN, s2, "cpe1")["tunnels"])[A]
    assert d["cause_id"] == "rri.route_elsewhere"


def _split_state(kind, *mutators):
    def mutate(s):
        s.clear()
        s.update(gre_router_state() if kind == "gre" else ipsec_device_state())
        for m in mutators:
            m(s)
    return mutate


def _no_rri(s):
    s["routes"] = []


def _rri_elsewhere(s):
    s["routes"] = [dict(RRI, next_hop="192.0.2.1")]


def _no_route(s):
    s["routes"] = [r for r in s["routes"] if r["prefix"] != "198.51.100.65/32"]


def _route_elsewhere(s):
    _no_route(s)
    s["routes"].append(dict(TO_VPN, next_hop="192.0.2.1"))


# (rule, plan, key, trigger, other, other cause) for test_rules.test_every_rule_has_a_case; the host is cpe1 there,
# so the IPsec-device rules get their own test above and are listed with the host they run on via plan "split-vpn1".
def _gre_down_behind_vpn(s):
    s["tunnels"][0].update(oper_up=False, ping_ok=False)
    s["bgp_neighbors"][0].update(state="Active", uptime_s=None, received=[], advertised=[], prefixes_received=0)
    s["routes"] = [r for r in s["routes"] if r.get("next_hop") != "100.64.0.2"]


SPLIT_CASES = [
    ("split.ipsec_device", "split", A, [_split_state("gre", _gre_down_behind_vpn)],
     [_split_state("gre", _gre_down_behind_vpn, _no_route)], "rri.no_route_to_ipsec_device"),
    ("rri.no_route_to_ipsec_device", "split", A, [_split_state("gre", _no_route)],
     [_split_state("gre", _route_elsewhere)], "rri.route_elsewhere"),
    ("rri.route_elsewhere", "split", A, [_split_state("gre", _route_elsewhere)],
     [_split_state("gre", _no_route)], "rri.no_route_to_ipsec_device"),
]
IPSEC_DEVICE_CASES = [
    ("rri.not_injected", _no_rri, _rri_elsewhere, "rri.wrong_next_hop"),
    ("rri.wrong_next_hop", _rri_elsewhere, _no_rri, "rri.not_injected"),
]


def test_ipsec_device_rules_trigger_and_do_not():
    for rule, trigger, other, other_cause in IPSEC_DEVICE_CASES:
        s = ipsec_device_state()
        trigger(s)
        d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "vpn1")["tunnels"])[A]
        assert d["cause_id"] == rule and d["evidence"] and "{" not in d["fix"]
        s = ipsec_device_state()
        other(s)
        d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "vpn1")["tunnels"])[A]
        assert d["cause_id"] == other_cause


def test_healthy_copies_are_independent():
    assert gre_router_state() == copy.deepcopy(gre_router_state())


def test_gre_down_behind_a_healthy_route_points_to_the_ipsec_device():
    s = gre_router_state()
    _gre_down_behind_vpn(s)
    d = dict((t["key"], t) for t in diagnose_host(PLAN, s, "cpe1")["tunnels"])
    assert d[A]["cause_id"] == "split.ipsec_device" and d[B]["ok"]
    assert "vpn1" in d[A]["cause"] and "vpn1" in d[A]["fix"] and "198.51.100.2" in d[A]["fix"]
    assert any("runs on vpn1" in e for e in d[A]["evidence"])
    # the same failure on a one-device tunnel is not this cause (the rule needs a split tunnel's GRE router)
    from .helpers import lab_plan

    s = healthy_state()
    _gre_down_behind_vpn(s)
    one = dict((t["key"], t) for t in diagnose_host(lab_plan(), s, "cpe1")["tunnels"])[A]
    assert not one["ok"] and one["cause_id"] not in (None, "split.ipsec_device"), one


def test_each_device_settles_its_part_of_a_split_tunnel():
    """After a change, the IPsec device waits for the IKE and CHILD SA of the split tunnel (it has no BGP), the GRE
    router for its BGP session and routes (its IKE/IPsec are the other device's); without roles both are waited for."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import settle_roles, waiting

    vt, vroles = settle_roles(PLAN, "vpn1")
    assert [t["key"] for t in vt] == [A] and vroles == {A: "ipsec"}
    vpn = ipsec_device_state()
    assert waiting(vpn, vt, roles=vroles) == []
    assert waiting(vpn, vt) == ["lab-A: BGP session"]                    # no roles: the whole tunnel
    vpn["ipsec_sas"] = []
    assert waiting(vpn, vt, roles=vroles) == ["lab-A: CHILD SA"]
    rt, rroles = settle_roles(PLAN, "cpe1")
    assert rroles == {A: "gre", B: "both"}
    rtr = gre_router_state()
    assert waiting(rtr, rt, roles=rroles) == []
    rtr["bgp_neighbors"][0].update(state="Active")
    assert waiting(rtr, rt, roles=rroles) == ["lab-A: BGP session"]
