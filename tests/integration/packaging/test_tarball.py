"""`ansible-galaxy collection build` ships the collection and nothing of the repository around it.

The build runs on a fresh copy of the checkout into which the things a developer's or a user's tree
really holds are planted (lab outputs, reports, backups, renders, caches, installed collections, EE
build outputs): none of them may reach the tarball, and every file of the collection's content must.
"""
from __future__ import annotations

import json
import tarfile

import pytest

from .helpers import GALAXY, build_tarball, clean_env, fresh_clone, tar_members, tracked_files

# top-level entries of the checkout that belong in the tarball; everything else tracked must not ship
SHIPPED_TOP = {"README.md", "LICENSE", "requirements.txt", "bindep.txt", "meta", "plugins", "roles", "playbooks",
               "docs", "changelogs", "inventories", "ee", "awx", "examples"}
NOT_SHIPPED_TRACKED = ("tests/", "inventories/lab/", "inventories/lab-dual/", ".", "Makefile", "ansible.cfg",
                       "requirements-test.txt", "collections/", "galaxy.yml")
CONTENT = ("plugins/", "roles/", "playbooks/", "meta/", "docs/", "inventories/example/")

JUNK = [
    ".build/reports/cpe1.json", ".build/collections/ansible_collections/x/y/galaxy.yml", ".build/sanity/1/x.py",
    "tests/output/junit.xml", "tests/lab/run/vm.log", ".pytest_cache/v/cache/nodeids", ".hypothesis/examples/x",
    ".benchmarks/Linux/0001.json", ".ansible/tmp/x", "plugins/filter/__pycache__/vc.cpython-311.pyc",
    "plugins/modules/stale.pyc", "roles/verify/tasks/main.yml.bak", "roles/verify/tasks/main.yml~",
    "playbooks/out/cpe1/vc-ios.cfg", "out/cpe1/vc-ios.cfg", "reports/cpe1.json", "reports/junit-cpe1.xml",
    "playbooks/reports/cpe1.json", "junit-cpe1.xml", "backup/cpe1_config.2026-01-01@00:00:00",
    "playbooks/backup/cpe1.cfg", "lab-out/cpe1/verify.txt", "deploy.log", "playbooks/x.retry",
    "collections/ansible_collections/cisco/ios/MANIFEST.json", "ee/context/Containerfile",
    "ee/collections/webex_di-virtual_connect.tar.gz", "webex_di-virtual_connect-0.0.9.tar.gz",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tarball")
    src = fresh_clone(tmp / "src")
    for rel in JUNK:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("planted by test_tarball\n")
    tarball = build_tarball(src, tmp / "dist", clean_env(tmp / "home"))
    return tarball, tar_members(tarball)


def test_no_lab_double_bench_build_cache_or_run_output(built):
    _tarball, members = built
    bad = [m for m in members if m.startswith(("tests/", ".", "inventories/lab", "collections/", "ee/context",
                                               "ee/collections", "out/", "reports/", "backup/", "lab-out/"))
           or "/." in m or m.endswith((".pyc", ".pyo", ".bak", "~", ".log", ".retry", ".tar.gz"))
           or "__pycache__" in m or "/out/" in m or "/reports/" in m or "/backup/" in m
           or m.rsplit("/", 1)[-1].startswith("junit-")]
    assert bad == []
    assert not [m for m in members if "planted by" in m]


def test_planted_files_are_all_left_out(built):
    tarball, members = built
    with tarfile.open(tarball) as tf:
        planted = [m for m in members if b"planted by test_tarball" in tf.extractfile(m).read()]
    assert planted == []


def test_every_file_of_the_collection_ships(built):
    _tarball, members = built
    content = [p for p in tracked_files() if p.startswith(CONTENT)]
    assert content, "no collection content found"
    assert sorted(set(content) - set(members)) == []
    for must in ("LICENSE", "README.md", "requirements.txt", "bindep.txt", "meta/runtime.yml",
                 "meta/execution-environment.yml", "MANIFEST.json", "FILES.json"):
        assert must in members, must


def test_every_shipped_file_is_classified(built):
    """A new top-level file or folder must be put on one side: SHIPPED_TOP here, or build_ignore."""
    _tarball, members = built
    tops = {m.split("/", 1)[0] for m in members} - {"MANIFEST.json", "FILES.json"}
    assert tops <= SHIPPED_TOP, sorted(tops - SHIPPED_TOP)
    for rel in tracked_files():
        if rel.startswith(NOT_SHIPPED_TRACKED):
            assert rel not in members, rel


def test_manifest_matches_galaxy_yml(built):
    tarball, _members = built
    with tarfile.open(tarball) as tf:
        info = json.load(tf.extractfile("MANIFEST.json"))["collection_info"]
    want = (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
    assert (info["namespace"], info["name"], info["version"]) == want
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["dependencies"] == GALAXY["dependencies"]
    for key in ("repository", "documentation", "homepage", "issues"):
        assert not info.get(key) or "example" not in info[key], (key, info[key])


def test_scripts_keep_their_executable_bit(built):
    tarball, members = built
    with tarfile.open(tarball) as tf:
        for script in ("examples/gitops/vc-pipeline", "ee/build.sh"):
            assert script in members, script
            assert tf.getmember(script).mode & 0o111, script
