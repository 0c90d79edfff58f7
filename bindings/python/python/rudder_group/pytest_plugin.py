"""The package's pytest plugin (entry point ``pytest11``: ``rudder_group``): the
``rudder_data_plane`` fixture, a local data plane to test code that sends group calls.

pytest imports this module in every run of every project that installs the package, so it
imports nothing of the package at its top: ``rudder_group.testing`` is imported by the first
test that asks for the fixture, and the native module never.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from .testing import LocalDataPlane

__all__ = ["rudder_data_plane"]


@pytest.fixture(scope="session")
def _rudder_data_plane_session() -> Iterator[LocalDataPlane]:
    """One ``rudder-group serve`` for the session, started by the first test that needs it."""
    from .testing import LocalDataPlane

    with LocalDataPlane() as plane:
        yield plane


@pytest.fixture
def rudder_data_plane(_rudder_data_plane_session: LocalDataPlane) -> LocalDataPlane:
    """A local data plane (``rudder_group.testing.LocalDataPlane``) with nothing stored and no
    fault: send to ``.url`` with ``.write_key``, read back with ``.events()`` and
    ``.requests()``, make it fail with ``.fault(...)``. One process serves the whole session;
    it is reset before each test."""
    _rudder_data_plane_session.reset()
    return _rudder_data_plane_session
