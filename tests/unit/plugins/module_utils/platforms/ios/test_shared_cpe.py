"""Ownership on a shared CPE, on the IOS-XE TEST DOUBLE (tests/iosxe_double): an object is ours only when the
plan names it AND it carries the collection's marker (docs/ownership.md), never because of its name.

* look-alikes (tests/fixtures/iosxe/shared_cpe/lookalikes.cfg: VC- names, Tunnel1xx, another tenant's crypto map
  entries at our sequence numbers, a neighbour described VC-...) stay byte-identical through a deploy, a re-run,
  a prune and a restore;
* an object the plan names that exists without the marker is refused, naming the object and the fix, with
  nothing sent; adopting it explicitly (vc_ios_adopt) marks it and manages it.
"""
from __future__ import annotations

import re

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree

from .config_helpers import REPO
from .test_double_crosscheck import BASE, _plan, _send, double

FIXTURES = REPO / "tests" / "fixtures" / "iosxe" / "shared_cpe"
MARKER = "webex_di.virtual_connect:"


def _router(extra: str = ""):
    base = (BASE / "cpe_lab.cfg").read_text()
    text = (FIXTURES / "lookalikes.cfg").read_text() + extra
    base = base.replace("\nend", "\n" + text + "end") if "\nend" in base else base + text
    plan, secrets, hostvars, regions = _plan("lab")
    router = double.Router("cpe1", base, truth=regions)
    session = double.Session(router, "admin")
    session.handle_line("enable")
    return router, session, plan, secrets, hostvars["cpe1"]


def _intent(plan, secrets, hv, **kw):
    return R.render(plan, "cpe1", secrets, wan_next_hop=hv.get("vc_wan_next_hop"), require_secrets=True, **kw)


def _not_ours(text, intent):
    """Every line of the running config that is not ours: whole blocks without our marker, and in the shared
    sections (the WAN interface, router bgp and its address family, top-level lines) every line that names
    no marked object (our neighbours, our prefix lists, our routes, the WAN's crypto map)."""
    roots = parse_tree(text)
    named = set(b.header for b in intent.blocks if b.header and b.owned)   # the plan's objects (refused if foreign)
    ours_nb = set()
    ours_pl = set()
    for n in roots:
        m = re.match(r"^ip prefix-list (\S+) description " + re.escape(MARKER), n.text)
        if m:
            ours_pl.add(m.group(1))
        if n.text.startswith("router bgp "):
            for x in n.lines():
                m = re.match(r"^neighbor (\S+) description " + re.escape(MARKER), x)
                if m:
                    ours_nb.add(m.group(1))
    out = []
    for n in roots:
        lines = n.to_lines()
        if n.text in named:
            continue
        if any(MARKER in x for x in lines) and not n.text.startswith("router bgp "):
            continue        # a marked block of ours (tunnel, ACL, profile, crypto map entry; keyring peers below)
        if n.text.startswith("crypto ikev2 keyring "):
            lines = [n.text] + [y for c in n.children if MARKER not in " ".join(c.to_lines()) for y in c.to_lines(1)]
        kept = []
        for x in lines:
            m = re.match(r"^\s*neighbor (\S+) ", x)
            if m and m.group(1) in ours_nb:
                continue
            m = re.match(r"^ip prefix-list (\S+) ", x)
            if m and m.group(1) in ours_pl:
                continue
            if re.match(r"^ip route .* name VC-LAB-[AB]$", x) or x.strip() == "crypto map VC-CMAP":
                continue
            kept.append(x)
        out.extend(kept)
    return sorted(out)


