# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE rules of the plan phase: what the plan may hold but an IOS-XE CPE cannot carry.

Called by the plan core through the registry (``Platform.validate``) for every IOS-XE CPE, so that a
failing rule stops the run before any device is touched. Returns ``(severity, code, path, message)``;
the codes are listed in ``FINDINGS`` (docs/findings.md, "Platform rules"). The same checks run again in
vc_ios_config before anything is typed (:func:`setting_problems`, :func:`secret_problems`): a module
called without the plan phase types nothing the plan phase would refuse.

``SETTING_RULES`` / ``SECRET_RULES`` are the tables field -> (code, grammar rule): a new host variable or
secret that reaches an IOS-XE line gets a line here (rules in plan/grammar.py).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import forms
from ...plan import grammar

ERROR = "error"

# IOS-XE's own token rules (plan/grammar.py holds the generic ones)
RULES: Dict[str, str] = {
    "ios_interface": "an IOS-XE interface name such as GigabitEthernet1, GigabitEthernet0/0/1.100, Dialer1 or "
                     "Port-channel1",
    "ios_name": "an IOS-XE object name: 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter "
                "or digit",
    "ios_psk": "IOS-XE types 'pre-shared-key <key>': the key must not start with an encryption type or keyword "
               "('0 ', '6 ', '7 ', 'local', 'remote'), nor contain '?' (CLI help)",
    "ios_bgp_password": "IOS-XE types 'neighbor X password <password>': at most 80 characters, not starting with a "
                        "digit (IOS reads '<digit> ' as an encryption type), no '?' (CLI help)",
}
RULES.update(grammar.RULES)
_INTERFACE = re.compile(r"^[A-Za-z][A-Za-z-]*[0-9]+(/[0-9]+)*(\.[0-9]+)?(:[0-9]+)?\Z")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_SECRET_KEYWORD = re.compile(r"^(?:[0-9]+ |(?:local|remote)(?: |\Z))", re.IGNORECASE)


def _secret_problem(value: Any, bgp: bool) -> Optional[str]:
    problem = grammar.psk_problem(value)
    if problem:
        return problem
    if "?" in value:
        return "contains '?', which the IOS-XE CLI takes as a help request (the line would be cut there)"
    if bgp:
        if len(value) > grammar.MAX_TCP_MD5:
            return "is %d characters long, IOS-XE takes at most %d" % (len(value), grammar.MAX_TCP_MD5)
        if value[0].isdigit():
            return "starts with a digit: IOS-XE reads a leading '<digit> ' as an encryption type and refuses a " \
                   "password starting with a digit; start it with a letter or symbol"
        return None
    m = _SECRET_KEYWORD.match(value)
    if m:
        word = m.group(0).strip()
        return "starts with %s, which IOS-XE reads as %s of 'pre-shared-key' (the key would change meaning); " \
               "start it with another word" % ("a number and a blank" if word.isdigit() else repr(word),
                                               "an encryption type" if word.isdigit() else "a keyword")
    return None


CHECKS = {
    "ios_interface": lambda v: grammar.pattern_problem(v, _INTERFACE, RULES["ios_interface"]),
    "ios_name": lambda v: grammar.pattern_problem(v, _NAME, RULES["ios_name"]),
    "ios_psk": lambda v: _secret_problem(v, bgp=False),
    "ios_bgp_password": lambda v: _secret_problem(v, bgp=True),
}

FINDINGS: Dict[str, Tuple[str, str]] = {
    "ios.crypto_map_name": (ERROR, "IOS-XE: vc_crypto_map_name is " + RULES["ios_name"]),
    "ios.tunnel_number": (ERROR, "IOS-XE: the tunnel number is also the crypto map sequence number, 1-65535"),
    "ios.wan_interface": (ERROR, "IOS-XE: vc_wan_interface is " + RULES["ios_interface"]),
    "ios.wan_next_hop": (ERROR, "IOS-XE: vc_wan_next_hop is " + grammar.RULES["ipv4"]),
    "ios.psk": (ERROR, "IOS-XE: " + RULES["ios_psk"]),
    "ios.bgp_password": (ERROR, "IOS-XE: " + RULES["ios_bgp_password"]),
}

# per-CPE setting (plan cpes.<host>.<key>, host variable vc_<key>) -> (finding code, grammar rule)
SETTING_RULES: Dict[str, Tuple[str, str]] = {
    "wan_interface": ("ios.wan_interface", "ios_interface"),
    "wan_next_hop": ("ios.wan_next_hop", "ipv4"),
    "crypto_map_name": ("ios.crypto_map_name", "ios_name"),
}
# secret field of a tunnel -> (finding code, grammar rule)
SECRET_RULES: Dict[str, Tuple[str, str]] = {
    "psk": ("ios.psk", "ios_psk"),
    "bgp_password": ("ios.bgp_password", "ios_bgp_password"),
}


def crypto_map_name_problem(name: Any) -> Optional[str]:
    """Why ``name`` cannot be a crypto map name (None: it can, or none is given)."""
    if name is None:
        return None
    problem = grammar.check("ios_name", name, CHECKS)
    return "crypto_map_name %s (a crypto map name is %s)" % (problem, RULES["ios_name"]) if problem else None


def setting_problems(settings: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    """``(code, key, message)`` for each setting of ``settings`` that IOS-XE cannot carry (None/'' = unset)."""
    out = []
    for key, (code, rule) in SETTING_RULES.items():
        value = settings.get(key)
        if value is None or value == "":
            continue
        problem = grammar.check(rule, value, CHECKS)
        if problem:
            out.append((code, key, "vc_%s %s; it must be %s" % (key, problem, RULES[rule])))
    return out


def secret_problems(tkey: str, entry: Dict[str, Any], generic: bool = True) -> List[Tuple[str, str, str]]:
    """``(code, field, message)`` for each secret of one tunnel IOS-XE would read differently (never the value)."""
    return grammar.secret_problems(SECRET_RULES, CHECKS, tkey, entry, generic)


def validate(host: str, cpe: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], settings: Dict[str, Any],
             secrets: Dict[str, Dict[str, Any]], paths: Dict[str, str]) -> List[Tuple[str, str, str, str]]:
    out: List[Tuple[str, str, str, str]] = []
    for code, key, message in setting_problems(settings):
        out.append((ERROR, code, "cpes.%s.%s" % (host, key), message))
    for t in tunnels:
        path = paths.get(t["key"], "cpes.%s" % host)
        seq = int(t["tunnel_number"])
        if seq > forms.MAX_CRYPTO_MAP_SEQ:
            out.append((ERROR, "ios.tunnel_number", "%s.cpe.tunnel_number" % path,
                        "tunnel %s: tunnel number %d cannot be a crypto map sequence number (1-%d) on %s; set "
                        "cpe.tunnel_number" % (t["key"], seq, forms.MAX_CRYPTO_MAP_SEQ, host)))
        for code, field, message in secret_problems(t["key"], secrets.get(t["key"]) or {}, generic=False):
            out.append((ERROR, code, "%s.%s" % (path, field), message))
    return out
