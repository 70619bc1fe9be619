"""IOS-XE redistribution of the DI prefixes into the customer network (docs/ha.md): render, diff, safety, gather/parse.

Against the IOS-XE TEST DOUBLE's own configuration engine (tests/iosxe_double, written separately): our commands
are accepted, the second pass is empty, the operator's OSPF redistribution and route-map are untouched, and the
OSPF database the double derives from its RIB holds exactly the DI prefixes (the branch's eBGP routes 10.99.0.0/16
and 172.22.0.0/16 are in the same RIB and must not be handed over).
"""
from __future__ import annotations

import copy
import sys

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.action.vc_plan import HOSTVARS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, secrets_by_tunnel
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import assemble as AS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import commands as C
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import redistribution as RD
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R

from .config_helpers import REPO, send_config

if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
double = pytest.importorskip("iosxe_double")

INV = REPO / "tests" / "integration" / "ios_e2e" / "inventory" / "ha"
BASE = REPO / "tests" / "iosxe_double" / "base_configs"
DI = ["198.18.10.0/24", "198.18.10.0/25", "198.18.10.128/25", "203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25"]
FOREIGN = [{"neighbor": "10.255.10.2", "remote_as": 65099, "routes": ["10.99.0.0/16", "172.22.0.0/16"]}]


