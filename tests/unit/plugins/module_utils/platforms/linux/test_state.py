"""Linux state parsers and gather(), on outputs captured from a real CPE (tests/unit/plugins/module_utils/platforms/linux/capture, fixtures/lab)."""
from __future__ import annotations

import json

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as S

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import waiting

from .helpers import FIXTURES

LAB = FIXTURES / "lab"


def text(name):
    return (LAB / name).read_text()


def js(name):
    return json.loads(text(name))


def test_vici_raw_parser_nests_sections_and_lists():
    msgs = S.parse_vici_raw(text("swanctl_list_sas_raw.txt"))
    assert [m[0] for m in msgs] == ["list-sa event", "list-sa event", "list-sas reply"]
    sa = msgs[1][1]["vc-lab-A"]
    assert sa["state"] == "ESTABLISHED" and sa["remote-host"] == "198.51.100.2"
    child = sa["child-sas"]["vc-lab-A-gre-3"]
    assert child["local-ts"] == ["192.0.2.2/32[gre]"] and child["remote-ts"] == ["198.51.100.65/32[gre]"]


def test_vici_raw_parser_odd_values():
    msgs = S.parse_vici_raw("x event {c {a=[] b=[1 2[x] 3] d= e=f g h} g {}}")
    assert msgs == [("x event", {"c": {"a": [], "b": ["1", "2[x]", "3"], "d": "", "e": "f g h"}, "g": {}})]


def test_swanctl_sas_to_contract():
    sas = S.parse_swanctl_sas(text("swanctl_list_sas_raw.txt"))
    ike = dict((x["name"], x) for x in sas["ike_sas"])
    assert ike["vc-lab-A"] == {
        "name": "vc-lab-A", "local": "192.0.2.2", "remote": "198.51.100.2", "state": "established", "version": 2,
        "nat_t": False, "uptime_s": 79, "local_port": 500, "remote_port": 500,
    }
    child = dict((x["name"], x) for x in sas["ipsec_sas"])["vc-lab-B-gre"]
    assert child == {
        "name": "vc-lab-B-gre", "local": "192.0.2.2", "remote": "198.51.100.6", "local_ts": "192.0.2.2/32",
        "remote_ts": "198.51.100.66/32", "protocol": 47, "mode": "tunnel", "state": "installed", "pkts_out": 28, "pkts_in": 27,
    }


def test_swanctl_connecting_and_empty():
    raw = ("list-sa event {vc-x {uniqueid=9 version=2 state=CONNECTING local-host=1.1.1.1 local-port=4500 "
           "remote-host=2.2.2.2 remote-port=4500 nat-local=yes nat-any=yes child-sas {}}}")
    sas = S.parse_swanctl_sas(raw)
    assert sas["ike_sas"][0]["state"] == "connecting" and sas["ike_sas"][0]["nat_t"] is True
    assert sas["ike_sas"][0]["uptime_s"] is None and sas["ipsec_sas"] == []
    assert S.parse_swanctl_sas("list-sas reply {}\n") == {"ike_sas": [], "ipsec_sas": []}


def test_swanctl_conns_show_dpd_and_trap_actions():
    conns = S.parse_swanctl_conns(text("swanctl_list_conns_raw.txt"))
    assert sorted(conns) == ["vc-lab-A", "vc-lab-B"]
    assert conns["vc-lab-A"]["dpd_delay"] == "10"
    child = conns["vc-lab-A"]["children"]["vc-lab-A-gre"]
    assert (child["mode"], child["dpd_action"], child["close_action"]) == ("TUNNEL", "trap", "trap")
    assert conns["vc-lab-B"]["local-1"]["class"] == "pre-shared key"  # a value with a space


def test_gre_links_to_contract():
    tunnels = S.parse_gre_links(js("ip_link.json"), js("ip_addr.json"))
    assert [t["name"] for t in tunnels] == ["vcgre101", "vcgre102"]
    assert tunnels[0] == {
        "name": "vcgre101", "kind": "gre", "admin_up": True, "oper_up": True, "source": "192.0.2.2", "destination": "198.51.100.65",
        "address": "100.64.0.1/30", "ip_mtu": 1400, "ttl": 255, "pmtudisc": True, "keepalive": None, "ping_ok": None,
    }
    # only the links asked for
    named = S.parse_gre_links(js("ip_link.json"), js("ip_addr.json"), ["vcgre102"])
    assert [t["name"] for t in named] == ["vcgre102"]


