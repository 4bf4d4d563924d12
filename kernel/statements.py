"""Statements built and compiled once, run on the driver connection of a session's transaction.

The use cases' hot statements (a request, a hold, a booking, a cancellation...) are the same on
every call; only their values change. Through the ORM or Core, each execution still pays for a
cache key over the statement's tree, an execution context, result processing and, for ORM
entities, the unit of work and identity map: 2 to 3 ms of server CPU per call in the regulator's
journey, for well under 1 ms of work (bench/booking.py --journeys, README "Benchmarks").

A `Prepared` statement is compiled once per dialect into its SQL, the order of its positional
parameters and the type conversions SQLAlchemy itself would apply to them and to the rows (so a
UUID, an instant or a JSON payload reads and writes the same either way). `fetch`, `fetchrow`,
`scalar` and `execute` run it on the driver's own connection (asyncpg, or aiosqlite on SQLite),
inside the transaction the session has opened: the front door's commit or rollback covers it
like any other statement, and errors come out as SQLAlchemy's (IntegrityError for a constraint,
OperationalError for a database away or a lost race), so callers and the problem handlers tell
them apart as before. The driver's own statement cache keeps each one prepared per connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Column, Table, Uuid, bindparam, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.sqltypes import NullType

from kernel import pg_direct

_Processor = Callable[[Any], Any] | None
Row = tuple[Any, ...]

_DRIVER = "cpts_driver"  # session.info: the driver connection of the current transaction
# The execution option of the writers' engine (server/database.py): on SQLite, the one
# connection that opens BEGIN IMMEDIATE.
WRITER_OPTION = "cpts_writer"
WAL_INFO = "cpts_wal"  # connection info: the SQLite connection is in WAL mode


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # positional parameters, in order
    constants: dict[str, Any]  # literal values the statement binds itself (enums, NULLs)
    binds: tuple[_Processor, ...]  # per position
    results: tuple[_Processor, ...]  # per result column
    fixed: tuple[Any, ...]  # the constants already converted, None where a value is needed


class Prepared:
    """One statement, compiled once for each dialect it runs on. Given a function instead,
    it builds the statement at its first use (a table of another context, found by name in
    the metadata, may not be declared yet at import)."""

    __slots__ = ("_build", "_by_dialect", "_statement")

    def __init__(self, statement: Executable | Callable[[], Executable]) -> None:
        self._statement = statement if isinstance(statement, Executable) else None
        self._build = None if isinstance(statement, Executable) else statement
        self._by_dialect: dict[str, _Compiled] = {}

    @property
    def statement(self) -> Executable:
        if self._statement is None:
            assert self._build is not None
            self._statement = self._build()
        return self._statement

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return found

    def sql(self, dialect: Dialect) -> str:
        return self.compiled(dialect).sql


def bind_type(column: Column[Any]) -> Any:
    """The type a bind parameter for `column` needs. A foreign key declared without a type
    has none (NullType) until SQLAlchemy resolves it against the referenced table, which may
    be imported later or never in this process; SQLite then receives a raw `uuid.UUID` and
    refuses it. Every foreign key of ours points at a UUID primary key."""
    if isinstance(column.type, NullType):
        assert column.foreign_keys, f"{column} has no type"
        return Uuid()
    return column.type


def column_binds(
    table: Table, prefix: str = "", skip: tuple[str, ...] = ()
) -> dict[str, BindParameter[Any]]:
    """A typed bind parameter per column (named `prefix` + the column's name)."""
    return {
        c.name: bindparam(prefix + c.name, type_=bind_type(c))
        for c in table.columns
        if c.name not in skip
    }


def insert_row(table: Table, skip: tuple[str, ...] = ()) -> Prepared:
    """INSERT of one row given every column (but `skip`, left to their defaults) by name."""
    return Prepared(insert(table).values(column_binds(table, skip=skip)))


def _processor(type_: Any, dialect: Dialect, kind: str) -> _Processor:
    impl = type_.dialect_impl(dialect)
    if kind == "bind":
        processor: _Processor = impl.bind_processor(dialect)
        return processor
    result: _Processor = impl.result_processor(dialect, None)
    return result


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())  # qmark (SQLite) repeats a name per use
    binds: list[_Processor] = []
    for name in names:
        bind = compiled.binds[name]
        assert not bind.expanding, f"{name}: an expanding IN has no fixed SQL"
        binds.append(_processor(bind.type, dialect, "bind"))
    constants = {
        name: compiled.binds[name].value
        for name in names
        if not compiled.binds[name].required and compiled.binds[name].callable is None
    }
    fixed = tuple(
        (proc(constants[n]) if proc else constants[n]) if n in constants else None
        for n, proc in zip(names, binds, strict=True)
    )
    columns = getattr(statement, "exported_columns", ())
    results = tuple(_processor(c.type, dialect, "result") for c in columns)
    return _Compiled(str(compiled), names, constants, tuple(binds), results, fixed)


