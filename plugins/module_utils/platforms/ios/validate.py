# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE rules of the plan phase: what the plan may hold but an IOS-XE CPE cannot carry.

Called by the plan core through the registry (``Platform.validate``) for every IOS-XE CPE, so that a
failing rule stops the run before any device is touched. Returns ``(severity, code, path, message)``;
the codes are listed in ``FINDINGS`` (docs/findings.md, "Platform rules").
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import forms

ERROR = "error"

FINDINGS: Dict[str, Tuple[str, str]] = {
    "ios.crypto_map_name": (ERROR, "IOS-XE: vc_crypto_map_name is one word (a crypto map name)"),
    "ios.tunnel_number": (ERROR, "IOS-XE: the tunnel number is also the crypto map sequence number, 1-65535"),
}


def crypto_map_name_problem(name: Any) -> Optional[str]:
    """Why ``name`` cannot be a crypto map name (None: it can, or none is given)."""
    if name is not None and (not isinstance(name, str) or len(name.split()) != 1):
        return "crypto_map_name must be one word (a crypto map name), got %r" % (name,)
    return None


def validate(host: str, cpe: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], settings: Dict[str, Any],
             secrets: Dict[str, Dict[str, Any]], paths: Dict[str, str]) -> List[Tuple[str, str, str, str]]:
    out: List[Tuple[str, str, str, str]] = []
    problem = crypto_map_name_problem(settings.get("crypto_map_name"))
    if problem:
        out.append((ERROR, "ios.crypto_map_name", "cpes.%s.crypto_map_name" % host, "vc_" + problem))
    for t in tunnels:
        seq = int(t["tunnel_number"])
        if seq > forms.MAX_CRYPTO_MAP_SEQ:
            out.append((ERROR, "ios.tunnel_number", "%s.cpe.tunnel_number" % paths.get(t["key"], "cpes.%s" % host),
                        "tunnel %s: tunnel number %d cannot be a crypto map sequence number (1-%d) on %s; set "
                        "cpe.tunnel_number" % (t["key"], seq, forms.MAX_CRYPTO_MAP_SEQ, host)))
    return out
