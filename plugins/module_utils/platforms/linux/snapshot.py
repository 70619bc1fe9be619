# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux rollback: what one vc_linux_config run is about to change (the snapshot), and putting it back (restore).

The engine (runner.py) records each object just before its first change in the run, so a snapshot holds
exactly what that run changed and nothing else:

* files it writes or deletes (swanctl ``conf.d`` files, networkd files, the nft script, the systemd unit, FRR's
  daemons file): previous content, mode, owner and group, or "did not exist";
* the GRE links it creates, changes or deletes: their previous ``ip -d link`` / ``ip addr`` attributes (kind,
  local, remote, ttl, pmtudisc, mtu, up, IPv4 addresses, alias), or "did not exist";
* the live nftables table ``inet vc_mss_clamp`` before a reload (``nft list table`` text, or absent);
* the VC-owned FRR part it diffs, as text (``frr.frr_delta``'s ``before``), with the intent and the kept objects of
  that run (so that the restore sees the same objects as ours), and whether ``router bgp`` existed;
* whether the MSS clamp unit was enabled, when the run enabled it.

:class:`Restore` brings each recorded object back, touching only what differs now (idempotent, check mode safe):
files atomically with their mode and owner, then ``swanctl --load-all`` when a swanctl file changed, and only the
connections whose sections differ are re-established (an unchanged connection keeps its IKE/CHILD SAs); links; the
nft table; the FRR VC part (lines the failed run added are negated, lines it removed are typed again) then saved;
FRR restarted when its daemons file was restored. A snapshot of a first deploy restores to "nothing of ours".

The snapshot holds secrets (the previous swanctl secrets file, FRR neighbour passwords): it travels only inside the
module's private return key (the action plugin writes it, mode 0600, on the controller and drops the key) and as a
no_log option; results and diffs carry its paths and names, masked file texts, never its content.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ...plan.views import marker_key
from . import apply as A
from . import frr as F
from .render import IKE_RETRANSMIT_FILE

VERSION = 1
KEY = "__snapshot__"          # the module's private return key (popped by the action plugin)
SEAL_PREFIX = "vcseal1:"     # a sealed snapshot (seal): what travels in the module's stdout


class SealError(Exception):
    pass


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(key + nonce + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:length])


def seal(text: str, key_hex: str) -> str:
    """The snapshot holds the previous PSKs and BGP passwords, and a module's stdout is printed at -vvv (and kept in
    AWX job events): it travels sealed with the per-run key the action plugin passed as a no_log option (SHA-256
    counter-mode keystream, HMAC-SHA256 over nonce and ciphertext; no third-party library on the CPE)."""
    key = bytes.fromhex(key_hex)
    nonce = os.urandom(16)
    data = text.encode("utf-8")
    ct = bytes(a ^ b for a, b in zip(data, _keystream(key, nonce, len(data))))
    mac = hmac.new(key, nonce + ct, hashlib.sha256).digest()
    return SEAL_PREFIX + base64.b64encode(nonce + mac + ct).decode("ascii")


def unseal(sealed: str, key_hex: str) -> str:
    if not sealed.startswith(SEAL_PREFIX):
        raise SealError("not a sealed snapshot")
    raw = base64.b64decode(sealed[len(SEAL_PREFIX):])
    key = bytes.fromhex(key_hex)
    nonce, mac, ct = raw[:16], raw[16:48], raw[48:]
    if not hmac.compare_digest(mac, hmac.new(key, nonce + ct, hashlib.sha256).digest()):
        raise SealError("the sealed snapshot does not match its key")
    return bytes(a ^ b for a, b in zip(ct, _keystream(key, nonce, len(ct)))).decode("utf-8")


NFT_FAMILY, NFT_TABLE = "inet", "vc_mss_clamp"
UNIT_NAME = "vc-mss-clamp.service"
SWANCTL_FILES = ("vc-connections.conf", "vc-secrets.conf")


class RestoreError(Exception):
    """A restore step failed; the message names the object (never a secret)."""


