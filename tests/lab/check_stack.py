#!/usr/bin/env python
"""Check that this machine's strongSwan and FRR can run what the collection offers (make setup, lab build).

Starts a throw-away charon-systemd with the lab's plugin list (tests/lab/guest/strongswan.load: what
the lab's Cisco headends and CPEs load), asks it `swanctl --list-algs --raw`, and checks that every
IKE/ESP suite of the collection (plugins/module_utils/plan/crypto.py SUITES) is offered, naming the
Debian package that is missing. Also checks the FRR daemons the lab and the Linux platform run.
Exit 0 when all is there, 1 with one line per missing piece.
    python3 tests/lab/check_stack.py [--load-file F] [--algs-file F (a saved --list-algs output, no charon)]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FRR_DAEMONS = ("zebra", "bgpd", "staticd", "bfdd", "ospfd")


def _load(relpath: str):
    spec = importlib.util.spec_from_file_location(Path(relpath).stem, REPO / relpath)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def query_charon(load: str) -> tuple:
    """(list-algs --raw output, stats output) of a throw-away charon loading ``load``."""
    charon = "/usr/sbin/charon-systemd"
    if not os.access(charon, os.X_OK):
        raise SystemExit("check: %s is missing: install charon-systemd (and strongswan-swanctl)" % charon)
    if not shutil.which("swanctl"):
        raise SystemExit("check: swanctl is missing: install strongswan-swanctl")
    with tempfile.TemporaryDirectory(prefix="vc-swcheck-") as d:
        conf = Path(d, "strongswan.conf")
        sock = "unix://%s/charon.vici" % d
        conf.write_text(
            "charon {\n  load_modular = no\n  load = %s\n  port = 0\n  port_nat_t = 0\n"
            "  install_routes = no\n  plugins { vici { socket = %s } }\n"
            "  filelog { check { path = %s/charon.log\n default = 1 } }\n}\n"
            "charon-systemd { journal { default = -1 } }\n" % (load, sock, d))
        env = dict(os.environ, STRONGSWAN_CONF=str(conf))
        proc = subprocess.Popen([charon], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while True:
                r = subprocess.run(["swanctl", "--list-algs", "--raw", "--uri", sock], env=env,
                                   capture_output=True, text=True, check=False)
                if r.returncode == 0:
                    stats = subprocess.run(["swanctl", "--stats", "--uri", sock], env=env,
                                           capture_output=True, text=True, check=False).stdout
                    return r.stdout, stats
                if proc.poll() is not None or time.time() > deadline:
                    log = Path(d, "charon.log")
                    raise SystemExit("check: charon did not start with the lab's plugins:\n%s"
                                     % (log.read_text() if log.exists() else r.stderr))
                time.sleep(0.2)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--load-file", default=str(REPO / "tests/lab/guest/strongswan.load"))
    ap.add_argument("--algs-file", help="a saved `swanctl --list-algs [--raw]` output instead of a charon")
    ap.add_argument("--skip-frr", action="store_true")
    args = ap.parse_args()
    algs_mod = _load("plugins/module_utils/platforms/linux/strongswan_algs.py")
    crypto = _load("plugins/module_utils/plan/crypto.py")
    load = Path(args.load_file).read_text().split("#")[0].strip()
    problems = []
    packages = set()
    if args.algs_file:
        text = Path(args.algs_file).read_text()
    else:
        text, stats = query_charon(load)
        for miss in algs_mod.missing_plugins(algs_mod.parse_loaded_plugins(stats), load.split()):
            problems.append(miss["message"])
            packages.add(miss["package"])
    available = algs_mod.parse_list_algs(text)
    for suite, spec in sorted(crypto.SUITES.items()):
        for miss in algs_mod.missing_algorithms(available, algs_mod.required_algorithms(spec["ike"], spec["esp"])):
            problems.append("suite %s: %s" % (suite, miss["message"]))
            packages.add(miss["package"])
    if not args.skip_frr:
        for d in FRR_DAEMONS:
            if not os.access("/usr/lib/frr/%s" % d, os.X_OK):
                problems.append("FRR daemon /usr/lib/frr/%s is missing: install frr" % d)
                packages.add("frr")
        if not shutil.which("vtysh"):
            problems.append("vtysh is missing: install frr")
            packages.add("frr")
    if problems:
        print("\n".join("check: " + p for p in problems))
        print("check: FAILED: missing package(s): %s" % " ".join(sorted(packages)))
        return 1
    print("check: strongSwan offers every suite of the collection (%s); FRR daemons %s present"
          % (", ".join(sorted(crypto.SUITES)), "/".join(FRR_DAEMONS) if not args.skip_frr else "not checked"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
