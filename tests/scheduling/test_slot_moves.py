"""Moving a free slot (the agenda's drag and resize) and closing a period (an afternoon, a
holiday): compare-and-swap on the slot's state, the overlap guard of the database, one event
per change, and races on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coordination.directory.refs import PROFESSIONALS
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, NotAllowed
from kernel.event_types import EventType
from kernel.events import Event
from scheduling import slots
from scheduling.holds import place_hold
from scheduling.models.slot import Slot, SlotStatus
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)
QUARTER = timedelta(minutes=15)


async def _slot(database: Database, slot_id: object) -> Slot:
    async with database.read() as session:
        found = await session.scalar(select(Slot).where(Slot.id == slot_id))
        assert found is not None
        return found


async def _events(database: Database, kind: EventType, subject: object) -> int:
    async with database.read() as session:
        found = await session.scalars(
            select(Event.id).where(Event.type == kind.value, Event.subject_id == subject)
        )
        return len(list(found))


async def test_a_free_slot_moves_and_says_so(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    (slot,) = await quarter_hour_slots(database, clock, world, TOMORROW, 1)
    later = TOMORROW + timedelta(hours=2)
    async with database.write() as session:
        moved = await slots.move(
            session, clock, world.gp, PROFESSIONALS, slot.id, later, later + 2 * QUARTER
        )
    assert (moved.starts_at, moved.ends_at) == (later, later + 2 * QUARTER)
    assert moved.status is SlotStatus.FREE and moved.version == slot.version + 1
    stored = await _slot(database, slot.id)
    assert stored.starts_at == later and stored.rule_id is None
    assert await _events(database, EventType.SLOT_MOVED, slot.id) == 1


async def test_a_move_is_refused_onto_another_slot_or_for_someone_else(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    first, second = await quarter_hour_slots(database, clock, world, TOMORROW, 2)
    with pytest.raises(Conflict) as refused:
        async with database.write() as session:
            await slots.move(
                session,
                clock,
                world.gp,
                PROFESSIONALS,
                first.id,
                TOMORROW + QUARTER + timedelta(minutes=5),
                TOMORROW + 2 * QUARTER + timedelta(minutes=5),
            )
    assert refused.value.code == "slot_overlap"
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await slots.move(
                session, clock, world.regulator, PROFESSIONALS, first.id, NOW, NOW + QUARTER
            )
    with pytest.raises(Invalid) as past:
        async with database.write() as session:
            await slots.move(
                session,
                clock,
                world.gp,
                PROFESSIONALS,
                first.id,
                NOW - timedelta(hours=1),
                NOW - timedelta(minutes=30),
            )
    assert past.value.code == "slot_move_past"
    assert (await _slot(database, first.id)).starts_at == TOMORROW  # nothing changed
    assert await _events(database, EventType.SLOT_MOVED, first.id) == 0
    # Moving within its own time (resizing it longer over nothing) is no overlap with itself.
    async with database.write() as session:
        await slots.move(
            session,
            clock,
            world.gp,
            PROFESSIONALS,
            second.id,
            TOMORROW + QUARTER,
            TOMORROW + 3 * QUARTER,
        )


async def test_a_held_slot_does_not_move(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    (slot,) = await quarter_hour_slots(database, clock, world, TOMORROW, 1)
    async with database.write() as session:
        await place_hold(session, clock, world.regulator, slot.id)
    with pytest.raises(Conflict) as refused:
        async with database.write() as session:
            await slots.move(
                session,
                clock,
                world.gp,
                PROFESSIONALS,
                slot.id,
                TOMORROW + QUARTER,
                TOMORROW + 2 * QUARTER,
            )
    assert refused.value.code == "slot_not_movable"


async def test_two_slots_moved_to_one_time_at_once_one_wins(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    movers = await quarter_hour_slots(database, clock, world, TOMORROW, 6)
    target = TOMORROW + timedelta(hours=5)

    async def move(slot: Slot) -> bool:
        try:
            async with database.write() as session:
                await slots.move(
                    session, clock, world.gp, PROFESSIONALS, slot.id, target, target + QUARTER
                )
        except Conflict:
            return False
        return True

    outcomes = await asyncio.gather(*(move(s) for s in movers))
    assert sum(outcomes) == 1
    async with database.read() as session:
        at_target = list(
            await session.scalars(
                select(Slot).where(
                    Slot.professional_id == world.professional.id, Slot.starts_at == target
                )
            )
        )
    assert len(at_target) == 1


async def test_closing_a_period_withdraws_its_free_slots_and_keeps_the_taken(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    made = await quarter_hour_slots(database, clock, world, TOMORROW, 4)
    (outside,) = await quarter_hour_slots(database, clock, world, TOMORROW + timedelta(hours=3), 1)
    async with database.write() as session:
        await place_hold(session, clock, world.regulator, made[1].id)
    async with database.write() as session:
        closed = await slots.close_period(
            session, clock, world.gp, world.professional, TOMORROW, TOMORROW + timedelta(hours=2)
        )
    assert {s.id for s in closed.withdrawn} == {made[0].id, made[2].id, made[3].id}
    assert closed.kept == 1
    assert (await _slot(database, made[1].id)).status is SlotStatus.HELD
    assert (await _slot(database, outside.id)).status is SlotStatus.FREE
    for s in closed.withdrawn:
        assert await _events(database, EventType.SLOT_WITHDRAWN, s.id) == 1
    with pytest.raises(Invalid) as refused:
        async with database.write() as session:
            await slots.close_period(
                session,
                clock,
                world.gp,
                world.professional,
                TOMORROW,
                TOMORROW + timedelta(days=93),
            )
    assert refused.value.code == "closed_period_max"


async def test_a_period_closed_while_a_slot_is_held_never_loses_the_hold(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    made = await quarter_hour_slots(database, clock, world, TOMORROW, 8)

    async def hold(slot: Slot) -> bool:
        try:
            async with database.write() as session:
                await place_hold(session, clock, world.regulator, slot.id)
        except Conflict:
            return False
        return True

    async def close() -> slots.Closed:
        async with database.write() as session:
            return await slots.close_period(
                session,
                clock,
                world.gp,
                world.professional,
                TOMORROW,
                TOMORROW + timedelta(hours=3),
            )

    *held, closed = await asyncio.gather(*(hold(s) for s in made[:4]), close())
    assert isinstance(closed, slots.Closed)
    withdrawn = {s.id for s in closed.withdrawn}
    for slot, won in zip(made[:4], held, strict=True):
        status = (await _slot(database, slot.id)).status
        assert won == (status is SlotStatus.HELD)
        assert won != (slot.id in withdrawn)
