"""Helpers for the IOS-XE state tests."""
from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan

REPO = Path(__file__).resolve().parents[6]
FIXTURES = REPO / "tests" / "fixtures" / "iosxe"
OFFLINE = FIXTURES / "offline"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def lab_plan(inventory: str = "lab", cpes=None):
    regions = yaml.safe_load((REPO / "inventories" / inventory / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    hosts = sorted({t["cpe"]["host"] for r in regions for t in r["tunnels"]})
    cpes = cpes or {h: {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1"} for h in hosts}
    result = build_plan(regions, cpes=cpes)
    assert result.ok, result.findings
    return result.plan
