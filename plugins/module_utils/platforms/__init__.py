# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One package per platform (``ios``, ``linux``) and the registry that names them (registry.py).

Shared layers (plan, verify, filters) use :func:`get_platform` / :func:`find_platform`; see
docs/platforms.md for what a platform package implements.
"""
from __future__ import annotations

from .base import Platform
from .registry import (
    UnknownPlatform,
    find_platform,
    get_platform,
    known_network_os,
    platform_of,
    platform_of_host,
    platforms,
)

__all__ = ["Platform", "UnknownPlatform", "find_platform", "get_platform", "known_network_os", "platform_of",
           "platform_of_host", "platforms"]
