"""Split devices on Linux (seed 004, docs/ha.md section 2): IPsec on ipsec1, GRE/BGP on cpe1, both Linux.

The IPsec device gets the swanctl connection of tunnel 1 (GRE-only CHILD SA between cpe1's GRE IP and the DI GRE
IP) with the RRI updown script, and FRR redistributes exactly the RRI route into the inside OSPF with the RRI tag;
the GRE router gets its GRE link and BGP and no connection for that tunnel. Real outputs: capture/capture_split.sh
(FRR in network namespaces, the updown script run as charon runs it) -> fixtures/split/{up,down}.
"""
from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as S
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import validate as V
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import diagnose_host, verify_host

from .helpers import FIXTURES, SECRETS
from .test_runner import Host, params

SPLIT = FIXTURES / "split"
LAB = FIXTURES / "lab"
LINUX = {"platform": "linux", "wan_interface": "wan0"}
A_KEY, B_KEY = "lab-A", "lab-B"


def split_regions():
    from ...verify.helpers import lab_regions

    regions = copy.deepcopy(lab_regions())
    regions[0]["tunnels"][0]["cpe"].update(ipsec_host="ipsec1", ipsec_inside_ip="10.1.0.1", gre_ip="192.0.2.130")
    return regions


def build(options=None, cpes=None):
    return build_plan(split_regions(), cpes=cpes or {"cpe1": dict(LINUX), "ipsec1": dict(LINUX)},
                      options=options if options is not None else {"rri": {"tag": 99}})


def errors(result):
    return [(f["code"], f["path"]) for f in result.findings if f["severity"] == "error"]


PLAN = build().plan


def _t(key):
    return [t for r in PLAN["regions"] for t in r["tunnels"] if t["key"] == key][0]


# ------------------------------------------------------------------ plan
def test_linux_in_both_roles_plans_with_the_ipsec_device_entry():
    result = build()
    assert errors(result) == []
    assert PLAN["cpes"]["ipsec1"]["ipsec_tunnels"] == [A_KEY] and PLAN["cpes"]["ipsec1"]["tunnels"] == []
    assert _t(A_KEY)["split"] == {"ipsec_host": "ipsec1", "gre_host": "cpe1", "ipsec_inside_ip": "10.1.0.1",
                                  "rri": {"enabled": True, "static": False, "tag": 99, "route": "198.51.100.65/32",
                                          "via": "198.51.100.2"}}
    # no tag option: the GRE router's BGP ASN, as on IOS-XE
    assert [t for r in build(options={}).plan["regions"] for t in r["tunnels"]][0]["split"]["rri"]["tag"] == \
        PLAN["cpes"]["cpe1"]["bgp"]["asn"]


def test_static_rri_on_a_linux_ipsec_device_is_refused_naming_the_field():
    result = build(options={"rri": {"static": True}})
    assert errors(result) == [("linux.rri_static", "options.rri.static")]
    assert "dynamic" in [f for f in result.findings if f["code"] == "linux.rri_static"][0]["message"]
    # an IOS-XE IPsec device with a Linux GRE router: static RRI is IOS-XE's to do
    ios = {"platform": "cisco.ios.ios", "wan_interface": "Gi1"}
    mixed = build(options={"rri": {"static": True}}, cpes={"cpe1": dict(LINUX), "ipsec1": ios})
    assert errors(mixed) == []


def test_the_rri_tag_reaching_frr_is_checked_by_the_linux_rules():
    bad = copy.deepcopy(_t(A_KEY))
    for tag in (0, 4294967296, "99", None, True):
        bad["split"]["rri"]["tag"] = tag
        found = V.split_problems("ipsec1", [bad], {A_KEY: "regions[0].tunnels[0]"})
        assert [(c, p) for _s, c, p, _m in found] == [("linux.rri_tag", "options.rri.tag")], tag
    assert V.split_problems("ipsec1", [_t(A_KEY)], {}) == []
    assert V.split_problems("cpe1", [_t(A_KEY)], {}) == []      # the GRE router: nothing of the RRI is its


def test_the_ipsec_device_is_not_checked_for_the_gre_routers_link_name_or_bgp():
    t = copy.deepcopy(_t(A_KEY))
    t["tunnel_number"] = 10 ** 11          # vcgre100000000000: too long, but only the GRE router carries the link
    t["bgp"]["password_set"] = True        # and the BGP password: no secret needed on the IPsec device
    found = V.validate("ipsec1", PLAN["cpes"]["ipsec1"], [t], {}, {}, {A_KEY: "regions[0].tunnels[0]"})
    assert found == []
    found = V.validate("cpe1", PLAN["cpes"]["cpe1"], [t], {}, {}, {A_KEY: "regions[0].tunnels[0]"})
    assert ("linux.interface_name", "regions[0].tunnels[0].cpe.tunnel_number") in [(c, p) for _s, c, p, _m in found]


