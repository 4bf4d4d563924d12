"""The outbox: gapless per-territory sequences, even under concurrent writers, and atomicity."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from coordination.directory.territory import Territory
from kernel.clock import FrozenClock
from kernel.events import Event, append_event, events_since
from server.database import Database


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
            return event.seq

    seqs = await asyncio.gather(*(one(i) for i in range(40)))
    assert sorted(seqs) == list(range(2, 42))  # seq 1 is territory.created
    async with database.read() as session:
        replay = await events_since(session, territory.id, 0)
    assert [e.seq for e in replay] == list(range(1, 42))
    assert replay[0].type == "territory.created"


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
        kept = await append_event(
            session, clock, territory_id=territory.id, type="test.kept", actor=None
        )
    assert kept.seq == 2
    async with database.read() as session:
        types = list(
            await session.scalars(
                select(Event.type).where(Event.territory_id == territory.id).order_by(Event.seq)
            )
        )
        count = await session.scalar(
            select(func.count()).select_from(Event).where(Event.type == "test.lost")
        )
    assert types == ["territory.created", "test.kept"]
    assert count == 0


async def test_sequences_are_per_territory(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    async with database.write() as session:
        other = await session.scalar(select(Territory).where(Territory.slug == "sud-yvelines"))
        assert other is not None
        before = await session.scalar(
            select(func.max(Event.seq)).where(Event.territory_id == other.id)
        )
        await append_event(session, clock, territory_id=territory.id, type="test.mine", actor=None)
        after = await session.scalar(
            select(func.max(Event.seq)).where(Event.territory_id == other.id)
        )
    assert before == after
