"""IOS-XE fleet benchmark (make bench-ios): our deploy / re-run / verify against a plain cisco.ios.ios_config push
of the same rendered lines, on N IOS-XE TEST DOUBLE routers (tests/iosxe_double), side by side in one run.

    python3 tests/bench/ios_bench.py [--sizes 1,5,20,50] [--rounds 3] [--stages ...] [--out FILE]
    env: IOS_BENCH_SIZES, IOS_BENCH_ROUNDS, IOS_BENCH_STAGES, IOS_BENCH_OUT, IOS_BENCH_PER_PROC

For each N it generates an inventory of N CPEs (one region per CPE, tunnels to DC-A and DC-B, unique WAN, DI
and tunnel addresses, tunnel numbers and ASNs), starts the doubles (one port per CPE; one process serves up to
--per-proc routers, default 50), renders every CPE's lines with playbooks/render_vc.yml (secrets filled in from the
inventory), then runs rounds, interleaved: reset the doubles, ours (deploy_vc.yml, its re-run,
verify_vc.yml); reset, plain (ios_config src: the rendered file, and its re-run). Same inventory, same
connection settings, forks = N for every run. Outcomes are asserted from the recap (first runs ok and
changed, re-runs of ours changed=0), never from task names.

Figures per run: wall seconds of ansible-playbook; controller CPU = user+sys of the ansible-playbook process
tree AND of the persistent-connection daemons (ansible-connection double-forks away from ansible-playbook;
this process makes itself a child subreaper, PR_SET_CHILD_SUBREAPER, so the daemons are re-parented to it,
and reaps each with os.wait4, which returns the rusage of exactly that process and its waited-for
children); the double's counters per host (SSH sessions, configuration sessions, full and filtered
running-config reads, lines typed, CLI errors, bytes sent); the double's own CPU. Prints a table and, as the
last line:
    ios-bench: first_ratio=R1 rerun_ratio=R2 verify_s=V cpu_per_cpe_s=C show_run_reads=S fleet50_s=F
Writes the figures as JSON (default .build/bench/ios-bench.json under the current directory). A benchmark,
not a test: it asserts nothing about speed; it exits 1 when a run's outcome is wrong (after printing).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TESTS = REPO / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from iosxe_double import control_request  # noqa: E402

sys.path.insert(0, str(TESTS / "integration" / "ios_e2e"))
from e2e_helpers import parse_recap  # noqa: E402  (the one PLAY RECAP reader of the tests)

BASE_CONFIG = TESTS / "iosxe_double" / "base_configs" / "cpe_lab.cfg"
SITE = next((p for p in sys.path if p.endswith("site-packages")), "")
ADMIN_PW = "bench-admin-pw"
STAGES = ("ours_deploy", "ours_rerun", "ours_verify", "plain_push", "plain_rerun")
COUNTER_KEYS = ("ssh_sessions", "config_sessions", "show_run_full", "show_run_filtered", "lines", "config_lines",
                "exec_commands", "cli_errors", "bytes_out", "busy_us")
PLAIN_PLAYBOOK = """---
# Plain push (the benchmark's reference): cisco.ios.ios_config with src: the lines render_vc.yml wrote
# for this CPE, secrets filled in. No plan, no verify, no rollback.
- name: Plain cisco.ios.ios_config push of the rendered Virtual Connect lines
  hosts: vc_cpes
  gather_facts: false
  tasks:
    - name: Push the rendered lines
      cisco.ios.ios_config:
        src: "{{ bench_plain_dir }}/{{ inventory_hostname }}.cfg"