# ------------------------------------------------------------------ render
IPSEC1_CONNECTIONS = """\
# Managed by webex_di.virtual_connect (Webex Calling Dedicated Instance Virtual Connect): do not edit.
# Pre-shared keys: vc-secrets.conf (mode 0600).
connections {

  # Tunnel 1 to DC-A (region lab): GRE 192.0.2.130 -> 198.51.100.65 (protocol 47 only), peer 198.51.100.2
  # Split tunnel: this host is the IPsec device, it forwards the GRE of cpe1 (192.0.2.130); RRI: 198.51.100.65/32 \
via the WAN next hop to 198.51.100.2 while the CHILD SA is up (vc-rri-updown.sh, protocol 249)
  # trap actions: GRE matching the policy while no SA exists triggers IKE instead of leaving in clear text.
  # DPD every 10s (plan retry 2s: strongSwan retransmits per charon.retransmit_* settings).
  vc-lab-A {
    version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 198.51.100.2
    proposals = aes256gcm16-prfsha384-ecp384
    rekey_time = 86400s
    dpd_delay = 10s
    keyingtries = 0
    mobike = no
    local {
      auth = psk
      id = 192.0.2.2
    }
    remote {
      auth = psk
      id = 198.51.100.2
    }
    children {
      vc-lab-A-gre {
        mode = tunnel
        local_ts = 192.0.2.130/32[gre]
        remote_ts = 198.51.100.65/32[gre]
        esp_proposals = aes256gcm16-ecp384
        rekey_time = 3600s
        start_action = trap|start
        dpd_action = trap
        close_action = trap
        updown = /etc/swanctl/vc-rri-updown.sh
      }
    }
  }
}
"""

IPSEC1_FRR = """\
! Managed by webex_di.virtual_connect (Webex Calling Dedicated Instance Virtual Connect): do not edit.
ip prefix-list VC-LAB-A-RRI description webex_di.virtual_connect:lab-A
ip prefix-list VC-LAB-A-RRI seq 5 permit 198.51.100.65/32
route-map VC-RRI permit 10
 description webex_di.virtual_connect:lab-A
 match ip address prefix-list VC-LAB-A-RRI
 set tag 99
exit
router ospf
 redistribute kernel route-map VC-RRI
exit
"""


def test_the_ipsec_device_renders_the_connection_the_updown_script_and_frr_only():
    files = L.render_files(PLAN, "ipsec1")["files"]
    assert sorted(files) == ["nftables.d/vc-mss-clamp.nft", "swanctl/conf.d/vc-connections.conf", "swanctl/vc-rri-updown.sh"]
    assert files["swanctl/conf.d/vc-connections.conf"] == IPSEC1_CONNECTIONS
    # exactly the script capture_split.sh ran as charon does (fixtures/split: the route came and went)
    assert files["swanctl/vc-rri-updown.sh"] == (SPLIT / "vc-rri-updown.sh").read_text()
    script = files["swanctl/vc-rri-updown.sh"]
    assert script.startswith("#!/bin/sh\n# " + L.HEADER + "\n")
    assert "  vc-lab-A-gre) route=198.51.100.65/32 peer=198.51.100.2 ;;\n  *) exit 0 ;;" in script
    assert 'ip -4 route del "$route" proto 249' in script and 'route replace "$route" via "$hop" dev "$dev" proto 249' in script
    intent = L.frr_intent(L.host_tunnels(PLAN, "ipsec1"), PLAN["cpes"]["ipsec1"], rri_tunnels=L.rri_tunnels(PLAN, "ipsec1"))
    assert intent["asn"] is None and intent["neighbors"] == {} and L.render_frr(intent) == IPSEC1_FRR


