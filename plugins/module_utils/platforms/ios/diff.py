# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff engine: intent (render.py) vs running config (parser.py) -> ordered IOS commands.

Idempotent by structure: each block is compared as a *set* of normalized lines; only lines this
collection owns are ever removed; secrets compare by presence. Safety checks (foreign crypto map on
the WAN interface, foreign tunnel interface, other BGP AS, crypto map sequence clash) become
errors, and then no command is produced at all.

Command order: whole stale objects are removed first (reverse dependency order, only with
``prune``); then, in dependency order, ACLs, IKEv2 objects, transform-sets, crypto map entries,
static routes, the WAN interface's crypto map, tunnels, prefix lists, BGP. Inside a block,
``no`` lines come before new lines, except that a single-valued setting is simply re-entered
(``no neighbor X remote-as`` would delete the neighbour).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from . import forms
from .intent import Block, Intent, KIND_ORDER
from .parser import Node, parse_tree


class DiffResult(object):
    def __init__(self):
        self.commands: List[str] = []       # to send (may contain secrets)
        self.display: List[str] = []        # the same, secrets masked
        self.errors: List[str] = []
        self.warnings: List[str] = []
        self.stale: List[str] = []          # whole VC objects present on the router but not in the plan
        self.before: List[str] = []         # VC-owned view of the running config (masked)
        self.after: List[str] = []          # the same view once the commands are applied (masked)

    def extend(self, cmds: List[str]) -> None:
        for c in cmds:
            self.commands.append(c)
            self.display.append(forms.mask(c))

    @property
    def diff(self) -> Dict[str, str]:
        return {"before": "\n".join(self.before) + ("\n" if self.before else ""),
                "after": "\n".join(self.after) + ("\n" if self.after else "")}


def _is_leaf(node: Node) -> bool:
    return not node.children


def _cf(line: str, parent: str) -> str:
    return forms.compare_form(line, parent)


class _Ctx(object):
    """What a diff looks at: the features (lines of other features are neither added nor removed) and,
    for a staged apply, the plan tunnels (lines of other tunnels are left exactly as they are)."""

    def __init__(self, features, update_secrets, tunnels=None, intent: Optional[Intent] = None):
        self.features = set(features)
        self.update_secrets = update_secrets
        self.tunnels = set(tunnels) if tunnels else None
        self.intent = intent
        self.gone_neighbors = set()

    def staged(self, tunnel: Optional[str]) -> bool:
        return self.tunnels is None or tunnel is None or tunnel in self.tunnels

    def owns(self, block: Block, line: str) -> bool:
        """A running line of ``block`` this diff may change: ours, of a selected feature and a staged tunnel."""
        if not block.owns(line) or forms.line_feature(block.kind, line) not in self.features:
            return False
        return self.tunnels is None or self.intent is None or self.staged(self.intent.tunnel_of(block, line))


def _neighbor_of(line: str) -> Optional[str]:
    m = re.match(r"^neighbor (\S+) ", line)
    return m.group(1) if m else None


