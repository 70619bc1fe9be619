# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FRR running-config vs the VC intent: what VC owns, what differs, and the vtysh lines to fix it.

Pure functions. ``parse_running`` turns ``vtysh -c 'show running-config'`` into a tree;
``frr_delta`` compares only the VC-owned parts with ``render.linux.frr_intent`` and returns the
commands for ``vtysh -f`` (configuration mode) that make them equal, never touching anything else.

An object is Virtual Connect's only when the plan names it AND it carries the collection's marker
``webex_di.virtual_connect:<key>`` in FRR's own syntax (docs/ownership.md) - never because of its name:

* a neighbour: ``neighbor X description webex_di.virtual_connect:<key>``;
* a prefix-list: ``ip prefix-list X description webex_di.virtual_connect:<key>``;
* a route-map: every entry of the name carries ``description webex_di.virtual_connect:<key>``;
* a BFD profile (FRR cannot describe one): used by a marked neighbour of ours and by nothing else;
* in ``router ospf`` (ospfd's default instance): the ``redistribute bgp`` line (DI prefixes to the core) and the
  ``redistribute kernel`` line (an IPsec device's RRI routes, docs/ha.md section 2) whose route-map is ours;
* in ``address-family ipv4 unicast``: the ``redistribute ospf`` line whose route-map is ours (the conditional
  default's condition prefixes enter the BGP table so, docs/ha.md section 3);
* ``bgp router-id`` when the plan sets it explicitly or the router has none.

An object the plan names that exists without the marker (or that another configuration uses) is
refused: :func:`frr_delta` returns an error naming it and the fix (rename, remove, or adopt it with
``adopt`` - vc_linux_adopt - labels ``neighbor X``, ``ip prefix-list X``, ``route-map X``,
``bfd profile X``). Stale objects (marked, no longer in the plan, used by nothing else) are removed.
Every other line (operator neighbours, prefix-lists, route-maps, other daemons) is never changed.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ...plan.views import marker_key

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



def timers_reset(running: str, commands: Sequence[str], neighbors: Sequence[str]) -> List[str]:
    """The neighbours of ``neighbors`` whose BGP session must be re-established for ``commands`` to take effect:
    ``commands`` (a delta) set or remove their keepalive and hold time (``[no] neighbor X timers K H`` under
    ``router bgp``, not ``timers connect``) and ``running`` (before the delta) already had the neighbour. BGP
    negotiates the hold time in its OPEN: an Established session keeps the old one until it is re-established (seen
    on FRR 8.4: ``timers 3 9`` on a session up with 10/30 left it at 30 s until ``clear bgp``). A new neighbour negotiates the new timers anyway."""
    router = bgp_router(parse_running(running))
    had = set(_nbr(n["line"]) for n in (router or {}).get("children", []) if n["line"].split()[2:3] == ["remote-as"])
    in_bgp, typed = False, set()
    for cmd in commands:
        if cmd and not cmd.startswith(" "):
            in_bgp = cmd.split()[:2] == ["router", "bgp"]
            continue
        words = cmd.split()
        words = words[1:] if words[:1] == ["no"] else words         # removed timers: back to the defaults
        if in_bgp and len(words) >= 4 and words[0] == "neighbor" and words[2] == "timers" and words[3].isdigit():
            typed.add(words[1])
    return [n for n in neighbors if n in typed and n in had]

def _pl_name(line: str) -> str:
    return line.split()[2]


def _description(line: str) -> Optional[str]:
    """The text of a ``neighbor X description TEXT`` line, else None."""
    words = line.split(None, 3)
    return words[3] if len(words) == 4 and words[0] == "neighbor" and words[2] == "description" else None


def _marked_lines(lines: Sequence[str]) -> bool:
    """A route-map entry's lines carry our marker (``description webex_di.virtual_connect:<key>``)."""
    return any(x.startswith("description ") and marker_key(x[len("description "):]) for x in lines)


def _flatten(nodes: List[Dict[str, Any]], skip: Any) -> List[str]:
    """Every line of ``nodes`` (and their children) except the nodes ``skip(node)`` says are ours."""
    out = []  # type: List[str]
    for n in nodes:
        if skip(n):
            continue
        out.append(n["line"])
        out += _flatten(n["children"], skip)
    return out


_WORD = re.compile(r"\S+")


def owned(running: str, intent: Dict[str, Any], keep: Optional[Dict[str, Any]] = None,
          adopt: Sequence[str] = ()) -> Dict[str, Any]:
    """The VC-owned part of a running config, in the shape of the intent, and what is refused.

    ``keep``: ``{neighbors: [ip], names: [object name]}`` of planned tunnels a staged run leaves alone:
    they are neither compared nor taken for stale. ``adopt``: labels (``neighbor X``, ``ip prefix-list X``,
    ``route-map X``, ``bfd profile X``) of unmarked objects the plan names that this run takes over.

    ``foreign``: labels of objects the plan names that exist without our marker (not adopted);
    ``used_elsewhere``: labels of objects the plan names that another configuration uses (a neighbour, a
    route-map entry, a ``redistribute`` line that is not ours); ``kept_stale``: stale objects of ours left in
    place because another configuration uses them."""
    keep_nbrs = set((keep or {}).get("neighbors") or ())
    keep_names = set((keep or {}).get("names") or ())
    adopt = set(adopt or ())
    tree = parse_running(running)
    router = bgp_router(tree)
    router_lines = _lines(router["children"]) if router else []
    af_node = _child(router["children"], AF) if router else None
    af_lines = _lines(af_node["children"]) if af_node else []
    foreign = []  # type: List[str]

    # neighbours: marked by their description
    present = set(_nbr(x) for x in router_lines if _nbr(x))
    marked_nbrs = set(_nbr(x) for x in router_lines if marker_key(_description(x)))
    planned_nbrs = set(intent["neighbors"])
    for ip in sorted(planned_nbrs & present, key=_ip_key):
        if ip not in marked_nbrs and "neighbor %s" % ip not in adopt:
            foreign.append("neighbor %s" % ip)
    stale = set(ip for ip in marked_nbrs if ip not in planned_nbrs and ip not in keep_nbrs)
    mine = (planned_nbrs - set(x.split()[1] for x in foreign)) | stale

    # prefix-lists: marked by their description line
    pl_lines = {}  # type: Dict[str, List[str]]
    for n in tree:
        if n["line"].startswith("ip prefix-list "):
            pl_lines.setdefault(_pl_name(n["line"]), []).append(n["line"])
    pl_marked = set(name for name, lines in pl_lines.items()
                    if any(x.startswith("ip prefix-list %s description " % name)
                           and marker_key(x.split(None, 4)[4] if len(x.split(None, 4)) == 5 else None) for x in lines))
    # route-maps: each entry marked by its description
    rm_entries = {}  # type: Dict[str, Dict[str, List[str]]]
    for n in tree:
        words = n["line"].split()
        if len(words) == 4 and words[0] == "route-map":
            rm_entries.setdefault(words[1], {})[n["line"]] = _lines(n["children"])
    planned_pl = set(intent.get("prefix_lists") or ())
    planned_rm = set(h.split()[1] for h in intent.get("route_maps") or ())
    planned_bfd = set(intent.get("bfd_profiles") or ())

    ours_pl = set()  # type: Set[str]
    for name in sorted(pl_lines):
        if name in keep_names:
            continue
        if name in planned_pl:
            if name in pl_marked or "ip prefix-list %s" % name in adopt:
                ours_pl.add(name)
            else:
                foreign.append("ip prefix-list %s" % name)
        elif name in pl_marked:
            ours_pl.add(name)                 # stale (removed unless used elsewhere)
    ours_rm = {}  # type: Dict[str, List[str]]   header -> lines (only entries of ours)
    for name in sorted(rm_entries):
        if name in keep_names:
            continue
        entries = rm_entries[name]
        if name in planned_rm:
            if "route-map %s" % name in adopt or all(_marked_lines(body) for body in entries.values()):
                ours_rm.update(entries)
            else:
                foreign.append("route-map %s" % name)
        else:
            ours_rm.update((h, body) for h, body in entries.items() if _marked_lines(body))   # stale entries of ours
    ours_rm_names = set(h.split()[1] for h in ours_rm)

    # BFD profiles: no description in FRR - ours when the plan names it (or it is stale) and only neighbours of ours use it
    bfd = _child(tree, "bfd")
    profiles = {}  # type: Dict[str, List[str]]
    for p in (bfd["children"] if bfd else []):
        words = p["line"].split()
        if len(words) == 2 and words[0] == "profile":
            profiles[words[1]] = _lines(p["children"])
    used_by = {}  # type: Dict[str, Set[str]]   profile -> neighbours using it
    for line in router_lines:
        words = line.split()
        if len(words) >= 5 and words[0] == "neighbor" and words[2] == "bfd" and words[3] == "profile":
            used_by.setdefault(words[4], set()).add(words[1])
    ours_bfd = set()  # type: Set[str]
    for name in sorted(profiles):
        if name in keep_names:
            continue
        users = used_by.get(name, set())
        by_ours = bool(users) and users <= mine      # every neighbour in mine that exists is marked or adopted
        if name in planned_bfd:
            if by_ours or "bfd profile %s" % name in adopt:
                ours_bfd.add(name)
            elif not (users - mine):
                foreign.append("bfd profile %s" % name)
        elif by_ours:
            ours_bfd.add(name)

    # what another configuration uses: any word of a line that is not ours (descriptions and remarks say nothing)
    ospf_node = _child(tree, "router ospf")

    def is_ours(node: Dict[str, Any]) -> bool:
        line = node["line"]
        words = line.split()
        if line.startswith("ip prefix-list ") and _pl_name(line) in ours_pl:
            return True
        if line in ours_rm:
            return True
        if _nbr(line) in mine:
            return True
        if len(words) == 2 and words[0] == "profile" and words[1] in ours_bfd:
            return True
        if words[:2] in REDIST_LINES and _redist_route_map(words) in ours_rm_names:
            return True
        if words[:2] in BGP_SOURCE_LINES and _redist_route_map(words) in ours_rm_names:
            return True
        return words[:1] in (["description"], ["remark"]) or (len(words) > 2 and words[2] == "description")

    elsewhere = set()  # type: Set[str]
    for line in _flatten(tree, is_ours):
        elsewhere.update(_WORD.findall(line))
    used_elsewhere = []  # type: List[str]
    for kind, names in (("ip prefix-list", planned_pl), ("route-map", planned_rm), ("bfd profile", planned_bfd)):
        for name in sorted(names):
            if name in elsewhere and name not in keep_names and "%s %s" % (kind, name) not in foreign:
                used_elsewhere.append("%s %s" % (kind, name))
    kept_stale = []  # type: List[str]
    for name in sorted(ours_pl - planned_pl):
        if name in elsewhere:
            ours_pl.discard(name)
            kept_stale.append("ip prefix-list %s" % name)
    for name in sorted(ours_rm_names - planned_rm):
        if name in elsewhere:
            for h in [h for h in ours_rm if h.split()[1] == name]:
                del ours_rm[h]
            kept_stale.append("route-map %s" % name)
    for name in sorted(ours_bfd - planned_bfd):
        if name in elsewhere:
            ours_bfd.discard(name)
            kept_stale.append("bfd profile %s" % name)

    out = {
        "router_asn": int(router["line"].split()[2]) if router else None,
        "router_id": None,
        "prefix_lists": dict((name, pl_lines[name]) for name in ours_pl),
        "route_maps": ours_rm,
        "bfd_profiles": dict((name, profiles[name]) for name in ours_bfd),
        "neighbors": {},
        "af_neighbors": {},
        "stale_neighbors": sorted(stale, key=_ip_key),
        "foreign": foreign,
        "used_elsewhere": used_elsewhere,
        "kept_stale": kept_stale,
        "activate_needed": "no bgp default ipv4-unicast" in router_lines,
        "ospf": _ospf_part(ospf_node, ours_rm_names),
        "bgp_sources": [],
        "foreign_sources": [],
    }  # type: Dict[str, Any]
    wanted_sources = set(tuple(x.split()[:2]) for x in intent.get("bgp_sources") or [])
    for line in af_lines:
        words = line.split()
        if words[:2] not in BGP_SOURCE_LINES:
            continue
        if _redist_route_map(words) in ours_rm_names:
            out["bgp_sources"].append(line)
        elif tuple(words[:2]) in wanted_sources:
            out["foreign_sources"].append(line)
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


REDIST_LINES = (["redistribute", "bgp"], ["redistribute", "kernel"])   # the ospfd lines Virtual Connect may own
BGP_SOURCE_LINES = (["redistribute", "ospf"],)    # the bgpd address-family lines it may own (conditional default)
OSPF_INTENTS = ("ospf", "ospf_rri")      # intent keys: the DI prefixes to the core (bgp), the RRI routes (kernel)


def _redist_route_map(words: List[str]) -> Optional[str]:
    return words[words.index("route-map") + 1] if "route-map" in words[:-1] else None


def _ospf_part(node: Optional[Dict[str, Any]], ours_rm: Set[str]) -> Dict[str, Any]:
    """ospfd's default instance: does it exist, its ``redistribute bgp|kernel`` lines with a route-map of ours and the
    others."""
    part = {"exists": node is not None, "vc": [], "foreign": []}  # type: Dict[str, Any]
    for line in _lines(node["children"]) if node else []:
        words = line.split()
        if words[:2] not in REDIST_LINES:
            continue
        part["vc" if _redist_route_map(words) in ours_rm else "foreign"].append(line)
    return part


def _ospf_commands(have: Dict[str, Any], intent: Dict[str, Any]) -> Tuple[List[str], Optional[str]]:
    """Commands that make ospfd's VC redistribution what the intent says (none wanted: removed), or an error."""
    wants = _ospf_wants(intent)
    part = have.get("ospf") or {"exists": False, "vc": [], "foreign": []}
    if wants and not part["exists"]:
        if not (intent.get("ospf") or {}).get("redistribute"):
            return [], ("FRR has no 'router ospf' (ospfd's default instance): the IPsec device of a split tunnel hands its RRI "
                        "route to the GRE router through the inside OSPF (docs/ha.md); Virtual Connect does not create "
                        "the OSPF network: configure OSPF towards the GRE router first")
        return [], ("FRR has no 'router ospf' (ospfd's default instance): Virtual Connect redistributes into the customer's "
                    "OSPF, it does not create one; configure OSPF first or use vc_redistribution protocol bgp")
    for want in wants:
        clash = [x for x in part["foreign"] if x.split()[:2] == want.split()[:2]]
        if clash and want.split()[1] == "kernel":
            return [], ("'router ospf' already has '%s' (not ours): FRR keeps one 'redistribute kernel' per instance, so "
                        "Virtual Connect would replace it; remove it, or add the RRI routes (docs/ha.md) to its route-map "
                        "yourself" % clash[0])
        if clash:
            return [], ("'router ospf' already has '%s' (not ours): FRR keeps one 'redistribute bgp' per instance, so Virtual "
                        "Connect would replace it; remove it or add the DI prefixes to its route-map yourself" % clash[0])
    sub = ["no " + x for x in part["vc"] if x not in wants] + [w for w in wants if w not in part["vc"]]
    return (["router ospf"] + [" " + x for x in sub] + ["exit"]) if sub else [], None


def _ospf_wants(intent: Dict[str, Any]) -> List[str]:
    return [intent[k]["redistribute"] for k in OSPF_INTENTS if (intent.get(k) or {}).get("redistribute")]


def _removals(have: List[str], want: List[str]) -> List[str]:
    """Lines to negate: owned lines not wanted, except those a wanted line overwrites in place."""
    keep_keys = set()
    for w in want:
        words = w.split()
        if len(words) > 2 and words[0] == "neighbor" and words[2] in ("remote-as", "default-originate"):
            keep_keys.add(" ".join(words[:3]))
    out = []
    for h in have:
        if h in want:
            continue
        if " ".join(h.split()[:3]) in keep_keys:
            continue  # 'no neighbor X remote-as' would delete the whole neighbour; 'no ... default-originate' would
            #           withdraw the default before the new form (with or without route-map) sends it again
        out.append("no " + h)
    return out


def _adds(have: List[str], want: List[str]) -> List[str]:
    return [w for w in want if w not in have]


def frr_delta(running: str, intent: Dict[str, Any], keep: Optional[Dict[str, Any]] = None,
              adopt: Sequence[str] = (), host: str = "this CPE") -> Dict[str, Any]:
    """Compare; return ``{commands, before, after, error, warnings}`` (commands for ``vtysh -f``).

    ``keep``: the FRR objects of planned tunnels this (staged) run does not change; ``adopt``: unmarked objects
    the plan names to take over, see :func:`owned`. ``error`` (no command then) names every refused object."""
    have = owned(running, intent, keep, adopt)
    warnings = []  # type: List[str]
    if have["kept_stale"]:
        warnings.append("FRR on %s: stale Virtual Connect object(s) %s are used by another configuration: left in place; "
                        "remove them once nothing uses them" % (host, ", ".join(have["kept_stale"])))
    asn = intent["asn"]
    if asn is not None and have["router_asn"] is not None and have["router_asn"] != asn:
        return {
            "commands": [],
            "before": render_owned(have),
            "after": "",
            "warnings": warnings,
            "error": "FRR already runs 'router bgp %s' but the plan needs AS %s for this CPE: set vc_bgp_asn: %s for this host "
            "(Virtual Connect then uses per-neighbour local-as)" % (have["router_asn"], asn, have["router_asn"]),
        }
    refused = ownership_errors(have, host)
    if refused:
        return {"commands": [], "before": render_owned(have), "after": "", "error": "; ".join(refused), "warnings": warnings}
    cond_error = _default_condition_error(have, intent, host)
    if cond_error:
        return {"commands": [], "before": render_owned(have), "after": "", "error": cond_error, "warnings": warnings}
    ospf_cmds, ospf_error = _ospf_commands(have, intent)
    if ospf_error:
        return {"commands": [], "before": render_owned(have), "after": "", "error": ospf_error, "warnings": warnings}
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
    wanted_src = intent.get("bgp_sources") or []
    afcmds = ["no " + x for x in have["bgp_sources"] if x not in wanted_src] + _adds(have["bgp_sources"], wanted_src)
    for ip, lines in intent["af_neighbors"].items():
        cur = have["af_neighbors"].get(ip, [])
        afcmds += _removals(cur, lines) + _adds(cur, lines)
    if (rcmds or afcmds) and asn is None:     # an IPsec-only device (no BGP of ours) with stale VC neighbours
        asn = have["router_asn"]
    if (rcmds or afcmds) and asn is not None:
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
        "bgp_sources": list(wanted_src),
        "ospf": {"vc": _ospf_wants(intent)},
    }
    before = dict(have)
    if not (want_rid or (have["router_id"] and have["router_id"] == intent.get("router_id"))):
        before["router_id"] = None
    return {"commands": cmds, "before": render_owned(before), "after": render_owned(after), "error": None,
            "warnings": warnings}


def _default_condition_error(have: Dict[str, Any], intent: Dict[str, Any], host: str) -> Optional[str]:
    """The conditional default (docs/ha.md section 3) brings its condition prefixes into the BGP table with
    ``redistribute ospf``: refused when the operator has one already (FRR keeps one per source: ours would replace
    it)."""
    if intent.get("bgp_sources") and have.get("foreign_sources"):
        return ("FRR on %s already has '%s' in 'router bgp' (not ours): FRR keeps one per source, so the conditional "
                "default (vc_redistribution.default_requires) would replace it; remove it, or drop default_requires and "
                "match the customer prefix in a default-originate route-map of your own"
                % (host, "', '".join(have["foreign_sources"])))
    return None


def ownership_errors(have: Dict[str, Any], host: str) -> List[str]:
    """The refusals of :func:`owned`'s result, each naming the objects, the CPE and the fix."""
    out = []
    if have["foreign"]:
        out.append(
            "FRR on %s already has %s, named by the plan but without the Virtual Connect marker (description "
            "'webex_di.virtual_connect:<tunnel key>'): refusing to change them; rename ours (the region label, the tunnel "
            "addresses), remove them, or adopt them explicitly with vc_linux_adopt: %s"
            % (host, ", ".join(have["foreign"]), have["foreign"]))
    if have["used_elsewhere"]:
        out.append(
            "FRR on %s: %s, named by the plan, are used by another configuration (a neighbour, route-map or redistribute "
            "line that is not Virtual Connect's): refusing to change them under it; rename ours (the region label) or "
            "make that configuration stop using them" % (host, ", ".join(have["used_elsewhere"])))
    return out


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
    if part.get("router_asn") is not None and (part.get("neighbors") or part.get("router_id") or part.get("bgp_sources")):
        out.append("router bgp %s" % part["router_asn"])
        if part.get("router_id"):
            out.append(" bgp router-id %s" % part["router_id"])
        for ip in sorted(part.get("neighbors", {}), key=_ip_key):
            out += [" " + x for x in sorted(part["neighbors"][ip])]
        if part.get("af_neighbors") or part.get("bgp_sources"):
            out.append(" " + AF)
            out += ["  " + x for x in sorted(part.get("bgp_sources") or [])]
            for ip in sorted(part.get("af_neighbors") or {}, key=_ip_key):
                out += ["  " + x for x in sorted(part["af_neighbors"][ip])]
            out.append(" exit-address-family")
        out.append("exit")
    ospf_vc = (part.get("ospf") or {}).get("vc") or []
    if ospf_vc:
        out += ["router ospf"] + [" " + x for x in sorted(ospf_vc)] + ["exit"]
    return "\n".join(out) + ("\n" if out else "")


def _seq_key(line: str) -> Tuple[str, int]:
    words = line.split()
    if len(words) > 3 and words[3] == "description":
        return (words[2], -1)
    try:
        return (words[2], int(words[4]))
    except (IndexError, ValueError):
        return (line, 0)


def _ip_key(ip: str) -> Tuple[int, ...]:
    try:
        return tuple(int(x) for x in ip.split("."))
    except ValueError:
        return (1 << 16,)
