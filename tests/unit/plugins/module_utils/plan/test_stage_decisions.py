"""plan/targets.py: what a staged deploy decides from stage 1's apply result - leave out the later stage on a CPE with
nothing to change anywhere (rest_unchanged), and leave stage 1's IKE SA age to the last stage when the later tunnels
carry no traffic yet (ike_age_deferred). Every branch of both, plus the filters that wrap them."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.filter import vc_ops as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import (
    ike_age_deferred, rest_unchanged, rollout_stages, stage_tunnels,
)

from .helpers import region

STAGED = [["us-east-A"], ["us-east-B"]]
UNCHANGED = {"changed": False, "commands": [], "nothing_to_change": True, "absent_tunnels": []}
FRESH = {"changed": True, "commands": ["interface Tunnel101"], "nothing_to_change": False,
         "absent_tunnels": ["us-east-A", "us-east-B"]}


def test_the_stages_of_a_real_plan_are_what_the_decisions_read():
    res = build_plan([region("us-east")], cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": "Gi1"}})
    assert res.ok, res.findings
    assert rollout_stages(res.plan, "cpe1") == STAGED
    assert rollout_stages(res.plan, "cpe1", staged=False) == [["us-east-A", "us-east-B"]]


# rest_unchanged ------------------------------------------------------------------------------------------------------

def test_rest_unchanged_when_stage_1_found_the_whole_plan_on_the_router():
    assert rest_unchanged(STAGED, 1, UNCHANGED) is True
    assert rest_unchanged(STAGED, "1", UNCHANGED, partners=[]) is True


@pytest.mark.parametrize("stages, stage", [
    ([["us-east-A", "us-east-B"]], 1),    # not staged (vc_deploy_staged=false, check mode): one stage
    (STAGED, 2),                          # the last stage: nothing after it
    ([["us-east-A"], []], 1),             # the later stage has no tunnel of this CPE
    ([], 1),
])
def test_no_later_stage_nothing_to_leave_out(stages, stage):
    assert rest_unchanged(stages, stage, UNCHANGED) is False


@pytest.mark.parametrize("change", [
    {"nothing_to_change": False},                       # drift somewhere (tunnel 2, a shared object)
    {"nothing_to_change": None},
    {"changed": True, "commands": ["ip mtu 1400"]},     # this stage typed something
    {"failed": True},
])
def test_anything_to_change_keeps_the_later_stage(change):
    assert rest_unchanged(STAGED, 1, dict(UNCHANGED, **change)) is False


def test_a_platform_that_does_not_say_keeps_both_stages():
    # Linux: its apply reports neither nothing_to_change nor absent_tunnels
    assert rest_unchanged(STAGED, 1, {"changed": False}) is False
    assert rest_unchanged(STAGED, 1, {k: v for k, v in UNCHANGED.items() if k != "absent_tunnels"}) is False
    assert rest_unchanged(STAGED, 1, None) is False


def test_a_first_deploy_of_any_tunnel_keeps_the_later_stage():
    assert rest_unchanged(STAGED, 1, dict(UNCHANGED, absent_tunnels=["us-east-B"])) is False
    assert rest_unchanged(STAGED, 1, FRESH) is False


def test_a_partner_cpe_of_a_dual_region_keeps_the_later_stage():
    assert rest_unchanged(STAGED, 1, UNCHANGED, partners=["cpe2"]) is False


# ike_age_deferred ----------------------------------------------------------------------------------------------------

def test_the_age_is_deferred_when_the_later_tunnels_leave_no_trace():
    assert ike_age_deferred(STAGED, 1, FRESH) is True
    assert ike_age_deferred(STAGED, 1, dict(FRESH, absent_tunnels=["us-east-B"])) is True


@pytest.mark.parametrize("stages, stage", [([["us-east-A", "us-east-B"]], 1), (STAGED, 2), ([["us-east-A"], []], 1)])
def test_the_age_stays_where_no_later_stage_would_judge_it(stages, stage):
    assert ike_age_deferred(stages, stage, FRESH) is False


def test_the_age_stays_when_a_partner_waits():
    assert ike_age_deferred(STAGED, 1, FRESH, partners=["cpe2"]) is False


def test_the_age_stays_when_a_later_tunnel_may_carry_traffic():
    assert ike_age_deferred(STAGED, 1, dict(FRESH, absent_tunnels=["us-east-A"])) is False   # a trace of tunnel 2
    assert ike_age_deferred(STAGED, 1, dict(FRESH, absent_tunnels=[])) is False


def test_the_age_stays_on_a_platform_that_does_not_report_absent_tunnels():
    assert ike_age_deferred(STAGED, 1, {"changed": True}) is False
    assert ike_age_deferred(STAGED, 1, None) is False


@pytest.mark.parametrize("result", [UNCHANGED, FRESH, dict(FRESH, absent_tunnels=["us-east-B"]),
                                    dict(UNCHANGED, absent_tunnels=["us-east-B"])])
def test_never_both_decisions_at_once(result):
    assert not (rest_unchanged(STAGED, 1, result) and ike_age_deferred(STAGED, 1, result))


# the filters ---------------------------------------------------------------------------------------------------------

def test_the_filters_are_registered_and_wrap_the_plan_core():
    filters = F.FilterModule().filters()
    assert filters["vc_rest_unchanged"] is F.vc_rest_unchanged and filters["vc_ike_age_deferred"] is F.vc_ike_age_deferred
    assert F.vc_rest_unchanged(UNCHANGED, STAGED, "1", None) is True
    assert F.vc_rest_unchanged(UNCHANGED, STAGED, 1, ["cpe2"]) is False
    assert F.vc_ike_age_deferred(FRESH, STAGED, 1) is True and F.vc_ike_age_deferred(FRESH, STAGED, 2) is False


@pytest.mark.parametrize("args, message", [
    (("not a result", STAGED, 1), "expects the registered result of this stage's apply"),
    ((UNCHANGED, "us-east-A", 1), "stages must be the list of tunnel key lists"),
    ((UNCHANGED, STAGED, "one"), "stage must be the stage number"),
    ((UNCHANGED, STAGED, 0), "stage must be 1 or more"),
])
def test_the_filters_name_a_bad_argument(args, message):
    for name in ("vc_rest_unchanged", "vc_ike_age_deferred"):
        with pytest.raises(AnsibleFilterError, match=name + ": " + message):
            getattr(F, name)(*args)


# stage_tunnels -------------------------------------------------------------------------------------------------------

def test_stage_tunnels_stage_1_judges_its_own_tunnel():
    assert stage_tunnels(STAGED, 1, FRESH) == ["us-east-A"]
    assert stage_tunnels(STAGED, 1, dict(UNCHANGED, nothing_to_change=False)) == ["us-east-A"]


def test_stage_tunnels_the_last_stage_judges_every_tunnel_so_far():
    assert stage_tunnels(STAGED, 2, FRESH) == ["us-east-A", "us-east-B"]
    assert stage_tunnels(STAGED, "2", UNCHANGED) == ["us-east-A", "us-east-B"]


def test_stage_tunnels_widen_to_the_later_stage_exactly_when_it_is_left_out():
    assert stage_tunnels(STAGED, 1, UNCHANGED) == ["us-east-A", "us-east-B"]
    # a dual-CPE partner waits: the later stage runs, so stage 1 judges its own tunnel only
    assert stage_tunnels(STAGED, 1, UNCHANGED, partners=["cpe2"]) == ["us-east-A"]
    for stages, stage in (([["us-east-A", "us-east-B"]], 1), ([["us-east-A"], []], 1)):
        assert stage_tunnels(stages, stage, UNCHANGED) == ["us-east-A", "us-east-B"][:len(stages[0])]


def test_stage_tunnels_an_empty_stage_of_a_dual_cpe_region():
    # the CPE of tunnel 2 has nothing in stage 1
    assert stage_tunnels([[], ["us-east-B"]], 1, {"changed": False}) == []
    assert stage_tunnels([[], ["us-east-B"]], 2, FRESH) == ["us-east-B"]
    assert stage_tunnels([], 1, UNCHANGED) == []


def test_stage_tunnels_filter_wraps_the_core_and_checks_its_arguments():
    assert F.vc_stage_tunnels(UNCHANGED, STAGED, 1) == ["us-east-A", "us-east-B"]
    assert F.vc_stage_tunnels(FRESH, STAGED, "2", None) == ["us-east-A", "us-east-B"]
    with pytest.raises(AnsibleFilterError, match="vc_stage_tunnels: stage must be"):
        F.vc_stage_tunnels(FRESH, STAGED, 0)
    with pytest.raises(AnsibleFilterError, match="vc_stage_tunnels: expects the registered result"):
        F.vc_stage_tunnels("x", STAGED, 1)
    assert "vc_stage_tunnels" in F.FilterModule().filters()
