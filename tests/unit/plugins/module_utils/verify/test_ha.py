"""Verify and diagnose of the redistribution into the customer network (layer redistribution, docs/ha.md).

The plan is the lab plan with cpe1 handing the DI prefixes to the customer core (OSPF, or iBGP); the healthy state
is the hand-written healthy cpe1 state plus what a CPE that hands over exactly the DI prefixes shows.
"""
from __future__ import annotations

import copy

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import diagnose_host, verify_host
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import ALL_CHECK_NAMES, CHECK_NAMES

from .helpers import A, B, healthy_state, lab_regions, nbr
from .test_faults import _bgp_active

DI = ["198.18.10.0/24", "198.18.10.0/25", "198.18.10.128/25", "203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25"]
OSPF = {"protocol": "ospf", "ospf_process": 10, "metric": 20, "metric_type": 1, "tag": 4242}
IBGP = {"protocol": "bgp", "neighbors": ["10.0.0.2", "10.0.0.3"]}
RED_CHECKS = [n for n in ALL_CHECK_NAMES if n.startswith("redistribution_")]


def ha_plan(red=None, bgp_asn=None):
    cpe = {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1", "redistribution": red or OSPF}
    if bgp_asn:
        cpe["bgp_asn"] = bgp_asn
    result = build_plan(lab_regions(), cpes={"cpe1": cpe})
    assert not [f for f in result.findings if f["severity"] == "error"], result.findings
    return result.plan


COND = ["10.20.30.0/24"]
PLANS = {"ospf": ha_plan(), "bgp": ha_plan(IBGP, bgp_asn=65010), "cond": ha_plan(dict(OSPF, default_requires=COND))}


def ha_state(protocol="ospf", exported=None, tag=4242):
    """``protocol`` cond: OSPF with the conditional default, its prefix in the routing table (by OSPF)."""
    s = healthy_state()
    exp = list(DI if exported is None else exported)
    red = {"protocol": protocol, "configured": True, "exported": exp}
    if protocol == "cond":
        red["protocol"] = protocol = "ospf"
        red["default_condition"] = {"prefixes": list(COND), "routed": list(COND), "routes": [
            {"prefix": COND[0], "protocol": "ospf", "next_hop": "10.0.0.2", "interface": "lan0"}]}
    if protocol == "ospf":
        red["exported_detail"] = [{"prefix": p, "tag": tag, "metric": 20, "metric_type": 1} for p in exp]
    else:
        red["core_neighbors"] = [{"neighbor": ip, "state": "Established", "advertised": exp} for ip in IBGP["neighbors"]]
    s["redistribution"] = red
    return s


def with_(state, *mutators):
    state = copy.deepcopy(state)
    for m in mutators:
        m(state)
    return state


def _by_key(result):
    return dict((t["key"], t) for t in result["tunnels"])


def _failing(t):
    return [c["check"] for c in t["checks"] if c["status"] == "fail"]


@pytest.mark.parametrize("protocol", ["ospf", "bgp"])
def test_healthy_hand_over_passes_every_check(protocol):
    result = verify_host(PLANS[protocol], ha_state(protocol), "cpe1")
    assert result["ok"], [c for t in result["tunnels"] for c in t["checks"] if c["status"] == "fail"]
    for t in result["tunnels"]:
        names = [c["check"] for c in t["checks"]]
        assert names == list(CHECK_NAMES) + RED_CHECKS
        statuses = dict((c["check"], c["status"]) for c in t["checks"])
        assert statuses["redistribution_config"] == "pass" and statuses["redistribution_exported"] == "pass"
        assert statuses["redistribution_core"] == ("pass" if protocol == "bgp" else "skip")
    exported = _by_key(result)[A]["checks"][-1]
    assert exported["expected"] == ["198.18.10.0/24", "198.18.10.0/25", "203.0.113.0/24", "203.0.113.0/25"]


def test_no_redistribution_in_the_plan_means_no_check():
    """Existing inventories verify exactly as before, whatever the state carries."""
    from .helpers import lab_plan

    result = verify_host(lab_plan(), ha_state(exported=[]), "cpe1")
    for t in result["tunnels"]:
        assert [c["check"] for c in t["checks"]] == list(CHECK_NAMES)
    assert result["ok"]


def _set(path, value):
    def mutate(s):
        s["redistribution"][path] = value
    return mutate


def _drop(prefix):
    def mutate(s):
        red = s["redistribution"]
        red["exported"] = [p for p in red["exported"] if p != prefix]
        for d in red.get("exported_detail") or []:
            pass
        red["exported_detail"] = [d for d in red.get("exported_detail") or [] if d["prefix"] != prefix]
    return mutate


def _add(prefix):
    def mutate(s):
        s["redistribution"]["exported"].append(prefix)
    return mutate


def _tag(value):
    def mutate(s):
        for d in s["redistribution"]["exported_detail"]:
            d["tag"] = value
    return mutate


def _core_down(s):
    s["redistribution"]["core_neighbors"][1]["state"] = "Active"


def _not_gathered(s):
    del s["redistribution"]


# (name, plan, mutators, failing check per tunnel {A: [...], B: [...]}, cause of tunnel A)
FAULTS = [
    ("not configured", "ospf", [_set("configured", False), _set("exported", [])],
     {A: ["redistribution_config"], B: ["redistribution_config"]}, "redistribution.not_configured"),
    ("DC-A /25 not handed over", "ospf", [_drop("203.0.113.0/25")],
     {A: ["redistribution_exported"], B: []}, "redistribution.prefix_missing"),
    ("customer routes leak", "ospf", [_add("10.99.0.0/16")],
     {A: ["redistribution_exported"], B: ["redistribution_exported"]}, "redistribution.not_filtered"),
    ("default route leaks", "ospf", [_add("0.0.0.0/0")],
     {A: ["redistribution_exported"], B: ["redistribution_exported"]}, "redistribution.default_leak"),
    ("wrong tag", "ospf", [_tag(99)],
     {A: ["redistribution_exported"], B: ["redistribution_exported"]}, "redistribution.tag"),
    ("core session down", "bgp", [_core_down],
     {A: ["redistribution_core"], B: ["redistribution_core"]}, "redistribution.core_down"),
]


@pytest.mark.parametrize("name,plan,mutators,failing,cause", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_one_failing_check_and_its_cause(name, plan, mutators, failing, cause):
    state = with_(ha_state(plan), *mutators)
    result = verify_host(PLANS[plan], state, "cpe1")
    tunnels = _by_key(result)
    assert dict((k, _failing(tunnels[k])) for k in (A, B)) == failing
    assert not result["ok"]
    diag = dict((t["key"], t) for t in diagnose_host(PLANS[plan], state, "cpe1")["tunnels"])
    assert diag[A]["cause_id"] == cause, diag[A]
    assert diag[A]["layer"] == "redistribution"
    assert diag[A]["evidence"] and "{" not in diag[A]["fix"] and "{" not in diag[A]["cause"]


def test_a_tunnel_down_blocks_only_its_own_hand_over():
    """DC-A's BGP is down: its /25 is not handed over, which is the BGP fault, not a redistribution one; the DC-B
    tunnel's share (its /25 and the /24 backup routes) is still handed over."""
    state = with_(ha_state(), _bgp_active, _drop("203.0.113.0/25"), _drop("198.18.10.0/25"))
    tunnels = _by_key(verify_host(PLANS["ospf"], state, "cpe1"))
    assert _failing(tunnels[A]) == ["bgp_established"]
    blocked = dict((c["check"], c) for c in tunnels[A]["checks"])["redistribution_exported"]
    assert blocked["status"] == "skip" and blocked["blocked_by"] == "bgp_established"
    assert _failing(tunnels[B]) == []


def test_not_gathered_skips_with_a_reason():
    tunnels = _by_key(verify_host(PLANS["ospf"], with_(ha_state(), _not_gathered), "cpe1"))
    for t in tunnels.values():
        red = [c for c in t["checks"] if c["layer"] == "redistribution"]
        assert [c["status"] for c in red] == ["skip"] * 3 and "not gathered" in red[0]["message"]


def test_fix_names_the_plan_values():
    state = with_(ha_state(), _set("configured", False), _set("exported", []))
    diag = dict((t["key"], t) for t in diagnose_host(PLANS["ospf"], state, "cpe1")["tunnels"])
    assert "OSPF process 10 through route-map VC-REDIST (metric 20, E1, tag 4242)" in diag[A]["fix"]


# Cases for test_rules.test_every_rule_has_a_case: (rule, plan, key, trigger, other, other cause)
def _state_of(plan, *mutators):
    return lambda s: s.update(with_(ha_state(plan), *mutators))


def _cond_routed(routed, routes=None):
    def mutate(s):
        s["redistribution"]["default_condition"].update(routed=routed, routes=routes or [])
    return mutate


def _adv_none_a(s):
    nbr(s)["advertised"] = []


HA_CASES = [
    ("routes.default_withheld", "ha-cond", A, [_state_of("cond", _cond_routed([]), _adv_none_a)],
     [_state_of("cond", _adv_none_a)], "routes.default_not_advertised"),
    ("routes.default_withheld", "ha-cond", A,
     [_state_of("cond", _cond_routed([], [{"prefix": COND[0], "protocol": "kernel", "interface": "lan1"}]), _adv_none_a)],
     [_state_of("cond", _cond_routed([]))], None),
    ("redistribution.not_configured", "ha-ospf", A, [_state_of("ospf", _set("configured", False))],
     [_state_of("ospf", _add("10.99.0.0/16"))], "redistribution.not_filtered"),
    ("redistribution.core_down", "ha-bgp", A, [_state_of("bgp", _core_down)],
     [_state_of("bgp", _add("10.99.0.0/16"))], "redistribution.not_filtered"),
    ("redistribution.default_leak", "ha-ospf", A, [_state_of("ospf", _add("0.0.0.0/0"))],
     [_state_of("ospf", _add("10.99.0.0/16"))], "redistribution.not_filtered"),
    ("redistribution.not_filtered", "ha-ospf", A, [_state_of("ospf", _add("10.99.0.0/16"))],
     [_state_of("ospf", _add("0.0.0.0/0"))], "redistribution.default_leak"),
    ("redistribution.prefix_missing", "ha-ospf", A, [_state_of("ospf", _drop("203.0.113.0/25"))],
     [_state_of("ospf", _tag(7))], "redistribution.tag"),
    ("redistribution.tag", "ha-ospf", A, [_state_of("ospf", _tag(7))],
     [_state_of("ospf", _drop("203.0.113.0/25"))], "redistribution.prefix_missing"),
    ("redistribution.mismatch", "ha-bgp", A,
     [_state_of("bgp", _set("core_neighbors", [{"neighbor": ip, "state": "Established"} for ip in IBGP["neighbors"]]),
                _drop("203.0.113.0/25"), lambda s: nbr(s).update(received=None, prefixes_received=None))],
     [_state_of("bgp", _drop("203.0.113.0/25"))], "redistribution.prefix_missing"),
]


def test_conditional_default_withheld_names_the_igp_and_verify_still_asserts_the_default():
    """verify keeps asserting exactly 0.0.0.0/0 per tunnel; diagnose names why it is withheld, with the evidence."""
    state = with_(ha_state("cond"), _cond_routed([]), _adv_none_a)
    tunnels = _by_key(verify_host(PLANS["cond"], state, "cpe1"))
    assert _failing(tunnels[A]) == ["bgp_advertised"]
    diag = dict((t["key"], t) for t in diagnose_host(PLANS["cond"], state, "cpe1")["tunnels"])
    assert diag[A]["cause_id"] == "routes.default_withheld"
    assert "10.20.30.0/24" in diag[A]["cause"] and "the OSPF adjacency with the core" in diag[A]["fix"]
    assert diag[A]["evidence"][:2] == ["0.0.0.0/0 not advertised to 100.64.0.2", "none of 10.20.30.0/24 in the routing table"]
    # healthy with the condition met: nothing to say; unknown routing table: not this cause
    assert verify_host(PLANS["cond"], ha_state("cond"), "cpe1")["ok"]
    unknown = with_(ha_state("cond"), _cond_routed(None), _adv_none_a)
    diag = dict((t["key"], t) for t in diagnose_host(PLANS["cond"], unknown, "cpe1")["tunnels"])
    assert diag[A]["cause_id"] == "routes.default_not_advertised"