"""


# ------------------------------------------------------------------------------------------- the fleet
def _asn_pool():
    taken = {65099, 65010, 64999}  # foreign ASNs of the base configs
    return [a for a in range(64600, 65535) if a not in taken]


def make_fleet(n: int) -> dict:
    """N CPEs, one region each (DC-A + DC-B on the same CPE, IaaS /24, production config: the lab scenario of
    tests/integration/ios_e2e), every CPE with its own WAN, DI and tunnel addresses, tunnel interface numbers
    (Tunnel101/102 on the first CPE, 111/112 on the second...), ASNs, PSKs and BGP passwords."""
    if not 1 <= n <= 200:
        raise SystemExit("fleet size must be 1-200, got %d" % n)
    asns = _asn_pool()
    regions, hosts = [], {}
    for i in range(n):
        host = "cpe%03d" % (i + 1)
        wan = "198.18.%d.2" % i
        a_cpe, a_di, b_cpe, b_di = asns[4 * i:4 * i + 4]
        base = (i // 32, (i % 32) * 8)
        tunnels = []
        for dc, off, cpe_asn, di_asn, ipsec, gre in (("A", 0, a_cpe, a_di, 10, 65), ("B", 4, b_cpe, b_di, 14, 66)):
            tunnels.append({
                "datacenter": dc,
                "cpe": {"host": host, "ipsec_ip": wan, "gre_ip": wan,
                        "tunnel_ip": "100.64.%d.%d/30" % (base[0], base[1] + off + 1), "asn": cpe_asn,
                        "tunnel_number": 10 * i + (101 if dc == "A" else 102)},
                "di": {"ipsec_ip": "198.19.%d.%d" % (i, ipsec), "gre_ip": "198.19.%d.%d" % (i, gre),
                       "tunnel_ip": "100.64.%d.%d" % (base[0], base[1] + off + 2), "asn": di_asn},
                "psk": "bench-psk-%03d-dc-%s-0123456789" % (i + 1, dc.lower()),
                "bgp_password": "bench-bgp-%03d-dc-%s" % (i + 1, dc.lower()),
            })
        regions.append({"region": "site%03d" % (i + 1), "di_prefix": "10.%d.%d.0/24" % (128 + i // 256, i % 256),
                        "iaas_prefix": "10.%d.%d.0/24" % (160 + i // 256, i % 256), "bandwidth_mbps": 100,
                        "tunnels": tunnels})
        hosts[host] = {"wan": wan, "next_hop": "198.18.%d.1" % i, "asn": a_cpe}
    return {"regions": regions, "hosts": hosts}


def base_config(host: str, spec: dict) -> str:
    """The lab CPE's production config (foreign crypto map, GRE tunnel, BGP neighbour, prefix list), with this
    CPE's hostname, WAN address, default route and BGP AS."""
    text = BASE_CONFIG.read_text()
    for old, new in (("hostname cpe1\n", "hostname %s\n" % host),
                     (" ip address 192.0.2.2 255.255.255.0\n", " ip address %s 255.255.255.0\n" % spec["wan"]),
                     ("ip route 0.0.0.0 0.0.0.0 192.0.2.1\n", "ip route 0.0.0.0 0.0.0.0 %s\n" % spec["next_hop"]),
                     ("router bgp 64551\n", "router bgp %d\n" % spec["asn"])):
        if text.count(old) != 1:
            raise SystemExit("base config %s: expected one %r" % (BASE_CONFIG.name, old))
        text = text.replace(old, new)
    return text


FOREIGN = {"bgp": [{"neighbor": "10.255.10.2", "remote_as": 65099, "routes": ["10.99.0.0/16", "172.22.0.0/16"]}]}


def write_inventory(inv: Path, fleet: dict, ports: dict, work: Path, ssh_type: str = "libssh") -> None:
    (inv / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    hosts = {h: {"ansible_port": ports[h], "vc_wan_interface": "GigabitEthernet1", "vc_wan_next_hop": s["next_hop"]}
             for h, s in fleet["hosts"].items()}
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"vc_cpes": {"hosts": hosts}}}}))
    connection = {
        "ansible_host": "127.0.0.1", "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": "cisco.ios.ios", "ansible_network_cli_ssh_type": ssh_type,
        "ansible_host_key_checking": False, "ansible_user": "admin", "ansible_password": ADMIN_PW,
        "vc_report_dir": str(work / "reports"), "vc_ios_backup_dir": str(work / "backup"),
        "bench_plain_dir": str(work / "plain"),
    }
    (inv / "group_vars" / "all" / "connection.yml").write_text(yaml.safe_dump(connection))
    (inv / "group_vars" / "all" / "vc.yml").write_text(yaml.safe_dump({"vc_regions": fleet["regions"]}))


