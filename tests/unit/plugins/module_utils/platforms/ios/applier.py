# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small IOS-XE configuration-mode emulator for the unit tests (test-only: not shipped in plugins/).

It applies configuration commands to a running config and prints it back the way IOS-XE does
for the constructs Virtual Connect uses (IOSXE-NOTES.md): sub-mode fall-back to global mode,
single-valued settings replaced, ``no`` forms (``no neighbor X remote-as`` deletes the
neighbour), numbered ACL entries, secrets stored as type 6/7, ``bgp log-neighbor-changes``
auto-inserted, ``neighbor X activate`` hidden under ``bgp default ipv4-unicast``, a new tunnel
interface printing ``no ip address``, trailing spaces on transform-set / crypto map lines.

It is deliberately independent from the diff engine (its own tables of IOS semantics) so that
tests of the engine mean something. Errors raise :class:`IOSConfigError` with an IOS-like
message (``% Invalid input`` ...), as a router would reject the command.
"""
from __future__ import annotations

import re
from typing import List, Optional

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import forms
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import Node, parse_tree


class IOSConfigError(Exception):
    pass


_GLOBAL_ENTER = [
    re.compile(r"^interface \S+$"),
    re.compile(r"^router bgp \d+$"),
    re.compile(r"^crypto ikev2 (proposal|policy|keyring|profile) \S+$"),
    re.compile(r"^crypto ipsec transform-set \S+ .+$"),
    re.compile(r"^crypto map \S+ \d+ ipsec-isakmp$"),
    re.compile(r"^ip access-list extended \S+$"),
]
_GLOBAL_LINE = [
    re.compile(r"^ip prefix-list \S+ seq \d+ (permit|deny) \S+.*$"),
    re.compile(r"^ip prefix-list \S+ description .+$"),
    re.compile(r"^ip route \S+ \S+ .+$"),
    re.compile(r"^(service password-encryption|password encryption aes|hostname \S+)$"),
]
_GLOBAL_NO = re.compile(r"^no (interface \S+|router bgp \d+|crypto ikev2 (proposal|policy|keyring|profile) \S+"
                        r"|crypto ipsec transform-set \S+|crypto map \S+ \d+"
                        r"|ip access-list extended \S+|ip prefix-list .+|ip route .+"
                        r"|service password-encryption|password encryption aes)$")

# single-valued settings per sub-mode: regex whose group(1) is the key
_SINGLE = {
    "interface": [r"^(description) ", r"^(ip address) \S+ \S+$", r"^(ip mtu) ", r"^(ip tcp adjust-mss) ",
                  r"^(keepalive)\b", r"^(tunnel source) ", r"^(tunnel destination) ", r"^(tunnel ttl) ",
                  r"^(crypto map) ", r"^(bfd interval) ", r"^(tunnel mode) "],
    "cmap": [r"^(description) ", r"^(set transform-set) ", r"^(set pfs)", r"^(set ikev2-profile) ", r"^(match address) ",
             r"^(reverse-route)", r"^(set security-association lifetime seconds) "],
    "profile": [r"^(description) ", r"^(identity local address) ", r"^(keyring local) ", r"^(dpd) ", r"^(lifetime) ",
                r"^(authentication remote) ", r"^(authentication local) "],
    "peer": [r"^(description) ", r"^(address) ", r"^(pre-shared-key)( local| remote)? "],
    "bgp": [r"^(bgp router-id) ", r"^(neighbor \S+ remote-as) ", r"^(neighbor \S+ local-as)",
            r"^(neighbor \S+ password) ", r"^(neighbor \S+ timers) ", r"^(neighbor \S+ description) ",
            r"^(neighbor \S+ ebgp-multihop)"],
    "af": [r"^(neighbor \S+ prefix-list) \S+ (in|out)$"],
}


def _mode_of(header: str) -> str:
    if header.startswith("interface "):
        return "interface"
    if header.startswith("crypto map "):
        return "cmap"
    if header.startswith("crypto ikev2 profile"):
        return "profile"
    if header.startswith("peer "):
        return "peer"
    if header.startswith("router bgp"):
        return "bgp"
    if header.startswith("address-family"):
        return "af"
    if header.startswith("ip access-list"):
        return "acl"
    if header.startswith("crypto ikev2 keyring"):
        return "keyring"
    return "other"


def _single_key(mode: str, line: str) -> Optional[str]:
    for pat in _SINGLE.get(mode, []):
        m = re.match(pat, line)
        if m:
            return " ".join(g for g in m.groups() if g)
    return None


class Router(object):
    """Running configuration + config-mode state of one emulated IOS-XE router."""

    def __init__(self, running: str = ""):
        self.roots: List[Node] = parse_tree(running)
        self.stack: List[Node] = []

    # -- flags ---------------------------------------------------------------------------------
    def _flag(self, text: str) -> bool:
        return any(n.text == text for n in self.roots)

    # -- public --------------------------------------------------------------------------------
    def apply(self, commands) -> None:
        """``configure terminal``, the commands, ``end``."""
        self.stack = []
        for raw in commands:
            self.command(raw)
        self.stack = []

    def command(self, raw: str) -> None:
        """One command in the current configuration mode (the mode persists between calls)."""
        cmd = raw.strip()
        if not cmd or cmd.startswith("!"):
            return
        self._one(cmd)

    def text(self) -> str:
        """``show running-config`` (the parts we model)."""
        pw7 = self._flag("service password-encryption")
        aes = self._flag("password encryption aes")
        out: List[str] = []
        for node in self.roots:
            out.extend(self._print(node, (), 0, pw7, aes))
            if node.children:
                out.append("!")
        return "\n".join(out) + "\n"

    # -- internals -----------------------------------------------------------------------------
    def _print(self, node: Node, ctx, depth, pw7, aes) -> List[str]:
        line = forms.printed_form(node.text, ctx, password_encryption=pw7, aes_encryption=aes)
        out = [" " * depth + line]
        for c in node.children:
            out.extend(self._print(c, ctx + (node.text,), depth + 1, pw7, aes))
        if node.text.startswith("address-family"):
            out.append(" " * depth + "exit-address-family")
        elif node.text.startswith("peer "):
            out.append(" " * depth + "!")
        return out

    def _find(self, nodes: List[Node], text: str) -> Optional[Node]:
        for n in nodes:
            if n.text == text:
                return n
        return None

    def _one(self, cmd: str) -> None:
        if cmd == "end":
            self.stack = []
            return
        if cmd == "exit":
            if self.stack:
                self.stack.pop()
            return
        if cmd == "exit-address-family":
            if self.stack and self.stack[-1].text.startswith("address-family"):
                self.stack.pop()
            return
        # sub-mode entering commands inside the current block (with fall-back to parents)
        for depth in range(len(self.stack), -1, -1):
            parent = self.stack[depth - 1] if depth else None
            if self._try(cmd, parent, depth):
                return
        raise IOSConfigError("%s\n%% Invalid input detected at '^' marker." % cmd)

    def _try(self, cmd: str, parent: Optional[Node], depth: int) -> bool:
        if parent is None:
            return self._global(cmd)
        mode = _mode_of(parent.text)
        if mode == "keyring":
            m = re.match(r"^(no )?peer (\S+)$", cmd)
            if not m:
                return False
            self.stack = self.stack[:depth]
            if m.group(1):
                parent.children = [c for c in parent.children if c.text != "peer %s" % m.group(2)]
                return True
            node = self._find(parent.children, "peer %s" % m.group(2)) or Node("peer %s" % m.group(2))
            if node not in parent.children:
                parent.children.append(node)
            self.stack.append(node)
            return True
        if mode == "bgp":
            if re.match(r"^address-family ipv4( unicast)?$", cmd):
                self.stack = self.stack[:depth]
                node = self._find(parent.children, "address-family ipv4")
                if node is None:
                    node = Node("address-family ipv4")
                    parent.children.append(node)
                self.stack.append(node)
                return True
        if _is_global(cmd):
            return False
        if not self._valid_in(mode, cmd):
            return False
        self.stack = self.stack[:depth]
        self._set(parent, mode, cmd)
        return True

    def _valid_in(self, mode: str, cmd: str) -> bool:
        body = cmd[3:] if cmd.startswith("no ") else cmd
        allowed = {
            "interface": r"^(description|ip |keepalive|tunnel |crypto map|bfd |shutdown|bandwidth|mtu )",
            "cmap": r"^(description |set |match address|reverse-route)",
            "profile": r"^(description |match identity|identity local|authentication|keyring local|dpd |lifetime )",
            "peer": r"^(description |address |pre-shared-key)",
            "bgp": r"^(neighbor |bgp |timers )",
            "af": r"^(neighbor |network |redistribute )",
            "acl": r"^(\d+ )?(permit|deny|remark) ",
            "other": r"^(encryption|integrity|prf|group|proposal|match address local|mode )",
        }
        pat = allowed.get(mode)
        return bool(pat and re.match(pat, body))

    def _global(self, cmd: str) -> bool:
        self.stack = []
        if _GLOBAL_NO.match(cmd):
            self._global_no(cmd[3:])
            return True
        for rx in _GLOBAL_ENTER:
            if rx.match(cmd):
                text = cmd
                if cmd.startswith("router bgp "):
                    for n in self.roots:
                        if n.text.startswith("router bgp ") and n.text != cmd:
                            raise IOSConfigError("%s\n%% BGP is already running; AS is %s" % (cmd, n.text.split()[2]))
                if cmd.startswith("crypto ipsec transform-set "):
                    name = cmd.split()[3]
                    for n in self.roots:      # re-entered with other transforms: changed in place
                        if n.text.startswith("crypto ipsec transform-set %s " % name):
                            n.text = cmd
                node = self._find(self.roots, text)
                if node is None:
                    node = Node(text)
                    if cmd.startswith("router bgp "):
                        node.children.append(Node("bgp log-neighbor-changes"))
                    if re.match(r"^interface Tunnel\d+$", cmd):
                        node.children.append(Node("no ip address"))
                    if cmd.startswith("crypto ipsec transform-set "):
                        node.children.append(Node("mode tunnel"))
                    self.roots.append(node)
                self.stack = [node]
                return True
        for rx in _GLOBAL_LINE:
            if rx.match(cmd):
                if cmd.startswith("ip prefix-list "):
                    m = re.match(r"^ip prefix-list (\S+) seq (\d+) ", cmd)
                    for n in (self.roots if m else ()):
                        mm = re.match(r"^ip prefix-list (\S+) seq (\d+) ", n.text)
                        if mm and mm.groups() == m.groups() and n.text != cmd:
                            raise IOSConfigError("%s\n%% Duplicate sequence number" % cmd)
                m = re.match(r"^(ip prefix-list \S+ description) ", cmd)
                if m:       # one description per prefix list: re-entering replaces it
                    self.roots = [n for n in self.roots if not n.text.startswith(m.group(1) + " ")]
                if self._find(self.roots, cmd) is None:
                    self.roots.append(Node(cmd))
                return True
        return False

    def _global_no(self, body: str) -> None:
        if body.startswith("crypto ipsec transform-set "):
            name = body.split()[3]
            self.roots = [n for n in self.roots if not n.text.startswith("crypto ipsec transform-set %s " % name)]
            return
        m = re.match(r"^crypto map (\S+) (\d+)$", body)
        if m:
            self.roots = [n for n in self.roots if not n.text.startswith("crypto map %s %s " % m.groups())]
            return
        m = re.match(r"^ip prefix-list (\S+)$", body)
        if m:
            self.roots = [n for n in self.roots if not n.text.startswith("ip prefix-list %s " % m.group(1))]
            return
        before = len(self.roots)
        self.roots = [n for n in self.roots if n.text != body]
        if len(self.roots) == before:
            raise IOSConfigError("no %s\n%% Invalid input detected (no such object)" % body)

    def _set(self, parent: Node, mode: str, cmd: str) -> None:
        if cmd.startswith("no "):
            self._unset(parent, mode, cmd[3:])
            return
        if mode == "acl":
            m = re.match(r"^(\d+) (.*)$", cmd)
            body = m.group(2) if m else cmd
            if any(re.sub(r"^\d+ ", "", c.text) == body for c in parent.children):
                return
            seqs = [int(c.text.split()[0]) for c in parent.children if c.text.split()[0].isdigit()]
            seq = int(m.group(1)) if m else (max(seqs) + 10 if seqs else 10)
            parent.children.append(Node("%d %s" % (seq, body)))
            return
        if mode == "bgp":
            m = re.match(r"^neighbor (\S+) (\S+)", cmd)
            if m and m.group(2) != "remote-as" and not self._has_neighbor(parent, m.group(1)):
                raise IOSConfigError("%s\n%% Specify remote-as or peer-group commands first" % cmd)
        if mode == "af":
            router = self.stack[0] if self.stack else None
            m = re.match(r"^neighbor (\S+) (\S+)", cmd)
            if m and router is not None and not self._has_neighbor(router, m.group(1)):
                raise IOSConfigError("%s\n%% Specify remote-as or peer-group commands first" % cmd)
            if m and m.group(2) == "activate" and router is not None and \
                    router.child("no bgp default ipv4-unicast") is None:
                return      # implied, not printed
        if mode == "profile":
            m = re.match(r"^match identity remote address (\S+)$", cmd)
            if m:
                cmd = "match identity remote address %s 255.255.255.255" % m.group(1)
        if mode == "interface" and cmd == "keepalive":
            cmd = "keepalive 10 3"
        if mode == "interface" and cmd.startswith("ip address "):
            parent.children = [c for c in parent.children if c.text != "no ip address"]
        if mode == "peer":
            sk = forms.secret_key(cmd)
            if sk and forms.secret_type(cmd) == 0:
                cmd = self._encrypt(cmd, sk)
        if mode == "bgp":
            sk = forms.secret_key(cmd)
            if sk and forms.secret_type(cmd) == 0 and self._flag("service password-encryption"):
                cmd = "%s 7 %s" % (sk, forms._fake_cipher(forms.secret_value(cmd), 7))
        key = _single_key(mode, cmd)
        if key:
            parent.children = [c for c in parent.children if _single_key(mode, c.text) != key]
        if parent.child(cmd) is None:
            # leaf lines print before sub-blocks (router bgp: neighbours before address-family)
            pos = next((i for i, c in enumerate(parent.children) if c.children), len(parent.children))
            parent.children.insert(pos, Node(cmd))

    def _encrypt(self, cmd: str, sk: str) -> str:
        value = forms.secret_value(cmd)
        if self._flag("password encryption aes"):
            return "%s 6 %s" % (sk, forms._fake_cipher(value, 6))
        if self._flag("service password-encryption"):
            return "%s 7 %s" % (sk, forms._fake_cipher(value, 7))
        return cmd

    def _has_neighbor(self, router: Node, ip: str) -> bool:
        return any(c.text.startswith("neighbor %s remote-as " % ip) for c in router.children)

    def _unset(self, parent: Node, mode: str, body: str) -> None:
        if mode == "bgp":
            m = re.match(r"^neighbor (\S+)( remote-as.*)?$", body)
            if m:      # removes the neighbour with all its settings, in every address family
                ip = m.group(1)
                parent.children = [c for c in parent.children if not c.text.startswith("neighbor %s " % ip)]
                for c in parent.children:
                    c.children = [x for x in c.children if not x.text.startswith("neighbor %s " % ip)]
                return
        if mode == "acl":
            target = re.sub(r"^\d+ ", "", body)
            parent.children = [c for c in parent.children
                               if re.sub(r"^\d+ ", "", c.text) != target and c.text.split()[0] != body]
            return
        if mode == "interface" and body.startswith("ip address"):
            parent.children = [c for c in parent.children if not c.text.startswith("ip address")]
            parent.children.append(Node("no ip address"))
            return
        key = _single_key(mode, body) or forms.secret_key(body)
        if key is None:
            m = re.match(r"^(neighbor \S+ password|pre-shared-key)$", body)
            key = m.group(1) if m else None
        kept = []
        removed = False
        for c in parent.children:
            ck = _single_key(mode, c.text) or forms.secret_key(c.text)
            if (key and ck == key) or c.text == body or (not c.children and c.text.startswith(body + " ")):
                removed = True
                continue
            kept.append(c)
        if not removed and body != "shutdown":
            raise IOSConfigError("no %s\n%% Invalid input detected (nothing to remove)" % body)
        parent.children = kept


def _is_global(cmd: str) -> bool:
    if _GLOBAL_NO.match(cmd):
        return True
    return any(rx.match(cmd) for rx in _GLOBAL_ENTER + _GLOBAL_LINE)


def apply_commands(running: str, commands) -> str:
    """Apply ``commands`` to ``running`` and return the new running config text."""
    router = Router(running)
    router.apply(commands)
    return router.text()
