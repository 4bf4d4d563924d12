"""In-process pub/sub: the embedded default, one asyncio queue per subscriber."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

_CLOSED = object()


class _MemorySubscription:
    def __init__(self, owner: InProcessPubSub, channel: str, maxsize: int) -> None:
        self._owner = owner
        self._channel = channel
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self.queue.get()
            if item is _CLOSED:
                return
            assert isinstance(item, bytes)
            yield item

    async def close(self) -> None:
        self._owner._drop(self._channel, self)
        if self.queue.full():
            # Overflowed: what is queued is stale anyway, the subscriber must resync.
            while not self.queue.empty():
                self.queue.get_nowait()
        self.queue.put_nowait(_CLOSED)


class InProcessPubSub:
    backend = "memory"

    def __init__(self, maxsize: int = 10_000) -> None:
        self._subs: dict[str, set[_MemorySubscription]] = defaultdict(set)
        self._maxsize = maxsize

    async def publish(self, channel: str, message: bytes) -> None:
        for sub in list(self._subs.get(channel, ())):
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:
                # A stuck subscriber must not stall publishers; it resyncs from the outbox.
                await sub.close()

    async def subscribe(self, channel: str) -> _MemorySubscription:
        sub = _MemorySubscription(self, channel, self._maxsize)
        self._subs[channel].add(sub)
        return sub

    def _drop(self, channel: str, sub: _MemorySubscription) -> None:
        subs = self._subs.get(channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[channel]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        for channel in list(self._subs):
            for sub in list(self._subs.get(channel, ())):
                await sub.close()
