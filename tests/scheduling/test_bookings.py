"""Booking rules in the domain: the SAS weekly cap warning counts the GP's local week."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kernel.clock import FrozenClock
from kernel.events import Event
from scheduling.bookings import SAS_WEEKLY_CAP, BookingDraft, book, booking_event_payload
from scheduling.patient import PatientDraft, Sex
from scheduling.slot import Modality, Visibility
from scheduling.slots import SlotDraft, create_slot
from scheduling.snp_request import Origin
from server.database import Database
from tests.scheduling.conftest import GpWorld

PATIENT = PatientDraft("Hoarau", "Marie", datetime(1950, 1, 1).date(), Sex.FEMALE)


async def test_sas_weekly_cap_is_a_warning_from_the_21st(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 6, 4, 6, 0, tzinfo=UTC))  # Friday; the week booked is 7–13 June
    monday = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)
    warnings: list[list[str]] = []
    async with database.write() as session:
        for i in range(SAS_WEEKLY_CAP + 1):
            start = monday + timedelta(hours=(i // 8) * 24 + i % 8)
            slot = await create_slot(
                session,
                clock,
                world.gp,
                world.professional,
                SlotDraft(
                    start,
                    start + timedelta(minutes=20),
                    Modality.VIDEO,
                    frozenset({Visibility.SNP}),
                ),
            )
            booked = await book(
                session,
                clock,
                world.regulator,
                BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=slot.id, patient=PATIENT),
            )
            warnings.append(booked.warnings)
    assert all(w == [] for w in warnings[:SAS_WEEKLY_CAP])
    assert warnings[SAS_WEEKLY_CAP][0].startswith("sas_weekly_cap: 21 ")


async def test_booking_event_carries_the_slot_facts_on_both_backends(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    """The slot's professional and times reach the event from the compare-and-swap itself
    (SQL on PostgreSQL, Python on SQLite): both must write what `booking_event_payload` says,
    to the microsecond, and flag a GP booking their own slot."""
    world = await make_world("Indian/Reunion")
    clock.set(datetime(2027, 6, 4, 6, 0, tzinfo=UTC))
    start = datetime(2027, 6, 8, 9, 7, 30, 250000, tzinfo=UTC)  # odd seconds and microseconds
    async with database.write() as session:
        slot = await create_slot(
            session,
            clock,
            world.gp,
            world.professional,
            SlotDraft(
                start, start + timedelta(minutes=15), Modality.OFFICE, frozenset({Visibility.PRO})
            ),
        )
        booked = await book(
            session,
            clock,
            world.gp,
            BookingDraft(channel=Origin.OTHER_PROFESSIONAL, slot_id=slot.id, patient=PATIENT),
        )
    assert booked.booking.own_patient
    assert booked.booking.starts_at == start
    assert booked.warnings[0].startswith("own_patient")
    async with database.read() as session:
        payload = await session.scalar(
            select(Event.payload).where(
                Event.type == "booking.created", Event.subject_id == booked.booking.id
            )
        )
    assert payload == booking_event_payload(booked.booking)
    assert payload["starts_at"] == "2027-06-08T09:07:30.250000+00:00"
