# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse ``show running-config`` text into a tree, and extract the VC-owned view of it.

The tree is generic (indentation-based, like IOS prints it); the VC view (:func:`parse_vc`) keeps
only what this collection owns or must look at: VC-named crypto objects, crypto map entries, the
tunnel interfaces, the WAN interface's crypto map, the BGP process (our neighbours only), VC prefix
lists and VC static routes. Lines are normalized (trailing spaces stripped).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from . import forms

_SKIP = re.compile(r"^\s*(!.*|end|exit-address-family|exit-peer-(policy|session)|Building configuration.*"
                   r"|Current configuration.*|Load for .*|Time source is .*)$")


class Node(object):
    """One config line and the lines indented under it."""

    __slots__ = ("text", "children")

    def __init__(self, text: str, children: Optional[List["Node"]] = None):
        self.text = text
        self.children = children if children is not None else []

    def child(self, text: str) -> Optional["Node"]:
        for node in self.children:
            if node.text == text:
                return node
        return None

    def lines(self) -> List[str]:
        """Texts of the direct children."""
        return [c.text for c in self.children]

    def to_lines(self, depth: int = 0) -> List[str]:
        out = [" " * depth + self.text]
        for c in self.children:
            out.extend(c.to_lines(depth + 1))
        return out

    def __repr__(self):  # pragma: no cover - debugging aid
        return "Node(%r, %d children)" % (self.text, len(self.children))


def parse_tree(text: str) -> List[Node]:
    """Indentation tree of a running config (top-level nodes)."""
    roots: List[Node] = []
    stack: List = []   # (indent, node)
    for raw in (text or "").splitlines():
        line = forms.normalize(raw.replace("\t", " "))
        if not line.strip() or _SKIP.match(line):
            continue
        indent = len(line) - len(line.lstrip(" "))
        node = Node(line.strip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            roots.append(node)
        stack.append((indent, node))
    return roots


def find(roots: List[Node], text: str) -> Optional[Node]:
    for node in roots:
        if node.text == text:
            return node
    return None


def parse_vc(text: str, wan_interface: Optional[str] = None) -> Dict:
    """Structured view of the VC-relevant parts of a running config (state ``parsed``).

    Returns ``{objects: {kind: {name: [lines]}}, crypto_maps: {name: {seq: [lines]}},
    interfaces: {name: [lines]} (tunnels carrying our marker, and the WAN interface),
    wan_crypto_map, bgp: {asn, router_id, neighbors: {ip: {lines, af_lines}}},
    prefix_lists: {name: [lines]}, routes: [lines]}``. Secrets are masked.
    """
    roots = parse_tree(text)
    out: Dict = {"objects": {}, "crypto_maps": {}, "interfaces": {}, "wan_crypto_map": None,
                 "bgp": None, "prefix_lists": {}, "routes": []}
    for node in roots:
        for kind, rx in forms.VC_OBJECT_HEADERS:
            m = rx.match(node.text)
            if m:
                out["objects"].setdefault(kind, {})[m.group(1)] = [forms.mask(x) for x in _flat(node)]
                break
        m = forms.CRYPTO_MAP_ENTRY_RX.match(node.text)
        if m:
            out["crypto_maps"].setdefault(m.group(1), {})[int(m.group(2))] = [forms.mask(x) for x in node.lines()]
        m = forms.INTERFACE_RX.match(node.text)
        if m:
            name = m.group(1)
            lines = node.lines()
            is_vc_tunnel = forms.block_marker(lines) is not None
            if is_vc_tunnel or name == wan_interface:
                out["interfaces"][name] = lines
            if name == wan_interface:
                out["wan_crypto_map"] = forms.interface_crypto_map(lines)
        m = forms.ROUTER_BGP_RX.match(node.text)
        if m:
            out["bgp"] = _parse_bgp(node, m.group(1))
        m = forms.PREFIX_LIST_RX.match(node.text)
        if m and forms.is_vc_name(m.group(1)):
            out["prefix_lists"].setdefault(m.group(1), []).append(node.text)
        m = forms.STATIC_ROUTE_RX.match(node.text)
        if m and forms.is_vc_name(m.group(4)):
            out["routes"].append(node.text)
    return out


def _flat(node: Node) -> List[str]:
    return [x[1:] if x.startswith(" ") else x for x in node.to_lines()[1:]]


def _parse_bgp(node: Node, asn: str) -> Dict:
    result: Dict = {"asn": int(asn) if asn.isdigit() else asn, "router_id": None,
                    "default_ipv4_unicast": True, "neighbors": {}}
    vc_neighbors = set(forms.neighbor_markers(node.lines()))
    for child in node.children:
        line = child.text
        m = re.match(r"^bgp router-id (\S+)$", line)
        if m:
            result["router_id"] = m.group(1)
        if line == "no bgp default ipv4-unicast":
            result["default_ipv4_unicast"] = False
        m = re.match(r"^neighbor (\S+) ", line)
        if m and m.group(1) in vc_neighbors:
            result["neighbors"].setdefault(m.group(1), {"lines": [], "af_lines": []})["lines"].append(
                forms.mask(line))
        if forms.compare_form(line) == "address-family ipv4":
            for af in child.lines():
                m = re.match(r"^neighbor (\S+) ", af)
                if m and m.group(1) in vc_neighbors:
                    result["neighbors"].setdefault(m.group(1), {"lines": [], "af_lines": []})[
                        "af_lines"].append(af)
    return result