def test_the_gre_router_has_gre_and_bgp_for_both_tunnels_but_ipsec_only_for_its_own():
    files = L.render_files(PLAN, "cpe1")["files"]
    conns = files["swanctl/conf.d/vc-connections.conf"]
    assert "vc-lab-B {" in conns and "vc-lab-A" not in conns and "updown" not in conns
    assert "swanctl/vc-rri-updown.sh" not in files
    assert "Local=192.0.2.130\nRemote=198.51.100.65\n" in files["systemd/network/vcgre101.netdev"]
    nft = files["nftables.d/vc-mss-clamp.nft"]
    # the guard covers the tunnel whose IPsec cpe1 terminates; the split one's GRE goes in clear to ipsec1, by design,
    # and only to ipsec1: the split guard drops it when its next hop is not ipsec1's inside address (test_split_guard.py)
    assert "ip saddr 192.0.2.2 ip daddr { 198.51.100.66 } rt ipsec missing" in nft
    assert [x.strip() for x in nft.split("\n") if "192.0.2.130" in x] == [
        'ip protocol gre ip saddr 192.0.2.130 ip daddr 198.51.100.65 rt ip nexthop != 10.1.0.1 counter drop comment "%s"'
        % L.nft_tag(L.nft_rules(L.host_tunnels(PLAN, "cpe1")))]
    intent = L.frr_intent(L.host_tunnels(PLAN, "cpe1"), PLAN["cpes"]["cpe1"], rri_tunnels=L.rri_tunnels(PLAN, "cpe1"))
    assert sorted(intent["neighbors"]) == ["100.64.0.2", "100.64.0.6"] and intent["ospf_rri"] is None
    assert "VC-RRI" not in L.render_frr(intent)


# ------------------------------------------------------------------ FRR delta on the real running config
def _ipsec1_intent(plan=PLAN):
    return L.frr_intent([], plan["cpes"]["ipsec1"], rri_tunnels=L.rri_tunnels(plan, "ipsec1"))


def test_the_captured_delta_is_the_one_of_the_intent_and_the_real_running_config_needs_nothing_more():
    running = (SPLIT / "up" / "ipsec_running.txt").read_text()
    assert F.frr_delta(running, _ipsec1_intent())["commands"] == []
    assert (SPLIT / "delta_second.txt").read_text() == ""
    first = (SPLIT / "delta_first.txt").read_text().rstrip("\n").split("\n")
    operator_only = "\n".join(x for x in running.split("\n") if "VC-" not in x and "description webex" not in x
                              and "set tag" not in x)
    assert F.frr_delta(operator_only, _ipsec1_intent())["commands"] == first


def test_operator_frr_objects_of_the_rri_are_refused_and_stale_ones_removed():
    running = (SPLIT / "up" / "ipsec_running.txt").read_text()
    operator = running.replace(" redistribute kernel route-map VC-RRI\n", " redistribute kernel\n")
    operator = operator.replace("ip prefix-list VC-LAB-A-RRI description webex_di.virtual_connect:lab-A\n", "")
    operator = operator.replace("route-map VC-RRI permit 10\n description webex_di.virtual_connect:lab-A\n",
                                "route-map VC-RRI permit 10\n")
    delta = F.frr_delta(operator, _ipsec1_intent())
    assert delta["commands"] == [] and "ip prefix-list VC-LAB-A-RRI" in delta["error"] and "route-map VC-RRI" in delta["error"]
    only_redist = running.replace(" redistribute kernel route-map VC-RRI\n", " redistribute kernel route-map OPS\n")
    delta = F.frr_delta(only_redist, _ipsec1_intent())
    assert delta["commands"] == [] and "redistribute kernel route-map OPS" in delta["error"]
    ospf_lines = ("router ospf", " ospf router-id", " network", " redistribute")
    no_ospf = "\n".join(x for x in running.split("\n") if not x.startswith(ospf_lines))
    assert "router ospf" in F.frr_delta(no_ospf, _ipsec1_intent())["error"]
    # the split is undone (one device again): every RRI object of ours goes, the operator's OSPF stays
    gone = L.frr_intent([], {"bgp": {"asn": None}}, rri_tunnels=[])
    cmds = F.frr_delta(running, gone)["commands"]
    assert cmds == ["router ospf", " no redistribute kernel route-map VC-RRI", "exit", "no route-map VC-RRI permit 10",
                    "no ip prefix-list VC-LAB-A-RRI"]


# ------------------------------------------------------------------ apply (runner) and ownership
def test_the_ipsec_device_writes_the_updown_script_before_the_connection_and_is_idempotent(tmp_path):
    host = Host()
    p = params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]})
    result = LinuxConfig(p, host).apply()
    updown = tmp_path / "swanctl" / L.RRI_UPDOWN
    conns = (tmp_path / "swanctl" / "conf.d" / "vc-connections.conf").read_text()
    assert result["changed_files"][0] == str(updown) and (updown.stat().st_mode & 0o777) == 0o755
    assert updown.read_text() == L.render_rri_updown(L.rri_tunnels(PLAN, "ipsec1"))
    assert "        updown = %s\n" % updown in conns and "vc-lab-B" not in conns
    assert LinuxConfig(p, host).apply()["changed"] is False
    # the split undone (ipsec1 no longer an IPsec device): our script is removed with the connection
    one = build_plan(copy.deepcopy(split_regions()), cpes={"cpe1": dict(LINUX), "ipsec1": dict(LINUX)})
    assert one.ok
    regions = split_regions()
    regions[0]["tunnels"][0]["cpe"].pop("ipsec_host")
    regions[0]["tunnels"][0]["cpe"].pop("ipsec_inside_ip")
    plain = build_plan(regions, cpes={"cpe1": dict(LINUX), "ipsec2": dict(LINUX)})
    assert plain.ok
    with pytest.raises(ApplyError):       # ipsec1 has no tunnel at all any more in that plan: a stage of it is refused
        LinuxConfig(params(plain.plan, tmp_path, host="ipsec1", tunnels=[A_KEY]), host)


