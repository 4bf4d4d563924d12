"""The outbox: an append-only log of domain events, written in the transaction of the change.

Live updates, the audit trail, SAS notifications and event-based indicators all read from it, so
it must never miss a committed change nor show an uncommitted one. Sequence numbers are gapless
and per territory: they come from a counter row that each writing transaction locks until it
commits, so sequence order is commit order and a reader resuming "after seq N" misses nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Uuid, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.database import Base

_payload_type = JSON().with_variant(JSONB(), "postgresql")


class EventCounter(Base):
    """Last sequence number handed out per territory (one row each, created with the territory)."""

    __tablename__ = "event_counters"

    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_territory_type_at", "territory_id", "type", "occurred_at"),)

    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(nullable=False)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(_payload_type, nullable=False)


async def append_event(
    session: AsyncSession,
    clock: Clock,
    *,
    territory_id: uuid.UUID,
    type: str,
    actor: Actor | None,
    subject_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the outbox inside the caller's transaction and return it.

    Call it last in the transaction: the counter row stays locked until commit, so the shorter
    the remaining work, the less other writers of the territory wait.
    """
    seq = (
        await session.execute(
            update(EventCounter)
            .where(EventCounter.territory_id == territory_id)
            .values(last_seq=EventCounter.last_seq + 1)
            .returning(EventCounter.last_seq)
        )
    ).scalar_one()
    event = Event(
        territory_id=territory_id,
        seq=seq,
        type=type,
        occurred_at=clock.now(),
        actor_account_id=actor.account_id if actor else None,
        subject_id=subject_id,
        payload=payload or {},
    )
    session.add(event)
    await session.flush()
    return event


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
