# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret masking: the one mask and the one "replace every known secret value" of the collection.

Secrets never enter the plan; they travel as ``{tunnel key: {psk, bgp_password}}`` (views.secrets_by_tunnel)
into no_log options only. Where a text could still carry one (a device message, a diff, a result), each
platform masks the secret *fields* of its own syntax first (a pre-shared-key line, a password word, a
``secret =`` line) and then :func:`mask_values` replaces any literal value left. Pure Python, no Ansible import.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

MASK = "********"


def secret_values(secrets: Optional[Dict[str, Any]], min_length: int = 1) -> List[str]:
    """Every secret value of ``{tunnel key: {psk, bgp_password}}``, unique, longest first."""
    values = set()
    for entry in (secrets or {}).values():
        for value in (entry or {}).values() if isinstance(entry, dict) else ():
            if isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) >= min_length:
                values.add(str(value))
    return sorted(values, key=len, reverse=True)


def mask_values(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each value replaced by :data:`MASK` (longest first)."""
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
