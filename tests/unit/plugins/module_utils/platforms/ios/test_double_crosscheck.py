"""Cross-check with the IOS-XE TEST DOUBLE's configuration engine (tests/iosxe_double, written separately).

The double parses configuration commands with its own handlers and prints `show running-config` in the
normalized forms of IOSXE-NOTES.md. Our commands must be accepted there (no `% Invalid`), and a second
pass over the double's running config must find nothing to do; foreign config must be unchanged.
"""
from __future__ import annotations

import copy
import sys

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.action.vc_plan import HOSTVARS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, secrets_by_tunnel
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R

from .config_helpers import REPO, send_config

if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
double = pytest.importorskip("iosxe_double")

INV = REPO / "tests" / "integration" / "ios_e2e" / "inventory"
BASE = REPO / "tests" / "iosxe_double" / "base_configs"
CASES = [("lab", "cpe1", "cpe_lab.cfg"), ("dual", "cpe1", "cpe_lab.cfg"), ("dual", "cpe2", "cpe_fresh.cfg"),
         ("asn", "edge1", "edge_enterprise.cfg")]


def _plan(scenario):
    regions = yaml.safe_load((INV / scenario / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    cpes, hostvars = {}, {}
    for f in (INV / scenario / "host_vars").glob("*.yml"):
        hv = yaml.safe_load(f.read_text()) or {}
        hv.setdefault("ansible_network_os", "cisco.ios.ios")
        hostvars[f.stem] = hv
        cpes[f.stem] = {key: hv[var] for var, key in HOSTVARS.items() if var in hv}
    result = build_plan(copy.deepcopy(regions), cpes=cpes)
    assert result.ok, result.findings
    return result.plan, secrets_by_tunnel(regions), hostvars, regions


_send = send_config


def _foreign(text, intent):
    """Top-level blocks that are not VC objects and not the shared sections we add lines to."""
    shared = {"interface %s" % intent.wan_interface, "router bgp %s" % intent.bgp_asn}
    out = {}
    for n in parse_tree(text):
        if "VC-" in n.text or n.text in shared or n.text.startswith("interface Tunnel") and \
                any(x.startswith("description VC-") for x in n.lines()):
            continue
        if n.text.startswith(("ip route ", "ip prefix-list VC-")) and " VC-" in n.text:
            continue
        out[n.text] = sorted(n.to_lines())
    return out


@pytest.mark.parametrize("scenario,host,base", CASES)
def test_double_accepts_our_commands_and_second_pass_is_empty(scenario, host, base):
    plan, secrets, hostvars, regions = _plan(scenario)
    hv = hostvars[host]
    router = double.Router(host, (BASE / base).read_text(), truth=regions)
    session = double.Session(router, "admin")
    session.handle_line("enable")
    intent = R.render(plan, host, secrets, wan_next_hop=hv.get("vc_wan_next_hop"), require_secrets=True)
    before = router.running_config()
    first = D.compute(intent, before)
    assert first.errors == [] and first.commands
    assert _send(session, first.commands) == []
    after = router.running_config()
    second = D.compute(intent, after)
    assert second.commands == [], second.display
    assert _foreign(after, intent) == _foreign(before, intent)
    # every tunnel's PSK went in (the router keeps it as type 6 under 'password encryption aes')
    keyring = {n.text: n for n in parse_tree(after)}["crypto ikev2 keyring VC-KEYRING"]
    for t in R.cpe_tunnels(plan, host):
        peer = keyring.child("peer VC-%s" % t["name"])
        assert peer is not None and any(x.startswith("pre-shared-key") for x in peer.lines())
        if "password encryption aes" in after:
            assert secrets[t["key"]]["psk"] not in after


@pytest.mark.parametrize("scenario,host,base", CASES[:1])
def test_double_restore_after_a_run_gives_back_the_base(scenario, host, base):
    plan, secrets, hostvars, regions = _plan(scenario)
    router = double.Router(host, (BASE / base).read_text(), truth=regions)
    session = double.Session(router, "admin")
    session.handle_line("enable")
    intent = R.render(plan, host, secrets, wan_next_hop=hostvars[host].get("vc_wan_next_hop"), require_secrets=True)
    before = router.running_config()
    assert _send(session, D.compute(intent, before).commands) == []
    restore = D.restore_commands(intent, before, router.running_config())
    assert _send(session, restore) == []

    def canon(text):
        return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}

    assert canon(router.running_config()) == canon(before)
