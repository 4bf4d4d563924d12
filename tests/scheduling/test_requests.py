"""SNP requests in the domain: who reads which, the reads recorded, the time bounds, and the
close as a compare-and-swap (once, and never as `booked`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kernel.actor import Role
from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, NotFound
from scheduling import requests
from scheduling.models.snp_request import Origin, Outcome
from scheduling.patient import PatientDraft, Sex
from scheduling.requests import RequestDraft
from server.database import Database
from tests.scheduling.conftest import GpWorld

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
PATIENT = PatientDraft("Grondin", "Paul", datetime(1980, 5, 2).date(), Sex.MALE)


def _draft(**extra: object) -> RequestDraft:
    return replace(RequestDraft(Origin.PHARMACIST, "fièvre depuis 3 jours", PATIENT), **extra)  # type: ignore[arg-type]


async def test_who_reads_which_request_and_every_read_recorded(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    pharmacist = replace(world.gp, roles=frozenset({Role.PHARMACIST}), professional_id=None)
    other = replace(world.regulator, roles=frozenset({Role.NURSE}))
    async with database.write() as session:
        made, _ = await requests.create_request(session, clock, pharmacist, _draft())
    async with database.write() as session:
        own = await requests.read_requests(session, clock, pharmacist, open_only=True)
        board = await requests.read_requests(session, clock, world.regulator, open_only=True)
        nurse = await requests.read_requests(session, clock, other, open_only=True)
    assert [r.id for r in own.page.items] == [made.id] == [r.id for r in board.page.items]
    assert nurse.page.items == [] and nurse.patients == {}
    assert own.patients[made.patient_id].family_name == "Grondin"
    with pytest.raises(NotFound):  # not theirs: as absent
        async with database.write() as session:
            await requests.read_request(session, clock, other, made.id)
    async with database.read() as session:
        reads = list(
            await session.scalars(
                select(PatientDataRead.account_id, PatientDataRead.purpose).where(
                    PatientDataRead.subject_id == made.id
                )
            )
        )
    assert sorted(reads) == sorted([pharmacist.account_id, world.regulator.account_id])


async def test_received_at_is_bounded_and_the_reason_required(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("America/Martinique")
    for wrong, field in (
        (_draft(received_at=NOW + timedelta(minutes=5)), "received_at"),
        (_draft(received_at=NOW - timedelta(days=8)), "received_at"),
        (_draft(reason="   "), "reason"),
    ):
        with pytest.raises(Invalid) as refused:
            async with database.write() as session:
                await requests.create_request(session, clock, world.regulator, wrong)
        assert refused.value.field == field


async def test_a_request_closes_once_and_never_as_booked(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    async with database.write() as session:
        made, _ = await requests.create_request(session, clock, world.regulator, _draft())
    with pytest.raises(Invalid):
        async with database.write() as session:
            await requests.close_request(session, clock, world.regulator, made.id, Outcome.BOOKED)

    async def close(outcome: Outcome) -> bool:
        try:
            async with database.write() as session:
                await requests.close_request(session, clock, world.regulator, made.id, outcome)
        except Conflict:
            return False
        return True

    won = await asyncio.gather(close(Outcome.REDIRECTED_PDSA), close(Outcome.UNMET))
    assert sorted(won) == [False, True]  # exactly one close, whatever the backend
