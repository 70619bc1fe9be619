"""The repository works as an AWX/AAP project and as a clone without `make link`, offline.

- AWX's project update runs `ansible-galaxy collection install -r collections/requirements.yml` in the
  project root with ANSIBLE_COLLECTIONS_PATHS set to its private requirements_collections folder: it must
  install this collection from the checkout and accept the dependencies already present (Galaxy is not
  reachable here, as in many customer networks).
- A clone: the same command with ansible.cfg's paths, then the README's plan command, from the clone,
  with none of make's variables. The same plan command before the install fails to find the collection,
  so the install is what makes the clone work (the check can fail).
"""
from __future__ import annotations

import json

import pytest
import yaml

from .helpers import FQCN, GALAXY, REPO, clean_env, fresh_clone, run


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clone")
    return fresh_clone(tmp / "repo"), tmp


def test_requirements_name_the_dependencies_and_this_collection():
    req = yaml.safe_load((REPO / "collections" / "requirements.yml").read_text())
    names = {c["name"]: c for c in req["collections"]}
    for dep, version in GALAXY["dependencies"].items():
        assert names[dep]["version"] == version, dep
    assert names["."]["type"] == "dir"


def test_awx_project_update_installs_offline(clone):
    repo, tmp = clone
    target = tmp / "requirements_collections"
    env = clean_env(tmp / "home-awx", ANSIBLE_COLLECTIONS_PATH=str(target), ANSIBLE_LOCAL_TEMP=str(tmp / "t"))
    proc = run(["ansible-galaxy", "collection", "install", "-r", "collections/requirements.yml",
                "--collections-path", str(target)], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = target / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    assert manifest["version"] == GALAXY["version"]
    assert (installed / "plugins" / "modules").is_dir() and (installed / "playbooks").is_dir()
    assert not (installed / "tests").exists(), "build_ignore is not applied to the project install"
    assert "%s:%s was installed successfully" % (FQCN, GALAXY["version"]) in proc.stdout


def test_clone_runs_the_readme_commands_without_make_link(clone):
    repo, tmp = clone
    env = clean_env(tmp / "home-user")
    assert not (repo / ".build").exists()
    before = run(["ansible-playbook", "playbooks/plan_vc.yml", "-i", "inventories/example"], repo, env)
    assert before.returncode != 0
    assert "webex_di.virtual_connect" in before.stdout + before.stderr
    proc = run(["ansible-galaxy", "collection", "install", "-r", "collections/requirements.yml"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "collections" / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"] / "MANIFEST.json").is_file()
    plan = run(["ansible-playbook", "playbooks/plan_vc.yml", "-i", "inventories/example"], repo, env)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    assert "VC-US-EAST-A" in plan.stdout or "us-east" in plan.stdout
    assert "failed=0" in plan.stdout
