"""Healthy state passes; each single fault gives exactly the expected failing check and cause."""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import (
    CHECK_NAMES,
    diagnose_host,
    verify_host,
)

from .helpers import A, B, child, gre, healthy_state, ike, lab_plan, nbr, state_with, tunnel_a_down_below


@pytest.fixture(scope="module")
def plan():
    return lab_plan()


def by_key(result):
    return dict((t["key"], t) for t in result["tunnels"])


def failing(tunnel):
    return sorted(c["check"] for c in tunnel["checks"] if c["status"] == "fail")


def test_healthy_state_passes_every_check(plan):
    result = verify_host(plan, healthy_state(), "cpe1")
    assert result["ok"] is True
    assert [t["key"] for t in result["tunnels"]] == [A, B]
    for t in result["tunnels"]:
        assert [c["check"] for c in t["checks"]] == list(CHECK_NAMES)
        assert all(c["status"] == "pass" for c in t["checks"]), [c for c in t["checks"] if c["status"] != "pass"]
    assert result["summary"] == {"pass": 2 * len(CHECK_NAMES), "fail": 0, "skip": 0}
    diag = diagnose_host(plan, healthy_state(), "cpe1")
    assert diag["ok"] and all(t["cause_id"] is None for t in diag["tunnels"])


def _remove_ike_a(s):
    s["ike_sas"] = [sa for sa in s["ike_sas"] if sa["remote"] != "198.51.100.2"]


def _young(s):
    ike(s)["uptime_s"] = 3


def _flapping(s):
    ike(s)["uptime_s"] = 4
    s["ike_sas"].append(dict(ike(s), state="connecting", uptime_s=None))
    s["ike_sas"].append(dict(ike(s), state="connecting", uptime_s=None))


def _child_missing(s):
    s["ipsec_sas"] = [sa for sa in s["ipsec_sas"] if sa["remote"] != "198.51.100.2"]


def _transport(s):
    child(s).update(mode="transport", pkts_in=0, pkts_out=0)


def _proto_ip(s):
    child(s).update(protocol=0, local_ts="192.0.2.2/32", remote_ts="198.51.100.65/32")


def _no_inbound(s):
    child(s).update(pkts_in=0, pkts_out=57)


def _no_outbound(s):
    child(s).update(pkts_in=0, pkts_out=0)


def _gre_down(s):
    gre(s).update(oper_up=False, ping_ok=False)


def _bgp_active(s):
    nbr(s).update(state="Active", uptime_s=None, received=[], advertised=[], prefixes_received=0)
    s["routes"] = [r for r in s["routes"] if r["interface"] != "Tunnel101"]


def _remote_as(s):
    nbr(s)["remote_as"] = 64999


def _local_as_b(s):
    nbr(s, 1)["local_as"] = 64551   # the per-neighbour local-as 64561 is missing


def _missing_25(s):
    nbr(s)["received"].remove("203.0.113.0/25")
    s["routes"] = [r for r in s["routes"] if r["prefix"] != "203.0.113.0/25"]


def _extra(s):
    nbr(s)["received"].append("10.99.0.0/16")


def _extra_other_dc(s):
    nbr(s)["received"].append("203.0.113.128/25")


def _missing_24(s):
    nbr(s)["received"].remove("203.0.113.0/24")


def _adv_more(s):
    nbr(s)["advertised"] = ["0.0.0.0/0", "10.0.0.0/8"]


def _adv_none(s):
    nbr(s)["advertised"] = []


def _wrong_tunnel(s):
    for r in s["routes"]:
        if r["prefix"] == "203.0.113.0/25":
            r.update(next_hop="100.64.0.6", interface="Tunnel102")


