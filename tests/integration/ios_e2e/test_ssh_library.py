"""network_cli reaches IOS-XE through ansible-pylibssh (`ansible_network_cli_ssh_type: libssh`), not the
deprecated paramiko path: the IOS-XE TEST DOUBLE records the SSH version banner of every client that logs
in, so the library that connected is observed on the server side, not inferred from settings.
paramiko stays a documented fallback (`-e ansible_network_cli_ssh_type=paramiko`): the second test runs
it to prove both that the fallback still works and that the first test can tell the two apart.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from ansible.release import __version__ as ansible_version

from e2e_helpers import INVENTORY, make_lab

pytestmark = pytest.mark.ios_e2e
HERE = Path(__file__).resolve().parent
SELFTEST = HERE / "playbooks" / "double_selftest.yml"
CORE = tuple(int(x) for x in re.findall(r"\d+", ansible_version)[:2])
WARNINGS_ON = {"ANSIBLE_DEPRECATION_WARNINGS": "True"}
PARAMIKO_WARNING = re.compile(r"^\[DEPRECATION WARNING\]:.*paramiko", re.I | re.M)


def test_every_e2e_inventory_selects_libssh():
    for conn in sorted(INVENTORY.glob("*/group_vars/all/connection.yml")):
        text = conn.read_text()
        assert re.search(r"^ansible_network_cli_ssh_type: libssh$", text, re.M), conn
    assert importlib.util.find_spec("pylibsshext") is not None, "ansible-pylibssh is not installed"


def test_network_cli_connects_with_libssh_without_deprecation(tmp_path_factory, request):
    lab = make_lab("asn", tmp_path_factory, request)
    router = lab.routers["edge1"]
    run = lab.playbook(SELFTEST, extra_env=WARNINGS_ON)
    assert run.rc == 0, run.out[-4000:]
    assert router.ssh_clients, "nobody logged in to the double"
    assert all(b.startswith("SSH-2.0-libssh") for b in router.ssh_clients), router.ssh_clients
    assert (lab.workdir / "edge1" / "ssh-clients.log").read_text().splitlines() == router.ssh_clients
    assert not PARAMIKO_WARNING.search(run.out), run.out[-3000:]
    assert router.errors == []


@pytest.mark.skipif(CORE >= (2, 21), reason="ansible-core 2.21 removed the paramiko path of network_cli")
def test_paramiko_fallback_still_works_and_is_told_apart(tmp_path_factory, request):
    pytest.importorskip("paramiko")
    lab = make_lab("asn", tmp_path_factory, request)
    router = lab.routers["edge1"]
    run = lab.playbook(SELFTEST, "-e", "ansible_network_cli_ssh_type=paramiko", extra_env=WARNINGS_ON)
    assert run.rc == 0, run.out[-4000:]
    assert router.ssh_clients and all(b.startswith("SSH-2.0-paramiko") for b in router.ssh_clients), \
        router.ssh_clients
    # ansible-core 2.19/2.20 warn that the paramiko path goes away in 2.21: the check above can fail
    assert PARAMIKO_WARNING.search(run.out), run.out[-3000:]
