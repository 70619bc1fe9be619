# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret masking: the one mask and the one "replace every known secret value" of the collection.

Secrets never enter the plan; they travel as ``{tunnel key: {psk, bgp_password}}`` (views.secrets_by_tunnel)
into no_log options only. Where a text could still carry one (a device message, a diff, a result), each
platform masks the secret *fields* of its own syntax first (a pre-shared-key line, a password word, a
``secret =`` line) and then :func:`mask_values` replaces any literal value left. Pure Python, no Ansible import.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

MASK = "********"


def secret_values(secrets: Optional[Dict[str, Any]], min_length: int = 1) -> List[str]:
    """Every secret value of ``{tunnel key: {psk, bgp_password}}``, unique, longest first."""
    values = set()
    for entry in (secrets or {}).values():
        for value in (entry or {}).values() if isinstance(entry, dict) else ():
            if isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) >= min_length:
                values.add(str(value))
    return sorted(values, key=len, reverse=True)


def mask_values(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each value replaced by :data:`MASK` (longest first)."""
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


# ---------------------------------------------------------------------------------------------
# Masking by field: the secret fields of data, and the secret fields of configuration lines
# ---------------------------------------------------------------------------------------------
# keys of data (inputs, results) whose values are secrets, whatever else the data holds
SECRET_KEYS = frozenset(("psk", "bgp_password", "secret", "secrets", "password", "pre_shared_key", "key_string"))

# configuration lines that carry a secret: the value after the keyword (and an optional encryption type) is
# masked, in any form (clear, type 5/6/7/8/9, base64 0s...). Line syntaxes, not words: an address or a name
# that happens to contain a secret is never touched.
import re as _re  # noqa: E402  (kept next to its only users)

_LINE_FIELDS = (
    # key = value files: secret = ..., psk = ...
    _re.compile(r"^(?P<head>\s*(?:secret|psk|password)\s*=\s*)(?P<value>.*?)\s*$"),
    # pre-shared-key [local|remote] [0|6|7] <key>   /   crypto isakmp key [0|6] <key> address ...
    _re.compile(r"^(?P<head>\s*(?:\S+\s+)*?pre-shared-key(?:\s+(?:local|remote))?(?:\s+[0-9])?\s+)(?P<value>\S.*?)\s*$"),
    _re.compile(r"^(?P<head>\s*crypto isakmp key(?:\s+[0-9])?\s+)(?P<value>\S+)(?P<tail>\s+(?:address|hostname)\s.*)?$"),
    # [neighbor X] password [N] <value>, username X password|secret [N] <value>, enable secret|password [N] <value>
    _re.compile(r"^(?P<head>\s*(?:\S+\s+)*?(?:password|secret)(?:\s+[0-9]{1,2})?\s+)(?P<value>(?!encryption\b)\S.*?)\s*$"),
    # key-string, authentication-key, message-digest-key N md5, tacacs/radius 'key'
    _re.compile(r"^(?P<head>\s*(?:\S+\s+)*?(?:key-string|authentication-key|message-digest-key\s+\d+\s+md5)"
                r"(?:\s+[0-9])?\s+)(?P<value>\S.*?)\s*$"),
    _re.compile(r"^(?P<head>\s*(?:(?:tacacs|radius)-server\s+)?key(?:\s+[0-9])?\s+)(?P<value>\S.*?)\s*$"),
    _re.compile(r"^(?P<head>\s*snmp-server community\s+)(?P<value>\S+)(?P<tail>.*)$"),
)


def mask_secret_lines(text: str) -> str:
    """``text`` with the secret field of every configuration line that carries one masked (by syntax)."""
    if not text:
        return text
    out = []
    for line in str(text).split("\n"):
        cr = "\r" if line.endswith("\r") else ""
        body = line[:-1] if cr else line
        for rx in _LINE_FIELDS:
            m = rx.match(body)
            if m and m.group("value") and m.group("value") != MASK:
                tail = m.groupdict().get("tail") or ""
                body = m.group("head") + MASK + tail
                break
        out.append(body + cr)
    return "\n".join(out)


def mask_fields(data: Any) -> Any:
    """A copy of ``data`` (dicts, lists, scalars) with the value of every key of :data:`SECRET_KEYS` masked."""
    if isinstance(data, dict):
        return dict((k, (MASK if data[k] not in (None, "", False, True) else data[k])
                     if isinstance(k, str) and k.lower() in SECRET_KEYS and not isinstance(data[k], (dict, list))
                     else mask_fields(data[k])) for k in data)
    if isinstance(data, list):
        return [mask_fields(x) for x in data]
    return data


# ---------------------------------------------------------------------------------------------
# Secrets handed to a module: Ansible masks the values of a no_log option by substring replacement over the
# whole result (a PSK '198.51.100' would turn 'set peer 198.51.100.6' into 'set peer ********.6'). Encoded,
# the values Ansible looks for never occur in any output; the module decodes them and masks by field itself.
# ---------------------------------------------------------------------------------------------
ENCODED_PREFIX = "vc-b64:"


def encode_secrets(secrets: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``{tunnel key: {field: value}}`` with every string value as ``vc-b64:<base64>``."""
    import base64

    out: Dict[str, Any] = {}
    for key, entry in (secrets or {}).items():
        if not isinstance(entry, dict):
            out[key] = entry
            continue
        out[key] = dict((f, ENCODED_PREFIX + base64.b64encode(v.encode("utf-8")).decode("ascii")
                         if isinstance(v, str) and v and not v.startswith(ENCODED_PREFIX) else v)
                        for f, v in entry.items())
    return out


def decode_secrets(secrets: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The inverse of :func:`encode_secrets`; plain values are returned as they are."""
    import base64

    out: Dict[str, Any] = {}
    for key, entry in (secrets or {}).items():
        if not isinstance(entry, dict):
            out[key] = entry
            continue
        out[key] = dict((f, base64.b64decode(v[len(ENCODED_PREFIX):].encode("ascii")).decode("utf-8")
                         if isinstance(v, str) and v.startswith(ENCODED_PREFIX) else v)
                        for f, v in entry.items())
    return out
