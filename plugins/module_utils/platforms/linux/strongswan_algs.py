# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a strongSwan charon must offer for a crypto suite, and which Debian package brings it.

Pure functions, no I/O. ``required_algorithms(ike, esp)`` turns the plan's platform-neutral crypto
(``{encryption, integrity, prf, dh_group}`` / ``{encryption, integrity, pfs_group}``) into the names
``swanctl --list-algs`` prints; ``parse_list_algs`` reads that output (plain or ``--raw``);
``missing_algorithms`` says which are absent and names the package (and plugin) that provides them.

Seen on Debian 12 (strongSwan 5.9.8): ``libstrongswan`` brings aes, sha1/sha2, hmac, gmp (MODP);
the ECP groups and AES-GCM come only from the openssl and gcm plugins of
``libstrongswan-standard-plugins``, a mere Recommends of libstrongswan: without it charon logs
``configured DH group ECP_384 not supported`` and no documented suite negotiates.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

# plan token -> (list-algs section, list-algs name); "dh" is called "ke" from strongSwan 6 on
ENCRYPTION_ALGS = {
    "aes-gcm-256": ("aead", "AES_GCM_16"),
    "aes-gcm-128": ("aead", "AES_GCM_16"),
    "aes-cbc-256": ("encryption", "AES_CBC"),
    "aes-cbc-192": ("encryption", "AES_CBC"),
    "aes-cbc-128": ("encryption", "AES_CBC"),
}
INTEGRITY_ALGS = {
    "sha1": ("integrity", "HMAC_SHA1_96"),
    "sha256": ("integrity", "HMAC_SHA2_256_128"),
    "sha384": ("integrity", "HMAC_SHA2_384_192"),
    "sha512": ("integrity", "HMAC_SHA2_512_256"),
}
PRF_ALGS = {
    "sha1": ("prf", "PRF_HMAC_SHA1"),
    "sha256": ("prf", "PRF_HMAC_SHA2_256"),
    "sha384": ("prf", "PRF_HMAC_SHA2_384"),
    "sha512": ("prf", "PRF_HMAC_SHA2_512"),
}
DH_ALGS = {
    14: ("dh", "MODP_2048"),
    15: ("dh", "MODP_3072"),
    16: ("dh", "MODP_4096"),
    19: ("dh", "ECP_256"),
    20: ("dh", "ECP_384"),
    21: ("dh", "ECP_521"),
    31: ("dh", "CURVE_25519"),
}

# list-algs name -> the plugins that can provide it, each with its Debian package (first = preferred)
STANDARD = "libstrongswan-standard-plugins"
EXTRA = "libstrongswan-extra-plugins"
CORE = "libstrongswan"
PROVIDERS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "AES_GCM_16": (("gcm", STANDARD), ("openssl", STANDARD)),
    "AES_CBC": (("aes", CORE), ("openssl", STANDARD)),
    "CURVE_25519": (("curve25519", EXTRA), ("openssl", STANDARD)),
}
for _name in ("ECP_256", "ECP_384", "ECP_521"):
    PROVIDERS[_name] = (("openssl", STANDARD),)
for _name in ("MODP_2048", "MODP_3072", "MODP_4096"):
    PROVIDERS[_name] = (("gmp", CORE), ("openssl", STANDARD))
for _section, _name in list(INTEGRITY_ALGS.values()) + list(PRF_ALGS.values()):
    PROVIDERS[_name] = (("hmac", CORE), ("openssl", STANDARD))

# plugin -> Debian package (strongSwan 5.9.8, Debian 12), for the plugins the collection and its lab load
PLUGIN_PACKAGES = {
    "openssl": STANDARD, "gcm": STANDARD, "aesni": STANDARD, "agent": STANDARD, "connmark": STANDARD,
    "curve25519": EXTRA, "ccm": EXTRA, "chapoly": EXTRA, "ctr": EXTRA, "cmac": EXTRA, "gcrypt": EXTRA,
    "vici": "strongswan-swanctl", "socket-default": "strongswan-libcharon", "updown": "strongswan-libcharon",
}
for _plugin in ("random", "nonce", "pem", "pkcs1", "pkcs8", "x509", "pubkey", "revocation", "constraints", "aes",
                "sha1", "sha2", "hmac", "gmp", "kdf", "kernel-netlink", "md5", "mgf1", "xcbc", "drbg"):
    PLUGIN_PACKAGES[_plugin] = CORE

_SECTION_ALIASES = {"ke": "dh"}