def diff_block(ib: Block, rnode: Optional[Node], ctx: _Ctx, implied: Optional[set] = None,
               depth: int = 0) -> Tuple[List[str], List[str], List[str]]:
    """Commands for one block, and its before/after views (masked, indented)."""
    header = ib.header or ""
    pad = " " * (depth + (1 if ib.header is not None else 0))
    run_leaves: List[str] = []
    run_children: List[Node] = []
    if rnode is not None:
        for n in rnode.children:
            if _is_leaf(n):
                run_leaves.append(n.text)
            else:
                run_children.append(n)
    elif ib.header is None:
        pass
    created = ib.header is not None and rnode is None

    want = [x for x in ib.lines if x.feature in ctx.features and ctx.staged(x.tunnel) and (created or not x.on_create)]
    owned_run = [x for x in run_leaves if ctx.owns(ib, x)]
    if ib.kind == "bgp_af" and ctx.gone_neighbors:
        owned_run = [x for x in owned_run if _neighbor_of(x) not in ctx.gone_neighbors]
    run_cf = set(_cf(x, header) for x in run_leaves)
    run_secret = set(forms.secret_key(x) for x in run_leaves if forms.secret_key(x))
    implied = implied or set()

    adds: List[str] = []
    want_cf = set()
    want_secret = set()
    for line in want:
        cf = _cf(line.text, header)
        want_cf.add(cf)
        sk = forms.secret_key(line.text)
        if sk:
            want_secret.add(sk)
            if sk in run_secret and not ctx.update_secrets:
                continue
            if forms.MASK in line.text:
                continue            # offline/masked intent never types a placeholder
            adds.append(line.text)
            continue
        if cf in run_cf or cf in implied:
            continue
        adds.append(line.text)
    if ib.owned and (adds or rnode is not None):
        # an object of ours always carries our marker, whichever feature writes first (an adopted object
        # gets it on its first run)
        adds = [m.text for m in ib.lines if m.marker and ctx.staged(m.tunnel) and m.text not in adds
                and _cf(m.text, header) not in run_cf] + adds
    add_keys = set(k for k in (forms.setting_key(a) for a in adds) if k)
    removes: List[str] = []
    for line in owned_run:
        cf = _cf(line, header)
        sk = forms.secret_key(line)
        if sk:
            if sk in want_secret:
                continue
        elif cf in want_cf:
            continue
        key = forms.setting_key(line)
        if key and key in add_keys:
            continue        # overridden by re-entering the setting
        removes.append(line)

    if ib.kind == "bgp":
        # a neighbour that goes away entirely is removed with one `no neighbor X` (its other lines,
        # here and in the address families, go with it; removing them one by one would fail)
        gone = set(_neighbor_of(x) for x in removes if re.match(r"^neighbor \S+ remote-as ", x))
        gone -= set(_neighbor_of(a) for a in adds if re.match(r"^neighbor \S+ remote-as ", a))
        if gone:
            removes = [x for x in removes if _neighbor_of(x) not in gone] + ["neighbor %s" % n for n in sorted(gone)]
        ctx.gone_neighbors = gone
    child_cmds: List[str] = []
    before_children: List[str] = []
    after_children: List[str] = []
    matched = set()
    for ichild in ib.children:
        rchild = None
        for n in run_children:
            if _cf(n.text, header) == _cf(ichild.header, header):
                rchild = n
                break
        if not ctx.staged(ichild.tunnel):
            if rchild is not None:
                matched.add(id(rchild))   # another tunnel's sub-block (a keyring peer): left as it is
            continue
        if rchild is None:
            for n in run_leaves:     # an empty sub-block prints as a bare line
                if _cf(n, header) == _cf(ichild.header, header):
                    rchild = Node(n)
                    break
        if rchild is not None:
            matched.add(id(rchild))
        cimplied = set()
        if ib.kind == "bgp" and "no bgp default ipv4-unicast" not in run_leaves:
            # `neighbor X activate` is implied (and not printed) under bgp default ipv4-unicast
            cimplied = set("neighbor %s activate" % n for n in _neighbors_in(run_leaves))
        cmds, b, a = diff_block(ichild, rchild, ctx, cimplied, depth + 1)
        if cmds:
            child_cmds.extend(cmds)
            if ichild.exit:
                child_cmds.append(ichild.exit)
        before_children.extend(b)
        after_children.extend(a)
    if ib.owned and ib.header is not None:
        for n in run_children:
            if id(n) in matched:
                continue
            if forms.line_feature(ib.kind, n.text) in ctx.features and ctx.tunnels is None \
                    and forms.block_marker(n.lines()):
                removes.append(n.text)       # stale marked sub-block of ours (never in a staged apply)
                before_children.extend(" " * (depth + 1) + x for x in n.to_lines())

    cmds: List[str] = []
    if removes or adds or child_cmds:
        if ib.header is not None:
            cmds.append(ib.header)
        if ib.kind == "prefix_list":
            # add entries on free sequence numbers first, so a list never becomes empty (an empty or
            # missing prefix list permits everything); entries whose sequence is being reused last
            rm_keys = set(_pl_key(x) for x in removes)
            early = [a for a in adds if _pl_key(a) not in rm_keys]
            late = [a for a in adds if _pl_key(a) in rm_keys]
            cmds.extend(early)
            cmds.extend(forms.no_form(x) for x in removes)
            cmds.extend(late)
        elif ib.kind == "route":
            # static routes with other next hops coexist (ECMP): add the new one before removing the old
            cmds.extend(adds)
            cmds.extend(forms.no_form(x) for x in removes)
        else:
            cmds.extend(forms.no_form(x) for x in removes)
            cmds.extend(adds)
        cmds.extend(child_cmds)

    before = [pad + forms.mask(x) for x in owned_run]
    after_lines = [x for x in owned_run
                   if x not in removes and not (forms.setting_key(x) and forms.setting_key(x) in add_keys)]
    after = [pad + forms.mask(x) for x in after_lines + adds]
    before += before_children
    after += after_children
    if ib.header is not None:
        hpad = " " * depth
        if rnode is not None:
            before = [hpad + ib.header] + before
        if rnode is not None or after:
            after = [hpad + ib.header] + after
    return cmds, before, after


