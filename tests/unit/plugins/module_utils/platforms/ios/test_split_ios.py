"""Split devices (seed 004; docs/ha.md): IPsec on one IOS-XE device (vpn1), GRE/BGP on another (cpe1).

The plan says which host does what per tunnel; the IPsec device gets the crypto objects with reverse route
injection (RRI, tagged) for the DI GRE endpoint, the GRE/BGP router its tunnels, BGP and a route to the DI GRE
endpoint via the IPsec device. Checked in the plan phase, rendered, and typed into IOS-XE TEST DOUBLE routers (the
double installs the RRI route while the SA is up).
"""
from __future__ import annotations

import copy
import sys

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, secrets_by_tunnel
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R

from .config_helpers import REPO, send_config

if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
double = pytest.importorskip("iosxe_double")

BASE = REPO / "tests" / "iosxe_double" / "base_configs"
IOS = {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1"}


def split_regions():
    regions = yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    a = regions[0]["tunnels"][0]["cpe"]
    a.update(ipsec_host="vpn1", ipsec_inside_ip="10.1.0.1", gre_ip="192.0.2.130")
    return regions


def plan_of(regions, options=None):
    result = build_plan(copy.deepcopy(regions), cpes={"cpe1": dict(IOS), "vpn1": dict(IOS)}, options=options)
    return result


def codes(result):
    return [(f["code"], f["path"]) for f in result.findings if f["severity"] == "error"]


def test_plan_says_which_host_does_what():
    result = plan_of(split_regions(), options={"rri": {"tag": 99}})
    assert result.ok, result.findings
    plan = result.plan
    a, b = plan["regions"][0]["tunnels"]
    assert a["split"] == {"ipsec_host": "vpn1", "gre_host": "cpe1", "ipsec_inside_ip": "10.1.0.1",
                          "rri": {"enabled": True, "static": False, "tag": 99, "route": "198.51.100.65/32",
                                  "via": "198.51.100.2"}}
    assert a["ipsec"]["rri"]["enabled"] is True and "split" not in b
    assert a["crypto_acl"] == {"protocol": "gre", "protocol_number": 47, "source": "192.0.2.130",
                               "destination": "198.51.100.65"}
    assert plan["cpes"]["vpn1"]["ipsec_tunnels"] == ["lab-A"] and plan["cpes"]["vpn1"]["tunnels"] == []
    assert plan["cpes"]["cpe1"]["tunnels"] == ["lab-A", "lab-B"]


def test_plan_phase_errors_name_the_field():
    regions = split_regions()
    regions[0]["tunnels"][0]["cpe"].pop("ipsec_inside_ip")
    assert ("split.inside_ip", "regions[0].tunnels[0].cpe.ipsec_inside_ip") in codes(plan_of(regions))
    regions = split_regions()
    regions[0]["tunnels"][0]["cpe"]["ipsec_inside_ip"] = "192.0.2.130"
    assert ("split.inside_ip", "regions[0].tunnels[0].cpe.ipsec_inside_ip") in codes(plan_of(regions))
    regions = split_regions()
    regions[0]["tunnels"][0]["cpe"]["gre_ip"] = "192.0.2.2"
    assert ("split.same_address", "regions[0].tunnels[0].cpe.gre_ip") in codes(plan_of(regions))
    regions = split_regions()
    b = regions[0]["tunnels"][1]["cpe"]
    b.update(ipsec_host="vpn1", ipsec_inside_ip="10.1.0.1", gre_ip="192.0.2.131", tunnel_number=101)
    regions[0]["tunnels"][0]["cpe"]["tunnel_number"] = 101
    got = codes(plan_of(regions))
    assert ("split.sequence", "regions[0].tunnels[1].cpe.tunnel_number") in got
    regions = split_regions()
    regions[0]["tunnels"][1]["cpe"]["ipsec_inside_ip"] = "10.1.0.9"
    assert ("split.field", "regions[0].tunnels[1].cpe.ipsec_inside_ip") in [
        (f["code"], f["path"]) for f in plan_of(regions).findings]
    regions = split_regions()
    regions[0]["tunnels"][0]["cpe"]["ipsec_hots"] = "vpn1"
    assert ("input.unknown", "regions[0].tunnels[0].cpe.ipsec_hots") in codes(plan_of(regions))


def test_single_device_plans_are_unchanged():
    regions = yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    result = build_plan(copy.deepcopy(regions), cpes={"cpe1": dict(IOS)})
    assert all("split" not in t for t in result.plan["regions"][0]["tunnels"])
    assert "ipsec_tunnels" not in result.plan["cpes"]["cpe1"]


def test_render_each_device_its_part():
    plan = plan_of(split_regions(), options={"rri": {"tag": 99}}).plan
    vpn = R.render_text(plan, "vpn1", wan_next_hop="192.0.2.1")
    rtr = R.render_text(plan, "cpe1", wan_next_hop="192.0.2.1")
    # the IPsec device: crypto for the DI GRE endpoint of tunnel A, RRI tagged, no tunnel interface, no BGP
    assert "crypto map VC-CMAP 101 ipsec-isakmp\n description webex_di.virtual_connect:lab-A\n set peer 198.51.100.2\n" in vpn
    assert " permit gre host 192.0.2.130 host 198.51.100.65\n" in vpn
    assert " reverse-route\n set reverse-route tag 99\n" in vpn
    assert "interface Tunnel" not in vpn and "router bgp" not in vpn and "198.51.100.6\n" not in vpn
    assert "interface GigabitEthernet1\n crypto map VC-CMAP\n" in vpn
    # the GRE/BGP router: both tunnels and BGP; IPsec only for tunnel B; A's GRE goes to the IPsec device
    assert "interface Tunnel101" in rtr and "interface Tunnel102" in rtr and "router bgp 64551" in rtr
    assert " tunnel source 192.0.2.130\n" in rtr
    assert "ip route 198.51.100.65 255.255.255.255 10.1.0.1 name VC-LAB-A\n" in rtr
    assert "ip route 198.51.100.66 255.255.255.255 192.0.2.1 name VC-LAB-B\n" in rtr
    assert "VC-GRE-LAB-A" not in rtr and "crypto map VC-CMAP 102 ipsec-isakmp" in rtr


_send = send_config


def _vpn1(regions):
    """The IPsec device vpn1 on the double: it models the Cisco side of tunnel A (cpe.host = vpn1 in its truth)."""
    truth = copy.deepcopy(regions)
    truth[0]["tunnels"][0]["cpe"]["host"] = "vpn1"
    router = double.Router("vpn1", (BASE / "cpe_lab.cfg").read_text(), truth=truth, inventory_name="vpn1")
    session = double.Session(router, "admin")
    session.handle_line("enable")
    return router, session


def test_ipsec_device_in_the_double_injects_the_route_while_the_sa_is_up():
    regions = split_regions()
    plan = plan_of(regions, options={"rri": {"tag": 99}}).plan
    secrets = secrets_by_tunnel(regions)
    # the double models the Cisco side of the tunnels whose cpe.host is the router: vpn1 is that for tunnel A's IPsec
    router, session = _vpn1(regions)
    intent = R.render(plan, "vpn1", secrets, require_secrets=True)
    first = D.compute(intent, router.running_config())
    assert first.errors == [], first.errors
    assert _send(session, first.commands) == []
    assert D.compute(intent, router.running_config()).commands == []
    from iosxe_double.cisco_side import Evaluator

    ev = Evaluator(router).evaluate()
    vt = next(v for v in ev.tunnels if v.key == "lab-A")
    assert vt.ike_up and vt.ipsec_up, (vt.ike_reason, vt.ipsec_reason)
    rri = [r for r in ev.rib if r["prefix"] == "198.51.100.65/32"]
    assert rri and rri[0]["code"] == "S" and rri[0]["via"] == "198.51.100.2"
    route = session.handle_line("show ip route 198.51.100.65 255.255.255.255")
    assert "198.51.100.65" in route


def test_gather_and_parse_on_both_devices_pass_verify():
    """The gather commands of each device, answered by the double, verify the split tunnel on both devices."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import assemble as AS
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import commands as C
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import verify_host

    regions = split_regions()
    plan = plan_of(regions, options={"rri": {"tag": 99}}).plan
    secrets = secrets_by_tunnel(regions)
    router, session = _vpn1(regions)
    assert _send(session, D.compute(R.render(plan, "vpn1", secrets, require_secrets=True),
                                    router.running_config()).commands) == []
    cmds = [c["command"] for c in C.ios_gather_commands(plan, "vpn1")]
    assert "show crypto ipsec sa peer 198.51.100.2" in cmds and "show ip route 198.51.100.65 255.255.255.255 longer-prefixes" in cmds
    assert not [c for c in cmds if "bgp neighbors" in c or "interfaces Tunnel" in c]
    router.up_since = dict((k, v - 300) for k, v in router.up_since.items())   # the SA is some minutes old
    outputs = dict((c, session.handle_line(c)) for c in cmds)
    state = AS.build_ios_state(outputs, "vpn1", plan)
    assert [r for r in state["routes"] if r["prefix"] == "198.51.100.65/32"][0]["next_hop"] == "198.51.100.2"
    result = verify_host(plan, state, "vpn1", {"require_traffic": False})
    assert result["ok"], [c for t in result["tunnels"] for c in t["checks"] if c["status"] == "fail"]
    assert dict((c["check"], c["status"]) for c in result["tunnels"][0]["checks"])["rri_route"] == "pass"
    # the GRE router's gather asks for the route to the DI GRE endpoint of the split tunnel
    assert "show ip route 198.51.100.65 255.255.255.255 longer-prefixes" in [
        c["command"] for c in C.ios_gather_commands(plan, "cpe1")]


def test_a_linux_device_with_an_ios_one_in_a_split_tunnel_is_planned_and_an_unknown_platform_refused():
    """Linux in either role is built (tests/unit/.../linux/test_split_linux.py); a mixed pair plans without error,
    except static RRI on a Linux IPsec device (linux.rri_static)."""
    for host in ("vpn1", "cpe1"):
        cpes = {"cpe1": dict(IOS), "vpn1": dict(IOS)}
        cpes[host] = {"platform": "linux", "wan_interface": "eth0"}
        assert codes(build_plan(split_regions(), cpes=cpes)) == [], host
        static = codes(build_plan(split_regions(), cpes=cpes, options={"rri": {"static": True}}))
        assert static == ([("linux.rri_static", "options.rri.static")] if host == "vpn1" else []), host
    cpes = {"cpe1": dict(IOS), "vpn1": {"platform": "junos", "wan_interface": "ge-0/0/0"}}
    assert ("platform.unknown", "cpes.vpn1.platform") in codes(build_plan(split_regions(), cpes=cpes))


def test_the_ipsec_device_has_a_host_slice_and_stages():
    """The plan role gives each host its slice (views.host_plan) and the deploy its stages (targets.rollout_stages):
    the IPsec device of a split tunnel terminates no tunnel, and still gets the region and a stage with the tunnel."""
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import rollout_stages
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import device_tunnels, host_plan

    plan = plan_of(split_regions(), options={"rri": {"tag": 99}}).plan
    vpn = host_plan(plan, "vpn1")
    assert [t["key"] for r in vpn["regions"] for t in r["tunnels"]] == ["lab-A", "lab-B"]
    assert sorted(vpn["cpes"]) == ["cpe1", "vpn1"]
    assert [t["key"] for t in device_tunnels(vpn, "vpn1")] == ["lab-A"]
    assert rollout_stages(plan, "vpn1") == [["lab-A"], []]
    assert rollout_stages(plan, "cpe1") == [["lab-A"], ["lab-B"]]
    assert R.render_text(vpn, "vpn1", wan_next_hop="192.0.2.1") == R.render_text(plan, "vpn1", wan_next_hop="192.0.2.1")


def test_a_stage_without_ipsec_on_this_router_leaves_the_shared_crypto_objects_for_the_stage_that_uses_them():
    """Stage 1 (tunnel A, split) on the GRE router types no IKEv2 proposal/policy/keyring/transform-set and no WAN crypto
    map: nothing of its own would use them, so a later stage would find them unmarked and refuse them (seen end to end
    over SSH before the fix). Stage 2 (tunnel B, its IPsec on cpe1) types them with its crypto map entry."""
    regions = split_regions()
    plan = plan_of(regions, options={"rri": {"tag": 99}}).plan
    secrets = secrets_by_tunnel(regions)
    router = double.Router("cpe1", (BASE / "cpe_fresh.cfg").read_text(), truth=regions, inventory_name="cpe1")
    session = double.Session(router, "admin")
    session.handle_line("enable")
    intent = R.render(plan, "cpe1", secrets, require_secrets=True, wan_interface="GigabitEthernet1")
    one = D.compute(intent, router.running_config(), tunnels=["lab-A"])
    assert one.errors == [], one.errors
    typed = "\n".join(one.commands)
    assert "interface Tunnel101" in typed and "ip route 198.51.100.65 255.255.255.255 10.1.0.1" in typed
    assert "crypto ikev2" not in typed and "crypto ipsec transform-set" not in typed and "crypto map" not in typed
    assert _send(session, one.commands) == []
    two = D.compute(intent, router.running_config(), tunnels=["lab-B"])
    assert two.errors == [], two.errors
    typed = "\n".join(two.commands)
    assert "crypto ikev2 proposal" in typed and "crypto map VC-CMAP 102 ipsec-isakmp" in typed
    assert _send(session, two.commands) == []
    assert D.compute(intent, router.running_config()).commands == []
