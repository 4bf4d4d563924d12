"""The agenda's doors that need the directory (withdraw a slot, replace or end a rule): one
call each, given the directory's `Professionals`, checking the agenda's rights themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest

from coordination.directory.refs import PROFESSIONALS
from kernel.clock import FrozenClock
from kernel.errors import NotAllowed, NotFound
from scheduling import rules, slots
from scheduling.models.slot import Modality, SlotStatus, Visibility
from scheduling.rules import RuleDraft
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


async def test_withdrawing_a_slot_checks_whose_agenda_it_is(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world, elsewhere = await make_world("Europe/Paris"), await make_world("Europe/Paris")
    (slot,) = await quarter_hour_slots(database, clock, world, NOW + timedelta(days=1), 1)
    with pytest.raises(NotAllowed):  # a regulator does not run the GP's agenda
        async with database.write() as session:
            await slots.withdraw(session, clock, world.regulator, PROFESSIONALS, slot.id)
    with pytest.raises(NotFound):  # another territory's GP does not even see it
        async with database.write() as session:
            await slots.withdraw(session, clock, elsewhere.gp, PROFESSIONALS, slot.id)
    async with database.write() as session:
        withdrawn = await slots.withdraw(session, clock, world.gp, PROFESSIONALS, slot.id)
    assert withdrawn.status is SlotStatus.CANCELLED


async def test_ending_a_rule_through_its_door(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("America/Martinique")  # no DST
    draft = RuleDraft(
        rrule="FREQ=WEEKLY;BYDAY=MO,WE",
        start_date=date(2027, 3, 1),
        start_time=time(14, 0),
        end_time=time(16, 0),
        slot_minutes=30,
        modality=Modality.VIDEO,
        visibility=frozenset({Visibility.SNP}),
    )
    async with database.write() as session:
        created = await rules.create_rule(
            session, clock, world.gp, await PROFESSIONALS.ref(session, world.gp, None), draft, 28
        )
    rule_id = created.rule.id
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await rules.end(session, clock, world.regulator, PROFESSIONALS, rule_id, None)
    async with database.write() as session:
        ended = await rules.end(session, clock, world.gp, PROFESSIONALS, rule_id, date(2027, 3, 10))
    assert ended.rule.until == date(2027, 3, 10)
