"""Plan throughput: plans/s and tunnels/s for 1, 100 and 1000 regions, through the core and through
the vc_plan module (a real ansible-playbook run). Prints figures; asserts nothing about speed.

    python3 tests/bench/plan_bench.py [--sizes 1,100,1000] [--no-module]
Target: the core plans at least 10,000 tunnels per second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import conftest  # noqa: E402,F401  pylint: disable=unused-import

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan  # noqa: E402


def make_regions(n):
    """n valid regions; every 2 regions share one single-CPE router, every 5th region is dual-CPE."""
    regions = []
    for i in range(n):
        host = "cpe%d" % (i // 2)
        dual = i % 5 == 4
        t = []
        for dc, off in (("A", 0), ("B", 4)):
            h = host + ("b" if dual and dc == "B" else "")
            t.append(
                {
                    "datacenter": dc,
                    "cpe": {
                        "host": h,
                        "ipsec_ip": "192.0.%d.%d" % (2, 1 + (i // 2) % 250) if not (dual and dc == "B") else "192.0.3.%d" % (1 + i % 250),
                        "gre_ip": "192.0.2.%d" % (1 + (i // 2) % 250) if not (dual and dc == "B") else "192.0.3.%d" % (1 + i % 250),
                        "tunnel_ip": "100.%d.%d.%d/30" % (64 + i // 8192, (i // 32) % 256, ((i % 32) * 8) + 1 + off),
                        "asn": 64551 if dc == "A" else 64561,
                    },
                    "di": {
                        "ipsec_ip": "198.51.%d.%d" % (i % 200, 10 + off),
                        "gre_ip": "198.51.%d.%d" % (i % 200, 20 + off),
                        "tunnel_ip": "100.%d.%d.%d" % (64 + i // 8192, (i // 32) % 256, ((i % 32) * 8) + 2 + off),
                        "asn": 64552 if dc == "A" else 64562,
                    },
                    "psk": "bench-psk-%06d-%s-xxxxxxxx" % (i, dc),
                }
            )
        regions.append({"region": "r%d" % i, "di_prefix": "10.%d.%d.0/24" % (i // 256, i % 256), "bandwidth_mbps": 100, "tunnels": t})
    return regions


def bench_core(n, min_seconds=1.0):
    regions = make_regions(n)
    hosts = {t["cpe"]["host"] for r in regions for t in r["tunnels"]}
    cpes = {h: {"wan_interface": "eth0"} for h in hosts}
    result = build_plan(regions, cpes=cpes)
    assert result.ok, result.errors[:3]
    # CPU time of this process: the figure stays meaningful when other work shares the cores.
    runs, start = 0, time.process_time()
    while True:
        build_plan(regions, cpes=cpes)
        runs += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            break
    tracemalloc.start()
    build_plan(regions, cpes=cpes)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    per_plan = elapsed / runs
    return {
        "regions": n,
        "tunnels": 2 * n,
        "plans_per_s": 1 / per_plan,
        "tunnels_per_s": 2 * n / per_plan,
        "ms_per_plan": per_plan * 1000,
        "peak_mib": peak / 2**20,
    }


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: plan
      webex_di.virtual_connect.vc_plan:
        regions: "{{ regions }}"
        cpes: "{{ cpes }}"
      register: out
    - name: check
      ansible.builtin.assert:
        that: out.plan.regions | length == %d
"""


def bench_module(n):
    regions = make_regions(n)
    hosts = sorted({t["cpe"]["host"] for r in regions for t in r["tunnels"]})
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "vars.json").write_text(json.dumps({"regions": regions, "cpes": {h: {"wan_interface": "eth0"} for h in hosts}}))
        Path(tmp, "pb.yml").write_text(PLAYBOOK % n)
        Path(tmp, "inv").write_text("localhost\n" + "\n".join(hosts) + "\n")
        env = dict(
            os.environ,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
            ANSIBLE_NOCOLOR="1",
        )
        start = time.perf_counter()
        proc = subprocess.run(
            ["ansible-playbook", "-i", str(Path(tmp, "inv")), "-e", "@" + str(Path(tmp, "vars.json")), str(Path(tmp, "pb.yml"))],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        m = re.search(r"^plan -+ (\d+\.\d+)s", proc.stdout, re.M)
        task = float(m.group(1)) if m else 0.0
    return {
        "regions": n,
        "tunnels": 2 * n,
        "task_s": task,
        "playbook_wall_s": wall,
        "tunnels_per_s_task": 2 * n / task if task > 0 else float("nan"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,100,1000")
    ap.add_argument("--no-module", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("plan core (pure Python %s, CPU time of one process)" % sys.version.split()[0])
    print("  %8s %8s %12s %14s %10s %9s" % ("regions", "tunnels", "plans/s", "tunnels/s", "ms/plan", "peak MiB"))
    for n in sizes:
        r = bench_core(n)
        print(
            "  %8d %8d %12.1f %14.0f %10.3f %9.2f"
            % (r["regions"], r["tunnels"], r["plans_per_s"], r["tunnels_per_s"], r["ms_per_plan"], r["peak_mib"])
        )
    if not args.no_module:
        print("vc_plan module (ansible-playbook on localhost; task time from profile_tasks)")
        print("  %8s %8s %10s %14s %16s" % ("regions", "tunnels", "task s", "playbook s", "tunnels/s (task)"))
        for n in sizes:
            r = bench_module(n)
            print(
                "  %8d %8d %10.2f %14.2f %16.0f" % (r["regions"], r["tunnels"], r["task_s"], r["playbook_wall_s"], r["tunnels_per_s_task"])
            )


if __name__ == "__main__":
    main()
