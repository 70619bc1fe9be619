# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The grammar of every value that reaches a device line or file, checked in the plan phase.

One table of rules (:data:`RULES`, rule name -> what it accepts, and :data:`CHECKS`, rule name -> the function
that says why a value breaks it, ``None``: it does not). The plan core and each platform's ``validate.py``
name the rule a field must follow in a table of field -> rule, so a new field only needs a line in such a
table; the apply modules call the same functions again before they type anything (defence in depth: a
module can be called without the plan phase).

Every rule starts with :func:`text_problem`: a value that reaches a device must be a string of printable
ASCII - no newline, carriage return, tab, NUL or other control character, no Unicode (look-alike letters,
zero-width or bidi characters): a newline in a value would start a new configuration command.
Platform token rules (interface and object names, what a CLI parser reads as a keyword) live in the
platform's validate.py and build on :func:`text_problem` / :func:`pattern_problem`.
Secrets are checked with the same functions; their messages never quote the value.
Pure Python, no Ansible import.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

RULES: Dict[str, str] = {
    "text": "printable ASCII on one line: no newline, carriage return, tab or other control character, no Unicode",
    "word": "one word of letters, digits, '.', '_', ':', '/' or '-' (no blank)",
    "ipv4": "an IPv4 address a.b.c.d",
    "psk": "a pre-shared key: 1-128 characters of printable ASCII (blank allowed inside), no leading or trailing blank",
    "one_word_secret": "a secret of one word (no blank), at most 80 bytes (the TCP-MD5 key limit, RFC 2385)",
}

_WORD = re.compile(r"^[A-Za-z0-9._:/-]+\Z")
MAX_PSK = 128
MAX_TCP_MD5 = 80        # TCP-MD5 keys (RFC 2385): 80 bytes in common stacks


def _what(value: Any, secret: bool) -> str:
    return "the value (not printed)" if secret else repr(value)


def text_problem(value: Any, secret: bool = False, allow_blank: bool = True) -> Optional[str]:
    """Why ``value`` cannot be part of a device line (None: it can). Rule ``text``."""
    if not isinstance(value, str):
        return "must be a string, got %s" % type(value).__name__
    if value == "":
        return "must not be empty"
    for i, ch in enumerate(value):
        code = ord(ch)
        if ch == "\n" or ch == "\r":
            return "contains a line break at character %d: it would start a new device command" % (i + 1)
        if code < 0x20 or code == 0x7F:
            return "contains the control character U+%04X at character %d" % (code, i + 1)
        if code > 0x7E:
            return "contains the non-ASCII character U+%04X at character %d (look-alike, zero-width or bidi " \
                   "characters are refused)" % (code, i + 1)
    if value != value.strip():
        return "has a leading or trailing blank"
    if not allow_blank and " " in value:
        return "must be one word, %s contains a blank" % _what(value, secret)
    return None


def pattern_problem(value: Any, pattern: Any, rule: str, max_length: int = 64) -> Optional[str]:
    """Why ``value`` is not one word matching ``pattern`` (compiled, anchored with ``\\Z``): the base of a
    platform's own token rules (interface names, object names); ``rule`` says in words what is accepted."""
    problem = text_problem(value, allow_blank=False)
    if problem:
        return problem
    if len(value) > max_length:
        return "is %d characters long, at most %d" % (len(value), max_length)
    if not pattern.match(value):
        return "%r is not %s" % (value, rule)
    return None


def word_problem(value: Any) -> Optional[str]:
    """Rule ``word``."""
    return pattern_problem(value, _WORD, RULES["word"])


def ipv4_problem(value: Any) -> Optional[str]:
    """Rule ``ipv4`` (strict dotted quad, the same parser as the plan's addresses)."""
    from .addressing import AddressError, ip_to_int

    problem = text_problem(value, allow_blank=False)
    if problem:
        return problem
    try:
        ip_to_int(value)
    except AddressError as exc:
        return exc.message
    return None


def psk_problem(value: Any) -> Optional[str]:
    """Rule ``psk``: what every platform can carry (the Cisco side types the same key)."""
    problem = text_problem(value, secret=True)
    if problem:
        return problem
    if len(value) > MAX_PSK:
        return "is %d characters long, at most %d" % (len(value), MAX_PSK)
    return None


def one_word_secret_problem(value: Any) -> Optional[str]:
    """Rule ``one_word_secret`` (a BGP password used as a TCP-MD5 key, typed as one word)."""
    if not isinstance(value, str) or text_problem(value, secret=True):
        return text_problem(value, secret=True)
    if any(ch.isspace() for ch in value):
        return "contains whitespace: it must be one word"
    if len(value.encode("utf-8")) > MAX_TCP_MD5:
        return "is %d bytes long, TCP-MD5 allows at most %d" % (len(value.encode("utf-8")), MAX_TCP_MD5)
    return None


CHECKS: Dict[str, Callable[[Any], Optional[str]]] = {
    "text": text_problem,
    "word": word_problem,
    "ipv4": ipv4_problem,
    "psk": psk_problem,
    "one_word_secret": one_word_secret_problem,
}


def check(rule: str, value: Any, rules: Optional[Dict[str, Callable[[Any], Optional[str]]]] = None) -> Optional[str]:
    """Why ``value`` breaks ``rule`` (a key of :data:`CHECKS` or of a platform's own ``rules``), or None."""
    return ((rules or {}).get(rule) or CHECKS[rule])(value)


def object_token(label: str) -> str:
    """How a region label appears in device object names (upper case, each run of other characters one
    '-'): two labels with the same token would name the same objects (``us-east`` and ``US_East``)."""
    return re.sub(r"[^A-Z0-9]+", "-", str(label).upper()).strip("-")


def secret_problems(rules: Dict[str, Tuple[str, str]], checks: Dict[str, Callable[[Any], Optional[str]]], tkey: str,
                    entry: Dict[str, Any], generic: bool = True) -> List[Tuple[str, str, str]]:
    """``(code, field, message)`` for each secret of one tunnel that breaks a platform's rule (``rules``: field ->
    (code, rule name), ``checks``: the platform's own rule functions); never the value. ``generic=False`` (the plan
    phase) skips a value the core's own PSK rule refuses already."""
    out = []
    for field, (code, rule) in rules.items():
        value = (entry or {}).get(field)
        if value is None or value == "" or (not generic and psk_problem(value)):
            continue
        problem = check(rule, value, checks)
        if problem:
            out.append((code, field, "tunnel %s: %s %s (the value is never printed)" % (tkey, field, problem)))
    return out
