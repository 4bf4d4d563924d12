"""The outbox: gapless per-territory sequences, even under concurrent writers, and atomicity."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from coordination.directory.territory import Territory
from kernel.clock import FrozenClock
from kernel.events import Event, append_event, assign_sequence, events_since
from server.database import Database


async def _sequence(database: Database) -> None:
    async with database.write() as session:
        await assign_sequence(session)


async def test_concurrent_appends_get_distinct_gapless_sequence(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    async def one(i: int) -> int:
        async with database.write() as session:
            event = await append_event(
                session,
                clock,
                territory_id=territory.id,
                type="test.ping",
                actor=None,
                payload={"i": i},
            )
            return event.id

    ids = await asyncio.gather(*(one(i) for i in range(40)))
    assert len(set(ids)) == 40
    await _sequence(database)
    async with database.read() as session:
        replay = await events_since(session, territory.id, 0)
    assert [e.seq for e in replay] == list(range(1, 42))  # seq 1 is territory.created
    assert replay[0].type == "territory.created"
    assert sorted(e.payload["i"] for e in replay[1:]) == list(range(40))


async def test_sequencing_while_writers_commit_never_leaves_gaps(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    """Readers resuming after N see N+1, N+2… whatever the interleaving of commits."""
    seen: list[int] = []

    async def writer(i: int) -> None:
        async with database.write() as session:
            await append_event(session, clock, territory_id=territory.id, type="test.w", actor=None)
        if i % 5 == 0:
            await _sequence(database)

    async def reader() -> None:
        for _ in range(30):
            async with database.read() as session:
                after = seen[-1] if seen else 0
                seen.extend(
                    e.seq for e in await events_since(session, territory.id, after) if e.seq
                )
            await asyncio.sleep(0.005)

    await asyncio.gather(reader(), *(writer(i) for i in range(60)))
    await _sequence(database)
    async with database.read() as session:
        seen.extend(
            e.seq
            for e in await events_since(session, territory.id, seen[-1] if seen else 0)
            if e.seq
        )
    assert seen == list(range(1, 62))


async def test_rolled_back_change_leaves_no_event_and_no_gap(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    with pytest.raises(RuntimeError):
        async with database.write() as session:
            await append_event(
                session, clock, territory_id=territory.id, type="test.lost", actor=None
            )
            raise RuntimeError("boom")
    async with database.write() as session:
        await append_event(session, clock, territory_id=territory.id, type="test.kept", actor=None)
    await _sequence(database)
    async with database.read() as session:
        rows = list(
            (
                await session.execute(
                    select(Event.seq, Event.type)
                    .where(Event.territory_id == territory.id)
                    .order_by(Event.seq)
                )
            ).all()
        )
        lost = await session.scalar(
            select(func.count()).select_from(Event).where(Event.type == "test.lost")
        )
    assert [tuple(r) for r in rows] == [(1, "territory.created"), (2, "test.kept")]
    assert lost == 0


async def test_sequences_are_per_territory(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    await _sequence(database)
    async with database.read() as session:
        other = await session.scalar(select(Territory).where(Territory.slug == "sud-yvelines"))
        assert other is not None
        before = await session.scalar(
            select(func.max(Event.seq)).where(Event.territory_id == other.id)
        )
    async with database.write() as session:
        await append_event(session, clock, territory_id=territory.id, type="test.mine", actor=None)
    await _sequence(database)
    async with database.read() as session:
        after = await session.scalar(
            select(func.max(Event.seq)).where(Event.territory_id == other.id)
        )
        mine = await session.scalar(
            select(func.max(Event.seq)).where(Event.territory_id == territory.id)
        )
    assert before == after
    assert mine == 2
