"""The booking slip: what the person who booked tells the patient, and nothing more (when,
with whom, where, the practice's phone, how to change it). No reason, no NIR, no request.

`read_slip` is the one door for the printed slip and the e-mail alike: it checks that the
actor may see the booking (its parties and the CPTS staff), reads the patient's name (an
audited read) and the practice from the directory; `slip_sent` records that it went (an
event without address or identity)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import Commune
from coordination.directory.professional import PracticeLocation, Profession, Professional
from coordination.directory.territories import get_territory
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import InvalidTransition
from kernel.event_types import EventType
from kernel.events import append_event
from scheduling import bookings
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Modality, Slot


@dataclass(frozen=True, slots=True)
class Slip:
    booking_id: uuid.UUID
    patient_name: str  # « Lucie PAYET »
    starts_at: datetime
    ends_at: datetime
    timezone: str
    practice: Practice
    cpts_name: str
    cpts_phone: str | None


class SlipSentPayload(TypedDict):
    """`booking.slip_sent`: which booking's slip went (never to whom)."""

    booking_id: str


@dataclass(frozen=True, slots=True)
class Practice:
    """Where and with whom an appointment is: what the patient needs to get there."""

    professional_name: str  # « Dr Jeanne Martin » for a physician
    modality: Modality
    place: str | None  # the practice's label
    address: str | None
    postal_code: str | None
    commune: str | None
    phone: str | None  # the practice's, else the professional's


async def practice_of(session: AsyncSession, booking: Booking) -> Practice:
    """The practice of a booking the caller may already see (no patient in it)."""
    slot = await session.get(Slot, booking.slot_id)
    professional = await session.get(Professional, booking.professional_id)
    assert slot is not None and professional is not None  # foreign keys
    place: tuple[PracticeLocation, Commune] | None = None
    if slot.location_id is not None:
        row = (
            await session.execute(
                select(PracticeLocation, Commune)
                .join(Commune, Commune.id == PracticeLocation.commune_id)
                .where(PracticeLocation.id == slot.location_id)
            )
        ).first()
        place = (row[0], row[1]) if row is not None else None
    doctor = professional.profession is Profession.PHYSICIAN
    return Practice(
        professional_name=("Dr " if doctor else "")
        + f"{professional.given_name} {professional.family_name}",
        modality=slot.modality,
        place=place[0].label if place else None,
        address=place[0].address if place else None,
        postal_code=place[1].postal_code if place else None,
        commune=place[1].name if place else None,
        phone=(place[0].phone if place and place[0].phone else None) or professional.phone,
    )


async def read_slip(
    session: AsyncSession, clock: Clock, actor: Actor, booking_id: uuid.UUID, purpose: str
) -> Slip:
    """The slip of a booked (or honoured) appointment; a cancelled one has none."""
    booking = await bookings.get_visible_booking(session, actor, booking_id)
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.HONOURED):
        raise InvalidTransition(
            "a cancelled appointment has no slip", code="slip_cancelled", field="booking_id"
        )
    patient = await bookings.patient_of(session, booking)
    practice = await practice_of(session, booking)
    territory = await get_territory(session, actor)
    await record_reads(session, clock, actor, "booking", [(booking.id, patient.id)], purpose)
    return Slip(
        booking_id=booking.id,
        patient_name=f"{patient.given_name} {patient.family_name.upper()}",
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=actor.timezone,
        practice=practice,
        cpts_name=territory.name,
        cpts_phone=territory.phone,
    )


async def slip_sent(session: AsyncSession, clock: Clock, actor: Actor, slip: Slip) -> None:
    """Record that the slip was e-mailed (to whom is not kept: the patient's address)."""
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.BOOKING_SLIP_SENT,
        actor=actor,
        subject_id=slip.booking_id,
        payload=SlipSentPayload(booking_id=str(slip.booking_id)),
    )