# ---------------------------------------------------------------------------------------------------------------------
# re-establishing one connection (apply and restore): drained first, so that its traffic is on the other tunnel
# ---------------------------------------------------------------------------------------------------------------------
def _our_neighbor(running: str, ip: str) -> Optional[str]:
    """The ``router bgp`` line of FRR's running config when ``ip`` is a neighbour of ours there (its description is
    ours) and not shut down already; else None."""
    router = F.bgp_router(F.parse_running(running or ""))
    lines = [c["line"] for c in router["children"]] if router else []
    desc = [x for x in lines if x.startswith("neighbor %s description " % ip)]
    ours = any(x.split()[3].startswith("VC-") or "webex_di.virtual_connect" in x for x in desc)
    if not ours or "neighbor %s shutdown" % ip in lines:
        return None
    return router["line"]


def reestablish(run: Callable[..., Tuple[int, str, str]], swanctl: Callable[[Sequence[str]], List[str]], vtysh: Sequence[str],
                conn: str, child: Optional[str], neighbor: Optional[str]) -> List[str]:
    """Bring connection ``conn`` up again with what charon has loaded now, its traffic on the other tunnel meanwhile:
    the BGP neighbour of the tunnel (ours) is shut down first (both sides withdraw its routes at once: traffic takes
    the other tunnel without waiting for a hold timer), the IKE SA terminated and the CHILD SA initiated again, then the
    neighbour is enabled again (always, also when the new SA does not come up: the verify gate judges). Returns what was
    done (for ``commands``)."""
    done: List[str] = []
    header = None
    if neighbor and vtysh:
        rc, running, _err = run(list(vtysh) + ["-c", "show running-config"])
        header = _our_neighbor(running, neighbor) if rc == 0 else None
    if header:
        rc, _out, _err = run(list(vtysh) + ["-c", "configure terminal", "-c", header, "-c", "neighbor %s shutdown" % neighbor])
        header = header if rc == 0 else None
        if header:
            done.append("vtysh: %s / neighbor %s shutdown (drain)" % (header, neighbor))
            time.sleep(1)    # the withdraw reaches the peer; traffic is on the other tunnel before the SA goes
    try:
        done.append("swanctl --terminate --ike %s" % conn)
        run(swanctl(["--terminate", "--ike", conn, "--timeout", "10"]))      # no SA up: nothing to do
        if child:
            done.append("swanctl --initiate --child %s" % child)
            run(swanctl(["--initiate", "--child", child, "--timeout", "20"]))  # fails with a wrong key: the gate says so
    finally:
        if header:
            run(list(vtysh) + ["-c", "configure terminal", "-c", header, "-c", "no neighbor %s shutdown" % neighbor])
            done.append("vtysh: %s / no neighbor %s shutdown" % (header, neighbor))
    return done


# ---------------------------------------------------------------------------------------------------------------------
# snapshot
# ---------------------------------------------------------------------------------------------------------------------
class Snapshot(object):
    """The previous state of every object one run changes, recorded once per object before its first change."""

    def __init__(self, host: str, tunnels: Sequence[str], features: Sequence[str], connections: Optional[Dict[str, Any]] = None):
        self.data: Dict[str, Any] = {
            "version": VERSION, "host": host, "tunnels": list(tunnels), "features": list(features),
            # connection name -> {child, neighbor} of every planned tunnel of the host (to re-establish one on restore)
            "connections": dict(connections or {}),
            "taken": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": {}, "links": {}, "nft": None, "frr": None, "unit_enabled": None,
        }

    def file(self, path: str, daemons: bool = False) -> None:
        """``daemons``: this is FRR's daemons file (FRR is restarted when it is restored)."""
        path = os.path.abspath(path)
        if daemons:
            self.data["daemons_file"] = path
        if path in self.data["files"]:
            return
        entry: Dict[str, Any] = {"exists": False, "dir_existed": os.path.isdir(os.path.dirname(path))}
        if os.path.isfile(path):
            st = os.stat(path)
            with open(path, "r") as fh:
                entry.update(exists=True, content=fh.read(), mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid)
        self.data["files"][path] = entry

    def links(self, before: Dict[str, Any], after: Dict[str, Any]) -> None:
        """``before``/``after``: ``apply.gre_changes`` summaries; the links whose state changes are recorded."""
        for name in sorted(before):
            if name not in self.data["links"] and before[name] != after.get(name):
                self.data["links"][name] = before[name]

    def nft(self, text: Optional[str]) -> None:
        if self.data["nft"] is None:
            self.data["nft"] = {"exists": text is not None, "text": text}

    def frr(self, before: str, intent: Dict[str, Any], keep: Dict[str, Any], router_existed: bool) -> None:
        if self.data["frr"] is None:
            self.data["frr"] = {"before": before, "intent": intent, "keep": keep, "router_existed": router_existed}

    def unit_enabled(self, enabled: bool) -> None:
        if self.data["unit_enabled"] is None:
            self.data["unit_enabled"] = bool(enabled)

    def empty(self) -> bool:
        d = self.data
        return not (d["files"] or d["links"] or d["nft"] or d["frr"] or d["unit_enabled"] is not None)

    def dumps(self) -> str:
        return json.dumps(self.data, sort_keys=True)

    def summary(self) -> Dict[str, Any]:
        return summary(self.data)


