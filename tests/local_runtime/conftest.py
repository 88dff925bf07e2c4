"""Fixtures for the local runtime tests."""

from __future__ import annotations

import pytest

from tests.local_runtime.support import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
