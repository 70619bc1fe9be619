"""FRR ownership on a shared CPE (docs/ownership.md): an object is ours only when the plan names it AND it carries
the marker ``webex_di.virtual_connect:<key>`` in FRR's syntax; never by its ``VC-`` name.

fixtures/frr_shared_cpe.conf is an operator configuration named like ours: prefix-lists and route-maps ``VC-*``
(one route-map used by an operator neighbour), a neighbour described ``VC-...``, a BFD profile ``VC-OPS`` used by an
operator neighbour. None of it collides with the plan's names; the collision cases are built from it in the tests.
"""
from __future__ import annotations

import copy
import re

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

from .helpers import SECRETS, fixture_text

PASSWORDS = dict((k, v["bgp_password"]) for k, v in SECRETS.items())
OURS_NBRS = ("100.64.0.2", "100.64.0.6")
OURS_NAMES = ("VC-LAB-A-IN", "VC-LAB-A-OUT", "VC-LAB-B-IN", "VC-LAB-B-OUT", "VC-LAB-A", "VC-LAB-B")


def intent(plan, running="", passwords=None):
    return L.frr_intent(L.host_tunnels(plan, "cpe1"), plan["cpes"]["cpe1"], PASSWORDS if passwords is None else passwords,
                        activate=F.needs_activate(running))


def operator_part(running):
    """The running config without the lines of the plan's objects (found by the plan's own names and addresses, a
    test-side filter independent of frr.py) and without FRR's banner: what must stay byte-identical."""
    out, until, bang = [], None, False
    for line in running.splitlines():
        if until is not None:                    # inside a block of ours: up to its exit and the '!' after it
            until, bang = (None, True) if line == until else (until, False)
            continue
        if bang and line.strip() == "!":
            bang = False
            continue
        bang = False
        words = set(re.findall(r"\S+", line))
        if words & set(OURS_NAMES) and line.startswith(("route-map ", " profile ")):
            until = "exit" if line.startswith("route-map ") else " exit"
            continue
        if words & set(OURS_NAMES) or words & set(OURS_NBRS):
            continue
        if line.startswith(("Building configuration", "Current configuration", "frr version")):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def shared_running():
    """The operator configuration as FRR 8.4 prints it (captured from frr_shared_cpe.conf on a real FRR)."""
    return fixture_text("frr_shared_cpe_running.txt")


def commands_touch_operator(commands):
    ops = ("10.255.0.1", "10.255.0.9", "VC-OPS", "VC-LEGACY", "VC-EDGE", "OPS-IN")
    return [c for c in commands if any(re.search(r"(^|\s)%s(\s|$)" % re.escape(o), c) for o in ops)]


# ------------------------------------------------------------------------------------------ pure
def test_lookalikes_are_never_ours_first_deploy_adds_only_our_lines(plan):
    running = shared_running()
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["error"] is None, d["error"]
    assert d["commands"] and not commands_touch_operator(d["commands"]), commands_touch_operator(d["commands"])
    assert not [c for c in d["commands"] if c.strip().startswith("no ")]
    have = F.owned(running, intent(plan, running))
    assert have["prefix_lists"] == {} and have["route_maps"] == {} and have["bfd_profiles"] == {}
    assert have["neighbors"] == {} and have["stale_neighbors"] == []


def test_a_plan_without_tunnels_on_this_cpe_removes_nothing_of_the_lookalikes(plan):
    running = shared_running()
    for t in plan["regions"][0]["tunnels"]:
        t["cpe_host"] = "elsewhere"
    it = L.frr_intent([], plan["cpes"]["cpe1"], {})
    d = F.frr_delta(running, it, host="cpe1")
    assert d["error"] is None and d["commands"] == [], d["commands"]


