"""Whole VC state for the lab plan from the saved-output directories (the offline-verify fixtures):
tests/fixtures/iosxe/offline/healthy/cpe1 and tests/fixtures/iosxe/offline/broken/cpe1."""
from __future__ import annotations

import copy

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs

from .helpers import OFFLINE

CONTRACT_KEYS = {
    "state": {"host", "platform", "ike_sas", "ipsec_sas", "tunnels", "bgp_neighbors", "routes", "gather_errors"},
    "ike": {"local", "remote", "state", "version", "nat_t", "uptime_s", "local_port", "remote_port"},
    "ipsec": {"local", "remote", "local_ts", "remote_ts", "protocol", "mode", "state", "pkts_out", "pkts_in"},
    "tunnel": {"name", "admin_up", "oper_up", "source", "destination", "address", "ip_mtu", "keepalive", "ping_ok"},
    "bgp": {"neighbor", "remote_as", "local_as", "state", "uptime_s", "received", "advertised", "prefixes_received"},
    "route": {"prefix", "protocol", "next_hop", "interface"},
}


def _state(plan, scenario, host="cpe1"):
    cmds = ios_gather_commands(plan, host)
    saved = read_saved_outputs(str(OFFLINE / scenario), host, cmds)
    assert saved["missing"] == []
    return build_ios_state(saved["outputs"], host=host, plan=plan)


EVIDENCE_KEYS = {"config", "probes", "log_events"}  # optional (docs/contract.md section 3)
# platform extras of IOS-XE (docs/contract.md, "Platform extras"): from show ip bgp neighbors X
EXTRA_KEYS = {"bgp": {"hold_time_s", "keepalive_s", "configured_hold_s", "configured_keepalive_s"}}


def _shape(state):
    assert CONTRACT_KEYS["state"] <= set(state) <= CONTRACT_KEYS["state"] | EVIDENCE_KEYS
    for key, items in (("ike", state["ike_sas"]), ("ipsec", state["ipsec_sas"]), ("tunnel", state["tunnels"]),
                       ("bgp", state["bgp_neighbors"]), ("route", state["routes"])):
        for item in items:
            assert set(item) == CONTRACT_KEYS[key] | EXTRA_KEYS.get(key, set()), key


def test_healthy_lab_state_matches_the_plan(plan):
    state = _state(plan, "healthy")
    _shape(state)
    assert state["host"] == "cpe1" and state["platform"] == "cisco.ios.ios" and state["gather_errors"] == []
    tunnels = [t for r in plan["regions"] for t in r["tunnels"]]
    for t in tunnels:
        ike = [s for s in state["ike_sas"] if s["remote"] == t["di"]["ipsec_ip"]]
        assert len(ike) == 1 and ike[0]["state"] == "established" and ike[0]["local"] == t["cpe"]["ipsec_ip"]
        assert ike[0]["version"] == 2 and ike[0]["nat_t"] is False
        sa, = [s for s in state["ipsec_sas"] if s["remote"] == t["di"]["ipsec_ip"]]
        assert sa["local_ts"] == t["crypto_acl"]["source"] + "/32"
        assert sa["remote_ts"] == t["crypto_acl"]["destination"] + "/32"
        assert (sa["protocol"], sa["mode"], sa["state"]) == (t["crypto_acl"]["protocol_number"], "tunnel", "installed")
        assert sa["pkts_out"] > 0 and sa["pkts_in"] > 0
        tun, = [x for x in state["tunnels"] if x["name"] == "Tunnel%d" % t["tunnel_number"]]
        assert (tun["admin_up"], tun["oper_up"], tun["ping_ok"]) == (True, True, True)
        assert (tun["source"], tun["destination"]) == (t["gre"]["source"], t["gre"]["destination"])
        assert tun["address"] == t["cpe"]["tunnel_cidr"] and tun["ip_mtu"] == t["mtu"]["tunnel_ip_mtu"]
        assert tun["keepalive"] == {"enabled": True, "interval_s": t["gre"]["keepalive"]["interval_s"],
                                    "retries": t["gre"]["keepalive"]["retries"]}
        nb, = [n for n in state["bgp_neighbors"] if n["neighbor"] == t["bgp"]["neighbor"]]
        assert nb["state"] == "Established" and nb["remote_as"] == t["bgp"]["remote_as"]
        assert nb["local_as"] == t["bgp"]["local_as"]  # 64561 on tunnel B comes from 'local AS' in the detail
        assert nb["received"] == t["expect_received"]  # classful /24s normalised
        assert nb["advertised"] == t["advertise"] == ["0.0.0.0/0"]  # from 'Originating default network'
        assert nb["prefixes_received"] == len(t["expect_received"])
        # the saved detail prints the session's timers only (no 'Configured hold time' line)
        assert (nb["hold_time_s"], nb["keepalive_s"]) == (30, 10)
        assert (nb["configured_hold_s"], nb["configured_keepalive_s"]) == (None, None)
        route, = [r for r in state["routes"] if r["prefix"] == t["dc_prefix"]]
        assert route == {"prefix": t["dc_prefix"], "protocol": "bgp", "next_hop": t["di"]["tunnel_ip"],
                         "interface": "Tunnel%d" % t["tunnel_number"]}
    assert [r["prefix"] for r in state["routes"]] == [
        "198.18.10.0/24", "198.18.10.0/25", "198.18.10.128/25", "203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25"]


