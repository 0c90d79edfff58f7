"""The suite's local data plane: `rudder_group.testing.LocalDataPlane` run from the workspace's
build and accepting the suite's write key."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from rudder_group.testing import LocalDataPlane

REPO = Path(__file__).resolve().parents[3]
WRITE_KEY = "test-write-key"


def binary() -> str:
    """The `rudder-group` binary: `$RUDDER_GROUP_BIN`, else the workspace's debug build."""
    return os.environ.get("RUDDER_GROUP_BIN") or str(REPO / "target" / "debug" / "rudder-group")


class DataPlane(LocalDataPlane):
    """A running `rudder-group serve` accepting `WRITE_KEY`, on `port` (0: a free one)."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(binary=binary(), write_key=WRITE_KEY, port=port)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Polls `predicate` until it holds or `timeout` passes (for other processes' sends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()
