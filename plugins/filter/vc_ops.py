# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of webex_di.virtual_connect for operations (which CPEs a run acts on, the set_stats summaries); thin
wrappers over the plan core and drift.py.

Each filter is documented in its own file beside this one (``<filter>.yml``).
"""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.drift import verify_stats
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import (
    ike_age_deferred, plan_with_tunnels, resolve_targets, rest_unchanged, rollout_stages, stage_tunnels,
)


def vc_targets(plan, inventory_hosts=None, play_hosts=None, pattern=None, pattern_hosts=None, limit=None,
               allow_partial=False):
    return resolve_targets(_plan("vc_targets", plan), list(inventory_hosts or []), list(play_hosts or []), pattern=pattern or None,
                           pattern_hosts=list(pattern_hosts or []), limit=limit or None,
                           allow_partial=bool(allow_partial))


def _plan(name, plan):
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("%s: expects the plan returned by webex_di.virtual_connect.vc_plan" % name)
    return plan


def vc_rollout_stages(plan, host, staged=True):
    return rollout_stages(_plan("vc_rollout_stages", plan), host, bool(staged))


def vc_plan_tunnels(plan, keys):
    return plan_with_tunnels(_plan("vc_plan_tunnels", plan), list(keys or []))


def _stage_args(name, apply_result, stages, stage, partners):
    if not isinstance(apply_result, dict):
        raise AnsibleFilterError("%s: expects the registered result of this stage's apply (vc_apply_result), got %s"
                                 % (name, type(apply_result).__name__))
    if not isinstance(stages, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in stages):
        raise AnsibleFilterError("%s: stages must be the list of tunnel key lists of vc_rollout_stages" % name)
    try:
        stage = int(stage)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s: stage must be the stage number (1, 2), got %r" % (name, stage))
    if stage < 1:
        raise AnsibleFilterError("%s: stage must be 1 or more, got %d" % (name, stage))
    return [list(s) for s in stages], stage, apply_result, list(partners or [])


def vc_rest_unchanged(apply_result, stages, stage, partners=None):
    return rest_unchanged(*_stage_args("vc_rest_unchanged", apply_result, stages, stage, partners))


def vc_ike_age_deferred(apply_result, stages, stage, partners=None):
    return ike_age_deferred(*_stage_args("vc_ike_age_deferred", apply_result, stages, stage, partners))


def vc_stage_tunnels(apply_result, stages, stage, partners=None):
    return stage_tunnels(*_stage_args("vc_stage_tunnels", apply_result, stages, stage, partners))


def vc_verify_stats(result):
    if not isinstance(result, dict) or "tunnels" not in result:
        raise AnsibleFilterError("vc_verify_stats: expects the result of webex_di.virtual_connect.vc_verify")
    return verify_stats(result)


class FilterModule(object):
    def filters(self):
        return {"vc_targets": vc_targets, "vc_verify_stats": vc_verify_stats, "vc_rollout_stages": vc_rollout_stages,
                "vc_plan_tunnels": vc_plan_tunnels, "vc_rest_unchanged": vc_rest_unchanged,
                "vc_ike_age_deferred": vc_ike_age_deferred, "vc_stage_tunnels": vc_stage_tunnels}
