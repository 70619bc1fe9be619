"""Fixtures of the Linux platform tests (defined in helpers.py, shared with tests/unit/plugins/modules)."""
from __future__ import annotations

from .helpers import host_frr, plan

__all__ = ["host_frr", "plan"]
