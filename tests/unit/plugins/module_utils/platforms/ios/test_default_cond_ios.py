"""IOS-XE conditional default (vc_redistribution.default_requires, docs/ha.md section 3) on the IOS-XE TEST DOUBLE.

``neighbor X default-originate route-map VC-DEFAULT-COND``: IOS-XE evaluates that route-map against the routing table
(RIB); the double models it (tests/iosxe_double/cisco_side.py ``default_sent``): the default goes to Dedicated
Instance only while a route of exactly the condition prefix is in the router's RIB. Here the condition prefix comes
and goes as an operator static route (any source counts on IOS-XE).
"""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import commands as C
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import redistribution as RD
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import diagnose_host, verify_host

from .test_ha_ios import _deploy, _gather, _intent, _plan, _send

COND = "10.30.40.0/24"
RED = {"protocol": "ospf", "ospf_process": 1, "metric": 20, "metric_type": 1, "tag": 4242, "default_requires": [COND]}
STATIC = "ip route 10.30.40.0 255.255.255.0 10.20.0.2"
NEIGHBORS = ("100.64.0.2", "100.64.0.6")


def _checks(result, key):
    t = next(t for t in result["tunnels"] if t["key"] == key)
    return dict((c["check"], c) for c in t["checks"])


def _sent(session, nbr):
    adv = session.handle_line("show ip bgp neighbors %s advertised-routes" % nbr)
    detail = session.handle_line("show ip bgp neighbors %s" % nbr)
    return "Originating default network 0.0.0.0" in adv, detail


def test_render_and_deploy_idempotent_on_the_double():
    plan, secrets, regions = _plan(RED)
    router, _session, intent, first = _deploy(plan, secrets, regions)
    typed = "\n".join(first.commands)
    assert "ip prefix-list VC-DEFAULT-COND description webex_di.virtual_connect:redistribution" in typed
    assert "ip prefix-list VC-DEFAULT-COND seq 5 permit 10.30.40.0/24" in typed
    assert ("route-map VC-DEFAULT-COND permit 10\ndescription webex_di.virtual_connect:redistribution\n"
            "match ip address prefix-list VC-DEFAULT-COND") in typed
    for nbr in NEIGHBORS:
        assert "neighbor %s default-originate route-map VC-DEFAULT-COND" % nbr in typed
        assert "neighbor %s prefix-list" % nbr in typed
    assert "network 10.30.40.0" not in typed and "redistribute static" not in typed   # nothing enters BGP on IOS-XE
    assert D.compute(intent, router.running_config()).commands == []


def test_default_sent_only_while_the_condition_prefix_is_in_the_rib():
    plan, secrets, regions = _plan(RED)
    router, session, _intent_, _first = _deploy(plan, secrets, regions)
    router.up_since = dict((k, v - 300) for k, v in router.up_since.items())   # the SAs are some minutes old
    cmds = [c["command"] for c in C.ios_gather_commands(plan, "cpe1")]
    assert RD.condition_command(COND) == "show ip route 10.30.40.0 255.255.255.0 longer-prefixes" and RD.condition_command(COND) in cmds
    # no route to 10.30.40.0/24: the default is withheld on both tunnels
    for nbr in NEIGHBORS:
        sent, detail = _sent(session, nbr)
        assert not sent and "Default information originate, default not sent" in detail, nbr
    state = _gather(router, session, plan)
    assert state["redistribution"]["default_condition"] == {"prefixes": [COND], "routed": [], "routes": []}
    result = verify_host(plan, state, "cpe1", {"require_traffic": False})
    assert _checks(result, "lab-A")["bgp_advertised"]["status"] == "fail"
    diag = dict((t["key"], t) for t in diagnose_host(plan, state, "cpe1", {"require_traffic": False})["tunnels"])
    for key in ("lab-A", "lab-B"):
        assert diag[key]["cause_id"] == "routes.default_withheld", diag[key]
        assert "none of 10.30.40.0/24 in the routing table" in diag[key]["evidence"]
    # the customer route appears (here a static route of the operator's): the default is sent again
    assert _send(session, [STATIC]) == []
    for nbr in NEIGHBORS:
        sent, detail = _sent(session, nbr)
        assert sent and "Default information originate, default sent" in detail, nbr
    state = _gather(router, session, plan)
    cond = state["redistribution"]["default_condition"]
    assert cond["routed"] == [COND] and cond["routes"][0]["protocol"] == "static"
    result = verify_host(plan, state, "cpe1", {"require_traffic": False})
    assert _checks(result, "lab-A")["bgp_advertised"]["status"] == "pass"
    assert _checks(result, "lab-A")["bgp_advertised"]["actual"] == ["0.0.0.0/0"]
    # a longer or shorter route is not the condition prefix (prefix-list exact match)
    assert _send(session, ["no " + STATIC, "ip route 10.30.0.0 255.255.0.0 10.20.0.2",
                           "ip route 10.30.40.0 255.255.255.128 10.20.0.2"]) == []
    assert not _sent(session, NEIGHBORS[0])[0]


def test_dropping_the_condition_changes_the_line_in_place_and_removes_the_objects():
    plan, secrets, regions = _plan(RED)
    router, session, _intent_, _first = _deploy(plan, secrets, regions)
    plain, _s, _r = _plan(dict((k, v) for k, v in RED.items() if k != "default_requires"))
    intent = _intent(plain, secrets)
    res = D.compute(intent, router.running_config(), prune=True)
    assert res.errors == []
    assert "neighbor 100.64.0.2 default-originate" in res.commands
    assert not [c for c in res.commands if c.strip().startswith("no neighbor")]   # never withdraws the default first
    assert "no route-map VC-DEFAULT-COND permit 10" in res.commands
    assert _send(session, res.commands) == []
    after = router.running_config()
    assert "VC-DEFAULT-COND" not in after and "  neighbor 100.64.0.2 default-originate\n" in after
    assert _sent(session, "100.64.0.2")[0]
    assert D.compute(intent, after, prune=True).commands == []
