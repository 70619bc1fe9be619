"""Fixtures for the IOS-XE state tests."""
from __future__ import annotations

import pytest

from .helpers import lab_plan


@pytest.fixture(scope="session")
def plan():
    return lab_plan("lab")


@pytest.fixture(scope="session")
def dual_plan():
    return lab_plan("lab-dual")
