# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE state gatherer: show-command list from the plan, parsers, state assembly."""
from __future__ import annotations

from .assemble import PLATFORM, build_ios_state, classify_command, outputs_from_command_results
from .commands import command_filename, host_tunnels, ios_gather_commands, read_saved_outputs
from .util import canonical_prefix

__all__ = [
    "PLATFORM", "build_ios_state", "classify_command", "outputs_from_command_results",
    "command_filename", "host_tunnels", "ios_gather_commands", "read_saved_outputs",
    "canonical_prefix",
]
