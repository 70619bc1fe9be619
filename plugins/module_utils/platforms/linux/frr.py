# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR running-config vs the VC intent: what VC owns, what differs, and the vtysh lines to fix it.

Pure functions. ``parse_running`` turns ``vtysh -c 'show running-config'`` into a tree;
``frr_delta`` compares only the VC-owned parts with ``render.linux.frr_intent`` and returns the
commands for ``vtysh -f`` (configuration mode) that make them equal, never touching anything else:

* prefix-lists and route-maps whose name starts with ``VC-``; BFD profiles ``VC-*``;
* in ``router ospf`` (ospfd's default instance): ``redistribute bgp`` lines whose route-map is ``VC-*``
  (redistribution of the DI prefixes, docs/ha.md);
* in ``router bgp <asn>`` (default VRF): lines of the plan's neighbours, lines of neighbours whose
  description starts with ``VC-`` (stale VC neighbours: removed), and ``bgp router-id`` when the
  plan sets it explicitly or the router has none.

Every other line (operator neighbours, prefix-lists, route-maps, other daemons) is invisible here.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from .render import FRR_PREFIX

SKIP = ("!", "exit", "exit-address-family", "end", "Building configuration...", "Current configuration:")
AF = "address-family ipv4 unicast"


def parse_running(text: str) -> List[Dict[str, Any]]:
    """Indentation tree of an FRR configuration: ``[{line, children: [...]}]``."""
    root = {"line": None, "children": [], "indent": -1}  # type: Dict[str, Any]
    stack = [root]
    for raw in text.splitlines():
        if not raw.strip() or raw.strip() in SKIP:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        node = {"line": raw.strip(), "children": [], "indent": indent}
        while stack[-1]["indent"] >= indent:
            stack.pop()
        stack[-1]["children"].append(node)
        stack.append(node)
    return root["children"]


def _lines(nodes: List[Dict[str, Any]]) -> List[str]:
    return [n["line"] for n in nodes]


def _child(nodes: List[Dict[str, Any]], line: str) -> Optional[Dict[str, Any]]:
    for n in nodes:
        if n["line"] == line:
            return n
    return None


def bgp_router(tree: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The default-VRF ``router bgp N`` node, if any."""
    for n in tree:
        words = n["line"].split()
        if len(words) == 3 and words[:2] == ["router", "bgp"]:
            return n
    return None


def needs_activate(running: str) -> bool:
    """``no bgp default ipv4-unicast``: neighbours must be activated explicitly."""
    router = bgp_router(parse_running(running))
    return bool(router) and "no bgp default ipv4-unicast" in _lines(router["children"])


def _nbr(line: str) -> Optional[str]:
    words = line.split()
    return words[1] if len(words) > 2 and words[0] == "neighbor" else None


def _pl_name(line: str) -> str:
    return line.split()[2]


def owned(running: str, intent: Dict[str, Any], keep: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The VC-owned part of a running config, in the shape of the intent.

    ``keep``: ``{neighbors: [ip], names: [object name]}`` of planned tunnels a staged run leaves alone:
    they are neither compared nor taken for stale."""
    keep_nbrs = set((keep or {}).get("neighbors") or ())
    keep_names = set((keep or {}).get("names") or ())
    tree = parse_running(running)
    router = bgp_router(tree)
    router_lines = _lines(router["children"]) if router else []
    af_node = _child(router["children"], AF) if router else None
    af_lines = _lines(af_node["children"]) if af_node else []
    stale = set()  # type: Set[str]
    for line in router_lines:
        words = line.split()
        if len(words) >= 4 and words[0] == "neighbor" and words[2] == "description" and words[3].startswith(FRR_PREFIX):
            if words[1] not in intent["neighbors"] and words[1] not in keep_nbrs:
                stale.add(words[1])
    mine = set(intent["neighbors"]) | stale
    # a neighbour of ours that exists without our description is not ours (docs/ownership.md); neither is a
    # VC-named object that a neighbour of another configuration uses (it is never changed or removed)
    described = set(w.split()[1] for w in router_lines
                    if len(w.split()) >= 4 and w.split()[2] == "description" and w.split()[3].startswith(FRR_PREFIX))
    present = set(_nbr(x) for x in router_lines if _nbr(x))
    foreign = sorted(ip for ip in intent["neighbors"] if ip in present and ip not in described)
    mine -= set(foreign)
    used_by_others = set()
    for line in router_lines + af_lines:
        words = line.split()
        if len(words) >= 4 and words[0] == "neighbor" and words[1] not in mine \
                and words[2] in ("route-map", "prefix-list", "bfd"):
            used_by_others.add(words[-2] if words[2] != "bfd" else words[-1])
    keep_names = keep_names | used_by_others
    bfd = _child(tree, "bfd")
    out = {
        "router_asn": int(router["line"].split()[2]) if router else None,
        "router_id": None,
        "prefix_lists": {},
        "route_maps": {},
        "bfd_profiles": {},
        "neighbors": {},
        "af_neighbors": {},
        "stale_neighbors": sorted(stale),
        "foreign_neighbors": foreign,
        "foreign_objects": sorted(n for n in used_by_others if n in _intent_names(intent)),
        "activate_needed": "no bgp default ipv4-unicast" in router_lines,
        "ospf": _ospf_part(tree),
    }  # type: Dict[str, Any]
    for n in tree:
        line = n["line"]
        if line.startswith("ip prefix-list " + FRR_PREFIX) and _pl_name(line) not in keep_names:
            out["prefix_lists"].setdefault(_pl_name(line), []).append(line)
        elif line.startswith("route-map " + FRR_PREFIX) and line.split()[1] not in keep_names:
            out["route_maps"][line] = _lines(n["children"])
    if bfd:
        for p in bfd["children"]:
            words = p["line"].split()
            if len(words) == 2 and words[0] == "profile" and words[1].startswith(FRR_PREFIX) and words[1] not in keep_names:
                out["bfd_profiles"][words[1]] = _lines(p["children"])
    for line in router_lines:
        if line.startswith("bgp router-id "):
            out["router_id"] = line.split()[2]
        ip = _nbr(line)
        if ip in mine:
            out["neighbors"].setdefault(ip, []).append(line)
    for line in af_lines:
        ip = _nbr(line)
        if ip in mine:
            out["af_neighbors"].setdefault(ip, []).append(line)
    return out


def _ospf_part(tree: List[Dict[str, Any]]) -> Dict[str, Any]:
    """ospfd's default instance: does it exist, its ``redistribute bgp`` lines with a VC route-map (ours) and without."""
    node = _child(tree, "router ospf")
    part = {"exists": node is not None, "vc": [], "foreign": []}  # type: Dict[str, Any]
    for line in _lines(node["children"]) if node else []:
        words = line.split()
        if words[:2] != ["redistribute", "bgp"]:
            continue
        rmap = words[words.index("route-map") + 1] if "route-map" in words[:-1] else None
        part["vc" if rmap and rmap.startswith(FRR_PREFIX) else "foreign"].append(line)
    return part


def _ospf_commands(have: Dict[str, Any], intent: Dict[str, Any]) -> Tuple[List[str], Optional[str]]:
    """Commands that make ospfd's VC redistribution what the intent says (none wanted: removed), or an error."""
    want = (intent.get("ospf") or {}).get("redistribute")
    part = have.get("ospf") or {"exists": False, "vc": [], "foreign": []}
    if want and not part["exists"]:
        return [], ("FRR has no 'router ospf' (ospfd's default instance): Virtual Connect redistributes into the customer's "
                    "OSPF, it does not create one; configure OSPF first or use vc_redistribution protocol bgp")
    if want and part["foreign"]:
        return [], ("'router ospf' already has '%s' (not ours): FRR keeps one 'redistribute bgp' per instance, so Virtual "
                    "Connect would replace it; remove it or add the DI prefixes to its route-map yourself" % part["foreign"][0])
    sub = ["no " + x for x in part["vc"] if x != want] + ([want] if want and want not in part["vc"] else [])
    return (["router ospf"] + [" " + x for x in sub] + ["exit"]) if sub else [], None


def _intent_names(intent: Dict[str, Any]) -> Set[str]:
    names = set(intent.get("prefix_lists") or ())
    names.update(h.split()[1] for h in intent.get("route_maps") or ())
    names.update(intent.get("bfd_profiles") or ())
    return names


def _removals(have: List[str], want: List[str]) -> List[str]:
    """Lines to negate: owned lines not wanted, except those a wanted line overwrites in place."""
    keep_keys = set()
    for w in want:
        words = w.split()
        if len(words) > 2 and words[0] == "neighbor" and words[2] == "remote-as":
            keep_keys.add(" ".join(words[:3]))
    out = []
    for h in have:
        if h in want:
            continue
        if " ".join(h.split()[:3]) in keep_keys:
            continue  # 'no neighbor X remote-as' would delete the whole neighbour
        out.append("no " + h)
    return out


def _adds(have: List[str], want: List[str]) -> List[str]:
    return [w for w in want if w not in have]


def frr_delta(running: str, intent: Dict[str, Any], keep: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Compare; return ``{commands, before, after, error}`` (commands for ``vtysh -f``).

    ``keep``: the FRR objects of planned tunnels this (staged) run does not change, see :func:`owned`."""
    have = owned(running, intent, keep)
    asn = intent["asn"]
    if have["router_asn"] is not None and have["router_asn"] != asn:
        return {
            "commands": [],
            "before": render_owned(have),
            "after": "",
            "error": "FRR already runs 'router bgp %s' but the plan needs AS %s for this CPE: set vc_bgp_asn: %s for this host "
            "(Virtual Connect then uses per-neighbour local-as)" % (have["router_asn"], asn, have["router_asn"]),
        }
    if have["foreign_neighbors"] or have["foreign_objects"]:
        return {
            "commands": [],
            "before": render_owned(have),
            "after": "",
            "error": "FRR already has %s that the plan names but that are not Virtual Connect's (%s): refusing to change "
            "them; choose other tunnel addresses or region labels, or remove them" % (
                ", ".join(["neighbor %s" % n for n in have["foreign_neighbors"]] + list(have["foreign_objects"])),
                "no 'description VC-...'" if have["foreign_neighbors"] else "used by a neighbour of another configuration"),
        }
    ospf_cmds, ospf_error = _ospf_commands(have, intent)
    if ospf_error:
        return {"commands": [], "before": render_owned(have), "after": "", "error": ospf_error}
    want_rid = None
    if intent.get("router_id") and (intent.get("router_id_explicit") or have["router_asn"] is None or have["router_id"] in (None, intent["router_id"])):
        want_rid = intent["router_id"]
    cmds = []  # type: List[str]

    # prefix-lists: fix entries of the wanted lists (stale lists go last, after their users)
    for name, lines in intent["prefix_lists"].items():
        cur = have["prefix_lists"].get(name, [])
        cmds += ["no " + x for x in cur if x not in lines]
        cmds += _adds(cur, lines)
    for header, body in intent["route_maps"].items():
        cur = have["route_maps"].get(header)
        if cur is None or sorted(cur) != sorted(body):
            sub = ["no " + x for x in (cur or []) if x not in body] + _adds(cur or [], body)
            cmds += [header] + [" " + x for x in sub] + ["exit"]
    bfd_cmds = []  # type: List[str]
    for name, body in intent["bfd_profiles"].items():
        cur = have["bfd_profiles"].get(name)
        if cur is None or sorted(cur) != sorted(body):
            sub = ["no " + x for x in (cur or []) if x not in body] + _adds(cur or [], body)
            bfd_cmds += [" profile %s" % name] + ["  " + x for x in sub] + [" exit"]
    if bfd_cmds:
        cmds += ["bfd"] + bfd_cmds + ["exit"]

    rcmds = []  # type: List[str]
    for ip in have["stale_neighbors"]:
        rcmds.append("no neighbor %s" % ip)
    if want_rid and have["router_id"] != want_rid:
        rcmds.append("bgp router-id %s" % want_rid)
    for ip, lines in intent["neighbors"].items():
        cur = have["neighbors"].get(ip, [])
        rcmds += _removals(cur, lines) + _adds(cur, lines)
    afcmds = []  # type: List[str]
    for ip, lines in intent["af_neighbors"].items():
        cur = have["af_neighbors"].get(ip, [])
        afcmds += _removals(cur, lines) + _adds(cur, lines)
    if rcmds or afcmds:
        cmds.append("router bgp %s" % asn)
        cmds += [" " + x for x in rcmds]
        if afcmds:
            cmds += [" " + AF] + ["  " + x for x in afcmds] + [" exit-address-family"]
        cmds.append("exit")

    cmds += ospf_cmds

    # stale VC objects, now unreferenced
    for header in sorted(have["route_maps"]):
        if header not in intent["route_maps"]:
            cmds.append("no " + header)
    for name in sorted(have["prefix_lists"]):
        if name not in intent["prefix_lists"]:
            cmds.append("no ip prefix-list %s" % name)
    stale_bfd = [p for p in sorted(have["bfd_profiles"]) if p not in intent["bfd_profiles"]]
    if stale_bfd:
        cmds += ["bfd"] + [" no profile %s" % p for p in stale_bfd] + ["exit"]

    after = {
        "router_asn": asn,
        "router_id": want_rid if want_rid else (have["router_id"] if intent.get("router_id") and have["router_id"] == intent["router_id"] else None),
        "prefix_lists": intent["prefix_lists"],
        "route_maps": intent["route_maps"],
        "bfd_profiles": intent["bfd_profiles"],
        "neighbors": intent["neighbors"],
        "af_neighbors": intent["af_neighbors"],
        "ospf": {"vc": [intent["ospf"]["redistribute"]] if intent.get("ospf") else []},
    }
    before = dict(have)
    if not (want_rid or (have["router_id"] and have["router_id"] == intent.get("router_id"))):
        before["router_id"] = None
    return {"commands": cmds, "before": render_owned(before), "after": render_owned(after), "error": None}


def render_owned(part: Dict[str, Any]) -> str:
    """Canonical text of a VC-owned FRR part (for diffs: the same order on both sides)."""
    out = []  # type: List[str]
    for name in sorted(part.get("prefix_lists", {})):
        out += sorted(part["prefix_lists"][name], key=_seq_key)
    for header in sorted(part.get("route_maps", {})):
        out += [header] + [" " + x for x in part["route_maps"][header]] + ["exit"]
    if part.get("bfd_profiles"):
        out.append("bfd")
        for name in sorted(part["bfd_profiles"]):
            out += [" profile %s" % name] + ["  " + x for x in sorted(part["bfd_profiles"][name])] + [" exit"]
        out.append("exit")
    if part.get("router_asn") is not None and (part.get("neighbors") or part.get("router_id")):
        out.append("router bgp %s" % part["router_asn"])
        if part.get("router_id"):
            out.append(" bgp router-id %s" % part["router_id"])
        for ip in sorted(part.get("neighbors", {}), key=_ip_key):
            out += [" " + x for x in sorted(part["neighbors"][ip])]
        if part.get("af_neighbors"):
            out.append(" " + AF)
            for ip in sorted(part["af_neighbors"], key=_ip_key):
                out += ["  " + x for x in sorted(part["af_neighbors"][ip])]
            out.append(" exit-address-family")
        out.append("exit")
    ospf_vc = (part.get("ospf") or {}).get("vc") or []
    if ospf_vc:
        out += ["router ospf"] + [" " + x for x in sorted(ospf_vc)] + ["exit"]
    return "\n".join(out) + ("\n" if out else "")


def _seq_key(line: str) -> Tuple[str, int]:
    words = line.split()
    try:
        return (words[2], int(words[4]))
    except (IndexError, ValueError):
        return (line, 0)


def _ip_key(ip: str) -> Tuple[int, ...]:
    try:
        return tuple(int(x) for x in ip.split("."))
    except ValueError:
        return (1 << 16,)