def _pl_key(line: str) -> str:
    m = forms.PREFIX_LIST_RX.match(line)
    return "%s %s" % (m.group(1), m.group(2)) if m else line


def _neighbors_in(lines: List[str]) -> List[str]:
    out = []
    for line in lines:
        m = re.match(r"^neighbor (\S+) remote-as ", line)
        if m:
            out.append(m.group(1))
    return out


def _top_leaves(roots: List[Node]) -> Node:
    return Node("", [n for n in roots if _is_leaf(n)])


def _find_top(roots: List[Node], header: str) -> Optional[Node]:
    target = _cf(header, "")
    for n in roots:
        if _cf(n.text, "") == target:
            return n
    return None


ADOPT_HINT = ("rename or renumber ours (vc_tunnel_base / cpe.tunnel_number / the region label), remove it, or adopt "
              "it explicitly with vc_ios_adopt: ['%s'] (it then gets the marker and is managed by Virtual Connect)")


def _foreign(res: DiffResult, intent: Intent, label: str, what: str) -> None:
    if label in intent.adopt:
        return
    res.errors.append("%s exists and is not %s on %s: it carries no marker '%s:<tunnel key>'; refusing to change "
                      "it; %s" % (label, what, intent.host, forms.COLLECTION, ADOPT_HINT % label))


class _Ownership(object):
    """What of the running config is ours (docs/ownership.md): marked objects, and the marker-less shared
    objects (IKEv2 proposals and policy, transform sets, the keyring) that a marked object of ours depends on."""

    def __init__(self, roots: List[Node], adopt=()):
        self.roots = roots
        self.adopt = set(adopt or ())
        self.marked_profiles = set()
        self.marked_cmap_ts = set()      # transform sets used by our crypto map entries
        self.foreign_ts = set()          # ... and by entries that are not ours
        self.profile_keyrings = set()
        self.foreign_keyrings = set()
        self.policies = {}               # policy name -> its proposals
        for n in roots:
            m = forms.CRYPTO_MAP_ENTRY_RX.match(n.text)
            if m:
                ours = self.marked(n)
                for line in n.lines():
                    mm = re.match(r"^set transform-set (.+)$", line)
                    if mm:
                        (self.marked_cmap_ts if ours else self.foreign_ts).update(mm.group(1).split())
            m = re.match(r"^crypto ikev2 profile (\S+)$", n.text)
            if m:
                ours = self.marked(n)
                if ours:
                    self.marked_profiles.add(m.group(1))
                for line in n.lines():
                    mm = re.match(r"^keyring local (\S+)$", line)
                    if mm:
                        (self.profile_keyrings if ours else self.foreign_keyrings).add(mm.group(1))
            m = re.match(r"^crypto ikev2 policy (\S+)$", n.text)
            if m:
                self.policies[m.group(1)] = [x.split()[1] for x in n.lines() if x.startswith("proposal ")]

    def marked(self, node: Node) -> bool:
        return node.text in self.adopt or forms.block_marker(node.lines()) is not None

    def ours(self, kind: str, name: str, node: Node, policy_name: str = forms.IKEV2_POLICY) -> bool:
        """Whether an existing object of ``kind`` named ``name`` is ours."""
        if node.text in self.adopt:
            return True
        if kind in ("acl", "profile", "cmap_entry", "tunnel", "route_map"):
            return forms.block_marker(node.lines()) is not None
        if kind == "transform_set":
            return name in self.marked_cmap_ts and name not in self.foreign_ts
        if kind == "keyring":
            peers = [c for c in node.children if c.children]
            marked = [c for c in peers if forms.block_marker(c.lines())]
            return name not in self.foreign_keyrings and bool(marked or name in self.profile_keyrings)
        if kind == "policy":
            return bool(self.marked_profiles)      # it serves our (marked) IKEv2 profiles
        if kind == "proposal":
            used = [p for p, props in self.policies.items() if name in props]
            return bool(used) and all(p == policy_name and self.ours("policy", p, Node(p)) for p in used)
        return False