FAULTS = [
    # id, mutators, tunnel, failing checks, cause
    ("ike_down", [_remove_ike_a, tunnel_a_down_below("ike")], A, ["ike_sa"], "ike.no_trigger"),
    ("ike_young", [_young], A, ["ike_sa_stable"], "ike.young"),
    ("ike_flapping", [_flapping, tunnel_a_down_below("ike")], A, ["ike_sa_stable"], "ike.flapping"),
    ("child_missing", [_child_missing, tunnel_a_down_below("ipsec")], A, ["ipsec_sa"], "ipsec.down"),
    ("transport_mode", [_transport, tunnel_a_down_below("ipsec")], A, ["ipsec_mode"], "ipsec.transport_mode"),
    ("protocol_ip", [_proto_ip], A, ["ipsec_protocol"], "ipsec.acl_not_gre"),
    ("no_traffic_in", [_no_inbound, tunnel_a_down_below("ipsec")], A, ["ipsec_traffic"], "ipsec.no_inbound"),
    ("no_traffic_out", [_no_outbound, tunnel_a_down_below("ipsec")], A, ["ipsec_traffic"], "ipsec.no_outbound"),
    ("gre_down", [_gre_down, tunnel_a_down_below("gre")], A, ["gre_up"], "gre.firewall"),
    ("bgp_active", [_bgp_active], A, ["bgp_established"], "bgp.firewall"),
    ("remote_as", [_remote_as, _bgp_active], A, ["bgp_remote_as"], "bgp.remote_as"),
    ("local_as", [_local_as_b, lambda s: nbr(s, 1).update(state="Idle", received=[], advertised=[])], B,
     ["bgp_local_as"], "bgp.local_as"),
    ("missing_25", [_missing_25], A, ["bgp_received"], "routes.missing_dc_prefix"),
    ("extra_prefix", [_extra], A, ["bgp_received"], "routes.extra"),
    ("extra_other_dc_25", [_extra_other_dc], A, ["bgp_received"], "routes.other_dc_prefix"),
    ("missing_24", [_missing_24], A, ["bgp_received"], "routes.missing_backup"),
    ("advertised_more", [_adv_more], A, ["bgp_advertised"], "routes.more_specific"),
    ("default_not_advertised", [_adv_none], A, ["bgp_advertised"], "routes.default_not_advertised"),
    ("wrong_tunnel", [_wrong_tunnel], A, ["route_via_tunnel"], "routes.wrong_tunnel"),
]


@pytest.mark.parametrize("fault,mutators,key,checks,cause", FAULTS, ids=[f[0] for f in FAULTS])
def test_single_fault(plan, fault, mutators, key, checks, cause):
    state = state_with(*mutators)
    result = verify_host(plan, state, "cpe1")
    assert result["ok"] is False
    tunnels = by_key(result)
    assert failing(tunnels[key]) == checks
    other = B if key == A else A
    assert tunnels[other]["ok"], failing(tunnels[other])
    assert tunnels[key]["first_failure"]["check"] == checks[0]
    # everything that broke because of the fault is reported as blocked by it, never as its own fault
    for c in tunnels[key]["checks"]:
        if c["blocked_by"]:
            assert c["status"] == "skip" and c["blocked_by"] == checks[0]
            assert c["message"].startswith("blocked by %s (%s): " % (tunnels[key]["first_failure"]["layer"], checks[0]))
    diag = dict((t["key"], t) for t in diagnose_host(plan, state, "cpe1")["tunnels"])
    assert diag[key]["cause_id"] == cause, diag[key]
    assert diag[key]["check"] == checks[0]
    assert diag[key]["cause"] and diag[key]["fix"]
    assert diag[other]["ok"] and diag[other]["cause_id"] is None


def test_lower_layer_fault_blocks_every_later_failure(plan):
    state = state_with(_remove_ike_a, tunnel_a_down_below("ike"))
    t = by_key(verify_host(plan, state, "cpe1"))[A]
    blocked = sorted(c["check"] for c in t["checks"] if c["blocked_by"] == "ike_sa")
    assert blocked == sorted(["ike_sa_stable", "ipsec_sa", "ipsec_selectors", "ipsec_protocol", "ipsec_mode",
                              "ipsec_traffic", "gre_up", "gre_ping", "bgp_established", "bgp_timers", "bgp_received",
                              "bgp_advertised", "route_via_tunnel"])
    diag = by_key(diagnose_host(plan, state, "cpe1"))[A]
    assert diag["blocked"] == [c["check"] for c in t["checks"] if c["blocked_by"]]


def test_prefix_mismatch_reports_missing_and_extra_separately(plan):
    state = state_with(_missing_25, _extra)
    c = [c for c in by_key(verify_host(plan, state, "cpe1"))[A]["checks"] if c["check"] == "bgp_received"][0]
    assert c["missing"] == ["203.0.113.0/25"]
    assert c["extra"] == ["10.99.0.0/16"]
    assert "missing 203.0.113.0/25" in c["message"] and "extra 10.99.0.0/16" in c["message"]


