"""Property: whatever subset of drift a router has on the VC config (and whatever foreign config sits beside
it), one pass of the engine converges it, a second pass is empty, and nothing foreign changes."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from .applier import apply_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R

from . import config_helpers as H

FIX = Path(__file__).parent / "fixtures"
CONVERGED = (FIX / "lab_converged_type7.cfg").read_text()
FOREIGN = (FIX / "foreign_router.cfg").read_text().replace("end\n", "").replace(
    "interface GigabitEthernet1\n description internet\n ip address 192.0.2.2 255.255.255.252\n ip nat outside\n!\n", "")
FOREIGN = FOREIGN.replace("router bgp 64551\n", "router bgp 64551\n neighbor 10.1.1.9 remote-as 65101\n")

# (old, new) drifts on the converged VC config
DRIFTS = [
    (" ip mtu 1400\n", " ip mtu 1300\n"),
    (" keepalive 10 3\n", ""),
    (" tunnel path-mtu-discovery\n", " shutdown\n"),
    (" set pfs group20\n", " set pfs group14\n reverse-route\n"),
    (" dpd 10 2 periodic\n", " dpd 30 5 on-demand\n"),
    (" 20 permit gre host 192.0.2.2 host 198.51.100.66\n", " 20 permit ip any any\n"),
    ("ip prefix-list VC-IN-LAB-A seq 10 permit 198.18.10.0/25\n", "ip prefix-list VC-IN-LAB-A seq 10 permit 10.0.0.0/8\n"),
    ("ip prefix-list VC-OUT-LAB-B seq 5 permit 0.0.0.0/0\n", ""),
    (" neighbor 100.64.0.6 local-as 64561 no-prepend replace-as\n", ""),
    (" neighbor 100.64.0.2 timers 10 30\n", " neighbor 100.64.0.2 timers 60 180\n neighbor 100.64.0.2 weight 5\n"),
    ("  neighbor 100.64.0.6 default-originate\n", ""),
    ("  address 198.51.100.6\n", "  address 198.51.100.99\n"),
    (" crypto map VC-CMAP\n", ""),
    ("ip route 198.51.100.66 255.255.255.255 192.0.2.1 name VC-LAB-B\n",
     "ip route 198.51.100.66 255.255.255.255 192.0.2.254 name VC-LAB-B\n"),
    (" tunnel destination 198.51.100.66\n", " tunnel destination 198.51.100.67\n"),
]

PLAN, SECRETS = H.lab_plan()


def _canon(text):
    return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=len(DRIFTS) - 1)), st.booleans())
def test_any_drift_converges_in_one_pass_and_foreign_config_stays(drifts, with_foreign):
    running = CONVERGED.replace("end\n", "")
    for i in sorted(drifts):
        old, new = DRIFTS[i]
        assert old in running
        running = running.replace(old, new, 1)
    if with_foreign:
        running += FOREIGN
    intent = R.render(PLAN, "cpe1", SECRETS, wan_next_hop="192.0.2.1", require_secrets=True)
    res = D.compute(intent, running)
    assert res.errors == []
    assert bool(res.commands) == bool(drifts)
    after = apply_commands(running, res.commands)
    assert D.compute(intent, after).commands == []
    target = CONVERGED.replace("end\n", "") + (FOREIGN if with_foreign else "")
    assert _canon(after) == _canon(apply_commands(target, []))
    assert not any("lab-psk" in c or "lab-bgp" in c for c in res.display)