def missing_plugins(loaded: Iterable[str], wanted: Iterable[str]) -> List[Dict[str, str]]:
    """Plugins of ``wanted`` that charon did not load (``swanctl --stats``: "loaded plugins: ..."),
    each with the package that ships it."""
    have = set(loaded)
    return [{"plugin": p, "package": PLUGIN_PACKAGES.get(p, "a strongSwan plugin package"),
             "message": "strongSwan plugin %s is not loaded: install %s" % (p, PLUGIN_PACKAGES.get(p, "its package"))}
            for p in wanted if p not in have]


def parse_loaded_plugins(stats: str) -> List[str]:
    """``swanctl --stats`` -> the names after "loaded plugins:"."""
    for line in stats.splitlines():
        if line.strip().startswith("loaded plugins:"):
            return line.split(":", 1)[1].split()
    return []


def required_algorithms(ike: Mapping[str, Any], esp: Mapping[str, Any]) -> List[Dict[str, str]]:
    """The algorithms charon must list for this IKE/ESP pair: ``[{section, name, role}]``, unique."""
    wanted: List[Tuple[str, Optional[Tuple[str, str]]]] = [
        ("IKE encryption %s" % ike.get("encryption"), ENCRYPTION_ALGS.get(ike.get("encryption"))),
        ("ESP encryption %s" % esp.get("encryption"), ENCRYPTION_ALGS.get(esp.get("encryption"))),
        ("IKE DH group %s" % ike.get("dh_group"), DH_ALGS.get(ike.get("dh_group"))),
    ]
    if ike.get("integrity"):
        wanted.append(("IKE integrity %s" % ike["integrity"], INTEGRITY_ALGS.get(ike["integrity"])))
    if ike.get("prf"):
        wanted.append(("IKE PRF %s" % ike["prf"], PRF_ALGS.get(ike["prf"])))
    if esp.get("integrity"):
        wanted.append(("ESP integrity %s" % esp["integrity"], INTEGRITY_ALGS.get(esp["integrity"])))
    if esp.get("pfs_group"):
        wanted.append(("ESP PFS group %s" % esp["pfs_group"], DH_ALGS.get(esp["pfs_group"])))
    out: List[Dict[str, str]] = []
    seen: Set[Tuple[str, str]] = set()
    for role, alg in wanted:
        if alg is None:
            raise ValueError("no strongSwan algorithm is known for %s" % role)
        if alg in seen:
            continue
        seen.add(alg)
        out.append({"section": alg[0], "name": alg[1], "role": role})
    return out


_RAW_SECTION = re.compile(r"([a-z-]+) \{([^{}]*)\}")
_PLAIN_SECTION = re.compile(r"^([a-z-]+):\s*$")
_PLAIN_ALG = re.compile(r"^\s+([A-Z0-9_]+)\[([a-z0-9-]+)\]\s*$")


def parse_list_algs(text: str) -> Dict[str, Dict[str, str]]:
    """``swanctl --list-algs`` (plain or ``--raw``) -> ``{section: {name: plugin}}``."""
    algs: Dict[str, Dict[str, str]] = {}
    if "get-algorithms reply" in text or "{" in text:
        for section, body in _RAW_SECTION.findall(text):
            entries = algs.setdefault(_SECTION_ALIASES.get(section, section), {})
            for item in body.split():
                name, _sep, plugin = item.partition("=")
                entries[name] = plugin
        return algs
    section = None
    for line in text.splitlines():
        m = _PLAIN_SECTION.match(line)
        if m:
            section = _SECTION_ALIASES.get(m.group(1), m.group(1))
            algs.setdefault(section, {})
            continue
        m = _PLAIN_ALG.match(line)
        if m and section:
            algs[section][m.group(1)] = m.group(2)
    return algs


def missing_algorithms(available: Mapping[str, Mapping[str, str]], required: Iterable[Mapping[str, str]]) -> List[Dict[str, str]]:
    """The required algorithms charon does not list, each with the package that would provide it."""
    missing = []
    for alg in required:
        if alg["name"] in available.get(alg["section"], {}):
            continue
        providers = PROVIDERS.get(alg["name"], ())
        package = providers[0][1] if providers else "a strongSwan plugin package"
        plugins = ", ".join(p for p, _pkg in providers) or "?"
        missing.append(dict(alg, package=package, plugins=plugins,
                            message="%s (%s) is not offered by charon: install %s (plugin %s) and restart charon"
                            % (alg["role"], alg["name"], package, plugins)))
    return missing