def test_lookalikes_stay_byte_identical_through_deploy_rerun_prune_and_restore():
    router, session, plan, secrets, hv = _router()
    intent = _intent(plan, secrets, hv)
    before = router.running_config()
    first = D.compute(intent, before, prune=True)
    assert first.errors == [], first.errors
    assert first.stale == []                        # nothing of the operator's is "ours" because of its name
    for foreign in ("OLD", "OPERATOR", "TENANT2", "Tunnel105", "Tunnel110", "100.64.9.", "LAB-A-COPY"):
        assert not any(foreign in c for c in first.commands), (foreign, first.display)
    assert _send(session, first.commands) == []
    deployed = router.running_config()
    assert _not_ours(deployed, intent) == _not_ours(before, intent)
    # a second run (with prune) finds nothing to do and removes nothing
    again = D.compute(intent, deployed, prune=True)
    assert again.commands == [] and again.stale == [] and again.errors == []
    # restore (the rollback of the run) gives back the configuration read before, exactly
    restore = D.restore_commands(intent, before, deployed)
    assert _send(session, restore) == []

    def canon(text):
        return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}
    assert canon(router.running_config()) == canon(before)


def test_prune_removes_only_marked_objects_the_plan_no_longer_names():
    router, session, plan, secrets, hv = _router()
    intent = _intent(plan, secrets, hv)
    assert _send(session, D.compute(intent, router.running_config()).commands) == []
    deployed = router.running_config()
    # the plan no longer names tunnel lab-B: its marked objects are stale, the look-alikes are not
    plan_a = dict(plan, cpes=dict(plan["cpes"]), regions=[dict(r) for r in plan["regions"]])
    plan_a["regions"][0]["tunnels"] = [t for t in plan["regions"][0]["tunnels"] if t["key"] == "lab-A"]
    plan_a["cpes"]["cpe1"] = dict(plan["cpes"]["cpe1"], tunnels=["lab-A"],
                                  neighbors=[n for n in plan["cpes"]["cpe1"]["neighbors"] if n["tunnel"] == "lab-A"])
    intent_a = _intent(plan_a, secrets, hv)
    res = D.compute(intent_a, deployed, prune=True)
    assert res.errors == []
    assert sorted(res.stale) == sorted([
        "interface Tunnel102", "ip access-list extended VC-GRE-LAB-B", "crypto ikev2 profile VC-LAB-B",
        "crypto map VC-CMAP 102 ipsec-isakmp", "ip prefix-list VC-IN-LAB-B", "ip prefix-list VC-OUT-LAB-B",
        "router bgp 64551 neighbor 100.64.0.6",
        "ip route 198.51.100.66 255.255.255.255 192.0.2.1 name VC-LAB-B"])
    assert _send(session, res.commands) == []
    after = router.running_config()
    assert _not_ours(after, intent) == _not_ours(deployed, intent)
    assert "peer VC-LAB-B" not in after and "peer VC-LAB-A" in after


