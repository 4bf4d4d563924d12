"""The outbox: an append-only log of domain events, written in the transaction of the change.

Live updates, the audit trail, SAS notifications and event-based indicators all read from it, so
readers must never miss a committed change nor see an uncommitted one, and a client resuming
"after seq N" must get everything after N, in order, without gaps.

Writers must not queue behind each other for that: a counter locked by every writing
transaction until its commit would serialise all bookings of a territory on the commit's
fsync (measured: ~230 bookings/s on PostgreSQL, see bench/booking.py). So:

- a writer appends its event with a write-time `id` only (PostgreSQL: no shared lock at all);
- the *sequencer* (`assign_sequence`, one at a time through an advisory lock) later gives the
  committed, unsequenced rows their gapless per-territory `seq`, in `id` order, in one
  transaction. Readers only read sequenced rows, so what they see never changes behind them.

SQLite serialises writers anyway (BEGIN IMMEDIATE), so there the writer takes the next `seq`
itself and commit order is sequence order; the sequencer has nothing to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import pg_direct, statements
from kernel.actor import PLATFORM, Actor
from kernel.clock import Clock
from kernel.database import Base, table_of
from kernel.event_types import EventType
from kernel.locks import SEQUENCER_LOCK
from kernel.statements import Prepared

_payload_type = JSON().with_variant(JSONB(), "postgresql")
_id_type = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class EventCounter(Base):
    """Last sequence number handed out per territory (one row each, created with the territory)."""

    __tablename__ = "event_counters"

    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("territory_id", "seq"),
        Index(
            "ix_events_unsequenced",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(_id_type, primary_key=True, autoincrement=True)
    # No foreign key: it would make every append key-share-lock the territory's one row
    # (multixacts under concurrent bookings); migration 0003 says why and what it measured.
    territory_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(_payload_type, nullable=False)


class PlatformEvent(Base):
    """What happens outside every territory: the platform operators' own logins and tokens.

    Not an outbox: nobody is live-notified of these, they are kept for the audit. What an
    operator does *to* a territory (creating it, changing it) goes to that territory's outbox.
    """

    __tablename__ = "platform_events"

    id: Mapped[int] = mapped_column(_id_type, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(_payload_type, nullable=False)


# Set in a session's `info` when it wrote outbox rows: the database wiring then tells the
# relay at commit (server/database.py), so that no caller wakes it by hand.
EVENTS_WRITTEN = "cpts_events_written"


def mark_events_written(session: AsyncSession) -> None:
    """This transaction wrote outbox rows (every writer of `events` calls it)."""
    session.info[EVENTS_WRITTEN] = True


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


async def append_event(
    session: AsyncSession,
    clock: Clock,
    *,
    territory_id: uuid.UUID,
    type: EventType,
    actor: Actor | None,
    subject_id: uuid.UUID | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """Append one event to the outbox inside the caller's transaction and return it.

    The returned event has its `seq` on SQLite; on PostgreSQL `seq` is None until the
    sequencer runs after commit. An event of `PLATFORM` (an operator's, in no territory) goes
    to the platform's log instead, and has no `seq`.
    """
    if territory_id == PLATFORM:
        platform = PlatformEvent(
            type=type,
            occurred_at=clock.now(),
            actor_account_id=actor.account_id if actor else None,
            subject_id=subject_id,
            payload=dict(payload or {}),
        )
        session.add(platform)
        await session.flush()
        return Event(id=platform.id, territory_id=PLATFORM, **_columns_of(platform))
    values: dict[str, Any] = {
        "territory_id": territory_id,
        "type": type,
        "occurred_at": clock.now(),
        "actor_account_id": actor.account_id if actor else None,
        "subject_id": subject_id,
        "payload": dict(payload or {}),
    }
    event_id, seq = await write_event(session, values)
    return Event(id=event_id, seq=seq, **values)


def _columns_of(platform: PlatformEvent) -> dict[str, Any]:
    return {
        "seq": None,
        "type": platform.type,
        "occurred_at": platform.occurred_at,
        "actor_account_id": platform.actor_account_id,
        "subject_id": platform.subject_id,
        "payload": platform.payload,
    }


def _insert_event() -> Any:
    table = table_of(Event)
    binds = {
        name: bindparam(name, type_=table.c[name].type)
        for name in ("territory_id", "type", "occurred_at", "actor_account_id", "subject_id")
    }
    return (
        insert(table)
        .values(**binds, payload=bindparam("payload", type_=_payload_type), seq=_SEQ)
        .returning(table.c.id)
    )


_SEQ = bindparam("seq", type_=BigInteger())
# Built once: every state change of every use case appends through them.
_INSERT_EVENT = Prepared(_insert_event)
_NEXT_SEQ = Prepared(
    lambda: (
        update(EventCounter)
        .where(EventCounter.territory_id == bindparam("territory_id", type_=Uuid()))
        .values(last_seq=EventCounter.last_seq + 1)
        .returning(EventCounter.last_seq)
    )
)


async def write_event(session: AsyncSession, values: dict[str, Any]) -> tuple[int, int | None]:
    """Insert one outbox row from its column values; returns (id, seq or None)."""
    mark_events_written(session)
    seq = None
    if _is_sqlite(session):
        seq = await statements.scalar(session, _NEXT_SEQ, territory_id=values["territory_id"])
        assert seq is not None, "the territory has no event counter"
    event_id = await statements.scalar(session, _INSERT_EVENT, **values, seq=seq)
    return int(event_id), seq


# Migration 0014 defines it: the advisory lock, then the numbering in a fresh snapshot.
_SEQUENCE = "SELECT cpts_sequence_events($1, $2)"


async def assign_sequence(session: AsyncSession, batch: int = 5000) -> int:
    """Give committed, unsequenced events their per-territory `seq`; returns how many.

    Run it in its own short transaction. Only one runs at a time across all workers (a
    transaction-scoped advisory lock); a worker that finds the lock taken returns 0, since the
    holder will sequence what is pending. A no-op on SQLite.
    """
    if _is_sqlite(session):
        return 0
    done = await session.scalar(
        text("SELECT cpts_sequence_events(:key, :batch)"), {"key": SEQUENCER_LOCK, "batch": batch}
    )
    return int(done or 0)


async def assign_sequence_direct(conn: pg_direct.Connection, batch: int = 5000) -> int:
    """`assign_sequence` in one round trip on a bare connection in autocommit (PostgreSQL):
    what the relay runs fifty times a second under load (bench/booking.py)."""
    return int(await conn.fetchval(_SEQUENCE, SEQUENCER_LOCK, batch) or 0)


async def events_since(
    session: AsyncSession, territory_id: uuid.UUID, after_seq: int, limit: int = 500
) -> list[Event]:
    rows = await session.scalars(
        select(Event)
        .where(Event.territory_id == territory_id, Event.seq > after_seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return list(rows)


async def events_after(
    session: AsyncSession, territory_id: uuid.UUID, after: int, limit: int
) -> list[Event]:
    """The territory's sequenced events after `after`, in order, at most `limit`."""
    rows = await session.scalars(
        select(Event)
        .where(Event.territory_id == territory_id, Event.seq > after)
        .order_by(Event.seq)
        .limit(limit)
    )
    return list(rows)


async def last_sequenced(session: AsyncSession, territory_id: uuid.UUID) -> int:
    """The territory's last sequence number (0 before its first event)."""
    found = await session.scalar(
        select(func.max(Event.seq)).where(Event.territory_id == territory_id)
    )
    return int(found or 0)
