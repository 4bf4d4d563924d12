"""A booking of a slot for a patient: the consultation the SNP request hoped for."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum
from scheduling.models.snp_request import Origin


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    HONOURED = "honoured"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        # The database's last word on double booking: one live booking per slot.
        Index(
            "uq_bookings_live_slot",
            "slot_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
        UniqueConstraint("booked_by", "idempotency_key"),
        Index("ix_bookings_territory_starts", "territory_id", "starts_at"),
        Index("ix_bookings_professional_starts", "professional_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id"), nullable=False)
    # Copied from the slot at booking time: bookings are read by professional and time far
    # more often than slots are joined, and the slot's times never change once booked.
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), nullable=False)
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("snp_requests.id"), nullable=True, index=True
    )
    channel: Mapped[Origin] = mapped_column(str_enum(Origin, 24), nullable=False)
    booked_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    own_patient: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus, 12), nullable=False, default=BookingStatus.BOOKED
    )
    status_changed_at: Mapped[datetime] = mapped_column(nullable=False)
    status_changed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Bumped by every status change: calendar feeds' SEQUENCE (integrations/ical). A server
    # default only, so the booking's single-statement insert (booking_store.py) is unchanged.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(nullable=False)


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """A booking just written by a single statement, as its columns: what the caller answers
    with, without the cost of an ORM instance nobody will flush (bench/booking.py)."""

    id: uuid.UUID
    territory_id: uuid.UUID
    slot_id: uuid.UUID
    professional_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    patient_id: uuid.UUID
    request_id: uuid.UUID | None
    channel: Origin
    booked_by: uuid.UUID
    idempotency_key: str | None
    own_patient: bool
    status: BookingStatus
    status_changed_at: datetime
    status_changed_by: uuid.UUID
    cancel_reason: str | None
    created_at: datetime


def counts_toward_sas_cap() -> ColumnElement[bool]:
    """A booking the SNP majoration's weekly cap counts (NGAP art. 14.1.3): taken by a SAS
    regulator, for a patient who is not the GP's own, not cancelled. The one definition of the
    20-a-week warning at booking time and of the `snp.sas_consultations` indicators."""
    b = Booking.__table__.c
    return and_(
        b.channel == Origin.SAS_REGULATOR,
        b.own_patient.is_(False),
        b.status != BookingStatus.CANCELLED,
    )


def counts_toward_sas_cap_of(booking: Booking) -> bool:
    """`counts_toward_sas_cap` on a loaded booking: the same three conditions."""
    return (
        booking.channel is Origin.SAS_REGULATOR
        and not booking.own_patient
        and booking.status is not BookingStatus.CANCELLED
    )


# The payload of a booking's events is built from two halves, whichever path writes it: what
# the booking itself carries (`booking_part`), and what its slot supplies at the instant it is
# taken (`slot_part`: these keys; the batched and single statements compute the same keys in
# SQL, tests/scheduling/test_bookings.py holds the three writers to one payload).
SLOT_PART_KEYS = ("professional_id", "starts_at", "ends_at", "own_patient")


class BookingPart(TypedDict):
    booking_id: str
    slot_id: str
    channel: str
    status: str
    request_id: str | None
    booked_by: str


class SlotPart(TypedDict):
    professional_id: str
    starts_at: str
    ends_at: str
    own_patient: bool


class BookingPayload(BookingPart, SlotPart):
    """The payload of every booking event (created, cancelled, honoured, no-show)."""


class BookingCancelledPayload(BookingPayload):
    """A cancellation says whether a reason was given (never the reason itself)."""

    reason_given: bool


class BookingRescheduledPayload(BookingPayload):
    """The new booking of a reschedule, and the booking it replaces."""

    rescheduled_from: str


def booking_part(
    booking_id: uuid.UUID,
    slot_id: uuid.UUID,
    channel: Origin,
    status: BookingStatus,
    request_id: uuid.UUID | None,
    booked_by: uuid.UUID,
) -> BookingPart:
    return {
        "booking_id": str(booking_id),
        "slot_id": str(slot_id),
        "channel": channel.value,
        "status": status.value,
        "request_id": str(request_id) if request_id else None,
        "booked_by": str(booked_by),
    }


def slot_part(
    professional_id: uuid.UUID, starts_at: datetime, ends_at: datetime, own_patient: bool
) -> SlotPart:
    return {
        "professional_id": str(professional_id),
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "own_patient": own_patient,
    }