def test_an_updown_script_without_our_marker_is_refused_before_anything_changes(tmp_path):
    updown = tmp_path / "swanctl" / L.RRI_UPDOWN
    updown.parent.mkdir(parents=True)
    updown.write_text("#!/bin/sh\n# the operator's own updown script\nexit 0\n")
    host = Host()
    with pytest.raises(ApplyError) as exc:
        LinuxConfig(params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]}), host).apply()
    assert str(updown) in str(exc.value) and "without the Virtual Connect header" in str(exc.value)
    assert not (tmp_path / "swanctl" / "conf.d").exists() and host.loaded is False
    assert updown.read_text().endswith("exit 0\n")
    # adopted explicitly: written
    p = params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]}, adopt=[str(updown)])
    LinuxConfig(p, host).apply()
    assert updown.read_text() == L.render_rri_updown(L.rri_tunnels(PLAN, "ipsec1"))


def test_the_gre_router_writes_no_connection_for_the_split_tunnel(tmp_path):
    host = Host()
    LinuxConfig(params(PLAN, tmp_path), host).apply()
    conns = (tmp_path / "swanctl" / "conf.d" / "vc-connections.conf").read_text()
    assert "vc-lab-B {" in conns and "vc-lab-A" not in conns
    assert not (tmp_path / "swanctl" / L.RRI_UPDOWN).exists()


# ------------------------------------------------------------------ gather / parse / verify on real outputs
def _outputs(phase, device):
    d = SPLIT / phase
    if device == "ipsec1":
        return {S.ROUTES: (d / "ipsec_routes.json").read_text(),
                S.route_get_key("198.51.100.2"): (d / "ipsec_route_get_peer.json").read_text(),
                S.SAS: (LAB / "swanctl_list_sas_raw.txt").read_text()}
    return {S.ROUTES: (d / "gre_routes.json").read_text(), S.SAS: (LAB / "swanctl_list_sas_raw.txt").read_text(),
            S.LINKS: (LAB / "ip_link.json").read_text(), S.ADDRS: (LAB / "ip_addr.json").read_text()}


def test_the_targets_name_the_rri_route_and_its_path_on_the_ipsec_device_and_the_route_on_the_gre_router():
    t = S.host_targets(PLAN, "ipsec1")
    assert t["tunnels"] == [] and t["neighbors"] == [] and t["prefixes"] == ["198.51.100.65/32"]
    assert t["rri"] == [{"route": "198.51.100.65/32", "peer": "198.51.100.2", "tunnel": A_KEY}]
    g = S.host_targets(PLAN, "cpe1")
    assert g["rri"] == [] and "198.51.100.65/32" in g["prefixes"] and len(g["tunnels"]) == 2


def test_the_gather_reads_the_path_to_the_peer_in_its_one_run():
    calls = []

    def run(argv):
        calls.append(" ".join(argv))
        key = " ".join(argv)
        out = _outputs("up", "ipsec1")
        for k, v in out.items():
            if key.endswith(k) or key == k:
                return 0, v, ""
        return 0, "[]" if "-j" in argv else "", ""

    state = S.gather(run, "ipsec1", S.host_targets(PLAN, "ipsec1"))
    assert "ip -j route get 198.51.100.2" in calls
    assert state["routes"] == [{"prefix": "198.51.100.65/32", "protocol": "249", "next_hop": "192.0.2.1",
                                "interface": "wan0", "peer": "198.51.100.2"}]


def _ipsec1_state(phase):
    state = S.parse(_outputs(phase, "ipsec1"), "ipsec1", PLAN)
    # the lab capture's SAs come from a one-device cpe1: only tunnel A's, its CHILD SA from cpe1's GRE IP 192.0.2.130
    state["ike_sas"] = [sa for sa in state["ike_sas"] if sa["remote"] == "198.51.100.2"]
    state["ipsec_sas"] = [dict(sa, local_ts="192.0.2.130/32") for sa in state["ipsec_sas"] if sa["remote"] == "198.51.100.2"]
    assert state["ike_sas"] and state["ipsec_sas"]
    return state