def test_two_independent_faults_give_two_causes(plan):
    state = state_with(_missing_24, _adv_more)
    d = by_key(diagnose_host(plan, state, "cpe1"))[A]
    assert d["cause_id"] == "routes.missing_backup"
    assert [o["cause_id"] for o in d["other_causes"]] == ["routes.more_specific"]


def test_ike_uptime_threshold_is_an_option(plan):
    state = state_with(lambda s: ike(s).update(uptime_s=45))
    assert verify_host(plan, state, "cpe1")["ok"]
    result = verify_host(plan, state, "cpe1", {"min_ike_uptime_s": 60})
    assert failing(by_key(result)[A]) == ["ike_sa_stable"]


def test_traffic_requirement_can_be_disabled(plan):
    state = state_with(_no_inbound)
    assert failing(by_key(verify_host(plan, state, "cpe1"))[A]) == ["ipsec_traffic"]
    result = verify_host(plan, state, "cpe1", {"require_traffic": False})
    assert result["ok"]
    c = [c for c in by_key(result)[A]["checks"] if c["check"] == "ipsec_traffic"][0]
    assert c["status"] == "skip"


def test_rekey_pair_of_ike_sas_is_not_flapping(plan):
    state = state_with(lambda s: s["ike_sas"].append(dict(ike(s), uptime_s=2)))
    assert verify_host(plan, state, "cpe1")["ok"]


def test_unknown_fields_skip_with_a_reason_not_fail(plan):
    def unknown(s):
        for sa in s["ipsec_sas"]:
            sa.update(pkts_in=None, pkts_out=None, mode=None)
        for t in s["tunnels"]:
            t.update(ping_ok=None, keepalive=None)
        del s["routes"]
    result = verify_host(plan, state_with(unknown), "cpe1")
    assert result["ok"]
    for t in result["tunnels"]:
        skipped = dict((c["check"], c["message"]) for c in t["checks"] if c["status"] == "skip")
        assert sorted(skipped) == ["gre_keepalive", "gre_ping", "ipsec_mode", "ipsec_traffic", "route_via_tunnel"]
        assert all(not m.startswith("blocked") for m in skipped.values())


def test_received_count_only_when_the_list_is_unknown(plan):
    ok = state_with(lambda s: nbr(s).update(received=None, prefixes_received=4))
    assert verify_host(plan, ok, "cpe1")["ok"]
    bad = state_with(lambda s: nbr(s).update(received=None, prefixes_received=3))
    assert failing(by_key(verify_host(plan, bad, "cpe1"))[A]) == ["bgp_received"]


def test_host_without_tunnels_warns(plan):
    result = verify_host(plan, healthy_state(), "other")
    assert result["tunnels"] == [] and result["ok"]
    assert any("no Virtual Connect tunnel on host other" in w for w in result["warnings"])


def test_dual_cpe_each_host_verifies_only_its_tunnel():
    plan = lab_plan("lab-dual")
    s1 = state_with(lambda s: [s[k].pop(1) for k in ("ike_sas", "ipsec_sas", "tunnels", "bgp_neighbors")])
    s1["routes"] = [r for r in s1["routes"] if r["interface"] == "Tunnel101"]
    r1 = verify_host(plan, s1, "cpe1")
    assert [t["key"] for t in r1["tunnels"]] == [A] and r1["ok"]
    # cpe2 with cpe1's state: tunnel B is nowhere
    r2 = verify_host(plan, s1, "cpe2")
    assert [t["key"] for t in r2["tunnels"]] == [B]
    assert failing(r2["tunnels"][0]) == ["ike_sa"]
    assert "state is for host cpe1" in r2["warnings"][0]


def test_gather_errors_become_warnings(plan):
    state = state_with(lambda s: s.update(gather_errors=[{"command": "show ip interface Tunnel102",
                                                          "message": "% Invalid input"}]))
    result = verify_host(plan, state, "cpe1")
    assert result["ok"]
    assert result["warnings"] == ["gather error: show ip interface Tunnel102: % Invalid input"]
    linux = state_with(lambda s: s.update(errors=["vtysh -c show bgp neighbors json: rc 127: not found"]))
    assert verify_host(plan, linux, "cpe1")["warnings"] == ["gather error: vtysh -c show bgp neighbors json: rc 127: not found"]