def summary(data: Dict[str, Any]) -> Dict[str, Any]:
    """What a snapshot covers, without any content (safe to print)."""
    return {
        "host": data.get("host"), "tunnels": list(data.get("tunnels") or []), "taken": data.get("taken"),
        "files": sorted(data.get("files") or {}), "links": sorted(data.get("links") or {}),
        "nft_table": data.get("nft") is not None, "frr": data.get("frr") is not None,
        "unit": data.get("unit_enabled") is not None,
    }


def loads(text: str, host: str) -> Dict[str, Any]:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise RestoreError("the snapshot is not JSON (%s)" % exc.__class__.__name__)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise RestoreError("not a vc_linux_config snapshot (version %s)" % (data.get("version") if isinstance(data, dict) else "?"))
    if data.get("host") != host:
        raise RestoreError("the snapshot was taken on %s, not on %s: refusing to restore it here" % (data.get("host"), host))
    return data


# ---------------------------------------------------------------------------------------------------------------------
# FRR: the commands that turn one VC-owned part (text) into another
# ---------------------------------------------------------------------------------------------------------------------
def _nodes(text: str) -> List[Dict[str, Any]]:
    return F.parse_running(text or "")


def _by_line(nodes: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return dict((n["line"], n) for n in nodes)


def _leaf_delta(cur: List[str], want: List[str]) -> List[str]:
    return ["no " + x for x in cur if x not in want] + [x for x in want if x not in cur]


def _block_lines(node: Dict[str, Any], indent: str, closer: str = "exit") -> List[str]:
    out = [indent + node["line"]]
    for child in node["children"]:
        if child["children"]:
            out += _block_lines(child, indent + " ", "exit-address-family" if child["line"].startswith("address-family") else "exit")
        else:
            out.append(indent + " " + child["line"])
    return out + [indent + closer]


def _neighbor_delta(cur: List[str], want: List[str]) -> List[str]:
    """Router-level lines: a neighbour the wanted part does not have is removed whole (``no neighbor X``); the lines
    of the others are negated/typed one by one (never ``no neighbor X remote-as`` when a wanted line sets it)."""
    want_nbrs = set(w.split()[1] for w in want if w.startswith("neighbor "))
    out: List[str] = []
    for ip in sorted(set(c.split()[1] for c in cur if c.startswith("neighbor ")) - want_nbrs, key=F._ip_key):
        out.append("no neighbor %s" % ip)
    kept = [c for c in cur if not (c.startswith("neighbor ") and c.split()[1] not in want_nbrs)]
    overwritten = set(" ".join(w.split()[:3]) for w in want if len(w.split()) > 2 and w.split()[2] == "remote-as")
    out += ["no " + c for c in kept if c not in want and " ".join(c.split()[:3]) not in overwritten]
    out += [w for w in want if w not in cur]
    return out


def frr_restore_commands(current: str, previous: str, router_existed: bool = True, router_lines: Sequence[str] = ()) -> List[str]:
    """``vtysh -f`` lines that turn the VC-owned part ``current`` into ``previous`` (both ``frr.render_owned`` text).

    Object blocks (route-maps, BFD profiles) only in ``current`` are removed whole, after the neighbours that used
    them; those only in ``previous`` are typed again. In ``router bgp`` a neighbour only in ``current`` goes with
    ``no neighbor X``. When ``router bgp`` did not exist before (``router_existed`` false) and ``router_lines`` (the
    router's lines in the running configuration) are all ours, the router goes too: nothing of ours is left."""
    cur, prev = _nodes(current), _nodes(previous)
    cur_by, prev_by = _by_line(cur), _by_line(prev)
    first: List[str] = []
    last: List[str] = []
    # prefix-lists (top-level leaves): a whole list only in current goes last, the others line by line
    cur_pl = [n["line"] for n in cur if not n["children"] and n["line"].startswith("ip prefix-list ")]
    prev_pl = [n["line"] for n in prev if not n["children"] and n["line"].startswith("ip prefix-list ")]
    prev_names = set(F._pl_name(x) for x in prev_pl)
    first += _leaf_delta([c for c in cur_pl if F._pl_name(c) in prev_names], prev_pl)
    for name in sorted(set(F._pl_name(c) for c in cur_pl) - prev_names):
        last.append("no ip prefix-list %s" % name)
    for node in prev + [n for n in cur if n["line"] not in prev_by]:
        line = node["line"]
        if line.startswith("ip prefix-list "):
            continue
        have, want = cur_by.get(line), prev_by.get(line)
        if line.startswith("route-map "):
            if want is None:
                last.append("no " + line)
            elif have is None:
                first += _block_lines(want, "")
            else:
                sub = _leaf_delta([c["line"] for c in have["children"]], [c["line"] for c in want["children"]])
                if sub:
                    first += [line] + [" " + x for x in sub] + ["exit"]
        elif line == "bfd":
            hp = _by_line(have["children"]) if have else {}
            wp = _by_line(want["children"]) if want else {}
            sub, gone = [], []
            for prof in list(wp) + [p for p in hp if p not in wp]:
                if prof not in wp:
                    gone.append(" no " + prof)
                elif prof not in hp:
                    sub += _block_lines(wp[prof], " ")
                else:
                    d = _leaf_delta([c["line"] for c in hp[prof]["children"]], [c["line"] for c in wp[prof]["children"]])
                    if d:
                        sub += [" " + prof] + ["  " + x for x in d] + [" exit"]
            if sub:
                first += ["bfd"] + sub + ["exit"]
            if gone:
                last += ["bfd"] + gone + ["exit"]
        elif line.startswith("router bgp "):
            first += _router_delta(line, have, want, router_existed, router_lines)
        elif line == "router ospf":
            d = _leaf_delta([c["line"] for c in (have or {}).get("children", [])], [c["line"] for c in (want or {}).get("children", [])])
            if d:
                first += ["router ospf"] + [" " + x for x in d] + ["exit"]
    return first + last


def _router_delta(header: str, have: Optional[Dict[str, Any]], want: Optional[Dict[str, Any]], router_existed: bool,
                  router_lines: Sequence[str]) -> List[str]:
    def split(node):
        lines, af = [], []
        for c in (node or {}).get("children", []):
            if c["line"] == F.AF:
                af += [x["line"] for x in c["children"]]
            elif not c["children"]:
                lines.append(c["line"])
        return lines, af

    cur_lines, cur_af = split(have)
    want_lines, want_af = split(want)
    if want is None and not router_existed and have is not None:
        ours = set(cur_lines) | set(cur_af) | {F.AF}
        if all(x in ours for x in router_lines):
            return ["no " + header]
    rid = _leaf_delta([c for c in cur_lines if c.startswith("bgp router-id ")], [w for w in want_lines if w.startswith("bgp router-id ")])
    rid = [x for x in rid if not (x.startswith("no ") and any(w.startswith("bgp router-id ") for w in want_lines))]
    nb = _neighbor_delta([c for c in cur_lines if c.startswith("neighbor ")], [w for w in want_lines if w.startswith("neighbor ")])
    gone = [x.split()[2] for x in nb if x.startswith("no neighbor ") and len(x.split()) == 3]
    # the address-family lines of a neighbour removed whole go with it; the others line by line
    af = _leaf_delta([c for c in cur_af if c.split()[1] not in gone], want_af)
    if not (rid or nb or af):
        return []
    out = [header] + [" " + x for x in rid + nb]
    if af:
        out += [" " + F.AF] + ["  " + x for x in af] + [" exit-address-family"]
    return out + ["exit"]


def mask_frr(text: str) -> str:
    """FRR lines with the word after ``password`` masked (field masking: no secret value is needed)."""
    from ...plan.secrets import MASK
    out = []
    for line in text.split("\n"):
        words = line.split(" ")
        if "password" in words and words.index("password") + 1 < len(words):
            line = " ".join(words[: words.index("password") + 1] + [MASK])
        out.append(line)
    return "\n".join(out)


def _mask_text(text: str) -> str:
    return mask_frr(A.mask_secret_fields(text))


# ---------------------------------------------------------------------------------------------------------------------
# restore
# ---------------------------------------------------------------------------------------------------------------------
Runner = Callable[..., Tuple[int, str, str]]


class Restore(object):
    """Put back what a snapshot recorded. ``params``: the module's options (swanctl, swanctl_uri, swanctl_conf, ip,
    nft, vtysh, frr_save, frr_restart, systemctl)."""

    def __init__(self, data: Dict[str, Any], params: Dict[str, Any], run: Runner, check_mode: bool = False,
                 warn: Optional[Callable[[str], None]] = None):
        self.d = data
        self.p = params
        self.run = run
        self.check_mode = check_mode
        self.warn = warn or (lambda _text: None)
        self.result: Dict[str, Any] = {"changed": False, "commands": [], "changed_files": [],
                                       "restored": {"files": [], "links": [], "nft_table": False, "frr": False,
                                                    "connections": [], "unit": False},
                                       "snapshot": summary(data)}
        self.diffs: List[Dict[str, str]] = []

    def _cmd(self, argv: Sequence[str], data: Optional[str] = None, what: Optional[str] = None) -> str:
        rc, out, err = self.run(list(argv), data=data) if data is not None else self.run(list(argv))
        if rc != 0:
            raise RestoreError("%s failed (rc %s): %s" % (what or " ".join(argv), rc, _mask_text((err or out).strip())))
        return out

    def _did(self, commands: Sequence[str] = ()) -> None:
        self.result["changed"] = True
        self.result["commands"].extend(commands)

    def restore(self) -> Dict[str, Any]:
        swanctl_before = self._swanctl_sections()
        files = self._files()
        if any(os.path.basename(p) == IKE_RETRANSMIT_FILE for p in files):
            # the retransmission schedule of before (docs/ha.md section 3): charon reads it again before any load
            self._did(["swanctl --reload-settings"])
            if not self.check_mode:
                self._cmd(self._swanctl_argv(["--reload-settings"]), what="swanctl --reload-settings")
        if any(os.path.basename(p) in SWANCTL_FILES for p in files):
            self._swanctl(swanctl_before)
        self._links()
        self._nft()
        self._frr()
        if self.d.get("daemons_file") in files and self.p.get("frr_restart"):
            self._did([" ".join(self.p["frr_restart"])])
            if not self.check_mode:
                self._cmd(self.p["frr_restart"], what=" ".join(self.p["frr_restart"]))
        self._unit(any(os.path.basename(p) == UNIT_NAME for p in files))
        if self.diffs:
            self.result["diff"] = self.diffs
        return self.result

    # ------------------------------------------------------------------ files
    def _files(self) -> List[str]:
        changed = []
        for path in sorted(self.d.get("files") or {}):
            entry = self.d["files"][path]
            cur = _stat(path)
            if entry["exists"]:
                want = (entry["content"], entry["mode"], entry["uid"], entry["gid"])
                if cur == want:
                    continue
                self.diffs.append({"before_header": path, "after_header": "%s (restored)" % path,
                                   "before": _mask_text(cur[0] if cur else ""), "after": _mask_text(entry["content"])})
                if not self.check_mode:
                    write_owned(path, entry["content"], entry["mode"], entry["uid"], entry["gid"])
            else:
                if cur is None:
                    continue
                self.diffs.append({"before_header": path, "after_header": "(deleted: it did not exist before)",
                                   "before": _mask_text(cur[0]), "after": ""})
                if not self.check_mode:
                    os.unlink(path)
                    directory = os.path.dirname(path)
                    if not entry.get("dir_existed", True) and os.path.isdir(directory) and not os.listdir(directory):
                        os.rmdir(directory)
            changed.append(path)
        if changed:
            self.result["changed_files"] = changed
            self.result["restored"]["files"] = changed
            self._did()
        return changed

    # ------------------------------------------------------------------ swanctl
    def _swanctl_argv(self, args: Sequence[str]) -> List[str]:
        uri = ["--uri", self.p["swanctl_uri"]] if self.p.get("swanctl_uri") else []
        return list(self.p.get("swanctl") or ["swanctl"]) + list(args) + uri

    def _swanctl_sections(self) -> Dict[str, Any]:
        """The sections of the swanctl files as they are now (before the restore), per connection."""
        return connection_sections(dict((p, (_stat(p) or ("",))[0]) for p in self.d.get("files") or {}
                                   if os.path.basename(p) in SWANCTL_FILES))

    def _swanctl(self, before: Dict[str, Any]) -> None:
        after = connection_sections(dict((p, e.get("content", "") if e["exists"] else "") for p, e in (self.d.get("files") or {}).items()
                                    if os.path.basename(p) in SWANCTL_FILES))
        # re-established: the connections whose sections differ (they run with the failed change's keys or settings)
        # and those that go; an unchanged connection is never touched (swanctl keeps an equal connection as it is)
        redo = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n) and n in before)
        argv = self._swanctl_argv(["--load-all", "--noprompt"])
        if self.p.get("swanctl_conf"):
            argv += ["--file", self.p["swanctl_conf"]]
        self._did(["swanctl --load-all"] + ["swanctl --terminate --ike %s (re-established)" % n for n in redo])
        self.result["restored"]["connections"] = redo
        if self.check_mode:
            return
        self._cmd(argv, what="swanctl --load-all")
        conns = self.d.get("connections") or {}
        for name in redo:
            # no SA (it never came up with the failed change) is fine: it comes up with the restored settings
            info = conns.get(name) or {}
            gone = name not in after
            reestablish(self.run, self._swanctl_argv, self.p.get("vtysh") or [], name,
                        None if gone else info.get("child"), None if gone else info.get("neighbor"))

    # ------------------------------------------------------------------ GRE links
    def _ip_state(self) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        ip = self.p.get("ip") or "ip"
        links = json.loads(self._cmd([ip, "-j", "-d", "link", "show"]) or "[]")
        addrs = json.loads(self._cmd([ip, "-j", "addr", "show"]) or "[]")
        return dict((x.get("ifname"), x) for x in links), dict((x.get("ifname"), x) for x in addrs)

    def _links(self) -> None:
        recorded = self.d.get("links") or {}
        if not recorded:
            return
        ip = self.p.get("ip") or "ip"
        links, addrs = self._ip_state()
        cmds: List[List[str]] = []
        for name in sorted(recorded):
            cmds += link_restore_commands(name, recorded[name], A.link_summary(links.get(name), addrs.get(name)), self.warn)
        if not cmds:
            return
        self.result["restored"]["links"] = sorted(set(_link_of(c) for c in cmds))
        self._did(["ip " + " ".join(c) for c in cmds])
        if self.check_mode:
            return
        for c in cmds:
            self._cmd([ip] + c, what="ip " + " ".join(c))
        links, addrs = self._ip_state()
        again = [c for name in sorted(recorded) for c in link_restore_commands(
            name, recorded[name], A.link_summary(links.get(name), addrs.get(name)), lambda _t: None)]
        if again:
            raise RestoreError("GRE links still differ from the snapshot after restoring: %s" % "; ".join("ip " + " ".join(c) for c in again))

    # ------------------------------------------------------------------ nftables
    def _nft_text(self) -> Optional[str]:
        rc, out, _err = self.run([self.p.get("nft") or "nft", "list", "table", NFT_FAMILY, NFT_TABLE])
        return out if rc == 0 else None

    def _nft(self) -> None:
        rec = self.d.get("nft")
        if not rec:
            return
        now = self._nft_text()
        nft = self.p.get("nft") or "nft"
        if not rec["exists"]:
            if now is None:
                return
            self._did(["nft delete table %s %s" % (NFT_FAMILY, NFT_TABLE)])
            self.result["restored"]["nft_table"] = True
            if not self.check_mode:
                self._cmd([nft, "delete", "table", NFT_FAMILY, NFT_TABLE])
            return
        if now is not None and now.strip() == (rec["text"] or "").strip():
            return
        self._did(["nft -f - (table %s %s as before)" % (NFT_FAMILY, NFT_TABLE)])
        self.result["restored"]["nft_table"] = True
        self.diffs.append({"before_header": "live table %s %s" % (NFT_FAMILY, NFT_TABLE), "after_header": "restored",
                           "before": now or "", "after": rec["text"] or ""})
        if self.check_mode:
            return
        script = "table %s %s {}\ndelete table %s %s\n%s" % (NFT_FAMILY, NFT_TABLE, NFT_FAMILY, NFT_TABLE, rec["text"])
        self._cmd([nft, "-f", "-"], data=script, what="nft -f -")
        if (self._nft_text() or "").strip() != (rec["text"] or "").strip():
            raise RestoreError("the table %s %s differs from the snapshot after reloading it" % (NFT_FAMILY, NFT_TABLE))

    # ------------------------------------------------------------------ FRR
    def _frr_now(self, vtysh: List[str], rec: Dict[str, Any]) -> Tuple[str, List[str]]:
        running = self._cmd(vtysh + ["-c", "show running-config"], what="vtysh cannot read the running configuration (is FRR running?)")
        part = F.frr_delta(running, rec["intent"], rec.get("keep"))["before"]
        router = F.bgp_router(F.parse_running(running))
        lines = [c["line"] for c in router["children"]] if router else []
        return part, lines

    def _frr(self) -> None:
        rec = self.d.get("frr")
        if not rec:
            return
        vtysh = list(self.p.get("vtysh") or ["vtysh"])
        now, router_lines = self._frr_now(vtysh, rec)
        cmds = frr_restore_commands(now, rec["before"], rec.get("router_existed", True), router_lines)
        if not cmds:
            return
        masked = [mask_frr(c) for c in cmds]
        self._did(masked)
        self.result["restored"]["frr"] = True
        self.diffs.append({"before_header": "FRR running-config (VC-owned part)", "after_header": "FRR (VC-owned part) restored",
                           "before": mask_frr(now), "after": mask_frr(rec["before"])})
        if self.check_mode:
            return
        rc, out, err = self.run(vtysh + ["-f", "/dev/stdin"], data="\n".join(cmds) + "\n")
        again, lines = self._frr_now(vtysh, rec)
        left = frr_restore_commands(again, rec["before"], rec.get("router_existed", True), lines)
        if left:
            raise RestoreError("FRR did not take the restored Virtual Connect part; still differing: %s. vtysh said: %s"
                               % ("; ".join(mask_frr(c).strip() for c in left), mask_frr((out + err).strip()) or "(nothing, rc %s)" % rc))
        if self.p.get("frr_save", True):
            rc, out, err = self.run(vtysh + ["-c", "write memory"])
            if rc != 0:
                self.warn("vtysh 'write memory' failed (rc %s): %s" % (rc, (err or out).strip()))

    # ------------------------------------------------------------------ systemd unit
    def _unit(self, unit_file_restored: bool) -> None:
        systemctl = self.p.get("systemctl") or "systemctl"
        if unit_file_restored and not self.check_mode:
            self.run([systemctl, "daemon-reload"])
        if self.d.get("unit_enabled") is False:
            rc, out, _err = self.run([systemctl, "is-enabled", UNIT_NAME])
            if rc == 0 and out.strip() == "enabled":
                self._did(["systemctl disable %s" % UNIT_NAME])
                self.result["restored"]["unit"] = True
                if not self.check_mode:
                    self._cmd([systemctl, "disable", UNIT_NAME])


