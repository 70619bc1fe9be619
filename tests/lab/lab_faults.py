#!/usr/bin/env python
"""The fault matrix on the embedded lab (make lab-faults; driven by tests/lab/lab_faults.sh).

For each fault of the article's troubleshooting order (IKEv2, IPsec, GRE, BGP session, route exchange, MTU):
inject it on ONE tunnel (guest/faults.sh: the modelled Cisco side, the internet router, or by hand on the CPE's
FRR), poll the collection's diagnose (playbooks/diagnose_vc.yml, its JSON report per host) until it names a
cause on that tunnel, and assert:
  * the named cause (rule id) is the expected one, from the article's wording;
  * the other tunnel stays OK;
  * no clear-text GRE crossed the internet link, in either direction (capture on every interface of the
    internet router, for the whole fault: injection, diagnosis, removal, recovery);
  * after the fault is removed, diagnose (which runs verify) is green again on both tunnels.
Also two drills: clear-text GRE injected towards the CPE with a Cisco GRE endpoint's source must be dropped by
the CPE (kernel counters, a capture on its GRE link, BGP unaffected), and what happens when the CPE's own
charon is stopped (its policies are gone).

The rows whose expected cause needs evidence a Linux CPE's gatherer does not collect yet (charon log, BGP
notifications, probes, counter deltas) FAIL: that is reported as measured, never tuned. Exit 1 if any row fails.
Writes RUN_DIR/results.json (machine-readable table), RUN_DIR/<fault>/ (diagnose report, playbook output, the
CPE's evidence), and prints the table.

    lab_faults.py RUN_DIR [--faults a,b,...|families|all] [--drills all|clear_gre|none] [--reanalyze]
(families: one fault of each family of the troubleshooting order, FAMILIES below: what make test runs)
env (set by lab_faults.sh): REPO, VC_LAB_DIR, VC_LAB_SSH_PORT, ANSIBLE_*; LAB_FAULTS_ACQ_EXPIRES (see README).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO = Path(os.environ.get("REPO") or Path(__file__).resolve().parents[2])
LAB_DIR = Path(os.environ.get("VC_LAB_DIR") or REPO / ".build" / "lab")
INVENTORY = os.environ.get("LAB_FAULTS_INVENTORY", "inventories/lab")

# fault id, tunnel, expected rule id (the article's wording), note (when no rule fits, the rule that should exist),
# manifest timeout (s: how long the fault may take to show on the CPE), recovery timeout (s)
IKE_RECOVER = 240
# a fault of the data plane inside a working SA (ESP or GRE lost) shows in the lab-side view only when BGP's hold
# timer expires (30 s), but at once in the gatherer's probes (the tunnel ping, CHILD SA counter deltas): the first
# diagnose runs after this short wait, not after the hold time
DATA_PLANE = 3
MATRIX: List[Dict[str, Any]] = [
    dict(id="ike_psk_mismatch", tunnel=1, expect="ike.auth"),
    dict(id="ike_proposal_mismatch", tunnel=2, expect="ike.proposal"),
    dict(id="ike_dh_mismatch", tunnel=1, expect="ike.dh_group"),
    dict(id="ike_udp_blocked", tunnel=2, expect="ike.firewall"),
    dict(id="ike_headend_unreachable", tunnel=1, expect="ike.no_reachability"),
    dict(id="ike_headend_dead", tunnel=2, expect="ike.peer_down",
         note="the headend host answers ICMP port unreachable to UDP 500: the gatherer's UDP probe sees it refused"),
    dict(id="ipsec_esp_blocked", tunnel=1, expect="ipsec.no_inbound", manifest_s=DATA_PLANE),
    dict(id="ipsec_ts_mismatch", tunnel=2, expect="ipsec.ts_unacceptable"),
    dict(id="gre_wrong_endpoint", tunnel=1, expect="ipsec.no_inbound", manifest_s=DATA_PLANE,
         note="the DI side's tunnel destination is wrong: the CPE sees only 'encrypted out, nothing decrypted back' "
              "(as with ESP blocked); ipsec.no_inbound's cause and fix name the DI GRE endpoint"),
    dict(id="gre_blocked", tunnel=2, expect="ipsec.no_inbound", manifest_s=DATA_PLANE,
         note="GRE dropped behind the DI headend: from the CPE the same as ESP dropped on the path (0 decrypted "
              "during the probe); gre.firewall is for GRE decrypted but lost on the CPE side"),
    dict(id="bgp_local_as", tunnel=1, expect="bgp.local_as"),
    dict(id="bgp_remote_as", tunnel=2, expect="bgp.remote_as"),
    dict(id="bgp_password", tunnel=1, expect="bgp.auth"),
    dict(id="bgp_tcp179_blocked", tunnel=2, expect="bgp.firewall", manifest_s=75),
    dict(id="bgp_neighbor_ip", tunnel=1, expect="bgp.neighbor_ip",
         note="the DI side's neighbour statement is wrong: it sends Cease/Peer De-configured (6/3), then closes TCP 179"),
    dict(id="routes_missing_dc_prefix", tunnel=2, expect="routes.missing_dc_prefix"),
    dict(id="routes_missing_backup", tunnel=1, expect="routes.missing_backup"),
    dict(id="routes_extra", tunnel=2, expect="routes.extra", extra="not_installed"),
    dict(id="routes_other_dc", tunnel=1, expect="routes.other_dc_prefix"),
    dict(id="routes_swapped", tunnel=2, expect="routes.swapped"),
    dict(id="routes_more_specific", tunnel=1, expect="routes.more_specific", extra="dc_accepts_only_default"),
    dict(id="mtu_blackhole", tunnel=2, expect="gre.path_mtu", manifest_s=5, name_timeout_s=60,
         note="small pings pass, the DF ping of the tunnel MTU does not (the gatherer's DF probe)"),
]

# one fault per family of the article's troubleshooting order (IKEv2, IPsec, GRE, BGP session, routes, MTU), each
# named from a different kind of evidence (charon log, CHILD SA counter deltas, BGP NOTIFICATION, TCP MD5 failures,
# RIB, DF probe), on both tunnels; BGP has two (a NOTIFICATION and a silent TCP MD5 drop: both were once named
# bgp.firewall). make test runs these (--faults families); the whole matrix is make lab-faults
FAMILIES = ("ike_psk_mismatch", "ipsec_ts_mismatch", "gre_blocked", "bgp_local_as", "bgp_password",
            "routes_missing_dc_prefix", "mtu_blackhole")


def now() -> float:
    return time.time()


def log(msg: str) -> None:
    print("[lab-faults %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# the VM (labctl.sh through the bastion), Ansible
# ---------------------------------------------------------------------------------------------
def guest(*args: str, check: bool = True, timeout: int = 300) -> str:
    port = os.environ.get("VC_LAB_SSH_PORT") or _vm_env().get("VM_PORT")
    cmd = ["ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
           "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15", "-o", "ControlMaster=auto",
           "-o", "ControlPersist=600", "-o", "BatchMode=yes", "-o", "ControlPath=%s/cp/bastion-%%C" % LAB_DIR,
           "-i", str(LAB_DIR / "ssh" / "id_ed25519"), "-p", str(port), "root@127.0.0.1",
           "bash", shlex.quote(str(REPO / "tests/lab/guest/labctl.sh"))] + [shlex.quote(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        text = (r.stderr or r.stdout or "").strip()
        errors = [x for x in text.splitlines() if "ERROR" in x] or text.splitlines()[-1:]
        raise RuntimeError("labctl %s: rc %s: %s" % (" ".join(args), r.returncode, " | ".join(errors)[-400:]))
    return r.stdout


def _vm_env() -> Dict[str, str]:
    out = {}
    p = LAB_DIR / "vm.env"
    if p.exists():
        for line in p.read_text().splitlines():
            k, _s, v = line.partition("=")
            out[k] = v
    return out


def lab_env() -> Dict[str, str]:
    env = {}
    for line in guest("env").splitlines():
        k, _s, v = line.partition("=")
        env[k] = shlex.split(v)[0] if v.strip() else ""
    return env


def diagnose(outdir: Path, tag: str, playbook: str = "diagnose") -> Tuple[Optional[Dict[str, Any]], Dict[str, Any], float]:
    """Run playbooks/diagnose_vc.yml (or, playbook="verify", verify_vc.yml: the same gather without the diagnose
    evidence, for "green again"); returns (report of the host's tunnels by key, extras {state, plan}, seconds)."""
    rep = outdir / ("report-" + tag)
    rep.mkdir(parents=True, exist_ok=True)
    # a slow TCG CPE can take more than Ansible's default 10 s to show its SSH banner: the runner's own
    # connection timeout, not a product setting
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_TIMEOUT=os.environ.get("ANSIBLE_TIMEOUT", "60"))
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    extra = ["-e", "vc_linux_verify_return_outputs=true"] if playbook == "diagnose" else ["-e", "vc_linux_verify_evidence=none"]
    t0 = now()
    r = subprocess.run(["ansible-playbook", "-i", INVENTORY, "playbooks/%s_vc.yml" % playbook, "-e", "vc_report_dir=%s" % rep] + extra,
                       cwd=str(REPO), env=env, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    took = now() - t0
    (outdir / ("%s-%s.json" % (playbook, tag))).write_text(r.stdout)
    if r.stderr.strip():
        (outdir / ("%s-%s.err" % (playbook, tag))).write_text(r.stderr)
    extras: Dict[str, Any] = {}
    try:
        doc = json.loads(r.stdout)
        for play in doc.get("plays", []):
            for task in play.get("tasks", []):
                for _host, res in task.get("hosts", {}).items():
                    if isinstance(res.get("state"), dict) and "ike_sas" in res["state"]:
                        extras["state"] = res["state"]
                        if isinstance(res.get("outputs"), dict):
                            extras["outputs"] = res["outputs"]     # what the collection's gatherer read
                    if isinstance(res.get("plan"), dict) and "regions" in res["plan"]:
                        extras["plan"] = res["plan"]
    except ValueError:
        pass
    files = list(rep.glob("diagnose-*.json")) if playbook == "diagnose" else [p for p in rep.glob("*.json") if not p.name.startswith("junit")]
    if not files:
        return None, extras, took
    report = json.loads(files[0].read_text())
    return {t["key"]: t for t in report.get("tunnels", [])}, extras, took


# ---------------------------------------------------------------------------------------------
# lab-side probes (cheap, for waiting only: the verdicts come from the collection's diagnose)
# ---------------------------------------------------------------------------------------------
def cpe_view(cpe: str) -> Dict[int, Dict[str, str]]:
    out = {}
    for line in guest("cpe-view", cpe, check=False).splitlines():
        parts = line.split()
        if not parts or not parts[0].isdigit():
            continue
        out[int(parts[0])] = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    return out


def _sig(v: Dict[str, str]) -> Tuple[str, ...]:
    return tuple(v.get(k, "") for k in ("ike", "child", "bgp", "rx", "adv"))


def healthy(view: Dict[int, Dict[str, str]], baseline: Dict[int, Dict[str, str]], min_age: int = 12) -> bool:
    return bool(view) and all(t in view and _sig(view[t]) == _sig(baseline[t]) and int(view[t].get("age") or 0) >= min_age
                              for t in baseline)


def wait(pred, timeout: float, interval: float = 2.0) -> bool:
    end = now() + timeout
    while True:
        try:
            if pred():
                return True
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            log("probe error: %s" % e)
        if now() >= end:
            return False
        time.sleep(interval)


VIEW_SPLIT = "@@lab-faults-view@@"
FULL_EVIDENCE = bool(os.environ.get("LAB_FAULTS_FULL_EVIDENCE"))
# the same lines as labctl.sh evidence's versions.txt
VERSIONS = ('echo "kernel $(uname -r)"; dpkg-query -W strongswan-swanctl charon-systemd libstrongswan frr iproute2 nftables 2>&1; '
            "swanctl --stats 2>&1 | sed -n 's/^loaded plugins: /charon plugins: /p'")


def _collection_state():
    """The collection's Linux state parsers (the runner reads swanctl --raw and vtysh JSON with them)."""
    sys.path.insert(0, str(REPO / ".build" / "collections"))
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as st
    return st


def par(*calls):
    """Run independent lab calls at once (each is an SSH round trip and a shell in the VM); their results in order.
    The first exception is raised again after all have ended."""
    res: List[Any] = [None] * len(calls)
    err: List[BaseException] = []

    def one(i, fn):
        try:
            res[i] = fn()
        except Exception as e:  # noqa: BLE001 (re-raised below)
            err.append(e)
    threads = [threading.Thread(target=one, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if err:
        raise err[0]
    return res


def wire_counts(text: str) -> Dict[str, int]:
    return dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", text))


# ---------------------------------------------------------------------------------------------
# one fault
# ---------------------------------------------------------------------------------------------
class Lab:
    def __init__(self, run: Path):
        self.run = run
        self.env = lab_env()
        self.keys = {1: self.env["LAB_T1_KEY"], 2: self.env["LAB_T2_KEY"]}
        self.cpe = {1: self.env["LAB_T1_CPE"], 2: self.env["LAB_T2_CPE"]}
        if self.cpe[1] != self.cpe[2]:
            raise SystemExit("lab-faults runs on the single-CPE lab (inventories/lab)")
        self.host = self.cpe[1]
        self.rwdir_run = "/".join(str(run).split("/"))  # the rwdir is the same path inside the VM
        self.baseline: Dict[int, Dict[str, str]] = {}
        self.acq = os.environ.get("LAB_FAULTS_ACQ_EXPIRES", "30")
        self.versions: Optional[str] = None

    def t(self, i: int, name: str) -> str:
        return self.env["LAB_T%d_%s" % (i, name)]

    def apply_cpe_settings(self) -> None:
        """Recommendation R1 (README): charon's acquire lifetime on the CPE. The collection does not set it yet,
        so the runner applies the kernel value charon would write (charon writes it again when it starts)."""
        if self.acq and self.acq != "product":
            guest("x", self.host, "sysctl", "-qw", "net.core.xfrm_acq_expires=%s" % int(self.acq))
        self.acq_now = guest("x", self.host, "cat", "/proc/sys/net/core/xfrm_acq_expires").strip()

    def view(self) -> Dict[int, Dict[str, str]]:
        """cpe-view's fields (IKE/CHILD/BGP state, IKE age, routes received and advertised per tunnel) from ONE command
        on the CPE: swanctl once, vtysh once for every BGP table (cpe-view runs vtysh five times: seconds each
        under TCG). Falls back to labctl's cpe-view when the output cannot be read."""
        nbrs = [self.t(i, "DI_TUN") for i in (1, 2)]
        tables = ["show bgp ipv4 unicast neighbors %s %s-routes json" % (n, k) for n in nbrs for k in ("received", "advertised")]
        cmds = ["show bgp neighbors json"] + tables
        script = "swanctl --list-sas --raw 2>/dev/null; echo %s; vtysh %s 2>/dev/null" % (
            VIEW_SPLIT, " ".join("-c %s" % shlex.quote(c) for c in cmds))
        text = guest("x", self.host, "sh", "-c", script, check=False)
        sas_text, sep, bgp_text = text.partition(VIEW_SPLIT)
        st = _collection_state()
        docs = st.json_docs(bgp_text) if sep else []
        if len(docs) != len(cmds) or not isinstance(docs[0], dict):
            return cpe_view(self.host)
        sas = st.parse_swanctl_sas(sas_text)
        out = {}
        for i in (1, 2):
            di, nbr = self.t(i, "DI_IPSEC"), self.t(i, "DI_TUN")
            ike = [sa for sa in sas["ike_sas"] if sa["remote"] == di and sa["state"] == "established"]
            child = [c for c in sas["ipsec_sas"] if c["remote"] == di and c["state"] == "installed"]
            rx, adv = docs[1 + 2 * (i - 1)], docs[2 + 2 * (i - 1)]
            advertised = set((adv.get("advertisedRoutes") or {}).keys()) if isinstance(adv, dict) else set()
            if isinstance(adv, dict) and adv.get("bgpOriginatingDefaultNetwork"):
                advertised.add(adv["bgpOriginatingDefaultNetwork"])
            out[i] = {"ike": "ESTABLISHED" if ike else "none", "age": str(max([sa["uptime_s"] or 0 for sa in ike] or [0])),
                      "child": "INSTALLED" if child else "none",
                      "bgp": str((docs[0].get(nbr) or {}).get("bgpState") or "none"),
                      "rx": ",".join(sorted((rx.get("receivedRoutes") or {}) if isinstance(rx, dict) else {})),
                      "adv": ",".join(sorted(advertised))}
        return out

    def wait_healthy(self, timeout: float) -> bool:
        return wait(lambda: healthy(self.view(), self.baseline), timeout, interval=1.0)

    def capture_baseline(self) -> bool:
        def ok():
            v = self.view()
            good = all(v.get(t, {}).get("ike") == "ESTABLISHED" and v[t].get("child") == "INSTALLED"
                       and v[t].get("bgp") == "Established" and v[t].get("rx") and v[t].get("adv") == "0.0.0.0/0"
                       and int(v[t].get("age") or 0) >= 12 for t in (1, 2))
            if good:
                self.baseline = v
            return good
        return wait(ok, 300)

    def evidence(self, d: Path, mark: int) -> None:
        guest("evidence", self.host, str(d / "cpe"), str(mark + 1), check=False)

    def charon_log(self, d: Path, name: str, mark: int) -> None:
        """charon's log on the CPE from line mark + 1 (the fault window), and the stack versions of this run."""
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(guest("x", self.host, "tail", "-n", "+%d" % (mark + 1), "/var/log/charon.log", check=False))
        if not (d / "versions.txt").exists():
            if self.versions is None:
                self.versions = guest("x", self.host, "sh", "-c", VERSIONS, check=False)
            (d / "versions.txt").write_text(self.versions)

    def run_fault(self, f: Dict[str, Any]) -> Dict[str, Any]:
        fid, ti = f["id"], f["tunnel"]
        other = 2 if ti == 1 else 1
        key, okey = self.keys[ti], self.keys[other]
        d = self.run / fid
        d.mkdir(parents=True, exist_ok=True)
        row: Dict[str, Any] = {"fault": fid, "tunnel": ti, "tunnel_key": key, "expected": f["expect"],
                               "note": f.get("note"), "named": None, "named_layer": None, "evidence": [],
                               "seconds_to_name": None, "seconds_to_recover": None, "seconds_to_green": None,
                               "other_tunnel_ok": None, "green_after_remove": False, "diagnose_runs": [],
                               "checks": {}}
        log("---- %s on tunnel %d [%s] (expected %s)" % (fid, ti, key, f["expect"]))
        _cap, lines = par(lambda: guest("cap-start", "wire-" + fid, "inet"), lambda: guest("loglines", self.host, check=False))
        mark = int(lines.strip() or 0)
        t_inj = now()
        try:
            guest("fault", "inject", fid, str(ti))
        except RuntimeError as e:
            row["error"] = "inject: %s" % e
            log(row["error"])
            guest("cap-stop", "wire-" + fid, check=False)
            self.verdict(row)
            (d / "row.json").write_text(json.dumps(row, indent=1, sort_keys=True))
            return row
        # wait until the fault shows on the CPE (lab-side, cheap), then diagnose until a cause is named
        base = _sig(self.baseline[ti])
        manifested = wait(lambda: _sig(self.view().get(ti, {})) != base, f.get("manifest_s", 60), interval=1.0)
        row["manifest_s"] = round(now() - t_inj, 1) if manifested else None
        end = now() + f.get("name_timeout_s", 150)
        n = 0
        # LAB_FAULTS_FULL_EVIDENCE=1: the lab's own full capture of the CPE (labctl evidence: ~30 commands) while the
        # first diagnose gathers; by default only charon's log of the fault window is kept (what the fixtures use),
        # so the CPE's two vCPUs serve the collection's gatherer alone
        ev_thread = threading.Thread(target=self.evidence, args=(d, mark)) if FULL_EVIDENCE else None
        if ev_thread:
            ev_thread.start()
        while True:
            n += 1
            rep, extras, took = diagnose(d, "fault-%d" % n)
            entry = {"run": n, "seconds": round(took, 1)}
            if rep is None:
                entry["error"] = "no diagnose report"
            else:
                t, o = rep.get(key, {}), rep.get(okey, {})
                entry.update(faulty_ok=t.get("ok"), cause=t.get("cause_id"), other_ok=o.get("ok"), other_cause=o.get("cause_id"))
                if extras.get("state"):
                    (d / ("state-fault-%d.json" % n)).write_text(json.dumps(extras["state"], indent=1, sort_keys=True))
                if extras.get("outputs"):
                    (d / ("outputs-fault-%d.json" % n)).write_text(json.dumps(extras["outputs"], indent=1, sort_keys=True))
                if extras.get("plan") and not (self.run / "plan.json").exists():
                    (self.run / "plan.json").write_text(json.dumps(extras["plan"], indent=1, sort_keys=True))
                if t and not t.get("ok"):
                    row.update(named=t.get("cause_id"), named_layer=t.get("layer"), evidence=t.get("evidence") or [],
                               named_check=t.get("check"), seconds_to_name=round(now() - t_inj, 1),
                               other_tunnel_ok=bool(o.get("ok")), other_cause=o.get("cause_id"))
            row["diagnose_runs"].append(entry)
            if row["named"] or now() >= end:
                break
            time.sleep(1)
        if row["named"] is None and row["diagnose_runs"]:
            last = row["diagnose_runs"][-1]
            row["other_tunnel_ok"] = last.get("other_ok")
        if ev_thread:
            ev_thread.join()
            if n > 1:
                self.evidence(d, mark)
        else:
            self.charon_log(d / "cpe", "charon.log", mark)
        row["checks"].update(self.extra_checks(f, ti))
        # remove (the Cisco side re-initiates what the fault had stopped: guest/faults.sh), recover (lab-side),
        # then verify must be green on both tunnels
        t_rem = now()
        try:
            guest("fault", "remove", fid, str(ti))
        except RuntimeError as e:
            row["error"] = (row.get("error", "") + " remove: %s" % e).strip()
            log("remove failed: %s" % e)
        recovered = self.wait_healthy(f.get("recover_s", IKE_RECOVER))
        row["seconds_to_recover"] = round(now() - t_rem, 1) if recovered else None
        for k in range(3):
            rep, extras, took = diagnose(d, "green-%d" % (k + 1), playbook="verify")
            green = rep is not None and len(rep) == 2 and all(x.get("ok") for x in rep.values())
            if extras.get("state") and not green:
                (d / ("state-green-%d.json" % (k + 1))).write_text(json.dumps(extras["state"], indent=1, sort_keys=True))
                guest("evidence", self.host, str(d / ("cpe-green-%d" % (k + 1))), check=False)
            row["diagnose_runs"].append({"run": "green-%d" % (k + 1), "playbook": "verify", "seconds": round(took, 1), "green": green,
                                         "failed": {kk: v.get("first_failure") or v.get("cause_id") for kk, v in (rep or {}).items() if not v.get("ok")}})
            if green:
                row["green_after_remove"] = True
                row["seconds_to_green"] = round(now() - t_rem, 1)
                break
            if not self.wait_healthy(60):
                break
        # the charon log of the whole fault, recovery included (a later success must resolve the fault's events)
        heads = (self.t(1, "VPN"), self.t(2, "VPN"))
        _log, stop, g1, g2 = par(lambda: self.charon_log(d / "cpe", "charon.recovered.log", mark),
                                 lambda: guest("cap-stop", "wire-" + fid),
                                 *[(lambda h=h: guest("guard-counters", h, check=False)) for h in heads])
        w = wire_counts(stop)
        row["wire"] = {k: w.get(k, 0) for k in ("gre_from_cpe", "gre_to_cpe", "esp", "ike")}
        row["crypto_map_dropped"] = {heads[0]: g1.strip(), heads[1]: g2.strip()}
        self.verdict(row)
        if not row["green_after_remove"]:
            log("lab not healthy after %s: trying the Cisco side's 'clear crypto session' on both headends" % fid)
            for i in (1, 2):
                guest("sw", self.t(i, "VPN"), "--terminate", "--ike", self.keys[i], "--force", check=False)
            if not self.wait_healthy(240):
                row["checks"]["lab_recovered_for_next_fault"] = False
        (d / "row.json").write_text(json.dumps(row, indent=1, sort_keys=True))
        log("%s: named %s in %ss (expected %s), other OK %s, wire %s, green again %s after %ss -> %s"
            % (fid, row["named"], row["seconds_to_name"], f["expect"], row["other_tunnel_ok"], row["wire"],
               row["green_after_remove"], row["seconds_to_green"], row["result"]))
        return row

    def extra_checks(self, f: Dict[str, Any], ti: int) -> Dict[str, bool]:
        out = {}
        if f.get("extra") == "not_installed":   # an unexpected prefix offered: the CPE must filter it
            routes = guest("x", self.host, "ip", "-j", "route", "show", "10.99.0.0/16", check=False).strip()
            out["cpe_filtered_the_extra_prefix"] = routes in ("", "[]", "[ ]")
        if f.get("extra") == "dc_accepts_only_default":   # the DI side keeps accepting only 0/0
            rtr, nbr = self.t(ti, "RTR"), self.t(ti, "CPE_TUN")
            doc = guest("frr", rtr, "-c", "show bgp ipv4 unicast neighbors %s routes json" % nbr, check=False)
            try:
                out["dc_installed_only_the_default"] = sorted(json.loads(doc).get("routes", {})) == ["0.0.0.0/0"]
            except ValueError:
                out["dc_installed_only_the_default"] = False
        return out

    @staticmethod
    def verdict(row: Dict[str, Any]) -> None:
        reasons = []
        if row["named"] != row["expected"]:
            reasons.append("named %s, expected %s" % (row["named"], row["expected"]))
        if not row["other_tunnel_ok"]:
            reasons.append("the other tunnel was not OK (%s)" % row.get("other_cause"))
        w = row.get("wire") or {}
        if w.get("gre_from_cpe") or w.get("gre_to_cpe"):
            reasons.append("clear-text GRE on the internet link (from the CPE %s, to the CPE %s)" % (w.get("gre_from_cpe"), w.get("gre_to_cpe")))
        if not row["green_after_remove"]:
            reasons.append("diagnose not green after the fault was removed")
        for k, v in row["checks"].items():
            if not v:
                reasons.append("check %s failed" % k)
        if row.get("error"):
            reasons.append(row["error"])
        row["result"] = "PASS" if not reasons else "FAIL"
        row["reasons"] = reasons

    # ------------------------------------------------------------------ drills
    def gre_dev(self, ti: int) -> str:
        links = json.loads(guest("x", self.host, "ip", "-j", "-d", "link", "show", "type", "gre"))
        for link in links:
            if ((link.get("linkinfo") or {}).get("info_data") or {}).get("remote") == self.t(ti, "DI_GRE"):
                return link["ifname"]
        raise RuntimeError("no GRE link to %s on %s" % (self.t(ti, "DI_GRE"), self.host))

    def _xfrm_stat(self) -> Dict[str, int]:
        text = guest("x", self.host, "cat", "/proc/net/xfrm_stat")
        return dict((k, int(v)) for k, v in re.findall(r"^(\w+)\s+(\d+)$", text, re.M))

    def _bgp_up_ms(self, ti: int) -> Optional[int]:
        doc = json.loads(guest("x", self.host, "vtysh", "-c", "show bgp neighbors %s json" % self.t(ti, "DI_TUN")) or "{}")
        n = doc.get(self.t(ti, "DI_TUN")) or {}
        return n.get("bgpTimerUpMsec") if n.get("bgpState") == "Established" else None

    def _inject(self, tag: str, ti: int, count: int) -> Dict[str, Any]:
        """count clear-text GRE packets from inet with the DI GRE IP as source, towards the CPE GRE IP."""
        dev = self.gre_dev(ti)
        par(lambda: guest("cap-start", "cpegre-" + tag, self.host, dev), lambda: guest("cap-start", "wire-" + tag, "inet"),
            lambda: guest("cap-start", "cpewan-" + tag, self.host, self.env.get("LAB_CPE_WAN_IF", "wan0")))
        x0, up0 = par(self._xfrm_stat, lambda: self._bgp_up_ms(ti))
        sent = guest("inject-gre", "inet", self.t(ti, "DI_GRE"), self.t(ti, "CPE_GRE"), self.t(ti, "DI_TUN"),
                     self.t(ti, "CPE_TUN"), str(count)).strip()
        time.sleep(3)
        x1, up1 = par(self._xfrm_stat, lambda: self._bgp_up_ms(ti))
        _g, _w, stop = par(lambda: guest("cap-stop", "cpegre-" + tag), lambda: guest("cap-stop", "cpewan-" + tag),
                           lambda: guest("cap-stop", "wire-" + tag))
        wire = wire_counts(stop)
        # the injected echo requests (ICMP id 0x7c47) as the CPE's GRE link saw them: accepted ones
        pcap = "/run/lab/cap/cpegre-%s.pcap" % tag
        accepted = int(guest("x", "root", "sh", "-c", "tcpdump -n -r %s 'icmp[icmptype] == icmp-echo and icmp[4:2] == 0x7c47' "
                             "2>/dev/null | wc -l" % pcap).strip() or 0)
        answered = int(guest("x", "root", "sh", "-c", "tcpdump -n -r %s 'icmp[icmptype] == icmp-echoreply and icmp[4:2] == 0x7c47' "
                             "2>/dev/null | wc -l" % pcap).strip() or 0)
        delta = dict((k, x1.get(k, 0) - x0.get(k, 0)) for k in x1 if x1.get(k, 0) != x0.get(k, 0))
        return {"sent": sent, "gre_dev": dev, "accepted_on_gre_link": accepted, "answered": answered,
                "xfrm_stat_delta": delta, "wire": {k: wire.get(k, 0) for k in ("gre_from_cpe", "gre_to_cpe")},
                "bgp_up_ms_before": up0, "bgp_up_ms_after": up1,
                "bgp_unaffected": up0 is not None and up1 is not None and up1 >= up0}

    def _guard_counts(self) -> Dict[str, int]:
        """Packets counted by the collection's clear-text GRE guard (table inet vc_mss_clamp, chains input/output)."""
        doc = json.loads(guest("x", self.host, "nft", "-j", "list", "table", "inet", "vc_mss_clamp", check=False) or "{}")
        out: Dict[str, int] = {}
        for item in doc.get("nftables", []):
            rule = item.get("rule")
            if not rule or rule.get("chain") not in ("input", "output"):
                continue
            for e in rule.get("expr", []):
                if "counter" in e:
                    out[rule["chain"]] = out.get(rule["chain"], 0) + int(e["counter"].get("packets", 0))
        return out

    def _guarded_inject(self, tag: str, ti: int, count: int) -> Dict[str, Any]:
        g0 = self._guard_counts()
        r = self._inject(tag, ti, count)
        g1 = self._guard_counts()
        r["guard_delta"] = dict((k, g1.get(k, 0) - g0.get(k, 0)) for k in ("input", "output"))
        return r

    def drill_clear_gre(self, ti: int = 1, count: int = 20) -> Dict[str, Any]:
        """Clear-text GRE from the internet with a DI GRE endpoint's source, towards the CPE (charon up): dropped by the
        CPE, either by the collection's guard (nftables input, before the kernel's IPsec policy check) or by that
        policy check (XfrmInTmplMismatch): every injected packet is accounted for by one of the two."""
        log("---- drill: %d clear-text GRE packets from inet, source the DI GRE IP %s, to the CPE (charon up)" % (count, self.t(ti, "DI_GRE")))
        r = self._guarded_inject("drill", ti, count)
        dropped = r["guard_delta"].get("input", 0) + r["xfrm_stat_delta"].get("XfrmInTmplMismatch", 0)
        r["dropped_by_cpe"] = dropped
        ok = (r["accepted_on_gre_link"] == 0 and r["answered"] == 0 and dropped >= count
              and r["wire"]["gre_to_cpe"] == count and r["wire"]["gre_from_cpe"] == 0 and r["bgp_unaffected"])
        r.update(drill="cpe_drops_inbound_clear_gre", tunnel=ti, result="PASS" if ok else "FAIL")
        log("drill: %s" % json.dumps(r))
        return r

    def drill_cpe_without_policies(self, ti: int = 1, count: int = 20) -> Dict[str, Any]:
        """The CPE's own charon stopped (its xfrm policies go with it; finding F1 of tests/lab/README.md): the
        collection's guard must still drop inbound clear GRE and keep the CPE from sending its GRE in clear."""
        log("---- drill: CPE charon stopped (the deployed guard)")
        guest("x", self.host, "/etc/init.d/strongswan", "stop")
        pol = guest("x", self.host, "ip", "xfrm", "policy").count("dir ")
        r = self._guarded_inject("stopped", ti, count)
        r["xfrm_policies_while_stopped"] = pol
        guest("x", self.host, "/etc/init.d/strongswan", "start", check=False)
        self.apply_cpe_settings()
        t0 = now()
        r["recovered"] = self.wait_healthy(240)
        r["recovered_s"] = round(now() - t0, 1)
        r["finding"] = ("charon stopped: the CPE accepted %d of %d clear-text GRE packets, sent %d GRE packets in clear; "
                        "guard counters +%d in, +%d out"
                        % (r["accepted_on_gre_link"], count, r["wire"]["gre_from_cpe"],
                           r["guard_delta"]["input"], r["guard_delta"]["output"]))
        ok = (r["accepted_on_gre_link"] == 0 and r["answered"] == 0 and r["wire"]["gre_from_cpe"] == 0
              and r["guard_delta"]["input"] >= count and r["recovered"])
        r.update(drill="cpe_charon_stopped", tunnel=ti, result="PASS" if ok else "FAIL")
        log("drill: %s" % r["finding"])
        return r


# ---------------------------------------------------------------------------------------------
# offline analysis: what the collection's diagnose would name with the Linux evidence of this branch
# ---------------------------------------------------------------------------------------------
def outputs_from_evidence_dir(d: Path, plan: Dict[str, Any], host: str) -> Dict[str, Optional[str]]:
    """The files of labctl.sh 'evidence' (an older capture, one file per command) -> the outputs of the collection's
    gatherer by command (platforms/linux/state.py keys), for the commands both ran the same way. One window for the
    counters (the first tunnel's 'before', the last one's 'after'), as the gatherer samples them."""
    sys.path.insert(0, str(REPO / ".build" / "collections"))
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as st

    def text(name: str) -> Optional[str]:
        p = d / name
        return p.read_text(errors="replace") if p.exists() else None

    out: Dict[str, Optional[str]] = {"_converted_from": "labctl.sh evidence files (see SOURCES.md)"}
    tunnels = [t for r in plan.get("regions", []) for t in r.get("tunnels", []) if t.get("cpe_host") == host]
    for key, name in ((st.SAS, "swanctl_list_sas.raw.txt"), (st.NEIGHBORS, "bgp_neighbors.json"),
                      (st.CHARON_LOG, "charon.log"), (st.DMESG_MD5, "dmesg_md5.txt")):
        if text(name) is not None:
            out[key] = text(name)
    up = (text("uptime.txt") or "").strip()
    for key, suffix in ((st.KERNEL, "before"), (st.KERNEL + st.AFTER, "after")):
        netstat, xfrm = text("proc_net_netstat.%s.txt" % suffix), text("xfrm_stat.%s.txt" % suffix)
        if netstat is not None or xfrm is not None:
            out[key] = "%s\n%s%s" % (up or "- -", netstat or "", xfrm or "")
    befores = [text("swanctl_before_ping_%s.raw.txt" % t["di"]["tunnel_ip"]) for t in tunnels]
    afters = [text("swanctl_after_ping_%s.raw.txt" % t["di"]["tunnel_ip"]) for t in tunnels]
    if befores and befores[0] is not None and afters[-1] is not None:
        out[st.SAS] = befores[0]
        out[st.SAS + st.AFTER] = afters[-1]
    for t in tunnels:
        ci, di, ct, dt = t["cpe"]["ipsec_ip"], t["di"]["ipsec_ip"], t["cpe"]["tunnel_ip"], t["di"]["tunnel_ip"]
        size = int(t["mtu"]["tunnel_ip_mtu"]) - 28
        for key, name in ((st.ipsec_ping_key(di, ci), "ping_ipsec_%s.txt" % di),
                          (st.df_ping_key(dt, ct, size), "ping_tunnel_df%d_%s.txt" % (size, dt))):
            if text(name) is not None:
                out[key] = text(name)
        tp = text("ping_tunnel_%s.txt" % dt)
        if tp is not None:
            m = re.search(r"^rc=(\d+)$", tp, re.M)
            out[st.ping_key(dt, ct)] = re.sub(r"^rc=\d+\n?", "", tp, flags=re.M) if m and m.group(1) == "0" else ""
    return out


def offline_with_evidence(run: Path, row: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Diagnose again, offline, from the outputs the gatherer returned during the fault (Platform.parse): the same
    cause as online proves the fixtures (outputs.json) carry everything the verdict used."""
    try:
        sys.path.insert(0, str(REPO / ".build" / "collections"))
        from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as st
        from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host
    except ImportError as e:
        return {"error": "import: %s" % e}
    d = run / row["fault"]
    outs = sorted(d.glob("outputs-fault-*.json"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
    if not outs or not (run / "plan.json").exists():
        return None
    plan = json.loads((run / "plan.json").read_text())
    host = [t["cpe_host"] for r in plan.get("regions", []) for t in r.get("tunnels", []) if t["key"] == row["tunnel_key"]][0]
    state = st.parse(json.loads(outs[-1].read_text()), host, plan)
    diag = diagnose_host(plan, state, host)
    t = {x["key"]: x for x in diag["tunnels"]}.get(row["tunnel_key"], {})
    events = sorted({"%s/%s" % (e["event"], e.get("direction") or "-") for e in state.get("log_events", [])
                     if e.get("peer") in (None,) + tuple(_tunnel_peers(plan, row["tunnel_key"]))})
    return {"named": t.get("cause_id") if not t.get("ok") else "(ok)", "evidence": t.get("evidence"), "events": events}


def _tunnel_peers(plan: Dict[str, Any], key: str) -> List[str]:
    for r in plan.get("regions", []):
        for t in r.get("tunnels", []):
            if t["key"] == key:
                return [t["di"]["ipsec_ip"], t["di"]["gre_ip"], t["di"]["tunnel_ip"]]
    return []


# ---------------------------------------------------------------------------------------------
def table(rows: List[Dict[str, Any]], drills: List[Dict[str, Any]], header: str) -> str:
    lines = [header, ""]
    fmt = "%-25s %2s  %-25s %-25s %7s %8s %7s  %-9s %-6s %-4s  %s"
    lines.append(fmt % ("fault", "T", "expected cause", "named cause", "name_s", "recover", "green_s", "gre f/t", "other", "", "offline from outputs"))
    for r in rows:
        off = r.get("offline") or {}
        lines.append(fmt % (r["fault"], r["tunnel"], r["expected"], r["named"] or "(none)",
                            r["seconds_to_name"] if r["seconds_to_name"] is not None else "-",
                            r["seconds_to_recover"] if r["seconds_to_recover"] is not None else "-",
                            r["seconds_to_green"] if r["seconds_to_green"] is not None else "-",
                            "%s/%s" % ((r.get("wire") or {}).get("gre_from_cpe", "?"), (r.get("wire") or {}).get("gre_to_cpe", "?")),
                            "OK" if r["other_tunnel_ok"] else "NOT OK", r["result"],
                            off.get("named") or off.get("error") or "-"))
        for reason in r.get("reasons") or []:
            lines.append("      - %s" % reason)
        if r.get("note"):
            lines.append("      note: %s" % r["note"])
    for dr in drills:
        lines.append("")
        lines.append("drill %s (tunnel %s): %s" % (dr["drill"], dr.get("tunnel"), dr["result"]))
        lines.append("  " + (dr.get("finding") or json.dumps({k: v for k, v in dr.items() if k not in ("drill", "result")})))
    n_fail = sum(1 for r in rows if r["result"] != "PASS") + sum(1 for d in drills if d["result"] != "PASS")
    lines.append("")
    lines.append("%d faults, %d passed, %d failed; %d drills, %d passed" % (
        len(rows), sum(1 for r in rows if r["result"] == "PASS"), sum(1 for r in rows if r["result"] != "PASS"),
        len(drills), sum(1 for d in drills if d["result"] == "PASS")))
    lines.append("RESULT: %s" % ("PASS" if n_fail == 0 else "FAIL (%d)" % n_fail))
    return "\n".join(lines)


# the gatherer's own outputs go to outputs.json; of the lab's evidence capture only charon's log of the fault window
# (and of the recovery) is kept, for the parser's tests
def markdown(rows: List[Dict[str, Any]]) -> str:
    """The measured table for tests/lab/README.md (fault, expected, named, seconds to name, other tunnel OK,
    clear-text GRE from/to the CPE, green again after the removal)."""
    lines = ["| fault | T | expected | named | s to name | other tunnel OK | clear GRE from/to CPE | green again (s) | result |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        w = r.get("wire") or {}
        lines.append("| `%s` | %s | `%s` | `%s` | %s | %s | %s/%s | %s | %s |" % (
            r["fault"], r["tunnel"], r["expected"], r.get("named") or "(none)",
            r.get("seconds_to_name") if r.get("seconds_to_name") is not None else "-",
            "yes" if r.get("other_tunnel_ok") else "NO", w.get("gre_from_cpe", "?"), w.get("gre_to_cpe", "?"),
            "yes (%s)" % r["seconds_to_green"] if r.get("green_after_remove") else "NO", r.get("result")))
    return "\n".join(lines)


HARVEST = ("charon.log", "charon.recovered.log", "versions.txt")
HARVEST_GLOBS = ()  # type: Tuple[str, ...]


def harvest(run: Path, dest: Path) -> None:
    """Copy the evidence of every fault of a run into the unit-test fixtures (tests/fixtures/linux/faults)."""
    doc = json.loads((run / "results.json").read_text())
    dest.mkdir(parents=True, exist_ok=True)
    for r in doc["faults"]:
        src = run / r["fault"]
        states = sorted(src.glob("state-fault-*.json"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
        if not (src / "cpe").is_dir() or not states:
            continue
        out = dest / r["fault"]
        if out.exists():
            for old in out.iterdir():
                old.unlink()
        out.mkdir(parents=True, exist_ok=True)
        names = [n for n in HARVEST if (src / "cpe" / n).exists()]
        for g in HARVEST_GLOBS:
            names += sorted(p.name for p in (src / "cpe").glob(g))
        for n in names:
            (out / n).write_bytes((src / "cpe" / n).read_bytes())
        (out / "state.json").write_text(states[-1].read_text())
        outs = sorted(src.glob("outputs-fault-*.json"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
        if outs:    # exactly what the collection's gatherer read (vc_linux_state return_outputs)
            (out / "outputs.json").write_text(outs[-1].read_text())
        fields = ("fault", "tunnel", "tunnel_key", "expected", "named", "named_check", "evidence",
                  "seconds_to_name", "seconds_to_recover", "seconds_to_green", "wire", "result")
        keep = {k: r.get(k) for k in fields}
        (out / "row.json").write_text(json.dumps(keep, indent=1, sort_keys=True) + "\n")
    if (run / "plan.json").exists():
        (dest / "plan.json").write_text((run / "plan.json").read_text())
    log("harvested %s -> %s" % (run, dest))


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--faults", default=os.environ.get("LAB_FAULTS", ""), help="comma-separated ids (default: all)")
    ap.add_argument("--no-drills", action="store_true", help="= --drills none")
    ap.add_argument("--drills", default="all", choices=("all", "clear_gre", "none"),
                    help="all: both drills; clear_gre: only the CPE-drops-inbound-clear-GRE drill; none")
    ap.add_argument("--reanalyze", action="store_true", help="recompute the offline column and the table from RUN_DIR")
    ap.add_argument("--harvest", metavar="DEST", help="copy RUN_DIR's evidence into unit-test fixtures (DEST) and exit")
    ap.add_argument("--markdown", action="store_true", help="print RUN_DIR's rows as the README's markdown table and exit")
    a = ap.parse_args(argv)
    run = Path(a.run_dir).resolve()
    if a.markdown:
        print(markdown(json.loads((run / "results.json").read_text())["faults"]))
        return 0
    if a.harvest:
        harvest(run, Path(a.harvest).resolve())
        return 0
    if a.reanalyze:
        doc = json.loads((run / "results.json").read_text())
        for r in doc["faults"]:
            r["offline"] = offline_with_evidence(run, r)
        (run / "results.json").write_text(json.dumps(doc, indent=1, sort_keys=True))
        print(table(doc["faults"], doc["drills"], doc["header"]))
        return 0 if doc["result"] == "PASS" else 1
    run.mkdir(parents=True, exist_ok=True)
    wanted = [x for x in a.faults.split(",") if x]
    if wanted == ["families"]:
        wanted = list(FAMILIES)
    elif wanted == ["all"]:
        wanted = []
    unknown = [x for x in wanted if x not in {f["id"] for f in MATRIX}]
    if unknown:
        raise SystemExit("unknown fault(s): %s" % ", ".join(unknown))
    faults = [f for f in MATRIX if not wanted or f["id"] in wanted]
    t0 = now()
    lab = Lab(run)
    lab.apply_cpe_settings()
    if not lab.capture_baseline():
        raise SystemExit("the lab is not healthy before the first fault (cpe-view: %s)" % cpe_view(lab.host))
    rep, _x, took = diagnose(run / "baseline", "baseline")
    if rep is None or not all(t.get("ok") for t in rep.values()):
        raise SystemExit("diagnose is not green before the first fault: %s" % {k: v.get("cause_id") for k, v in (rep or {}).items()})
    log("baseline green (diagnose %.0fs); CPE xfrm_acq_expires=%s" % (took, lab.acq_now))
    header = ("lab-faults on %s (%s), CPE net.core.xfrm_acq_expires=%s%s, Cisco side initiates: %s"
              % (INVENTORY, lab.host, lab.acq_now,
                 " (applied by the runner: recommendation R1, not yet set by the collection)" if lab.acq not in ("", "product") else " (as deployed)",
                 "yes" if lab.env.get("LAB_CISCO_INITIATE", "1") == "1" else "no"))
    drills: List[Dict[str, Any]] = []
    rows: List[Dict[str, Any]] = []
    drill_set = "none" if a.no_drills else a.drills
    if drill_set != "none":
        drills.append(lab.drill_clear_gre(1))
    for f in faults:
        rows.append(lab.run_fault(f))
        rows[-1]["offline"] = offline_with_evidence(run, rows[-1])
        _save(run, header, rows, drills, t0)
    if drill_set == "all":
        drills.append(lab.drill_cpe_without_policies(1))
    doc = _save(run, header, rows, drills, t0)
    print(table(rows, drills, header + " | %d s" % doc["seconds"]))
    return 0 if doc["result"] == "PASS" else 1


def _save(run: Path, header: str, rows, drills, t0: float) -> Dict[str, Any]:
    bad = [r for r in rows if r["result"] != "PASS"] + [d for d in drills if d["result"] != "PASS"]
    doc = {"header": header, "seconds": round(now() - t0), "faults": rows, "drills": drills,
           "result": "PASS" if not bad else "FAIL"}
    (run / "results.json").write_text(json.dumps(doc, indent=1, sort_keys=True))
    return doc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
