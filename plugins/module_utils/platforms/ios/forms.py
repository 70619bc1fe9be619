# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalized IOS-XE forms: the single source of truth for how VC config looks on a router.

Everything that depends on IOS-XE's *printing* of the configuration lives here, so that the
renderer, the running-config parser, the diff engine, the test applier and the SSH test double
all agree (IOSXE-NOTES.md, "Normalized show running-config forms"):

* object names (``VC-`` prefix, derived from the plan's tunnel ``name`` token);
* the exact lines we type, which are also the lines ``show running-config`` prints back
  (after trailing spaces are stripped), except for the documented rewrites in
  :func:`printed_form`;
* secret lines (PSK, BGP password): recognised in their type 0/6/7 forms, compared by presence;
* which settings are single-valued (re-entering overrides, so no ``no`` line is sent first);
* hidden defaults that IOS never prints (so we never type them: they would never compare equal).

Pure Python, no Ansible imports; Python 3.8 syntax.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from ...plan.secrets import MASK  # noqa: F401  (forms.MASK: the one mask)

VC_PREFIX = "VC-"
DEFAULT_CRYPTO_MAP = "VC-CMAP"
KEYRING = "VC-KEYRING"
REDISTRIBUTION_KEY = "redistribution"   # the marker key of the hand-over prefix list (not a tunnel key)
CORE_DESCRIPTION = "VC-CORE"           # iBGP neighbours of the customer core (redistribution, docs/ha.md)
IKEV2_POLICY = "VC-POLICY"

FEATURES = ("ipsec", "gre", "mtu", "bgp", "ha")

# Hidden defaults: IOS-XE does not print these values, so typing them breaks idempotency.
DEFAULT_IKEV2_LIFETIME_S = 86400     # crypto ikev2 profile: lifetime
DEFAULT_IPSEC_LIFETIME_S = 3600      # crypto map: set security-association lifetime seconds
DEFAULT_TUNNEL_TTL = 255             # interface Tunnel: tunnel ttl
DEFAULT_TUNNEL_MODE = "gre ip"       # interface Tunnel: tunnel mode
MAX_CRYPTO_MAP_SEQ = 65535

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
_ENC_TOKEN = {
    "aes-gcm-256": "GCM256", "aes-gcm-128": "GCM128",
    "aes-cbc-256": "CBC256", "aes-cbc-192": "CBC192", "aes-cbc-128": "CBC128",
}
_ESP_ENC = {
    "aes-gcm-256": "esp-gcm 256", "aes-gcm-128": "esp-gcm",
    "aes-cbc-256": "esp-aes 256", "aes-cbc-192": "esp-aes 192", "aes-cbc-128": "esp-aes",
}
_ESP_INTEG = {
    "sha1": "esp-sha-hmac", "sha256": "esp-sha256-hmac",
    "sha384": "esp-sha384-hmac", "sha512": "esp-sha512-hmac",
}


def _tok(value):
    return str(value).upper().replace("_", "-")


def object_name(tunnel_name: str) -> str:
    """Per-tunnel object name: ``VC-US-EAST-A`` (IKEv2 profile, keyring peer, route name)."""
    return VC_PREFIX + _tok(tunnel_name)


def acl_name(tunnel_name: str) -> str:
    return VC_PREFIX + "GRE-" + _tok(tunnel_name)


def prefix_list_in(tunnel_name: str) -> str:
    return VC_PREFIX + "IN-" + _tok(tunnel_name)


def prefix_list_out(tunnel_name: str) -> str:
    return VC_PREFIX + "OUT-" + _tok(tunnel_name)


def proposal_name(ike: Dict) -> str:
    """IKEv2 proposal name derived from its contents (stable: same suite, same name)."""
    parts = [VC_PREFIX + "PROP", _ENC_TOKEN.get(ike["encryption"], _tok(ike["encryption"]))]
    if ike.get("integrity"):
        parts.append(_tok(ike["integrity"]))
    parts.append("PRF" + _tok(ike["prf"]))
    parts.append("G%s" % ike["dh_group"])
    return "-".join(parts)


def transform_set_name(esp: Dict) -> str:
    parts = [VC_PREFIX + "TS", _ENC_TOKEN.get(esp["encryption"], _tok(esp["encryption"]))]
    if esp.get("integrity"):
        parts.append(_tok(esp["integrity"]))
    return "-".join(parts)


def is_vc_name(name: Optional[str]) -> bool:
    """A name of the ``VC-`` form. Never ownership on its own (docs/ownership.md): an object is ours when the
    plan names it and it carries :func:`marker` (or, for the kinds IOS-XE cannot describe, a marked object
    of ours depends on it)."""
    return bool(name) and str(name).startswith(VC_PREFIX)


# ---------------------------------------------------------------------------------------------
# Ownership markers (docs/ownership.md): the collection and the plan tunnel key, in IOS-XE's own syntax
# (a description or an ACL remark); typed by whichever feature creates the object.
# ---------------------------------------------------------------------------------------------
COLLECTION = "webex_di.virtual_connect"
_MARKER_RX = re.compile(r"(?:^|\s)webex_di\.virtual_connect:(\S+)")
_MARKER_LINE_RX = re.compile(r"^(?:\d+ )?(?:description|remark) (.*)$")
_NEIGHBOR_MARKER_RX = re.compile(r"^neighbor (\S+) description (.*)$")
_PREFIX_LIST_MARKER_RX = re.compile(r"^ip prefix-list (\S+) description (.*)$")


def marker(key: str) -> str:
    """``webex_di.virtual_connect:<tunnel key>``: what a description or remark of ours carries."""
    return "%s:%s" % (COLLECTION, key)


def marker_key(text: Optional[str]) -> Optional[str]:
    """The tunnel key of the marker in a description/remark text, else None."""
    m = _MARKER_RX.search(text or "")
    return m.group(1) if m else None


def block_marker(lines: List[str]) -> Optional[str]:
    """The tunnel key marked on a block (its ``description`` or ACL ``remark`` lines), else None."""
    for line in lines:
        m = _MARKER_LINE_RX.match(line.strip())
        if m and marker_key(m.group(1)):
            return marker_key(m.group(1))
    return None


def neighbor_markers(lines: List[str]) -> Dict[str, str]:
    """BGP neighbour address -> tunnel key, for the neighbours whose description carries our marker."""
    out = {}
    for line in lines:
        m = _NEIGHBOR_MARKER_RX.match(line.strip())
        if m and marker_key(m.group(2)):
            out[m.group(1)] = marker_key(m.group(2))
    return out


def prefix_list_marker(line: str) -> Optional[Tuple[str, str]]:
    """``(prefix-list name, tunnel key)`` of an ``ip prefix-list X description <marker>`` line, else None."""
    m = _PREFIX_LIST_MARKER_RX.match(line.strip())
    if m and marker_key(m.group(2)):
        return m.group(1), marker_key(m.group(2))
    return None


def description(tunnel: Dict) -> str:
    """Tunnel interface description; the marker at its end marks the interface as ours."""
    return "%s Webex DI Virtual Connect DC-%s %s %s" % (
        object_name(tunnel["name"]), tunnel["datacenter"], tunnel["region"], marker(tunnel["key"]))


# ---------------------------------------------------------------------------------------------
# Lines (typed form == printed form after rstrip, unless printed_form() says otherwise)
# ---------------------------------------------------------------------------------------------
def esp_transforms(esp: Dict) -> str:
    words = [_ESP_ENC[esp["encryption"]]]
    if esp.get("integrity") and "gcm" not in esp["encryption"]:
        words.append(_ESP_INTEG[esp["integrity"]])
    return " ".join(words)


def transform_set_header(name: str, esp: Dict) -> str:
    return "crypto ipsec transform-set %s %s" % (name, esp_transforms(esp))


def crypto_map_header(map_name: str, seq: int) -> str:
    return "crypto map %s %s ipsec-isakmp" % (map_name, seq)


def wildcard_free_mask(prefixlen: int) -> str:
    bits = (0xFFFFFFFF << (32 - int(prefixlen))) & 0xFFFFFFFF
    return ".".join(str((bits >> s) & 0xFF) for s in (24, 16, 8, 0))


def split_cidr(cidr: str) -> Tuple[str, int]:
    addr, _sep, plen = cidr.partition("/")
    return addr, int(plen or 32)


def prefix_list_line(name: str, seq: int, action: str, prefix: str) -> str:
    return "ip prefix-list %s seq %d %s %s" % (name, seq, action, prefix)


def static_route_line(prefix_ip: str, next_hop: str, name: str) -> str:
    return "ip route %s 255.255.255.255 %s name %s" % (prefix_ip, next_hop, name)


# Lines that IOS-XE prints with one trailing space (strip before comparing; the double adds it).
_TRAILING_SPACE = (
    re.compile(r"^crypto ipsec transform-set \S+ .+$"),
    re.compile(r"^crypto map \S+ \d+ ipsec-isakmp$"),
    re.compile(r"^ *set transform-set .+$"),
)


def normalize(line: str) -> str:
    """What we compare: trailing whitespace removed (indentation kept by the caller)."""
    return line.rstrip()


def printed_form(line: str, context: Tuple[str, ...] = (), acl_seq: Optional[int] = None,
                 password_encryption: bool = False, aes_encryption: bool = False) -> str:
    """The line as ``show running-config`` prints it after it was typed in ``context``.

    ``context`` is the tuple of parent headers (without indentation). Secrets are given a fake
    encrypted form when the router encrypts them (type 6 with ``password encryption aes``, type 7
    with ``service password-encryption``); the exact ciphertext is irrelevant (compared by
    presence). Used by the test applier and the SSH test double.
    """
    text = line.strip()
    parent = context[-1] if context else ""
    m = re.match(r"^match identity remote address (\S+)$", text)
    if m and parent.startswith("crypto ikev2 profile"):
        text = "match identity remote address %s 255.255.255.255" % m.group(1)
    if text == "keepalive" and parent.startswith("interface"):
        text = "keepalive 10 3"
    if text == "address-family ipv4 unicast":
        text = "address-family ipv4"
    if acl_seq is not None and parent.startswith("ip access-list extended") \
            and re.match(r"^(permit|deny|remark) ", text):
        text = "%d %s" % (acl_seq, text)
    sk = secret_key(text)
    if sk is not None and secret_type(text) == 0:
        value = secret_value(text)
        if sk.startswith("pre-shared-key") and aes_encryption:
            text = "%s 6 %s" % (sk, _fake_cipher(value, 6))
        elif sk.startswith("neighbor ") and password_encryption:
            text = "%s 7 %s" % (sk, _fake_cipher(value, 7))
        elif sk.startswith("pre-shared-key") and password_encryption and not aes_encryption:
            text = "%s 7 %s" % (sk, _fake_cipher(value, 7))
    for rx in _TRAILING_SPACE:
        if rx.match(text):
            text = text + " "
            break
    return text


def _fake_cipher(value: str, kind: int) -> str:
    import hashlib
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest().upper()
    return ("0" + "8" + digest[:len(value) * 2]) if kind == 7 else (digest[:40] + "AAB")


# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------
_SECRET_RX = (
    re.compile(r"^(?P<key>pre-shared-key(?: local| remote)?) (?:(?P<type>[067]) )?(?P<value>\S.*)$"),
    re.compile(r"^(?P<key>neighbor \S+ password) (?:(?P<type>[067]) )?(?P<value>\S.*)$"),
)


def _secret_match(line: str):
    text = line.strip()
    for rx in _SECRET_RX:
        m = rx.match(text)
        if m:
            return m
    return None


def secret_key(line: str) -> Optional[str]:
    """``pre-shared-key`` / ``neighbor X password`` for a secret line, else None."""
    m = _secret_match(line)
    return m.group("key") if m else None


def secret_type(line: str) -> int:
    m = _secret_match(line)
    return int(m.group("type") or 0) if m else 0


def secret_value(line: str) -> Optional[str]:
    m = _secret_match(line)
    return m.group("value") if m else None


def mask(line: str) -> str:
    """Replace a secret's value (any type) by ``********``; other lines unchanged."""
    m = _secret_match(line)
    if not m:
        return line
    indent = line[:len(line) - len(line.lstrip())]
    return "%s%s %s" % (indent, m.group("key"), MASK)


# ---------------------------------------------------------------------------------------------
# Single-valued settings: entering a new value replaces the old one, and `no <old line>` would
# remove the setting altogether (e.g. `no neighbor X remote-as` deletes the neighbour), so the
# diff never sends `no` for a single-valued line whose key it is setting anew.
# ---------------------------------------------------------------------------------------------
_SINGLE_VALUED = [
    re.compile(r"^(description) "),
    re.compile(r"^(ip address) \S+ \S+$"),
    re.compile(r"^(ip mtu) "),
    re.compile(r"^(ip tcp adjust-mss) "),
    re.compile(r"^(keepalive)\b"),
    re.compile(r"^(tunnel source) "),
    re.compile(r"^(tunnel destination) "),
    re.compile(r"^(tunnel mode) "),
    re.compile(r"^(bfd interval) "),
    re.compile(r"^(crypto map) \S+$"),          # interface: one crypto map per interface
    re.compile(r"^(set transform-set) "),
    re.compile(r"^(set pfs)\b"),
    re.compile(r"^(set ikev2-profile) "),
    re.compile(r"^(set security-association lifetime seconds) "),
    re.compile(r"^(match address) \S+$"),
    re.compile(r"^(reverse-route)\b"),
    re.compile(r"^(set reverse-route tag) "),
    re.compile(r"^(address) \S+"),              # keyring peer
    re.compile(r"^(identity local address) "),
    re.compile(r"^(dpd) "),
    re.compile(r"^(lifetime) "),
    re.compile(r"^(keyring local) "),
    re.compile(r"^(bgp router-id) "),
    re.compile(r"^(neighbor \S+ remote-as) "),
    re.compile(r"^(neighbor \S+ local-as)\b"),
    re.compile(r"^(neighbor \S+ description) "),
    re.compile(r"^(neighbor \S+ timers) "),
    re.compile(r"^(neighbor \S+ ebgp-multihop)\b"),
    re.compile(r"^(neighbor \S+ default-originate)\b"),   # with or without route-map: one per neighbour
    re.compile(r"^(neighbor \S+ prefix-list) \S+ (in|out)$"),
    re.compile(r"^(neighbor \S+ route-map) \S+ (in|out)$"),
    re.compile(r"^(redistribute bgp \d+)\b"),       # router ospf: one redistribution per source AS
    re.compile(r"^(set metric) \d+$"),
    re.compile(r"^(set metric-type) "),
    re.compile(r"^(set tag) "),
]


def setting_key(line: str) -> Optional[str]:
    """Key of a single-valued setting (e.g. ``neighbor 1.2.3.4 remote-as``), else None."""
    text = line.strip()
    sk = secret_key(text)
    if sk:
        return sk
    for rx in _SINGLE_VALUED:
        m = rx.match(text)
        if m:
            return " ".join(g for g in m.groups() if g)
    return None


def no_form(line: str) -> str:
    """The command that removes ``line``. Secrets are removed by key (value never repeated)."""
    text = line.strip()
    sk = secret_key(text)
    if sk:
        return "no " + sk
    m = re.match(r"^\d+ ((?:permit|deny|remark) .*)$", text)   # numbered ACL entry
    if m:
        return "no " + m.group(1)
    m = re.match(r"^(neighbor \S+ local-as)\b", text)
    if m:
        return "no " + m.group(1)
    if text.startswith("no "):
        return text[3:]
    return "no " + text


def no_header(header: str) -> str:
    """The command that removes a whole block."""
    m = re.match(r"^crypto ipsec transform-set (\S+) ", header)
    if m:
        return "no crypto ipsec transform-set %s" % m.group(1)
    m = CRYPTO_MAP_ENTRY_RX.match(header)
    if m:
        return "no crypto map %s %s" % (m.group(1), m.group(2))
    return "no " + header


def strip_acl_seq(line: str) -> str:
    """ACL entries print with a sequence number (`10 permit gre ...`); compare without it."""
    m = re.match(r"^\d+ ((?:permit|deny|remark) .*)$", line.strip())
    return m.group(1) if m else line.strip()


def compare_form(line: str, parent: str = "") -> str:
    """Normalized comparison form of a config line inside ``parent``."""
    text = normalize(line).strip()
    if parent.startswith("ip access-list "):
        text = strip_acl_seq(text)
    if text == "address-family ipv4 unicast":
        text = "address-family ipv4"
    if parent.startswith("router ospf ") and text.startswith("redistribute "):
        text = re.sub(r" subnets\b", "", text)   # IOS-XE 16+ redistributes subnets always and may not print it
    return text


# ---------------------------------------------------------------------------------------------
# Classification of running lines into features (which role owns which line)
# ---------------------------------------------------------------------------------------------
_TUNNEL_FEATURE = (
    (re.compile(r"^(ip mtu|ip tcp adjust-mss|tunnel path-mtu-discovery)\b"), "mtu"),
    (re.compile(r"^bfd "), "bgp"),
)


def line_feature(block_kind: str, line: str) -> str:
    """Which feature (role) owns ``line`` inside a block of kind ``block_kind``."""
    text = line.strip()
    if block_kind == "tunnel":
        for rx, feature in _TUNNEL_FEATURE:
            if rx.match(text):
                return feature
        return "gre"
    if block_kind == "cmap_entry":
        return "ha" if text.startswith(("reverse-route", "set reverse-route")) else "ipsec"
    if block_kind in ("bgp", "bgp_af", "prefix_list", "route_map", "ospf"):
        return "bgp"
    if block_kind == "route":
        return "gre"
    return "ipsec"


# ---------------------------------------------------------------------------------------------
# Headers we recognise as VC objects in a running config
# ---------------------------------------------------------------------------------------------
VC_OBJECT_HEADERS = (
    ("acl", re.compile(r"^ip access-list extended (VC-\S+)$")),
    ("proposal", re.compile(r"^crypto ikev2 proposal (VC-\S+)$")),
    ("policy", re.compile(r"^crypto ikev2 policy (VC-\S+)$")),
    ("keyring", re.compile(r"^crypto ikev2 keyring (VC-\S+)$")),
    ("profile", re.compile(r"^crypto ikev2 profile (VC-\S+)$")),
    ("transform_set", re.compile(r"^crypto ipsec transform-set (VC-\S+) .*$")),
)
CRYPTO_MAP_ENTRY_RX = re.compile(r"^crypto map (\S+) (\d+) ipsec-isakmp(?: dynamic \S+)?$")
INTERFACE_RX = re.compile(r"^interface (\S+)$")
ROUTER_BGP_RX = re.compile(r"^router bgp (\S+)$")
ROUTER_OSPF_RX = re.compile(r"^router ospf (\d+)$")
ROUTE_MAP_RX = re.compile(r"^route-map (\S+) (permit|deny) (\d+)$")


def redistribute_bgp(line: str) -> Optional[Tuple[str, Optional[str]]]:
    """``redistribute bgp <asn> [...] [route-map <name>] [...]`` (router ospf) -> (asn, route-map name or None)."""
    words = line.strip().split()
    if words[:2] != ["redistribute", "bgp"] or len(words) < 3:
        return None
    rmap = words[words.index("route-map") + 1] if "route-map" in words[:-1] else None
    return words[2], rmap


PREFIX_LIST_RX = re.compile(r"^ip prefix-list (\S+) seq (\d+) (permit|deny) (\S+)(.*)$")
STATIC_ROUTE_RX = re.compile(r"^ip route (\S+) (\S+) (.+?)(?: name (\S+))?$")


def interface_crypto_map(lines: List[str]) -> Optional[str]:
    """Name of the crypto map applied in an interface block, if any."""
    for line in lines:
        m = re.match(r"^crypto map (\S+)$", line.strip())
        if m:
            return m.group(1)
    return None
