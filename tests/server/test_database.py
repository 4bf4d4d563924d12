"""The database wiring tells its listeners (the relay) after each commit that wrote outbox
rows, whoever committed: no caller wakes the relay by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel.clock import FrozenClock
from kernel.event_types import EventType
from kernel.events import append_event
from server.database import Database
from tests.conftest import new_territory


@pytest.fixture
def told(database: Database) -> Iterator[list[str]]:
    """What the database told a listener it subscribed for the test."""
    calls: list[str] = []

    def listener() -> None:
        calls.append("events")

    database.on_events_committed(listener)
    yield calls
    database.stop_telling(listener)


async def test_a_commit_that_wrote_events_tells_the_listeners_once(
    database: Database, clock: FrozenClock, told: list[str]
) -> None:
    territory = await new_territory(database, clock)  # writes territory.created
    told.clear()
    async with database.write() as session:
        for n in range(3):
            await append_event(
                session,
                clock,
                territory_id=territory.id,
                type=EventType.ACI_CONTRACT_SAVED,
                actor=None,
                payload={"n": n},
            )
    assert told == ["events"]  # one commit, one call, however many events
    async with database.write() as session:
        await session.get(type(territory), territory.id)  # a write transaction, no event
    async with database.read() as session:
        await session.get(type(territory), territory.id)
    assert told == ["events"]
    with pytest.raises(RuntimeError):
        async with database.write() as session:
            await append_event(
                session,
                clock,
                territory_id=territory.id,
                type=EventType.ACI_CONTRACT_SAVED,
                actor=None,
            )
            raise RuntimeError("rolled back")
    assert told == ["events"]  # nothing committed, nothing told
    if database.has_direct:
        async with database.direct(writes_events=True) as conn:
            await conn.execute("SELECT 1")
        assert told == ["events", "events"]
        async with database.direct() as conn:  # the relay's own: tells no one
            await conn.execute("SELECT 1")
        assert told == ["events", "events"]


async def test_a_savepoint_neither_tells_early_nor_loses_the_events(
    database: Database, clock: FrozenClock, told: list[str]
) -> None:
    territory = await new_territory(database, clock)
    told.clear()
    async with database.write() as session:
        await append_event(
            session,
            clock,
            territory_id=territory.id,
            type=EventType.ACI_CONTRACT_SAVED,
            actor=None,
        )
        async with session.begin_nested():  # released
            pass
        assert told == []  # nothing committed yet
        savepoint = await session.begin_nested()
        await savepoint.rollback()  # rolled back: the outer events still commit
        assert told == []
    assert told == ["events"]
