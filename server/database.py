"""Engines and session factories for the embedded default (SQLite) and scale-out (PostgreSQL).

SQLite gets WAL, foreign keys and a busy timeout on every connection, and writers open their
transaction with BEGIN IMMEDIATE: a deferred transaction that later tries to write can fail with
"database is locked" no matter the timeout, while an immediate one simply queues.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.util.concurrency import await_

from kernel import pg_direct
from kernel.events import EVENTS_WRITTEN
from kernel.statements import WAL_INFO, WRITER_OPTION, sqlite_call

# What the front doors hold a transaction as (they pass it to the use cases, never query it):
# the one name for the session type outside this wiring.
Session = AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = WRITER_OPTION
_BEGIN_PENDING = "cpts_begin_pending"  # connection info: a BEGIN sent that did not return


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    url: str, *, foreign_keys: bool = True, writer: bool = False, **kwargs: Any
) -> AsyncEngine:
    """Create the engine; `foreign_keys=False` is only for SQLite batch migrations, which
    rebuild tables and must not cascade while doing so. On SQLite, `writer` makes the engine
    of the write transactions: one connection, whose transactions open with BEGIN IMMEDIATE."""
    if not is_sqlite(url):
        # Connections kept open per worker: above it, each request opens and closes its own
        # (a TCP and TLS-probe handshake), so size it to the worker's concurrent requests.
        kwargs.setdefault("pool_size", 32)
        kwargs.setdefault("max_overflow", 8)
        # No pre-ping: it costs a round trip per request. A connection lost in a database
        # restart fails its request (503) and is discarded; the pool then reconnects.
        kwargs.setdefault("pool_recycle", 1800)
        return create_async_engine(url, **kwargs)
    _prepare_sqlite_path(url)
    kwargs.pop("pool_size", None)  # readers: the default pool suffices
    kwargs.pop("max_overflow", None)
    if writer:
        # SQLite has one writer: writers queue for its one connection in this process, in
        # order, instead of each holding a connection and polling the file lock (the busy
        # handler sleeps up to 100 ms a try, which made the embedded default's p99 seconds).
        # The busy timeout still covers another process (a CLI command, a migration).
        kwargs |= {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    # SQLAlchemy's reset on return rolls back even after a commit: one hop to aiosqlite's
    # thread per transaction for nothing. Only a connection left inside a transaction (a
    # request cancelled mid-way) needs it.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
        # A BEGIN cancelled while queued still runs after this check: a connection whose
        # BEGIN did not return is rolled back too, behind it in aiosqlite's queue.
        pending = record.info.pop(_BEGIN_PENDING, False)
        if state.asyncio_safe and (
            pending or dbapi_connection.driver_connection._conn.in_transaction
        ):
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        (mode,) = cursor.fetchone()
        # Without WAL (a file system that refuses it), a writer's statement may wait for the
        # readers: the writer then sends everything through aiosqlite's thread.
        _record.info[WAL_INFO] = str(mode).lower() == "wal"
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        writing = conn.get_execution_options().get(_WRITE_OPTION, False)
        driver = conn.connection.driver_connection
        if writing and conn.connection.info.get(WAL_INFO) and _begin_writer(driver._conn):
            return
        # On the driver, in one hop to aiosqlite's thread (through SQLAlchemy's cursor: three).
        begin = "BEGIN IMMEDIATE" if writing else "BEGIN"
        info = conn.connection.info
        info[_BEGIN_PENDING] = True
        try:
            await_(sqlite_call(driver, _run, begin))
        except sqlite3.Error as exc:  # as SQLAlchemy's own BEGIN would raise it (a 503)
            raise sa_exc.OperationalError(begin, None, exc) from exc
        info.pop(_BEGIN_PENDING, None)

    return engine


def _run(conn: sqlite3.Connection, sql: str) -> None:
    conn.execute(sql).close()


def _begin_writer(conn: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE where the transaction runs, when no other process holds the write lock
    (this process's writers queue for the writer engine's one connection before it): the
    writer's one remaining hop before its COMMIT, saved. It does not wait there (busy timeout
    0 for that statement): False when the lock is taken (a CLI command, a migration), and the
    BEGIN then waits for it on aiosqlite's thread, with the connection's busy timeout."""
    try:
        (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
        conn.execute("PRAGMA busy_timeout=0").close()
        try:
            conn.execute("BEGIN IMMEDIATE").close()
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(timeout)}").close()
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:  # BUSY or an extended BUSY_*
            return False
        raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    except sqlite3.Error as exc:  # as the thread's BEGIN would raise it (a 503)
        raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    return True


