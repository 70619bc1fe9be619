"""absent_tunnels: which plan tunnels of a CPE leave no trace in the running config read before a change.

deploy_vc.yml's staged rollout judges stage 1's IKE SA age in the last stage only when the later stage's tunnels
carry no traffic yet; 'no trace' must therefore be conservative: any interface of the tunnel's number or any of its
DI addresses, ours or foreign, counts as a trace.
"""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.apply import absent_tunnels
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import device_tunnels

from . import config_helpers as H
from .applier import apply_commands


@pytest.fixture(scope="module")
def lab():
    plan, secrets = H.lab_plan()
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)
    return plan, intent, {t["key"]: t for t in device_tunnels(plan, "cpe1")}


def test_a_bare_router_has_no_trace_of_any_tunnel(lab):
    plan, _intent, tunnels = lab
    assert absent_tunnels(plan, "cpe1", H.BASE) == sorted(tunnels) == ["lab-A", "lab-B"]
    assert absent_tunnels(plan, "cpe1", "") == ["lab-A", "lab-B"]


def test_after_stage_1_only_the_tunnel_2_is_absent_and_after_both_none(lab):
    plan, intent, _tunnels = lab
    after_a = apply_commands(H.BASE, D.compute(intent, H.BASE, tunnels=["lab-A"]).commands)
    assert absent_tunnels(plan, "cpe1", after_a) == ["lab-B"]
    after_b = apply_commands(after_a, D.compute(intent, after_a, tunnels=["lab-B"]).commands)
    assert absent_tunnels(plan, "cpe1", after_b) == []


@pytest.mark.parametrize("trace", [
    "interface Tunnel{number}\n no ip address\n!\n",                      # a foreign interface of the same number
    "ip route {gre_ip} 255.255.255.255 192.0.2.1\n",                       # a route to its GRE endpoint
    "crypto ikev2 keyring OTHER\n peer X\n  address {ipsec_ip}\n!\n",      # a foreign keyring peer
    "router bgp 65000\n neighbor {tunnel_ip} remote-as 64512\n!\n",        # a BGP neighbour on its tunnel IP
])
def test_any_trace_ours_or_foreign_means_present(lab, trace):
    plan, _intent, tunnels = lab
    t = tunnels["lab-B"]
    text = H.BASE + trace.format(number=t["tunnel_number"], gre_ip=t["di"]["gre_ip"], ipsec_ip=t["di"]["ipsec_ip"],
                                 tunnel_ip=t["di"]["tunnel_ip"])
    assert absent_tunnels(plan, "cpe1", text) == ["lab-A"]


def test_a_longer_address_or_interface_number_is_no_trace(lab):
    plan, _intent, tunnels = lab
    t = tunnels["lab-B"]
    lookalikes = "interface Tunnel%s0\n!\nip route %s1 255.255.255.255 192.0.2.1\nip route 1%s 255.255.255.255 192.0.2.1\n" % (
        t["tunnel_number"], t["di"]["gre_ip"], t["di"]["ipsec_ip"])
    assert absent_tunnels(plan, "cpe1", H.BASE + lookalikes) == ["lab-A", "lab-B"]
