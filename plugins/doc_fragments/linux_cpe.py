# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment(object):
    """Options every Linux CPE module takes: the CPE in the plan and how strongSwan and FRR are reached."""

    DOCUMENTATION = r"""
options:
  plan:
    description: The plan (C(vc_plan)); selects this CPE's tunnels.
    type: dict
    required: true
  host:
    description: Inventory hostname of this CPE in the plan.
    type: str
    required: true
  swanctl:
    description: The swanctl command as a list.
    type: list
    elements: str
    default: [swanctl]
  swanctl_uri:
    description: The vici socket of charon (swanctl C(--uri)), when not swanctl's default.
    type: str
  vtysh:
    description: The vtysh command as a list (for example C([vtysh, -N, cpe]) for an FRR instance).
    type: list
    elements: str
    default: [vtysh]
"""
