"""The patient file's rules where they live: one person across the identity rows of their
requests and bookings, found by the first letters of the family name and the birth date,
shown only to a reader who may see one of their records, each read audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from coordination.patients.file import identity_for_form, patient_file, search_patients
from kernel.actor import Actor, Role
from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from kernel.errors import Invalid, NotFound
from scheduling import requests
from scheduling.bookings import BookingDraft, book
from scheduling.models.snp_request import Origin
from scheduling.patient import Patient, PatientDraft, Sex, patient_row
from scheduling.requests import RequestDraft
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
BORN = date(1952, 7, 14)


def _identity(family: str = "Hoarau-Payet", given: str = "Mylène") -> PatientDraft:
    return PatientDraft(family, given, BORN, Sex.FEMALE)


async def _request(
    database: Database, clock: FrozenClock, world: GpWorld, patient: PatientDraft
) -> object:
    async with database.write() as session:
        made, _ = await requests.create_request(
            session,
            clock,
            world.regulator,
            RequestDraft(origin=Origin.SAS_REGULATOR, reason="Toux", patient=patient),
        )
    return made


async def _world_with_records(
    database: Database, clock: FrozenClock, world: GpWorld
) -> tuple[object, object]:
    """Two requests for one person (typed twice, accents and case apart), one booked."""
    (slot,) = await quarter_hour_slots(database, clock, world, NOW + timedelta(days=1), 1)
    async with database.write() as session:
        first, _ = await requests.create_request(
            session,
            clock,
            world.regulator,
            RequestDraft(origin=Origin.SAS_REGULATOR, reason="Toux", patient=_identity()),
        )
        second, _ = await requests.create_request(
            session,
            clock,
            world.regulator,
            RequestDraft(
                origin=Origin.SAS_REGULATOR,
                reason="Fièvre",
                patient=_identity("HOARAU PAYET", "Mylene"),
            ),
        )
        await book(
            session,
            clock,
            world.regulator,
            BookingDraft(channel=Origin.SAS_REGULATOR, slot_id=slot.id, request_id=second.id),
        )
    return first, second


async def test_one_person_across_identity_rows_and_who_finds_them(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await _world_with_records(database, clock, world)
    async with database.write() as session:
        found = await search_patients(session, clock, world.regulator, "hoarau", BORN)
    assert len(found) == 1
    (person,) = found
    assert person.records == 3  # two requests and a booking
    async with database.write() as session:
        file = await patient_file(session, clock, world.regulator, person.patient_id)
    assert {r.id for r in file.requests} == {first.id, second.id}  # type: ignore[attr-defined]
    assert len(file.bookings) == 1
    # The GP consulted sees the person through the booking only; the requests are not theirs.
    async with database.write() as session:
        gp_file = await patient_file(session, clock, world.gp, person.patient_id)
    assert gp_file.requests == [] and len(gp_file.bookings) == 1
    # Someone with nothing of theirs finds nobody, and the file is absent for them.
    stranger = Actor(
        world.gp.account_id, world.gp.territory_id, "Europe/Paris", frozenset({Role.NURSE}), None
    )
    async with database.write() as session:
        assert await search_patients(session, clock, stranger, "hoarau", BORN) == []
    with pytest.raises(NotFound):
        async with database.write() as session:
            await patient_file(session, clock, stranger, person.patient_id)
    async with database.write() as session:
        assert await identity_for_form(session, clock, stranger, person.patient_id) is None
        assert (
            await search_patients(session, clock, world.regulator, "hoarau", BORN.replace(day=15))
            == []
        )
        assert await search_patients(session, clock, world.regulator, "payet", BORN) == []


async def test_every_read_is_audited_and_a_short_name_refused(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    await _world_with_records(database, clock, world)
    with pytest.raises(Invalid) as refused:
        async with database.write() as session:
            await search_patients(session, clock, world.regulator, "h", BORN)
    assert refused.value.code == "patient_search_name_short"
    async with database.write() as session:
        (person,) = await search_patients(session, clock, world.regulator, "Hoarau", BORN)
        await patient_file(session, clock, world.regulator, person.patient_id)
    async with database.read() as session:
        reads = list(
            await session.scalars(
                select(PatientDataRead.purpose).where(
                    PatientDataRead.account_id == world.regulator.account_id,
                    PatientDataRead.subject_type == "patient",
                )
            )
        )
    assert reads.count("patient search") == 1
    assert reads.count("patient file") == 2  # both identity rows of the person


async def test_a_reader_is_shown_the_row_they_may_see_not_a_newer_one(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    # The GP consulted sees the booked row; the newer request's row is the regulator's only.
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    _, booked = await _world_with_records(database, clock, world)
    clock.set(NOW + timedelta(hours=2))
    newer = PatientDraft("Hoarau-Payet", "Mylène", BORN, Sex.FEMALE, "0692 00 00 00")
    await _request(database, clock, world, newer)
    async with database.write() as session:
        (person,) = await search_patients(session, clock, world.gp, "hoarau", BORN)
    assert person.patient_id == booked.patient_id  # type: ignore[attr-defined]
    async with database.read() as session:
        audited = set(
            await session.scalars(
                select(PatientDataRead.patient_id).where(
                    PatientDataRead.account_id == world.gp.account_id
                )
            )
        )
    assert audited == {booked.patient_id}  # type: ignore[attr-defined]


async def test_rows_born_the_same_day_do_not_hide_a_person(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    # Thousands of identities with that birth date (a flood through the public form) once
    # filled the rows read before the names were compared.
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    async with database.write() as session:
        await session.execute(
            insert(Patient),
            [
                patient_row(
                    world.regulator.territory_id,
                    PatientDraft(f"Zzflood{n}", "Anon", BORN, Sex.UNKNOWN),
                    NOW + timedelta(seconds=n),
                )
                for n in range(2_500)
            ],
        )
    clock.set(NOW + timedelta(hours=1))
    first, _ = await _world_with_records(database, clock, world)
    async with database.write() as session:
        (person,) = await search_patients(session, clock, world.regulator, "hoarau", BORN)
        file = await patient_file(session, clock, world.regulator, person.patient_id)
    assert first.id in {r.id for r in file.requests}  # type: ignore[attr-defined]


async def test_names_in_other_scripts_are_different_people(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    # The fold once kept ASCII only: every Cyrillic name folded to "" and was one person.
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    for family in ("Иванов", "Петров"):
        await _request(database, clock, world, PatientDraft(family, "Olga", BORN, Sex.FEMALE))
    async with database.write() as session:
        (person,) = await search_patients(session, clock, world.regulator, "иван", BORN)
        file = await patient_file(session, clock, world.regulator, person.patient_id)
    assert person.family_name == "Иванов" and person.records == 1
    assert len(file.requests) == 1