def check_safety(intent: Intent, roots: List[Node], res: DiffResult, require_wan: bool = True) -> None:
    """Refuse to touch what is not ours: an object the plan names that exists without our marker."""
    map_name = intent.crypto_map_name
    own = _Ownership(roots, intent.adopt)
    # one crypto map per interface
    if intent.wan_interface:
        wan = _find_top(roots, "interface %s" % intent.wan_interface)
        if wan is None:
            if require_wan:
                res.errors.append("the WAN interface %s (vc_wan_interface) does not exist on %s"
                                  % (intent.wan_interface, intent.host))
        else:
            current = forms.interface_crypto_map(wan.lines())
            if current and current != map_name and current != forms.DEFAULT_CRYPTO_MAP:
                res.errors.append(
                    "interface %s already carries crypto map %s (not ours); IOS allows one crypto map per "
                    "interface: set vc_crypto_map_name: %s to add the Virtual Connect entries (sequence "
                    "numbers %s) to that map" % (intent.wan_interface, current, current,
                                                 ", ".join(str(s) for s in intent.crypto_map_seqs)))
    # our own crypto map (VC-CMAP) holds only our entries: an entry of another configuration in it would start
    # protecting traffic once the map is on the WAN interface
    if map_name == forms.DEFAULT_CRYPTO_MAP:
        for n in roots:
            m = forms.CRYPTO_MAP_ENTRY_RX.match(n.text)
            if m and m.group(1) == map_name and int(m.group(2)) not in intent.crypto_map_seqs and n.children \
                    and not own.marked(n):
                _foreign(res, intent, "crypto map %s %s" % (m.group(1), m.group(2)), _WHAT["cmap_entry"])
    # every object the plan names: absent, or ours
    for block in intent.blocks:
        if block.header is None or not block.owned:
            continue
        node = _find_top(roots, block.header)
        if node is None:
            if block.kind == "cmap_entry":
                m = forms.CRYPTO_MAP_ENTRY_RX.match(block.header)
                for n in roots:
                    mm = forms.CRYPTO_MAP_ENTRY_RX.match(n.text)
                    if mm and m and mm.group(1) == m.group(1) and mm.group(2) == m.group(2):
                        node = n          # the same entry with another suffix (dynamic)
            if node is None:
                continue
        name = block.header.split()[-1] if block.kind != "transform_set" else block.header.split()[3]
        if block.kind == "cmap_entry":
            name = "%s %s" % tuple(block.header.split()[2:4])
        if block.kind == "tunnel" and _is_blank_interface(node):
            continue      # an interface that carries nothing (no address, shut down): taking it touches nothing
        if not own.ours(block.kind, name, node):
            label = "crypto map %s" % name if block.kind == "cmap_entry" else node.text
            _foreign(res, intent, label, _WHAT.get(block.kind, "a Virtual Connect object"))
            continue
        for child in block.children:      # keyring peers of ours: a same-named unmarked peer is not ours
            rchild = next((c for c in node.children if _cf(c.text, "") == _cf(child.header, "")), None)
            if rchild is not None and not own.marked(rchild):
                label = "%s %s" % (block.header, child.header)
                if label not in intent.adopt:
                    _foreign(res, intent, label, "a Virtual Connect keyring peer")
    # one BGP process
    if intent.bgp_asn is not None:
        for n in roots:
            m = forms.ROUTER_BGP_RX.match(n.text)
            if m and m.group(1) != str(intent.bgp_asn):
                res.errors.append(
                    "the router already runs BGP AS %s, the plan wants AS %s on %s: set vc_bgp_asn: %s "
                    "(the plan then uses local-as per neighbour)" % (m.group(1), intent.bgp_asn, intent.host, m.group(1)))
        # a neighbour address of ours already used by a neighbour that is not ours
        bgp = _find_top(roots, "router bgp %s" % intent.bgp_asn)
        if bgp is not None:
            marked = forms.neighbor_markers(bgp.lines())
            present = set(_neighbor_of(x) for x in bgp.lines() if _neighbor_of(x))
            for nb in intent.neighbors:
                if nb in present and nb not in marked and nb not in intent.core_neighbors:
                    _foreign(res, intent, "neighbor %s" % nb, "a Virtual Connect neighbour (refusing to take it over)")
            described = set()
            for line in bgp.lines():
                m = re.match(r"^neighbor (\S+) description (\S+)", line)
                if m and m.group(2) == forms.CORE_DESCRIPTION:
                    described.add(m.group(1))
            for nb in intent.core_neighbors:
                if nb not in described and any(x.startswith("neighbor %s remote-as " % nb) for x in bgp.lines()):
                    res.errors.append("BGP neighbour %s (vc_redistribution.neighbors) is already configured by the "
                                      "operator (no 'description %s'): refusing to take it over; hand the DI prefixes "
                                      "to it yourself or name another core neighbour" % (nb, forms.CORE_DESCRIPTION))
    # prefix lists the plan names
    pl_marked = set()
    pl_present = set()
    for n in roots:
        pm = forms.prefix_list_marker(n.text)
        if pm:
            pl_marked.add(pm[0])
        m = forms.PREFIX_LIST_RX.match(n.text)
        if m:
            pl_present.add(m.group(1))
    for name in sorted(intent.names.get("prefix_list", ())):
        if name in pl_present and name not in pl_marked:
            _foreign(res, intent, "ip prefix-list %s" % name, "a Virtual Connect prefix list")
    _check_ospf(intent, roots, res)


