"""Prepared statements: the same values in and out as through SQLAlchemy, inside the session's
transaction, and SQLAlchemy's errors, a lost connection included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from coordination.directory.territory import Territory
from kernel import statements
from kernel.clock import FrozenClock
from kernel.events import Event
from kernel.statements import Prepared, insert_row
from server.database import Database
from server.migrations import upgrade
from tests.conftest import PG_ADMIN_URL, new_territory

_INSERT = insert_row(Event.__table__, skip=("id",))  # type: ignore[arg-type]
_READ = Prepared(
    select(Event.territory_id, Event.occurred_at, Event.payload, Event.actor_account_id).where(
        Event.type == bindparam("type")
    )
)
_INSERT_WITH_ID = Prepared(
    insert(Event).values(
        id=bindparam("id"),
        territory_id=bindparam("territory_id"),
        type="test.fixed",  # a constant the statement binds itself
        occurred_at=bindparam("occurred_at"),
        payload=bindparam("payload"),
    )
)


def _values(territory: Territory, kind: str) -> dict[str, object]:
    return {
        "territory_id": territory.id,
        "seq": None,
        "type": kind,
        "occurred_at": datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC),
        "actor_account_id": None,
        "subject_id": uuid.uuid4(),
        "payload": {"é": [1, "deux", None], "n": 3.5},
    }


async def test_a_row_written_and_read_as_sqlalchemy_would(
    database: Database, territory: Territory
) -> None:
    kind = f"test.{uuid.uuid4().hex[:8]}"
    values = _values(territory, kind)
    async with database.write() as session:
        assert await statements.execute(session, _INSERT, **values) == 1
    async with database.read() as session:
        orm = (await session.execute(select(Event).where(Event.type == kind))).scalar_one()
        row = await statements.fetchrow(session, _READ, type=kind)
    assert (orm.territory_id, orm.occurred_at, orm.payload) == (
        territory.id,
        values["occurred_at"],
        values["payload"],
    )
    assert orm.subject_id == values["subject_id"]
    assert row == (territory.id, values["occurred_at"], values["payload"], None)


async def test_it_runs_inside_the_sessions_transaction(
    database: Database, territory: Territory
) -> None:
    kind = f"test.{uuid.uuid4().hex[:8]}"

    class _Abort(Exception):
        pass

    with pytest.raises(_Abort):
        async with database.write() as session:
            await statements.execute(session, _INSERT, **_values(territory, kind))
            # the ORM, on the same transaction, sees the row already
            count = select(func.count()).select_from(Event).where(Event.type == kind)
            assert (await session.execute(count)).scalar_one() == 1
            raise _Abort
    async with database.read() as session:
        assert await statements.fetch(session, _READ, type=kind) == []


async def test_constants_the_statement_binds_itself_and_a_constraint_error(
    database: Database, territory: Territory
) -> None:
    async with database.write() as session:
        (largest,) = (await session.execute(select(func.max(Event.id)))).one()
    event_id = int(largest or 0) + 10_000_000
    values = {"territory_id": territory.id, "occurred_at": datetime.now(UTC), "payload": {}}
    async with database.write() as session:
        await statements.execute(session, _INSERT_WITH_ID, id=event_id, **values)
        stored = await session.get(Event, event_id)
        assert stored is not None and stored.type == "test.fixed"
    with pytest.raises(sa_exc.IntegrityError):
        async with database.write() as session:
            await statements.execute(session, _INSERT_WITH_ID, id=event_id, **values)


async def test_a_missing_value_is_named(database: Database, territory: Territory) -> None:
    async with database.write() as session:
        with pytest.raises(KeyError, match="payload"):
            await statements.execute(
                session, _INSERT_WITH_ID, id=1, territory_id=territory.id, occurred_at=None
            )


_PID = Prepared(select(func.pg_backend_pid()))


@pytest.mark.parametrize("first", [False, True], ids=["after-a-statement", "at-begin"])
async def test_a_lost_postgresql_connection_is_invalidated_and_the_rollback_succeeds(
    first: bool,
) -> None:
    """The server kills the backend under the statement (a restart, a failover): the caller
    gets SQLAlchemy's disconnect error and the session's rollback does not fail on the dead
    connection (which turned a 503 into a 500 in bench.harness's fault runs). SQLAlchemy's
    asyncpg adapter opens the transaction at the first statement: on the driver path that
    BEGIN is ours (`first`), and its failure is a disconnect like any other."""
    engine = create_async_engine(PG_ADMIN_URL, pool_size=2, max_overflow=0)
    try:
        session = AsyncSession(engine)
        await session.begin()
        if first:
            raw = await (await session.connection()).get_raw_connection()
            backend = raw.driver_connection.get_server_pid()  # type: ignore[union-attr]
        else:
            backend = await statements.scalar(session, _PID)
        async with engine.connect() as other:
            await other.execute(select(func.pg_terminate_backend(backend)))
        with pytest.raises(sa_exc.DBAPIError) as raised:
            await statements.scalar(session, _PID)
        assert raised.value.connection_invalidated
        await session.rollback()
        await session.close()
        async with AsyncSession(engine) as fresh, fresh.begin():  # the pool recovered
            assert await statements.scalar(fresh, _PID) != backend
    finally:
        await engine.dispose()


async def test_on_sqlite_the_writer_runs_its_statements_without_a_hop(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writer's BEGIN IMMEDIATE (no other process holding the lock) and, once it holds the
    # one write lock, its statements run where its transaction runs, not through aiosqlite's
    # thread (each hop held the lock while the event loop got round to it). A reader's still
    # hop, beside the writer; another process's lock: tests/server/test_database.py.
    import aiosqlite

    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}"
    await upgrade(url)
    database = Database(url)
    try:
        territory = await new_territory(database, clock)
        hops: list[str] = []
        real = aiosqlite.Connection._execute

        async def counted(
            self: aiosqlite.Connection, fn: object, *args: object, **kwargs: object
        ) -> object:
            hops.append(getattr(fn, "__name__", str(fn)))
            return await real(self, fn, *args, **kwargs)  # type: ignore[arg-type]

        kind = f"test.{uuid.uuid4().hex[:8]}"
        async with database.write() as session:  # the writer's connection made, before counting
            await statements.fetch(session, _READ, type=kind)
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        async with database.write() as session:  # BEGIN IMMEDIATE where it runs too
            assert await statements.execute(session, _INSERT, **_values(territory, kind)) == 1
            assert len(await statements.fetch(session, _READ, type=kind)) == 1
            assert hops == [], "the writer's BEGIN or statements hopped"
        assert hops == ["commit"], "the COMMIT alone hops (a checkpoint may follow it)"
        async with database.read() as session:
            hops.clear()
            assert len(await statements.fetch(session, _READ, type=kind)) == 1
            assert hops, "a reader's statement runs on aiosqlite's thread"
    finally:
        await database.dispose()
