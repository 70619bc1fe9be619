"""requirements.txt states ranges (what the collection supports), requirements-test.txt one exact set
inside them (what CI installs), and this machine has exactly that set: `make setup` is consistent."""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[3]
DESIGN = {"ansible-core", "netaddr", "jmespath", "paramiko", "ansible-pylibssh"}


def reqs(path: Path) -> tuple[list[str], dict[str, Requirement]]:
    includes, out = [], {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            includes.append(line[3:].strip())
            continue
        req = Requirement(line)
        key = canonicalize_name(req.name)
        assert key not in out, "%s listed twice in %s" % (req.name, path.name)
        out[key] = req
    return includes, out


def test_runtime_requirements_are_ranges_with_the_design_packages():
    includes, runtime = reqs(REPO / "requirements.txt")
    assert includes == []
    assert DESIGN <= set(runtime)
    for name, req in runtime.items():
        ops = {s.operator for s in req.specifier}
        assert "==" not in ops and "===" not in ops, "%s is pinned in requirements.txt: give a range" % name
        assert ">=" in ops and "<" in ops, "%s needs a lower and an upper bound" % name


def test_test_requirements_pin_every_runtime_package_inside_its_range():
    includes, pins = reqs(REPO / "requirements-test.txt")
    assert includes == ["requirements.txt"]
    _inc, runtime = reqs(REPO / "requirements.txt")
    for name, req in pins.items():
        assert [s.operator for s in req.specifier] == ["=="], "%s is not pinned in requirements-test.txt" % name
    for name, rng in runtime.items():
        assert name in pins, "%s has no exact pin in requirements-test.txt" % name
        version = next(iter(pins[name].specifier)).version
        assert rng.specifier.contains(version), "%s==%s is outside %s" % (name, version, rng.specifier)


def test_installed_set_is_the_pinned_set():
    _inc, pins = reqs(REPO / "requirements-test.txt")
    wrong = {}
    for name, req in pins.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is None or Version(have) != Version(next(iter(req.specifier)).version):
            wrong[name] = have
    assert wrong == {}, "run `make setup`: installed versions differ from requirements-test.txt: %s" % wrong


def test_ansible_pin_ships_the_collections_the_tests_use_offline():
    # Galaxy is not reachable in CI: the `ansible` package pin must carry every dependency of galaxy.yml
    import ansible_collections  # noqa: F401  (namespace package)

    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    for dep in galaxy["dependencies"]:
        ns, name = dep.split(".")
        found = [Path(p) / ns / name for p in ansible_collections.__path__ if (Path(p) / ns / name).is_dir()]
        assert found, "%s is not installed" % dep


def test_license_is_the_gpl_v3_named_in_galaxy_yml_and_headers():
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE") and "Version 3, 29 June 2007" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 30000
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert "license_file" not in galaxy


@pytest.mark.parametrize("key", ["repository", "documentation", "homepage", "issues"])
def test_galaxy_urls_are_real_or_absent(key):
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    url = galaxy.get(key)
    assert url is None or (re.match(r"^https://[a-z0-9.-]+\.[a-z]{2,}/", url)
                           and not re.search(r"example\.(invalid|com|org|net)|\.invalid/|localhost", url)), url