def _check_ospf(intent: Intent, roots: List[Node], res: DiffResult) -> None:
    """Redistribution into OSPF goes into the customer's existing process, next to its own redistributions."""
    if intent.ospf_process is None:
        return
    ospf = _find_top(roots, "router ospf %d" % intent.ospf_process)
    if ospf is None:
        res.errors.append("router ospf %d (vc_redistribution.ospf_process) is not configured on %s: Virtual Connect "
                          "redistributes into the customer's OSPF process, it does not create one"
                          % (intent.ospf_process, intent.host))
        return
    ours_rm = _vc_route_maps(roots)
    for line in ospf.lines():
        found = forms.redistribute_bgp(line)
        if found and found[0] == str(intent.bgp_asn) and found[1] not in ours_rm:
            res.errors.append("router ospf %d already has '%s' (not ours): IOS keeps one 'redistribute bgp %s' per "
                              "process, so Virtual Connect would replace it; remove it or add the DI prefixes to its "
                              "route-map yourself" % (intent.ospf_process, line, found[0]))


_WHAT = {
    "acl": "a Virtual Connect access list",
    "route_map": "a Virtual Connect route-map (the hand-over of the DI prefixes, docs/ha.md)",
    "profile": "a Virtual Connect IKEv2 profile",
    "cmap_entry": "a Virtual Connect entry (choose other tunnel numbers: vc_tunnel_base / cpe.tunnel_number)",
    "tunnel": "a Virtual Connect tunnel (choose other tunnel numbers: vc_tunnel_base / cpe.tunnel_number)",
    "transform_set": "a Virtual Connect transform set (no marked Virtual Connect crypto map entry uses it, or an "
                     "entry of another configuration does)",
    "keyring": "a Virtual Connect keyring (no marked peer in it, or a profile of another configuration uses it)",
    "policy": "a Virtual Connect IKEv2 policy (no marked Virtual Connect IKEv2 profile is on the router yet)",
    "proposal": "a Virtual Connect IKEv2 proposal (a policy of another configuration uses it)",
}


