# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only views of a plan (what one CPE carries) and the secrets lookup kept out of the plan."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple


def cpe_region_tunnels(plan: Optional[Dict[str, Any]], host: str) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """``(region, tunnel)`` of the plan tunnels terminated on ``host``, in plan order (regions in input order,
    DC-A before DC-B). The one "tunnels of a host" of the collection: every layer and platform uses it."""
    return [(r, t) for r in (plan or {}).get("regions") or [] for t in r.get("tunnels") or [] if t.get("cpe_host") == host]


def cpe_tunnels(plan: Optional[Dict[str, Any]], host: str) -> List[Dict[str, Any]]:
    """The plan tunnels terminated on ``host``, in plan order (see :func:`cpe_region_tunnels`)."""
    return [t for _region, t in cpe_region_tunnels(plan, host)]


def ipsec_tunnels(plan: Optional[Dict[str, Any]], host: str) -> List[Dict[str, Any]]:
    """The plan tunnels whose IPsec ``host`` terminates, in plan order: its own tunnels, except split ones (their
    IPsec runs on another device), and the split tunnels whose ``split.ipsec_host`` it is (docs/ha.md)."""
    out = []
    for r in (plan or {}).get("regions") or []:
        for t in r.get("tunnels") or []:
            split = t.get("split")
            if (t.get("cpe_host") == host and not split) or (split and split.get("ipsec_host") == host):
                out.append(t)
    return out


def has_part(tunnel: Dict[str, Any], host: str) -> bool:
    """Whether ``host`` has a part in the plan ``tunnel``: it terminates it (GRE/BGP, and IPsec unless split) or it is
    the split tunnel's IPsec device."""
    return tunnel.get("cpe_host") == host or (tunnel.get("split") or {}).get("ipsec_host") == host


def device_tunnels(plan: Optional[Dict[str, Any]], host: str) -> List[Dict[str, Any]]:
    """Every plan tunnel ``host`` has a part in (:func:`has_part`), in plan order."""
    return [t for r in (plan or {}).get("regions") or [] for t in r.get("tunnels") or [] if has_part(t, host)]


def tunnel_key(region: Any, datacenter: Any) -> Optional[str]:
    from .planner import _DC_ALIASES  # one alias table for plan and secrets

    dc = _DC_ALIASES.get(str(datacenter).strip().lower()) if datacenter is not None else None
    if not region or dc is None:
        return None
    return "%s-%s" % (region, dc)


def secrets_by_tunnel(regions: Any) -> Dict[str, Dict[str, Optional[str]]]:
    """``{tunnel key: {psk, bgp_password}}`` from ``vc_regions``; use only in no_log tasks."""
    out: Dict[str, Dict[str, Optional[str]]] = {}
    for r in regions if isinstance(regions, list) else []:
        if not isinstance(r, dict):
            continue
        for t in r.get("tunnels") or []:
            if not isinstance(t, dict):
                continue
            key = tunnel_key(r.get("region"), t.get("datacenter"))
            if key:
                out[key] = {"psk": t.get("psk"), "bgp_password": t.get("bgp_password") or None}
    return out


def host_plan(plan: Optional[Dict[str, Any]], host: str) -> Dict[str, Any]:
    """The part of ``plan`` one CPE needs, in the same shape: the regions with a tunnel on ``host`` (whole, with the
    tunnels the region's other CPEs terminate), ``cpes`` of the hosts of those regions, every other key as it is.
    Every view of this module gives the same answer for ``host`` on the slice as on the whole plan; the plan role
    gives each host its slice so that a task carries one CPE's part, not the fleet's."""
    plan = plan or {}
    regions = [r for r in plan.get("regions") or []       # a split tunnel's IPsec device too (docs/ha.md)
               if any(has_part(t, host) for t in r.get("tunnels") or [])]
    hosts = {host}
    for r in regions:
        hosts.update(t.get("cpe_host") for t in r.get("tunnels") or [])
        hosts.update((t.get("split") or {}).get("ipsec_host") for t in r.get("tunnels") or [] if t.get("split"))
        hosts.update(r.get("cpe_hosts") or [])
    cpes = dict((h, c) for h, c in (plan.get("cpes") or {}).items() if h in hosts)
    out = dict(plan)
    out["regions"] = regions
    out["cpes"] = cpes
    return out


# The ownership marker of every platform (docs/ownership.md): the collection and the plan tunnel key, carried in
# each platform's own syntax (a description, a remark, an interface alias, a file header).
MARKER_PREFIX = "webex_di.virtual_connect:"


def marker(key: str) -> str:
    """``webex_di.virtual_connect:<tunnel key>``."""
    return MARKER_PREFIX + str(key)


def marker_key(text: Any) -> Optional[str]:
    """The tunnel key of a marker at the start of ``text`` (an alias, a description), else None."""
    if isinstance(text, str) and text.startswith(MARKER_PREFIX) and len(text) > len(MARKER_PREFIX):
        return text[len(MARKER_PREFIX):].split()[0]
    return None
