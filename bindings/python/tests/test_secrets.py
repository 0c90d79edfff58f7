"""The write key never shows: not in a repr, an error message or an outcome, through faults and
failures."""

from __future__ import annotations

import time
from typing import List

import pytest
import rudder_group as rg
from dataplane import DataPlane

SECRET = "wk-SECRET-5f3a9c71"


def assert_secret_free(what: str, *objects: object) -> None:
    for obj in objects:
        for text in (str(obj), repr(obj)):
            assert SECRET not in text, f"{what} shows the write key: {text}"


def test_reprs_errors_and_outcomes_never_show_the_write_key(data_plane: DataPlane) -> None:
    data_plane.fault(status=500, next=2)
    data_plane.fault(drop=True, next=1)
    outcomes: List[rg.Outcome] = []
    # The data plane does not know this key: every batch ends 401, after the faults' retries.
    client = rg.Client(
        SECRET,
        data_plane.url,
        flush_at=5,
        retry_initial_backoff=0.005,
        retry_max_backoff=0.05,
        max_queue_events=5,
        on_outcome=outcomes.append,
    )
    assert_secret_free("the client", client)
    for i in range(5):
        client.group("g", user_id=f"u{i}")
    result = client.flush(timeout=30)
    assert result.failed == 5
    with pytest.raises(rg.DeliveryFailedError) as failed:
        result.check()
    assert_secret_free("DeliveryFailedError", failed.value, result)
    data_plane.fault(latency_ms=1500, next=1)
    for i in range(20):
        try:
            client.group("g", user_id=f"u{i}")
        except rg.QueueFullError as e:
            assert_secret_free("QueueFullError", e)
    client.close(timeout=5)
    with pytest.raises(rg.ClientClosedError) as closed:
        client.group("g", user_id="u")
    assert_secret_free("ClientClosedError", closed.value, client)
    deadline = time.monotonic() + 10
    while not any(o.status == 401 for o in outcomes) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(o.status == 401 for o in outcomes)
    for o in outcomes:
        assert_secret_free("an outcome", o, o.reason, o.body)


@pytest.mark.parametrize(
    "settings",
    [{"flush_at": 0}, {"proxy": "not a proxy"}, {"request_timeout": -1.0}],
)
def test_setting_errors_never_show_the_write_key(settings: dict) -> None:
    with pytest.raises(rg.RudderGroupError) as err:
        rg.Client(SECRET, "http://127.0.0.1:9", **settings)
    assert_secret_free("a setting error", err.value)