def _diag(state, host):
    return dict((t["key"], t) for t in diagnose_host(PLAN, state, host)["tunnels"])[A_KEY]


def _checks(result, key):
    t = [x for x in result["tunnels"] if x["key"] == key][0]
    return t, dict((c["check"], c["status"]) for c in t["checks"])


def test_verify_on_the_ipsec_device_passes_with_the_real_rri_route_and_fails_once_it_is_withdrawn():
    up = verify_host(PLAN, _ipsec1_state("up"), "ipsec1", {"require_traffic": False})
    t, st = _checks(up, A_KEY)
    assert up["ok"] and t["role"] == "ipsec" and st["rri_route"] == "pass"
    assert not any(c["layer"] in ("gre", "bgp") for c in t["checks"])
    down = _ipsec1_state("down")
    result = verify_host(PLAN, down, "ipsec1", {"require_traffic": False})
    assert not result["ok"] and _checks(result, A_KEY)[1]["rri_route"] == "fail"
    cause = _diag(down, "ipsec1")
    assert cause["check"] == "rri_route" and cause["cause_id"] == "rri.not_injected"
    assert "vc-rri-updown.sh" in cause["fix"] and "vc-lab-A" in cause["fix"] and "reverse-route" not in cause["fix"]


def test_an_operator_route_to_the_di_gre_ip_elsewhere_is_not_the_rri_route():
    state = _ipsec1_state("up")
    routes = json.loads((SPLIT / "up" / "ipsec_routes.json").read_text())
    for r in routes:
        if r["dst"] == "198.51.100.65":
            r.update(gateway="10.1.0.2", dev="in0", protocol="static")
    state = S.parse(dict(_outputs("up", "ipsec1"), **{S.ROUTES: json.dumps(routes)}), "ipsec1", PLAN)
    state["ike_sas"], state["ipsec_sas"] = _ipsec1_state("up")["ike_sas"], _ipsec1_state("up")["ipsec_sas"]
    assert "peer" not in state["routes"][0]
    result = verify_host(PLAN, state, "ipsec1", {"require_traffic": False})
    assert _checks(result, A_KEY)[1]["rri_route"] == "fail"
    cause = _diag(state, "ipsec1")
    assert cause["check"] == "rri_route" and cause["cause_id"] == "rri.wrong_next_hop"
    assert "via the WAN next hop towards 198.51.100.2" in cause["fix"]


def test_the_gre_router_learns_the_route_by_ospf_and_verifies_split_route_and_skips_ipsec():
    state = S.parse(_outputs("up", "cpe1"), "cpe1", PLAN)
    assert [r for r in state["routes"] if r["prefix"] == "198.51.100.65/32"] == [
        {"prefix": "198.51.100.65/32", "protocol": "ospf", "next_hop": "10.1.0.1", "interface": "in0"}]
    t, st = _checks(verify_host(PLAN, state, "cpe1", {"require_traffic": False}), A_KEY)
    assert t["role"] == "gre" and st["split_route"] == "pass"
    skipped = [c for c in t["checks"] if c["layer"] in ("ike", "ipsec")]
    assert skipped and all(c["status"] == "skip" and "ipsec1" in c["message"] for c in skipped)
    down = S.parse(_outputs("down", "cpe1"), "cpe1", PLAN)
    t, st = _checks(verify_host(PLAN, down, "cpe1", {"require_traffic": False}), A_KEY)
    assert st["split_route"] == "fail"
    cause = _diag(down, "cpe1")
    assert cause["check"] == "split_route" and cause["cause_id"] == "rri.no_route_to_ipsec_device"
    assert "inside OSPF" in cause["fix"] and "tag 99" in cause["fix"] and "10.1.0.1" in cause["fix"]
    # dynamic RRI: the route is gone because the SA on the IPsec device is, most often; that device comes first
    assert "verify and diagnose ipsec1 first" in cause["fix"] and "198.51.100.2" in cause["fix"]


def test_the_real_ospf_view_of_the_gre_router_carries_the_rri_tag():
    up = json.loads((SPLIT / "up" / "gre_ospf_external.json").read_text())["asExternalLinkStates"]
    assert [(x["linkStateId"], x["networkMask"], x["externalRouteTag"], x["advertisingRouter"]) for x in up] == [
        ("198.51.100.65", 32, 99, "10.1.0.1")]
    assert json.loads((SPLIT / "down" / "gre_frr_route.json").read_text()) == {}


