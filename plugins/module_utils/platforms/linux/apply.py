# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Idempotency logic for the Linux live state: what differs, and the commands that fix only that.

Pure functions over parsed ``ip -j`` / ``nft -j`` output, so the decisions are unit-tested without
a kernel. The modules run the commands.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Sequence

from ...plan.secrets import MASK
from ...plan.views import marker_key


def _gre_info(link: Dict[str, Any]) -> Dict[str, Any]:
    info = link.get("linkinfo") or {}
    data = info.get("info_data") or {}
    ttl = data.get("ttl")
    return {
        "kind": info.get("info_kind"),
        "local": data.get("local"),
        "remote": data.get("remote"),
        "ttl": 0 if ttl in (None, "inherit") else int(ttl),
        "pmtudisc": bool(data.get("pmtudisc", True)),
    }


def _ipv4(addr_entry: Optional[Dict[str, Any]]) -> List[str]:
    if not addr_entry:
        return []
    return ["%s/%s" % (a["local"], a["prefixlen"]) for a in addr_entry.get("addr_info", []) if a.get("family") == "inet"]


def link_summary(link: Optional[Dict[str, Any]], addr: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if link is None:
        return None
    g = _gre_info(link)
    return {
        "name": link.get("ifname"),
        "kind": g["kind"],
        "local": g["local"],
        "remote": g["remote"],
        "ttl": g["ttl"],
        "pmtudisc": g["pmtudisc"],
        "mtu": link.get("mtu"),
        "up": "UP" in (link.get("flags") or []),
        "addresses": _ipv4(addr),
        "alias": link.get("ifalias"),
    }


def _want_summary(want: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "name": want["name"],
        "kind": "gre",
        "local": want["local"],
        "remote": want["remote"],
        "ttl": int(want["ttl"]),
        "pmtudisc": bool(want["pmtudisc"]),
        "mtu": int(want["mtu"]),
        "up": True,
        "addresses": [want["address"]],
        "alias": want.get("alias"),
    }


def _create(want: Dict[str, Any]) -> List[List[str]]:
    return [
        ["link", "add", want["name"], "type", "gre", "local", want["local"], "remote", want["remote"], "ttl", str(want["ttl"]),
         "pmtudisc" if want["pmtudisc"] else "nopmtudisc"],
        ["link", "set", "dev", want["name"], "mtu", str(want["mtu"]), "up"],
        ["addr", "add", want["address"], "dev", want["name"]],
    ] + ([["link", "set", "dev", want["name"], "alias", want["alias"]]] if want.get("alias") else [])


def gre_changes(
    wanted: Sequence[Dict[str, Any]], links: Sequence[Dict[str, Any]], addrs: Sequence[Dict[str, Any]], prune: bool = True,
    keep: Sequence[str] = (), adopt: Sequence[str] = (),
) -> Dict[str, Any]:
    """``ip`` argument lists that make the VC GRE links match ``wanted`` (from ``render.gre_links``).

    ``links`` is ``ip -j -d link show``, ``addrs`` is ``ip -j addr show``. ``keep``: link names left as they
    are (planned tunnels not staged in this run), never pruned. Returns ``{commands, before, after}`` where
    before/after are per-link summaries (diff material), and ``foreign``: the wanted links that exist without our
    marker (the alias ``webex_di.virtual_connect:<key>``) - never changed; the caller refuses the run - unless
    named in ``adopt``. Pruning removes only links carrying our marker, never a link because of its name.
    """
    by_name = dict((x.get("ifname"), x) for x in links)
    addr_by = dict((x.get("ifname"), x) for x in addrs)
    cmds = []  # type: List[List[str]]
    before, after = {}, {}  # type: Dict[str, Any], Dict[str, Any]
    names = set()
    foreign = []
    for want in wanted:
        name = want["name"]
        names.add(name)
        have = link_summary(by_name.get(name), addr_by.get(name))
        desired = _want_summary(want)
        before[name] = have
        after[name] = desired
        if have is None:
            cmds += _create(want)
            continue
        if marker_key(have.get("alias")) is None and name not in adopt:
            foreign.append(name)
            after[name] = have
            continue
        if have["kind"] != "gre":
            cmds.append(["link", "del", "dev", name])
            cmds += _create(want)
            continue
        if (have["local"], have["remote"], have["ttl"], have["pmtudisc"]) != (desired["local"], desired["remote"], desired["ttl"], desired["pmtudisc"]):
            cmds.append(["link", "set", "dev", name, "type", "gre", "local", want["local"], "remote", want["remote"], "ttl", str(want["ttl"]),
                         "pmtudisc" if want["pmtudisc"] else "nopmtudisc"])
        if have["mtu"] != desired["mtu"]:
            cmds.append(["link", "set", "dev", name, "mtu", str(desired["mtu"])])
        if not have["up"]:
            cmds.append(["link", "set", "dev", name, "up"])
        for a in have["addresses"]:
            if a not in desired["addresses"]:
                cmds.append(["addr", "del", a, "dev", name])
        for a in desired["addresses"]:
            if a not in have["addresses"]:
                cmds.append(["addr", "add", a, "dev", name])
        if want.get("alias") and have.get("alias") != want["alias"]:
            cmds.append(["link", "set", "dev", name, "alias", want["alias"]])
    if prune:
        for name in sorted(by_name):
            ours = marker_key(by_name[name].get("ifalias")) is not None
            if name and ours and name not in names and name not in keep:
                before[name] = link_summary(by_name[name], addr_by.get(name))
                after[name] = None
                cmds.append(["link", "del", "dev", name])
    return {"commands": cmds, "before": before, "after": after, "foreign": foreign}


def nft_table_tags(nft_json: Any) -> Optional[List[str]]:
    """Rule comments of a ``nft -j list table`` result; None when the output holds no table."""
    if isinstance(nft_json, str):
        try:
            nft_json = json.loads(nft_json)
        except ValueError:
            return None
    items = (nft_json or {}).get("nftables", [])
    if not any("table" in i for i in items):
        return None
    return [i["rule"].get("comment") for i in items if "rule" in i]


def nft_current(nft_json: Any, tag: str, rule_count: int) -> bool:
    """The live table is current iff it holds exactly ``rule_count`` rules, all tagged ``tag``."""
    tags = nft_table_tags(nft_json)
    return tags is not None and len(tags) == rule_count and all(t == tag for t in tags)


# ---------------------------------------------------------------------------------------------
# Files (swanctl, networkd, nft script, systemd unit): what differs
# ---------------------------------------------------------------------------------------------
def file_marked(text: Optional[str]) -> bool:
    """A file Virtual Connect wrote: its first line is the header naming the collection (docs/ownership.md), or its
    second one after a ``#!`` line (a script of ours: the RRI updown script)."""
    lines = (text or "").split("\n", 2)
    if lines and lines[0].startswith("#!"):
        lines = lines[1:]
    return bool(text) and bool(lines) and "Managed by webex_di.virtual_connect " in lines[0]


_NFT_TABLE_COMMENT = re.compile(r'^\tcomment "webex_di\.virtual_connect:[^"\s]+"$')


def nft_table_marked(listing: Optional[str]) -> bool:
    """``nft list table`` text of a table carrying our marker as its table comment (one tab in, not a chain's)."""
    return any(_NFT_TABLE_COMMENT.match(line) for line in (listing or "").split("\n"))


_SECTION = re.compile(r"^\s*([A-Za-z0-9._-]+)\s*\{")


def swanctl_section_names(text: str) -> set:
    """Every section name (``name {``) of a swanctl file, comments left out."""
    return set(m.group(1) for m in (_SECTION.match(line.split("#", 1)[0]) for line in text.split("\n")) if m)


def file_change(path: str, content: str, mode: int, current: Optional[str], current_mode: Optional[int]) -> bool:
    """A file must be written when it is missing, its content differs or its mode differs."""
    return current is None or current != content or current_mode != mode


def mask_secret_fields(text: str) -> str:
    """A swanctl secrets file with every ``secret = ...`` value masked (diffs never show a PSK, in any form)."""
    out = []
    for line in text.split("\n"):
        key, sep, _value = line.partition("=")
        if sep and key.strip() == "secret":
            line = "%s= %s" % (key, MASK)
        out.append(line)
    return "\n".join(out)


def swanctl_sections(text: Optional[str]) -> Dict[str, List[str]]:
    """Sections of a file this collection wrote (vc-connections.conf / vc-secrets.conf): section name
    (``vc-<key>`` / ``ike-vc-<key>``) -> its lines, as render.py writes them. Used to keep the sections of
    tunnels that a staged run does not change. Anything else (no file, not ours) gives ``{}``."""
    if not text or "webex_di.virtual_connect" not in text.split("\n", 1)[0]:
        return {}
    lines = text.rstrip("\n").split("\n")
    body = lines[lines.index(next(x for x in lines if x.rstrip().endswith("{"))) + 1:-1] if len(lines) > 2 else []
    out: Dict[str, List[str]] = {}
    current: List[str] = []
    for line in body:
        if line == "" or (line.startswith("  ike-") and line.endswith(" {")):
            if current:
                _add_section(out, current)
            current = [line]
            continue
        current.append(line)
    if current:
        _add_section(out, current)
    return out


def _add_section(out: Dict[str, List[str]], lines: List[str]) -> None:
    for line in lines:
        text = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and text.endswith(" {") and not text.startswith("#"):
            out[text[:-2]] = list(lines)
            return