def fill_secrets(rendered: str, host: str, fleet: dict) -> str:
    """render_vc.yml masks secrets; the plain push needs them: the keyring peer's PSK by its address, the BGP
    password by its neighbour address (from the inventory)."""
    by_peer, by_neighbor = {}, {}
    for region in fleet["regions"]:
        for t in region["tunnels"]:
            if t["cpe"]["host"] == host:
                by_peer[t["di"]["ipsec_ip"]] = t["psk"]
                by_neighbor[t["di"]["tunnel_ip"]] = t["bgp_password"]
    out, peer_addr = [], None
    for line in rendered.splitlines():
        words = line.split()
        if line.startswith("  address ") and len(words) == 2:
            peer_addr = words[1]
        if "********" in line and not line.lstrip().startswith("!"):
            if words[:1] == ["pre-shared-key"] and peer_addr in by_peer:
                line = line.replace("********", by_peer[peer_addr])
            elif words[:1] == ["neighbor"] and "password" in words and words[1] in by_neighbor:
                line = line.replace("********", by_neighbor[words[1]])
            else:
                raise SystemExit("%s: cannot fill the masked secret of %r" % (host, line.strip()))
        out.append(line)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------- processes
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def _cpu(ru) -> float:
    return ru.ru_utime + ru.ru_stime


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            fields = fh.readline().split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Doubles:
    """The double processes of one fleet: each serves a shard of the routers and answers control requests."""

    def __init__(self, fleet: dict, work: Path, per_proc: int):
        self.work = work
        self.procs: list[tuple[subprocess.Popen, str, list[str]]] = []
        names = sorted(fleet["hosts"])
        nproc = max(1, -(-len(names) // max(1, per_proc)))
        self.ports: dict[str, int] = {}
        truth = work / "truth.yml"
        truth.write_text(yaml.safe_dump({"vc_regions": fleet["regions"]}))
        (work / "base").mkdir(exist_ok=True)
        pending = []
        for k in range(nproc):
            shard = names[k::nproc]
            routers = []
            for h in shard:
                cfg = work / "base" / ("%s.cfg" % h)
                cfg.write_text(base_config(h, fleet["hosts"][h]))
                routers.append({"hostname": h, "inventory_name": h, "base_config": str(cfg), "truth": str(truth),
                                "users": {"admin": {"password": ADMIN_PW, "privilege": 15}},
                                "state_dir": str(work / "state" / h), "foreign": FOREIGN})
            spec = work / ("doubles-%d.yml" % k)
            spec.write_text(yaml.safe_dump({"routers": routers}))
            ports_file = work / ("ports-%d.json" % k)
            control = str(work / ("control-%d.sock" % k))
            if ports_file.exists():
                ports_file.unlink()
            log = open(work / ("doubles-%d.log" % k), "w")
            proc = subprocess.Popen([sys.executable, "-m", "iosxe_double", "--spec", str(spec), "--ports-file",
                                     str(ports_file), "--control", control, "--quiet"],
                                    cwd=str(work), env=dict(os.environ, PYTHONPATH=str(TESTS)), stdout=log,
                                    stderr=subprocess.STDOUT)
            log.close()
            self.procs.append((proc, control, shard))
            pending.append((proc, ports_file))
        deadline = time.monotonic() + 120
        for proc, ports_file in pending:
            while not ports_file.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("the IOS-XE double did not start (see %s)" % work)
                time.sleep(0.05)
            self.ports.update(json.loads(ports_file.read_text()))

    @property
    def pids(self) -> set[int]:
        return {p.pid for p, _c, _s in self.procs}

    def request(self, op: str) -> list[dict]:
        return [control_request(control, {"op": op}) for _p, control, _s in self.procs]

    def counters(self) -> dict:
        out = {}
        for answer in self.request("counters"):
            out.update(answer["routers"])
        return out

    def timings(self) -> dict:
        out = {}
        for answer in self.request("timings"):
            out.update(answer["routers"])
        return out

    def stats(self) -> list[dict]:
        return [a["stats"] for a in self.request("stats")]

    def reset(self) -> None:
        for answer in self.request("reset"):
            if "error" in answer:
                raise SystemExit("double reset failed: %s" % answer["error"])

    def errors(self) -> list[str]:
        """Bugs of the double (errors.log of each router): a run with any is not a valid measurement."""
        out = []
        for path in sorted((self.work / "state").glob("*/errors.log")):
            out.append("%s: %s" % (path.parent.name, path.read_text()[:500]))
        return out

    def stop(self) -> None:
        for proc, _c, _s in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _c, _s in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ----------------------------------------------------------------------------------------------- runs


def ansible_env(work: Path, extra: dict) -> dict:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "ios_bench_tasks",
        "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (REPO / ".build" / "collections", SITE),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(work / "pc"),
        "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
    })
    env.pop("ANSIBLE_CONFIG", None)  # the same explicit settings for ours and plain, not the caller's ansible.cfg
    env.update(extra)
    return env


