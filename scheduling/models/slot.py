"""A bookable slot of a professional's agenda, published for the CPTS pool."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Uuid,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum


class Modality(enum.StrEnum):
    OFFICE = "office"  # SAS AMB
    HOME_VISIT = "home_visit"  # SAS HH
    VIDEO = "video"  # SAS VR


class Visibility(enum.StrEnum):
    """Who may see and book a slot (SAS slot kinds PUBLIC, PRO, SNP plus the CPTS itself)."""

    PUBLIC = "public"
    PRO = "pro"
    SNP = "snp"
    CPTS = "cpts"


_VISIBILITY_BITS = {v: 1 << i for i, v in enumerate(Visibility)}


def visibility_mask(values: set[Visibility] | frozenset[Visibility] | list[Visibility]) -> int:
    mask = 0
    for v in values:
        mask |= _VISIBILITY_BITS[Visibility(v)]
    return mask


def visibility_set(mask: int) -> list[Visibility]:
    return [v for v, bit in _VISIBILITY_BITS.items() if mask & bit]


class SlotStatus(enum.StrEnum):
    FREE = "free"
    HELD = "held"  # reserved by a hold until `held_until`; free again after it, lazily
    BOOKED = "booked"
    BLOCKED = "blocked"  # busy in the professional's own calendar
    CANCELLED = "cancelled"  # withdrawn by the professional; not "live"


LIVE_STATUSES = (SlotStatus.FREE, SlotStatus.HELD, SlotStatus.BOOKED, SlotStatus.BLOCKED)


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="positive_duration"),
        CheckConstraint("visibility > 0 AND visibility < 16", name="visibility_mask"),
        CheckConstraint(
            "(status = 'held') = (hold_id IS NOT NULL AND held_until IS NOT NULL)",
            name="hold_consistent",
        ),
        CheckConstraint("NOT assisted OR modality = 'video'", name="assisted_is_video"),
        # Search of open slots of a territory by time: the hot path of regulators.
        Index(
            "ix_slots_open_by_start",
            "territory_id",
            "starts_at",
            postgresql_where=text("status IN ('free', 'held')"),
            sqlite_where=text("status IN ('free', 'held')"),
        ),
        Index("ix_slots_professional_start", "professional_id", "starts_at"),
        Index("ix_slots_rule_start", "rule_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), nullable=False
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("practice_locations.id", ondelete="SET NULL"), nullable=True
    )
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("availability_rules.id", ondelete="SET NULL"), nullable=True
    )
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    modality: Mapped[Modality] = mapped_column(str_enum(Modality, 12), nullable=False)
    visibility: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    # "Assisted teleconsultation welcome": a nurse may book this video slot for a patient at
    # whose side they will be (scheduling/teleconsultations.py).
    assisted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    status: Mapped[SlotStatus] = mapped_column(
        str_enum(SlotStatus, 12), nullable=False, default=SlotStatus.FREE
    )
    hold_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    held_until: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)

    def is_untaken(self, now: datetime) -> bool:
        """Free, or held by a hold that has expired (expiry needs no background job)."""
        return self.status is SlotStatus.FREE or (
            self.status is SlotStatus.HELD
            and self.held_until is not None
            and self.held_until <= now
        )

    def is_open(self, now: datetime) -> bool:
        """Open to take (hold or book): `open_to_take` on a loaded slot."""
        return self.starts_at > now and self.is_untaken(now)


# The one "slot is open" rule, for every taker (a hold, a booking, a teleconsultation, the
# batched booking statement) and every list of open slots. Its time edge: a slot is open
# until it starts; at its start instant it is no longer open (a slot already begun cannot be
# given to a patient still to come). `c` is the ORM class (`Slot`) or a Core table's `.c`.


def untaken(
    c: Any, now: Any, *, own_hold: Any = None, blocked_too: bool = False
) -> ColumnElement[bool]:
    """Free (or blocked, with `blocked_too`), or held by a hold that has expired or that is
    the taker's own (`own_hold`): nothing about time but the hold's."""
    lapsed = c.held_until <= now
    if own_hold is not None:
        lapsed = or_(lapsed, c.hold_id == own_hold)
    loose = (
        c.status.in_([SlotStatus.FREE, SlotStatus.BLOCKED])
        if blocked_too
        else c.status == SlotStatus.FREE
    )
    return or_(loose, and_(c.status == SlotStatus.HELD, lapsed))


def open_to_take(c: Any, now: Any, *, own_hold: Any = None) -> ColumnElement[bool]:
    """Not started, and untaken."""
    return and_(c.starts_at > now, untaken(c, now, own_hold=own_hold))


def open_to_take_sql(alias: str, now: str) -> str:
    """`open_to_take` as SQL text, for the batched booking statement written as text
    (scheduling/booking_batch.py); tests/scheduling/test_slot.py holds the two to one answer."""
    return (
        f"{alias}.starts_at > {now} AND ({alias}.status = '{SlotStatus.FREE}' "
        f"OR ({alias}.status = '{SlotStatus.HELD}' AND {alias}.held_until <= {now}))"
    )