def _arguments(c: _Compiled, values: Mapping[str, Any]) -> list[Any]:
    args = list(c.fixed)
    for i, name in enumerate(c.names):
        if name in c.constants and name not in values:
            continue
        try:
            value = values[name]
        except KeyError:
            raise KeyError(f"no value for the bind parameter {name!r}") from None
        proc = c.binds[i]
        args[i] = proc(value) if proc is not None and value is not None else value
    return args


def _row(c: _Compiled, row: Sequence[Any]) -> Row:
    if not any(c.results):
        return tuple(row)
    return tuple(
        proc(value) if proc is not None else value
        for proc, value in zip(c.results, row, strict=False)
    )


class _Driver:
    """The driver connection of one transaction, and how to run a statement on it."""

    __slots__ = ("conn", "connection", "dialect", "transaction")

    def __init__(
        self, dialect: Dialect, connection: AsyncConnection, conn: Any, transaction: Any
    ) -> None:
        self.dialect, self.connection, self.conn = dialect, connection, conn
        self.transaction = transaction

    async def fetch(self, c: _Compiled, args: list[Any]) -> list[Sequence[Any]]:
        raise NotImplementedError

    async def execute(self, c: _Compiled, args: list[Any]) -> int:
        raise NotImplementedError

    async def _lost(self, sql: str, exc: BaseException) -> sa_exc.DBAPIError:
        """The connection died under the statement: SQLAlchemy's connection is invalidated, as
        SQLAlchemy does on a disconnect, so that the session's rollback does not talk to it."""
        await self.connection.invalidate(exc)
        return sa_exc.InterfaceError(sql, None, exc, connection_invalidated=True)


class _Asyncpg(_Driver):
    __slots__ = ()

    async def fetch(self, c: _Compiled, args: list[Any]) -> list[Sequence[Any]]:
        try:
            rows: list[Sequence[Any]] = await self.conn.fetch(c.sql, *args)
        except Exception as exc:
            raise await self._failed(c.sql, exc) from exc
        return rows

    async def execute(self, c: _Compiled, args: list[Any]) -> int:
        try:
            status: str = await self.conn.execute(c.sql, *args)
        except Exception as exc:
            raise await self._failed(c.sql, exc) from exc
        last = status.rpartition(" ")[2]
        return int(last) if last.isdigit() else 0

    async def begin(self, adapter: Any) -> None:
        """Open the transaction SQLAlchemy's asyncpg adapter opens at its first statement."""
        try:
            await adapter._start_transaction()
        except Exception as exc:
            # the adapter wraps asyncpg's error in its own: judge by the original
            raise await self._failed("BEGIN", exc.__cause__ or exc) from exc

    async def _failed(self, sql: str, exc: BaseException) -> BaseException:
        if isinstance(exc, pg_direct.StatementRefused) and not self.conn.is_closed():
            return sa_exc.DBAPIError(sql, None, exc)
        lost = (pg_direct.ConnectionLost, pg_direct.ClientError, pg_direct.ProtocolLost, OSError)
        if isinstance(exc, lost) or self.conn.is_closed():
            return await self._lost(sql, exc)
        if isinstance(exc, pg_direct.ServerError):
            return _translated(sql, exc, getattr(exc, "sqlstate", "") or "")
        return exc