def _references_vc(node: Node) -> bool:
    return forms.block_marker(node.lines()) is not None


def _is_vc_cmap_entry(node: Node, map_name: str) -> bool:
    return forms.block_marker(node.lines()) is not None


def _is_vc_interface(node: Node) -> bool:
    return forms.block_marker(node.lines()) is not None


def _is_blank_interface(node: Node) -> bool:
    return all(x in ("no ip address", "shutdown") for x in node.lines())


def _vc_route_maps(roots: List[Node]) -> set:
    """Route-maps of ours: every entry of the ``VC-`` name carries our marker (its ``description``)."""
    maps: Dict[str, List[bool]] = {}
    for n in roots:
        m = forms.ROUTE_MAP_RX.match(n.text)
        if m and forms.is_vc_name(m.group(1)):
            maps.setdefault(m.group(1), []).append(bool(forms.block_marker(n.lines())))
    return set(name for name, marks in maps.items() if all(marks))


def find_stale(intent: Intent, roots: List[Node], features) -> List[Tuple[int, List[str], str]]:
    """Objects of ours on the router that the plan no longer has: (order, commands, label). Only marked
    objects (and the marker-less shared objects a marked object of ours depends on); never by name."""
    feats = set(features)
    out: List[Tuple[int, List[str], str]] = []
    wanted = set(b.header for b in intent.blocks if b.header)
    own = _Ownership(roots)
    if "ipsec" in feats:
        for n in roots:
            for kind, rx in forms.VC_OBJECT_HEADERS:
                m = rx.match(n.text)
                if kind in ("policy", "keyring") and m and m.group(1) not in (forms.IKEV2_POLICY, forms.KEYRING):
                    continue    # the one policy and keyring of ours have fixed names: another is never ours
                if m and n.text not in wanted and m.group(1) not in intent.names.get(kind, ()) \
                        and own.ours(kind, m.group(1), n):
                    out.append((KIND_ORDER[kind], [forms.no_header(n.text)], n.text))
            m = forms.CRYPTO_MAP_ENTRY_RX.match(n.text)
            if m:
                name, seq = m.group(1), int(m.group(2))
                in_plan = name == intent.crypto_map_name and seq in intent.crypto_map_seqs
                if _is_vc_cmap_entry(n, name) and not in_plan:
                    out.append((KIND_ORDER["cmap_entry"], ["no crypto map %s %s" % (name, seq)], n.text))
    if "gre" in feats:
        # a static route carries only its name: it is ours when named after a marked tunnel interface of ours
        # (the first word of the interface's description, docs/ownership.md)
        route_names = set()
        for n in roots:
            m = forms.INTERFACE_RX.match(n.text)
            if m and _is_vc_interface(n):
                route_names.update(x.split()[1] for x in n.lines() if x.startswith("description ") and len(x.split()) > 1)
                if m.group(1) not in intent.tunnel_interfaces:
                    out.append((KIND_ORDER["tunnel"], ["no " + n.text], n.text))
        for n in roots:
            m = forms.STATIC_ROUTE_RX.match(n.text)
            if m and _is_leaf(n) and m.group(4) in route_names and m.group(4) not in intent.names.get("route", ()):
                out.append((KIND_ORDER["route"], [forms.no_form(n.text)], n.text))
    if "bgp" in feats:
        seen = set()
        for n in roots:
            pm = forms.prefix_list_marker(n.text)
            if pm and pm[0] not in intent.names.get("prefix_list", ()) and pm[0] not in seen:
                seen.add(pm[0])
                out.append((KIND_ORDER["prefix_list"], ["no ip prefix-list %s" % pm[0]],
                            "ip prefix-list %s" % pm[0]))
        ours_rm = _vc_route_maps(roots)
        for n in roots:
            m = forms.ROUTE_MAP_RX.match(n.text)
            if m and m.group(1) in ours_rm and m.group(1) not in intent.names.get("route_map", ()):
                out.append((KIND_ORDER["route_map"], ["no " + n.text], n.text))
            m = forms.ROUTER_OSPF_RX.match(n.text)
            if m:
                for line in n.lines():
                    found = forms.redistribute_bgp(line)
                    if found and found[1] in ours_rm and int(m.group(1)) != intent.ospf_process:
                        out.append((KIND_ORDER["ospf"], [n.text, forms.no_form(line)], "%s %s" % (n.text, line)))
        if intent.bgp_asn is not None:
            bgp = _find_top(roots, "router bgp %s" % intent.bgp_asn)
            if bgp is not None:
                for nb in sorted(forms.neighbor_markers(bgp.lines())):
                    if nb not in intent.neighbors:
                        out.append((KIND_ORDER["bgp"], ["router bgp %s" % intent.bgp_asn, "no neighbor %s" % nb],
                                    "router bgp %s neighbor %s" % (intent.bgp_asn, nb)))
    return out


