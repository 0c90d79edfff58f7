"""The outcome queue stays bounded when on_outcome falls behind: outcomes of one kind merge, and
the counts the callback sees stay exact."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Dict, List

import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane

DROPS = 5000


def drop(client: rg.Client, n: int, prefix: str) -> None:
    for i in range(n):
        try:
            client.group("g", user_id=f"{prefix}-{i}")
        except rg.QueueFullError:
            pass
        else:
            raise AssertionError("the queue had room")


def test_a_slow_on_outcome_keeps_the_queue_bounded_and_the_counts_exact(
    data_plane: DataPlane,
) -> None:
    # The first batch is refused (failed), the second delivered; every other event is dropped
    # while on_outcome is held, so that outcomes pile up behind it.
    data_plane.fault(status=400, next=1)
    gate = threading.Event()
    seen: List[rg.Outcome] = []

    def on_outcome(outcome: rg.Outcome) -> None:
        gate.wait(60)
        seen.append(outcome)

    client = rg.Client(
        WRITE_KEY,
        data_plane.url,
        flush_at=1000,
        flush_interval=60,
        max_queue_events=5,
        on_outcome=on_outcome,
    )
    for _ in range(5):
        client.group("g", user_id="failed")  # one identity, one lane: one batch
    drop(client, DROPS, "dropped-a")
    flusher = threading.Thread(target=client.flush)
    flusher.start()
    deadline = time.monotonic() + 60
    while client.stats["failed"] < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(5):
        client.group("g", user_id="delivered")
    drop(client, DROPS, "dropped-b")
    queue = client._outcomes
    peak = queue.peak
    gate.set()
    flusher.join()
    assert client.flush(timeout=60).delivered == 5
    client.close()

    assert peak <= queue.limit, (peak, queue.limit)
    stats = client.stats
    assert (stats["failed"], stats["delivered"], stats["dropped"]) == (5, 5, 2 * DROPS)
    totals: Dict[str, int] = Counter()
    for o in seen:
        totals[o.kind] += o.count
    assert totals == {"failed": 5, "delivered": 5, "dropped": 2 * DROPS}
    assert sum(o.merged for o in seen) == queue.pushed == 2 * DROPS + 2
    merged = [o for o in seen if o.merged > 1]
    assert merged and all(o.kind == "dropped" for o in merged)
    assert all(len(o.message_ids) <= 1000 for o in merged)
    assert all(len(o.message_ids) == o.count for o in seen if o.merged == 1)
    assert "merged=" in repr(merged[0])


def test_outcomes_that_keep_up_are_never_merged(data_plane: DataPlane) -> None:
    seen: List[rg.Outcome] = []
    client = rg.Client(WRITE_KEY, data_plane.url, flush_at=10, on_outcome=seen.append)
    ids = [client.group("g", user_id="u") for _ in range(50)]  # one identity, one lane, in order
    client.close()
    # One outcome per batch (due at 10 events; a backlog fills a batch further), none merged.
    assert all(o.kind == "delivered" and o.count >= 10 and o.merged == 1 for o in seen[:-1])
    assert sum(o.count for o in seen) == 50 and seen[-1].merged == 1
    assert [m for o in seen for m in o.message_ids] == ids


def test_flush_and_close_from_on_outcome_and_a_log_handler_never_deadlock(
    data_plane: DataPlane,
) -> None:
    # on_outcome and the worker's log records run on the package's outcome thread, never on a
    # lane: a flush or close from there waits for the lanes alone, and ends, with no limit.
    data_plane.reset()
    done: List[str] = []

    class FlushOnRequest(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("POST /v1/batch") and not done:
                client.flush(None)
                done.append("the log handler flushed")

    def on_outcome(outcome: rg.Outcome) -> None:
        client.flush(None)
        client.close(None)
        done.append(f"on_outcome flushed and closed after {outcome.kind}")

    handler = FlushOnRequest()
    log = logging.getLogger("rudder_group")
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        client = rg.Client(WRITE_KEY, data_plane.url, flush_at=1, on_outcome=on_outcome)
        client.group("g", user_id="reentry")
        assert data_plane.wait_for(lambda: len(done) >= 2, timeout=30), (
            f"a flush or close hung: {done}"
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
    assert done == ["the log handler flushed", "on_outcome flushed and closed after delivered"]
    assert client.closed
    client.close(None)
    assert len(data_plane.events()) == 1