COLLISIONS = [
    # (operator config appended to the shared CPE, the label the refusal names)
    ("interface Tunnel101\n description VC-LAB-A Webex DI Virtual Connect DC-A lab\n ip address 10.9.9.1 255.255.255.252\n",
     "interface Tunnel101"),
    ("ip access-list extended VC-GRE-LAB-A\n 10 permit ip any any\n", "ip access-list extended VC-GRE-LAB-A"),
    ("crypto ikev2 profile VC-LAB-A\n match identity remote address 198.51.100.2 255.255.255.255\n"
     " authentication remote pre-share\n authentication local pre-share\n keyring local CUST-KR\n",
     "crypto ikev2 profile VC-LAB-A"),
    ("crypto map VC-CMAP 101 ipsec-isakmp\n set peer 198.51.100.2\n set transform-set CUST-TS\n"
     " match address CUST-BRANCH7-GRE\n", "crypto map VC-CMAP 101"),
    ("crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256\n mode tunnel\n"
     "crypto map TENANT3 10 ipsec-isakmp\n set peer 198.51.100.90\n set transform-set VC-TS-GCM256\n"
     " match address CUST-BRANCH7-GRE\n", "crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256"),
    ("crypto ikev2 keyring VC-KEYRING\n peer OPERATOR\n  address 198.51.100.91\n  pre-shared-key 0 operator-keyring-psk\n",
     "crypto ikev2 keyring VC-KEYRING"),
    ("crypto ikev2 proposal VC-PROP-GCM256-PRFSHA384-G20\n encryption aes-gcm-256\n prf sha384\n group 20\n"
     "crypto ikev2 policy OPERATOR-POL\n match address local 172.31.255.1\n proposal VC-PROP-GCM256-PRFSHA384-G20\n",
     "crypto ikev2 proposal VC-PROP-GCM256-PRFSHA384-G20"),
    ("crypto ikev2 proposal P1\n encryption aes-gcm-256\n prf sha384\n group 20\n"
     "crypto ikev2 policy VC-POLICY\n proposal P1\n", "crypto ikev2 policy VC-POLICY"),
    ("crypto map VC-CMAP 300 ipsec-isakmp\n set peer 198.51.100.80\n set transform-set CUST-TS\n"
     " match address CUST-BRANCH7-GRE\n", "crypto map VC-CMAP 300"),
    ("router bgp 64551\n neighbor 100.64.0.2 remote-as 64552\n", "neighbor 100.64.0.2"),
    ("router bgp 64551\n neighbor 100.64.0.6 remote-as 64562\n neighbor 100.64.0.6 description VC-LAB-B\n",
     "neighbor 100.64.0.6"),
    ("ip prefix-list VC-IN-LAB-A seq 5 permit 10.0.0.0/8\n", "ip prefix-list VC-IN-LAB-A"),
]


@pytest.mark.parametrize("extra,label", COLLISIONS, ids=[c[1] for c in COLLISIONS])
def test_a_same_named_object_without_the_marker_is_refused_and_nothing_is_sent(extra, label):
    router, session, plan, secrets, hv = _router(extra)
    before = router.running_config()
    res = D.compute(_intent(plan, secrets, hv), before, prune=True)
    assert res.commands == []
    hits = [e for e in res.errors if e.startswith(label + " exists")]
    assert hits, res.errors
    assert "vc_ios_adopt: ['%s']" % label in hits[0] and "cpe1" in hits[0]
    # adopting it explicitly: the run goes ahead, the object gets the marker, the second run is empty
    adopted = _intent(plan, secrets, hv, adopt=[label])
    res = D.compute(adopted, before)
    assert not [e for e in res.errors if e.startswith(label)], res.errors


def test_an_adopted_tunnel_interface_gets_the_marker_and_converges():
    extra, label = COLLISIONS[0]
    router, session, plan, secrets, hv = _router(extra)
    intent = _intent(plan, secrets, hv, adopt=[label])
    res = D.compute(intent, router.running_config())
    assert res.errors == []
    assert _send(session, res.commands) == []
    after = router.running_config()
    block = {n.text: n.lines() for n in parse_tree(after)}["interface Tunnel101"]
    assert any(x.startswith("description ") and x.endswith(MARKER + "lab-A") for x in block)
    assert D.compute(_intent(plan, secrets, hv), after).commands == []     # ours now, without adopt


@pytest.mark.parametrize("extra,label", COLLISIONS, ids=[c[1] for c in COLLISIONS])
def test_every_refusal_comes_before_any_command_whatever_the_features_or_stage(extra, label):
    """One read, every object of the plan checked before the first command: a run of one feature (a role alone) or of
    one staged tunnel is refused by a collision of another feature or tunnel, so no earlier run changes the router."""
    router, session, plan, secrets, hv = _router(extra)
    before = router.running_config()
    for features in (["ipsec"], ["gre"], ["bgp"], ["ipsec", "gre", "bgp"]):
        for tunnels in (None, ["lab-A"], ["lab-B"]):
            res = D.compute(_intent(plan, secrets, hv), before, features, prune=True, tunnels=tunnels)
            assert res.commands == [] and any(e.startswith(label + " exists") for e in res.errors), (features, tunnels)