def test_each_devices_slice_of_the_plan_serves_it_exactly_like_the_whole_plan():
    """The plan role hands each host its slice (views.host_plan): the IPsec device's slice holds its split tunnel."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import host_plan

    for host in ("ipsec1", "cpe1"):
        part = host_plan(PLAN, host)
        assert L.render_files(part, host) == L.render_files(PLAN, host), host
        assert S.host_targets(part, host) == S.host_targets(PLAN, host), host
        assert L.rri_tunnels(part, host) == L.rri_tunnels(PLAN, host)
    assert "ipsec1" in host_plan(PLAN, "ipsec1")["cpes"] and "cpe1" in host_plan(PLAN, "ipsec1")["cpes"]


# ------------------------------------------------------------------ the IPsec device's forward guard (real nftables)
def test_the_ipsec_device_table_has_only_the_forward_guard_of_its_split_tunnels():
    rules = L.nft_forward_guard_rules(L.rri_tunnels(PLAN, "ipsec1"))
    assert rules == ["ip protocol gre ip saddr 192.0.2.130 ip daddr { 198.51.100.65 } rt ipsec missing counter drop",
                     "ip protocol gre ip saddr { 198.51.100.65 } ip daddr 192.0.2.130 meta ipsec missing counter drop"]
    script = L.render_files(PLAN, "ipsec1")["files"]["nftables.d/vc-mss-clamp.nft"]
    tag = L.nft_tag(L.nft_rules([], L.rri_tunnels(PLAN, "ipsec1")))
    assert script.count('comment "%s"' % tag) == 2 and "chain forward_guard {" in script and "maxseg" not in script
    assert L.nft_forward_guard_rules(L.rri_tunnels(PLAN, "cpe1")) == []
    assert L.render_files(PLAN, "cpe1")["files"]["nftables.d/vc-mss-clamp.nft"] == L.render_nft_mss(L.host_tunnels(PLAN, "cpe1"))


@pytest.fixture
def chain3():
    """Namespaces gre (the GRE router, 192.0.2.130) -- ipsec (forwarding, our table) -- inet (the DI GRE IPs)."""
    import os
    import shutil
    import subprocess
    import uuid

    if os.geteuid() != 0 or shutil.which("nft") is None:
        pytest.skip("needs root and nft")
    tag = uuid.uuid4().hex[:6]
    gre, ipsec, inet = "vcsg" + tag, "vcsi" + tag, "vcsn" + tag
    made = []
    try:
        for ns in (gre, ipsec, inet):
            if subprocess.run(["ip", "netns", "add", ns], check=False).returncode != 0:
                pytest.skip("cannot create a network namespace")
            made.append(ns)
        steps = [
            ["ip", "link", "add", "in0", "netns", gre, "type", "veth", "peer", "name", "in0", "netns", ipsec],
            ["ip", "link", "add", "wan0", "netns", ipsec, "type", "veth", "peer", "name", "inet0", "netns", inet],
            ["ip", "-n", gre, "link", "set", "in0", "up"], ["ip", "-n", ipsec, "link", "set", "in0", "up"],
            ["ip", "-n", ipsec, "link", "set", "wan0", "up"], ["ip", "-n", inet, "link", "set", "inet0", "up"],
            ["ip", "-n", gre, "addr", "add", "10.1.0.2/30", "dev", "in0"],
            ["ip", "-n", gre, "addr", "add", "192.0.2.130/32", "dev", "in0"],
            ["ip", "-n", gre, "route", "add", "198.51.100.0/24", "via", "10.1.0.1"],
            ["ip", "-n", ipsec, "addr", "add", "10.1.0.1/30", "dev", "in0"],
            ["ip", "-n", ipsec, "addr", "add", "192.0.2.2/24", "dev", "wan0"],
            ["ip", "-n", ipsec, "route", "add", "192.0.2.130/32", "via", "10.1.0.2"],
            ["ip", "-n", ipsec, "route", "add", "198.51.100.0/24", "via", "192.0.2.1"],
            ["ip", "netns", "exec", ipsec, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
            ["ip", "-n", inet, "addr", "add", "192.0.2.1/24", "dev", "inet0"],
            ["ip", "-n", inet, "route", "add", "192.0.2.130/32", "via", "192.0.2.2"],
        ] + [["ip", "-n", inet, "addr", "add", a + "/32", "dev", "inet0"] for a in ("198.51.100.65", "198.51.100.99")]
        for argv in steps:
            if subprocess.run(argv, capture_output=True, check=False).returncode != 0:
                pytest.skip("cannot build the namespaces (%s)" % " ".join(argv))
        yield gre, ipsec, inet
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], check=False)


def _send(sender, receiver, src, dst, n=3):
    import subprocess

    from .test_gre_guard import RECV, SEND

    recv = subprocess.Popen(["ip", "netns", "exec", receiver, "python3", "-c", RECV, "1.5"], stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "ready"
    subprocess.run(["ip", "netns", "exec", sender, "python3", "-c", SEND, src, dst, str(n)], capture_output=True, text=True,
                   check=True)
    return recv.communicate(timeout=10)[0].split()


def test_clear_gre_forwarded_by_the_ipsec_device_is_dropped_both_ways_on_real_nftables(chain3):
    import subprocess

    gre, ipsec, inet = chain3
    # without the table the IPsec device forwards clear GRE (what a stopped charon would leave): the guard is needed
    assert _send(gre, inet, "192.0.2.130", "198.51.100.65") == ["192.0.2.130"] * 3
    script = L.render_files(PLAN, "ipsec1")["files"]["nftables.d/vc-mss-clamp.nft"]
    subprocess.run(["ip", "netns", "exec", ipsec, "nft", "-f", "-"], input=script, text=True, check=True)
    assert _send(gre, inet, "192.0.2.130", "198.51.100.65") == []            # to Cisco in clear: dropped
    assert _send(inet, gre, "198.51.100.65", "192.0.2.130") == []            # from the internet in clear: dropped
    assert _send(gre, inet, "192.0.2.130", "198.51.100.99") == ["192.0.2.130"] * 3   # other GRE: not ours to judge
    listing = subprocess.run(["ip", "netns", "exec", ipsec, "nft", "-j", "list", "table", L.NFT_FAMILY, L.NFT_TABLE],
                             capture_output=True, text=True, check=True).stdout
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A

    rules = L.nft_rules([], L.rri_tunnels(PLAN, "ipsec1"))
    assert A.nft_current(listing, L.nft_tag(rules), len(rules))          # counted, still current (changed=0)
    counts = [e["counter"]["packets"] for i in json.loads(listing)["nftables"] if "rule" in i
              for e in i["rule"]["expr"] if "counter" in e]
    assert counts == [3, 3]


def test_an_ipsec_only_device_runs_every_feature_but_frr_in_check_mode_without_touching_anything(tmp_path):
    """ipsec1 has no GRE link and no BGP: gre has nothing to do, mtu loads the forward guard table, ha checks the DPD
    of its connection (not loaded yet: a warning), ipsec writes the script and the connection (check mode: nothing)."""
    host = Host()
    warnings = []
    p = params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]}, features=["ipsec", "gre", "mtu", "ha"])
    result = LinuxConfig(p, host, check_mode=True, warn=warnings.append).apply()
    assert result["changed"] and result["features"]["gre"] == {"changed": False, "links": {}}
    assert result["features"]["mtu"]["changed"] and result["features"]["mtu"]["tag"] == \
        L.nft_tag(L.nft_rules([], L.rri_tunnels(PLAN, "ipsec1")))
    assert sorted(result["changed_files"]) == sorted([str(tmp_path / "swanctl" / L.RRI_UPDOWN), str(tmp_path / "vc.nft"),
                                                      str(tmp_path / "swanctl" / "conf.d" / "vc-connections.conf"),
                                                      str(tmp_path / "swanctl" / "conf.d" / "vc-secrets.conf")])
    assert not (tmp_path / "swanctl").exists() and not (tmp_path / "vc.nft").exists() and host.loaded is False
    assert any("vc-lab-A" in w and "DPD not checked" in w for w in warnings)
    assert not any(c[:2] == ["ip", "link"] and "add" in c for c in host.calls)


def test_each_device_of_a_split_tunnel_waits_only_for_its_part_before_verify_judges():
    """vc_waiting / vc_settle_wait (verify role): the IPsec device waits for the SAs of the split tunnel (it has no BGP
    for it), the GRE router for its BGP session (the SAs are the IPsec device's)."""
    from ansible_collections.webex_di.virtual_connect.plugins.filter.vc_filters import vc_settle_wait, vc_waiting

    up = _ipsec1_state("up")
    assert vc_waiting(up, PLAN, "ipsec1") == [] and vc_settle_wait(up, PLAN, "ipsec1") == 0.0
    bare = dict(up, ike_sas=[], ipsec_sas=[])
    assert vc_waiting(bare, PLAN, "ipsec1") == ["lab-A: IKE SA", "lab-A: CHILD SA"]
    gre = S.parse(_outputs("up", "cpe1"), "cpe1", PLAN)
    gre["ike_sas"], gre["ipsec_sas"] = [], []
    gre["bgp_neighbors"] = [{"neighbor": "100.64.0.2", "state": "Established", "received": ["203.0.113.0/25"]}]
    assert vc_waiting(gre, PLAN, "cpe1") == ["lab-B: IKE SA", "lab-B: CHILD SA", "lab-B: BGP session"]
    gre["bgp_neighbors"] = []
    assert vc_waiting(gre, PLAN, "cpe1")[0] == "lab-A: BGP session"


class RoutedHost(Host):
    """The stand-in host with a main routing table (``ip -j route show table main``)."""

    def __init__(self, routes):
        Host.__init__(self)
        self.routes = routes

    def __call__(self, argv, data=None):
        if " ".join(argv).endswith("-j route show table main"):
            self.calls.append(list(argv))
            return 0, json.dumps(self.routes), ""
        return Host.__call__(self, argv, data)


def test_an_operator_route_to_the_di_gre_endpoint_on_the_ipsec_device_is_refused_before_anything_changes(tmp_path):
    operator = json.loads((SPLIT / "down" / "ipsec_routes.json").read_text()) + [
        {"dst": "198.51.100.65", "gateway": "10.1.0.2", "dev": "in0", "protocol": "static", "flags": []}]
    host = RoutedHost(operator)
    with pytest.raises(ApplyError) as exc:
        LinuxConfig(params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]}), host).apply()
    assert "route 198.51.100.65/32 (protocol static, via 10.1.0.2) exists on ipsec1" in str(exc.value)
    assert not (tmp_path / "swanctl").exists() and host.loaded is False
    # the RRI route itself (protocol 249, the SA is up) and no route at all are fine
    for routes in (json.loads((SPLIT / "up" / "ipsec_routes.json").read_text()),
                   json.loads((SPLIT / "down" / "ipsec_routes.json").read_text())):
        LinuxConfig(params(PLAN, tmp_path, host="ipsec1", secrets={A_KEY: SECRETS[A_KEY]}), RoutedHost(routes)).apply()


