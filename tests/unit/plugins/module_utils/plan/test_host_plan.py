"""vc_host_plan / views.host_plan: each host's part of the plan serves every layer exactly like the whole plan.

The plan role gives each host only its slice (issue 10: a task must not carry the whole fleet's plan), so for
every host of the golden plans (one CPE with both tunnels, two CPEs sharing a region, a mixed IOS-XE / Linux
plan) and of a 50-CPE fleet, the views, the platform's render, gather and settle commands and the verify
comparison must be the same on the slice as on the whole plan."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import (
    cpe_region_tunnels, cpe_tunnels, host_plan)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import get_platform

GOLDEN = Path(__file__).parent / "golden"
BENCH = Path(__file__).resolve().parents[5] / "tests" / "bench"


def golden_plans():
    return [(f.stem, json.loads(f.read_text())["plan"]) for f in sorted(GOLDEN.glob("*.json"))]


def fleet_plan(n):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import ios_bench
    fleet = ios_bench.make_fleet(n)
    cpes = {h: {"wan_interface": "GigabitEthernet1", "platform": "cisco.ios.ios"} for h in fleet["hosts"]}
    result = build_plan(fleet["regions"], cpes=cpes)
    assert result.ok
    return result.plan


def assert_same_for_host(plan, host):
    part = host_plan(plan, host)
    assert set(part) == set(plan)
    assert cpe_region_tunnels(part, host) == cpe_region_tunnels(plan, host)
    assert part["cpes"][host] == plan["cpes"][host]
    for region in part["regions"]:                       # whole regions, with the CPEs they name
        assert region in plan["regions"]
        for t in region["tunnels"]:
            assert part["cpes"][t["cpe_host"]] == plan["cpes"][t["cpe_host"]]
    platform = get_platform(plan["cpes"][host]["platform"], host)
    assert platform.render(part, host) == platform.render(plan, host)
    assert platform.gather_commands(part, host) == platform.gather_commands(plan, host)
    assert platform.settle_commands(part, host) == platform.settle_commands(plan, host)
    return part


@pytest.mark.parametrize("name,plan", golden_plans())
def test_each_host_of_the_golden_plans_gets_the_same_answers_from_its_part(name, plan):
    for host in plan["cpes"]:
        part = assert_same_for_host(plan, host)
        others = [r["region"] for r in plan["regions"] if not any(t["cpe_host"] == host for t in r["tunnels"])]
        assert not [r for r in part["regions"] if r["region"] in others], name


def test_a_region_shared_by_two_cpes_stays_whole_in_both_parts():
    plan = dict(golden_plans())["lab-dual"]
    for host in ("cpe1", "cpe2"):
        part = host_plan(plan, host)
        assert part["regions"] == plan["regions"] and sorted(part["cpes"]) == ["cpe1", "cpe2"]


def test_a_fleet_host_carries_one_region_not_the_fleet():
    plan = fleet_plan(50)
    size = len(json.dumps(plan))
    for host in ("cpe001", "cpe025", "cpe050"):
        part = assert_same_for_host(plan, host)
        assert [t["cpe_host"] for r in part["regions"] for t in r["tunnels"]] == [host, host]
        assert list(part["cpes"]) == [host]
        assert len(json.dumps(part)) * 20 < size          # 1/50 of the fleet, whatever the keys outside it


def test_a_host_outside_the_plan_gets_no_region_and_the_input_is_not_changed():
    plan = dict(golden_plans())["example"]
    before = json.dumps(plan, sort_keys=True)
    part = host_plan(plan, "not-a-cpe")
    assert part["regions"] == [] and part["cpes"] == {} and cpe_tunnels(part, "not-a-cpe") == []
    assert json.dumps(plan, sort_keys=True) == before
