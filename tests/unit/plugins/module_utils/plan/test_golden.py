"""Golden plans of the shipped inventories: any change to the derived plan shows up as a diff here.

Regenerate after an intended change:  VC_REGEN_GOLDEN=1 pytest tests/unit/plugins/module_utils/plan/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan

REPO = Path(__file__).resolve().parents[5]
GOLDEN = Path(__file__).parent / "golden"
HOSTVARS = {
    "ansible_network_os": "platform",
    "vc_wan_interface": "wan_interface",
    "vc_bgp_asn": "bgp_asn",
    "vc_wan_mtu": "wan_mtu",
    "vc_nat_t": "nat_t",
    "vc_bgp_router_id": "router_id",
}


def load_inventory(name):
    inv = REPO / "inventories" / name
    group_vars = {}
    for f in sorted((inv / "group_vars" / "all").glob("*.yml")):
        group_vars.update(yaml.safe_load(f.read_text()) or {})
    cpes = {}
    for f in sorted((inv / "host_vars").glob("**/*.yml")):
        host = f.stem if f.parent.name == "host_vars" else f.parent.name
        data = yaml.safe_load(f.read_text()) or {}
        cpes.setdefault(host, {}).update({HOSTVARS[k]: v for k, v in data.items() if k in HOSTVARS})
    options = {"customer_prefixes": group_vars.get("vc_customer_prefixes", [])}
    return group_vars["vc_regions"], cpes, options


@pytest.mark.parametrize("name", ["example", "lab", "lab-dual"])
def test_golden_plan(name):
    regions, cpes, options = load_inventory(name)
    result = build_plan(regions, cpes=cpes, options=options)
    assert result.ok, result.findings
    got = {"plan": result.plan, "findings": result.findings}
    path = GOLDEN / ("%s.json" % name)
    if os.environ.get("VC_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(path.read_text())


def test_example_covers_the_documented_cases():
    regions, cpes, options = load_inventory("example")
    plan = build_plan(regions, cpes=cpes, options=options).plan
    east, west = plan["regions"]
    assert east["deployment"] == "single_cpe" and west["deployment"] == "dual_cpe"
    assert east["iaas_prefix"] and east["tunnels"][1]["bgp"]["local_as_override"]
    assert plan["cpes"]["dc1-rtr1"]["bgp"]["enterprise_asn"] is True
    assert {t["platform"] for r in plan["regions"] for t in r["tunnels"]} == {"cisco.ios.ios", "linux"}


def test_findings_reference_is_in_sync():
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import RULES

    text = (REPO / "docs" / "findings.md").read_text()
    for code, (severity, rule) in RULES.items():
        assert "| `%s` | %s | %s |" % (code, severity, rule) in text, code
