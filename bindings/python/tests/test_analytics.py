"""The drop-in ``rudder_group.analytics`` against the local data plane: the group tests of
rudder-sdk-python's own suite in our words (adapted where our wire differs: ``originalTimestamp``,
our ``context.library``), its module-level settings, and a script written for the peer SDK that
delivers with only its import line changed."""

from __future__ import annotations

import collections
import enum
import json
import logging
import re
import subprocess
import sys
import uuid
import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
import rudder_group as rg
import rudder_group.analytics as analytics
from dataplane import WRITE_KEY, DataPlane


@pytest.fixture
def failures() -> List[Tuple[Exception, List[dict]]]:  # type: ignore[type-arg]
    return []


@pytest.fixture
def client(data_plane: DataPlane, failures: list) -> Iterator[analytics.Client]:  # type: ignore[type-arg]
    made = analytics.Client(
        WRITE_KEY, host=data_plane.url, on_error=lambda e, b: failures.append((e, b))
    )
    yield made
    made.shutdown()


@pytest.fixture
def module(data_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The module with its settings as a fresh script finds them, pointed at the data plane."""
    for name in (
        "host",
        "dataPlaneUrl",
        "data_plane_url",
        "on_error",
        "gzip",
        "timeout",
        "max_retries",
        "upload_size",
        "upload_interval",
        "max_queue_size",
        "default_client",
    ):
        monkeypatch.setattr(analytics, name, None)
    for name, value in (
        ("debug", False),
        ("send", True),
        ("sync_mode", False),
        ("validation", "strict"),
    ):
        monkeypatch.setattr(analytics, name, value)
    monkeypatch.setattr(analytics, "write_key", WRITE_KEY)
    monkeypatch.setattr(analytics, "dataPlaneUrl", data_plane.url)
    yield analytics
    if analytics.default_client is not None:
        analytics.default_client.shutdown()


# The peer suite's client tests, for group calls.


def test_a_write_key_is_required() -> None:
    with pytest.raises(AssertionError) as info:
        analytics.Client()
    assert isinstance(info.value, rg.ConfigError) and info.value.setting == "write_key"


def test_a_write_key_of_the_wrong_type_is_never_shown() -> None:
    with pytest.raises(rg.ConfigError) as info:
        analytics.Client(b"secret-write-key")  # type: ignore[arg-type]
    assert "secret" not in str(info.value)
    assert "a value of type bytes" in str(info.value)


def test_flush_join_and_shutdown_return_none(client: analytics.Client) -> None:
    assert client.flush() is None
    assert client.join() is None and client.shutdown() is None


def test_basic_group(client: analytics.Client, data_plane: DataPlane, failures: list) -> None:  # type: ignore[type-arg]
    success, msg = client.group("userId", "groupId")
    client.flush()
    assert success and not failures
    assert (msg["groupId"], msg["userId"], msg["type"]) == ("groupId", "userId", "group")
    [stored] = data_plane.events()
    assert stored["messageId"] == msg["messageId"]


def test_advanced_group_takes_the_peers_positional_order(
    client: analytics.Client, data_plane: DataPlane
) -> None:
    success, msg = client.group(
        "userId",
        "groupId",
        {"trait": "value"},
        {"ip": "192.168.0.1"},
        datetime(2014, 9, 3),
        "anonymousId",
        {"Amplitude": True},
        "messageId",
    )
    assert success
    # A naive datetime this old is read as UTC, and sent as the peer sent it.
    assert msg["timestamp"] == "2014-09-03T00:00:00+00:00"
    assert msg["integrations"] == {"Amplitude": True}
    assert msg["context"]["ip"] == "192.168.0.1"
    assert msg["context"]["library"] == {"name": "rudder-group-python", "version": rg.__version__}
    assert msg["traits"] == {"trait": "value"}
    assert (msg["anonymousId"], msg["messageId"], msg["userId"], msg["type"]) == (
        "anonymousId",
        "messageId",
        "userId",
        "group",
    )
    client.flush()
    [stored] = data_plane.events()
    assert {k: stored[k] for k in msg} == msg


class Tier(enum.Enum):
    GOLD = "gold"


MESSAGES = [
    # Values the message holds as the caller gave them (copied, not read back).
    {
        "traits": {
            "name": "Acme",
            "employees": 450,
            "score": 0.5,
            "big": 2**70,
            "ok": True,
            "none": None,
            "tags": ["a", 1, [2.5, {"k": "v"}]],
            "address": {"city": "Oslo", "n": {"m": []}},
            "é": "ü\u2028",
        },
        "context": {"ip": "1.2.3.4", "library": {"name": "theirs"}, "page": {"path": "/"}},
        "integrations": {"All": False, "Amplitude": {"id": 1}},
    },
    # Values the event holds converted: the message is read from the event.
    {
        "traits": {
            "when": datetime(2020, 1, 31, 10, 0, tzinfo=timezone.utc),
            "tuple": (1, 2),
            "amount": Decimal("1.10"),
            "tier": Tier.GOLD,
            "id": uuid.UUID(int=7),
        }
    },
    {"traits": {"n": 1}, "context": {"day": date(2020, 1, 31)}},
    {"traits": {"n": 1}, "integrations": {"Amplitude": (True,)}},
    {"traits": collections.OrderedDict(n=1)},
    {"traits": {"s": type("S", (str,), {})("sub")}},
    {"user_id": uuid.UUID(int=9), "traits": {"n": 1}},
    {"traits": {"blob": "x" * 20_000}},
    {},
]


@pytest.mark.parametrize("call", MESSAGES)
def test_the_message_is_the_event_as_it_was_sent(
    client: analytics.Client,
    data_plane: DataPlane,
    call: dict,  # type: ignore[type-arg]
) -> None:
    kwargs = {"user_id": "u", "group_id": "g", **call}
    success, msg = client.group(**kwargs)
    assert success and type(msg) is dict
    client.flush()
    [sent] = data_plane.requests()[0]["events"]
    del sent["sentAt"]
    assert msg == sent and list(msg) == list(sent)
    assert json.loads(json.dumps(msg)) == sent
    built = rg.GroupEvent.build(
        "g",
        call.get("traits"),
        user_id=kwargs["user_id"],
        context=call.get("context"),
        integrations=call.get("integrations"),
        message_id=msg["messageId"],
    ).to_dict()
    assert {k: v for k, v in built.items() if k != "originalTimestamp"} == {
        k: v for k, v in msg.items() if k != "originalTimestamp"
    }
    # The message is the caller's own: changing it changes nothing of theirs, nor the reverse.
    for name in ("traits", "context", "integrations"):
        given = call.get(name)
        if given:
            assert msg[name] is not given
    msg["traits"]["added"] = 1
    assert "added" not in (call.get("traits") or {})


def test_the_message_is_kept_for_on_error_before_the_event_can_fail(data_plane: DataPlane) -> None:
    failures: List[Tuple[Exception, List[dict]]] = []  # type: ignore[type-arg]
    made = analytics.Client(
        "bad_key", host=data_plane.url, upload_size=1, on_error=lambda e, b: failures.append((e, b))
    )
    messages = [made.group("u", "g", {"n": i})[1] for i in range(50)]
    made.flush()
    assert sorted(m["traits"]["n"] for _, batch in failures for m in batch) == list(range(50))
    assert all(m in messages for _, batch in failures for m in batch)
    assert made._kept == {}
    made.shutdown()


class Counting(analytics.Client):
    """Counts the calls that take the drop-in's general path."""

    general = 0

    def _group(self, *args: Any) -> Tuple[bool, dict]:  # type: ignore[type-arg]
        Counting.general += 1
        return super()._group(*args)


def test_plain_calls_are_done_natively_and_the_rest_by_the_general_path(
    data_plane: DataPlane,
) -> None:
    made = Counting(WRITE_KEY, host=data_plane.url, on_error=lambda e, b: None)
    Counting.general = 0
    plain = [
        made.group("u", "g", {"n": 1}),
        made.group(user_id=7, group_id="g", traits={}, context=None),
        made.group(anonymous_id="a", group_id="g", integrations={"All": False}, message_id="m-1"),
    ]
    assert Counting.general == 0 and all(ok for ok, _ in plain)
    general = [
        made.group("u", "g", timestamp="2022-02-01T19:14:18Z"),
        made.group("u", 1.5),
        made.group("u", "g", traits=collections.OrderedDict(n=1)),
        made.group("u", "g", {"n": float("nan")}),
    ]
    assert Counting.general == 4 and [ok for ok, _ in general] == [True, True, True, False]
    made.flush()
    assert len(data_plane.events()) == 6
    made.shutdown()


def test_kept_messages_are_bounded(data_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analytics, "_KEPT_MESSAGES", 5)
    data_plane.fault(outage_ms=60_000)
    made = analytics.Client(WRITE_KEY, host=data_plane.url, on_error=lambda e, b: None)
    for i in range(20):
        assert made.group("u", "g", {"n": i})[0]
    assert [m["traits"]["n"] for m in made._kept.values()] == list(range(15, 20))
    data_plane.clear_faults()
    made.shutdown()


def test_numeric_ids_are_stringified(client: analytics.Client) -> None:
    # Beyond 2**53: exact, never through a float.
    _, msg = client.group(user_id=157963456373623802, group_id=7)
    assert (msg["userId"], msg["groupId"]) == (
        "157963456373623802",
        "7",
    ) and "anonymousId" not in msg
    _, msg = client.group(anonymous_id=157963456373623803, group_id=1.5)
    assert (msg["anonymousId"], msg["groupId"]) == (
        "157963456373623803",
        "1.5",
    ) and "userId" not in msg


def test_flush_and_shutdown_deliver_everything(
    client: analytics.Client, data_plane: DataPlane
) -> None:
    for i in range(1000):
        client.group(f"u{i % 7}", "g", {"n": i})
    client.flush()
    assert len(data_plane.events()) == 1000
    for i in range(500):
        client.group("u", "g", {"n": i})
    client.shutdown()
    assert len(data_plane.events()) == 1500
    assert client.client is not None and client.client.closed


def test_a_full_queue_returns_false(data_plane: DataPlane, failures: list) -> None:  # type: ignore[type-arg]
    # A data plane that does not answer keeps the first event in flight; the queue holds one.
    data_plane.fault(outage_ms=60_000)
    made = analytics.Client(
        WRITE_KEY,
        host=data_plane.url,
        max_queue_size=1,
        upload_size=1,
        timeout=0.2,
        max_retries=0,
        on_error=lambda e, b: failures.append((e, b)),
    )
    results = [made.group("u", "g")[0] for _ in range(10)]
    assert results[0] is True and results.count(False) >= 8
    data_plane.clear_faults()
    made.shutdown()
    dropped = [b for e, b in failures if getattr(e, "dropped", 0)]
    assert len(dropped) >= 8 and all(len(b) == 1 and b[0]["type"] == "group" for b in dropped)


def test_an_invalid_write_key_reaches_on_error(data_plane: DataPlane, failures: list) -> None:  # type: ignore[type-arg]
    made = analytics.Client(
        "bad_key", host=data_plane.url, on_error=lambda e, b: failures.append((e, b))
    )
    _, msg = made.group("userId", "groupId")
    made.flush()
    [(err, batch)] = failures
    assert isinstance(err, rg.DeliveryFailedError) and err.status == 401 and err.failed == 1
    assert "invalid write key" in str(err)
    assert batch == [msg]
    made.shutdown()


def test_gzip_and_upload_size(data_plane: DataPlane) -> None:
    made = analytics.Client(
        WRITE_KEY, host=data_plane.url, gzip=False, upload_size=10, upload_interval=30
    )
    for _ in range(20):
        made.group("userId", "groupId", {"trait": "value"})
    made.flush()
    requests = data_plane.requests()
    sizes = [len(r["events"]) for r in requests]
    # Due at 10 events; a backlog may fill a batch past that, and the flush sends the rest.
    assert sum(sizes) == 20 and all(n >= 10 for n in sizes[:-1]), sizes
    assert all("content-encoding" not in r["headers"] for r in requests)
    made.shutdown()


def test_send_false_validates_and_sends_nothing(data_plane: DataPlane) -> None:
    made = analytics.Client("unicode_key_é", send=False, debug=True)
    success, msg = made.group("userId", "groupId")
    assert success and msg["groupId"] == "groupId" and made.client is None
    made.shutdown()
    assert data_plane.events() == []
    logging.getLogger("rudder_group").setLevel(logging.NOTSET)


def test_sync_mode_waits_for_delivery(data_plane: DataPlane) -> None:
    made = analytics.Client(WRITE_KEY, host=data_plane.url, sync_mode=True)
    success, msg = made.group("userId", "groupId")
    assert success and [e["messageId"] for e in data_plane.events()] == [msg["messageId"]]
    made.shutdown()
    refused = analytics.Client("bad_key", host=data_plane.url, sync_mode=True)
    with pytest.raises(rg.DeliveryFailedError):
        refused.group("userId", "groupId")
    refused.shutdown()


# Retries: the peer's max_retries as the retry settings that cover its retries.


@pytest.mark.parametrize(
    "max_retries, timeout, expected",
    [
        (None, 30.0, {}),
        (0, 15.0, {"retry_max_attempts": 1, "retry_max_elapsed": 0.0}),
        (
            1,
            15.0,
            {
                "retry_max_attempts": 10,
                "retry_max_elapsed": 16.0,
                "retry_initial_backoff": 1.0,
                "retry_max_backoff": 1.0,
            },
        ),
        (
            3,
            15.0,
            {
                "retry_max_attempts": 14,
                "retry_max_elapsed": 52.0,
                "retry_initial_backoff": 1.0,
                "retry_max_backoff": 4.0,
            },
        ),
        (
            10,
            30.0,
            {
                "retry_max_attempts": 28,
                "retry_max_elapsed": 1323.0,
                "retry_initial_backoff": 1.0,
                "retry_max_backoff": 512.0,
            },
        ),
        (
            20,
            0.5,
            {
                "retry_max_attempts": 48,
                "retry_max_elapsed": 86400.0,
                "retry_initial_backoff": 1.0,
                "retry_max_backoff": 86400.0,
            },
        ),
        (
            5000,
            30.0,
            {
                "retry_max_attempts": 10008,
                "retry_max_elapsed": 86400.0,
                "retry_initial_backoff": 1.0,
                "retry_max_backoff": 86400.0,
            },
        ),
    ],
)
def test_max_retries_maps_to_the_peers_retry_window(
    max_retries: Any, timeout: float, expected: dict
) -> None:  # type: ignore[type-arg]
    settings = analytics._retry_settings(max_retries, timeout)
    assert settings == expected
    if max_retries:
        # The peer's waits without jitter: 1, 2, 4, ... seconds, one before each retry.
        waits = [2.0**k for k in range(min(max_retries, 20))]
        assert settings["retry_max_elapsed"] >= min(sum(waits) + max_retries * timeout, 86400.0)
        assert settings["retry_max_backoff"] == min(waits[-1], 86400.0)
        assert settings["retry_max_attempts"] > max_retries + 1


@pytest.mark.parametrize("max_retries", [-1, 1.5, "3", True])
def test_max_retries_must_be_a_count(max_retries: Any) -> None:
    with pytest.raises(AssertionError) as info:
        analytics.Client(WRITE_KEY, send=False, max_retries=max_retries)
    assert isinstance(info.value, rg.ConfigError) and info.value.setting == "max_retries"


def test_max_retries_without_timeout_counts_this_packages_request_timeout() -> None:
    assert rg._native.setting_default("request_timeout") == 30.0
    assert analytics._retry_settings(2, 30.0)["retry_max_elapsed"] == 63.0


def test_max_retries_rides_through_an_outage_the_peer_rode_through(
    data_plane: DataPlane,
    failures: list,  # type: ignore[type-arg]
) -> None:
    # The peer's 3 retries wait up to 1 + 2 + 4 seconds: a 1.5 s outage is within its window.
    made = analytics.Client(
        WRITE_KEY,
        host=data_plane.url,
        max_retries=3,
        upload_size=1,
        on_error=lambda e, b: failures.append((e, b)),
    )
    data_plane.fault(outage_ms=1500)
    success, msg = made.group("u", "g")
    made.flush()
    assert success and failures == []
    assert [e["messageId"] for e in data_plane.events()] == [msg["messageId"]]
    assert made.client is not None and made.client.stats["retried"] >= 1
    made.shutdown()


# Where the peer raised, and where it sent what we refuse.


@pytest.mark.parametrize(
    "kwargs, code, path",
    [
        ({"group_id": "g"}, "MISSING_IDENTITY", "/userId"),
        ({"user_id": "u"}, "MISSING_GROUP_ID", "/groupId"),
        (
            {"user_id": "u", "group_id": "g", "traits": "not a dict"},
            "INVALID_FIELD_TYPE",
            "/traits",
        ),
        (
            {"user_id": "u", "group_id": "g", "timestamp": "yesterday"},
            "INVALID_TIMESTAMP",
            "/timestamp",
        ),
        (
            {"user_id": "u", "group_id": "g", "traits": {"blob": "x" * 40_000}},
            "EVENT_TOO_LARGE",
            "",
        ),
    ],
)
def test_what_the_peer_refused_raises(
    client: analytics.Client, kwargs: dict, code: str, path: str
) -> None:  # type: ignore[type-arg]
    with pytest.raises(AssertionError) as info:
        client.group(**kwargs)
    assert isinstance(info.value, rg.ValidationError) and info.value.code == code
    assert info.value.issues[0].path == path


@pytest.mark.parametrize(
    "traits, code, path",
    [
        ({"score": float("nan")}, "NON_FINITE_NUMBER", "/traits/score"),
        ({"employees": -3}, "INVALID_TRAIT", "/traits/employees"),
        ({"tags": {"a", "b"}}, "UNSUPPORTED_VALUE", "/traits/tags"),
    ],
)
def test_what_the_peer_sent_and_we_refuse_returns_false(
    client: analytics.Client,
    data_plane: DataPlane,
    failures: list,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
    traits: dict,
    code: str,
    path: str,  # type: ignore[type-arg]
) -> None:
    with caplog.at_level(logging.WARNING, logger="rudder_group"):
        success, msg = client.group("u", "g", traits, message_id="m1")
    assert success is False
    assert msg == {
        "type": "group",
        "messageId": "m1",
        "groupId": "g",
        "userId": "u",
        "traits": traits,
        "context": {},
    }
    [(err, batch)] = failures
    assert isinstance(err, rg.ValidationError) and (err.code, err.issues[0].path) == (code, path)
    assert batch == [msg]
    assert any(code in r.getMessage() for r in caplog.records)
    client.flush()
    assert data_plane.events() == []


def test_lenient_sends_what_breaks_the_reserved_trait_rules_with_a_warning(
    data_plane: DataPlane,
    failures: list,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    made = analytics.Client(
        WRITE_KEY,
        host=data_plane.url,
        validation="lenient",
        on_error=lambda e, b: failures.append((e, b)),
    )
    with caplog.at_level(logging.WARNING, logger="rudder_group"):
        success, msg = made.group("u", "g", {"employees": -3, "name": "Acme"})
        refused, _ = made.group("u", "g", {"score": float("nan")})
    made.flush()
    assert success and msg["traits"] == {"employees": -3, "name": "Acme"}
    [stored] = data_plane.events()
    assert stored["messageId"] == msg["messageId"] and stored["traits"]["employees"] == -3
    [warning] = [r.getMessage() for r in caplog.records if "lenient" in r.getMessage()]
    assert "/traits/employees" in warning and "INVALID_TRAIT" in warning
    # NaN is refused whatever the validation: JSON cannot carry it.
    assert refused is False
    [(err, _)] = failures
    assert isinstance(err, rg.ValidationError) and err.code == "NON_FINITE_NUMBER"
    made.shutdown()


def test_the_modules_validation_setting_and_a_bad_value(module: Any, data_plane: DataPlane) -> None:
    module.validation = "lenient"
    module.group("u", "g", {"employees": 1.5})
    module.flush()
    assert [e["traits"] for e in data_plane.events()] == [{"employees": 1.5}]
    for send in (True, False):
        with pytest.raises(rg.ConfigError) as info:
            analytics.Client(WRITE_KEY, host=data_plane.url, send=send, validation="loose")  # type: ignore[arg-type]
        assert info.value.setting == "validation"


def test_naive_timestamps_are_read_as_the_peer_reads_them(client: analytics.Client) -> None:
    now = datetime.now()
    _, msg = client.group("u", "g", timestamp=now)
    assert msg["timestamp"] == now.astimezone().isoformat()
    _, msg = client.group("u", "g", timestamp=datetime(2020, 1, 31, 10, 0) - timedelta(0))
    assert msg["timestamp"] == "2020-01-31T10:00:00+00:00"


@pytest.mark.parametrize(
    "given, sent, original",
    [
        (
            datetime(
                2022, 2, 1, 19, 14, 18, 381234, tzinfo=timezone(timedelta(hours=5, minutes=30))
            ),
            "2022-02-01T19:14:18.381234+05:30",
            "2022-02-01T13:44:18.381Z",
        ),
        (
            "2022-02-01T19:14:18.3814+01:00",
            "2022-02-01T19:14:18.3814+01:00",
            "2022-02-01T18:14:18.381Z",
        ),
        ("2022-02-01T19:14:18Z", "2022-02-01T19:14:18Z", "2022-02-01T19:14:18.000Z"),
    ],
)
def test_an_explicit_timestamp_is_stored_unchanged_as_the_events_timestamp(
    client: analytics.Client,
    data_plane: DataPlane,
    given: Any,
    sent: str,
    original: str,
) -> None:
    success, msg = client.group("u", "g", timestamp=given)
    client.flush()
    assert success and msg["timestamp"] == sent
    [stored] = data_plane.events()
    assert stored["timestamp"] == sent
    # originalTimestamp is the same instant in the wire format: the time of the event is the
    # caller's (the peer sent none).
    assert stored["originalTimestamp"] == msg["originalTimestamp"] == original


def test_without_a_timestamp_none_is_sent_and_the_data_plane_computes_it(
    client: analytics.Client,
    data_plane: DataPlane,
) -> None:
    success, msg = client.group("u", "g")
    client.flush()
    assert success and "timestamp" not in msg
    [request] = data_plane.requests()
    [sent] = request["events"]
    assert "timestamp" not in sent and "originalTimestamp" in sent and "sentAt" in sent
    [stored] = data_plane.events()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stored["timestamp"])


def test_the_native_apis_keep_the_callers_timestamp_as_original_timestamp() -> None:
    event = rg.GroupEvent.build("g", user_id="u", timestamp="2022-02-01T20:14:18.381+01:00")
    assert event.to_dict()["originalTimestamp"] == "2022-02-01T19:14:18.381Z"
    assert "timestamp" not in event.to_dict()


@pytest.mark.parametrize("wire", ["yesterday", "2022-02-01", "2022-02-01T19:14:18.381Z "])
def test_a_wire_timestamp_is_checked_as_a_parsed_payloads(wire: str) -> None:
    with pytest.raises(rg.ValidationError) as info:
        rg.GroupEvent.build("g", user_id="u", wire_timestamp=wire)
    assert [(i.code, i.path) for i in info.value.issues] == [("INVALID_TIMESTAMP", "/timestamp")]
    [issue] = rg.validate({"groupId": "g", "userId": "u", "timestamp": wire})
    assert issue.message == info.value.issues[0].message


def test_the_callers_context_is_not_changed(client: analytics.Client) -> None:
    context = {"ip": "1.2.3.4"}
    _, msg = client.group("u", "g", context=context)
    assert (
        context == {"ip": "1.2.3.4"} and msg["context"]["library"]["name"] == "rudder-group-python"
    )


def test_after_shutdown_calls_return_false(client: analytics.Client, failures: list) -> None:  # type: ignore[type-arg]
    client.shutdown()
    success, msg = client.group("u", "g")
    assert success is False and msg["groupId"] == "g"
    [(err, batch)] = failures
    assert isinstance(err, rg.ClientClosedError) and batch == [msg]


def test_thread_is_warned_about_once(data_plane: DataPlane) -> None:
    analytics._warned.discard("thread")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            analytics.Client(WRITE_KEY, host=data_plane.url, thread=2).shutdown()
    assert [str(w.message).count("`thread`") for w in caught] == [1]


# The module-level API.


def test_the_module_reads_its_settings_at_the_first_call(
    module: Any, data_plane: DataPlane
) -> None:
    module.upload_size = 5
    module.max_retries = 2
    assert module.group("userId", "groupId", {"n": 1}) is None
    client = module.default_client
    assert isinstance(client, analytics.Client) and client.client is not None
    assert client.client.data_plane_url == data_plane.url
    assert module.flush() is None
    assert [e["traits"] for e in data_plane.events()] == [{"n": 1}]
    assert module.join() is None and module.shutdown() is None


def test_data_plane_url_spellings(module: Any, data_plane: DataPlane) -> None:
    module.dataPlaneUrl = None
    module.host = "http://127.0.0.1:9"  # dataPlaneUrl and data_plane_url come first
    module.data_plane_url = data_plane.url
    module.group("u", "g")
    module.flush()
    assert len(data_plane.events()) == 1


def test_the_module_without_a_write_key_raises(module: Any) -> None:
    module.write_key = None
    with pytest.raises(AssertionError):
        module.group("u", "g")


SCRIPT = """\
import rudderstack.analytics as rudder_analytics

rudder_analytics.write_key = WRITE_KEY
rudder_analytics.dataPlaneUrl = URL
rudder_analytics.on_error = lambda error, batch: print("failed", error)
rudder_analytics.group('user-7', 'acme', {'name': 'Acme', 'employees': 450, 'plan': 'enterprise'})
for i in range(99):
    rudder_analytics.group(anonymous_id='anon-%d' % i, group_id=i, traits={'n': i})
# No flush: delivery at exit.
"""


def test_a_script_for_the_peer_delivers_with_only_its_import_changed(data_plane: DataPlane) -> None:
    script = SCRIPT.replace("import rudderstack.analytics", "import rudder_group.analytics")
    assert script.splitlines()[1:] == SCRIPT.splitlines()[1:]
    prelude = f"WRITE_KEY = {WRITE_KEY!r}\nURL = {data_plane.url!r}\n"
    run = subprocess.run(
        [sys.executable, "-c", prelude + script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "failed" not in run.stdout
    events = data_plane.events()
    assert len(events) == 100
    first = next(e for e in events if e.get("userId") == "user-7")
    assert first["groupId"] == "acme" and first["traits"]["employees"] == 450
    assert sorted(int(e["groupId"]) for e in events if "anonymousId" in e) == list(range(99))


DEBUG_SCRIPT = """\
import rudder_group.analytics as rudder_analytics

rudder_analytics.write_key = WRITE_KEY
rudder_analytics.dataPlaneUrl = URL
rudder_analytics.debug = True
rudder_analytics.group('user-7', 'acme', {'plan': 'enterprise'})
rudder_analytics.flush()
# A second client in debug adds no second handler.
rudder_analytics.Client(WRITE_KEY, host=URL, debug=True).group('user-8', 'acme')
"""


def run_debug_script(data_plane: DataPlane, setup: str = "") -> List[str]:
    prelude = f"WRITE_KEY = {WRITE_KEY!r}\nURL = {data_plane.url!r}\n{setup}\n"
    run = subprocess.run(
        [sys.executable, "-c", prelude + DEBUG_SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert len(data_plane.events()) == 2
    return run.stderr.splitlines()


def test_debug_prints_on_stderr_as_the_peers_lines_look(data_plane: DataPlane) -> None:
    lines = run_debug_script(data_plane)
    queueing = [line for line in lines if "queueing" in line]
    assert len(queueing) == 2, lines
    assert all(
        line.startswith("DEBUG:rudder_group.analytics:queueing: {'type': 'group'")
        for line in queueing
    )
    assert any(line.startswith("DEBUG:rudder_group:POST /v1/batch: 1 event") for line in lines), (
        lines
    )


def test_debug_leaves_the_apps_own_logging_alone(data_plane: DataPlane) -> None:
    setup = "import logging, sys\nlogging.basicConfig(format='app %(name)s %(message)s', stream=sys.stderr)"
    lines = run_debug_script(data_plane, setup)
    queueing = [line for line in lines if "queueing" in line]
    assert len(queueing) == 2 and all(
        line.startswith("app rudder_group.analytics queueing: {") for line in queueing
    )
    assert not any(line.startswith("DEBUG:") for line in lines), lines


GUIDE = Path(__file__).resolve().parents[3] / "docs" / "migrating.md"


def test_the_migration_guides_python_examples_run(data_plane: DataPlane, module: Any) -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    before, *after = blocks
    assert "import rudderstack.analytics" in before and len(after) == 2
    # The drop-in is the example written for the peer with only its import line changed.
    assert after[0] == before.replace(
        "import rudderstack.analytics", "import rudder_group.analytics"
    )
    for i, block in enumerate(after):
        namespace = {
            "WRITE_KEY": WRITE_KEY,
            "DATA_PLANE_URL": data_plane.url,
            "__name__": f"guide_{i}",
        }
        exec(compile(block, str(GUIDE), "exec"), namespace)
        if analytics.default_client is not None:
            analytics.default_client.shutdown()
            analytics.default_client = None
    events = data_plane.events()
    assert [(e["userId"], e["groupId"], e["traits"]) for e in events] == [
        ("user-7", "acme", {"name": "Acme", "employees": 450})
    ] * 2
