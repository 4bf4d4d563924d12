"""Busy time in the domain: an imported calendar blocks the open slots it overlaps (and only
those), reports the bookings it conflicts with instead of touching them, and gives the slots
back when it goes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kernel.clock import FrozenClock
from scheduling import busy_time
from scheduling.bookings import BookingDraft, book
from scheduling.busy_calendar import BusySource
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility
from scheduling.models.snp_request import Origin
from scheduling.patient import PatientDraft, Sex
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

START = datetime(2027, 3, 1, 13, 0, tzinfo=UTC)  # 14:00 in Paris


async def _statuses(database: Database, slots: list[Slot]) -> list[SlotStatus]:
    async with database.read() as session:
        by_id = {
            s.id: s.status
            for s in await session.scalars(select(Slot).where(Slot.id.in_([s.id for s in slots])))
        }
    return [by_id[s.id] for s in slots]


async def test_a_busy_calendar_blocks_what_it_overlaps_and_gives_it_back(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(START - timedelta(days=1))
    world = await make_world("Europe/Paris")
    slots = await quarter_hour_slots(
        database, clock, world, START, 4, Modality.VIDEO, Visibility.SNP
    )
    async with database.write() as session:
        booked = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(
                channel=Origin.SAS_REGULATOR,
                slot_id=slots[1].id,
                patient=PatientDraft("Hoarau", "Marie", datetime(1950, 1, 1).date(), Sex.FEMALE),
            ),
        )
    # Busy from 14:10 to 14:40 local: the 14:00, 14:15 (booked) and 14:30 slots overlap.
    busy = (START + timedelta(minutes=10), START + timedelta(minutes=40))
    async with database.write() as session:
        added = await busy_time.add_calendar(
            session,
            clock,
            world.gp,
            world.professional,
            name="Agenda du cabinet",
            source=BusySource.UPLOAD,
            intervals=[busy],
        )
    assert added.blocked == 2 and added.unblocked == 0
    assert [c.booking_id for c in added.conflicts] == [booked.booking.id]
    assert await _statuses(database, slots) == [
        SlotStatus.BLOCKED,
        SlotStatus.BOOKED,  # a booking is never undone by busy time: reported instead
        SlotStatus.BLOCKED,
        SlotStatus.FREE,
    ]
    async with database.write() as session:
        removed = await busy_time.remove_calendar(
            session, clock, world.gp, world.professional, added.calendar.id
        )
    assert removed.unblocked == 2
    assert await _statuses(database, slots) == [
        SlotStatus.FREE,
        SlotStatus.BOOKED,
        SlotStatus.FREE,
        SlotStatus.FREE,
    ]
