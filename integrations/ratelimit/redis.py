"""Counts shared by every worker: INCR and a first-hit expiry in one round trip.

When Redis cannot be reached the limiter lets the request through and says so in the log:
refusing every login because the counter is down would turn a cache outage into an outage.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from integrations.ratelimit.base import Decision

log = logging.getLogger("cpts.ratelimit")
_PREFIX = "cpts:rl:"


class RedisLimiter:
    backend = "redis"

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        name = _PREFIX + key
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning(
                "rate limit store unreachable (%s): request let through", type(exc).__name__
            )
            return Decision(True, limit, 0)
        if int(count) > limit:
            return Decision(False, 0, max(1, int(ttl)))
        return Decision(True, limit - int(count), 0)

    async def peek(self, key: str, limit: int) -> Decision:
        name = _PREFIX + key
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(name)
                pipe.ttl(name)
                count, ttl = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limit store unreachable (%s): let through", type(exc).__name__)
            return Decision(True, limit, 0)
        hits = int(count or 0)
        if hits < limit:
            return Decision(True, limit - hits, 0)
        return Decision(False, 0, max(1, int(ttl)))

    async def close(self) -> None:
        await self._redis.aclose()
