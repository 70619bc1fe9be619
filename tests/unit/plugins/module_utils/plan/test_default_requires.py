"""vc_redistribution.default_requires (the conditional default, docs/ha.md section 3): checked in the plan phase.

Every bad value names the field and the rule (docs/findings.md) before any device is touched; a plan without it
stays exactly as before.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.findings import RULES as FINDINGS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.ha import REDISTRIBUTION_FIELDS

REPO = Path(__file__).resolve().parents[5]

REGIONS = yaml.safe_load((REPO / "inventories" / "lab-dual" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
PATH = "cpes.cpe1.redistribution.default_requires"


def plan(value, protocol="ospf", platform="linux"):
    red = {"protocol": protocol, "default_requires": value}
    if protocol == "bgp":
        red["neighbors"] = ["10.10.10.253"]
    cpes = {"cpe1": {"platform": platform, "wan_interface": "wan0", "redistribution": red},
            "cpe2": {"platform": platform, "wan_interface": "wan0", "redistribution": {"protocol": "ospf"}}}
    return build_plan(copy.deepcopy(REGIONS), cpes=cpes)


def errors(result):
    return [(f["code"], f["path"]) for f in result.findings if f["severity"] == "error"]


@pytest.mark.parametrize("platform", ["linux", "cisco.ios.ios"])
@pytest.mark.parametrize("protocol", ["ospf", "bgp"])
def test_accepted_and_planned_for_the_cpe_tunnels_only(platform, protocol):
    result = plan(["10.10.20.0/24", "172.16.5.0/24"], protocol, platform)
    assert errors(result) == []
    cond = result.plan["cpes"]["cpe1"]["redistribution"]["default_condition"]
    assert cond == {"prefixes": ["10.10.20.0/24", "172.16.5.0/24"], "prefix_list": "VC-DEFAULT-COND",
                    "route_map": "VC-DEFAULT-COND", "tunnels": ["lab-A"]}
    assert "default_condition" not in result.plan["cpes"]["cpe2"]["redistribution"]
    # one prefix as a string is the same as a list of one
    assert plan("10.10.20.0/24").plan["cpes"]["cpe1"]["redistribution"]["default_condition"]["prefixes"] == ["10.10.20.0/24"]


@pytest.mark.parametrize("value,code,path", [
    ("0.0.0.0/0", "redistribution.default_requires", PATH + "[0]"),
    (["10.10.20.1/24"], "redistribution.default_requires", PATH + "[0]"),           # host bits: names the fix
    (["10.10.20.0"], "redistribution.default_requires", PATH + "[0]"),              # no length
    (["300.1.1.0/24"], "redistribution.default_requires", PATH + "[0]"),
    (["10.10.20.0/24", "10.10.20.0/24"], "redistribution.default_requires", PATH + "[1]"),
    (["10.%d.0.0/16" % i for i in range(9)], "redistribution.default_requires", PATH),
    ({"prefix": "10.10.20.0/24"}, "redistribution.default_requires", PATH),
    (["224.0.0.5/32"], "redistribution.default_requires", PATH + "[0]"),
    (["239.1.0.0/16"], "redistribution.default_requires", PATH + "[0]"),            # multicast, any length
    (["127.0.0.0/8"], "redistribution.default_requires", PATH + "[0]"),
    (["203.0.113.0/25"], "redistribution.default_requires_overlap", PATH + "[0]"),   # the DC-A /25
    (["203.0.113.128/25"], "redistribution.default_requires_overlap", PATH + "[0]"),  # the other DC's /25 (cpe2)
    (["203.0.0.0/16"], "redistribution.default_requires_overlap", PATH + "[0]"),     # covers the DI /24
    (["198.18.10.0/24"], "redistribution.default_requires_overlap", PATH + "[0]"),   # IaaS
    (["100.64.0.0/30"], "redistribution.default_requires_overlap", PATH + "[0]"),    # tunnel 1 transit
    (["100.64.0.4/30"], "redistribution.default_requires_overlap", PATH + "[0]"),    # tunnel 2 transit
])
def test_refused_with_the_field_and_the_rule(value, code, path):
    result = plan(value)
    assert (code, path) in errors(result), result.findings
    assert code in FINDINGS
    assert not result.ok


def test_the_messages_say_why_and_the_field_is_declared():
    text = [f["message"] for f in plan(["10.10.20.1/24"]).findings if f["code"] == "redistribution.default_requires"]
    assert text and "did you mean 10.10.20.0/24" in text[0]
    text = [f["message"] for f in plan(["203.0.113.0/25"]).findings if f["code"].endswith("_overlap")]
    assert text and "203.0.113.0/25" in text[0] and "customer prefix" in text[0]
    assert REDISTRIBUTION_FIELDS["default_requires"]["protocols"] == ("ospf", "bgp")


def test_unset_plans_as_before():
    for value in (None, []):
        result = plan(value)
        assert errors(result) == []
        assert "default_condition" not in result.plan["cpes"]["cpe1"]["redistribution"]
