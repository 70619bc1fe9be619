"""pytest hooks of the IOS-XE end-to-end tests (helpers live in e2e_helpers.py)."""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for p in (str(HERE), str(HERE.parents[1])):  # e2e_helpers, and tests/ for the iosxe_double package
    if p not in sys.path:
        sys.path.insert(0, p)


def pytest_configure(config):
    config.addinivalue_line("markers", "ios_e2e: ansible-playbook runs against the IOS-XE test double (slow)")
