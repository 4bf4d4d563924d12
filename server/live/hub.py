"""One hub per worker: reads newly sequenced outbox events once per territory and hands each
to the local sockets that may see it.

The database is the source: a wake-up (a local signal after this worker's commits, a pub/sub
message from the worker that sequenced, or a one-second poll) only says "look again". So a
Redis outage delays events by at most the poll, and loses none; and N sockets of a territory
cost one query per batch, not N.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from integrations.pubsub import PubSub
from kernel.events import Event, events_after, last_sequenced
from server.database import Database
from server.live.visibility import BOARD, board_view

log = logging.getLogger("cpts.live")
WAKE_CHANNEL = "cpts:events"
BATCH = 1000


_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class Envelope:
    seq: int
    type: str
    at: datetime
    actor_account_id: str | None
    data: dict[str, Any]
    _wire: dict[str, bytes] = field(default_factory=dict)

    def wire(self, view: str) -> bytes:
        """The JSON sent for this view, encoded once however many sockets receive it."""
        encoded = self._wire.get(view)
        if encoded is None:
            data = board_view(self.data) if view == BOARD else self.data
            encoded = _encode({"seq": self.seq, "type": self.type, "at": self.at, "data": data})
            self._wire[view] = encoded
        return encoded


def envelope_of(e: Event) -> Envelope:
    assert e.seq is not None
    return Envelope(
        seq=e.seq,
        type=e.type,
        at=e.occurred_at,
        actor_account_id=str(e.actor_account_id) if e.actor_account_id else None,
        data=e.payload,
    )


RESYNC = "resync"  # mailbox markers: the socket fell behind / the server is going away
CLOSING = "closing"


@dataclass(eq=False)
class Listener:
    """A socket's mailbox: bounded, so one slow reader cannot hold the hub's memory. When it
    overflows, what it holds is dropped for a RESYNC marker: the client reconnects from the
    last seq it got, and the outbox replays the rest."""

    territory_id: uuid.UUID
    maxsize: int = 1000
    queue: asyncio.Queue[Envelope | str] = field(init=False)
    overflowed: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.maxsize + 1)  # + room for one marker

    def offer(self, envelope: Envelope) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= self.maxsize:
            self.overflowed = True
            self._replace_with(RESYNC)
        else:
            self.queue.put_nowait(envelope)

    def close(self) -> None:
        self._replace_with(CLOSING)

    def _replace_with(self, marker: str) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(marker)


async def fetch_after(
    db: Database, territory_id: uuid.UUID, after: int, limit: int = BATCH
) -> list[Envelope]:
    async with db.read() as session:
        return [envelope_of(e) for e in await events_after(session, territory_id, after, limit)]


async def last_seq(db: Database, territory_id: uuid.UUID) -> int:
    async with db.read() as session:
        return await last_sequenced(session, territory_id)


class Hub:
    def __init__(
        self, db: Database, pubsub: PubSub, poll_seconds: float = 1.0, queue_size: int = 1000
    ) -> None:
        self.queue_size = queue_size
        self._db = db
        self._pubsub = pubsub
        self._poll = poll_seconds
        self._listeners: dict[uuid.UUID, set[Listener]] = {}
        self._cursor: dict[uuid.UUID, int] = {}
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self.closing = asyncio.Event()  # set at shutdown: sockets close with 1001
        self.sockets_of: Counter[uuid.UUID] = Counter()  # open sockets per account

    def shut(self) -> None:
        self.closing.set()
        for group in self._listeners.values():
            for listener in group:
                listener.close()

    def wake(self) -> None:
        self._wakeup.set()

    async def announce(self) -> None:
        """Tell every worker (this one included) that new events are sequenced."""
        self.wake()
        try:
            await self._pubsub.publish(WAKE_CHANNEL, b"1")
        except Exception as exc:  # noqa: BLE001 - any broker failure: the poll covers it
            log.warning("live wake-up not published: %s", type(exc).__name__)

    async def attach(self, territory_id: uuid.UUID) -> tuple[Listener, int]:
        """Register a mailbox; returns it and the seq after which live events will arrive."""
        async with self._lock:
            if territory_id not in self._cursor:
                self._cursor[territory_id] = await last_seq(self._db, territory_id)
            listener = Listener(territory_id, self.queue_size)
            self._listeners.setdefault(territory_id, set()).add(listener)
            return listener, self._cursor[territory_id]

    def detach(self, listener: Listener) -> None:
        group = self._listeners.get(listener.territory_id)
        if group is not None:
            group.discard(listener)

    @property
    def sockets(self) -> int:
        return sum(len(g) for g in self._listeners.values())

    async def dispatch_once(self) -> int:
        """Read what is new for every territory with listeners and offer it to them."""
        delivered = 0
        async with self._lock:
            for territory_id, group in list(self._listeners.items()):
                if not group:
                    del self._listeners[territory_id]
                    self._cursor.pop(territory_id, None)
                    continue
                while True:
                    batch = await fetch_after(self._db, territory_id, self._cursor[territory_id])
                    for envelope in batch:
                        for listener in list(group):
                            listener.offer(envelope)
                        delivered += 1
                    if batch:
                        self._cursor[territory_id] = batch[-1].seq
                    if len(batch) < BATCH:
                        break
        return delivered

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancel that
                # lands in the same step as a wake-up, and shutdown then waits forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wakeup.wait()
                self._wakeup.clear()
                if not self._listeners:
                    continue
                try:
                    await self.dispatch_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("live dispatch failed; retrying")
                    await asyncio.sleep(self._poll)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _listen(self) -> None:
        """Wake-ups from other workers, resubscribing after a broker outage."""
        while True:
            try:
                subscription = await self._pubsub.subscribe(WAKE_CHANNEL)
                try:
                    async for _ in subscription:
                        self.wake()
                finally:
                    await subscription.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - broker down: the poll carries on meanwhile
                log.warning("live wake-ups unavailable: %s; retrying", type(exc).__name__)
            await asyncio.sleep(self._poll)