@pytest.mark.parametrize("label, edit", [
    ("neighbor 100.64.0.2", lambda r: r.replace("router bgp 64551\n", "router bgp 64551\n neighbor 100.64.0.2 remote-as 64999\n", 1)),
    # an old-style description VC-<NAME> is a name, not our marker
    ("neighbor 100.64.0.6", lambda r: r.replace("router bgp 64551\n", "router bgp 64551\n neighbor 100.64.0.6 remote-as 64562\n"
                                                " neighbor 100.64.0.6 description VC-LAB-B\n", 1)),
    ("ip prefix-list VC-LAB-A-IN", lambda r: r + "ip prefix-list VC-LAB-A-IN seq 5 permit 10.9.0.0/16\n"),
    # a description that is not our marker (the collection's name somewhere in the text is not enough)
    ("ip prefix-list VC-LAB-B-OUT", lambda r: r + "ip prefix-list VC-LAB-B-OUT description copy of webex_di.virtual_connect:lab-B\n"
                                                  "ip prefix-list VC-LAB-B-OUT seq 5 permit 0.0.0.0/0\n"),
    ("route-map VC-LAB-A-OUT", lambda r: r + "route-map VC-LAB-A-OUT permit 10\n set local-preference 50\nexit\n"),
])
def test_a_plan_named_object_without_the_marker_is_refused_naming_it_the_cpe_and_the_fix(plan, label, edit):
    running = edit(shared_running())
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["commands"] == []
    assert d["error"] and label in d["error"] and "cpe1" in d["error"]
    assert "vc_linux_adopt: ['%s']" % label in d["error"] and "rename" in d["error"]
    # adopting it is explicit: the object gets the marker and converges like ours
    adopted = F.frr_delta(running, intent(plan, running), adopt=[label], host="cpe1")
    assert adopted["error"] is None and adopted["commands"]
    assert any("webex_di.virtual_connect:lab-" in c for c in adopted["commands"])
    assert not commands_touch_operator(adopted["commands"])


def test_an_operator_entry_inside_our_route_map_is_refused(plan):
    running = fixture_text("frr_running_converged.txt") + "route-map VC-LAB-A-IN permit 20\n set community 65000:1\nexit\n"
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["commands"] == [] and "route-map VC-LAB-A-IN" in d["error"]


def test_a_bfd_profile_of_our_name_that_none_of_ours_uses_is_refused(plan):
    for t in plan["regions"][0]["tunnels"]:
        t["bgp"]["bfd"] = {"enabled": True, "interval_ms": 200, "multiplier": 3}
    running = fixture_text("frr_running_converged.txt") + "bfd\n profile VC-LAB-A\n  transmit-interval 999\n exit\nexit\n"
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["commands"] == [] and "bfd profile VC-LAB-A" in d["error"]
    ok = F.frr_delta(running, intent(plan, running), adopt=["bfd profile VC-LAB-A"], host="cpe1")
    assert ok["error"] is None and "  transmit-interval 200" in ok["commands"]


def test_our_objects_used_by_another_configuration_are_refused(plan):
    base = fixture_text("frr_running_converged.txt")
    # an operator route-map that matches our prefix-list: changing ours would change theirs
    running = base + "route-map OPS-MIX permit 10\n match ip address prefix-list VC-LAB-B-IN\nexit\n"
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["commands"] == [] and "ip prefix-list VC-LAB-B-IN" in d["error"] and "used by another configuration" in d["error"]


def test_stale_removal_only_for_marked_objects_and_never_under_an_operator_user(plan):
    running = fixture_text("frr_running_converged.txt")
    # tunnel B leaves the plan; an operator neighbour still uses our VC-LAB-B-OUT route-map
    running = running.replace("  neighbor 10.255.0.1 route-map OPS-OUT out", "  neighbor 10.255.0.1 route-map VC-LAB-B-OUT out")
    plan["regions"][0]["tunnels"][1]["cpe_host"] = "elsewhere"
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["error"] is None
    assert " no neighbor 100.64.0.6" in d["commands"] and "no route-map VC-LAB-B-IN permit 10" in d["commands"]
    assert "no route-map VC-LAB-B-OUT permit 10" not in d["commands"]
    assert "no ip prefix-list VC-LAB-B-OUT" not in d["commands"]      # the kept route-map still matches it
    assert any("route-map VC-LAB-B-OUT" in w and "left in place" in w for w in d["warnings"])


