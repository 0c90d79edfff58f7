from __future__ import annotations

from typing import Iterator

import pytest
from dataplane import DataPlane


@pytest.fixture(scope="session")
def served() -> Iterator[DataPlane]:
    """One `rudder-group serve` for the whole run, stopped at teardown."""
    with DataPlane() as plane:
        yield plane


@pytest.fixture
def data_plane(served: DataPlane) -> Iterator[DataPlane]:
    """The data plane, emptied and without faults for each test."""
    served.reset()
    yield served
    served.clear_faults()
