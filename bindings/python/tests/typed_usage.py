"""Typical use, checked by `mypy --strict` (tests/test_typing.py): the stubs must type it all."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from decimal import Decimal
from typing import List, Optional

import rudder_group as rg
import rudder_group.analytics as rudder_analytics
from rudder_group.testing import LocalDataPlane, LocalDataPlaneError


def build() -> str:
    event: rg.GroupEvent = rg.GroupEvent.build(
        "12345",
        {"name": "Acme", "employees": 450, "revenue": Decimal("1.5")},
        user_id=42,
        timestamp=datetime.now(timezone.utc),
        validation="lenient",
    )
    warnings: List[rg.Issue] = event.warnings
    user: Optional[str] = event.user_id
    return event.to_json() + str(len(warnings)) + (user or "") + event.message_id


def check(payload: str) -> List[str]:
    return [f"{i.code} {i.path} {i.severity}: {i.message}" for i in rg.validate(payload)]


def send(url: str) -> int:
    outcomes: List[rg.Outcome] = []
    with rg.Client("key", url, flush_at=10, overflow="block", on_outcome=outcomes.append) as client:
        try:
            mid: str = client.group("g", {"plan": "pro"}, user_id="u", context={"ip": "1.2.3.4"})
        except rg.QueueFullError as err:
            mid = err.message_id
        except rg.ValidationError as err:
            return len(err.issues)
        result: rg.FlushResult = client.flush(timeout=5.0)
        stats: dict[str, int] = client.stats
        delivered: int = result.check().delivered + stats["delivered"]
    codes = [o.kind for o in outcomes if mid in o.message_ids]
    return delivered + len(codes)


async def send_async(client: rg.Client) -> int:
    result = await client.flush_async(1.0)
    closed = await client.close_async()
    async with rg.Client("key", "http://x", transport="memory") as other:
        other.group("g", user_id="u")
    return result.delivered + closed.dropped


def counted(outcomes: List[rg.Outcome]) -> int:
    return sum(o.count * o.merged for o in outcomes if o.kind == "dropped")


def errors() -> List[type[rg.RudderGroupError]]:
    rg.set_exit_timeout(2.0)
    return [rg.error_class(code) for code in rg.ERROR_CODES]


def dropin() -> bool:
    """Code written for rudderstack.analytics, with the import line changed."""
    rudder_analytics.write_key = "key"
    rudder_analytics.dataPlaneUrl = "http://127.0.0.1:1"
    rudder_analytics.on_error = lambda error, batch: print(error, len(batch))
    rudder_analytics.send = False
    rudder_analytics.group(
        "u1", "acme", {"name": "Acme"}, {"ip": "1.2.3.4"}, datetime.now(), None, None, "m1"
    )
    rudder_analytics.flush()
    client = rudder_analytics.Client("key", host="http://127.0.0.1:1", upload_size=10, send=False)
    success, message = client.group(user_id=7, group_id="acme", traits={"plan": "basic"})
    client.shutdown()
    return success and message["type"] == "group"


def tested() -> int:
    """A test of one's own code against a local data plane."""
    try:
        plane = LocalDataPlane(binary="rudder-group", latency_ms=5, max_in_flight=4, rate_limit=100)
    except LocalDataPlaneError as error:
        return len(error.binary or "")
    with plane:
        plane.fault(status=429, retry_after="1", next=2)
        plane.fault(outage_ms=100)
        plane.fault(drop=True, requests=(1, 3))
        plane.clear_faults()
        with rg.Client(plane.write_key, plane.url) as client:
            client.group("g", user_id="u")
        user_ids = [str(event["userId"]) for event in plane.events()]
        statuses = [int(request["status"]) for request in plane.requests()]
        plane.reset()
        return len(user_ids) + sum(statuses) + plane.stats()["events"] + plane.process.pid


def test_with_the_fixture(rudder_data_plane: LocalDataPlane) -> None:
    assert rudder_data_plane.events() == [] and not rudder_data_plane.closed


def run() -> None:
    client = rg.Client("key", "http://127.0.0.1:1", transport="memory")
    print(
        build(),
        check("{}"),
        errors(),
        asyncio.run(send_async(client)),
        counted([]),
        rg.__version__,
        dropin(),
        tested(),
    )