def test_ospf_redistribution_through_an_unmarked_vc_named_route_map_is_not_ours():
    tree_text = "router ospf\n redistribute bgp route-map VC-REDIST\nexit\nroute-map VC-REDIST permit 10\nexit\n"
    have = F.owned(tree_text, {"neighbors": {}, "prefix_lists": {}, "route_maps": {}, "bfd_profiles": {}})
    assert have["ospf"]["vc"] == [] and have["ospf"]["foreign"] == ["redistribute bgp route-map VC-REDIST"]
    assert have["route_maps"] == {}


# ------------------------------------------------------------------------------------------ real FRR
def converge(frr, it, **kw):
    d = F.frr_delta(frr.running(), it, **kw)
    assert d["error"] is None, d["error"]
    if d["commands"]:
        rc, out, err = frr.configure("\n".join(d["commands"]) + "\n")
        assert rc == 0, out + err
    return d


def test_shared_cpe_on_real_frr_deploy_rerun_prune_leave_the_operator_config_byte_identical(plan, host_frr):
    host_frr.configure(fixture_text("frr_shared_cpe.conf"))
    start = host_frr.running()
    assert start.split("!", 1)[1] == shared_running().split("!", 1)[1]    # the fixture is what FRR prints
    ops = operator_part(start)
    assert "VC-OPS-RM" in ops and "VC-LEGACY" in ops and "profile VC-OPS" in ops
    it = intent(plan, start)
    first = converge(host_frr, it, host="cpe1")
    assert first["commands"]
    deployed = host_frr.running()
    assert operator_part(deployed) == ops
    assert "neighbor 100.64.0.2 description webex_di.virtual_connect:lab-A" in deployed
    # re-run: nothing to do
    assert F.frr_delta(deployed, intent(plan, deployed))["commands"] == []
    # prune: tunnel B leaves the CPE; only our marked objects of it go
    p2 = copy.deepcopy(plan)
    p2["regions"][0]["tunnels"][1]["cpe_host"] = "cpe2"
    it2 = intent(p2, deployed)
    d = converge(host_frr, it2, host="cpe1")
    assert d["commands"] and not commands_touch_operator(d["commands"])
    pruned = host_frr.running()
    assert "100.64.0.6" not in pruned and "VC-LAB-B-IN" not in pruned
    assert operator_part(pruned) == ops
    assert F.frr_delta(pruned, intent(p2, pruned))["commands"] == []
    # back to the full plan ("rollback" of the prune): ours again, operator untouched
    converge(host_frr, intent(plan, pruned), host="cpe1")
    assert operator_part(host_frr.running()) == ops
    assert F.frr_delta(host_frr.running(), intent(plan, host_frr.running()))["commands"] == []


def test_upgrade_from_name_based_ownership_adopt_the_listed_objects_once(plan, host_frr):
    """A CPE converged by a version that recognised FRR objects by their VC- names (fixture captured then): refused,
    listing every object; adopting exactly that list marks them; the next run needs no adopt and changes nothing."""
    import ast

    old = fixture_text("frr_running_converged_unmarked.txt")
    host_frr.configure("\n".join(x for x in old.splitlines()[4:] if not x.startswith(("frr version", "end"))) + "\n")
    running = host_frr.running()
    d = F.frr_delta(running, intent(plan, running), host="cpe1")
    assert d["commands"] == [] and d["error"]
    labels = ast.literal_eval(d["error"].split("vc_linux_adopt: ", 1)[1])
    assert sorted(labels) == sorted(["neighbor 100.64.0.2", "neighbor 100.64.0.6"] + [
        "%s VC-LAB-%s-%s" % (k, t, io) for k in ("ip prefix-list", "route-map") for t in "AB" for io in ("IN", "OUT")])
    ops = operator_part(running)
    d = converge(host_frr, intent(plan, running), adopt=labels, host="cpe1")
    assert not [c for c in d["commands"] if "remote-as" in c or "password" in c]   # only the markers are written
    after = host_frr.running()
    assert F.frr_delta(after, intent(plan, after))["commands"] == []
    assert operator_part(after) == ops
