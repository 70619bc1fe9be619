"""Linux (FRR) redistribution of the DI prefixes into the customer network, on outputs captured from real FRR 8.4.

fixtures/redistribution/{ospf,bgp}/ come from capture/capture_redistribution.sh: a DC-B side announcing its /25, the
/24s and 10.99.0.0/16, the CPE configured with the collection's FRR intent and delta (the second delta was empty:
idempotent), and the customer core router. The plan is the one the capture applied (plan.json).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import redistribution as RED
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as S
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels

CAP = Path(__file__).resolve().parent / "fixtures" / "redistribution"
HOST = "ha-lnx1"
DI_B = ["198.18.20.0/24", "198.18.20.128/25", "203.0.113.0/24", "203.0.113.128/25"]


def _read(mode, name):
    return (CAP / mode / name).read_text()


def _plan(mode):
    return json.loads(_read(mode, "plan.json"))


def _outputs(mode):
    return {
        RED.RUNNING: _read(mode, "cpe_running.txt"),
        RED.OSPF_EXTERNAL_SELF: _read(mode, "cpe_ospf_external_self.json"),
        S.NEIGHBORS: _read(mode, "cpe_bgp_neighbors.json"),
        S.advertised_key("10.0.0.2"): _read(mode, "cpe_core_advertised.json"),
    }


def _state(plan, outputs):
    return S.parse(outputs, HOST, plan)["redistribution"]


def test_plan_hands_over_exactly_what_the_cpe_learns():
    for mode in ("ospf", "bgp"):
        red = _plan(mode)["cpes"][HOST]["redistribution"]
        assert red["prefixes"] == DI_B
        learned = sorted(json.loads(_read(mode, "cpe_bgp.json"))["routes"])
        assert learned == DI_B, "the CPE accepted exactly the DC-B set (10.99.0.0/16 filtered in)"


def test_ospf_state_from_real_frr():
    red = _state(_plan("ospf"), _outputs("ospf"))
    assert red["protocol"] == "ospf" and red["configured"] is True
    assert red["exported"] == DI_B
    assert all(d["tag"] == 64561 and d["metric"] == 20 and d["metric_type"] == 1 for d in red["exported_detail"])


def test_bgp_state_from_real_frr():
    red = _state(_plan("bgp"), _outputs("bgp"))
    assert red["protocol"] == "bgp" and red["configured"] is True
    assert red["exported"] == DI_B
    assert red["core_neighbors"] == [{"neighbor": "10.0.0.2", "state": "Established", "advertised": DI_B}]


def test_the_core_sees_exactly_the_di_prefixes():
    """What the customer core router's RIB holds from the CPE: the DI prefixes only (no default, no 10.99/16)."""
    for mode, protocol in (("ospf", "ospf"), ("bgp", "bgp")):
        routes = json.loads(_read(mode, "core_routes.json"))
        learned = sorted(p for p, entries in routes.items() if any(e["protocol"] == protocol for e in entries)
                         and p != "10.0.0.0/30")
        assert learned == DI_B, mode
    tags = set(e.get("tag") for p, es in json.loads(_read("ospf", "core_routes.json")).items() for e in es
               if e["protocol"] == "ospf" and p in DI_B)
    assert tags == {64561}


def test_wrong_captures_are_seen_as_such():
    """The iBGP capture has no OSPF redistribution: an OSPF plan sees it unconfigured and nothing exported."""
    red = _state(_plan("ospf"), _outputs("bgp"))
    assert red["configured"] is False and red["exported"] == []
    red = _state(_plan("bgp"), _outputs("ospf"))
    assert red["configured"] is False
    assert red["core_neighbors"][0]["state"] is None


def test_unknown_outputs_stay_unknown():
    red = _state(_plan("ospf"), {})
    assert red["configured"] is None and red["exported"] is None
    red = _state(_plan("bgp"), {S.NEIGHBORS: _read("bgp", "cpe_bgp_neighbors.json")})
    assert red["exported"] is None


@pytest.mark.parametrize("mode", ["ospf", "bgp"])
def test_delta_is_idempotent_on_the_captured_running_config(mode):
    plan = _plan(mode)
    running = _read(mode, "cpe_running.txt")
    intent = L.frr_intent(cpe_tunnels(plan, HOST), plan["cpes"][HOST], {}, activate=F.needs_activate(running))
    assert F.frr_delta(running, intent)["commands"] == []
    assert _read(mode, "delta_second.txt") == ""


def test_switching_ospf_to_bgp_removes_the_ospf_redistribution():
    # the ospf capture's CPE, then the bgp plan (the capture's delta_first.txt predates the markers)
    plan = _plan("bgp")
    running = _read("ospf", "cpe_running.txt")
    intent = L.frr_intent(cpe_tunnels(plan, HOST), plan["cpes"][HOST], {}, activate=F.needs_activate(running))
    first = F.frr_delta(running, intent)["commands"]
    assert "router ospf" in first and " no redistribute bgp route-map VC-REDIST" in first
    assert "  neighbor 10.0.0.2 route-map VC-REDIST out" in first
    assert " neighbor 10.0.0.2 description webex_di.virtual_connect:redistribution" in first


def test_operator_redistribution_is_never_replaced():
    plan = _plan("ospf")
    running = _read("ospf", "cpe_running.txt").replace(" redistribute bgp route-map VC-REDIST", " redistribute bgp metric 5")
    intent = L.frr_intent(cpe_tunnels(plan, HOST), plan["cpes"][HOST], {})
    delta = F.frr_delta(running, intent)
    assert delta["commands"] == [] and "redistribute bgp metric 5" in delta["error"]
    no_ospf = "\n".join(x for x in running.splitlines() if not x.startswith(("router ospf", " ospf router-id", " network")))
    assert "no 'router ospf'" in F.frr_delta(no_ospf, intent)["error"]


def test_render_frr_shows_the_hand_over():
    plan = _plan("ospf")
    text = L.render_frr(L.frr_intent(cpe_tunnels(plan, HOST), plan["cpes"][HOST]))
    assert ("route-map VC-REDIST permit 10\n description webex_di.virtual_connect:redistribution\n"
            " match ip address prefix-list VC-REDIST\n set metric 20\n") in text
    assert text.endswith("router ospf\n redistribute bgp route-map VC-REDIST\nexit\n")