def test_broken_lab_state_shows_each_fault(plan):
    state = _state(plan, "broken")
    _shape(state)
    a, b = [t for r in plan["regions"] for t in r["tunnels"]]
    ike_a, = [s for s in state["ike_sas"] if s["remote"] == a["di"]["ipsec_ip"]]
    assert ike_a["state"] == "connecting"  # only in 'show crypto session detail' (DOWN-NEGOTIATING)
    sa_a, = [s for s in state["ipsec_sas"] if s["remote"] == a["di"]["ipsec_ip"]]
    assert (sa_a["state"], sa_a["mode"], sa_a["pkts_out"], sa_a["pkts_in"]) == ("down", None, 0, 0)
    assert sa_a["protocol"] == 47  # the crypto map flow exists, without SAs
    t101, = [t for t in state["tunnels"] if t["name"] == "Tunnel101"]
    assert (t101["admin_up"], t101["oper_up"], t101["ping_ok"]) == (True, False, False)
    nb_a, = [n for n in state["bgp_neighbors"] if n["neighbor"] == a["bgp"]["neighbor"]]
    assert (nb_a["state"], nb_a["uptime_s"], nb_a["received"], nb_a["advertised"], nb_a["prefixes_received"]) == (
        "Active", None, [], [], 0)
    nb_b, = [n for n in state["bgp_neighbors"] if n["neighbor"] == b["bgp"]["neighbor"]]
    missing = sorted(set(b["expect_received"]) - set(nb_b["received"]))
    extra = sorted(set(nb_b["received"]) - set(b["expect_received"]))
    assert missing == ["198.18.10.128/25"] and extra == ["10.0.0.0/8"]
    assert nb_b["advertised"] == ["0.0.0.0/0", "192.168.50.0/24"]
    assert nb_b["prefixes_received"] == 3
    assert a["dc_prefix"] not in [r["prefix"] for r in state["routes"]]
    dc_b, = [r for r in state["routes"] if r["prefix"] == b["dc_prefix"]]
    assert dc_b["interface"] == "Tunnel102"
    assert all(r["interface"] == "Tunnel102" for r in state["routes"])


def test_healthy_and_broken_differ_only_where_broken(plan):
    good, bad = _state(plan, "healthy"), _state(plan, "broken")
    tb_good = [t for t in good["tunnels"] if t["name"] == "Tunnel102"]
    tb_bad = [t for t in bad["tunnels"] if t["name"] == "Tunnel102"]
    assert tb_good == tb_bad


def test_optional_outputs_missing_give_nulls(plan):
    cmds = ios_gather_commands(plan, "cpe1")
    saved = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", cmds)
    outputs = {c: t for c, t in saved["outputs"].items()
               if not c.startswith(("ping", "show ip interface Tunnel", "show crypto session"))
               and not (c.startswith("show ip bgp neighbors") and c.count(" ") == 4)}
    state = build_ios_state(outputs, host="cpe1", plan=plan)
    assert all(t["ping_ok"] is None and t["ip_mtu"] is None for t in state["tunnels"])
    assert all(n["local_as"] is None for n in state["bgp_neighbors"])  # unknown without the detail
    assert all(n["state"] == "Established" for n in state["bgp_neighbors"])


def test_state_is_json_safe_and_input_untouched(plan):
    import json
    cmds = ios_gather_commands(plan, "cpe1")
    saved = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", cmds)
    before = copy.deepcopy(saved["outputs"])
    state = build_ios_state(saved["outputs"], host="cpe1", plan=plan)
    assert json.loads(json.dumps(state)) == state
    assert saved["outputs"] == before
