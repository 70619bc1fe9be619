# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE (cisco.ios, network_cli): everything the collection knows about it.

render.py (plan -> intent, built from forms.py lines and intent.py blocks), parser.py (running config
tree and VC view), diff.py (intent vs running config -> commands, restore), apply.py (the vc_ios_config
states), commands.py (show commands of verify), show_parsers.py + assemble.py (outputs -> the common
state), evidence.py (diagnose evidence), validate.py (plan-phase rules), vocabulary.py.
"""
from __future__ import annotations

from ..base import Platform
from .validate import FINDINGS

PLATFORM = Platform(
    name="ios",
    title="Cisco IOS-XE",
    package=__name__,
    apply_module="webex_di.virtual_connect.vc_ios_config",
    parts={
        "validate": "validate:validate",
        "render": "render:render_files",
        "gather_commands": "commands:ios_gather_commands",
        "settle_commands": "commands:settle_commands",
        "parse": "assemble:parse",
    },
    settings={"vc_wan_next_hop": "wan_next_hop", "vc_crypto_map_name": "crypto_map_name"},
    findings=FINDINGS,
)
