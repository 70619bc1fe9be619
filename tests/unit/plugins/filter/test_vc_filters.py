"""The filters that reach a CPE's platform through the registry (vc_platform, vc_render, vc_gather_commands,
vc_parse, vc_waiting): the platform comes from the plan (or ansible_network_os), never from a default."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.filter import vc_filters as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import SETTLE_COMMANDS

from ..module_utils.platforms.ios.helpers import lab_plan as ios_plan
from ..module_utils.verify.helpers import healthy_state


@pytest.fixture(scope="module")
def plans():
    return {"ios": ios_plan("lab"), "linux": ios_plan("lab", cpes={"cpe1": {"platform": "linux", "wan_interface": "wan0"}})}


def test_every_filter_is_registered():
    assert sorted(F.FilterModule().filters()) == sorted(
        "vc_" + n for n in ("split", "tunnel_addressing", "asn_check", "mss", "cpe_tunnels", "secrets", "platform", "render",
                            "gather_commands", "parse", "waiting", "host_plan", "settle_wait"))


def test_vc_platform_names_the_platform_or_fails_listing_the_known_values():
    assert F.vc_platform("cisco.ios.ios") == "ios" and F.vc_platform("linux") == "linux"
    for bad in ("", None, "junos"):
        with pytest.raises(AnsibleFilterError, match="cisco.ios.ios, ios, linux"):
            F.vc_platform(bad)


def test_vc_render_goes_through_the_platform_the_plan_names(plans):
    ios = F.vc_render(plans["ios"], "cpe1", {"vc_wan_next_hop": "192.0.2.1", "unrelated": "x"})
    assert list(ios["files"]) == ["vc-ios.cfg"]
    assert "ip route 198.51.100.65 255.255.255.255 192.0.2.1 name VC-LAB-A" in ios["files"]["vc-ios.cfg"]
    linux = F.vc_render(plans["linux"], "cpe1", {"vc_wan_next_hop": "192.0.2.1"})   # not a Linux setting: ignored
    assert sorted(linux["files"]) == ["nftables.d/vc-mss-clamp.nft", "swanctl/conf.d/vc-connections.conf",
                                      "systemd/network/vcgre101.netdev", "systemd/network/vcgre101.network",
                                      "systemd/network/vcgre102.netdev", "systemd/network/vcgre102.network"]
    assert any("no keepalives" in w for w in linux["warnings"])
    with pytest.raises(AnsibleFilterError, match="cpe9 terminates no Virtual Connect tunnel"):
        F.vc_render(plans["ios"], "cpe9")
    with pytest.raises(AnsibleFilterError, match="expects the plan"):
        F.vc_render({"not": "a plan"}, "cpe1")


def test_vc_gather_commands_per_platform(plans):
    ios = F.vc_gather_commands(plans["ios"], "cpe1")
    assert ios[0]["command"] == "show crypto ikev2 sa" and all("file" in c for c in ios)
    assert F.vc_gather_commands(plans["ios"], "cpe1", settle=True) == list(SETTLE_COMMANDS)
    assert F.vc_gather_commands(plans["linux"], "cpe1") == []          # Linux gathers with vc_linux_state


def test_vc_parse_needs_a_platform(plans):
    state = F.vc_parse({"show crypto ikev2 sa": ""}, "cpe1", plan=plans["ios"])
    assert state["platform"] == "cisco.ios.ios" and state["ike_sas"] == []
    assert F.vc_parse({}, "cpe1", network_os="cisco.ios")["host"] == "cpe1"
    with pytest.raises(AnsibleFilterError, match="is not set"):
        F.vc_parse({}, "cpe1")


def test_vc_waiting_is_the_one_settled_rule(plans):
    assert F.vc_waiting(healthy_state(), plans["ios"], "cpe1", 10) == []
    assert F.vc_waiting({}, plans["ios"], "cpe1") == [
        "lab-A: IKE SA", "lab-A: CHILD SA", "lab-A: BGP session", "lab-B: IKE SA", "lab-B: CHILD SA", "lab-B: BGP session"]
    summary_only = healthy_state()
    for nbr in summary_only["bgp_neighbors"]:
        nbr["received"] = None                  # a summary read: the accepted-prefix count says it
    assert F.vc_waiting(summary_only, plans["ios"], "cpe1") == []
    summary_only["bgp_neighbors"][0]["prefixes_received"] = 0
    assert F.vc_waiting(summary_only, plans["ios"], "cpe1") == ["lab-A: BGP routes"]


def test_vc_settle_wait_knows_the_ike_clock_and_polls_only_when_nothing_says_when(plans):
    plan = plans["ios"]
    assert F.vc_settle_wait(healthy_state(), plan, "cpe1", 10) == 0
    young = healthy_state()
    for i, sa in enumerate(young["ike_sas"]):
        sa["uptime_s"] = 3 + i                   # both up, 3 s and 4 s old
    assert F.vc_waiting(young, plan, "cpe1", 10) == ["lab-A: IKE SA younger than 10s", "lab-B: IKE SA younger than 10s"]
    assert F.vc_settle_wait(young, plan, "cpe1", 10) == 7.0          # the younger one needs 7 s more
    assert F.vc_settle_wait(young, plan, "cpe1", 0) == 0             # no age rule: settled
    young["bgp_neighbors"][1]["state"] = "Active"                    # BGP not up: no clock says when
    assert F.vc_settle_wait(young, plan, "cpe1", 10, poll_s=5) == 5.0
    assert F.vc_settle_wait({}, plan, "cpe1", 10, poll_s=2) == 2.0   # nothing up yet
    with pytest.raises(AnsibleFilterError):
        F.vc_settle_wait("not a state", plan, "cpe1")
    auth = {"log_events": [{"event": "AUTHENTICATION_FAILED", "peer": "198.51.100.2", "age_s": 3, "message": "x"}]}
    assert F.vc_waiting(auth, plans["ios"], "cpe1", fresh_s=20) == ["lab-B: IKE SA", "lab-B: CHILD SA", "lab-B: BGP session"]
    assert F.vc_waiting(auth, plans["ios"], "cpe1", fresh_s=2)[0] == "lab-A: IKE SA"     # older than the wait so far
