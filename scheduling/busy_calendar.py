"""A professional's own calendar, imported to know when they are busy outside the pool.

Only the busy intervals are kept, never the events' titles or the calendar's text: a GP's
agenda names their patients, and the pool needs to know *when*, not *what*.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    case,
    exists,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum
from kernel.locks import lock_for_transaction


class BusySource(enum.StrEnum):
    URL = "url"  # fetched and refreshed periodically (https, or webcal:// read as https)
    UPLOAD = "upload"  # an .ics file sent once; expanded at upload time


class BusyCalendar(Base):
    __tablename__ = "busy_calendars"
    __table_args__ = (
        CheckConstraint("(source = 'url') = (url IS NOT NULL)", name="url_of_url_source"),
        # The refresh job's scan: live URL calendars by when they are due.
        Index("ix_busy_calendars_due", "next_refresh_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), index=True, nullable=False
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[BusySource] = mapped_column(str_enum(BusySource, 10), nullable=False)
    # A secret of the owner's (calendar apps put a token in it): shown to the owner only.
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    remote_etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    remote_last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    intervals_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # When the intervals were last expanded from a whole file: the expansion reaches a fixed
    # window ahead, so an unchanged remote file is fetched whole again now and then.
    expanded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # None for uploads and removed calendars: nothing to refresh.
    next_refresh_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class BusyInterval(Base):
    """One busy stretch of an imported calendar, in UTC, already expanded and merged."""

    __tablename__ = "busy_intervals"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="positive_duration"),
        Index("ix_busy_intervals_professional_start", "professional_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    calendar_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("busy_calendars.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Copied from the calendar: slots are matched against a professional's intervals.
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)


async def busy_between(
    session: AsyncSession, professional_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The professional's imported busy intervals overlapping [start, end), by start: new
    slots that fall on them are published blocked."""
    rows = await session.execute(
        select(BusyInterval.starts_at, BusyInterval.ends_at)
        .where(
            BusyInterval.professional_id == professional_id,
            BusyInterval.starts_at < end,
            BusyInterval.ends_at > start,
        )
        .order_by(BusyInterval.starts_at)
    )
    return [(s, e) for s, e in rows]


def reopened_status() -> Any:
    """What a slot becomes when its booking is cancelled or its hold released: free, unless
    the professional's own calendar says busy meanwhile (then blocked, as busy_time would)."""
    from scheduling.models.slot import Slot, SlotStatus  # slot.py knows nothing of busy time

    busy = exists().where(
        BusyInterval.professional_id == Slot.professional_id,
        BusyInterval.starts_at < Slot.ends_at,
        BusyInterval.ends_at > Slot.starts_at,
    )
    return case(
        (busy, literal(SlotStatus.BLOCKED, Slot.status.type)),
        else_=literal(SlotStatus.FREE, Slot.status.type),
    )


async def lock_agenda(session: AsyncSession, professional_id: uuid.UUID) -> None:
    """Serialise the transactions that decide a slot's free/blocked state for one professional
    (busy-time refreshes, new slots, cancellations): under READ COMMITTED, two of them could
    each miss the other's uncommitted change."""
    await lock_for_transaction(session, "agenda", professional_id)
