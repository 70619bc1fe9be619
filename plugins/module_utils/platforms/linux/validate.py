# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux rules of the plan phase: what the plan may hold but a Linux CPE (kernel GRE, FRR) cannot carry.

Called by the plan core through the registry for every Linux CPE, before any device is touched.
Returns ``(severity, code, path, message)``; a secret is never part of a message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from .render import LINK_PREFIX

ERROR = "error"
IFNAMSIZ = 15   # the kernel's interface name limit (16 bytes with the NUL)

FINDINGS: Dict[str, Tuple[str, str]] = {
    "linux.interface_name": (ERROR, "Linux: the GRE link name vcgre<tunnel_number> is at most 15 characters"),
    "linux.bgp_password": (ERROR, "Linux: FRR takes a BGP password as one word (no whitespace)"),
}


def validate(host: str, cpe: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], settings: Dict[str, Any],
             secrets: Dict[str, Dict[str, Any]], paths: Dict[str, str]) -> List[Tuple[str, str, str, str]]:
    out: List[Tuple[str, str, str, str]] = []
    for t in tunnels:
        path = paths.get(t["key"], "cpes.%s" % host)
        name = "%s%s" % (LINK_PREFIX, t["tunnel_number"])
        if len(name) > IFNAMSIZ:
            out.append((ERROR, "linux.interface_name", path + ".cpe.tunnel_number",
                        "interface name %r is longer than %d characters (tunnel_number %r); set a smaller "
                        "cpe.tunnel_number or vc_tunnel_base" % (name, IFNAMSIZ, t["tunnel_number"])))
        password = (secrets.get(t["key"]) or {}).get("bgp_password")
        if t["bgp"].get("password_set") and isinstance(password, str) and len(password.split()) != 1:
            out.append((ERROR, "linux.bgp_password", path + ".bgp_password",
                        "tunnel %s: FRR takes a BGP password as one word; this one contains whitespace "
                        "(not printed)" % t["key"]))
    return out