def delta(before: dict, after: dict) -> dict:
    """Per host: counter increments and the SSH sessions opened during the run."""
    out = {}
    for host, snap in after.items():
        prev = before.get(host, {"counters": {}, "sessions": []})
        seen = {e["id"] for e in prev["sessions"]}
        c = {k: v - prev["counters"].get(k, 0) for k, v in snap["counters"].items()}
        out[host] = {"counters": c, "sessions": [e for e in snap["sessions"] if e["id"] not in seen]}
    return out


def run_playbook(name: str, args: list[str], ctx: dict, log: Path) -> dict:
    """One ansible-playbook run: wall, CPU of its process tree and of the connection daemons it left behind."""
    doubles: Doubles = ctx["doubles"]
    cmd = ["ansible-playbook", "-i", str(ctx["inventory"]), "-f", str(ctx["n"]), *args]
    before = doubles.counters()
    dstats0 = doubles.stats()
    load0 = os.getloadavg()[0]
    busy0 = machine_busy_s()
    tasks_file = log.with_suffix(".tasks.json")
    env = dict(ctx["env"], IOS_BENCH_TASKS_FILE=str(tasks_file))
    with open(log, "w") as out:
        out.write(" ".join(cmd) + "\n")
        out.flush()
        epoch0 = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=str(ctx["work"]), env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        epoch1 = time.time()
        busy1 = machine_busy_s()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu_playbook = _cpu(ru)
    cpu_daemons, daemons, lingered = 0.0, 0, 0.0
    t1 = time.perf_counter()
    deadline = t1 + ctx["linger_s"]
    while True:  # persistent connection daemons re-parented to us: reap each (and its rusage)
        kids = [p for p in children_of(os.getpid()) if p not in doubles.pids]
        if not kids:
            break
        for pid in kids:
            try:
                got, _st, kru = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if got:
                cpu_daemons += _cpu(kru)
                daemons += 1
        if time.perf_counter() > deadline:
            for pid in kids:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            deadline = time.perf_counter() + 10
        time.sleep(0.02)
    lingered = time.perf_counter() - t1
    after = doubles.counters()
    dstats1 = doubles.stats()
    text = log.read_text(errors="replace")
    tasks = json.loads(tasks_file.read_text()) if tasks_file.exists() else None
    double_cpu = sum(b["cpu_s"] for b in dstats1) - sum(a["cpu_s"] for a in dstats0)
    return {
        # CPU the rest of the machine used meanwhile (other users of the cores), in cores: the run's share of the
        # machine is what makes wall times comparable between machines or moments
        "other_cores": max(0.0, (busy1 - busy0) - cpu_playbook - cpu_daemons - double_cpu) / wall if wall else 0.0,
        "exchanges": {h: exchanges(t, epoch0, epoch1) for h, t in doubles.timings().items()},
        "tasks": tasks,
        "stage": name, "rc": proc.returncode, "wall_s": wall, "cpu_s": cpu_playbook + cpu_daemons,
        "cpu_playbook_s": cpu_playbook, "cpu_connections_s": cpu_daemons, "connection_daemons": daemons,
        "daemons_exit_s": lingered, "recap": parse_recap(text), "hosts": delta(before, after),
        "double_cpu_s": double_cpu,
        "double_rss_kib": [b["rss_kib"] for b in dstats1], "load1": [load0, os.getloadavg()[0]],
        "log": str(log),
    }


ROUND_TRIP_MAX_S = 0.5  # a gap this short between the double's answer and the next line: the client typing on


def exchanges(timings: list[dict], start: float, end: float) -> dict:
    """Where one host's run spent its time, seen from the double: lines typed, the double's own answer time,
    short gaps (answer -> next line: network_cli reading and waiting its buffer read timeout) and long gaps
    (the controller between commands: module start, planning, templating, waits)."""
    lines = [e for e in timings if start <= e["t"] <= end]
    out = {"lines": len(lines), "double_s": sum(e["dt"] for e in lines), "round_trip_s": 0.0, "round_trips": 0,
           "controller_gaps_s": 0.0, "controller_gaps": 0, "max_gap_s": 0.0, "before_first_s": None,
           "after_last_s": None}
    if not lines:
        return out
    out["before_first_s"] = lines[0]["t"] - start
    out["after_last_s"] = end - lines[-1]["t"] - lines[-1]["dt"]
    for prev, nxt in zip(lines, lines[1:]):
        gap = nxt["t"] - prev["t"] - prev["dt"]
        if gap < ROUND_TRIP_MAX_S:
            out["round_trip_s"] += gap
            out["round_trips"] += 1
        else:
            out["controller_gaps_s"] += gap
            out["controller_gaps"] += 1
        out["max_gap_s"] = max(out["max_gap_s"], gap)
    return out


