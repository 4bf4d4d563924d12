"""Both limiters count a fixed window the same way; Redis shares it between workers."""

from __future__ import annotations

import asyncio
import uuid

from integrations.ratelimit import InProcessLimiter, RateLimiter, RedisLimiter


async def _three_then_refused(limiter: RateLimiter, key: str) -> None:
    decisions = [await limiter.hit(key, 3, 60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert 1 <= decisions[-1].retry_after <= 60
    assert (await limiter.hit(key + "-other", 3, 60)).allowed, "keys are counted apart"


async def test_in_process_window_resets() -> None:
    now = [100.0]
    limiter = InProcessLimiter(clock=lambda: now[0])
    await _three_then_refused(limiter, "k")
    now[0] += 61
    assert (await limiter.hit("k", 3, 60)).allowed, "a new window starts afresh"


async def test_redis_counts_are_shared_by_workers(redis_url: str) -> None:
    key = f"test-{uuid.uuid4().hex}"
    first, second = RedisLimiter(redis_url), RedisLimiter(redis_url)
    try:
        await _three_then_refused(first, key)
        assert not (await second.hit(key, 3, 60)).allowed, "another worker sees the count"
        burst = await asyncio.gather(*(second.hit(key + "-b", 10, 60) for _ in range(25)))
        assert sum(d.allowed for d in burst) == 10, "concurrent hits never exceed the limit"
    finally:
        await first.close()
        await second.close()


async def test_redis_unreachable_lets_requests_through() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    try:
        decision = await limiter.hit("k", 1, 60)
        assert decision.allowed
    finally:
        await limiter.close()


async def _peek_then_hit(limiter: InProcessLimiter | RedisLimiter, key: str) -> None:
    assert (await limiter.peek(key, 2)).allowed  # nothing counted yet
    await limiter.hit(key, 2, 60)
    assert (await limiter.peek(key, 2)).allowed  # one of two
    assert (await limiter.peek(key, 2)).allowed  # peeking counts nothing
    await limiter.hit(key, 2, 60)
    barred = await limiter.peek(key, 2)
    assert not barred.allowed and 0 < barred.retry_after <= 60


async def test_in_process_peek_counts_nothing() -> None:
    await _peek_then_hit(InProcessLimiter(), "peek")


async def test_redis_peek_counts_nothing_and_sees_other_workers(redis_url: str) -> None:
    key = f"test-peek-{uuid.uuid4().hex}"
    first, second = RedisLimiter(redis_url), RedisLimiter(redis_url)
    try:
        await _peek_then_hit(first, key)
        assert not (await second.peek(key, 2)).allowed
    finally:
        await first.close()
        await second.close()
