"""Helpers of the Linux platform tests: fixture paths, secrets, and an FRR instance on this host."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
SECRETS = {
    "lab-A": {"psk": "lab-psk-dc-a-0123456789", "bgp_password": "lab-bgp-dc-a"},
    "lab-B": {"psk": "lab-psk-dc-b-0123456789", "bgp_password": "lab-bgp-dc-b"},
}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_json(name: str):
    return json.loads(fixture_text(name))


class HostFrr:
    """A throw-away FRR (zebra, bgpd, bfdd) in its own network namespace on this host."""

    def __init__(self):
        self.name = "vct%s" % uuid.uuid4().hex[:8]
        self.vtysh = ["vtysh", "-N", self.name]

    def start(self):
        ns = self.name
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        for d in ("/run/frr/" + ns, "/etc/frr/" + ns):
            os.makedirs(d, exist_ok=True)
            shutil.chown(d, "frr", "frr")
        Path("/etc/frr/%s/vtysh.conf" % ns).write_text("service integrated-vtysh-config\n")
        for daemon in ("zebra", "bgpd", "bfdd"):
            subprocess.run(
                ["ip", "netns", "exec", ns, "/usr/lib/frr/" + daemon, "-d", "-N", ns, "-P", "0", "-u", "frr", "-g", "frr",
                 "--log", "file:/tmp/%s-%s.log" % (ns, daemon)],
                check=True, capture_output=True,
            )
            if daemon == "zebra":
                for _attempt in range(100):
                    if os.path.exists("/run/frr/%s/zserv.api" % ns):
                        break
                    time.sleep(0.1)
        for _attempt in range(100):
            if self.run(["-c", "show version"])[0] == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("FRR did not start")

    def run(self, args, data=None):
        p = subprocess.run(self.vtysh + list(args), input=data, capture_output=True, text=True, check=False)
        return p.returncode, p.stdout, p.stderr

    def runner(self, argv, data=None):
        """A run_command stand-in for code that takes full argv lists."""
        p = subprocess.run(argv, input=data, capture_output=True, text=True, check=False)
        return p.returncode, p.stdout, p.stderr

    def running(self) -> str:
        return self.run(["-c", "show running-config"])[1]

    def configure(self, text: str):
        return self.run(["-f", "/dev/stdin"], text)

    def stop(self):
        for pid in Path("/run/frr/%s" % self.name).glob("*.pid"):
            try:
                os.kill(int(pid.read_text().strip()), 15)
            except (ValueError, OSError):
                pass
        time.sleep(0.3)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        shutil.rmtree("/run/frr/%s" % self.name, ignore_errors=True)
        shutil.rmtree("/etc/frr/%s" % self.name, ignore_errors=True)


@pytest.fixture
def plan():
    """The plan of inventories/lab (cpe1, both tunnels; tunnel B needs a per-neighbour local-as)."""
    return copy.deepcopy(fixture_json("plan_lab.json"))


def _host_frr_possible() -> bool:
    return os.geteuid() == 0 and os.path.exists("/usr/lib/frr/bgpd") and shutil.which("vtysh") and shutil.which("ip") is not None


@pytest.fixture
def host_frr():
    if not _host_frr_possible():
        pytest.skip("needs root, FRR (/usr/lib/frr) and ip netns")
    frr = HostFrr()
    try:
        frr.start()
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        frr.stop()
        pytest.skip("cannot start FRR here: %s" % exc)
    yield frr
    frr.stop()
