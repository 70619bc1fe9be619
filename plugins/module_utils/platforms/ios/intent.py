# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Intent model: the VC config a CPE should carry, as ordered blocks of normalized lines.

A :class:`Block` is either an object that is entirely ours (``owned=True``: VC-named crypto
objects, our tunnel interfaces, crypto map entries; stale lines inside get ``no``) or a shared
section (``owned=False``: the WAN interface, ``router bgp``, its ``address-family ipv4``) where
only the lines matched by ``own_rx`` are ours. ``header=None`` holds top-level lines (prefix
lists, static routes) whose ownership is also given by ``own_rx``.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from . import forms

# Forward (apply) order of block kinds; removals of whole objects run in the reverse order.
KIND_ORDER = {
    "acl": 10, "proposal": 20, "policy": 30, "keyring": 40, "profile": 50, "transform_set": 60,
    "cmap_entry": 70, "route": 80, "wan": 90, "tunnel": 100, "prefix_list": 110, "route_map": 115, "bgp": 120,
    "ospf": 130,
}


class Line(object):
    """One intended line. ``on_create``: only typed when the block is created (never compared).

    ``marker``: the line that marks its block as Virtual Connect's (a tunnel interface's ``description
    VC-...``, a crypto map entry's ``match address VC-...``): whichever feature creates or first writes
    into the block types it too, so that any later run recognises the object as ours. ``tunnel``: the
    plan tunnel key the line belongs to (None: shared by every tunnel of the CPE)."""

    __slots__ = ("text", "feature", "on_create", "marker", "tunnel")

    def __init__(self, text: str, feature: str, on_create: bool = False, marker: bool = False,
                 tunnel: Optional[str] = None):
        self.text = text
        self.feature = feature
        self.on_create = on_create
        self.marker = marker
        self.tunnel = tunnel

    def __repr__(self):  # pragma: no cover
        return "Line(%r, %s)" % (forms.mask(self.text), self.feature)


class Block(object):
    """``tunnel``: the plan tunnel key of a per-tunnel object (None: shared, e.g. ``router bgp``)."""

    __slots__ = ("header", "kind", "lines", "children", "owned", "own_rx", "exit", "key", "tunnel")

    def __init__(self, header: Optional[str], kind: str, owned: bool = True,
                 own_rx: Optional[str] = None, exit: Optional[str] = None, key: Optional[str] = None,
                 tunnel: Optional[str] = None):
        self.header = header
        self.kind = kind
        self.lines: List[Line] = []
        self.children: List["Block"] = []
        self.owned = owned
        self.own_rx = re.compile(own_rx) if own_rx else None
        self.exit = exit
        self.key = key or header
        self.tunnel = tunnel

    def add(self, text: str, feature: str, on_create: bool = False, marker: bool = False,
            tunnel: Optional[str] = None) -> "Block":
        self.lines.append(Line(text, feature, on_create, marker, tunnel if tunnel is not None else self.tunnel))
        return self

    def owns(self, line: str) -> bool:
        if self.owned:
            return not line.startswith("no ")
        return bool(self.own_rx and self.own_rx.match(line))

    def features(self) -> set:
        out = set(x.feature for x in self.lines)
        for c in self.children:
            out |= c.features()
        return out


class Intent(object):
    """Everything rendered for one CPE."""

    def __init__(self, host: str):
        self.host = host
        self.blocks: List[Block] = []
        self.warnings: List[str] = []
        self.errors: List[str] = []
        self.crypto_map_name = forms.DEFAULT_CRYPTO_MAP
        self.crypto_map_seqs: List[int] = []
        self.wan_interface: Optional[str] = None
        self.tunnel_interfaces: List[str] = []
        self.bgp_asn: Optional[int] = None
        self.neighbors: List[str] = []
        self.core_neighbors: List[str] = []   # iBGP neighbours of the customer core (redistribution)
        self.ospf_process: Optional[int] = None  # the customer OSPF process VC redistributes into
        self.names: dict = {}           # kind -> set of VC object names we own
        self.names: dict = {}           # kind -> set of VC object names the plan names
        self.adopt: set = set()         # labels of existing objects adopted explicitly (vc_ios_adopt)
        # which plan tunnel a line of a shared block belongs to (neighbour IP, prefix list, route name -> key)
        self.line_tunnels: Dict[str, Dict[str, str]] = {"neighbor": {}, "prefix_list": {}, "route": {}}

    def tunnel_of(self, block: "Block", line: str) -> Optional[str]:
        """The plan tunnel a running ``line`` of ``block`` belongs to (None: shared by every tunnel)."""
        if block.tunnel is not None:
            return block.tunnel
        text = line.strip()
        m = re.match(r"^neighbor (\S+) ", text)
        if m:
            return self.line_tunnels["neighbor"].get(m.group(1))
        m = re.match(r"^ip prefix-list (\S+) ", text)     # entries and the list's description (its marker)
        if m:
            return self.line_tunnels["prefix_list"].get(m.group(1))
        m = forms.STATIC_ROUTE_RX.match(text)
        if m and m.group(4):
            return self.line_tunnels["route"].get(m.group(4))
        return None

    def ordered(self) -> List[Block]:
        return sorted(self.blocks, key=lambda b: KIND_ORDER.get(b.kind, 999))

    def to_text(self, features=None, masked: bool = True) -> str:
        """The intended config as IOS-XE running-config text (``!`` between sections)."""
        feats = set(features or forms.FEATURES)
        out: List[str] = []
        for block in self.ordered():
            lines = _block_text(block, feats, masked, 0)
            if lines:
                out.extend(lines)
                if block.header is not None:
                    out.append("!")
        return "\n".join(out) + ("\n" if out else "")


def _block_text(block: Block, feats: set, masked: bool, depth: int) -> List[str]:
    body: List[str] = []
    for line in block.lines:
        if line.feature in feats:
            text = forms.mask(line.text) if masked else line.text
            body.append(" " * (depth + (1 if block.header is not None else 0)) + text)
    for child in block.children:
        sub = _block_text(child, feats, masked, depth + 1)
        if sub:
            body.extend(sub)
            if child.exit == "exit-address-family":
                body.append(" " * (depth + 1) + "exit-address-family")
            else:
                body.append(" " * (depth + 1) + "!")
    if not body:
        return []
    if block.header is None:
        return body
    return [" " * depth + block.header] + body