async def _reset_if_needed(conn: pg_direct.Connection) -> None:
    """Direct connections only run self-contained statements, so there is nothing to reset;
    the default reset would cost a round trip on every release. A connection somehow left in
    a transaction still gets the full reset."""
    if conn.is_in_transaction():
        await conn.execute(conn.get_reset_query())


def _forget_events(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: the outer transaction's events still commit
    session.info.pop(EVENTS_WRITTEN, None)


class Database:
    """The engine and two session factories: readers and writers.

    On PostgreSQL both share one pool; on SQLite the writers have their own engine of one
    connection, where they queue, and open BEGIN IMMEDIATE; readers (WAL) run beside. PostgreSQL
    also gets a small pool of bare asyncpg connections (`direct`) for the one hot path that
    needs neither a session nor a transaction: a plain booking, a single self-contained
    statement (bench/booking.py measures what the session costs there).
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self._pool_size = int(engine_kwargs.get("pool_size", 32))
        self.engine = create_engine(url, **engine_kwargs)
        if is_sqlite(url):
            self._writer_engine = create_engine(url, writer=True, **engine_kwargs)
        else:
            self._writer_engine = self.engine
        writer_engine = self._writer_engine.execution_options(**{_WRITE_OPTION: True})
        self._on_events: list[Callable[[], None]] = []
        # Every session of this database, so that a commit that wrote outbox rows, whoever
        # made it, tells the listeners (the relay) itself: no caller wakes them by hand.
        sessions = type("CptsSession", (OrmSession,), {})
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", _forget_events)
        self.reader = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=sessions
        )
        self.writer = async_sessionmaker(
            writer_engine, expire_on_commit=False, sync_session_class=sessions
        )
        self._direct_pool: pg_direct.Pool | None = None
        self._direct_lock = asyncio.Lock()

    def on_events_committed(self, listener: Callable[[], None]) -> None:
        """Call `listener` (cheap, synchronous) after each commit that wrote outbox rows."""
        self._on_events.append(listener)

    def stop_telling(self, listener: Callable[[], None]) -> None:
        self._on_events.remove(listener)

    def _after_commit(self, session: OrmSession) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: nothing is committed until the outer transaction
        if session.info.pop(EVENTS_WRITTEN, False):
            self._events_committed()

    def _events_committed(self) -> None:
        for listener in self._on_events:
            listener()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def has_direct(self) -> bool:
        return self.backend == "postgresql"

    @asynccontextmanager
    async def direct(self, *, writes_events: bool = False) -> AsyncIterator[pg_direct.Connection]:
        """A bare asyncpg connection in autocommit mode (PostgreSQL only). With
        `writes_events`, what it ran may have appended outbox rows, each statement committed
        on its own: the listeners are told when it is given back, as after a commit."""
        pool = self._direct_pool or await self._open_direct_pool()
        try:
            async with pool.acquire() as conn:
                try:
                    yield conn
                except pg_direct.ProtocolLost:
                    # Its protocol lost track (a server restart mid-statement, seen in the
                    # harness): closed, so that the pool opens a new one instead of lending it.
                    conn.terminate()
                    raise
        finally:
            if writes_events:
                self._events_committed()

    def direct_writing_events(self) -> AbstractAsyncContextManager[pg_direct.Connection]:
        """`direct(writes_events=True)`, as a connection provider (the booking batcher's)."""
        return self.direct(writes_events=True)

    async def _open_direct_pool(self) -> pg_direct.Pool:
        async with self._direct_lock:
            if self._direct_pool is None:
                url = self.engine.url.set(drivername="postgresql")
                self._direct_pool = await pg_direct.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=self._pool_size,
                    reset=_reset_if_needed,
                    # These connections run a handful of statements, prepared once each:
                    # a generic plan spares a re-plan per execution (bench/booking_statement.py).
                    server_settings={"plan_cache_mode": "force_generic_plan"},
                )
            return self._direct_pool

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed on success, rolled back on any exception."""
        async with self.writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.reader() as session, session.begin():
            yield session

    async def analyze(self, *tables: str) -> None:
        """Refresh the planner's statistics of tables just bulk-loaded (autovacuum lags a minute).

        A generic plan made without statistics on `slots` looks the booking's slot up through
        the open-slots index instead of the primary key (1.5 ms instead of 0.6 ms per booking
        statement, bench/booking.py). Analyzing a table while it is still empty is as harmful:
        its foreign-key checks then plan sequential scans, so name only the tables loaded.
        """
        async with self.write() as session:
            for table in tables:
                await session.execute(text(f'ANALYZE "{table}"'))

    async def dispose(self) -> None:
        if self._direct_pool is not None:
            await self._direct_pool.close()
            self._direct_pool = None
        await self.engine.dispose()
        if self._writer_engine is not self.engine:
            await self._writer_engine.dispose()
