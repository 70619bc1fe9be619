# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform renderers: plan -> platform intent. The plan core never imports from here.

PLATFORMS maps every accepted ``ansible_network_os`` value to the short platform name that picks a
role's ``tasks/<platform>.yml`` and a renderer module ``render/<platform>.py``. Adding a platform
means a line here, a renderer, and the role task files: the plan core is untouched.
"""

from __future__ import annotations

from typing import Optional

PLATFORMS = {
    "cisco.ios.ios": "ios",
    "cisco.ios": "ios",
    "ios": "ios",
    "linux": "linux",
}
DEFAULT_PLATFORM = "linux"


def platform_of(network_os: Optional[str]) -> str:
    """Short platform name for an ``ansible_network_os`` value; ValueError when unsupported."""
    if network_os in (None, ""):
        return DEFAULT_PLATFORM
    key = str(network_os).strip().lower()
    if key not in PLATFORMS:
        raise ValueError(
            "ansible_network_os %r is not supported by webex_di.virtual_connect; use one of %s" % (network_os, ", ".join(sorted(PLATFORMS)))
        )
    return PLATFORMS[key]