# blocks every IPsec tunnel of a router shares (no tunnel of their own)
SHARED_CRYPTO_KINDS = ("proposal", "policy", "keyring", "transform_set", "wan")


def compute(intent: Intent, running: str, features=None, prune: bool = False, update_secrets: bool = False,
            require_wan: bool = True, tunnels=None) -> DiffResult:
    """Commands that make ``running`` carry ``intent`` (for the selected features).

    ``tunnels``: plan tunnel keys of a staged apply (None: all). Objects and lines of the other tunnels
    are neither added nor removed; shared objects (IKEv2 policy, proposals, transform-sets, the WAN
    interface's crypto map, the BGP router id) follow the intent in any stage."""
    feats = list(features or forms.FEATURES)
    res = DiffResult()
    res.errors.extend(intent.errors)
    res.warnings.extend(intent.warnings)
    roots = parse_tree(running)
    check_safety(intent, roots, res, require_wan=require_wan)
    if res.errors:
        return res
    ctx = _Ctx(feats, update_secrets, tunnels, intent)

    stale = find_stale(intent, roots, feats)
    for _order, _cmds, label in stale:
        res.stale.append(label)
    if stale and not prune:
        res.warnings.append("stale Virtual Connect objects on %s (not in the plan; prune: true removes them): %s"
                            % (intent.host, "; ".join(label for _o, _c, label in stale)))
    if prune:
        for _order, cmds, _label in sorted(stale, key=lambda x: -x[0]):
            res.extend(cmds)

    top_leaves = _top_leaves(roots)
    # the shared crypto objects come with the first staged tunnel whose IPsec runs on this router: a stage whose
    # tunnels have their IPsec on another device (split, docs/ha.md) would leave them unused, hence not ours
    ipsec_keys = set(b.tunnel for b in intent.blocks if b.kind == "cmap_entry")
    ipsec_staged = ctx.tunnels is None or bool(ipsec_keys & ctx.tunnels)
    for block in intent.ordered():
        if not ctx.staged(block.tunnel):
            continue
        if block.tunnel is None and block.kind in SHARED_CRYPTO_KINDS and not ipsec_staged:
            continue
        if block.header is None:
            rnode = top_leaves
        else:
            rnode = _find_top(roots, block.header)
        cmds, before, after = diff_block(block, rnode, ctx)
        res.extend(cmds)
        res.before.extend(before)
        res.after.extend(after)
    return res


