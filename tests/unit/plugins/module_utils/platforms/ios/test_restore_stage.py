"""Restoring one stage of a staged deploy: the backup taken before stage 2 has tunnel 1 only (its keyring peer, its
crypto map entry, its tunnel, its BGP neighbour); the restore after a failed stage 2 removes tunnel 2's objects whole,
including the keyring peer the backup did not have, and leaves tunnel 1 exactly as stage 1 made it."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree

from . import config_helpers as H
from .applier import apply_commands


def block_sets(text):
    return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}


def test_restore_of_stage_2_removes_its_keyring_peer_and_keeps_tunnel_1():
    plan, secrets = H.lab_plan()
    intent = R.render(plan, "cpe1", secrets, require_secrets=True, wan_next_hop="192.0.2.1")
    stage1 = apply_commands(H.BASE, D.compute(intent, H.BASE, tunnels=["lab-A"]).commands)
    stage2 = apply_commands(stage1, D.compute(intent, stage1, tunnels=["lab-B"]).commands)
    assert "peer VC-LAB-B" in stage2 and "peer VC-LAB-B" not in stage1
    restore = D.restore_commands(intent, stage1, stage2)
    assert "no peer VC-LAB-B" in restore and "peer VC-LAB-B" not in restore   # removed whole, not emptied
    restored = apply_commands(stage2, restore)
    assert block_sets(restored) == block_sets(apply_commands(stage1, []))
    assert D.restore_commands(intent, stage1, restored) == []
    assert D.compute(intent, restored, tunnels=["lab-A"]).commands == []      # tunnel 1 is as stage 1 left it
