"""Golden plan and renders of the customer-side HA example inventory (inventories/example-ha, docs/ha.md).

IOS-XE CPEs: the intended running-config (vc-ios.cfg); the Linux CPE: its FRR fragment (frr-vc.conf). The plan is
built as the vc_plan action builds it (HOSTVARS, vc_bgp / vc_dpd options).
Regenerate after an intended change:  VC_REGEN_GOLDEN=1 pytest tests/unit/plugins/module_utils/platforms/test_render_golden_ha.py
"""
from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.action.vc_plan import HOSTVARS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.render import render_text
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

from .ios.config_helpers import REPO

INV = REPO / "inventories" / "example-ha"
GOLDEN = REPO / "tests" / "golden" / "render_vc" / "example-ha"
REGEN = os.environ.get("VC_REGEN_GOLDEN") == "1"


def _inventory():
    group = yaml.safe_load((INV / "group_vars" / "all" / "vc.yml").read_text())
    cpes, hostvars = {}, {}
    for f in sorted((INV / "host_vars").glob("*.yml")):
        hv = yaml.safe_load(f.read_text())
        hostvars[f.stem] = hv
        cpes[f.stem] = {key: hv[var] for var, key in HOSTVARS.items() if var in hv}
    options = {"customer_prefixes": group["vc_customer_prefixes"], "bgp": group["vc_bgp"], "dpd": group["vc_dpd"]}
    return group["vc_regions"], cpes, options, hostvars


def _plan():
    regions, cpes, options, _hv = _inventory()
    result = build_plan(regions, cpes=cpes, options=options)
    return result


def _renders():
    result = _plan()
    plan = result.plan
    _r, _c, _o, hostvars = _inventory()
    out = {"plan.json": json.dumps({"plan": plan, "findings": result.findings}, indent=1, sort_keys=True) + "\n"}
    for host, cpe in sorted(plan["cpes"].items()):
        if cpe["platform"] == "cisco.ios.ios":
            out["%s/vc-ios.cfg" % host] = render_text(plan, host, wan_next_hop=hostvars[host].get("vc_wan_next_hop"))
        else:
            out["%s/frr-vc.conf" % host] = L.render_frr(L.frr_intent(cpe_tunnels(plan, host), cpe))
    return out


def test_example_ha_plans_without_error():
    result = _plan()
    assert result.ok, [f for f in result.findings if f["severity"] == "error"]
    reds = dict((h, c.get("redistribution")) for h, c in result.plan["cpes"].items())
    assert reds["ha-rtr1"]["prefixes"] == ["198.18.20.0/24", "198.18.20.0/25", "203.0.113.0/24", "203.0.113.0/25"]
    assert reds["ha-lnx1"]["prefixes"] == ["198.18.20.0/24", "198.18.20.128/25", "203.0.113.0/24", "203.0.113.128/25"]
    assert reds["ha-rtr2"]["ibgp"] == {"asn": 65010, "neighbors": ["10.0.0.2", "10.0.0.3"], "next_hop_self": True}


@pytest.mark.parametrize("rel", sorted(_renders()))
def test_golden(rel):
    got = _renders()[rel]
    path = GOLDEN / rel
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text(), rel


def test_golden_follows_the_design():
    rtr1 = (GOLDEN / "ha-rtr1" / "vc-ios.cfg").read_text()
    rtr2 = (GOLDEN / "ha-rtr2" / "vc-ios.cfg").read_text()
    lnx = (GOLDEN / "ha-lnx1" / "frr-vc.conf").read_text()
    # OSPF: exactly the DC-A /25 and the /24 (DI and IaaS) the CPE learns, E1 metric 20, tagged with the CPE's ASN
    assert "route-map VC-REDIST permit 10\n description webex_di.virtual_connect:redistribution\n match ip address prefix-list VC-REDIST\n set metric 20\n" \
           " set metric-type type-1\n set tag 64551\n" in rtr1
    assert "router ospf 1\n redistribute bgp 64551 subnets route-map VC-REDIST\n" in rtr1
    assert rtr1.count("ip prefix-list VC-REDIST seq ") == 4 and "128/25" not in rtr1.split("VC-REDIST seq")[1]
    assert " neighbor 100.64.10.2 timers 3 9\n" in rtr1            # the fast profile's BGP timers
    # iBGP: both core routers, next-hop-self, the filter out; nothing into OSPF
    for core in ("10.0.0.2", "10.0.0.3"):
        assert " neighbor %s remote-as 65010\n" % core in rtr2
        assert "  neighbor %s next-hop-self\n  neighbor %s route-map VC-REDIST out\n" % (core, core) in rtr2
    assert "router ospf" not in rtr2 and "set tag" not in rtr2
    # FRR: the same hand-over in its own syntax, on ospfd's default instance
    assert lnx.endswith("router ospf\n redistribute bgp route-map VC-REDIST\nexit\n")
    assert "set tag 64561" in lnx and "ip prefix-list VC-REDIST seq 10 permit 198.18.20.128/25" in lnx
    for text in (rtr1, rtr2, lnx):
        assert "CHANGE-ME" not in text


def test_render_playbook_writes_the_golden_ios_files(tmp_path):
    """playbooks/render_vc.yml reads vc_redistribution from the host variables (the vc_plan action) offline."""
    import subprocess
    import sys

    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (REPO / ".build" / "collections",
                                                 next(p for p in sys.path if p.endswith("site-packages")))
    env.setdefault("ANSIBLE_LOCALHOST_WARNING", "false")
    proc = subprocess.run(["ansible-playbook", str(REPO / "playbooks" / "render_vc.yml"), "-i", str(INV),
                           "-e", "vc_render_dir=%s" % tmp_path], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for host in ("ha-rtr1", "ha-rtr2"):
        assert (tmp_path / host / "vc-ios.cfg").read_text() == (GOLDEN / host / "vc-ios.cfg").read_text(), host
