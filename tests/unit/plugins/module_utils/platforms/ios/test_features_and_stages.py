"""Each feature alone, in any order, and staged tunnels, on the diff engine and the test applier.

A role used alone (one feature) must leave objects that every later role recognises as ours: whichever
feature creates a tunnel interface or a crypto map entry writes its marker (the VC description, the VC
crypto ACL). A staged apply (``tunnels``) changes only the staged tunnels; shared objects go with the
first stage.
"""
from __future__ import annotations

import itertools

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import forms
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree

from . import config_helpers as H
from .applier import apply_commands

CUSTOM_MAP = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n",
                            " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")


def block_sets(text):
    return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}


@pytest.fixture(scope="module")
def rri():
    """The lab plan with RRI, so that the ha feature has lines of its own (in the crypto map entries)."""
    return H.lab_plan(options={"rri": {"enabled": True}, "bgp": {"bfd": True}})


def run_features(intent, running, order):
    for feature in order:
        res = D.compute(intent, running, features=[feature])
        assert res.errors == [], (order, feature, res.errors)
        running = apply_commands(running, res.commands)
    return running


@pytest.mark.parametrize("base,map_name", [(H.BASE, None), (CUSTOM_MAP, "CORP")], ids=["own-map", "operator-map"])
def test_every_order_of_the_features_converges_to_the_same_config(rri, base, map_name):
    plan, secrets = rri
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", crypto_map_name=map_name, require_secrets=True)
    want = block_sets(run_features(intent, base, forms.FEATURES))
    for order in itertools.permutations(forms.FEATURES):
        after = run_features(intent, base, order)
        assert block_sets(after) == want, order
        for feature in forms.FEATURES:   # and each role again changes nothing
            assert D.compute(intent, after, features=[feature]).commands == [], (order, feature)


def test_mtu_alone_on_a_bare_router_marks_the_tunnel_interface_as_ours(rri):
    plan, secrets = rri
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)
    res = D.compute(intent, H.BASE, features=["mtu"])
    assert res.commands[:2] == ["interface Tunnel101", "description VC-LAB-A Webex DI Virtual Connect DC-A lab webex_di.virtual_connect:lab-A"]
    assert "ip address 100.64.0.1 255.255.255.252" not in res.commands     # only its own lines and the marker
    after = apply_commands(H.BASE, res.commands)
    gre = D.compute(intent, after, features=["gre"])
    assert gre.errors == [] and "ip address 100.64.0.1 255.255.255.252" in gre.commands
    assert "description VC-LAB-A Webex DI Virtual Connect DC-A lab webex_di.virtual_connect:lab-A" not in gre.commands   # already there


def test_ha_alone_marks_the_crypto_map_entry_it_creates_in_an_operator_map(rri):
    plan, secrets = rri
    intent = R.render(plan, "cpe1", secrets, crypto_map_name="CORP", require_secrets=True)
    res = D.compute(intent, CUSTOM_MAP, features=["ha"])
    assert res.commands[:4] == ["crypto map CORP 101 ipsec-isakmp", "description webex_di.virtual_connect:lab-A",
                                "match address VC-GRE-LAB-A", "reverse-route"]
    after = apply_commands(CUSTOM_MAP, res.commands)
    ipsec = D.compute(intent, after, features=["ipsec"])
    assert ipsec.errors == [], ipsec.errors   # the entry is recognised as a Virtual Connect entry


def test_a_stage_changes_only_its_tunnel_and_brings_the_shared_objects(rri):
    plan, secrets = rri
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)
    first = D.compute(intent, H.BASE, tunnels=["lab-A"])
    assert first.errors == []
    text = "\n".join(first.commands)
    for other in ("LAB-B", "100.64.0.6", "Tunnel102", "198.51.100.6 "):
        assert other not in text, other
    for shared in ("crypto ikev2 policy VC-POLICY", "crypto ikev2 keyring VC-KEYRING", "crypto map VC-CMAP"):
        assert any(c.startswith(shared) for c in first.commands), shared
    after_a = apply_commands(H.BASE, first.commands)
    assert D.compute(intent, after_a, tunnels=["lab-A"]).commands == []      # stage 1 is converged
    second = D.compute(intent, after_a, tunnels=["lab-B"])
    assert second.errors == [] and not any("LAB-A" in c or "100.64.0.2" in c or "Tunnel101" in c for c in second.commands)
    after_ab = apply_commands(after_a, second.commands)
    assert D.compute(intent, after_ab).commands == []                         # both stages = the whole intent
    assert block_sets(after_ab) == block_sets(apply_commands(H.BASE, D.compute(intent, H.BASE).commands))


def test_a_stage_leaves_the_other_tunnel_as_it_is_even_when_it_differs():
    plan, secrets = H.lab_plan()
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)
    running = apply_commands(H.BASE, D.compute(intent, H.BASE).commands)
    drifted = running.replace(" keepalive 10 3\n", " keepalive 5 2\n")              # both tunnels drifted
    drifted = drifted.replace(" neighbor 100.64.0.6 timers 10 30\n", " neighbor 100.64.0.6 timers 20 60\n")
    staged = D.compute(intent, drifted, tunnels=["lab-A"])
    assert staged.commands == ["interface Tunnel101", "keepalive 10 3"]
    whole = D.compute(intent, drifted)
    assert "interface Tunnel102" in whole.commands and " neighbor 100.64.0.6 timers 10 30".strip() in whole.commands


def test_an_unknown_stage_is_refused_by_the_module_logic():
    from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_config as M

    plan, secrets = H.lab_plan()
    p = {k: (v.get("default") if isinstance(v, dict) else None) for k, v in M.ARGUMENT_SPEC.items()}
    p.update(plan=plan, host="cpe1", secrets=secrets, tunnels=["lab-C"])
    conn = H.FakeConn(H.BASE)
    result = M.run_merged(p, conn, check_mode=False)
    assert result["failed"] and "lab-C" in result["msg"] and "lab-A, lab-B" in result["msg"]
    assert conn.sent == []