def _plan(red=None, bgp_asn=None):
    regions = yaml.safe_load((INV / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    hv = yaml.safe_load((INV / "host_vars" / "cpe1.yml").read_text())
    hv["ansible_network_os"] = "cisco.ios.ios"
    if red is not None:
        hv["vc_redistribution"] = red
    if bgp_asn:
        hv["vc_bgp_asn"] = bgp_asn
    cpes = {"cpe1": {key: hv[var] for var, key in HOSTVARS.items() if var in hv}}
    result = build_plan(copy.deepcopy(regions), cpes=cpes)
    assert not [f for f in result.findings if f["severity"] == "error"], result.findings
    return result.plan, secrets_by_tunnel(regions), regions


def _router(regions, base="cpe_ha.cfg"):
    router = double.Router("cpe1", (BASE / base).read_text(), truth=regions, foreign={"bgp": FOREIGN})
    session = double.Session(router, "admin")
    session.handle_line("enable")
    return router, session


_send = send_config


def _intent(plan, secrets):
    return R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)


def _deploy(plan, secrets, regions, base="cpe_ha.cfg"):
    router, session = _router(regions, base)
    intent = _intent(plan, secrets)
    first = D.compute(intent, router.running_config())
    assert first.errors == [], first.errors
    assert _send(session, first.commands) == []
    return router, session, intent, first


def _gather(router, session, plan):
    outputs = {}
    for c in C.ios_gather_commands(plan, "cpe1"):
        outputs[c["command"]] = session.handle_line(c["command"])
    return AS.build_ios_state(outputs, "cpe1", plan)


def test_ospf_render_deploy_idempotent_and_operator_untouched():
    plan, secrets, regions = _plan()
    router, _session, intent, first = _deploy(plan, secrets, regions)
    typed = "\n".join(first.commands)
    assert "route-map VC-REDIST permit 10\ndescription webex_di.virtual_connect:redistribution\n" \
           "match ip address prefix-list VC-REDIST\nset metric 20\n" \
           "set metric-type type-1\nset tag 4242" in typed
    assert "router ospf 1\nredistribute bgp 64551 subnets route-map VC-REDIST" in typed
    after = router.running_config()
    assert D.compute(intent, after).commands == []
    # the operator's OSPF redistribution and route-map are still there, exactly
    assert " redistribute connected route-map CUST-CONNECTED\n" in after
    assert "route-map CUST-CONNECTED permit 10\n match ip address prefix-list CUST-TO-BRANCH\n set metric 50\n" in after


def test_ospf_database_holds_exactly_the_di_prefixes():
    plan, secrets, regions = _plan()
    router, session, _intent_, _first = _deploy(plan, secrets, regions)
    state = _gather(router, session, plan)
    red = state["redistribution"]
    assert red["configured"] is True
    assert red["exported"] == DI
    assert set((d["tag"], d["metric"], d["metric_type"]) for d in red["exported_detail"]) == {(4242, 20, 1)}
    assert "10.99.0.0/16" not in red["exported"]


def test_ibgp_core_neighbours_with_next_hop_self_and_the_filter():
    plan, secrets, regions = _plan({"protocol": "bgp", "neighbors": ["10.255.20.2"]}, bgp_asn=None)
    router, _session, intent, first = _deploy(plan, secrets, regions)
    after = router.running_config()
    assert " neighbor 10.255.20.2 remote-as 64551\n" in after and " neighbor 10.255.20.2 description VC-CORE\n" in after
    assert "  neighbor 10.255.20.2 next-hop-self\n" in after and "  neighbor 10.255.20.2 route-map VC-REDIST out\n" in after
    assert D.compute(intent, after).commands == []
    assert "redistribute bgp" not in "\n".join(first.commands)


def test_switch_ospf_to_ibgp_removes_the_ospf_hand_over():
    plan, secrets, regions = _plan()
    router, session, _i, _f = _deploy(plan, secrets, regions)
    plan2, _s, _r = _plan({"protocol": "bgp", "neighbors": ["10.255.20.2"]})
    intent2 = _intent(plan2, secrets)
    res = D.compute(intent2, router.running_config(), prune=True)
    assert res.errors == []
    assert "no redistribute bgp 64551 route-map VC-REDIST" in res.commands
    assert _send(session, res.commands) == []
    after = router.running_config()
    assert "redistribute bgp" not in after and " redistribute connected route-map CUST-CONNECTED\n" in after
    assert "set tag 4242" not in after
    assert D.compute(intent2, after, prune=True).commands == []


def test_safety_refuses_to_replace_or_create():
    plan, secrets, regions = _plan()
    intent = _intent(plan, secrets)
    router, session = _router(regions)
    _send(session, ["router ospf 1", "redistribute bgp 64551 metric 5"])
    res = D.compute(intent, router.running_config())
    assert res.commands == [] and any("redistribute bgp 64551 metric 5" in e and "not ours" in e for e in res.errors)
    router, _session = _router(regions, base="cpe_lab.cfg")       # no router ospf at all
    res = D.compute(intent, router.running_config())
    assert any("router ospf 1 (vc_redistribution.ospf_process) is not configured" in e for e in res.errors)
    plan_b, _s, _r = _plan({"protocol": "bgp", "neighbors": ["10.255.10.2"]})   # the operator's branch peer
    res = D.compute(_intent(plan_b, secrets), _router(regions)[0].running_config())
    assert any("10.255.10.2" in e and "refusing to take it over" in e for e in res.errors)


def test_without_redistribution_nothing_changes():
    """An inventory without vc_redistribution renders exactly what it rendered before: no VC-REDIST object."""
    plan, secrets, regions = _plan(red={})
    assert "redistribution" not in plan["cpes"]["cpe1"]
    text = R.render_text(plan, "cpe1", wan_next_hop="192.0.2.1")
    assert "VC-REDIST" not in text and "router ospf" not in text
    assert not [c for c in C.ios_gather_commands(plan, "cpe1") if "ospf" in c["command"] or "redistribute" in c["command"]]


def test_ospf_external_parser_forms():
    text = "\n".join([
        '',
        '            OSPF Router with ID (10.255.255.1) (Process ID 1)',
        '',
        '\t\tType-5 AS External Link States',
        '',
        '  LS age: 79',
        '  Options: (No TOS-capability, DC, Upward)',
        '  LS Type: AS External Link',
        '  Link State ID: 203.0.113.0 (External Network Number )',
        '  Advertising Router: 10.255.255.1',
        '  LS Seq Number: 80000001',
        '  Checksum: 0x1234',
        '  Length: 36',
        '  Network Mask: /24',
        '\tMetric Type: 2 (Larger than any link state path)',
        '\tMTID: 0',
        '\tMetric: 20',
        '\tForward Address: 0.0.0.0',
        '\tExternal Route Tag: 64551',
        '  Link State ID: 198.18.10.128 (External Network Number )',
        '  Network Mask: 255.255.255.128',
        '\tMetric Type: 1 (Comparable directly to link state metric)',
        '\tMetric: 1',
        '\tExternal Route Tag: 0',
        '',
    ])
    got = RD.parse_ospf_external(text)
    assert [(d["prefix"], d["metric_type"], d["metric"], d["tag"]) for d in got] == [
        ("203.0.113.0/24", 2, 20, 64551), ("198.18.10.128/25", 1, 1, 0)]
    assert RD.parse_ospf_external("% OSPF: No router process 1") == []
