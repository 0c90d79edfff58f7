"""flush_async, close_async and `async with` never block the event loop."""

from __future__ import annotations

import asyncio
from typing import List

import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def test_flush_async_and_close_async_leave_the_loop_running(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=500, next=1)

    async def main() -> List[int]:
        client = rg.Client(WRITE_KEY, data_plane.url)
        ids = [client.group("g", user_id=f"u{i}") for i in range(20)]
        ticks: List[int] = []
        flushing = True

        async def ticker() -> None:
            while flushing:
                ticks.append(1)
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        ticks.clear()
        result = await client.flush_async(timeout=30)
        flushing = False
        await task
        # The ticker ran while the flush waited on the slow data plane.
        assert ticks
        client.group("g", user_id="late")
        closed = await client.close_async()
        assert client.closed
        assert len(ids) == 20
        return [result.delivered, closed.delivered]

    assert asyncio.run(main()) == [20, 1]
    assert len(data_plane.events()) == 21


def test_flush_async_timeout_raises_in_the_coroutine(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=1000, next=1)

    async def main() -> int:
        client = rg.Client(WRITE_KEY, data_plane.url)
        client.group("g", user_id="u")
        try:
            await client.flush_async(timeout=0.05)
        except rg.FlushTimeoutError as err:
            pending: int = err.pending  # type: ignore[attr-defined]
        await client.close_async()
        return pending

    assert asyncio.run(main()) == 1
    assert len(data_plane.events()) == 1


def test_async_with_closes_without_blocking_the_loop(data_plane: DataPlane) -> None:
    data_plane.fault(latency_ms=500, next=1)

    async def main() -> int:
        ticks: List[int] = []
        closing = True

        async def ticker() -> None:
            while closing:
                ticks.append(1)
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        async with rg.Client(WRITE_KEY, data_plane.url) as client:
            client.group("g", user_id="u")
            await asyncio.sleep(0)
            ticks.clear()
        closing = False
        await task
        # The ticker ran while the close waited on the slow data plane.
        assert ticks and client.closed
        return client.stats["delivered"]

    assert asyncio.run(main()) == 1
    assert len(data_plane.events()) == 1
