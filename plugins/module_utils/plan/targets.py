# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which CPEs a run acts on: the hosts the plan names, checked against the inventory, the user's group and --limit.

Every shipped playbook resolves its hosts here (filter ``vc_targets``, plan role entry ``targets``) before any
device is touched. A run never succeeds silently having done nothing: an empty inventory, a CPE of the plan
missing from the inventory or from the user's group (``vc_cpe_group``), a ``--limit`` that selects no CPE of
the plan, or one that splits the two CPEs of a dual-CPE region, is an error naming the hosts and the variable
to set. Pure Python, no Ansible import.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from .views import device_tunnels


def _names(hosts: Sequence[str]) -> str:
    return ", ".join(hosts) if hosts else "none"


def _planned(plan: Dict[str, Any]) -> List[str]:
    """The CPE hosts of the plan, in plan order (regions in input order, tunnel 1 before tunnel 2)."""
    out: List[str] = []
    for region in plan.get("regions") or []:
        for host in region.get("cpe_hosts") or [t.get("cpe_host") for t in region.get("tunnels") or []]:
            if host and host not in out:
                out.append(host)
    for host in plan.get("cpes") or {}:
        if host not in out:
            out.append(host)
    return out


def resolve_targets(plan: Dict[str, Any], inventory_hosts: Sequence[str], play_hosts: Sequence[str],
                    pattern: Optional[str] = None, pattern_hosts: Optional[Sequence[str]] = None,
                    limit: Optional[str] = None, allow_partial: bool = False) -> Dict[str, Any]:
    """The CPEs of this run.

    ``inventory_hosts``: every host of the inventory (``groups['all']``); ``play_hosts``: the hosts this run
    selected (the play's hosts after ``--limit``); ``pattern`` / ``pattern_hosts``: the user's CPE group
    (``vc_cpe_group``) and the inventory hosts it matches, when one is given; ``limit``: the ``--limit`` text
    (for messages); ``allow_partial``: accept a run on one CPE of a dual-CPE region.

    Returns ``{targets, planned, left_out, regions, errors, warnings}``: ``targets`` in plan order;
    ``left_out`` the CPEs of the plan this run does not select; ``regions`` ``{region: {hosts, targets}}``.
    """
    planned = _planned(plan)
    inventory = list(inventory_hosts or [])
    selected = set(play_hosts or [])
    errors: List[str] = []
    warnings: List[str] = []
    limit_txt = "--limit %s" % limit if limit else "this run's hosts"
    group_txt = "vc_cpe_group=%s" % pattern if pattern else ""

    if not planned:
        errors.append("vc_regions names no CPE host (regions[].tunnels[].cpe.host): nothing to act on")
    if not inventory:
        errors.append("the inventory has no host: add the CPE hosts vc_regions names (%s) to the inventory "
                      "(-i INVENTORY)" % _names(planned))
    else:
        missing = [h for h in planned if h not in inventory]
        if missing:
            errors.append("CPE host(s) %s named by vc_regions (regions[].tunnels[].cpe.host) are not in the "
                          "inventory: add them or fix the names" % _names(missing))
    scope = list(planned)
    if pattern:
        in_group = set(pattern_hosts or [])
        outside = [h for h in planned if h not in in_group and h in inventory]
        if not in_group:
            errors.append("%s matches no host of the inventory: name the group (or host pattern) of your CPEs, "
                          "or leave vc_cpe_group unset to act on every CPE vc_regions names (%s)"
                          % (group_txt, _names(planned)))
        elif outside:
            errors.append("CPE host(s) %s named by vc_regions are not in %s (it matches %s): add them to that "
                          "group, or leave vc_cpe_group unset to act on every CPE vc_regions names"
                          % (_names(outside), group_txt, _names(sorted(in_group))))
        extra = sorted(h for h in in_group if h not in planned)
        if extra and in_group:
            warnings.append("host(s) %s of %s carry no Virtual Connect tunnel in vc_regions: not acted on"
                            % (_names(extra), group_txt))
        scope = [h for h in planned if h in in_group]
    targets = [h for h in scope if h in selected]
    left_out = [h for h in planned if h not in targets]
    if planned and inventory and not targets and not errors:
        errors.append("%s selects none of the CPEs vc_regions names (%s): widen --limit (or %s), nothing "
                      "would be done" % (limit_txt, _names(planned), "vc_cpe_group" if pattern else "the inventory"))
    regions: Dict[str, Dict[str, Any]] = {}
    for region in plan.get("regions") or []:
        hosts = [h for h in (region.get("cpe_hosts") or []) if h]
        chosen = [h for h in hosts if h in targets]
        regions[str(region.get("region"))] = {"hosts": hosts, "targets": chosen,
                                              "deployment": region.get("deployment")}
        if chosen and len(chosen) < len(hosts):
            out = [h for h in hosts if h not in chosen]
            text = ("region %s has its two tunnels on two CPEs (%s); %s selects %s but leaves out %s: add %s to "
                    "--limit (--limit %s), or set vc_allow_partial_region=true to act on %s alone"
                    % (region.get("region"), _names(hosts), limit_txt, _names(chosen), _names(out), _names(out),
                       ",".join(hosts), _names(chosen)))
            (warnings if allow_partial else errors).append(text)
    return {"targets": targets, "planned": planned, "left_out": left_out, "regions": regions,
            "errors": errors, "warnings": warnings}


