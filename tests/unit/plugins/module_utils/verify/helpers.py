"""Plan and state builders for verify/diagnose tests.

The plan comes from the real plan core (build_plan) over the lab inventories; the healthy state is a
hand-written JSON fixture of what cpe1 shows when everything works (fixtures/healthy_lab_cpe1.json), so
the checks are compared against literal device values, not against values derived from the plan.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan

REPO = Path(__file__).resolve().parents[5]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

A, B = "lab-A", "lab-B"


def lab_regions(name: str = "lab"):
    return yaml.safe_load((REPO / "inventories" / name / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]


def lab_plan(name: str = "lab", platform: str = "cisco.ios.ios", options=None):
    regions = lab_regions(name)
    hosts = sorted({t["cpe"]["host"] for r in regions for t in r["tunnels"]})
    result = build_plan(regions, cpes=dict((h, {"platform": platform, "wan_interface": "GigabitEthernet1"})
                                           for h in hosts), options=options)
    assert result.ok, result.findings
    return result.plan


def healthy_state():
    return json.loads((FIXTURES / "healthy_lab_cpe1.json").read_text())


def state_with(*mutators):
    state = healthy_state()
    for mutate in mutators:
        mutate(state)
    return copy.deepcopy(state)


# --- selectors into the healthy cpe1 state (tunnel A = index 0, tunnel B = index 1) ------------------

def ike(state, i=0):
    return state["ike_sas"][i]


def child(state, i=0):
    return state["ipsec_sas"][i]


def gre(state, i=0):
    return state["tunnels"][i]


def nbr(state, i=0):
    return state["bgp_neighbors"][i]


def tunnel_a_down_below(layer):
    """What a CPE shows above a broken layer on tunnel A: nothing passes through."""
    def mutate(state):
        order = ["ike", "ipsec", "gre", "bgp"]
        below = order[order.index(layer) + 1:]
        if "ipsec" in below:
            state["ipsec_sas"] = [sa for sa in state["ipsec_sas"] if sa["remote"] != "198.51.100.2"]
        if "gre" in below:
            gre(state)["oper_up"] = False   # keepalives take the line protocol down
            gre(state)["ping_ok"] = False
        if "bgp" in below:
            nbr(state).update(state="Active", uptime_s=None, received=[], advertised=[], prefixes_received=0)
            state["routes"] = [r for r in state["routes"] if r["interface"] != "Tunnel101"]
    return mutate
