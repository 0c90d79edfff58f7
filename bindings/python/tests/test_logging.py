"""What the ``rudder_group`` logger says: DEBUG for each request and retry, WARNING for failed and
dropped events with the status, the answer and the reason, DEBUG for each flush and INFO for each
close. Never the write key."""

from __future__ import annotations

import logging
import threading
from typing import Tuple

import pytest
import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def test_a_flush_is_logged_at_debug_and_a_close_at_info(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="rudder_group"):
        client = rg.Client(WRITE_KEY, data_plane.url)
        client.group("g", user_id="u")
        client.flush()
        client.close()
    ours = [r for r in caplog.records if r.name == "rudder_group"]
    assert [
        (r.levelno, r.getMessage()) for r in ours if r.getMessage().startswith(("flush:", "close:"))
    ] == [
        (logging.DEBUG, "flush: 1 delivered, 0 failed, 0 dropped"),
        (logging.INFO, "close: 0 delivered, 0 failed, 0 dropped"),
    ]


def test_a_failure_is_a_warning_with_the_answer(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "a-secret-write-key"
    with caplog.at_level(logging.WARNING, logger="rudder_group"):
        with rg.Client(secret, data_plane.url) as client:
            client.group("g", user_id="u")
            client.group("g", user_id="u")
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(
        "2 events failed after 1 attempt (status 401: invalid write key): "
    ), warning
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_each_request_and_retry_is_logged_at_debug(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "a-secret-write-key"
    data_plane.fault(status=503, next=2)
    with caplog.at_level(logging.DEBUG, logger="rudder_group"):
        with rg.Client(
            WRITE_KEY,
            data_plane.url,
            flush_at=3,
            retry_initial_backoff=0.01,
            retry_max_backoff=0.05,
        ) as client:
            for _ in range(3):
                client.group("g", user_id="u")
            client.flush()
        with rg.Client(secret, data_plane.url) as client:
            client.group("g", user_id="u")
    # The worker's records carry their facts; a flush's DEBUG line is the facade's own.
    debug = [
        r
        for r in caplog.records
        if r.name == "rudder_group" and r.levelno == logging.DEBUG and hasattr(r, "rudder_group")
    ]
    requests = [r for r in debug if r.rudder_group["kind"] == "request"]  # type: ignore[attr-defined]
    assert len(requests) == len(data_plane.requests()) == 4
    assert [r.rudder_group["status"] for r in requests] == [503, 503, 200, 401]  # type: ignore[attr-defined]
    assert [r.rudder_group["attempt"] for r in requests] == [1, 2, 3, 1]  # type: ignore[attr-defined]
    first = requests[0].getMessage()
    assert (
        first.startswith("POST /v1/batch: 3 events, ") and "attempt 1: status 503 in " in first
    ), first
    retries = [r.getMessage() for r in debug if r.rudder_group["kind"] == "retry"]  # type: ignore[attr-defined]
    assert len(retries) == 2
    assert retries[0].startswith("retrying 3 events in ") and retries[0].endswith(
        "(attempt 1: status 503)"
    )
    assert all(
        secret not in r.getMessage() and secret not in str(r.__dict__) for r in caplog.records
    )


def _held_through_300_requests(data_plane: DataPlane) -> Tuple[rg.Client, threading.Event]:
    """A client whose outcome thread is held in on_outcome (by the first event's outcome) while
    a second event is retried through 300 answers of 503; set the returned gate to let it go."""
    gate = threading.Event()
    client = rg.Client(
        WRITE_KEY,
        data_plane.url,
        flush_at=1,
        retry_initial_backoff=0.001,
        retry_max_backoff=0.001,
        on_outcome=lambda _o: gate.wait(),
    )
    client.group("g", user_id="u")
    assert data_plane.wait_for(lambda: len(data_plane.requests()) >= 1)
    data_plane.fault(status=503, every=1)
    client.group("g", user_id="u")
    assert data_plane.wait_for(lambda: len(data_plane.requests()) >= 300)
    data_plane.clear_faults()
    return client, gate


def test_log_records_past_the_bound_are_dropped_and_counted(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    # While the outcome thread is held, at most 256 records wait, the others are dropped, and the
    # first record through afterwards says how many.
    with caplog.at_level(logging.DEBUG, logger="rudder_group"):
        client, gate = _held_through_300_requests(data_plane)
        queue = client._outcomes
        dropped = queue.logs_dropped
        gate.set()
        client.flush()
        client.close()
    stats = client.stats
    assert queue.log_limit == 256
    assert dropped >= 300 - 256 - 3, dropped
    records = [r for r in caplog.records if hasattr(r, "rudder_group")]
    assert len(records) + queue.logs_dropped == len(data_plane.requests()) + stats["retried"]
    warnings = [
        r.getMessage()
        for r in caplog.records
        if "dropped: the outcome thread fell behind" in r.getMessage()
    ]
    assert sum(int(w.split()[0]) for w in warnings) == queue.logs_dropped


def test_no_debug_records_are_made_while_the_logger_discards_debug(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    # The same held outcome thread and 300 requests, with the logger at WARNING: no
    # record is queued, so none is dropped and no warning says the thread fell behind.
    with caplog.at_level(logging.WARNING, logger="rudder_group"):
        client, gate = _held_through_300_requests(data_plane)
        queue = client._outcomes
        gate.set()
        client.flush()
        # DEBUG turned on later: records come from the next outcome on.
        with caplog.at_level(logging.DEBUG, logger="rudder_group"):
            client.group("g", user_id="u")
            client.flush()
            client.group("g", user_id="u")
            client.flush()
        client.close()
    assert queue.logs_dropped == 0
    assert not [r for r in caplog.records if "fell behind" in r.getMessage()]
    debug = [r for r in caplog.records if hasattr(r, "rudder_group")]
    assert len(debug) >= 1, "the second call after DEBUG was turned on is logged"
    assert len(debug) <= 2
