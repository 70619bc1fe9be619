# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared checks of the filters that reach a platform through the registry (vc_render,
vc_gather_commands, vc_parse, vc_waiting): the input is a plan, and the host's platform is known."""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import get_platform


def require_plan(name, plan):
    """Fail naming the filter when ``plan`` is not what vc_plan returns."""
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("%s: expects the plan returned by webex_di.virtual_connect.vc_plan" % name)
    return plan


def host_platform(name, plan, host):
    """The platform of a CPE of the plan (its plan entry names it); fails naming the filter and the host."""
    cpe = (require_plan(name, plan).get("cpes") or {}).get(host)
    if cpe is None:
        raise AnsibleFilterError("%s: host %s terminates no Virtual Connect tunnel in the plan" % (name, host))
    try:
        return get_platform(cpe.get("platform"), host)
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))
