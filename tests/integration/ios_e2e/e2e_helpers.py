"""Fixtures of the IOS-XE end-to-end tests: start IOS-XE TEST DOUBLE routers on 127.0.0.1 random ports
and run the collection's playbooks against them for real (ansible-playbook, network_cli over
ansible-pylibssh).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
TESTS = REPO / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from iosxe_double import DoubleServer, Router  # noqa: E402

BASE = TESTS / "iosxe_double" / "base_configs"
INVENTORY = HERE / "inventory"
SITE = next(p for p in sys.path if p.endswith("site-packages"))

# Routers of each scenario: base config, login users, enable secret, and the foreign (non-VC) peers the
# double keeps up so that verify sees unrelated sessions too.
SCENARIOS = {
    "lab": {
        "cpe1": {"base": "cpe_lab.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}},
                 "foreign": {"bgp": [{"neighbor": "10.255.10.2", "remote_as": 65099,
                                      "routes": ["10.99.0.0/16", "172.22.0.0/16"]}]}},
    },
    "dual": {
        "cpe1": {"base": "cpe_lab.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}},
                 "foreign": {"bgp": [{"neighbor": "10.255.10.2", "remote_as": 65099, "routes": ["10.99.0.0/16"]}]}},
        "cpe2": {"base": "cpe_fresh.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}}},
    },
    "ha": {   # customer-side HA: the customer's OSPF on the CPE (docs/ha.md)
        "cpe1": {"base": "cpe_ha.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}},
                 "foreign": {"bgp": [{"neighbor": "10.255.10.2", "remote_as": 65099,
                                      "routes": ["10.99.0.0/16", "172.22.0.0/16"]}]}},
    },
    "split": {   # split devices (docs/ha.md section 2): DC-A's IPsec on vpn1, its GRE/BGP on cpe1
        "cpe1": {"base": "cpe_split_gre.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}}},
        "vpn1": {"base": "vpn_split_ipsec.cfg", "users": {"admin": {"password": "double-admin-pw", "privilege": 15}}},
    },
    "asn": {
        "edge1": {"base": "edge_enterprise.cfg", "enable": "double-enable-secret",
                  "users": {"netops": {"password": "double-netops-pw", "privilege": 1}},
                  "foreign": {"bgp": [{"neighbor": "10.1.0.2", "remote_as": 65010, "routes": ["10.2.0.0/16"]},
                                      {"neighbor": "10.1.30.2", "remote_as": 64999,
                                       "routes": ["172.20.0.0/16", "172.21.0.0/16"]}]}},
    },
}


def truth_of(scenario: str) -> list:
    data = yaml.safe_load((INVENTORY / scenario / "group_vars" / "all" / "vc.yml").read_text())
    return data["vc_regions"]


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    recap: dict = field(default_factory=dict)

    @property
    def out(self) -> str:
        return self.stdout + self.stderr


def parse_recap(stdout: str) -> dict:
    recap = {}
    for m in re.finditer(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout, re.M):
        recap[m.group(1)] = {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                             "failed": int(m.group(5))}
    return recap


class Lab:
    """Running doubles of one scenario plus an ansible-playbook runner pointed at them."""

    def __init__(self, scenario: str, workdir: Path):
        self.scenario = scenario
        self.workdir = workdir
        self.routers: dict[str, Router] = {}
        truth = truth_of(scenario)
        for name, spec in SCENARIOS[scenario].items():
            self.routers[name] = Router(name, (BASE / spec["base"]).read_text(), users=spec["users"],
                                        enable_secret=spec.get("enable"), truth=truth, foreign=spec.get("foreign"),
                                        state_dir=workdir / name, inventory_name=name)
        self.server = DoubleServer(self.routers)
        self.ports = self.server.start()
        self.runs: list[tuple[str, float]] = []

    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (REPO / ".build" / "collections", SITE),
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(self.workdir / "pc"),
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "tmp"),
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_DEPRECATION_WARNINGS": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
            "IOSXE_DOUBLE_REPORT_DIR": str(self.workdir / "reports"),
            "IOSXE_DOUBLE_BACKUP_DIR": str(self.workdir / "backup"),
        })
        env.pop("ANSIBLE_CONFIG", None)
        for name, port in self.ports.items():
            env["IOSXE_DOUBLE_PORT_" + name.upper()] = str(port)
        return env

    def playbook(self, playbook: str | Path, *args: str, inventory: Path | None = None, timeout: int = 300,
                 extra_env: dict | None = None) -> Run:
        inv = inventory or INVENTORY / self.scenario
        cmd = ["ansible-playbook", "-i", str(inv), str(playbook), *args]
        env = self.env()
        env.update(extra_env or {})
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=str(self.workdir), env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        run = Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0, parse_recap(proc.stdout))
        self.runs.append(("%s %s" % (Path(playbook).name, " ".join(args)), run.seconds))
        (self.workdir / ("run-%02d.log" % len(self.runs))).write_text(" ".join(cmd) + "\n" + run.out)
        return run

    def set_fault(self, host: str, faults: dict) -> None:
        (self.workdir / host).mkdir(parents=True, exist_ok=True)
        (self.workdir / host / "faults.json").write_text(json.dumps(faults))

    def clear_faults(self) -> None:
        for name in self.routers:
            p = self.workdir / name / "faults.json"
            if p.exists():
                p.unlink()

    def age(self, seconds: float = 300) -> None:
        """Let time pass on the doubles: sessions up now look `seconds` old (no real waiting)."""
        for router in self.routers.values():
            with router.lock:
                router.stamp()
                for k in list(router.up_since):
                    router.up_since[k] -= seconds

    def stop(self) -> None:
        self.server.stop()


def _timings_report(request, lab: Lab) -> None:
    lines = ["%-60s %6.1f s" % (name, secs) for name, secs in lab.runs]
    if lines:
        path = lab.workdir / "timings.txt"
        path.write_text("\n".join(lines) + "\n")
        print("\n[ios_e2e %s] ansible-playbook timings:\n  %s" % (lab.scenario, "\n  ".join(lines)))


def make_lab(scenario: str, tmp_path_factory, request) -> Lab:
    lab = Lab(scenario, tmp_path_factory.mktemp("ios_e2e_" + scenario))
    request.addfinalizer(lambda: (_timings_report(request, lab), lab.stop()))
    return lab


def section(config: str, header_rx: str) -> list[str]:
    """Top-level blocks (with their children) whose header matches, as in `| section`."""
    out, on = [], False
    for ln in config.splitlines():
        if not ln.startswith(" "):
            on = bool(re.search(header_rx, ln))
        if on:
            out.append(ln)
    return out


def playbooks_present(*names: str) -> bool:
    return all((REPO / "playbooks" / n).exists() for n in names)
