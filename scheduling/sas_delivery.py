"""What the SAS platform must hear of the bookings its regulators made (standards.md §1.5).

The outbox feeds it: a collector reads `booking.*` events of the SAS channel after its own
cursor and records, per booking, the status the SAS should know (booked, fulfilled, noshow,
cancelled). A sender then delivers each change (POST once, conditional PUT after) with retries
and back-off; it never stands in a booking's way, and what it did is kept here for the admins.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Uuid, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.clock import Clock
from kernel.database import Base, str_enum
from kernel.event_types import EventType
from kernel.events import Event, EventCounter, events_since
from scheduling.models.booking import BookingPayload
from scheduling.models.snp_request import Origin

CONSUMER = "sas_appointments"
MAX_BACKOFF = timedelta(hours=6)


class SasStatus(enum.StrEnum):
    BOOKED = "booked"
    FULFILLED = "fulfilled"
    NOSHOW = "noshow"
    CANCELLED = "cancelled"


_BY_EVENT: dict[str, SasStatus] = {
    EventType.BOOKING_CREATED: SasStatus.BOOKED,
    EventType.BOOKING_HONOURED: SasStatus.FULFILLED,
    EventType.BOOKING_NO_SHOW: SasStatus.NOSHOW,
    EventType.BOOKING_CANCELLED: SasStatus.CANCELLED,
}


class OutboxCursor(Base):
    """How far a consumer of the outbox has read, per territory."""

    __tablename__ = "outbox_cursors"

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SasDelivery(Base):
    __tablename__ = "sas_deliveries"
    __table_args__ = (Index("ix_sas_deliveries_due", "next_attempt_at"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    booked_by: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[SasStatus] = mapped_column(str_enum(SasStatus, 12), nullable=False)
    delivered_status: Mapped[SasStatus | None] = mapped_column(
        str_enum(SasStatus, 12), nullable=True
    )
    created_remotely: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # None: nothing to send (delivered); else when the next attempt may run.
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    last_http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)

    @property
    def state(self) -> str:
        if self.delivered_status == self.status:
            return "delivered"
        if self.next_attempt_at is None:
            return "rejected"  # the SAS refused this content: retrying would not help
        return "failing" if self.attempts else "pending"


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery: SasDelivery
    status: SasStatus


async def _cursor(session: AsyncSession, territory_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(OutboxCursor.last_seq).where(
            OutboxCursor.consumer == CONSUMER, OutboxCursor.territory_id == territory_id
        )
    )
    if found is None:
        # From now on: switching the SAS on must not replay every past booking to it.
        start = await session.scalar(
            select(EventCounter.last_seq).where(EventCounter.territory_id == territory_id)
        )
        session.add(OutboxCursor(consumer=CONSUMER, territory_id=territory_id, last_seq=start or 0))
        await session.flush()
        return int(start or 0)
    return int(found)


async def collect(
    session: AsyncSession, clock: Clock, territory_ids: list[uuid.UUID], batch: int = 500
) -> int:
    """Turn new SAS-channel booking events into deliveries; returns how many changed.

    The cursor advances by compare-and-swap: a worker that loses the race rolls back."""
    changed = 0
    now = clock.now()
    for territory_id in territory_ids:
        last = await _cursor(session, territory_id)
        events: list[Event] = await events_since(session, territory_id, last, batch)
        if not events:
            continue
        moved = await session.execute(
            update(OutboxCursor)
            .where(
                OutboxCursor.consumer == CONSUMER,
                OutboxCursor.territory_id == territory_id,
                OutboxCursor.last_seq == last,
            )
            .values(last_seq=events[-1].seq)
        )
        if not getattr(moved, "rowcount", 0):
            raise RuntimeError("another worker collected these events")
        for event in events:
            status = _BY_EVENT.get(event.type)
            if status is None:
                continue
            data = cast(BookingPayload, event.payload)  # every booking event carries one
            if data["channel"] != Origin.SAS_REGULATOR or data["own_patient"]:
                continue
            booking_id = uuid.UUID(data["booking_id"])
            delivery = await session.get(SasDelivery, booking_id)
            if delivery is None:
                delivery = SasDelivery(
                    booking_id=booking_id,
                    territory_id=territory_id,
                    professional_id=uuid.UUID(data["professional_id"]),
                    booked_by=uuid.UUID(data["booked_by"]),
                    starts_at=datetime.fromisoformat(data["starts_at"]),
                    ends_at=datetime.fromisoformat(data["ends_at"]),
                    status=status,
                    created_remotely=False,
                    attempts=0,
                    updated_at=now,
                )
                session.add(delivery)
            delivery.status = status
            # A delivery being sent (leased) or backing off keeps its time: never two sends
            # of one booking at once.
            if delivery.next_attempt_at is None or delivery.next_attempt_at <= now:
                delivery.next_attempt_at = now
            delivery.updated_at = now
            changed += 1
        await session.flush()
    return changed


async def claim_due(
    session: AsyncSession, clock: Clock, lease: timedelta, limit: int = 50
) -> list[Claimed]:
    """Deliveries due now, each claimed by pushing its next attempt `lease` ahead."""
    now = clock.now()
    due = (
        await session.execute(
            select(SasDelivery.booking_id, SasDelivery.next_attempt_at)
            .where(SasDelivery.next_attempt_at <= now)
            .order_by(SasDelivery.next_attempt_at)
            .limit(limit)
        )
    ).all()
    claimed = []
    for booking_id, at in due:
        got: SasDelivery | None = await session.scalar(
            update(SasDelivery)
            .where(SasDelivery.booking_id == booking_id, SasDelivery.next_attempt_at == at)
            .values(next_attempt_at=now + lease)
            .returning(SasDelivery)
        )
        if got is not None:
            claimed.append(Claimed(got, got.status))
    return claimed


async def delivered(
    session: AsyncSession, clock: Clock, booking_id: uuid.UUID, status: SasStatus, http_status: int
) -> None:
    now = clock.now()
    delivery = await session.get(SasDelivery, booking_id, with_for_update=True)
    if delivery is None:
        return
    delivery.delivered_status = status
    delivery.created_remotely = True
    delivery.attempts = 0
    delivery.last_error = None
    delivery.last_http_status = http_status
    delivery.delivered_at = now
    delivery.updated_at = now
    # A newer status collected meanwhile is still to send.
    delivery.next_attempt_at = now if delivery.status != status else None


async def failed(
    session: AsyncSession,
    clock: Clock,
    booking_id: uuid.UUID,
    message: str,
    http_status: int | None,
    retry_after: timedelta,
) -> None:
    now = clock.now()
    delivery = await session.get(SasDelivery, booking_id, with_for_update=True)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_error = message[:300]
    delivery.last_http_status = http_status
    delivery.updated_at = now
    backoff = min(retry_after * (2 ** min(delivery.attempts - 1, 10)), MAX_BACKOFF)
    delivery.next_attempt_at = now + backoff


async def rejected(
    session: AsyncSession, clock: Clock, booking_id: uuid.UUID, message: str, http_status: int
) -> None:
    """The SAS refused the content (400, 422): kept for the admins, not retried, until the
    booking changes again."""
    now = clock.now()
    delivery = await session.get(SasDelivery, booking_id, with_for_update=True)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_error = message[:300]
    delivery.last_http_status = http_status
    delivery.next_attempt_at = None
    delivery.updated_at = now


async def list_deliveries(
    session: AsyncSession, territory_id: uuid.UUID, state: str | None, limit: int = 200
) -> list[SasDelivery]:
    query = select(SasDelivery).where(SasDelivery.territory_id == territory_id)
    if state == "delivered":
        query = query.where(
            SasDelivery.next_attempt_at.is_(None),
            SasDelivery.delivered_status == SasDelivery.status,
        )
    elif state == "rejected":
        query = query.where(
            SasDelivery.next_attempt_at.is_(None),
            or_(
                SasDelivery.delivered_status.is_(None),
                SasDelivery.delivered_status != SasDelivery.status,
            ),
        )
    elif state == "failing":
        query = query.where(SasDelivery.next_attempt_at.is_not(None), SasDelivery.attempts > 0)
    elif state == "pending":
        query = query.where(SasDelivery.next_attempt_at.is_not(None), SasDelivery.attempts == 0)
    return list(await session.scalars(query.order_by(SasDelivery.updated_at.desc()).limit(limit)))
