"""The database wiring tells its listeners (the relay) after each commit that wrote outbox
rows, whoever committed: no caller wakes the relay by hand. On SQLite, writers queue in order
for the one writer connection while readers run beside them."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.util.concurrency import greenlet_spawn

from kernel.clock import FrozenClock
from kernel.event_types import EventType
from kernel.events import Event, append_event
from kernel.statements import sqlite_call
from server.database import Database, Session
from server.migrations import upgrade
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


def _run(conn: sqlite3.Connection, script: str) -> None:
    conn.executescript(script)


async def _write_one(
    session: Session, clock: FrozenClock, territory_id: uuid.UUID, n: int = 0
) -> None:
    await append_event(
        session,
        clock,
        territory_id=territory_id,
        type=EventType.TERRITORY_HOLD_LIMIT_CHANGED,
        actor=None,
        payload={"n": n},
    )


async def test_a_reader_is_not_held_up_by_an_open_write_transaction(
    database: Database, clock: FrozenClock
) -> None:
    territory = await new_territory(database, clock)
    async with database.write() as session:
        await _write_one(session, clock, territory.id)
        async with database.read() as reader:  # WAL on SQLite: the last committed state
            seen = await asyncio.wait_for(
                reader.scalar(
                    select(func.count())
                    .select_from(Event)
                    .where(Event.territory_id == territory.id)
                ),
                timeout=5,
            )
    assert seen == 1  # territory.created only: the open transaction's event is not visible


async def test_sqlite_writers_queue_in_order_without_a_lock_error(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """Twenty writers arrive while one holds the write transaction: each waits its turn for
    the writer connection (none fails with "database is locked", none polls the file lock)
    and they commit in the order they arrived."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'queue.sqlite3'}"
    await upgrade(url)
    database = Database(url)
    try:
        territory = await new_territory(database, clock)
        committed: list[int] = []

        async def writer(n: int) -> None:
            async with database.write() as session:
                await _write_one(session, clock, territory.id, n)
            committed.append(n)

        async with database.write() as first:
            await _write_one(first, clock, territory.id)
            waiting = []
            for n in range(20):
                waiting.append(asyncio.create_task(writer(n)))
                await asyncio.sleep(0)  # each arrives after the one before
            await asyncio.sleep(0.2)
            assert committed == []  # all queued behind the open transaction
        await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
        assert committed == list(range(20))
    finally:
        await database.dispose()


async def test_a_sqlite_connection_given_back_inside_a_transaction_is_rolled_back(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """The pool skips the rollback after a commit (a hop to aiosqlite's thread for nothing)
    but still rolls back a connection given back inside a transaction: the next writer gets
    the write lock and sees none of what was left."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'reset.sqlite3'}"
    await upgrade(url)
    database = Database(url)
    try:
        territory = await new_territory(database, clock)
        writers = database.writer.kw["bind"]  # the writers' engine: its pool of one
        raw = await writers.raw_connection()
        sqlite = raw.driver_connection._conn  # type: ignore[union-attr]
        await sqlite_call(raw.driver_connection, _run, "BEGIN IMMEDIATE; DELETE FROM events")
        assert sqlite.in_transaction
        await greenlet_spawn(raw.close)  # back to the pool inside its transaction
        assert not sqlite.in_transaction
        async with asyncio.timeout(5), database.write() as other:
            await _write_one(other, clock, territory.id, 8)
        async with database.read() as reader:
            payloads = await reader.scalars(
                select(Event.payload).where(Event.territory_id == territory.id)
            )
            assert [p.get("n") for p in payloads] == [None, 8]  # nothing was deleted
    finally:
        await database.dispose()


async def _sqlite_database(tmp_path: Path, name: str) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / name}"
    await upgrade(url)
    return Database(url)


async def _set_busy_timeout(database: Database, ms: int) -> None:
    raw = await database.writer.kw["bind"].raw_connection()
    await sqlite_call(raw.driver_connection, _run, f"PRAGMA busy_timeout={ms}")
    await greenlet_spawn(raw.close)


async def test_a_locked_sqlite_begin_is_sqlalchemy_s_operational_error(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """Another process holds the write lock past the busy timeout: the BEGIN IMMEDIATE sent
    on the driver fails as SQLAlchemy's own would (a 503 for the problem handlers)."""
    database = await _sqlite_database(tmp_path, "locked.sqlite3")
    other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    try:
        await _set_busy_timeout(database, 50)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="locked"):
            async with database.write() as session:
                await session.execute(select(func.count()).select_from(Event))
        other.execute("ROLLBACK")
        async with database.write() as session:  # the writer connection is fine after it
            await session.execute(select(func.count()).select_from(Event))
    finally:
        other.close()
        await database.dispose()


async def test_a_write_cancelled_in_its_begin_leaves_no_transaction_behind(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """The BEGIN still runs in aiosqlite's thread after its caller was cancelled; the pool
    rolls it back behind it, so the idle writer connection holds no write lock."""
    database = await _sqlite_database(tmp_path, "cancel.sqlite3")
    other = sqlite3.connect(tmp_path / "cancel.sqlite3", isolation_level=None, timeout=5)
    try:
        await _set_busy_timeout(database, 1000)
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with database.write() as session:
                await session.execute(select(func.count()).select_from(Event))

        task = asyncio.create_task(write())
        await asyncio.sleep(0.2)  # its BEGIN IMMEDIATE waits for the lock
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        other.execute("ROLLBACK")
        await asyncio.sleep(0.3)  # the BEGIN has run by now
        async with asyncio.timeout(5), database.write() as session:
            await session.execute(select(func.count()).select_from(Event))
        other.execute("BEGIN IMMEDIATE")  # nobody else holds the lock
        other.execute("ROLLBACK")
    finally:
        other.close()
        await database.dispose()