def check(run: dict, hosts: list[str]) -> list[str]:
    """Outcome of a run from its recap: every host ran and none failed; first runs change, our re-runs do not."""
    problems = []
    stage, recap = run["stage"], run["recap"]
    if run["rc"] != 0:
        problems.append("rc=%d" % run["rc"])
    missing = [h for h in hosts if h not in recap]
    if missing:
        problems.append("no recap for %s" % ", ".join(missing[:5]))
    for h, r in sorted(recap.items()):
        if r["failed"] or r["unreachable"]:
            problems.append("%s failed=%d unreachable=%d" % (h, r["failed"], r["unreachable"]))
        if stage in ("ours_deploy", "plain_push") and not r["changed"]:
            problems.append("%s: first run changed nothing" % h)
        if stage in ("ours_rerun", "ours_verify") and r["changed"]:
            problems.append("%s: changed=%d (must be 0)" % (h, r["changed"]))
    return problems


STAGE_ARGS = {
    "ours_deploy": lambda c: [str(REPO / "playbooks" / "deploy_vc.yml")],
    "ours_rerun": lambda c: [str(REPO / "playbooks" / "deploy_vc.yml")],
    "ours_verify": lambda c: [str(REPO / "playbooks" / "verify_vc.yml")],
    "plain_push": lambda c: [str(c["work"] / "plain_push.yml")],
    "plain_rerun": lambda c: [str(c["work"] / "plain_push.yml")],
}


def bench_size(n: int, rounds: int, stages: list[str], opts) -> dict:
    work = Path(opts.workdir).resolve() / ("n%d" % n)
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    fleet = make_fleet(n)
    t_start = time.perf_counter()
    doubles = Doubles(fleet, work, opts.per_proc)
    startup_s = time.perf_counter() - t_start
    try:
        inv = work / "inventory"
        write_inventory(inv, fleet, doubles.ports, work, opts.ssh_type)
        ctx = {"n": n, "work": work, "inventory": inv, "doubles": doubles, "linger_s": opts.linger,
               "env": ansible_env(work, dict(kv.split("=", 1) for kv in opts.env))}
        (work / "plain_push.yml").write_text(PLAIN_PLAYBOOK)
        render = run_playbook("render", [str(REPO / "playbooks" / "render_vc.yml"), "-e",
                                         "vc_render_dir=%s" % (work / "render")], ctx, work / "render.log")
        if render["rc"] != 0:
            raise SystemExit("render_vc.yml failed (see %s)" % render["log"])
        (work / "plain").mkdir()
        for host in fleet["hosts"]:
            text = (work / "render" / host / "vc-ios.cfg").read_text()
            (work / "plain" / ("%s.cfg" % host)).write_text(fill_secrets(text, host, fleet))
        runs = []
        hosts = sorted(fleet["hosts"])
        for rnd in range(rounds):
            for group in (("ours_deploy", "ours_rerun", "ours_verify"), ("plain_push", "plain_rerun")):
                todo = [s for s in group if s in stages]
                if not todo:
                    continue
                doubles.reset()
                for stage in todo:
                    run = run_playbook(stage, STAGE_ARGS[stage](ctx), ctx, work / ("r%d-%s.log" % (rnd, stage)))
                    run["round"] = rnd
                    run["problems"] = check(run, hosts) + ["double internal error: " + e for e in doubles.errors()]
                    runs.append(run)
                    print("  n=%-3d round %d %-12s %7.1f s  cpu %6.1f s  %s" % (
                        n, rnd + 1, stage, run["wall_s"], run["cpu_s"], "; ".join(run["problems"][:3]) or "ok"),
                        file=sys.stderr, flush=True)
        mem = doubles.stats()
    finally:
        doubles.stop()
    return {"n": n, "rounds": rounds, "double_procs": len(doubles.procs), "double_startup_s": startup_s,
            "double_rss_kib": [m["rss_kib"] for m in mem], "double_threads": [m["threads"] for m in mem],
            "render_s": render["wall_s"], "runs": runs, "total_s": time.perf_counter() - t_start}


