# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Saved command outputs, one file per command (the offline verify, docs/offline-verify.md).

Platform-neutral: a platform's gather commands (``Platform.gather_commands``) name their files; this
module only maps a command to its file name and reads a directory of them. Pure Python, no Ansible.
"""
from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional

from ..plan.secrets import mask_secret_lines


def command_filename(command: str) -> str:
    """Saved-output file name of a command: whitespace runs, '/' and '|' become '_', plus '.txt'.

    'show ip bgp neighbors 100.64.0.2 received-routes' ->
    'show_ip_bgp_neighbors_100.64.0.2_received-routes.txt'.
    """
    return re.sub(r"[\s/|]+", "_", command.strip()) + ".txt"


def _filename_variants(command: str) -> List[str]:
    base = command_filename(command)
    variants = [base, base.replace("-", "_")]
    return [v.lower() for v in variants]


def read_saved_outputs(directory: str, host: str, commands: List[Any]) -> Dict[str, Any]:
    """Offline gather: read ``<directory>/<host>/<command_filename>`` for every command.

    ``commands`` is the list from :func:`ios_gather_commands` (dicts) or plain command strings
    (all required). File names match case-insensitively and '-' may be written '_'; an item may name its
    ``file`` and ``alt_files`` (the short names of the filtered evidence commands).
    Returns {outputs: {command: text}, files: {command: path}, missing: [{command, path,
    optional}], missing_required: [...], directory: <host dir>}. Never raises for a missing file.
    """
    host_dir = os.path.join(directory or "", host)
    listing = {}  # type: Dict[str, str]
    if os.path.isdir(host_dir):
        for name in os.listdir(host_dir):
            listing.setdefault(name.lower(), name)
    outputs = {}  # type: Dict[str, Optional[str]]
    files = {}  # type: Dict[str, str]
    missing = []  # type: List[Dict[str, Any]]
    for item in commands or []:
        spec = item if isinstance(item, dict) else {"command": str(item), "optional": False}
        command = spec["command"]
        names = [spec.get("file") or command_filename(command)] + list(spec.get("alt_files") or [])
        variants = _filename_variants(command)
        for name in names:
            variants.extend(v.lower() for v in (name, name.replace("-", "_")) if v.lower() not in variants)
        found = None
        for variant in variants:
            if variant in listing:
                found = os.path.join(host_dir, listing[variant])
                break
        if found is None:
            missing.append({"command": command, "path": os.path.join(host_dir, names[0]),
                            "optional": bool(spec.get("optional"))})
            continue
        with open(found, "rb") as fh:
            # a saved output can hold secret lines (a whole running configuration): masked by field before the
            # text reaches a variable, a result or the log (the parsers compare secrets by presence only)
            outputs[command] = mask_secret_lines(fh.read().decode("utf-8", errors="replace"))
        files[command] = found
    return {"outputs": outputs, "files": files, "missing": missing,
            "missing_required": [m for m in missing if not m["optional"]], "directory": host_dir}
