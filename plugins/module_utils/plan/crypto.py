# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Crypto suites in platform-neutral words, and their validation.

Each platform's renderer (platforms/<name>/) maps these tokens to its own syntax. The values must match what the Cisco side was activated
with (Control Hub form): the article's phase 1/phase 2 checklists.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

ENCRYPTIONS = ("aes-gcm-256", "aes-gcm-128", "aes-cbc-256", "aes-cbc-192", "aes-cbc-128")
INTEGRITIES = ("sha1", "sha256", "sha384", "sha512")
PRFS = ("sha1", "sha256", "sha384", "sha512")
DH_GROUPS = (14, 15, 16, 19, 20, 21)
WEAK_DH_GROUPS = (1, 2, 5, 22, 23, 24)

SUITES: Dict[str, Dict[str, Dict[str, Any]]] = {
    "gcm256": {
        "ike": {"encryption": "aes-gcm-256", "integrity": None, "prf": "sha384", "dh_group": 20},
        "esp": {"encryption": "aes-gcm-256", "integrity": None, "pfs_group": 20},
    },
    "gcm128": {
        "ike": {"encryption": "aes-gcm-128", "integrity": None, "prf": "sha256", "dh_group": 19},
        "esp": {"encryption": "aes-gcm-128", "integrity": None, "pfs_group": 19},
    },
    "cbc256-sha256": {
        "ike": {"encryption": "aes-cbc-256", "integrity": "sha256", "prf": "sha256", "dh_group": 14},
        "esp": {"encryption": "aes-cbc-256", "integrity": "sha256", "pfs_group": 14},
    },
    "cbc256-sha384": {
        "ike": {"encryption": "aes-cbc-256", "integrity": "sha384", "prf": "sha384", "dh_group": 20},
        "esp": {"encryption": "aes-cbc-256", "integrity": "sha384", "pfs_group": 20},
    },
    "cbc256-sha512": {
        "ike": {"encryption": "aes-cbc-256", "integrity": "sha512", "prf": "sha512", "dh_group": 21},
        "esp": {"encryption": "aes-cbc-256", "integrity": "sha512", "pfs_group": 21},
    },
}
DEFAULT_SUITE = "gcm256"
DEFAULT_IKE_LIFETIME = 86400
DEFAULT_ESP_LIFETIME = 3600


def is_gcm(encryption: Optional[str]) -> bool:
    return bool(encryption) and "gcm" in str(encryption)
