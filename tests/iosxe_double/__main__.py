"""Run IOS-XE TEST DOUBLE routers until interrupted.

    PYTHONPATH=tests python -m iosxe_double --spec spec.yml [--ports-file ports.json] [--control SOCKET]

spec.yml: {routers: [{hostname: cpe1, port: 0, base_config: path, truth: inventories/x/group_vars/all/vc.yml,
users: {admin: {password: admin, privilege: 15}}, enable_secret: ..., state_dir: /tmp/cpe1}]}
Faults: write <state_dir>/faults.json, e.g. {"tunnels": {"A": {"psk": "wrong"}}}; it is re-read on every command.
One process serves every router of the spec (one port each). --control SOCKET answers JSON requests on a unix
socket ({"op": "counters"} -> what each router counted, {"op": "reset"} -> base configs back, {"op": "stats"}
-> this process's CPU and memory; see server.py); <state_dir>/counters.json is written when a session ends.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import threading

import yaml

from . import DoubleServer, load_router


def main() -> None:
    ap = argparse.ArgumentParser(description="IOS-XE TEST DOUBLE (not a Cisco simulator)")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--ports-file")
    ap.add_argument("--control", help="unix socket for control requests (counters, reset, stats)")
    ap.add_argument("--quiet", action="store_true", help="do not print the ports")
    args = ap.parse_args()
    with open(args.spec) as fh:
        spec = yaml.safe_load(fh)
    routers = {r.get("inventory_name", r["hostname"]): load_router(r) for r in spec["routers"]}
    srv = DoubleServer(routers, host=spec.get("host", "127.0.0.1"))
    ports = srv.start({r.get("inventory_name", r["hostname"]): r.get("port", 0) for r in spec["routers"]})
    if args.control:
        srv.serve_control(args.control)
    if not args.quiet:
        for name, port in ports.items():
            print("%s %s %d" % (name, srv.host, port), flush=True)
    if args.ports_file:  # written last and atomically: its presence means "ready"
        tmp = args.ports_file + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(ports, fh)
        os.replace(tmp, args.ports_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    srv.stop()


if __name__ == "__main__":
    main()
