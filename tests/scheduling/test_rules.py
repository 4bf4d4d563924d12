"""Availability rules through the domain: DST, Réunion, rolling horizon, idempotent extension."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kernel.clock import FrozenClock
from kernel.errors import Conflict
from scheduling.models.availability_rule import AvailabilityRule
from scheduling.models.slot import Modality, Slot, Visibility
from scheduling.rules import RuleDraft, create_rule, extend_horizon
from server.database import Database
from tests.scheduling.conftest import GpWorld

MondayNoon = RuleDraft(
    rrule="FREQ=WEEKLY;BYDAY=MO",
    start_date=date(2027, 3, 1),
    start_time=time(12, 0),
    end_time=time(13, 0),
    slot_minutes=15,
    modality=Modality.OFFICE,
    visibility=frozenset({Visibility.SNP}),
)


async def _starts(database: Database, world: GpWorld) -> list[datetime]:
    async with database.read() as session:
        rows = await session.scalars(
            select(Slot.starts_at)
            .where(Slot.professional_id == world.professional.id)
            .order_by(Slot.starts_at)
        )
        return list(rows)


async def test_paris_rule_keeps_noon_across_the_march_change(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 3, 14, 9, 0, tzinfo=UTC))  # the change is on Sunday 28 March 2027
    async with database.write() as session:
        result = await create_rule(session, clock, world.gp, world.professional, MondayNoon, 28)
    assert result.created == 4 * 4  # Mondays 15, 22, 29 March and 5 April
    starts = await _starts(database, world)
    assert starts[0] == datetime(2027, 3, 15, 11, 0, tzinfo=UTC)
    assert starts[4] == datetime(2027, 3, 22, 11, 0, tzinfo=UTC)
    assert starts[8] == datetime(2027, 3, 29, 10, 0, tzinfo=UTC)
    paris = ZoneInfo("Europe/Paris")
    assert {s.astimezone(paris).time() for s in starts} == {
        time(12, 0),
        time(12, 15),
        time(12, 30),
        time(12, 45),
    }


async def test_paris_rule_across_the_october_change(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 10, 20, 9, 0, tzinfo=UTC))  # back to UTC+1 on 31 October 2027
    async with database.write() as session:
        await create_rule(session, clock, world.gp, world.professional, MondayNoon, 14)
    starts = await _starts(database, world)
    assert [s for s in starts if s.minute == 0] == [
        datetime(2027, 10, 25, 10, 0, tzinfo=UTC),
        datetime(2027, 11, 1, 11, 0, tzinfo=UTC),
    ]


async def test_reunion_rule_has_no_dst(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    world = await make_world("Indian/Reunion")
    clock.set(datetime(2027, 3, 14, 5, 0, tzinfo=UTC))
    async with database.write() as session:
        await create_rule(session, clock, world.gp, world.professional, MondayNoon, 56)
    starts = await _starts(database, world)
    assert len(starts) == 8 * 4
    assert {s.time() for s in starts} == {time(8, 0), time(8, 15), time(8, 30), time(8, 45)}


async def test_horizon_extension_is_idempotent_and_race_free(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 5, 1, 9, 0, tzinfo=UTC))  # a Saturday
    async with database.write() as session:
        first = await create_rule(session, clock, world.gp, world.professional, MondayNoon, 14)
    assert first.created == 2 * 4
    clock.advance(timedelta(days=14))

    async def extend() -> int:
        async with database.write() as session:
            return await extend_horizon(session, clock, 14)

    results = await asyncio.gather(extend(), extend(), extend())
    async with database.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Slot)
            .where(Slot.professional_id == world.professional.id)
        )
    assert count == 4 * 4
    assert (await extend()) == 0
    assert len(await _starts(database, world)) == 16
    assert sum(results) >= 8  # other territories' rules may be extended too


async def test_the_same_rule_twice_is_refused(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    """It was saved and listed with "0 créneaux créés, 24 ignorés"."""
    world = await make_world("Europe/Paris")
    clock.set(datetime(2027, 2, 20, 9, 0, tzinfo=UTC))
    async with database.write() as session:
        await create_rule(session, clock, world.gp, world.professional, MondayNoon, 28)
    with pytest.raises(Conflict) as refused:
        async with database.write() as session:
            await create_rule(session, clock, world.gp, world.professional, MondayNoon, 28)
    assert refused.value.field == "rrule"
    async with database.read() as session:
        rules = await session.scalar(
            select(func.count())
            .select_from(AvailabilityRule)
            .where(AvailabilityRule.professional_id == world.professional.id)
        )
    assert rules == 1  # nothing of the second was written
