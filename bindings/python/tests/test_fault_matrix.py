"""The fault matrix through the Python binding: each fault of `rudder-group serve` against the
client, counted at both ends, printed as a table (`pytest -s`). Counts the retry rules make
exact are asserted exactly; delivered + failed + dropped == events in, always."""

from __future__ import annotations

import socket
import time
from collections import Counter
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane

N = 50


class Row(NamedTuple):
    fault: str
    events: int
    delivered: int
    failed: int
    dropped: int
    duplicates: int
    requests: int


def make(url: str, **settings: Any) -> rg.Client:
    # One request in flight, so that the request counts of the table are exact.
    settings.setdefault("max_concurrent_requests", 1)
    settings.setdefault("flush_at", N)
    settings.setdefault("flush_interval", 600.0)
    settings.setdefault("retry_initial_backoff", 0.005)
    settings.setdefault("retry_max_backoff", 0.1)
    settings.setdefault("retry_max_elapsed", 60.0)
    return rg.Client(settings.pop("write_key", WRITE_KEY), url, **settings)


def settle(
    name: str, plane: DataPlane, client: rg.Client, events_in: int, linger: float = 0.0
) -> Row:
    result = client.flush(timeout=120)
    # A request the client gave up on may still be held by a latency fault: let it end.
    time.sleep(linger)
    stats = client.stats
    client.close()
    counted = (stats["delivered"], stats["failed"], stats["dropped"])
    assert (result.delivered, result.failed, result.dropped) == counted, name
    stored = Counter(e["messageId"] for e in plane.events())
    assert len(stored) == stats["delivered"], f"{name}: every delivered event stored, nothing else"
    return Row(
        name, events_in, *counted, sum(1 for n in stored.values() if n > 1), stats["batches"]
    )


def one_fault(
    plane: DataPlane,
    name: str,
    fault: Optional[Dict[str, Any]],
    linger: float = 0.0,
    **settings: Any,
) -> Row:
    plane.reset()
    if fault is not None:
        plane.fault(**fault)
    client = make(plane.url, **settings)
    for i in range(N):
        client.group(f"g{i % 7}", {"name": "Acme", "n": i}, user_id=f"u{i}")
    return settle(name, plane, client, N, linger)


def refusing_port_that_comes_back() -> Row:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make(f"http://127.0.0.1:{port}")
    for i in range(N):
        client.group("g", user_id=f"u{i}")
    time.sleep(0.8)
    with DataPlane(port=port) as plane:
        return settle("refusing port, back after 800 ms", plane, client, N)


def outage_with_a_steady_producer(plane: DataPlane, max_queue_events: int) -> Tuple[Row, int]:
    plane.reset()
    client = make(plane.url, flush_at=10, flush_interval=0.05, max_queue_events=max_queue_events)
    plane.fault(outage_ms=1200)
    refused = 0
    for i in range(300):
        try:
            client.group("g", user_id=f"u{i}")
        except rg.QueueFullError:
            refused += 1
        time.sleep(0.005)
    return settle(
        f"1.2 s outage, steady producer, queue {max_queue_events}", plane, client, 300
    ), refused


def close_times_out_with_requests_in_flight(plane: DataPlane) -> Row:
    # Every request answered after 3 s; the close gets 0.3 s once a request is under way. When
    # it raises, every event has had its outcome (dropped), and the late answers add none.
    plane.reset()
    plane.fault(latency_ms=3000, fraction=1.0)
    seen: List[Any] = []
    client = make(plane.url, flush_at=10, max_concurrent_requests=4, on_outcome=seen.append)
    for i in range(N):
        client.group("g", user_id=f"u{i}")
    assert plane.wait_for(lambda: client.stats["batches"] > 0)
    try:
        client.close(0.3)
        raise AssertionError("the close should have run out of time")
    except rg.FlushTimeoutError as err:
        assert (err.pending, err.dropped, err.kept) == (N, N, 0)
    assert sum(o.count for o in seen) == N, "every outcome handed over before the close raised"
    at_return = len(seen)
    assert plane.wait_for(lambda: plane.stats()["requests"] >= client.stats["batches"], timeout=20)
    time.sleep(0.3)
    assert len(seen) == at_return, "no outcome after the close"
    stats = client.stats
    plane.clear_faults()
    stored = Counter(e["messageId"] for e in plane.events())
    return Row(
        "close (0.3 s) with requests in flight",
        N,
        stats["delivered"],
        stats["failed"],
        stats["dropped"],
        sum(1 for n in stored.values() if n > 1),
        stats["batches"],
    )


def table(rows: List[Row]) -> str:
    width = max(len(r.fault) for r in rows)
    head = f"{'fault':<{width}} | events | delivered | failed | dropped | duplicates | requests"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.fault:<{width}} | {r.events:>6} | {r.delivered:>9} | {r.failed:>6} | {r.dropped:>7} "
            f"| {r.duplicates:>10} | {r.requests:>8}"
        )
    return "\n".join(lines)


def test_fault_matrix(data_plane: DataPlane) -> None:
    p = data_plane
    delivered, failed = (N, 0, 0, 0), (0, N, 0, 0)
    cases: List[Tuple[Row, Tuple[int, int, int, int], int, bool]] = [
        # (row, (delivered, failed, dropped, duplicates), requests, exact request count)
        (one_fault(p, "none", None), delivered, 1, True),
        (
            one_fault(
                p, "429 + Retry-After: 1, x1", {"status": 429, "retry_after": "1", "next": 1}
            ),
            delivered,
            2,
            True,
        ),
        (one_fault(p, "500 burst x3", {"status": 500, "next": 3}), delivered, 4, True),
        (one_fault(p, "503 burst x5", {"status": 503, "next": 5}), delivered, 6, True),
        (one_fault(p, "dropped connection x3", {"drop": True, "next": 3}), delivered, 4, True),
        (
            one_fault(
                p,
                "answer slower than the request timeout x2",
                {"latency_ms": 1000, "next": 2},
                1.2,
                request_timeout=0.25,
            ),
            delivered,
            3,
            True,
        ),
        (refusing_port_that_comes_back(), delivered, 2, False),
        (one_fault(p, "outage (connections closed) 1 s", {"outage_ms": 1000}), delivered, 2, False),
        (one_fault(p, "413 x1 (split in two)", {"status": 413, "next": 1}), delivered, 3, True),
        (one_fault(p, "401 invalid write key", None, write_key="not-this-key"), failed, 1, True),
        (one_fault(p, "400 x1", {"status": 400, "next": 1}), failed, 1, True),
    ]
    big, refused_big = outage_with_a_steady_producer(p, 100_000)
    small, refused_small = outage_with_a_steady_producer(p, 20)
    assert refused_big == 0 and refused_small > 0
    cases.append((big, (300, 0, 0, 0), 2, False))
    cases.append((small, (300 - refused_small, 0, refused_small, 0), 2, False))
    cases.append((close_times_out_with_requests_in_flight(p), (0, 0, N, 0), 1, False))
    print("\n" + table([c[0] for c in cases]))
    for row, want, requests, exact in cases:
        assert row.delivered + row.failed + row.dropped == row.events, row
        assert (row.delivered, row.failed, row.dropped, row.duplicates) == want, row
        assert row.requests == requests if exact else row.requests >= requests, row
