"""The sequencer sequences events written through the API shortly after they commit."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from litestar import Litestar
from sqlalchemy import select

from kernel.clock import FrozenClock
from kernel.events import Event
from server.database import Database
from server.sequencer import OutboxSequencer
from tests.conftest import login
from tests.server.scheduling_helpers import fresh_start, gp_session, publish_slot


async def test_relay_sequences_after_commit(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    # Polling only every minute: what sequences the slot's event within the 2 s below is the
    # commit itself waking the sequencer (no one calls wake).
    sequencer = OutboxSequencer(database, poll_seconds=60, min_interval_seconds=0)
    runner = asyncio.create_task(sequencer.run())
    try:
        await asyncio.sleep(0)  # the sequencer subscribes
        gp, _ = await gp_session(client, 1)
        slot = await publish_slot(client, gp, fresh_start(clock))
        for _ in range(100):
            async with database.read() as session:
                seq = await session.scalar(
                    select(Event.seq).where(Event.subject_id == uuid.UUID(slot["id"]))
                )
            if seq is not None:
                break
            await asyncio.sleep(0.02)
        assert seq is not None
        assert await login(client, "gp1@sud-yvelines.test")
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_a_cancel_next_to_a_wake_up_stops_the_relay() -> None:
    """On Python 3.11 `asyncio.wait_for` dropped a cancel landing with a wake-up, and the
    app's shutdown then waited forever for the sequencer (and the hub, which waits the same way)."""
    from server.sequencer import OutboxSequencer

    class NoDatabase:
        has_direct = False  # nothing to sequence: the sequencer only waits and wakes

    for _ in range(10):
        sequencer = OutboxSequencer(NoDatabase(), poll_seconds=5)  # type: ignore[arg-type]
        task = asyncio.create_task(sequencer.run())
        await asyncio.sleep(0.01)
        sequencer.wake()
        task.cancel()
        await asyncio.sleep(0.05)
        assert task.done(), "the sequencer ignored its cancellation"
