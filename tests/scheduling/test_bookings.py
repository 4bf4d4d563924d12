"""Booking rules in the domain: the SAS weekly cap warning counts the GP's local week."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kernel.clock import FrozenClock
from kernel.errors import Conflict, NotFound
from kernel.events import Event
from scheduling.booking_batch import BookingBatcher
from scheduling.bookings import (
    SAS_WEEKLY_CAP,
    BookingDraft,
    book,
    book_direct,
    booking_event_payload,
    is_plain,
    transition,
)
from scheduling.holds import SlotTaken
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility
from scheduling.models.snp_request import Origin
from scheduling.patient import Patient, PatientDraft, Sex, draft_of
from scheduling.slots import SlotDraft, create_slot
from server.database import Database
from tests.scheduling.conftest import GpWorld

PATIENT = PatientDraft("Hoarau", "Marie", datetime(1950, 1, 1).date(), Sex.FEMALE)


async def _office_slot(
    database: Database, clock: FrozenClock, world: GpWorld, start: datetime
) -> Slot:
    async with database.write() as session:
        return await create_slot(
            session,
            clock,
            world.gp,
            world.professional,
            SlotDraft(
                start, start + timedelta(minutes=15), Modality.OFFICE, frozenset({Visibility.PRO})
            ),
        )


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
    slot = await _office_slot(database, clock, world, start)
    async with database.write() as session:
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


async def test_direct_booking_writes_what_the_session_path_writes(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    """PostgreSQL's plain bookings skip the session (`book_direct`): same rows, same event,
    same warnings, and the same errors when the slot is taken, over or unknown."""
    if not database.has_direct:
        pytest.skip("the direct path exists on PostgreSQL only; SQLite books in a session")
    world = await make_world("Indian/Reunion")
    clock.set(datetime(2027, 6, 4, 6, 0, tzinfo=UTC))
    start = datetime(2027, 6, 8, 9, 7, 30, 250000, tzinfo=UTC)
    slot = await _office_slot(database, clock, world, start)
    later = await _office_slot(database, clock, world, start + timedelta(minutes=30))
    draft = BookingDraft(channel=Origin.OTHER_PROFESSIONAL, slot_id=slot.id, patient=PATIENT)
    assert is_plain(draft)
    batcher = BookingBatcher(database.direct)
    booked = await book_direct(batcher, clock, world.gp, draft)
    with pytest.raises(SlotTaken):
        await book_direct(batcher, clock, world.regulator, draft)
    with pytest.raises(NotFound):
        await book_direct(batcher, clock, world.regulator, replace(draft, slot_id=uuid.uuid4()))
    assert booked.booking.own_patient and booked.warnings[0].startswith("own_patient")
    async with database.read() as session:
        payload = await session.scalar(
            select(Event.payload).where(
                Event.type == "booking.created", Event.subject_id == booked.booking.id
            )
        )
        stored = await session.get(Booking, booked.booking.id)
        patient = await session.get(Patient, booked.booking.patient_id)
    assert payload == booking_event_payload(booked.booking)
    assert payload["starts_at"] == "2027-06-08T09:07:30.250000+00:00"
    assert (
        stored is not None
        and stored.starts_at == start
        and stored.booked_by == (world.gp.account_id)
    )
    assert patient is not None and patient.family_name == "Hoarau"

    clock.set(start + timedelta(hours=1))  # that slot has started (and ended) by then
    with pytest.raises(Conflict, match="already started"):
        await book_direct(batcher, clock, world.regulator, replace(draft, slot_id=later.id))


async def test_cancelling_a_started_booking_gives_its_slot_back(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    # Once left `booked` with no live booking: counted as booked, never to be freed again.
    world = await make_world("Europe/Paris")
    start = clock.now() + timedelta(hours=2)
    slot = await _office_slot(database, clock, world, start)
    async with database.write() as session:
        booked = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=slot.id, patient=PATIENT),
        )
    clock.advance(timedelta(hours=2, minutes=5))  # the consultation has started
    async with database.write() as session:
        await transition(
            session, clock, world.regulator, booked.booking.id, BookingStatus.CANCELLED, "parti"
        )
    async with database.read() as session:
        after = await session.get(Slot, slot.id)
        freed = await session.scalar(
            select(Event).where(Event.type == "slot.freed", Event.subject_id == slot.id)
        )
    assert after is not None and after.status is SlotStatus.FREE
    assert freed is not None


async def test_one_door_books_whatever_the_backend(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    """`place` takes the batched path when a batcher runs and the booking is plain, a write
    transaction otherwise; the answer names the patient either way, and a replay with the same
    key names the stored patient."""
    from scheduling.bookings import place

    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 6, 4, 6, 0, tzinfo=UTC))
    start = datetime(2027, 6, 8, 9, 0, tzinfo=UTC)
    plain, keyed = (
        await _office_slot(database, clock, world, start),
        await _office_slot(database, clock, world, start + timedelta(hours=1)),
    )
    batcher = BookingBatcher(database.direct) if database.has_direct else None
    draft = BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=plain.id, patient=PATIENT)
    booked, patient = await place(database, batcher, clock, world.regulator, draft)
    assert booked.created and patient.family_name == "Hoarau"
    assert booked.booking.professional_id == world.professional.id
    with pytest.raises(SlotTaken):
        await place(database, batcher, clock, world.regulator, draft)
    keyed_draft = replace(draft, slot_id=keyed.id, idempotency_key="k-1")
    first, _ = await place(database, batcher, clock, world.regulator, keyed_draft)
    again, named = await place(database, batcher, clock, world.regulator, keyed_draft)
    assert not again.created and again.booking.id == first.booking.id
    async with database.read() as session:
        stored = await session.get(Patient, first.booking.patient_id)
    assert stored is not None and named == draft_of(stored)  # the stored identity, by one read
