"""Run IOS-XE TEST DOUBLE routers until interrupted.

    PYTHONPATH=tests python -m iosxe_double --spec spec.yml [--ports-file ports.json]

spec.yml: {routers: [{hostname: cpe1, port: 0, base_config: path, truth: inventories/x/group_vars/all/vc.yml,
users: {admin: {password: admin, privilege: 15}}, enable_secret: ..., state_dir: /tmp/cpe1}]}
Faults: write <state_dir>/faults.json, e.g. {"tunnels": {"A": {"psk": "wrong"}}}; it is re-read on every command.
"""
from __future__ import annotations

import argparse
import json
import signal
import threading

import yaml

from . import DoubleServer, load_router


def main() -> None:
    ap = argparse.ArgumentParser(description="IOS-XE TEST DOUBLE (not a Cisco simulator)")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--ports-file")
    args = ap.parse_args()
    with open(args.spec) as fh:
        spec = yaml.safe_load(fh)
    routers = {r.get("inventory_name", r["hostname"]): load_router(r) for r in spec["routers"]}
    srv = DoubleServer(routers, host=spec.get("host", "127.0.0.1"))
    ports = srv.start({r.get("inventory_name", r["hostname"]): r.get("port", 0) for r in spec["routers"]})
    for name, port in ports.items():
        print("%s %s %d" % (name, srv.host, port), flush=True)
    if args.ports_file:
        with open(args.ports_file, "w") as fh:
            json.dump(ports, fh)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    srv.stop()


if __name__ == "__main__":
    main()
