"""The agenda use case: what the GP's week shows, read once, each patient an audited read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from scheduling.agenda import agenda_window
from scheduling.bookings import BookingDraft, book, transition
from scheduling.models.booking import BookingStatus
from scheduling.models.slot import Modality, Visibility
from scheduling.models.snp_request import Origin
from scheduling.patient import PatientDraft, Sex
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

MONDAY = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)
PATIENT = PatientDraft("Hoarau", "Marie", datetime(1950, 1, 1).date(), Sex.FEMALE)


async def test_the_week_shows_each_slots_booking_and_audits_its_patients(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(MONDAY - timedelta(days=3))
    world = await make_world("Europe/Paris")
    free, sas, cancelled = await quarter_hour_slots(
        database, clock, world, MONDAY, 3, Modality.VIDEO, Visibility.SNP
    )
    async with database.write() as session:
        by_sas = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=sas.id, patient=PATIENT),
        )
        gone = await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=cancelled.id, patient=PATIENT),
        )
        await transition(
            session, clock, world.regulator, gone.booking.id, BookingStatus.CANCELLED, "test"
        )
    async with database.write() as session:
        week = await agenda_window(
            session, clock, world.gp, world.professional.id, MONDAY, MONDAY + timedelta(days=7)
        )
    assert [s.id for s in week.slots] == [free.id, sas.id, cancelled.id]
    # The cancelled booking was given back before the slot started: the slot shows nothing.
    assert set(week.shown) == {sas.id}
    assert week.shown[sas.id].id == by_sas.booking.id
    assert week.patients[by_sas.booking.patient_id].family_name == "Hoarau"
    assert week.sas_count == 1 and week.teleconsultations == set()
    async with database.read() as session:
        reads = list(
            await session.scalars(
                select(PatientDataRead).where(PatientDataRead.account_id == world.gp.account_id)
            )
        )
    assert [(r.subject_type, r.subject_id, r.purpose) for r in reads] == [
        ("booking", by_sas.booking.id, "agenda week")
    ]
