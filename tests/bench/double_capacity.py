"""Capacity of the IOS-XE TEST DOUBLE itself (no Ansible): can it serve a 50-CPE fleet on a 2-core machine
without becoming what the IOS-XE benchmark measures?

    python3 tests/bench/double_capacity.py [--routers 50] [--procs 1,2,5] [--think 0.1] [--rounds 1]

Starts the double as P processes serving R routers between them (one port per router), then R concurrent SSH
clients (paramiko, threads in 2 client processes per core, all sessions at once) each type what one deploy of the lab scenario types: the
rendered Virtual Connect lines in configuration mode, 9 full running-config reads, a few show commands, with
--think seconds between an answer and the next line (network_cli waits 0.1 s). Prints, per P: the answer
latency seen by the clients (p50/p95/max, ms), the double's CPU per router-deploy, and its memory per
process. Asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(HERE))

import ios_bench as bench  # noqa: E402

PROMPT_END = (b"#",)


def deploy_lines(fleet: dict, host: str) -> list[str]:
    """What one deploy types, in the form a client sends it: the CPE's rendered lines (secrets filled), in 4
    configuration sessions like our deploy, with the full running-config reads between them."""
    region = next(r for r in fleet["regions"] if r["tunnels"][0]["cpe"]["host"] == host)
    t_a, t_b = region["tunnels"]
    n_a, n_b = t_a["cpe"]["tunnel_number"], t_b["cpe"]["tunnel_number"]
    blocks = []
    for t, n in ((t_a, n_a), (t_b, n_b)):
        name = "VC-%s-%s" % (region["region"].upper(), t["datacenter"])
        blocks += [
            ["ip access-list extended %s" % name, "permit gre host %s host %s" % (t["cpe"]["gre_ip"], t["di"]["gre_ip"])],
            ["crypto ikev2 keyring VC-KEYRING", "peer %s" % name, "address %s" % t["di"]["ipsec_ip"],
             "pre-shared-key %s" % t["psk"]],
            ["crypto ikev2 profile %s" % name, "match identity remote address %s 255.255.255.255" % t["di"]["ipsec_ip"],
             "identity local address %s" % t["cpe"]["ipsec_ip"], "authentication remote pre-share",
             "authentication local pre-share", "keyring local VC-KEYRING", "dpd 10 2 periodic"],
            ["interface Tunnel%d" % n, "description %s" % name,
             "ip address %s 255.255.255.252" % t["cpe"]["tunnel_ip"].split("/")[0], "ip mtu 1400",
             "ip tcp adjust-mss 1350", "keepalive 10 3", "tunnel source %s" % t["cpe"]["gre_ip"],
             "tunnel destination %s" % t["di"]["gre_ip"], "tunnel path-mtu-discovery"],
        ]
    lines = ["terminal length 0", "terminal width 512", "show running-config"]
    for k in range(4):
        lines += ["show running-config", "configure terminal"] + [x for b in blocks[k::4] for x in b] + [
            "end", "show running-config"]
    lines += ["show crypto ikev2 sa", "show ip bgp summary", "show crypto session detail", "show ip interface brief",
              "show running-config | section ^crypto", "show logging | include IKEv2|BGP"]
    return lines


def client(args) -> list[float]:
    """One CPE's session: type every line, wait for the prompt, think, next. Returns the answer latencies (s)."""
    import paramiko

    port, lines, think = args
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username="admin", password=bench.ADMIN_PW, look_for_keys=False,
              allow_agent=False, timeout=60)
    chan = c.invoke_shell(width=512)
    chan.settimeout(120)

    def until_prompt() -> None:
        buf = b""
        while not buf.rstrip().endswith(PROMPT_END):
            data = chan.recv(65536)
            if not data:
                raise EOFError("channel closed")
            buf += data

    until_prompt()
    out = []
    for line in lines:
        t0 = time.perf_counter()
        chan.send(line + "\r")
        until_prompt()
        out.append(time.perf_counter() - t0)
        time.sleep(think)
    c.close()
    return out


def client_shard(jobs) -> list[list[float]]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(jobs)) as ex:
        return list(ex.map(client, jobs))


def measure(routers: int, procs: int, think: float, work: Path) -> dict:
    fleet = bench.make_fleet(routers)
    work.mkdir(parents=True, exist_ok=True)
    doubles = bench.Doubles(fleet, work, per_proc=-(-routers // procs))
    try:
        stats0 = doubles.stats()
        jobs = [(doubles.ports[h], deploy_lines(fleet, h), think) for h in sorted(fleet["hosts"])]
        nproc = min(len(jobs), 2 * (os.cpu_count() or 2))
        shards = [jobs[k::nproc] for k in range(nproc)]
        t0 = time.perf_counter()
        with multiprocessing.Pool(nproc) as pool:  # every session at once: client processes x threads
            lat = [x for part in pool.map(client_shard, shards, chunksize=1) for x in part]
        wall = time.perf_counter() - t0
        stats1 = doubles.stats()
        counters = doubles.counters()
    finally:
        doubles.stop()
    flat = sorted(x for per in lat for x in per)
    cpu = sum(b["cpu_s"] for b in stats1) - sum(a["cpu_s"] for a in stats0)
    return {"routers": routers, "procs": len(doubles.procs), "think_s": think, "wall_s": wall,
            "lines": len(flat), "lat_p50_ms": 1000 * statistics.median(flat),
            "lat_p95_ms": 1000 * flat[int(0.95 * (len(flat) - 1))], "lat_max_ms": 1000 * flat[-1],
            "double_cpu_per_router_s": cpu / routers, "rss_mib": [b["rss_kib"] / 1024 for b in stats1],
            "threads": [b["threads"] for b in stats1],
            "errors": sum(c["counters"]["cli_errors"] for c in counters.values())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routers", type=int, default=50)
    ap.add_argument("--procs", default="1,2,5")
    ap.add_argument("--think", type=float, default=0.1)
    ap.add_argument("--workdir", default=".build/bench/double-capacity")
    ap.add_argument("--out", default=".build/bench/double-capacity.json")
    opts = ap.parse_args(argv)
    results = []
    print("double capacity: %d routers, %.2f s think time per line; latency = line sent -> prompt back" % (
        opts.routers, opts.think))
    header = ("procs", "wall s", "lines", "p50 ms", "p95 ms", "max ms", "CPU s/deploy", "RSS MiB/proc", "threads")
    print("  %5s %8s %7s %8s %8s %8s %12s %14s %8s" % header)
    print("  (threads: of the busiest double process once the clients are gone)")
    for p in [int(x) for x in opts.procs.split(",")]:
        work = Path(opts.workdir).resolve() / ("p%d" % p)
        subprocess.run(["rm", "-rf", str(work)], check=True)
        r = measure(opts.routers, p, opts.think, work)
        results.append(r)
        print("  %5d %8.1f %7d %8.1f %8.1f %8.1f %12.2f %14s %8s" % (
            r["procs"], r["wall_s"], r["lines"], r["lat_p50_ms"], r["lat_p95_ms"], r["lat_max_ms"],
            r["double_cpu_per_router_s"], "%d x %.0f" % (len(r["rss_mib"]), max(r["rss_mib"])),
            max(r["threads"])), flush=True)
    out = Path(opts.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