class _Aiosqlite(_Driver):
    """A reader's statements hop to aiosqlite's thread. The writer's run where its transaction
    runs (`inline`): once BEGIN IMMEDIATE has returned, this transaction holds the database's
    one write lock and the writer engine's one connection, whose thread then has nothing
    queued; a statement no longer waits on a lock there, and takes tens of microseconds. Each
    hop used to hold the write lock while the event loop got round to the continuation, for
    every writer queued behind it (bench/booking.py --database sqlite, README)."""

    __slots__ = ("inline",)

    def __init__(
        self,
        dialect: Dialect,
        connection: AsyncConnection,
        conn: Any,
        transaction: Any,
        info: Mapping[str, Any],
    ) -> None:
        super().__init__(dialect, connection, conn, transaction)
        options = (
            connection.sync_connection.get_execution_options() if connection.sync_connection else {}
        )
        self.inline = bool(options.get(WRITER_OPTION)) and bool(info.get(WAL_INFO))

    async def fetch(self, c: _Compiled, args: list[Any]) -> list[Sequence[Any]]:
        try:
            if self.inline:
                return _rows(self.conn._conn, c.sql, args)
            rows: list[Sequence[Any]] = list(await self.conn.execute_fetchall(c.sql, args))
        except sqlite3.Error as exc:
            raise _translated_sqlite(c.sql, exc) from exc
        return rows

    async def execute(self, c: _Compiled, args: list[Any]) -> int:
        try:
            if self.inline:
                return _changed(self.conn._conn, c.sql, args)
            return int(await sqlite_call(self.conn, _changed, c.sql, args))
        except sqlite3.Error as exc:
            raise _translated_sqlite(c.sql, exc) from exc


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
    cursor = conn.execute(sql, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _changed(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> int:
    cursor = conn.execute(sql, args)
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()


async def sqlite_call(conn: Any, fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn(sqlite3_connection, *args)` on an aiosqlite connection's thread, in one hop.

    aiosqlite hops to its thread and back for every call (a cursor, its execute, its close:
    three for a statement whose changed rows count); on the embedded default's one writer
    connection each hop is time the write lock is held while other requests run. Its queue of
    calls (`_execute`) is the one way in; aiosqlite is pinned in requirements.lock."""
    return await conn._execute(fn, conn._conn, *args)


def _translated(sql: str, exc: Exception, sqlstate: str) -> sa_exc.DBAPIError:
    if sqlstate.startswith("23"):
        return sa_exc.IntegrityError(sql, None, exc)
    if sqlstate.startswith(("08", "40", "53", "57")):
        return sa_exc.OperationalError(sql, None, exc)
    return sa_exc.DBAPIError(sql, None, exc)


def _translated_sqlite(sql: str, exc: sqlite3.Error) -> sa_exc.DBAPIError:
    if isinstance(exc, sqlite3.IntegrityError):
        return sa_exc.IntegrityError(sql, None, exc)
    if isinstance(exc, sqlite3.OperationalError):
        return sa_exc.OperationalError(sql, None, exc)
    return sa_exc.DBAPIError(sql, None, exc)


async def _driver(session: AsyncSession) -> _Driver:
    """The driver connection of the session's current transaction (begun if it was not)."""
    transaction = session.sync_session.get_transaction()
    found = session.info.get(_DRIVER)
    if found is not None and found.transaction is transaction and transaction is not None:
        return found  # type: ignore[no-any-return]
    connection = await session.connection()
    transaction = session.sync_session.get_transaction()
    raw = await connection.get_raw_connection()
    adapter: Any = raw.dbapi_connection
    dialect = connection.dialect
    driver: _Driver
    if dialect.name == "postgresql":
        # SQLAlchemy's asyncpg adapter opens the transaction at its first statement; open it
        # now, so that what runs on the driver is inside it and committed with the session.
        driver = _Asyncpg(dialect, connection, raw.driver_connection, transaction)
        if getattr(adapter, "_transaction", None) is None and not adapter.autocommit:
            await driver.begin(adapter)
    elif dialect.name == "sqlite":
        driver = _Aiosqlite(
            dialect, connection, raw.driver_connection, transaction, raw.info
        )  # BEGIN already sent
    else:  # pragma: no cover - the two backends of the design card
        raise NotImplementedError(dialect.name)
    session.info[_DRIVER] = driver
    return driver


async def fetch(session: AsyncSession, statement: Prepared, **values: Any) -> list[Row]:
    driver = await _driver(session)
    c = statement.compiled(driver.dialect)
    return [_row(c, r) for r in await driver.fetch(c, _arguments(c, values))]


async def fetchrow(session: AsyncSession, statement: Prepared, **values: Any) -> Row | None:
    rows = await fetch(session, statement, **values)
    return rows[0] if rows else None


async def scalar(session: AsyncSession, statement: Prepared, **values: Any) -> Any:
    row = await fetchrow(session, statement, **values)
    return row[0] if row else None


async def execute(session: AsyncSession, statement: Prepared, **values: Any) -> int:
    """Run a statement without rows to read; returns the rows it changed."""
    driver = await _driver(session)
    c = statement.compiled(driver.dialect)
    return await driver.execute(c, _arguments(c, values))


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