def _link_of(cmd: List[str]) -> str:
    return cmd[cmd.index("dev") + 1] if "dev" in cmd else cmd[2]


def link_restore_commands(name: str, prev: Optional[Dict[str, Any]], cur: Optional[Dict[str, Any]],
                          warn: Callable[[str], None]) -> List[List[str]]:
    """``ip`` argument lists that bring link ``name`` from ``cur`` back to ``prev`` (``apply.link_summary`` shapes;
    None: absent). A link that exists now without our marker was not made by us: left alone, with a warning."""
    if prev is None:
        if cur is None:
            return []
        if marker_key(cur.get("alias")) is None:
            warn("%s exists without the Virtual Connect marker: it is not ours, left as it is" % name)
            return []
        return [["link", "del", "dev", name]]
    if prev.get("kind") != "gre":
        raise RestoreError("%s was a %s link before: cannot recreate it" % (name, prev.get("kind")))
    create = [["link", "add", name, "type", "gre", "local", prev["local"], "remote", prev["remote"],
               "ttl", str(prev["ttl"]) if prev["ttl"] else "inherit", "pmtudisc" if prev["pmtudisc"] else "nopmtudisc"],
              ["link", "set", "dev", name, "mtu", str(prev["mtu"])]]
    create += [["addr", "add", a, "dev", name] for a in prev.get("addresses") or []]
    if prev.get("alias"):
        create.append(["link", "set", "dev", name, "alias", prev["alias"]])
    create.append(["link", "set", "dev", name, "up" if prev.get("up") else "down"])
    if cur is None:
        return create
    if cur.get("kind") != "gre":
        return [["link", "del", "dev", name]] + create
    cmds: List[List[str]] = []
    if (cur["local"], cur["remote"], cur["ttl"], cur["pmtudisc"]) != (prev["local"], prev["remote"], prev["ttl"], prev["pmtudisc"]):
        cmds.append(create[0][:1] + ["set", "dev", name] + create[0][3:])
    if cur.get("mtu") != prev.get("mtu"):
        cmds.append(["link", "set", "dev", name, "mtu", str(prev["mtu"])])
    cmds += [["addr", "del", a, "dev", name] for a in cur.get("addresses") or [] if a not in (prev.get("addresses") or [])]
    cmds += [["addr", "add", a, "dev", name] for a in prev.get("addresses") or [] if a not in (cur.get("addresses") or [])]
    if (cur.get("alias") or "") != (prev.get("alias") or ""):
        cmds.append(["link", "set", "dev", name, "alias", prev.get("alias") or ""])
    if bool(cur.get("up")) != bool(prev.get("up")):
        cmds.append(["link", "set", "dev", name, "up" if prev.get("up") else "down"])
    return cmds


def connection_sections(texts: Dict[str, str]) -> Dict[str, Any]:
    """Connection name -> its lines in vc-connections.conf and its secret section in vc-secrets.conf."""
    out: Dict[str, Any] = {}
    for path, text in texts.items():
        for section, lines in A.swanctl_sections(text).items():
            name = section[4:] if section.startswith("ike-") else section
            out.setdefault(name, {})[os.path.basename(path)] = lines
    return out


def _stat(path: str) -> Optional[Tuple[str, int, int, int]]:
    if not os.path.isfile(path):
        return None
    st = os.stat(path)
    with open(path, "r") as fh:
        return fh.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid


def write_owned(path: str, content: str, mode: int, uid: int, gid: int) -> None:
    """Replace ``path`` atomically (temporary file in the same directory, fsync, rename) with ``mode`` and owner."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix=".vc-restore-", dir=directory)
    try:
        os.fchmod(fd, mode)
        if (uid, gid) != (os.geteuid(), os.getegid()):
            os.fchown(fd, uid, gid)
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise RestoreError("cannot restore %s: %s" % (path, exc))