def test_routes_of_interest():
    routes = S.parse_routes(js("ip_route.json"), ["203.0.113.0/25", "203.0.113.128/25", "203.0.113.0/24", "198.18.10.0/25", "0.0.0.0/0"])
    assert routes[0] == {"prefix": "203.0.113.0/25", "protocol": "bgp", "next_hop": "100.64.0.2", "interface": "vcgre101"}
    assert routes[1] == {"prefix": "203.0.113.128/25", "protocol": "bgp", "next_hop": "100.64.0.6", "interface": "vcgre102"}
    assert [r["prefix"] for r in routes] == ["203.0.113.0/25", "203.0.113.128/25", "203.0.113.0/24", "0.0.0.0/0"]
    assert routes[-1]["interface"] == "wan0"  # the CPE's own default (not BGP)


def test_bgp_neighbor_with_local_as_override_and_default_originate():
    nb = S.parse_bgp_neighbor("100.64.0.6", js("vtysh_bgp_neighbors.json"), js("vtysh_received_100.64.0.6.json"),
                              js("vtysh_advertised_100.64.0.6.json"))
    assert nb["state"] == "Established" and nb["remote_as"] == 64562
    assert nb["local_as"] == 64561  # per-neighbour local-as, not the router's 64551
    assert nb["received"] == ["198.18.10.0/24", "203.0.113.0/24", "203.0.113.128/25"]
    assert nb["advertised"] == ["0.0.0.0/0"]
    assert nb["prefixes_received"] == 3 and nb["uptime_s"] == 110
    assert (nb["hold_time_s"], nb["keepalive_s"]) == (30, 10)
    assert S.parse_bgp_neighbor("100.64.0.99", js("vtysh_bgp_neighbors.json")) is None


@pytest.mark.parametrize("value,want", [("10.0.0.0", "10.0.0.0/8"), ("172.16.0.0", "172.16.0.0/16"), ("203.0.113.0", "203.0.113.0/24"),
                                        ("default", "0.0.0.0/0"), ("0.0.0.0", "0.0.0.0/0"), ("10.1.2.3/24", "10.1.2.0/24"), ("junk", None)])
def test_canonical_prefix(value, want):
    assert S.canonical_prefix(value) == want


def test_ping_parser():
    assert S.parse_ping(0, text("ping_ok.txt")) is True
    assert S.parse_ping(1, "2 packets transmitted, 0 received, 100% packet loss") is False


def test_json_docs_skips_warnings():
    assert S.json_docs('% warning\n{"a": 1}\n{"b": [2]}') == [{"a": 1}, {"b": [2]}]


class Replay:
    """run(argv) served from the captured outputs."""

    def __init__(self, ping_ok=True):
        self.calls = []
        self.ping_ok = ping_ok

    def __call__(self, argv):
        self.calls.append(argv)
        cmd = " ".join(argv)
        table = [
            ("--list-sas --raw", "swanctl_list_sas_raw.txt"),
            ("-j -d link show", "ip_link.json"),
            ("-j addr show", "ip_addr.json"),
            ("-j route show table main", "ip_route.json"),
            ("show bgp neighbors json", "vtysh_bgp_neighbors.json"),
        ]
        for ip in ("100.64.0.2", "100.64.0.6"):
            table += [("neighbors %s received-routes json" % ip, "vtysh_received_%s.json" % ip),
                      ("neighbors %s advertised-routes json" % ip, "vtysh_advertised_%s.json" % ip)]
        if argv[0] == "ping":
            return (0, text("ping_ok.txt"), "") if self.ping_ok else (1, "3 packets transmitted, 0 received", "")
        for needle, name in table:
            if needle in cmd:
                return 0, text(name), ""
        return 1, "", "unexpected command %s" % cmd


