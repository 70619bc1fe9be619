# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform registry: the only place that names the platforms.

``NETWORK_OS`` maps every accepted ``ansible_network_os`` value to a platform package
``platforms/<name>/`` (its ``PLATFORM`` descriptor, see base.py and docs/platforms.md). The plan core,
the filters, verify and diagnose reach a platform only through :func:`get_platform` /
:func:`find_platform`; an unset or unknown ``ansible_network_os`` is an error listing the known values,
never a silent default. Adding a platform: one line per ``ansible_network_os`` value here, the package,
its apply module and its role task files.

Pure Python, no Ansible import. Packages are imported on first use (``importlib``), so code that runs
on a managed host and imports one platform package directly never carries the others.
"""
from __future__ import annotations

import importlib
from typing import Any, Dict, List, Optional

from .base import Platform

NETWORK_OS: Dict[str, str] = {
    "cisco.ios.ios": "ios",
    "cisco.ios": "ios",
    "ios": "ios",
    "linux": "linux",
}

# The platform the plan core assumes when a direct caller of build_plan() gives a CPE no platform at all
# (unit tests, benchmarks). The vc_plan action always passes ansible_network_os: unset is an error there.
CORE_DEFAULT_NETWORK_OS = "linux"

_LOADED: Dict[str, Platform] = {}


class UnknownPlatform(ValueError):
    """``ansible_network_os`` names no platform of the collection (or is not set)."""


def known_network_os() -> List[str]:
    return sorted(NETWORK_OS)


def names() -> List[str]:
    """The platform names, in registry order."""
    out: List[str] = []
    for name in NETWORK_OS.values():
        if name not in out:
            out.append(name)
    return out


def _load(name: str) -> Platform:
    if name not in _LOADED:
        module = importlib.import_module("%s.%s" % (__name__.rsplit(".", 1)[0], name))
        platform = module.PLATFORM
        platform.network_os = tuple(k for k, v in NETWORK_OS.items() if v == name)
        _LOADED[name] = platform
    return _LOADED[name]


def platforms() -> List[Platform]:
    return [_load(n) for n in names()]


def _key(network_os: Any) -> str:
    return str(network_os).strip().lower() if network_os is not None else ""


def find_platform(network_os: Any) -> Optional[Platform]:
    """The platform of an ``ansible_network_os`` value, or None when it is unset or unknown."""
    name = NETWORK_OS.get(_key(network_os))
    return _load(name) if name else None


def unknown_message(network_os: Any, host: Optional[str] = None) -> str:
    who = " of %s" % host if host else ""
    if _key(network_os) == "":
        return "ansible_network_os%s is not set; set it to one of %s" % (who, ", ".join(known_network_os()))
    return "ansible_network_os %r%s is not supported by webex_di.virtual_connect; use one of %s" % (
        network_os, who, ", ".join(known_network_os()))


def get_platform(network_os: Any, host: Optional[str] = None) -> Platform:
    """The platform of an ``ansible_network_os`` value; :class:`UnknownPlatform` when unset or unknown."""
    platform = find_platform(network_os)
    if platform is None:
        raise UnknownPlatform(unknown_message(network_os, host))
    return platform


def platform_of(network_os: Any) -> str:
    """The platform name (``tasks/<name>.yml`` of the roles) of an ``ansible_network_os`` value."""
    return get_platform(network_os).name


def platform_of_host(plan: Dict[str, Any], host: str, state: Optional[Dict[str, Any]] = None) -> Optional[Platform]:
    """The platform of a planned CPE (its plan entry, else the platform a gathered state names)."""
    cpe = ((plan or {}).get("cpes") or {}).get(host) or {}
    found = find_platform(cpe.get("platform"))
    if found is None and state:
        found = find_platform(state.get("platform"))
    return found


def finding_rules() -> Dict[str, Any]:
    """Every platform rule code -> (severity, rule), for docs/findings.md."""
    out: Dict[str, Any] = {}
    for platform in platforms():
        out.update(platform.findings)
    return out


# ---------------------------------------------------------------------------------------------
# Vocabulary: platform spellings folded to the plan's, fix wording per platform
# ---------------------------------------------------------------------------------------------
def fold_algorithm(text: str) -> str:
    """An algorithm spelt the way any platform spells it -> the plan's vocabulary (else unchanged)."""
    for platform in platforms():
        found = platform.algorithm(text)
        if found is not None:
            return found
    return text


def fold_dh_group(text: str) -> Optional[int]:
    """A DH group spelt the way any platform spells it (``ecp384``, ``modp2048``) -> its number."""
    for platform in platforms():
        found = platform.dh_group(text)
        if found is not None:
            return found
    return None


def wording(platform: Optional[Platform], key: str) -> Optional[str]:
    """How the fix ``key`` is said on ``platform``; for an unknown platform every platform's wording."""
    if platform is not None:
        return platform.wording(key)
    said = [(p.title, p.wording(key)) for p in platforms()]
    said = [(title, text) for title, text in said if text]
    if not said:
        return None
    return "; ".join("%s: %s" % (title, text) for title, text in said)
