"""Both pub/sub backends carry messages in order to every subscriber of a channel."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from integrations.pubsub import InProcessPubSub, PubSub, RedisPubSub


async def _round_trip(bus: PubSub) -> None:
    channel = f"test-{uuid.uuid4().hex}"
    first = await bus.subscribe(channel)
    second = await bus.subscribe(channel)
    await asyncio.sleep(0.05)  # Redis: let SUBSCRIBE reach the server
    for i in range(3):
        await bus.publish(channel, f"m{i}".encode())

    async def take(sub: object, n: int) -> list[bytes]:
        out: list[bytes] = []
        async for message in sub:  # type: ignore[attr-defined]
            out.append(message)
            if len(out) == n:
                break
        return out

    got = await asyncio.wait_for(asyncio.gather(take(first, 3), take(second, 3)), timeout=5)
    assert got == [[b"m0", b"m1", b"m2"]] * 2
    await first.close()
    await second.close()


async def test_in_process() -> None:
    bus = InProcessPubSub()
    assert await bus.ping()
    await _round_trip(bus)
    await bus.close()


@pytest.mark.redis
async def test_redis(redis_url: str) -> None:
    bus = RedisPubSub(redis_url)
    assert await bus.ping()
    await _round_trip(bus)
    await bus.close()


async def test_redis_down_reports_not_ok() -> None:
    bus = RedisPubSub("redis://127.0.0.1:1/0")
    assert await bus.ping() is False
    await bus.close()


async def test_slow_subscriber_is_dropped_not_blocking() -> None:
    bus = InProcessPubSub(maxsize=2)
    sub = await bus.subscribe("c")
    for i in range(5):
        await bus.publish("c", str(i).encode())  # never blocks
    received = [m async for m in sub]
    assert received == []  # overflowed: told to resync (iteration ends), nothing stale kept