def test_gather_builds_the_contract_state(plan):
    run = Replay()
    tunnels = L.host_tunnels(plan, "cpe1")
    st = S.gather(run, "cpe1", S.targets_from_plan(tunnels, L.link_name), swanctl_uri="unix:///run/x.vici")
    assert set(st) == {"host", "platform", "ike_sas", "ipsec_sas", "tunnels", "bgp_neighbors", "routes", "errors"}
    assert st["host"] == "cpe1" and st["platform"] == "linux" and st["errors"] == []
    assert [t["ping_ok"] for t in st["tunnels"]] == [True, True]
    assert ["swanctl", "--list-sas", "--raw", "--uri", "unix:///run/x.vici"] in run.calls
    assert ["ping", "-c", "3", "-i", "0.2", "-W", "1", "-n", "-q", "-I", "100.64.0.1", "100.64.0.2"] in run.calls
    assert [n["neighbor"] for n in st["bgp_neighbors"]] == ["100.64.0.2", "100.64.0.6"]
    assert st["bgp_neighbors"][0]["received"] == ["198.18.10.0/24", "203.0.113.0/24", "203.0.113.0/25"]
    assert {r["prefix"]: r["interface"] for r in st["routes"]}["203.0.113.128/25"] == "vcgre102"
    json.dumps(st)  # JSON-safe


def test_gather_reports_failing_commands_without_inventing(plan):
    def run(argv):
        return (127, "", "vtysh: not found") if argv[0] == "vtysh" else Replay(ping_ok=False)(argv)

    st = S.gather(run, "cpe1", S.targets_from_plan(L.host_tunnels(plan, "cpe1"), L.link_name))
    assert st["bgp_neighbors"] == []
    assert any("vtysh" in e for e in st["errors"])
    assert [t["ping_ok"] for t in st["tunnels"]] == [False, False]