def rollout_stages(plan: Dict[str, Any], host: str, staged: bool = True) -> List[List[str]]:
    """The tunnel keys of ``host`` per deploy stage: ``[[tunnel 1 keys], [tunnel 2 keys]]`` (a stage may be empty: in a
    dual-CPE region the CPE of tunnel 2 has nothing in stage 1, so the two CPEs change one after the other), or one
    stage with every tunnel when not ``staged``. Tunnel 1 (DC-A) goes first; tunnel 2 carries the traffic meanwhile."""
    keys = [(t.get("index"), t["key"]) for t in device_tunnels(plan, host)]
    if not staged:
        return [[k for _i, k in keys]]
    return [[k for i, k in keys if i == 1], [k for i, k in keys if i != 1]]


def plan_with_tunnels(plan: Dict[str, Any], keys: Sequence[str]) -> Dict[str, Any]:
    """The plan reduced to the tunnels ``keys`` (for verifying one stage of a rollout); CPE entries are kept."""
    wanted = set(keys)
    out = dict(plan)
    out["regions"] = [dict(r, tunnels=[t for t in r.get("tunnels") or [] if t.get("key") in wanted])
                      for r in plan.get("regions") or []]
    return out


def _later(stages: Sequence[Sequence[str]], stage: int) -> List[str]:
    """The tunnel keys of the stages after ``stage`` (1-based)."""
    return [k for keys in list(stages or [])[int(stage):] for k in keys or []]


def rest_unchanged(stages: Sequence[Sequence[str]], stage: int, apply_result: Dict[str, Any],
                   partners: Sequence[str] = ()) -> bool:
    """Whether a staged deploy can leave out the stages after ``stage`` (1-based) on this CPE: its verify then judges
    every tunnel of the CPE instead (the caller widens it), and nothing else would happen in the later stages.

    Only when all of these hold (any other case keeps every stage):

    - the rollout is staged and a later stage has tunnels (``stages`` from ``rollout_stages``);
    - ``apply_result`` (this stage's apply) succeeded, changed nothing and says ``nothing_to_change``: the running
      config it read already carried the plan for every tunnel of the CPE and the shared objects (a platform that does
      not report it keeps both stages);
    - it reports ``absent_tunnels`` and none of the CPE's tunnels is absent (not a first deploy of any tunnel);
    - no other CPE of a region waits for this one (``partners``: a dual-CPE region changes one CPE after the other).
    """
    later = _later(stages, stage)
    if not later:
        return False
    result = apply_result if isinstance(apply_result, dict) else {}
    if result.get("failed") or result.get("changed") or result.get("nothing_to_change") is not True:
        return False
    absent = result.get("absent_tunnels")
    if absent is None or list(absent):
        return False
    return not list(partners or [])


def ike_age_deferred(stages: Sequence[Sequence[str]], stage: int, apply_result: Dict[str, Any],
                     partners: Sequence[str] = ()) -> bool:
    """Whether the IKE SA age of stage ``stage``'s tunnels is judged in the last stage instead of in this one
    (docs/operations.md, "The IKE SA age in a staged deploy").

    Only when this CPE has a later stage (the age must be judged somewhere), no other CPE of a region waits for this
    one (``partners``), and the running config this stage's apply read holds no trace of any tunnel of the later
    stages (``apply_result['absent_tunnels']`` covers them: they carry no traffic yet; a platform that does not report
    it keeps the age in every stage). Never together with ``rest_unchanged`` (that needs no tunnel absent)."""
    later = _later(stages, stage)
    if not later or list(partners or []):
        return False
    result = apply_result if isinstance(apply_result, dict) else {}
    absent = result.get("absent_tunnels")
    if absent is None:
        return False
    return not set(later) - set(absent)


def stage_tunnels(stages: Sequence[Sequence[str]], stage: int, apply_result: Dict[str, Any],
                  partners: Sequence[str] = ()) -> List[str]:
    """The tunnel keys the verify of stage ``stage`` (1-based) judges on this CPE: those of the earlier stages (proved
    there; a CPE whose stage failed has left the play), this stage's, and the later stages' too when they are left out
    (``rest_unchanged``: this stage then verifies every tunnel of the CPE). One decision for the playbook (filter
    ``vc_stage_tunnels``, which narrows the plan the verify compares) and for a platform's apply that gathers the
    stage's state in the same task."""
    stages = [list(keys or []) for keys in list(stages or [])]
    index = int(stage)
    keys = [k for keys in stages[:index - 1] for k in keys] + (stages[index - 1] if 0 < index <= len(stages) else [])
    if rest_unchanged(stages, index, apply_result, partners):
        keys += _later(stages, index)
    return keys
