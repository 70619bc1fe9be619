# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply the Virtual Connect configuration of one Linux CPE: the engine of vc_linux_config.

One run applies the queued features in order (ipsec, gre, mtu, bgp, ha), each touching only what
Virtual Connect owns and only what differs:

* ipsec - ``conf.d/vc-connections.conf`` (0644) and ``conf.d/vc-secrets.conf`` (0600), then charon
  loads them (``swanctl --load-all``) when a file changed or a connection is not loaded;
* gre - the systemd-networkd files of the ``vcgre*`` links (persistence) and the live links (``ip``);
* mtu - the nftables table ``inet vc_mss_clamp`` (loaded when its rules do not carry the rule-set tag),
  its script file, path-MTU discovery checked, and (systemd) a unit that loads it at boot;
* bgp - the FRR daemons (bgpd, bfdd for BFD) and the VC-owned FRR objects (``vtysh -f``), saved;
* ha - charon runs each VC connection with the plan's DPD interval and trap DPD/close actions.

``tunnels`` stages a subset of the CPE's plan tunnels: their objects change, the other planned
tunnels' objects stay exactly as they are (never pruned); objects shared by all tunnels (the nft
table, the FRR router id) follow the plan in every stage.

Commands run through ``run(argv, data=None) -> (rc, stdout, stderr)`` (the module's run_command), so
the engine is tested without a host. Secrets never reach a result: the PSK lines of the secrets file
are masked by field in diffs, BGP passwords in commands and diffs.
"""
from __future__ import annotations

import glob
import json
import os
import re
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ...plan.grammar import psk_problem, text_problem
from ...plan.secrets import decode_secrets, secret_values
from ...plan.views import device_tunnels
from . import validate as V
from . import apply as A
from . import frr as F
from . import render as R
from . import snapshot as S
from .state import parse_swanctl_conns

FEATURES = ("ipsec", "gre", "mtu", "bgp", "ha")
Runner = Callable[..., Tuple[int, str, str]]

UNIT_NAME = "vc-mss-clamp.service"
NFT_TAG = re.compile(r'comment "(vc:[0-9a-f]+)"')


class ApplyError(Exception):
    """A step failed; ``msg`` says which and why (no secret in it)."""


def mss_unit(nft_file: str) -> str:
    """The systemd unit that loads the MSS clamp at boot."""
    return (
        "# Managed by webex_di.virtual_connect: TCP MSS clamp of the Virtual Connect GRE tunnels.\n"
        "[Unit]\n"
        "Description=Webex DI Virtual Connect TCP MSS clamp (nftables table inet vc_mss_clamp)\n"
        "After=nftables.service network-pre.target\n"
        "Wants=network-pre.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "RemainAfterExit=yes\n"
        "ExecStart=/usr/sbin/nft -f %s\n"
        "ExecStop=/usr/sbin/nft delete table inet vc_mss_clamp\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n" % nft_file
    )


class LinuxConfig(object):
    """One run of vc_linux_config over ``params`` (the module's options)."""

    def __init__(self, params: Dict[str, Any], run: Runner, check_mode: bool = False, warn: Optional[Callable[[str], None]] = None):
        self.p = params
        self.run = run
        self.check_mode = check_mode
        self.warn = warn or (lambda _text: None)
        self.plan = params["plan"]
        self.host = params["host"]
        self.all_tunnels = R.host_tunnels(self.plan, self.host)       # GRE/BGP: the tunnels this host terminates
        # IPsec: the tunnels whose IPsec this host terminates (split ones go to their IPsec device, docs/ha.md)
        self.ipsec_all = R.ipsec_tunnels(self.plan, self.host)
        self.rri_all = R.rri_tunnels(self.plan, self.host)           # split tunnels whose IPsec device this host is
        staged = params.get("tunnels") or []
        known = [t["key"] for t in device_tunnels(self.plan, self.host)]   # the same rule as the IOS-XE apply
        unknown = [k for k in staged if k not in known]
        if unknown:
            raise ApplyError("tunnels %s are not tunnels of %s in the plan (known: %s)"
                             % (", ".join(unknown), self.host, ", ".join(known) or "none"))
        self.tunnels = [t for t in self.all_tunnels if not staged or t["key"] in staged]
        self.unstaged = [t for t in self.all_tunnels if t not in self.tunnels]
        self.ipsec_staged = [t for t in self.ipsec_all if not staged or t["key"] in staged]
        self.ipsec_unstaged = [t for t in self.ipsec_all if t not in self.ipsec_staged]
        self.rri = [t for t in self.rri_all if t in self.ipsec_staged]
        self.secrets = decode_secrets(params.get("secrets") or {})
        self.secret_values = secret_values(self.secrets)
        # the plan phase checked the secrets already; called without it, nothing a Linux CPE cannot carry is written
        problems = []
        for key in sorted(set(t["key"] for t in self.tunnels + self.ipsec_staged)):
            entry = self.secrets.get(key) if isinstance(self.secrets.get(key), dict) else {}
            problems.extend(message for _code, _field, message in V.secret_problems(key, entry))
            if entry.get("psk") and psk_problem(entry["psk"]):
                problems.append("tunnel %s: psk %s (the value is never printed)" % (key, psk_problem(entry["psk"])))
        # the plan phase checked every value too; a plan handed to the module directly (or edited) gets the same
        # rule here: no line break, control or non-ASCII character reaches a file or a command line
        cpe = (self.plan.get("cpes") or {}).get(self.host) or {}
        for where, value in _strings({"cpe": cpe, "tunnels": dict((t["key"], t) for t in self.all_tunnels + self.ipsec_all)}, "plan"):
            problem = text_problem(value)
            if problem and value != "":
                problems.append("%s %s" % (where, problem))
        problems.extend("vc_linux_ike_retransmit %s" % p for p in V.ike_retransmit_problems(params.get("ike_retransmit")))
        if problems:
            raise ApplyError("%s: nothing was changed: %s" % (self.host, "; ".join(problems)))
        self.result: Dict[str, Any] = {"changed": False, "commands": [], "changed_files": [], "features": {}}
        self.diffs: List[Dict[str, str]] = []
        self._loaded: Optional[Dict[str, Any]] = None
        self._frr_first_read: Optional[str] = None
        # rollback: the previous state of each object this run changes, recorded just before its first change
        self.snapshot = S.Snapshot(self.host, sorted(set(t["key"] for t in self.tunnels + self.ipsec_staged)), params["features"],
                                   dict((R.conn_name(t), {"child": R.child_name(t), "neighbor": self._neighbor(t)})
                                        for t in self.ipsec_all))

    # ------------------------------------------------------------------ helpers
    def _neighbor(self, t: Dict[str, Any]) -> Optional[str]:
        """The BGP neighbour of tunnel ``t`` on this host (None: a split tunnel whose GRE/BGP runs on another host)."""
        return t["bgp"]["neighbor"] if t.get("cpe_host") == self.host else None

    def _updown_path(self) -> str:
        return os.path.join(self.p["swanctl_dir"], R.RRI_UPDOWN)

    def _retransmit_path(self) -> str:
        return os.path.join(self.p.get("strongswan_d_dir") or "/etc/strongswan.d", R.IKE_RETRANSMIT_FILE)

    def _retransmit(self) -> List[str]:
        """The opt-in retransmission schedule (docs/ha.md section 3): our strongswan.d file when it is set, removed
        (ours only) when it is not; charon reads it with ``swanctl --reload-settings`` (new IKE SAs use it)."""
        content = R.render_ike_retransmit(self.p.get("ike_retransmit"))
        files = [{"path": self._retransmit_path(), "content": content, "mode": 0o644}] if content else []
        changed = self._write_files("ipsec", files, prune=[self._retransmit_path()])
        if changed:
            self._changed("ipsec", ["swanctl --reload-settings"])
            if not self.check_mode:
                self._cmd(self._swanctl(["--reload-settings"]), what="swanctl --reload-settings")
        return changed

    def _cmd(self, argv: Sequence[str], data: Optional[str] = None, what: Optional[str] = None) -> str:
        rc, out, err = self.run(list(argv), data=data) if data is not None else self.run(list(argv))
        if rc != 0:
            raise ApplyError("%s failed (rc %s): %s" % (what or " ".join(argv), rc, self.mask((err or out).strip())))
        return out

    def mask(self, text: str) -> str:
        return R.mask_secrets(text, self.secret_values)

    def _changed(self, feature: str, commands: Sequence[str] = ()) -> None:
        self.result["changed"] = True
        self.result["features"].setdefault(feature, {})["changed"] = True
        self.result["commands"].extend(commands)

    def _write_files(self, feature: str, files: Sequence[Dict[str, Any]], prune: Sequence[str] = (), keep: Sequence[str] = (),
                     secret_file: bool = False) -> List[str]:
        """Write each ``{path, content, mode}`` atomically when it differs; delete VC files matching ``prune``
        that are neither written nor kept. Returns the paths changed (or that would be, in check mode)."""
        changed: List[str] = []
        wanted = set(os.path.abspath(f["path"]) for f in files) | set(os.path.abspath(k) for k in keep)
        for f in files:
            path, content, mode = f["path"], f["content"], int(f.get("mode", 0o644))
            current = _read(path)
            current_mode = (os.stat(path).st_mode & 0o7777) if current is not None else None
            if not A.file_change(path, content, mode, current, current_mode):
                continue
            changed.append(path)
            show = A.mask_secret_fields if secret_file else self.mask
            self.diffs.append({"before_header": path, "after_header": path, "before": show(current or ""), "after": show(content)})
            if not self.check_mode:
                self.snapshot.file(path)
                _atomic_write(path, content, mode)
        for pattern in prune:
            for path in sorted(glob.glob(pattern)):
                if os.path.abspath(path) in wanted or not os.path.isfile(path):
                    continue
                if not A.file_marked(_read(path)):
                    continue        # named like ours, not written by us (no header): never deleted
                changed.append(path)
                self.diffs.append({"before_header": path, "after_header": "(deleted)", "before": self.mask(_read(path) or ""), "after": ""})
                if not self.check_mode:
                    self.snapshot.file(path)
                    os.unlink(path)
        if changed:
            self.result["changed_files"].extend(changed)
            self._changed(feature)
        return changed

    def _swanctl(self, args: Sequence[str]) -> List[str]:
        uri = ["--uri", self.p["swanctl_uri"]] if self.p.get("swanctl_uri") else []
        return list(self.p["swanctl"]) + list(args) + uri

    def _conns(self) -> Dict[str, Any]:
        out = self._cmd(self._swanctl(["--list-conns", "--raw"]), what="swanctl cannot reach charon (is strongSwan running?): swanctl --list-conns")
        return parse_swanctl_conns(out)

    # ------------------------------------------------------------------ features
    def apply(self) -> Dict[str, Any]:
        self._ownership()      # every refusal of every selected feature, before any feature changes anything
        for feature in FEATURES:
            if feature in self.p["features"]:
                self.result["features"].setdefault(feature, {"changed": False})
                getattr(self, "_" + feature)()
        if self.diffs:
            self.result["diff"] = self.diffs
        return self.result

    def snapshot_result(self) -> Dict[str, Any]:
        """The snapshot for the action plugin (private key, holds secrets) and its content-free summary."""
        if self.snapshot.empty():
            return {}
        key = self.p.get("snapshot_key")
        if not key:   # no action plugin to receive it (the module run alone): the content never leaves the CPE
            return {"snapshot": self.snapshot.summary()}
        return {S.KEY: S.seal(self.snapshot.dumps(), key), "snapshot": self.snapshot.summary()}

    def _ipsec(self) -> None:
        if not self.ipsec_all:
            return
        conf_dir = os.path.join(self.p["swanctl_dir"], "conf.d")
        conns_path = os.path.join(conf_dir, "vc-connections.conf")
        secrets_path = os.path.join(conf_dir, "vc-secrets.conf")
        keep_conns = _kept(A.swanctl_sections(_read(conns_path)), [R.conn_name(t) for t in self.ipsec_unstaged])
        keep_secrets = _kept(A.swanctl_sections(_read(secrets_path)), ["ike-%s" % R.conn_name(t) for t in self.ipsec_unstaged])
        sections_before = S.connection_sections({conns_path: _read(conns_path) or "", secrets_path: _read(secrets_path) or ""})
        planned = [t for t in self.ipsec_all if t in self.ipsec_staged or R.conn_name(t) in keep_conns]
        try:
            secrets_text = R.render_swanctl_secrets(planned, self.secrets, keep=keep_secrets)
        except R.RenderError as exc:
            raise ApplyError(str(exc))
        # the RRI updown script first: a connection that names it must find it (docs/ha.md section 2); no split tunnel
        # with this host as IPsec device: a script of ours is removed (prune), one without our header never
        updown = [{"path": self._updown_path(), "content": R.render_rri_updown(self.rri_all), "mode": 0o755}] if self.rri_all else []
        changed = self._retransmit()     # before the connections: a connection loaded now starts with the new schedule
        changed += self._write_files("ipsec", updown, prune=[self._updown_path()])
        changed += self._write_files("ipsec", [{"path": conns_path, "mode": 0o644,
                                                "content": R.render_swanctl_connections(planned, keep=keep_conns, updown=self._updown_path())}])
        changed += self._write_files("ipsec", [{"path": secrets_path, "content": secrets_text, "mode": 0o600}], secret_file=True)
        names = [R.conn_name(t) for t in planned]
        loaded = self._conns()
        missing = [c for c in names if c not in loaded]
        feature = self.result["features"]["ipsec"]
        feature.update(files=changed, missing=missing)
        if missing or changed:
            self._changed("ipsec", ["swanctl --load-all"])
            if self.check_mode:
                return
            argv = self._swanctl(["--load-all", "--noprompt"])
            if self.p.get("swanctl_conf"):
                argv += ["--file", self.p["swanctl_conf"]]
            out = self._cmd(argv, what="swanctl --load-all")
            redo = self._reestablish(sections_before, conns_path, secrets_path, loaded)
            loaded = self._conns()
            still = [c for c in names if c not in loaded]
            if still:
                raise ApplyError("after swanctl --load-all, charon still lacks %s: %s" % (", ".join(still), self.mask(out.strip())))
            feature["missing"] = []
            feature["reestablished"] = redo
        self._loaded = loaded

    def _reestablish(self, before: Dict[str, Any], conns_path: str, secrets_path: str, loaded: Dict[str, Any]) -> List[str]:
        """A staged connection whose settings or PSK changed is brought up again with them, so that the verify gate
        proves the new values, not the SA negotiated with the old ones: its BGP neighbour drained first (with the bgp
        feature; the traffic is on the other tunnel meanwhile), the IKE SA terminated, the CHILD SA initiated, the
        neighbour enabled again (snapshot.reestablish). An unchanged connection keeps its SAs."""
        after = S.connection_sections({conns_path: _read(conns_path) or "", secrets_path: _read(secrets_path) or ""})
        staged = dict((R.conn_name(t), t) for t in self.ipsec_staged)
        redo = sorted(n for n in staged if n in loaded and before.get(n) != after.get(n))
        vtysh = list(self.p.get("vtysh") or []) if "bgp" in self.p["features"] else []
        for name in redo:
            t = staged[name]
            self.result["commands"].extend(S.reestablish(self.run, self._swanctl, vtysh, name, R.child_name(t), self._neighbor(t)))
        return redo

    def _gre_links_state(self) -> Tuple[Any, Any]:
        ip = self.p["ip"]
        return self._json([ip, "-j", "-d", "link", "show"]), self._json([ip, "-j", "addr", "show"])

    # ------------------------------------------------------------------ ownership (docs/ownership.md)
    def _owned_files(self) -> List[str]:
        """The files of the selected features that this run writes: each must be absent or carry our header."""
        feats, out = self.p["features"], []  # type: Sequence[str], List[str]
        if "ipsec" in feats and self.ipsec_all:
            conf_dir = os.path.join(self.p["swanctl_dir"], "conf.d")
            out += [os.path.join(conf_dir, "vc-connections.conf"), os.path.join(conf_dir, "vc-secrets.conf")]
            out += [self._updown_path()] if self.rri_all else []
            out += [self._retransmit_path()] if self.p.get("ike_retransmit") else []
        if "gre" in feats and self.p["gre_persist"]:
            out += [os.path.join(self.p["networkd_dir"], f["path"]) for f in R.render_networkd(self.all_tunnels)]
        if "mtu" in feats and (self.all_tunnels or self.rri_all):
            out += [self.p["nft_file"]] if self.p.get("nft_file") else []
            if self.p["systemd"]:
                out.append(self._unit_path())
        return out

    def _ownership(self) -> None:
        """One read of everything the selected features would change; every object the plan names that exists
        without our marker (and is not adopted) is refused here, before the first write of the run, with the
        object, the CPE and the fix named. Nothing is changed when any refusal exists (also in check mode).
        A staged run checks the objects of every planned tunnel of the CPE, not only its stage's: a later stage
        would refuse after the first one changed the CPE."""
        feats = self.p["features"]
        adopt = list(self.p.get("adopt") or [])
        problems = []  # type: List[str]
        files = [f for f in self._owned_files() if f not in adopt and _read(f) is not None and not A.file_marked(_read(f))]
        if files:
            problems.append(
                "file(s) %s exist on %s without the Virtual Connect header ('# %s'): refusing to overwrite them; move "
                "them away (or point vc_linux_swanctl_dir / vc_linux_networkd_dir / vc_linux_nft_file elsewhere), or "
                "adopt them explicitly with vc_linux_adopt: %s" % (", ".join(files), self.host, R.HEADER, files))
        if "ipsec" in feats and self.ipsec_all:
            problems += self._swanctl_name_clashes()
        if "ipsec" in feats and self.rri_all:
            problems += self._rri_route_clashes()
        if "gre" in feats and self.all_tunnels:
            foreign = A.gre_changes(R.gre_links(self.all_tunnels), *self._gre_links_state(), prune=False, adopt=adopt)["foreign"]
            if foreign:
                problems.append(
                    "link(s) %s exist on %s without the Virtual Connect marker (alias 'webex_di.virtual_connect:<tunnel "
                    "key>'): refusing to change them; choose other tunnel numbers (vc_tunnel_base / cpe.tunnel_number), "
                    "remove them, or adopt them explicitly with vc_linux_adopt: %s" % (", ".join(foreign), self.host, foreign))
        if "mtu" in feats and (self.all_tunnels or self.rri_all):
            label = "table %s %s" % (R.NFT_FAMILY, R.NFT_TABLE)
            listing = self._nft_listing()
            if listing is not None and not A.nft_table_marked(listing) and label not in adopt:
                problems.append(
                    "nftables %s exists on %s without the Virtual Connect marker (table comment '%s'): refusing to "
                    "replace it; rename or remove it, or adopt it explicitly with vc_linux_adopt: ['%s']"
                    % (label, self.host, R.NFT_MARKER, label))
        if "bgp" in feats:
            problems += self._frr_ownership(adopt)
        if problems:
            raise ApplyError("%s: nothing was changed: %s" % (self.host, " | ".join(problems)))

    def _rri_route_clashes(self) -> List[str]:
        """A route to a split tunnel's DI GRE /32 in the main table that is not the RRI's (protocol R.RRI_PROTO): the
        operator's; the updown script would have to replace it (it refuses), so the run refuses first."""
        rc, out, _err = self.run([self.p["ip"], "-j", "route", "show", "table", "main"])
        try:
            routes = json.loads(out or "[]") if rc == 0 else []
        except ValueError:
            routes = []
        wanted = dict((t["split"]["rri"]["route"].split("/")[0], t) for t in self.rri_all)
        out_ = []
        for r in routes if isinstance(routes, list) else []:
            dst = str(r.get("dst") or "")
            if dst.endswith("/32"):
                dst = dst[:-3]
            if dst in wanted and str(r.get("protocol")) != str(R.RRI_PROTO):
                out_.append("route %s/32 (protocol %s%s) exists on %s and is not the RRI route of tunnel %s (protocol %s): "
                            "refusing to let the RRI updown script take it over; remove it (the IPsec device routes the "
                            "DI GRE endpoint while the CHILD SA is up, docs/ha.md)"
                            % (dst, r.get("protocol") or "boot", ", via %s" % r["gateway"] if r.get("gateway") else "",
                               self.host, wanted[dst]["key"], R.RRI_PROTO))
        return out_

    def _swanctl_name_clashes(self) -> List[str]:
        """A connection or secret section named like ours (``vc-<key>``, ``ike-vc-<key>``) in another swanctl file:
        charon would hold two definitions of one name, and --load-all would replace theirs or ours."""
        conf_dir = os.path.join(self.p["swanctl_dir"], "conf.d")
        ours = set(os.path.join(conf_dir, n) for n in ("vc-connections.conf", "vc-secrets.conf"))
        names = set(R.conn_name(t) for t in self.ipsec_all) | set("ike-" + R.conn_name(t) for t in self.ipsec_all)
        main = self.p.get("swanctl_conf") or os.path.join(self.p["swanctl_dir"], "swanctl.conf")
        files = sorted(glob.glob(os.path.join(conf_dir, "*.conf"))) + [main]
        out = []
        for path in files:
            if path in ours or not os.path.isfile(path):
                continue
            found = A.swanctl_section_names(_read(path) or "") & names
            if found:
                out.append("swanctl file %s on %s defines %s, the name(s) of Virtual Connect's own connections or secrets "
                           "(conf.d/vc-connections.conf, vc-secrets.conf): refusing to load a second definition; rename "
                           "or remove them there" % (path, self.host, ", ".join(sorted(found))))
        return out

    def _frr_ownership(self, adopt: List[str]) -> List[str]:
        """The FRR refusals (frr.owned) from the running configuration, and from the saved one when bgpd is not
        running yet (the bgp feature starts it, and it loads what frr.conf holds)."""
        cpe = (self.plan.get("cpes") or {}).get(self.host)
        if not (self.all_tunnels or self.rri_all) or not cpe:
            return []
        vtysh = list(self.p["vtysh"])
        texts = []  # type: List[Tuple[str, str]]
        rc, out, _err = self.run(vtysh + ["-c", "show running-config"])
        if rc == 0:       # else FRR is not running yet: the bgp feature starts it (and fails then if it cannot)
            self._frr_first_read = out
            texts.append(("", out))
        rc, out, _err = self.run(vtysh + ["-c", "show daemons"])
        saved = os.path.join(os.path.dirname(self.p["frr_daemons_file"] or "/etc/frr/daemons"), "frr.conf")
        if (rc != 0 or "bgpd" not in out.split()) and os.path.isfile(saved):
            texts.append((" (in %s, which bgpd loads when it starts)" % saved, _read(saved) or ""))
        problems = []  # type: List[str]
        for where, text in texts:
            intent = R.frr_intent(self.all_tunnels, cpe, {}, activate=F.needs_activate(text), rri_tunnels=self.rri_all)
            have = F.owned(text, intent, None, adopt)
            for problem in F.ownership_errors(have, self.host):
                problem += where
                if problem not in problems:
                    problems.append(problem)
        return problems

    def _frr_keep(self) -> Dict[str, List[str]]:
        return {"neighbors": [t["bgp"]["neighbor"] for t in self.unstaged],
                "names": [n for t in self.unstaged for n in (R.frr_name(t, "-IN"), R.frr_name(t, "-OUT"), R.frr_name(t))]
                + [R.frr_name(t, "-RRI") for t in self.rri_all if t not in self.rri]}

    def _nft_listing(self) -> Optional[str]:
        """``nft list table`` text of our table, None when there is none."""
        rc, out, _err = self.run([self.p["nft"], "list", "table", R.NFT_FAMILY, R.NFT_TABLE])
        return out if rc == 0 else None

    def _unit_path(self) -> str:
        return os.path.join(self.p.get("systemd_unit_dir") or "/etc/systemd/system", UNIT_NAME)

    def _gre(self) -> None:
        links = R.gre_links(self.tunnels)
        keep = [R.link_name(t) for t in self.unstaged]
        for text in R.keepalive_warnings(self.tunnels):
            self.warn(text)
        if self.p["gre_persist"]:
            ndir = self.p["networkd_dir"]
            files = [dict(f, path=os.path.join(ndir, f["path"]), mode=0o644) for f in R.render_networkd(self.tunnels)]
            kept = [os.path.join(ndir, "%s.%s" % (name, ext)) for name in keep for ext in ("netdev", "network")]
            prune = [os.path.join(ndir, "%s*.%s" % (R.LINK_PREFIX, ext)) for ext in ("netdev", "network")] if self.p["gre_prune"] else []
            self._write_files("gre", files, prune=prune, keep=kept)
        ip = self.p["ip"]

        adopt = list(self.p.get("adopt") or [])

        def state() -> Tuple[Any, Any]:
            return self._gre_links_state()

        change = A.gre_changes(links, *state(), prune=self.p["gre_prune"], keep=keep, adopt=adopt)
        commands = ["ip " + " ".join(c) for c in change["commands"]]
        self.result["features"]["gre"]["links"] = change["after"]
        if change["commands"]:
            self._changed("gre", commands)
            self.diffs.append({"before_header": "GRE links", "after_header": "GRE links",
                               "before": _as_text(change["before"]), "after": _as_text(change["after"])})
        if self.check_mode or not change["commands"]:
            return
        self.snapshot.links(change["before"], change["after"])
        for cmd in change["commands"]:
            rc, out, err = self.run([ip] + cmd)
            if rc != 0 and cmd[:2] == ["link", "set"] and "type" in cmd:
                # the kernel refused to change the tunnel in place: recreate it
                want = [x for x in links if x["name"] == cmd[3]][0]
                for retry in [["link", "del", "dev", want["name"]]] + A.gre_changes([want], [], [], prune=False)["commands"]:
                    self._cmd([ip] + list(retry), what="ip %s" % " ".join(retry))
                continue
            if rc != 0:
                raise ApplyError("ip %s failed: %s" % (" ".join(cmd), (err or out).strip()))
        again = A.gre_changes(links, *state(), prune=self.p["gre_prune"], keep=keep, adopt=adopt)
        if again["commands"]:
            raise ApplyError("GRE links still differ after applying: %s" % "; ".join("ip " + " ".join(c) for c in again["commands"]))
        self.result["features"]["gre"]["links"] = again["after"]

    def _json(self, argv: List[str]) -> Any:
        out = self._cmd(argv)
        try:
            return json.loads(out or "[]")
        except ValueError as exc:
            raise ApplyError("%s: cannot parse JSON: %s" % (" ".join(argv), exc))

    def _mtu(self) -> None:
        if not (self.all_tunnels or self.rri_all):
            return
        # one table for every tunnel: goes with any stage (an IPsec device's forward guard too, docs/ha.md)
        content = R.render_nft_mss(self.all_tunnels, self.rri_all)
        self._nft(content)
        pmtu = _read_int(self.p.get("proc_pmtu_file") or "/proc/sys/net/ipv4/ip_no_pmtu_disc")
        self.result["features"]["mtu"]["ip_no_pmtu_disc"] = pmtu
        if pmtu not in (0, None):
            raise ApplyError("net.ipv4.ip_no_pmtu_disc is %s on %s: path-MTU discovery is off. Virtual Connect needs it "
                             "(plan mtu.path_mtu_discovery); set it to 0 in /etc/sysctl.d." % (pmtu, self.host))
        if self.p["systemd"]:
            self._mss_unit()

    def _nft(self, content: str) -> None:
        nft = self.p["nft"]
        tags = NFT_TAG.findall(content)
        tag = tags[0] if tags else ""
        if any(t != tag for t in tags):
            raise ApplyError("the nft script carries more than one rule tag")
        rc, out, _err = self.run([nft, "-j", "list", "table", R.NFT_FAMILY, R.NFT_TABLE])
        live = out if rc == 0 else None
        self.result["features"]["mtu"]["tag"] = tag
        if self.p.get("nft_file"):
            self._write_files("mtu", [{"path": self.p["nft_file"], "content": content, "mode": 0o644}])
        listing = self._nft_listing() if live is not None else None
        if live is not None and A.nft_current(live, tag, len(tags)) and A.nft_table_marked(listing):
            return
        before = listing or ""
        self.diffs.append({"before_header": "live table %s %s" % (R.NFT_FAMILY, R.NFT_TABLE), "after_header": "nft script",
                           "before": before, "after": content})
        self._changed("mtu", ["nft -f %s" % (self.p.get("nft_file") or "-")])
        if self.check_mode:
            return
        self.snapshot.nft(before if live is not None and A.nft_table_tags(live) is not None else None)
        self._cmd([nft, "-f", "-"], data=content, what="nft -f")
        rc, out, _err = self.run([nft, "-j", "list", "table", R.NFT_FAMILY, R.NFT_TABLE])
        if rc != 0 or not A.nft_current(out, tag, len(tags)):
            raise ApplyError("the table %s %s does not match the script after loading it" % (R.NFT_FAMILY, R.NFT_TABLE))

    def _mss_unit(self) -> None:
        unit = self._unit_path()
        written = self._write_files("mtu", [{"path": unit, "content": mss_unit(self.p["nft_file"]), "mode": 0o644}])
        systemctl = self.p.get("systemctl") or "systemctl"
        if written and not self.check_mode:
            self._cmd([systemctl, "daemon-reload"])
        rc, out, _err = self.run([systemctl, "is-enabled", UNIT_NAME])
        if rc == 0 and out.strip() == "enabled":
            return
        self._changed("mtu", ["systemctl enable %s" % UNIT_NAME])
        if not self.check_mode:
            self.snapshot.unit_enabled(False)
            self._cmd([systemctl, "enable", UNIT_NAME])

    def _bgp(self) -> None:
        cpe = (self.plan.get("cpes") or {}).get(self.host)
        feature = self.result["features"]["bgp"]
        feature.update(daemons_changed=False, router_asn=None, commands=[], reset=[])
        if not (self.tunnels or self.rri) or not cpe:
            feature["msg"] = "no Virtual Connect tunnel on %s" % self.host
            return
        passwords = dict((k, (v or {}).get("bgp_password")) for k, v in self.secrets.items())
        missing = [t["key"] for t in self.tunnels if t["bgp"].get("password_set") and not passwords.get(t["key"])]
        if missing:
            raise ApplyError("the plan says tunnel(s) %s have a BGP password, but secrets has none for them" % ", ".join(missing))
        keep = self._frr_keep()
        adopt = list(self.p.get("adopt") or [])
        need = (["bgpd"] if self.tunnels else []) + (["bfdd"] if any(t["bgp"].get("bfd", {}).get("enabled") for t in self.tunnels) else [])
        if (cpe.get("redistribution") or {}).get("ospf") or self.rri:
            need.append("ospfd")   # redistribution into the customer's OSPF; an IPsec device's RRI routes (docs/ha.md)
        if self.p["frr_daemons_file"]:
            feature["daemons_changed"] = self._daemons(need)
            if feature["daemons_changed"]:
                self._changed("bgp", ["%s (daemons %s)" % (" ".join(self.p["frr_restart"]), ", ".join(need))])
        vtysh = list(self.p["vtysh"])

        def compute(running: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
            try:
                intent = R.frr_intent(self.tunnels, cpe, passwords, activate=F.needs_activate(running), rri_tunnels=self.rri)
            except R.RenderError as exc:
                raise ApplyError(str(exc))
            return intent, F.frr_delta(running, intent, keep, adopt, self.host)

        first = self._frr_first_read if not feature["daemons_changed"] else None     # FRR unchanged since the first read
        running = first if first is not None else self._running(vtysh)
        intent, delta = compute(running)
        feature["router_asn"] = intent["asn"]
        if delta["error"]:
            raise ApplyError(delta["error"])
        for text in delta.get("warnings") or []:
            self.warn(text)
        commands = [self.mask(c) for c in delta["commands"]]
        feature["commands"] = commands
        if not delta["commands"]:
            return
        self._changed("bgp", commands)
        self.diffs.append({"before_header": "FRR running-config (VC-owned part)", "after_header": "FRR intent (VC-owned part)",
                           "before": self.mask(delta["before"]), "after": self.mask(delta["after"])})
        # new keepalive/hold timers of a running session take effect when it is re-established (the hold time is
        # negotiated in BGP's OPEN): this stage's tunnels only, the other tunnel carries the traffic meanwhile
        reset = F.timers_reset(running, delta["commands"], [t["bgp"]["neighbor"] for t in self.tunnels])
        feature["reset"] = reset
        self.result["commands"].extend("vtysh: clear bgp %s (new timers)" % n for n in reset)
        if self.check_mode:
            return
        self.snapshot.frr(delta["before"], intent, keep, F.bgp_router(F.parse_running(running)) is not None)
        rc, out, err = self.run(vtysh + ["-f", "/dev/stdin"], data="\n".join(delta["commands"]) + "\n")
        said = self.mask((out + err).strip())
        _intent, again = compute(self._running(vtysh))
        if again["commands"]:
            raise ApplyError("FRR did not take the Virtual Connect configuration; still differing: %s. vtysh said: %s"
                             % ("; ".join(self.mask(c).strip() for c in again["commands"]), said or "(nothing, rc %s)" % rc))
        if self.p["frr_save"]:
            rc, out, err = self.run(vtysh + ["-c", "write memory"])
            if rc != 0:
                self.warn("vtysh 'write memory' failed (rc %s): %s" % (rc, (err or out).strip()))
        for nbr in reset:
            self._cmd(vtysh + ["-c", "clear bgp %s" % nbr], what="vtysh clear bgp %s" % nbr)

    def _running(self, vtysh: List[str]) -> str:
        return self._cmd(vtysh + ["-c", "show running-config"], what="vtysh cannot read the running configuration (is FRR running?)")

    def _daemons(self, need: List[str]) -> bool:
        """Make sure the FRR daemons in ``need`` are enabled and running; True when it (would have) changed."""
        path = self.p["frr_daemons_file"]
        text = _read(path)
        new = text
        if text is not None:
            for d in need:
                if re.search(r"^%s=" % d, new, re.M):
                    new = re.sub(r"^%s=.*$" % d, "%s=yes" % d, new, flags=re.M)
                else:
                    new = new.rstrip("\n") + "\n%s=yes\n" % d
        vtysh = list(self.p["vtysh"])
        rc, out, _err = self.run(vtysh + ["-c", "show daemons"])
        running = out.split() if rc == 0 else []
        if new == text and all(d in running for d in need):
            return False
        if self.check_mode:
            return True
        if new != text:
            self.snapshot.file(path, daemons=True)
            _atomic_write(path, new, os.stat(path).st_mode & 0o7777)
        # the saved configuration FRR loads after the restart: its 'router ...' blocks (the customer's OSPF among them)
        # must be in the running configuration before anything is read or typed, else the delta would be computed on
        # a half-started FRR and 'write memory' would save it without them (seen in the lab under load: ospfd up, the
        # integrated config not yet applied)
        saved = _read(os.path.join(os.path.dirname(path or "/etc/frr/daemons"), "frr.conf")) if path else None
        routers = sorted(set(ln.rstrip() for ln in (saved or "").split("\n") if ln.startswith("router ")))
        self._cmd(self.p["frr_restart"], what=" ".join(self.p["frr_restart"]))
        deadline = time.time() + self.p["frr_wait_s"]
        while True:
            rc, out, err = self.run(vtysh + ["-c", "show daemons"])
            up = rc == 0 and all(d in out.split() for d in need)
            missing = routers
            if up and routers:
                rc2, conf, _e = self.run(vtysh + ["-c", "show running-config"])
                have = set(ln.rstrip() for ln in conf.split("\n")) if rc2 == 0 else set()
                missing = [r for r in routers if r not in have]
            if up and not missing:
                return True
            if time.time() > deadline:
                if not up:
                    raise ApplyError("FRR daemons %s not running %ss after '%s' (vtysh: %s)" % (
                        ", ".join(need), self.p["frr_wait_s"], " ".join(self.p["frr_restart"]), (out or err).strip()))
                waited = (self.p["frr_wait_s"], " ".join(self.p["frr_restart"]), ", ".join(missing))
                raise ApplyError("FRR has not loaded its saved configuration %ss after '%s' (%s missing from the running "
                                 "configuration): nothing was typed" % waited)
            time.sleep(1)

    def _ha(self) -> None:
        if not self.ipsec_staged:
            return
        loaded = self._loaded if self._loaded is not None else self._conns()
        checked = []
        for t in self.ipsec_staged:
            name = R.conn_name(t)
            want = t["ipsec"]["dpd"]["interval_s"]
            if name not in loaded:
                # nothing to check yet (a bare CPE, or check mode before the ipsec feature loads it): DPD lives
                # in the connection the ipsec feature writes
                self.warn("%s: charon has no connection %s loaded yet (the ipsec feature loads it): DPD not checked"
                          % (self.host, name))
                continue
            conn = loaded[name]
            children = [c for c in (conn.get("children") or {}).values() if isinstance(c, dict)]
            actions_ok = all(sorted(set(c[k] for c in children if k in c)) == ["trap"] for k in ("dpd_action", "close_action"))
            if _to_int(conn.get("dpd_delay")) != int(want) or not actions_ok:
                raise ApplyError("%s: charon runs dpd_delay=%s (plan %ss) or child DPD/close actions other than trap; reload with "
                                 "the ipsec role." % (name, conn.get("dpd_delay", "?"), want))
            checked.append(name)
        self.result["features"]["ha"]["checked"] = checked


def _strings(data: Any, where: str) -> List[Tuple[str, str]]:
    """``(path, value)`` of every string in ``data`` (keys included)."""
    if isinstance(data, str):
        return [(where, data)]
    out: List[Tuple[str, str]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _strings(str(k), "%s key" % where) if not isinstance(k, str) or text_problem(k) else []
            out += _strings(v, "%s.%s" % (where, k))
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out += _strings(v, "%s[%d]" % (where, i))
    return out


def _kept(sections: Dict[str, List[str]], names: Sequence[str]) -> Dict[str, List[str]]:
    return dict((n, sections[n]) for n in names if n in sections)


def _read(path: str) -> Optional[str]:
    if not path or not os.path.exists(path):
        return None
    with open(path, "r") as fh:
        return fh.read()


def _read_int(path: str) -> Optional[int]:
    try:
        return int((_read(path) or "").strip())
    except ValueError:
        return None


def _to_int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _atomic_write(path: str, content: str, mode: int) -> None:
    """Replace ``path`` atomically (snapshot.write_owned: temporary file in the same directory, fsync, rename) with
    ``mode``; a file that exists keeps its owner and group (the FRR daemons file belongs to frr:frr)."""
    try:
        current = os.stat(path)
        uid, gid = current.st_uid, current.st_gid
    except OSError:
        uid, gid = os.geteuid(), os.getegid()
    try:
        S.write_owned(path, content, mode, uid, gid)
    except S.RestoreError as exc:
        raise ApplyError(str(exc).replace("cannot restore", "cannot write", 1))


def _as_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
