"""ee/execution-environment.yml is a valid ansible-builder v3 definition whose build context carries
what every playbook needs: ansible-core and ansible-runner, the Python requirements (ansible-pylibssh
for network_cli, netaddr, jmespath, the paramiko fallback), openssh-clients for the Linux CPEs (bindep),
the collections (cisco.ios, ansible.netcommon, ansible.utils) and this collection from its tarball.

`ansible-builder create` needs no container engine; the image build itself (`ee/build.sh build`) needs
one plus a registry for the base image and Galaxy, none of which this machine has. What the galaxy stage
of the build runs (`ansible-galaxy collection install -r requirements.yml` in /build) is replayed here
on the generated context, offline.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from packaging.requirements import Requirement

from .helpers import FQCN, GALAXY, REPO, clean_env, fresh_clone, run, tar_members

pytestmark = pytest.mark.skipif(shutil.which("ansible-builder") is None, reason="ansible-builder is not installed")


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ee")
    repo = fresh_clone(tmp / "repo")
    ctx = tmp / "context"
    proc = run(["bash", "ee/build.sh", "create", "--context", str(ctx), "--output-filename", "Containerfile"], repo,
               clean_env(tmp / "home"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return ctx, tmp


def test_definition_is_builder_v3():
    ee = yaml.safe_load((REPO / "ee" / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    deps = ee["dependencies"]
    assert Requirement(deps["ansible_core"]["package_pip"]).name == "ansible-core"
    assert Requirement(deps["ansible_runner"]["package_pip"]).name == "ansible-runner"
    # the collection declares the same files for EEs that install it from Galaxy
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert (REPO / meta["dependencies"]["python"]).resolve() == (REPO / "requirements.txt").resolve()
    assert (REPO / meta["dependencies"]["system"]).resolve() == (REPO / "bindep.txt").resolve()


def test_containerfile_installs_core_runner_collections_and_system_packages(context):
    ctx, _tmp = context
    cf = (ctx / "Containerfile").read_text()
    assert re.search(r'^ARG EE_BASE_IMAGE="quay\.io/centos/centos:stream9"$', cf, re.M)
    assert re.search(r'^ARG PYCMD="/usr/bin/python3\.11"$', cf, re.M)
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]+)"$', cf, re.M).group(1).split()
    assert sorted(Requirement(r).name for r in refs) == ["ansible-core", "ansible-runner"]
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in cf
    assert "introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in cf
    assert "/output/scripts/install-from-bindep" in cf


def test_context_carries_the_repository_requirements(context):
    ctx, _tmp = context
    assert (ctx / "_build" / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert (ctx / "_build" / "bindep.txt").read_text() == (REPO / "bindep.txt").read_text()
    pip = {Requirement(ln.split("#")[0].strip()).name
           for ln in (ctx / "_build" / "requirements.txt").read_text().splitlines() if ln.split("#")[0].strip()}
    assert {"ansible-core", "ansible-pylibssh", "netaddr", "jmespath", "paramiko"} <= pip
    bindep = (ctx / "_build" / "bindep.txt").read_text()
    assert re.search(r"^openssh-clients \[platform:rpm\]$", bindep, re.M)


def test_bindep_file_is_valid_for_bindep():
    # bindep parses the file and checks this (dpkg) machine: the ssh client the lab also needs is present
    proc = subprocess.run([sys.executable, "-m", "bindep", "-b", "-f", str(REPO / "bindep.txt")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


def test_galaxy_stage_installs_the_collections_from_the_context(context):
    ctx, tmp = context
    build = ctx / "_build"
    req = yaml.safe_load((build / "requirements.yml").read_text())
    names = [c["name"] for c in req["collections"]]
    for dep in GALAXY["dependencies"]:
        assert dep in names
    tarball = build / "collections" / "webex_di-virtual_connect.tar.gz"
    assert "collections/webex_di-virtual_connect.tar.gz" in names and tarball.is_file()
    assert not [m for m in tar_members(tarball) if m.startswith("tests/")]
    target = tmp / "usr-share-ansible-collections"
    proc = run(["ansible-galaxy", "collection", "install", "-r", "requirements.yml", "--collections-path",
                str(target)], build, clean_env(tmp / "home-galaxy", ANSIBLE_COLLECTIONS_PATH=str(target)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = target / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"] / "MANIFEST.json"
    assert json.loads(manifest.read_text())["collection_info"]["version"] == GALAXY["version"]
    assert "%s:%s was installed successfully" % (FQCN, GALAXY["version"]) in proc.stdout
