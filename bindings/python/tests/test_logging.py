"""What the ``rudder_group`` logger says: WARNING for failed and dropped events with the status,
the answer and the reason, INFO for each flush and close. Never the write key."""

from __future__ import annotations

import logging

import pytest

import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def test_flush_and_close_are_logged_at_info(data_plane: DataPlane, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="rudder_group"):
        client = rg.Client(WRITE_KEY, data_plane.url)
        client.group("g", user_id="u")
        client.flush()
        client.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "rudder_group" and r.levelno == logging.INFO]
    assert messages == ["flush: 1 delivered, 0 failed, 0 dropped", "close: 0 delivered, 0 failed, 0 dropped"]


def test_a_failure_is_a_warning_with_the_answer(data_plane: DataPlane, caplog: pytest.LogCaptureFixture) -> None:
    secret = "a-secret-write-key"
    with caplog.at_level(logging.WARNING, logger="rudder_group"):
        with rg.Client(secret, data_plane.url) as client:
            client.group("g", user_id="u")
            client.group("g", user_id="u")
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith("2 events failed after 1 attempt (status 401: invalid write key): "), warning
    assert all(secret not in r.getMessage() for r in caplog.records)
