"""Moving a booking to another slot: one transaction that frees the old slot and takes the
new one, for the same patient and request, with the history kept (the old booking cancelled,
`booking.rescheduled` linking the two); a new slot taken meanwhile changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kernel.clock import FrozenClock
from kernel.errors import Conflict, InvalidTransition, NotAllowed
from kernel.event_types import EventType
from kernel.events import Event
from scheduling import requests
from scheduling.bookings import BookingDraft, book, reschedule
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Slot, SlotStatus
from scheduling.models.snp_request import Origin, Outcome, SnpRequest
from scheduling.patient import Patient, PatientDraft, Sex
from scheduling.requests import RequestDraft
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)
PATIENT = PatientDraft("Payet", "Lucie", datetime(1961, 5, 2).date(), Sex.FEMALE)


async def _booked_request(
    database: Database, clock: FrozenClock, world: GpWorld, slot: Slot
) -> Booking:
    async with database.write() as session:
        request, _ = await requests.create_request(
            session,
            clock,
            world.regulator,
            RequestDraft(origin=Origin.SAS_REGULATOR, reason="Fièvre", patient=PATIENT),
        )
        booked = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=slot.id, request_id=request.id),
        )
    async with database.read() as session:
        found = await session.get(Booking, booked.booking.id)
        assert found is not None
        return found


async def test_a_booking_moves_with_its_patient_request_and_history(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await quarter_hour_slots(database, clock, world, TOMORROW, 2)
    old = await _booked_request(database, clock, world, first)
    async with database.write() as session:
        moved = await reschedule(
            session, clock, world.regulator, old.id, slot_id=second.id, reason="Patient retardé"
        )
    new = moved.booking
    assert new.slot_id == second.id and new.patient_id == old.patient_id
    assert new.request_id == old.request_id and new.channel is Origin.SAS_REGULATOR
    async with database.read() as session:
        was = await session.get(Booking, old.id)
        assert was is not None and was.status is BookingStatus.CANCELLED
        assert was.cancel_reason == "Patient retardé"
        slots = {
            s.id: s.status
            for s in await session.scalars(select(Slot).where(Slot.id.in_([first.id, second.id])))
        }
        assert slots == {first.id: SlotStatus.FREE, second.id: SlotStatus.BOOKED}
        request = await session.get(SnpRequest, old.request_id)
        assert request is not None and request.outcome is Outcome.BOOKED
        assert request.booking_id == new.id
        linked = await session.scalar(
            select(Event).where(
                Event.type == EventType.BOOKING_RESCHEDULED.value, Event.subject_id == new.id
            )
        )
        assert linked is not None and linked.payload["rescheduled_from"] == str(old.id)
        assert (
            await session.scalar(
                select(func.count()).select_from(Patient).where(Patient.id == old.patient_id)
            )
            == 1
        )


async def test_a_booking_without_request_keeps_its_one_patient(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await quarter_hour_slots(database, clock, world, TOMORROW, 2)
    async with database.write() as session:
        booked = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=first.id, patient=PATIENT),
        )
    async with database.write() as session:
        moved = await reschedule(
            session, clock, world.regulator, booked.booking.id, slot_id=second.id
        )
    assert moved.booking.patient_id == booked.booking.patient_id


async def test_a_taken_slot_leaves_the_booking_as_it_was(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await quarter_hour_slots(database, clock, world, TOMORROW, 2)
    old = await _booked_request(database, clock, world, first)
    other = await _booked_request(database, clock, world, second)
    with pytest.raises(Conflict):
        async with database.write() as session:
            await reschedule(session, clock, world.regulator, old.id, slot_id=second.id)
    async with database.read() as session:
        kept = await session.get(Booking, old.id)
        assert kept is not None and kept.status is BookingStatus.BOOKED
        assert (await session.get(Slot, first.id)).status is SlotStatus.BOOKED  # type: ignore[union-attr]
        request = await session.get(SnpRequest, old.request_id)
        assert request is not None and request.booking_id == old.id
    assert other.status is BookingStatus.BOOKED


async def test_who_moves_and_what_does_not(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await quarter_hour_slots(database, clock, world, TOMORROW, 2)
    old = await _booked_request(database, clock, world, first)
    with pytest.raises(NotAllowed):  # the GP consulted cancels; the booker moves
        async with database.write() as session:
            await reschedule(session, clock, world.gp, old.id, slot_id=second.id)
    clock.set(TOMORROW + timedelta(minutes=5))
    with pytest.raises(InvalidTransition):
        async with database.write() as session:
            await reschedule(session, clock, world.regulator, old.id, slot_id=second.id)


async def test_two_moves_to_one_slot_at_once_one_wins(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    made = await quarter_hour_slots(database, clock, world, TOMORROW, 5)
    target = made[-1]
    olds = [await _booked_request(database, clock, world, s) for s in made[:-1]]

    async def move(booking: Booking) -> bool:
        try:
            async with database.write() as session:
                await reschedule(session, clock, world.regulator, booking.id, slot_id=target.id)
        except Conflict:
            return False
        return True

    outcomes = await asyncio.gather(*(move(b) for b in olds))
    assert sum(outcomes) == 1
    async with database.read() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_id == target.id, Booking.status == BookingStatus.BOOKED)
        )
        assert live == 1
        still = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.id.in_([b.id for b in olds]), Booking.status == BookingStatus.BOOKED)
        )
        assert still == len(olds) - 1  # the losers kept their appointments