def test_waiting_lists_what_is_not_up_yet(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    st = S.gather(Replay(), "cpe1", S.targets_from_plan(tunnels, L.link_name))
    assert waiting(st, tunnels) == []
    st["ipsec_sas"] = [x for x in st["ipsec_sas"] if x["remote"] != "198.51.100.2"]
    st["bgp_neighbors"][1]["state"] = "Active"
    assert waiting(st, tunnels) == ["lab-A: CHILD SA", "lab-B: BGP session"]


def test_tunnel_one_down_as_captured():
    """DC-A's headend unreachable: IKE re-triggered by the trap policy (CONNECTING, no CHILD SA), BGP in Connect."""
    sas = S.parse_swanctl_sas(text("swanctl_list_sas_raw.t1_down.txt"))
    ike = dict((x["name"], x) for x in sas["ike_sas"])
    assert ike["vc-lab-A"]["state"] == "connecting" and ike["vc-lab-A"]["uptime_s"] is None
    assert ike["vc-lab-B"]["state"] == "established"
    assert [c["name"] for c in sas["ipsec_sas"]] == ["vc-lab-B-gre"]
    nb = S.parse_bgp_neighbor("100.64.0.2", js("vtysh_bgp_neighbors.t1_down.json"), {}, {})
    assert nb["state"] == "Connect" and nb["uptime_s"] is None and nb["received"] == [] and nb["prefixes_received"] == 0
    routes = S.parse_routes(js("ip_route.t1_down.json"), ["203.0.113.0/24", "203.0.113.0/25"])
    assert routes == [{"prefix": "203.0.113.0/24", "protocol": "bgp", "next_hop": "100.64.0.6", "interface": "vcgre102"}]
    assert S.parse_ping(1, text("ping_fail.txt")) is False


def test_waiting_for_a_young_ike_sa(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    st = S.gather(Replay(), "cpe1", S.targets_from_plan(tunnels, L.link_name))
    assert waiting(st, tunnels, min_ike_uptime_s=100) == ["lab-A: IKE SA younger than 100s", "lab-B: IKE SA younger than 100s"]
    assert waiting(st, tunnels, min_ike_uptime_s=10) == []


def test_verify_judges_the_captured_linux_state(plan):
    """The gathered Linux state fits the verify layer: everything passes except what the capture lab really lacked
    (its DC routers did not announce the IaaS /25s), and GRE keepalives are skipped (Linux has none)."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import failure_lines, verify_host

    st = S.gather(Replay(), "cpe1", S.targets_from_plan(L.host_tunnels(plan, "cpe1"), L.link_name))
    result = verify_host(plan, st, "cpe1")
    assert failure_lines(result) == [
        "cpe1: tunnel 1 DC-A (region lab) [lab-A]: bgp_received: received from 100.64.0.2: missing 198.18.10.0/25",
        "cpe1: tunnel 2 DC-B (region lab) [lab-B]: bgp_received: received from 100.64.0.6: missing 198.18.10.128/25",
    ]
    skipped = sorted(set(c["check"] for t in result["tunnels"] for c in t["checks"] if c["status"] == "skip"))
    assert skipped == ["gre_keepalive", "route_via_tunnel"]


def test_parse_builds_the_same_state_from_outputs_captured_by_command(plan):
    """Platform.parse: the outputs a gather collects, given by command, give the gather's state."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import get_platform

    gathered = S.gather(Replay(), "cpe1", S.targets_from_plan(L.host_tunnels(plan, "cpe1"), L.link_name))
    outputs = {S.SAS: text("swanctl_list_sas_raw.txt"), S.LINKS: text("ip_link.json"), S.ADDRS: text("ip_addr.json"),
               S.ROUTES: text("ip_route.json"), S.NEIGHBORS: text("vtysh_bgp_neighbors.json")}
    for ip in ("100.64.0.2", "100.64.0.6"):
        outputs[S.received_key(ip)] = text("vtysh_received_%s.json" % ip)
        outputs[S.advertised_key(ip)] = text("vtysh_advertised_%s.json" % ip)
    for local, peer in (("100.64.0.1", "100.64.0.2"), ("100.64.0.5", "100.64.0.6")):
        outputs[S.ping_key(peer, local)] = text("ping_ok.txt")
    assert get_platform("linux").parse(outputs, "cpe1", plan) == gathered
    partial = get_platform("linux").parse({S.SAS: text("swanctl_list_sas_raw.txt")}, "cpe1", plan)
    assert partial["tunnels"] == [] and partial["bgp_neighbors"] == [] and len(partial["ike_sas"]) == 2


class BatchReplay(Replay):
    """A vtysh that runs several -c commands in one start (as FRR's vtysh does): their outputs one after the other."""

    def __init__(self, drop_one=False, **kw):
        super().__init__(**kw)
        self.drop_one = drop_one

    def __call__(self, argv):
        cmds = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
        if argv[0] != "vtysh" or len(cmds) < 2:
            return super().__call__(argv)
        self.calls.append(argv)
        parts = [Replay()(["vtysh", "-c", c])[1] for c in cmds]
        if self.drop_one:      # a vtysh that printed one document less than it was asked for
            parts = parts[:-1]
        return 0, "\n".join(parts), ""


def test_gather_reads_the_neighbour_routes_in_one_vtysh_run(plan):
    """The per-neighbour route tables come from ONE vtysh start (each start costs seconds on a small CPE), and the
    state is exactly the one of one vtysh run per command."""
    targets = S.targets_from_plan(L.host_tunnels(plan, "cpe1"), L.link_name)
    run = BatchReplay()
    batched = S.gather(run, "cpe1", targets)
    vtysh = [a for a in run.calls if a[0] == "vtysh"]
    assert len(vtysh) == 2 and vtysh[1].count("-c") == 4
    assert batched == S.gather(Replay(), "cpe1", targets)
    assert batched["bgp_neighbors"][0]["received"] == ["198.18.10.0/24", "203.0.113.0/24", "203.0.113.0/25"]


def test_gather_falls_back_to_one_vtysh_run_per_command_when_the_documents_do_not_match(plan):
    targets = S.targets_from_plan(L.host_tunnels(plan, "cpe1"), L.link_name)
    run = BatchReplay(drop_one=True)
    st = S.gather(run, "cpe1", targets)
    assert len([a for a in run.calls if a[0] == "vtysh"]) == 2 + 4
    assert st == S.gather(Replay(), "cpe1", targets)