def test_the_updown_script_never_replaces_an_operator_route_on_a_real_kernel(tmp_path):
    """The rendered script in a network namespace: up/down with protocol 249; an operator's static route to the /32
    is left as it is (the script fails, so the RRI is not injected and verify says rri.wrong_next_hop)."""
    import os
    import subprocess
    import uuid

    if os.geteuid() != 0:
        pytest.skip("needs root")
    ns = "vcsu" + uuid.uuid4().hex[:6]
    script = tmp_path / L.RRI_UPDOWN
    script.write_text(L.render_rri_updown(L.rri_tunnels(PLAN, "ipsec1")))
    if subprocess.run(["ip", "netns", "add", ns], check=False).returncode != 0:
        pytest.skip("cannot create a network namespace")
    try:
        for argv in (["ip", "-n", ns, "link", "add", "wan0", "type", "veth", "peer", "name", "wanp"],
                     ["ip", "-n", ns, "link", "set", "wanp", "up"], ["ip", "-n", ns, "link", "set", "wan0", "up"],
                     ["ip", "-n", ns, "addr", "add", "192.0.2.2/24", "dev", "wan0"],
                     ["ip", "-n", ns, "route", "add", "default", "via", "192.0.2.1"]):
            subprocess.run(argv, check=True)

        def updown(verb, conn="vc-lab-A-gre"):
            env = dict(os.environ, PLUTO_VERB=verb, PLUTO_CONNECTION=conn)
            return subprocess.run(["ip", "netns", "exec", ns, "sh", str(script)], env=env, capture_output=True, text=True,
                                  check=False)

        def routes():
            out = subprocess.run(["ip", "-n", ns, "-j", "route", "show", "table", "main"], capture_output=True, text=True,
                                 check=True).stdout
            return [r for r in json.loads(out) if r.get("dst") == "198.51.100.65"]

        assert updown("up-client").returncode == 0
        assert routes() == [{"dst": "198.51.100.65", "gateway": "192.0.2.1", "dev": "wan0", "protocol": "249", "flags": []}]
        assert updown("up-client").returncode == 0 and len(routes()) == 1     # twice (a second CHILD SA): one route
        assert updown("down-client", "vc-lab-B-gre").returncode == 0 and len(routes()) == 1   # not one of its SAs
        assert updown("down-client").returncode == 0 and routes() == []
        subprocess.run(["ip", "-n", ns, "route", "add", "198.51.100.65/32", "via", "192.0.2.9", "proto", "static"], check=True)
        up = updown("up-client")
        assert up.returncode == 1 and "not replaced" in up.stderr
        assert [(r["gateway"], r["protocol"]) for r in routes()] == [("192.0.2.9", "static")]
        assert updown("down-client").returncode == 0 and [r["protocol"] for r in routes()] == ["static"]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
