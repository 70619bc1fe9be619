"""FRR: the VC intent, the running-config comparison (only VC-owned lines) and convergence on a real FRR."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F

from .helpers import SECRETS, fixture_text

PASSWORDS = dict((k, v["bgp_password"]) for k, v in SECRETS.items())
OPERATOR_TOKENS = ("10.255.0.1", "OPS-IN", "OPS-OUT", "ISP-UPLINK")


def intent(plan, host="cpe1", passwords=None, running=""):
    return L.frr_intent(L.host_tunnels(plan, host), plan["cpes"][host], PASSWORDS if passwords is None else passwords, activate=F.needs_activate(running))


def operator_lines(running):
    return [x for x in running.splitlines() if any(tok in x for tok in OPERATOR_TOKENS)]


def test_parse_running_builds_the_indentation_tree():
    tree = F.parse_running(fixture_text("frr_running_converged.txt"))
    router = F.bgp_router(tree)
    assert router["line"] == "router bgp 64551"
    af = [n for n in router["children"] if n["line"] == "address-family ipv4 unicast"][0]
    assert "neighbor 100.64.0.6 route-map VC-LAB-B-IN in" in [n["line"] for n in af["children"]]
    rm = [n for n in tree if n["line"] == "route-map VC-LAB-A-OUT permit 10"][0]
    assert [n["line"] for n in rm["children"]] == ["description webex_di.virtual_connect:lab-A",
                                                   "match ip address prefix-list VC-LAB-A-OUT"]


def test_intent_follows_the_plan(plan):
    it = intent(plan)
    assert it["asn"] == 64551
    assert it["prefix_lists"]["VC-LAB-A-OUT"] == ["ip prefix-list VC-LAB-A-OUT description webex_di.virtual_connect:lab-A",
                                                  "ip prefix-list VC-LAB-A-OUT seq 5 permit 0.0.0.0/0"]
    assert it["route_maps"]["route-map VC-LAB-B-IN permit 10"] == ["description webex_di.virtual_connect:lab-B",
                                                                   "match ip address prefix-list VC-LAB-B-IN"]
    assert "neighbor 100.64.0.2 description webex_di.virtual_connect:lab-A" in it["neighbors"]["100.64.0.2"]
    assert [x.split()[-1] for x in it["prefix_lists"]["VC-LAB-B-IN"][1:]] == plan["regions"][0]["tunnels"][1]["bgp"]["prefix_list_in"]
    a, b = it["neighbors"]["100.64.0.2"], it["neighbors"]["100.64.0.6"]
    assert a[0] == "neighbor 100.64.0.2 remote-as 64552"
    assert not any("local-as" in x for x in a)  # tunnel A: the router ASN is the tunnel's ASN
    assert "neighbor 100.64.0.6 local-as 64561 no-prepend replace-as" in b
    assert "neighbor 100.64.0.6 timers 10 30" in b and "neighbor 100.64.0.6 timers connect 10" in b
    assert "neighbor 100.64.0.6 password lab-bgp-dc-b" in b
    assert it["af_neighbors"]["100.64.0.2"] == [
        "neighbor 100.64.0.2 default-originate",
        "neighbor 100.64.0.2 soft-reconfiguration inbound",
        "neighbor 100.64.0.2 route-map VC-LAB-A-IN in",
        "neighbor 100.64.0.2 route-map VC-LAB-A-OUT out",
    ]
    assert it["bfd_profiles"] == {}


def test_bfd_profile_omits_frr_defaults(plan):
    for t in plan["regions"][0]["tunnels"]:
        t["bgp"]["bfd"] = {"enabled": True, "interval_ms": 300, "multiplier": 3}
    plan["regions"][0]["tunnels"][1]["bgp"]["bfd"] = {"enabled": True, "interval_ms": 100, "multiplier": 5}
    it = intent(plan)
    assert it["bfd_profiles"] == {"VC-LAB-A": [], "VC-LAB-B": ["detect-multiplier 5", "transmit-interval 100", "receive-interval 100"]}
    assert "neighbor 100.64.0.2 bfd profile VC-LAB-A" in it["neighbors"]["100.64.0.2"]


def test_password_with_whitespace_is_refused(plan):
    with pytest.raises(L.RenderError, match="lab-B"):
        intent(plan, passwords={"lab-A": "ok", "lab-B": "two words"})


def test_delta_on_operator_config_adds_only_vc_lines(plan):
    running = fixture_text("frr_running_operator.txt")
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["error"] is None
    assert d["commands"]
    assert not [c for c in d["commands"] if any(tok in c for tok in OPERATOR_TOKENS)]
    assert not [c for c in d["commands"] if c.strip().startswith("no ")]
    assert "router bgp 64551" in d["commands"]
    # the router already has a router-id: left alone (plan router_id is not explicit)
    assert not [c for c in d["commands"] if "router-id" in c]


def test_converged_config_gives_no_commands(plan):
    running = fixture_text("frr_running_converged.txt")
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["commands"] == []
    assert d["before"] == d["after"]
    assert "neighbor 100.64.0.6 local-as 64561 no-prepend replace-as" in d["after"]
    assert "ISP-UPLINK" not in d["before"] and "OPS-IN" not in d["before"]


def test_password_change_touches_only_that_line_and_is_masked(plan):
    running = fixture_text("frr_running_converged.txt")
    pw = dict(PASSWORDS, **{"lab-B": "new-secret-b"})
    d = F.frr_delta(running, intent(plan, passwords=pw, running=running))
    body = [c.strip() for c in d["commands"] if c.startswith(" ")]
    assert body == ["no neighbor 100.64.0.6 password lab-bgp-dc-b", "neighbor 100.64.0.6 password new-secret-b"]
    masked = [L.mask_secrets(c, ["new-secret-b", "lab-bgp-dc-b"]) for c in d["commands"]]
    assert not any("new-secret" in c or "lab-bgp" in c for c in masked)
    assert "neighbor 100.64.0.6 password ********" in L.mask_secrets(d["after"], [])


def test_remote_as_change_never_deletes_the_neighbour(plan):
    running = fixture_text("frr_running_converged.txt")
    plan["regions"][0]["tunnels"][0]["bgp"]["remote_as"] = 64999
    d = F.frr_delta(running, intent(plan, running=running))
    assert " neighbor 100.64.0.2 remote-as 64999" in d["commands"]
    assert not [c for c in d["commands"] if "no neighbor 100.64.0.2 remote-as" in c]


def test_a_tunnel_leaving_the_plan_is_removed_with_its_objects(plan):
    running = fixture_text("frr_running_converged.txt")
    plan["regions"][0]["tunnels"][1]["cpe_host"] = "elsewhere"
    d = F.frr_delta(running, intent(plan, running=running))
    assert " no neighbor 100.64.0.6" in d["commands"]
    assert "no route-map VC-LAB-B-IN permit 10" in d["commands"]
    assert "no ip prefix-list VC-LAB-B-OUT" in d["commands"]
    # stale objects are removed after the neighbour that used them
    assert d["commands"].index(" no neighbor 100.64.0.6") < d["commands"].index("no route-map VC-LAB-B-IN permit 10")
    assert not [c for c in d["commands"] if "100.64.0.2" in c or any(tok in c for tok in OPERATOR_TOKENS)]


def test_existing_router_with_another_asn_is_an_error(plan):
    running = fixture_text("frr_running_operator.txt").replace("router bgp 64551", "router bgp 65123")
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["commands"] == []
    assert "router bgp 65123" in d["error"] and "vc_bgp_asn" in d["error"]


def test_no_default_ipv4_unicast_needs_activate(plan):
    running = fixture_text("frr_running_operator.txt").replace(" bgp router-id 192.0.2.2\n", " bgp router-id 192.0.2.2\n no bgp default ipv4-unicast\n")
    it = intent(plan, running=running)
    assert "neighbor 100.64.0.2 activate" in it["af_neighbors"]["100.64.0.2"]


# ------------------------------------------------------------------------------------------ real FRR
def converge(frr, it):
    d = F.frr_delta(frr.running(), it)
    if d["commands"]:
        frr.configure("\n".join(d["commands"]) + "\n")
    return d


def test_real_frr_converges_idempotently_and_keeps_the_operator_config(plan, host_frr):
    host_frr.configure(fixture_text("frr_operator.conf"))
    ops_before = operator_lines(host_frr.running())
    it = intent(plan, running=host_frr.running())
    first = converge(host_frr, it)
    assert first["commands"]
    second = F.frr_delta(host_frr.running(), it)
    assert second["commands"] == [], second["commands"]
    assert operator_lines(host_frr.running()) == ops_before

    # BFD on, a new password, then tunnel B leaves this CPE: each converges in one push
    p2 = copy.deepcopy(plan)
    for t in p2["regions"][0]["tunnels"]:
        t["bgp"]["bfd"] = {"enabled": True, "interval_ms": 200, "multiplier": 3}
    it2 = intent(p2, passwords=dict(PASSWORDS, **{"lab-A": "rotated"}), running=host_frr.running())
    converge(host_frr, it2)
    assert F.frr_delta(host_frr.running(), it2)["commands"] == []
    assert "neighbor 100.64.0.2 bfd profile VC-LAB-A" in host_frr.running()
    p2["regions"][0]["tunnels"][1]["cpe_host"] = "cpe2"
    it3 = intent(p2, passwords=PASSWORDS, running=host_frr.running())
    converge(host_frr, it3)
    final = host_frr.running()
    assert F.frr_delta(final, it3)["commands"] == []
    assert "100.64.0.6" not in final and "VC-LAB-B" not in final
    assert operator_lines(final) == ops_before


# ---- shared CPE: look-alikes of another configuration (docs/ownership.md) ----------------------------------
def test_a_vc_named_route_map_an_operator_neighbour_uses_is_never_removed(plan):
    running = fixture_text("frr_running_converged.txt")
    running = running.replace(" neighbor 10.255.0.1 route-map OPS-IN in", " neighbor 10.255.0.1 route-map VC-OPS-IN in")
    running += "route-map VC-OPS-IN permit 10\n match ip address prefix-list OPS-IN\nexit\n"
    assert "neighbor 10.255.0.1 route-map VC-OPS-IN in" in running
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["error"] is None and d["commands"] == [], d["commands"]


def test_a_neighbour_at_our_address_without_our_description_is_refused(plan):
    running = fixture_text("frr_running_operator.txt").replace(
        "router bgp 64551\n", "router bgp 64551\n neighbor 100.64.0.2 remote-as 64999\n", 1)
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["commands"] == []
    assert "neighbor 100.64.0.2" in d["error"] and "without the Virtual Connect marker" in d["error"]
    assert "vc_linux_adopt: ['neighbor 100.64.0.2']" in d["error"]


def test_our_route_map_used_by_an_operator_neighbour_is_refused(plan):
    running = fixture_text("frr_running_converged.txt").replace(
        " neighbor 10.255.0.1 route-map OPS-IN in", " neighbor 10.255.0.1 route-map VC-LAB-A-IN in")
    d = F.frr_delta(running, intent(plan, running=running))
    assert d["commands"] == [] and "VC-LAB-A-IN" in d["error"]
