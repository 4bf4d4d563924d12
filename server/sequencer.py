"""The outbox sequencer of one worker: gives committed events their sequence, soon after
they commit. It does nothing else: delivering them is the hub's (server/live/hub.py), told
through `on_sequenced` after each round.

Woken by the database after every commit of this worker that wrote events (the commit hook,
server/database.py), and by a short poll for events other workers or commands wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from kernel.events import assign_sequence_direct
from server.database import Database

log = logging.getLogger("cpts.sequencer")


class OutboxSequencer:
    def __init__(
        self,
        db: Database,
        poll_seconds: float = 1.0,
        batch: int = 5000,
        min_interval_seconds: float = 0.02,
        on_sequenced: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._on_sequenced = on_sequenced
        self._db = db
        self._poll = poll_seconds
        self._min_interval = min_interval_seconds
        self._batch = batch
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Called by the database after each commit that wrote events (`run` subscribes it):
        cheap, and safe from any coroutine."""
        self._wakeup.set()

    async def drain(self) -> int:
        """Sequence everything pending now; returns how many events were sequenced."""
        total = 0
        while True:
            if not self._db.has_direct:
                return 0  # SQLite: each writer sequences its own events; no write lock to take
            async with self._db.direct() as conn:
                done = await assign_sequence_direct(conn, self._batch)
            total += done
            if done < self._batch:
                return total

    async def run(self) -> None:
        self._db.on_events_committed(self.wake)
        try:
            await self._loop()
        finally:
            self._db.stop_telling(self.wake)

    async def _loop(self) -> None:
        while True:
            woken = False
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancel that lands
            # in the same step as a wake-up, and shutdown then waits forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    woken = await self._wakeup.wait()
            self._wakeup.clear()
            try:
                done = await self.drain()
                # SQLite sequences at write time (done is 0): a local commit is news too.
                if (done or woken) and self._on_sequenced is not None:
                    await self._on_sequenced()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sequencing failed; retrying")
                await asyncio.sleep(self._poll)
            # Under load commits wake the relay continuously; pausing a few milliseconds lets
            # one sequencing transaction take a batch instead of one event each.
            await asyncio.sleep(self._min_interval)
