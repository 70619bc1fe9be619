"""Shared helpers of the packaging tests: a fresh copy of the checkout (what `git clone` gives), a clean
Ansible environment (none of `make`'s variables, an empty HOME), and the collection tarball."""
from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
FQCN = "%s.%s" % (GALAXY["namespace"], GALAXY["name"])


def tracked_files(repo: Path = REPO) -> list[str]:
    """The committed tree plus new, not-ignored files (what a clone of the next commit holds)."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo, check=True,
                         capture_output=True).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (repo / p).is_file())


def fresh_clone(dest: Path) -> Path:
    """Copy of the checkout without .build (no `make link`), caches or outputs."""
    for rel in tracked_files():
        src, dst = REPO / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
        dst.chmod(src.stat().st_mode & 0o777)
    return dest


def clean_env(home: Path, **extra: str) -> dict:
    """The environment of a user's shell: no ANSIBLE_* from make or pytest, an empty ~/.ansible."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout, check=False)


def build_tarball(src: Path, out: Path, env: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    proc = run(["ansible-galaxy", "collection", "build", "--force", "--output-path", str(out), str(src)], src, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarballs = sorted(out.glob("%s-%s-*.tar.gz" % (GALAXY["namespace"], GALAXY["name"])))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


def tar_members(tarball: Path) -> list[str]:
    with tarfile.open(tarball) as tf:
        return sorted(m.name for m in tf.getmembers() if m.isfile())