def restore_commands(intent: Intent, backup: str, current: str, features=None) -> List[str]:
    """Commands that bring the VC-owned parts of ``current`` back to what ``backup`` had.

    The backup's own VC view becomes the intent (secrets in their encrypted type 6/7 forms are
    valid input); blocks that did not exist in the backup are removed (owned) or emptied of our
    lines (shared). Shared sections and in-place edits are restored first (BGP, prefix lists,
    tunnels, ... in reverse dependency order), then objects created by the failed run are removed
    in reverse order; VC objects the run removed (prune) are re-created from the backup first.
    """
    feats = list(features or forms.FEATURES)
    broots = parse_tree(backup)
    croots = parse_tree(current)
    ctx = _Ctx(feats, False)
    recreate: List[str] = []
    current_headers = set(n.text for n in croots)
    for _order, _cmds, label in sorted(find_stale(intent, broots, feats), key=lambda x: x[0]):
        node = _find_top(broots, label)
        if node is not None and node.text not in current_headers:
            recreate.extend(_node_commands(node))
        elif label.startswith("ip prefix-list "):
            for n in broots:
                if n.text.startswith(label + " ") and n.text not in current_headers:
                    recreate.append(n.text)
    cmds: List[str] = []
    removals: List[str] = []
    for block in reversed(intent.ordered()):
        target = _target_from(block, broots, top=True)
        rnode = _top_leaves(croots) if block.header is None else _find_top(croots, block.header)
        if target is None:
            if rnode is not None and (block.owned or block.kind == "bgp"):
                # an object (or the BGP process) that the failed run created
                removals.append(forms.no_header(block.header))
                continue
            target = _empty_like(block)
        c, _b, _a = diff_block(target, rnode, ctx)
        cmds.extend(c)
    return recreate + cmds + removals


def _node_commands(node: Node) -> List[str]:
    out = [node.text]
    for c in node.children:
        if c.children:
            out.extend(_node_commands(c))
            out.append("exit")
        else:
            out.append(c.text)
    return out


def _empty_like(block: Block) -> Block:
    b = Block(block.header, block.kind, owned=block.owned, exit=block.exit)
    b.own_rx = block.own_rx
    for c in block.children:
        b.children.append(_empty_like(c))
    return b


def _target_from(block: Block, roots, top: bool = False) -> Optional[Block]:
    """A block whose lines are the backup's owned lines of ``block`` (None: absent in backup)."""
    if block.header is None:
        node = _top_leaves(roots)
    elif top:
        node = _find_top(roots, block.header)
    else:
        node = None
        for n in roots:
            if _cf(n.text, "") == _cf(block.header, ""):
                node = n
    if node is None:
        return None
    t = Block(block.header, block.kind, owned=block.owned, exit=block.exit)
    t.own_rx = block.own_rx
    for n in node.children:
        if _is_leaf(n) and block.owns(n.text):
            t.add(n.text, forms.line_feature(block.kind, n.text))
    for c in block.children:
        sub = _target_from(c, node.children)
        if sub is not None:
            t.children.append(sub)
        elif not block.owned:
            t.children.append(_empty_like(c))   # a shared block (BGP address family): only our lines go
        # in a VC-owned block a sub-block the backup did not have (a keyring peer added later, e.g. by stage 2 of
        # a staged deploy) is left out of the target, so the restore removes it whole ('no peer ...')
    if block.owned:
        # keep stale-in-backup sub-blocks (e.g. other keyring peers) as they were
        known = set(c.header for c in block.children)
        for n in node.children:
            if not _is_leaf(n) and n.text not in known:
                sub = Block(n.text, block.kind + "_child", exit="exit")
                for leaf in n.children:
                    sub.add(leaf.text, forms.line_feature(block.kind, leaf.text))
                t.children.append(sub)
    return t
