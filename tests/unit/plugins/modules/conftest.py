"""Fixtures of the module tests."""
from __future__ import annotations

from ..module_utils.platforms.linux.helpers import host_frr, plan

__all__ = ["host_frr", "plan"]
