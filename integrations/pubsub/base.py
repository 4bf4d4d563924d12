"""The pub/sub contract every backend fulfils."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class PubSub(Protocol):
    backend: str

    async def publish(self, channel: str, message: bytes) -> None: ...

    async def subscribe(self, channel: str) -> Subscription: ...

    async def ping(self) -> bool:
        """True when the backend can carry messages right now."""
        ...

    async def close(self) -> None: ...
