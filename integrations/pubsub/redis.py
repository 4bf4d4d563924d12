"""Redis pub/sub for several workers: fire-and-forget copies of outbox events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError


class _RedisSubscription:
    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for message in self._pubsub.listen():
            if message.get("type") == "message":
                yield message["data"]

    async def close(self) -> None:
        await self._pubsub.aclose()


class RedisPubSub:
    backend = "redis"

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url, socket_connect_timeout=2, health_check_interval=15)

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(channel, message)

    async def subscribe(self, channel: str) -> _RedisSubscription:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(channel)
        return _RedisSubscription(pubsub)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()