# -------------------------------------------------------------------------------------------- figures
def mmm(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def summarise(size: dict) -> dict:
    n = size["n"]
    out = {}
    for stage in STAGES:
        runs = [r for r in size["runs"] if r["stage"] == stage]
        if not runs:
            continue
        per_host = [h for r in runs for h in r["hosts"].values()]
        counters = {k: mmm([h["counters"].get(k, 0) for h in per_host]) for k in COUNTER_KEYS}
        reconnects = [max(0, h["counters"]["ssh_sessions"] - 1) for h in per_host]
        out[stage] = {
            "wall_s": mmm([r["wall_s"] for r in runs]),
            "wall_per_cpe_s": mmm([r["wall_s"] / n for r in runs]),
            "cpu_s": mmm([r["cpu_s"] for r in runs]),
            "cpu_per_cpe_s": mmm([r["cpu_s"] / n for r in runs]),
            "cpu_connections_per_cpe_s": mmm([r["cpu_connections_s"] / n for r in runs]),
            "double_cpu_per_cpe_s": mmm([r["double_cpu_s"] / n for r in runs]),
            "other_cores": mmm([r.get("other_cores") for r in runs]),
            "per_host": counters,
            "reconnects": sum(reconnects), "max_sessions_per_host": max(h["counters"]["ssh_sessions"] for h in per_host),
            "failed_hosts": sum(r2["failed"] + r2["unreachable"] > 0 for r in runs for r2 in r["recap"].values()),
            "changed_per_host": mmm([r2["changed"] for r in runs for r2 in r["recap"].values()]),
            "problems": [p for r in runs for p in r["problems"]],
            "exchanges": {k: mmm([x[k] for r in runs for x in r["exchanges"].values() if x["lines"]])
                          for k in EXCHANGE_KEYS},
            "tasks": by_role(median_run(runs)),
        }
    return out


EXCHANGE_KEYS = ("lines", "double_s", "round_trip_s", "round_trips", "controller_gaps_s", "controller_gaps",
                 "max_gap_s", "before_first_s", "after_last_s")


def median_run(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def by_role(run: dict) -> dict:
    """The callback's per-task figures of one run, summed per role (tasks outside roles: the play's name)."""
    tasks = (run.get("tasks") or {}).get("tasks") or []
    groups: dict = {}
    for t in tasks:
        empty = {"tasks": 0, "wall_s": 0.0, "cpu_main_s": 0.0, "cpu_workers_s": 0.0}
        g = groups.setdefault(t["role"] or "(playbook tasks)", empty)
        g["tasks"] += 1
        for k in ("wall_s", "cpu_main_s", "cpu_workers_s"):
            g[k] += t[k]
    top = sorted(tasks, key=lambda t: -t["wall_s"])[:8]
    keys = ("name", "role", "action", "wall_s", "cpu_main_s", "cpu_workers_s")
    return {"roles": groups, "slowest": [{k: t[k] for k in keys} for t in top],
            "cpu_main_s": (run.get("tasks") or {}).get("cpu_main_s"),
            "cpu_workers_s": (run.get("tasks") or {}).get("cpu_workers_s"), "wall_s": run["wall_s"],
            "cpu_s": run["cpu_s"], "cpu_connections_s": run["cpu_connections_s"]}


def _med(summary: dict, stage: str, key: str):
    s = summary.get(stage, {}).get(key)
    return s["median"] if s else None


def fmt(v, spec="%.2f"):
    return "na" if v is None else spec % v


def report(sizes: list[dict]) -> tuple[list[str], dict]:
    lines = ["columns: wall of the fleet run | per CPE (wall / N) | controller CPU per CPE | the double's CPU per CPE | "
             "cores the rest of the machine used meanwhile | per host and run: SSH sessions, configuration sessions, "
             "full and filtered running-config reads, lines typed"]
    figures = {}
    for size in sizes:
        n, s = size["n"], size["summary"]
        lines.append("")
        lines.append("N=%d CPEs (forks=%d, %d round(s), %d double process(es), double RSS %s MiB, bench %.0f s)" % (
            n, n, size["rounds"], size["double_procs"], "/".join("%.0f" % (k / 1024) for k in size["double_rss_kib"]),
            size["total_s"]))
        lines.append("  %-12s %20s %7s %9s %9s %5s | per host per run (median/max): %s" % (
            "stage", "wall s min/med/max", "s/CPE", "CPU s/CPE", "dbl s/CPE", "other",
            "ssh cfg full filt lines"))
        for stage in STAGES:
            st = s.get(stage)
            if not st:
                continue
            w, pc = st["wall_s"], st["per_host"]
            lines.append("  %-12s %6.1f/%6.1f/%6.1f %7.2f %9.2f %9.2f %5.2f | %s  reconnects %d failed %d" % (
                stage, w["min"], w["median"], w["max"], st["wall_per_cpe_s"]["median"], st["cpu_per_cpe_s"]["median"],
                st["double_cpu_per_cpe_s"]["median"], (st["other_cores"] or {"median": 0.0})["median"],
                " ".join("%g/%g" % (pc[k]["median"], pc[k]["max"]) for k in
                         ("ssh_sessions", "config_sessions", "show_run_full", "show_run_filtered", "lines")),
                st["reconnects"], st["failed_hosts"]))
        r1 = _ratio(s, "ours_deploy", "plain_push")
        r2 = _ratio(s, "ours_rerun", "plain_rerun")
        cpu_o, cpu_p = _med(s, "ours_deploy", "cpu_per_cpe_s"), _med(s, "plain_push", "cpu_per_cpe_s")
        lines.append("  ours/plain: first deploy %sx, re-run %sx; controller CPU per CPE ours %s s, plain %s s" % (
            fmt(r1), fmt(r2), fmt(cpu_o), fmt(cpu_p)))
        for st_name, st in s.items():
            for p in st["problems"][:5]:
                lines.append("  PROBLEM %s: %s" % (st_name, p))
        figures[n] = {"first_ratio": r1, "rerun_ratio": r2}
        lines += breakdown(s)
    return lines, figures


def breakdown(s: dict) -> list[str]:
    """Where the time of each stage goes (median host of all runs, and the median run's tasks per role)."""
    out = ["  where the time goes, per host (median), seen from the double: lines | their round trips "
           "(answer -> next line < %.1f s) | controller gaps (>= %.1f s; longest) | double answering | before the "
           "first line | after the last" % (ROUND_TRIP_MAX_S, ROUND_TRIP_MAX_S)]
    for stage in STAGES:
        ex = s.get(stage, {}).get("exchanges")
        if not ex or not ex["lines"]:
            continue
        m = {k: (v["median"] if v else 0.0) for k, v in ex.items()}
        out.append("    %-12s %4d lines | %5.1f s in %3d round trips (%3.0f ms each) | %5.1f s in %2d gaps; %4.1f s "
                   "| %4.1f s | %4.1f s | %4.1f s" % (
                       stage, m["lines"], m["round_trip_s"], m["round_trips"],
                       1000 * m["round_trip_s"] / max(1, m["round_trips"]), m["controller_gaps_s"],
                       m["controller_gaps"], m["max_gap_s"], m["double_s"], m["before_first_s"] or 0,
                       m["after_last_s"] or 0))
    out.append("  controller, median run per stage: wall s / CPU s of the main process + workers (+ connection "
               "daemons), by role")
    for stage in STAGES:
        t = s.get(stage, {}).get("tasks")
        if not t or not t["roles"]:
            continue
        roles = " ".join("%s %.1f/%.1f" % (name.split(".")[-1], g["wall_s"], g["cpu_main_s"] + g["cpu_workers_s"])
                         for name, g in t["roles"].items())
        out.append("    %-12s %s (+ daemons %.1f)" % (stage, roles, t["cpu_connections_s"]))
    return out


def _ratio(s, a, b):
    x, y = _med(s, a, "wall_s"), _med(s, b, "wall_s")
    return x / y if x is not None and y else None


def last_line(sizes: list[dict]) -> tuple[str, dict]:
    small = min(sizes, key=lambda z: z["n"])
    large = max(sizes, key=lambda z: z["n"])
    s = small["summary"]
    fleet50 = next((z for z in sizes if z["n"] == 50), None)
    reads = s.get("ours_deploy", {}).get("per_host", {}).get("show_run_full")
    figs = {
        "first_ratio": _ratio(s, "ours_deploy", "plain_push"),
        "rerun_ratio": _ratio(s, "ours_rerun", "plain_rerun"),
        "verify_s": _med(s, "ours_verify", "wall_s"),
        "cpu_per_cpe_s": _med(large["summary"], "ours_deploy", "cpu_per_cpe_s"),
        "show_run_reads": reads["median"] if reads else None,
        "fleet50_s": _med(fleet50["summary"], "ours_deploy", "wall_s") if fleet50 else None,
        "ratios_at_n": small["n"], "cpu_at_n": large["n"],
    }
    line = "ios-bench: first_ratio=%s rerun_ratio=%s verify_s=%s cpu_per_cpe_s=%s show_run_reads=%s fleet50_s=%s" % (
        fmt(figs["first_ratio"]), fmt(figs["rerun_ratio"]), fmt(figs["verify_s"], "%.1f"),
        fmt(figs["cpu_per_cpe_s"]), fmt(figs["show_run_reads"], "%g"), fmt(figs["fleet50_s"], "%.1f"))
    return line, figs


def _env_list(name: str, default: str) -> str:
    return os.environ.get(name) or default


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=_env_list("IOS_BENCH_SIZES", "1,5,20,50"), help="fleet sizes N (default 1,5,20,50)")
    ap.add_argument("--rounds", type=int, default=int(_env_list("IOS_BENCH_ROUNDS", "3")))
    ap.add_argument("--stages", default=_env_list("IOS_BENCH_STAGES", ",".join(STAGES)),
                    help="subset of %s" % ",".join(STAGES))
    ap.add_argument("--out", default=_env_list("IOS_BENCH_OUT", ".build/bench/ios-bench.json"))
    ap.add_argument("--workdir", default=_env_list("IOS_BENCH_WORKDIR", ".build/bench/ios-work"))
    ap.add_argument("--per-proc", type=int, default=int(_env_list("IOS_BENCH_PER_PROC", "50")),
                    help="routers served by one double process (default 50: one process up to N=50, measured "
                         "best on 2 cores by tests/bench/double_capacity.py)")
    ap.add_argument("--linger", type=float, default=90.0,
                    help="seconds to wait for connection daemons to exit after a run before stopping them")
    ap.add_argument("--ssh-type", choices=["libssh", "paramiko"], default=_env_list("IOS_BENCH_SSH_TYPE", "libssh"),
                    help="network_cli's SSH library for both variants (default libssh: ansible-pylibssh, what the "
                         "collection uses; paramiko is network_cli's deprecated fallback, what the issue measured)")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for every ansible-playbook run (both variants), e.g. "
                         "ANSIBLE_PERSISTENT_BUFFER_READ_TIMEOUT=0.1")
    opts = ap.parse_args(argv)
    sizes = [int(x) for x in opts.sizes.split(",") if x.strip()]
    stages = [x.strip() for x in opts.stages.split(",") if x.strip()]
    bad = [x for x in stages if x not in STAGES]
    if bad or not sizes:
        ap.error("unknown stages %s (choose from %s)" % (bad, ",".join(STAGES)) if bad else "no sizes")
    if not (REPO / ".build" / "collections").exists():
        raise SystemExit("run `make link` first (.build/collections is missing)")
    subreaper = become_subreaper()
    t0 = time.perf_counter()
    print("ios-bench: sizes %s, %d round(s), stages %s; per-CPE figures are fleet wall or CPU / N; controller CPU "
          "= ansible-playbook tree + connection daemons (%s)" % (
              sizes, opts.rounds, ",".join(stages),
              "wait4 rusage, subreaper" if subreaper else "wait4 rusage; NO subreaper: daemons not counted"),
          flush=True)
    results = []
    for n in sizes:
        size = bench_size(n, opts.rounds, stages, opts)
        size["summary"] = summarise(size)
        results.append(size)
    lines, per_n = report(results)
    line, figs = last_line(results)
    meta = {"sizes": sizes, "rounds": opts.rounds, "stages": stages, "env": opts.env, "ssh_type": opts.ssh_type,
            "subreaper": subreaper,
            "cpus": os.cpu_count(), "python": sys.version.split()[0], "total_s": time.perf_counter() - t0,
            "per_n": per_n, "last_line": line, "figures": figs}
    out = Path(opts.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "sizes": results}, indent=1, default=str))
    for ln in lines:
        print(ln)
    print("figures: %s (total %.0f s)" % (out, meta["total_s"]))
    bad_runs = sum(1 for z in results for r in z["runs"] if r["problems"])
    if bad_runs:
        print("%d run(s) had a wrong outcome (PROBLEM lines above)" % bad_runs)
    print(line, flush=True)
    return 1 if bad_runs else 0


if __name__ == "__main__":
    sys.exit(main())
