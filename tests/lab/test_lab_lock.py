"""One lab at a time on a machine: a second lab entry point is refused with the owner named (tests/lab/lib.sh)."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

LIB = Path(__file__).resolve().parent / "lib.sh"


def _run(script: str, lock: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", ". %s; %s" % (LIB, script)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "VC_LAB_LOCK": str(lock), **env}, timeout=60, check=False)


def test_second_run_is_refused_and_waiting_works(tmp_path):
    lock = tmp_path / "lab.lock"
    first = subprocess.Popen(["bash", "-c", ". %s; lab_lock 'make lab-test' && sleep 3" % LIB],
                             env={"PATH": "/usr/bin:/bin", "VC_LAB_LOCK": str(lock)})
    try:
        for _attempt in range(50):
            if (tmp_path / "lab.lock.owner").exists():
                break
            time.sleep(0.1)
        second = _run("lab_lock 'make demo'", lock)
        assert second.returncode == 3
        assert "REFUSED" in second.stderr and "make lab-test" in second.stderr
        waited = _run("lab_lock 'make demo' && echo got-it", lock, LAB_LOCK_WAIT="20")
        assert waited.returncode == 0 and "got-it" in waited.stdout
    finally:
        first.wait(30)


def test_nested_entry_points_share_the_lock(tmp_path):
    lock = tmp_path / "lab.lock"
    nested = _run("lab_lock outer && bash -c '. %s; lab_lock inner && echo inner-ok'" % LIB, lock)
    assert nested.returncode == 0 and "inner-ok" in nested.stdout
