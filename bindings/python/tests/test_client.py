"""The client against the local data plane: delivery, faults, outcomes, stats, flush and close."""

from __future__ import annotations

import base64
import gc
import logging
import threading
from typing import Any, List

import pytest
import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def make(data_plane: DataPlane, **settings: Any) -> rg.Client:
    settings.setdefault("retry_initial_backoff", 0.01)
    settings.setdefault("retry_max_backoff", 0.05)
    return rg.Client(WRITE_KEY, data_plane.url, **settings)


def test_happy_path_delivers_every_event_in_batches(data_plane: DataPlane) -> None:
    # One identity: one lane, so the data plane holds the events in the order they were enqueued.
    with make(data_plane, flush_at=100) as client:
        ids = [client.group(f"g{i}", {"name": "Acme", "n": i}, user_id="u") for i in range(250)]
        result = client.flush()
        assert (result.delivered, result.failed, result.dropped) == (250, 0, 0)
    events = data_plane.events()
    assert [e["messageId"] for e in events] == ids
    assert events[7]["groupId"] == "g7" and events[7]["traits"] == {"name": "Acme", "n": 7}
    assert events[0]["context"]["library"] == {
        "name": "rudder-group-python",
        "version": rg.__version__,
    }
    requests = data_plane.requests()
    # flush_at makes a batch due at 100 events; a backlog fills it further, the flush sends the rest.
    sizes = [len(r["events"]) for r in requests]
    assert sum(sizes) == 250 and len(sizes) <= 3 and all(n >= 100 for n in sizes[:-1]), sizes
    headers = requests[0]["headers"]
    assert (
        headers["authorization"] == "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    )
    assert headers["content-encoding"] == "gzip"
    assert headers["user-agent"] == f"rudder-group-python/{rg.__version__}"
    assert all(r["status"] == 200 for r in requests)


def test_stats_and_flush_results_since_the_previous_flush(data_plane: DataPlane) -> None:
    client = make(data_plane, gzip=False)
    for _ in range(3):
        client.group("g", user_id="u")  # one identity, one lane: one batch
    assert client.flush() == rg.FlushResult(delivered=3)
    client.group("g", user_id="u")
    assert client.flush(timeout=30) == rg.FlushResult(delivered=1)
    stats = client.stats
    assert set(stats) == {
        "enqueued",
        "delivered",
        "failed",
        "dropped",
        "retried",
        "throttled",
        "batches",
        "bytes",
        "queued",
        "recovered",
        "spool_skipped",
    }
    assert (stats["enqueued"], stats["delivered"], stats["queued"], stats["batches"]) == (
        4,
        4,
        0,
        2,
    )
    assert stats["bytes"] > 0
    assert "content-encoding" not in data_plane.requests()[0]["headers"]
    client.close()


def test_a_fault_is_retried_with_the_same_ids(data_plane: DataPlane) -> None:
    data_plane.fault(status=500, next=2)
    outcomes: List[rg.Outcome] = []
    client = make(data_plane, on_outcome=outcomes.append)
    mid = client.group("g", user_id="u")
    assert client.flush().delivered == 1
    assert [r["status"] for r in data_plane.requests()] == [500, 500, 200]
    assert data_plane.events()[0]["messageId"] == mid
    assert client.stats["retried"] == 2
    [outcome] = outcomes
    assert (outcome.kind, outcome.message_ids, outcome.status, outcome.attempts) == (
        "delivered",
        (mid,),
        200,
        3,
    )
    client.close()


def test_a_terminal_failure_is_reported_with_status_and_body(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rudder_group")
    outcomes: List[rg.Outcome] = []
    client = rg.Client("wrong-key", data_plane.url, on_outcome=outcomes.append)
    mids = [client.group("g", user_id="u") for _ in range(2)]  # one identity: one batch
    result = client.flush()
    assert (result.delivered, result.failed) == (0, 2)
    with pytest.raises(rg.DeliveryFailedError) as info:
        result.check()
    assert info.value.failed == 2  # type: ignore[attr-defined]
    [outcome] = outcomes
    assert (outcome.kind, outcome.status, outcome.body) == ("failed", 401, "invalid write key\n")
    assert outcome.message_ids == tuple(mids)
    assert "failed" in repr(outcome) and outcome.reason
    assert any("2 events failed" in r.getMessage() for r in caplog.records)
    assert client.stats["failed"] == 2
    client.close()


def test_log_lines_count_events_and_attempts_in_words(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rudder_group")
    client = rg.Client("wrong-key", data_plane.url)
    client.group("g", user_id="u")
    assert client.flush().failed == 1
    client.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "rudder_group"]
    assert any(
        m.startswith("1 event failed after 1 attempt (status 401: invalid write key): ")
        for m in messages
    ), messages


def test_on_outcome_runs_on_the_package_thread_and_its_errors_are_logged(
    data_plane: DataPlane, caplog: pytest.LogCaptureFixture
) -> None:
    threads: List[str] = []

    def on_outcome(outcome: rg.Outcome) -> None:
        threads.append(threading.current_thread().name)
        raise ValueError("a bug in the callback")

    client = make(data_plane, on_outcome=on_outcome, flush_at=10)
    for _ in range(30):
        client.group("g", user_id="u")  # one identity, one lane
    assert client.flush().delivered == 30
    # One outcome per batch: batches are due at 10 events and a backlog fills them further.
    assert 1 <= len(threads) <= 3 and set(threads) == {"rudder-group-outcomes"}
    errors = [r for r in caplog.records if r.name == "rudder_group" and r.levelno == logging.ERROR]
    assert len(errors) == len(threads) and "on_outcome raised" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    client.group("g", user_id="later")
    assert client.close().delivered == 1
    assert len(data_plane.events()) == 31


def test_on_outcome_may_use_the_client(data_plane: DataPlane) -> None:
    seen: List[int] = []
    holder: List[rg.Client] = []

    def on_outcome(outcome: rg.Outcome) -> None:
        client = holder[0]
        seen.append(client.stats["delivered"])
        if len(seen) == 1:
            client.group("g", user_id="from-callback")
            client.flush()

    client = make(data_plane, on_outcome=on_outcome)
    holder.append(client)
    client.group("g", user_id="u")
    client.flush()
    client.close()
    assert len(data_plane.events()) == 2 and len(seen) == 2


def test_close_is_idempotent_and_group_after_close_fails(data_plane: DataPlane) -> None:
    client = make(data_plane)
    client.group("g", user_id="u")
    assert client.close() == rg.FlushResult(delivered=1)
    assert client.closed
    assert client.close() == rg.FlushResult()
    with pytest.raises(rg.ClientClosedError) as info:
        client.group("g", user_id="u")
    assert info.value.code == "CLIENT_CLOSED"
    assert "closed=True" in repr(client)


def test_context_manager_closes(data_plane: DataPlane) -> None:
    with make(data_plane, flush_interval=60) as client:
        client.group("g", user_id="u")
        assert not client.closed
    assert client.closed
    assert len(data_plane.events()) == 1


def test_flush_timeout_loses_nothing(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=1500, next=1)
    client = make(data_plane)
    client.group("g", user_id="u")
    with pytest.raises(rg.FlushTimeoutError) as info:
        client.flush(timeout=0.05)
    assert info.value.code == "FLUSH_TIMEOUT" and info.value.pending == 1  # type: ignore[attr-defined]
    assert client.flush().delivered == 1
    client.close()
    assert len(data_plane.events()) == 1


def test_the_gil_is_released_while_flush_waits(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=1000, next=1)
    client = make(data_plane)
    client.group("g", user_id="u")
    flushing = threading.Event()
    done = threading.Event()
    ran_during_flush: List[bool] = []

    def other() -> None:
        flushing.wait()
        # Python code in this thread can only run now if flush() released the GIL.
        ran_during_flush.append(not done.is_set())

    thread = threading.Thread(target=other)
    thread.start()
    flushing.set()
    client.flush()
    done.set()
    thread.join()
    assert ran_during_flush == [True]
    client.close()


def test_queue_full_drops_the_new_event(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=1000, next=1)
    outcomes: List[rg.Outcome] = []
    client = make(data_plane, flush_at=1, max_queue_events=2, on_outcome=outcomes.append)
    accepted = []
    dropped = []
    # One identity, one lane: its first request is held 1 s, so the queue fills behind it.
    for _ in range(6):
        try:
            accepted.append(client.group("g", user_id="u"))
        except rg.QueueFullError as err:
            assert err.code == "QUEUE_FULL"
            dropped.append(err.message_id)  # type: ignore[attr-defined]
    assert dropped and len(accepted) + len(dropped) == 6
    result = client.close()
    assert (result.delivered, result.dropped) == (len(accepted), len(dropped))
    assert client.stats["dropped"] == len(dropped)
    assert sorted(m for o in outcomes if o.kind == "dropped" for m in o.message_ids) == sorted(
        dropped
    )
    assert sorted(e["messageId"] for e in data_plane.events()) == sorted(accepted)


def test_overflow_block_waits_for_room(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=300, next=1)
    client = make(data_plane, flush_at=1, max_queue_events=1, overflow="block", block_timeout=30)
    ids = [client.group("g", user_id=f"u{i}") for i in range(5)]
    assert client.close().delivered == 5
    assert sorted(e["messageId"] for e in data_plane.events()) == sorted(ids)


def test_the_gil_is_released_while_group_blocks_on_a_full_queue(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=1000, next=1)
    client = make(data_plane, flush_at=1, max_queue_events=1, overflow="block", block_timeout=30)
    # One identity, one lane: the second event waits behind the first, which is in flight.
    client.group("g", user_id="u")
    client.group("g", user_id="u")
    blocking = threading.Event()
    done = threading.Event()
    ran_while_blocked: List[bool] = []

    def other() -> None:
        blocking.wait()
        ran_while_blocked.append(not done.is_set())

    thread = threading.Thread(target=other)
    thread.start()
    blocking.set()
    client.group("g", user_id="u")  # waits for room
    done.set()
    thread.join()
    assert ran_while_blocked == [True]
    assert client.close().delivered == 3


def test_overflow_block_gives_up_after_its_timeout(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=2000, next=1)
    client = make(data_plane, flush_at=1, max_queue_events=1, overflow="block", block_timeout=0.01)
    accepted = 0
    with pytest.raises(rg.QueueFullError):
        for _ in range(5):
            client.group("g", user_id="u")  # one identity: one lane, its first request held
            accepted += 1
    result = client.close()
    assert (result.delivered, result.dropped) == (accepted, 1)


def test_one_client_shared_by_many_threads(data_plane: DataPlane) -> None:
    client = make(data_plane, flush_at=50)
    ids: List[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        mine = [client.group(f"g{n}", {"i": i}, user_id=f"t{n}") for i in range(300)]
        with lock:
            ids.extend(mine)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.close().delivered == 2400
    received = [e["messageId"] for e in data_plane.events()]
    assert len(set(ids)) == 2400 and sorted(received) == sorted(ids)


def test_validation_errors_and_lenient_warnings_through_the_client(data_plane: DataPlane) -> None:
    client = make(data_plane)
    with pytest.raises(rg.ValidationError) as info:
        client.group("", traits={"employees": -1})
    assert [i.code for i in info.value.issues] == [
        "MISSING_GROUP_ID",
        "MISSING_IDENTITY",
        "INVALID_TRAIT",
    ]
    client.close()
    lenient = make(data_plane, validation="lenient")
    lenient.group("g", {"employees": -1}, user_id="u")
    assert lenient.close().delivered == 1
    assert data_plane.events()[0]["traits"] == {"employees": -1}


@pytest.mark.parametrize(
    "settings,setting",
    [
        ({"flush_at": 0}, "flush_at"),
        ({"flush_interval": -1.0}, "flush_interval"),
        ({"flush_interval": float("nan")}, "flush_interval"),
        ({"max_batch_bytes": 5_000_000}, "max_batch_bytes"),
        ({"max_queue_events": 0}, "max_queue_events"),
        ({"overflow": "spill"}, "overflow"),
        ({"overflow": "block", "block_timeout": -2.0}, "block_timeout"),
        ({"gzip_level": 12}, "gzip_level"),
        ({"retry_max_attempts": 0}, "retry_max_attempts"),
        ({"retry_initial_backoff": 5.0, "retry_max_backoff": 1.0}, "retry_initial_backoff"),
        ({"request_timeout": 0.0}, "request_timeout"),
        ({"proxy": "not a url at all ::"}, "proxy"),
        ({"validation": "loose"}, "validation"),
        ({"max_event_bytes": 10}, "max_event_bytes"),
        ({"transport": "pigeon"}, "transport"),
        ({"on_outcome": 42}, "on_outcome"),
        ({"exit_timeout": -1.0}, "exit_timeout"),
        ({"exit_timeout": 1e19}, "exit_timeout"),
        ({"exit_timeout": 86_400.5}, "exit_timeout"),
    ],
)
def test_settings_out_of_range_are_config_errors(settings: dict, setting: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(rg.ConfigError) as info:
        rg.Client(WRITE_KEY, "http://127.0.0.1:9", **settings)
    assert info.value.code == "INVALID_CONFIG"
    assert info.value.setting == setting  # type: ignore[attr-defined]
    assert setting in str(info.value)


def test_write_key_and_url_are_checked() -> None:
    with pytest.raises(rg.ConfigError):
        rg.Client("", "http://127.0.0.1:9")
    with pytest.raises(rg.ConfigError):
        rg.Client(WRITE_KEY, "ftp://example.com")
    with pytest.raises(ValueError):
        rg.set_exit_timeout(float("inf"))
    # A day at most, as every duration setting.
    with pytest.raises(rg.ConfigError):
        rg.set_exit_timeout(1e19)
    rg.set_exit_timeout(86_400)
    rg.set_exit_timeout(5.0)


def test_memory_transport_keeps_events_in_process() -> None:
    client = rg.Client(WRITE_KEY, "memory", transport="memory")
    mid = client.group("g", {"name": "Acme"}, user_id="u", context={"ip": "1.2.3.4"})
    assert client.flush().delivered == 1
    [event] = client.sent_events()
    assert event["messageId"] == mid and event["context"]["ip"] == "1.2.3.4"
    assert event["sentAt"].endswith("Z")
    client.close()


def test_an_unclosed_client_that_is_collected_still_delivers(data_plane: DataPlane) -> None:
    client = make(data_plane, flush_interval=60)
    ids = [client.group("g", user_id=f"u{i}") for i in range(10)]
    del client
    gc.collect()
    assert data_plane.wait_for(lambda: data_plane.stats()["events"] == 10)
    assert sorted(e["messageId"] for e in data_plane.events()) == sorted(ids)


def outcome_threads() -> set:  # type: ignore[type-arg]
    return {t for t in threading.enumerate() if t.name == "rudder-group-outcomes"}


def test_the_outcome_thread_starts_with_the_first_event_and_ends_with_close(
    data_plane: DataPlane,
) -> None:
    before = outcome_threads()
    client = make(data_plane)
    assert outcome_threads() == before
    client.group("g", user_id="u")
    [thread] = outcome_threads() - before
    assert thread.daemon and thread.is_alive()
    client.close()
    assert not thread.is_alive()


# The same bad value gives the same message in every binding: the messages come from the client
# crate's settings table (Node's tests expect these very strings under the camelCase names).
@pytest.mark.parametrize(
    "setting,value,message",
    [
        ("flush_at", -1, "must be a whole number from 1 to 1000000, got -1"),
        ("gzip_level", 1.5, "must be a whole number from 0 to 9, got 1.5"),
        ("overflow", "wait", 'must be "drop" or "block", got "wait"'),
        ("gzip", 1, "must be true or false, got 1"),
        ("flush_interval", 0, "must be a number of seconds more than 0 and at most 86400, got 0"),
    ],
)
def test_setting_messages_come_from_the_settings_table(
    setting: str, value: object, message: str
) -> None:
    with pytest.raises(rg.ConfigError) as info:
        rg.Client(WRITE_KEY, "http://127.0.0.1:9", **{setting: value})  # type: ignore[arg-type]
    assert str(info.value) == f"invalid setting `{setting}`: {message}"


@pytest.mark.parametrize(
    "setting",
    ["block_timeout", "request_timeout", "connect_timeout", "flush_interval", "shutdown_timeout"],
)
@pytest.mark.parametrize("value", [1e19, float("inf"), float("nan")])
def test_absurd_durations_are_config_errors_never_panics(setting: str, value: float) -> None:
    with pytest.raises(rg.ConfigError) as info:
        rg.Client(WRITE_KEY, "http://127.0.0.1:9", **{setting: value})  # type: ignore[arg-type]
    assert info.value.setting == setting  # type: ignore[attr-defined]


def test_absurd_sizes_are_config_errors_never_wrapped() -> None:
    for setting in ["max_event_bytes", "max_queue_bytes", "max_batch_bytes", "flush_at"]:
        with pytest.raises(rg.ConfigError):
            rg.Client(WRITE_KEY, "http://127.0.0.1:9", **{setting: 2**64 - 1})  # type: ignore[arg-type]


def test_huge_call_timeouts_wait_without_a_limit_instead_of_panicking() -> None:
    client = rg.Client(WRITE_KEY, "memory", transport="memory", exit_timeout=86_400)
    client.group("g", user_id="u")
    assert client.flush(timeout=1e19).delivered == 1
    assert client.close(timeout=1e19).delivered == 0


def test_an_unknown_setting_is_a_type_error_naming_the_nearest() -> None:
    with pytest.raises(
        TypeError, match="unexpected keyword argument 'flush_att'; did you mean 'flush_at'"
    ):
        rg.Client(WRITE_KEY, "http://127.0.0.1:9", flush_att=10)  # type: ignore[call-arg]


def test_enqueue_sends_a_built_event_as_it_is(data_plane: DataPlane) -> None:
    client = make(data_plane)
    event = rg.GroupEvent.build(
        "g", {"name": "Acme", "employees": 3}, user_id="u", message_id="m-1"
    )
    assert client.enqueue(event) == "m-1"
    assert client.flush() == rg.FlushResult(delivered=1)
    [sent] = data_plane.events()
    assert sent["messageId"] == "m-1" and sent["traits"] == {"name": "Acme", "employees": 3}
    assert sent["originalTimestamp"] == event.original_timestamp
    with pytest.raises(TypeError):
        client.enqueue({"groupId": "g", "userId": "u"})  # type: ignore[arg-type]
    client.close()
    with pytest.raises(rg.ClientClosedError):
        client.enqueue(event)
