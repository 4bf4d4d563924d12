"""Holds in the domain: the per-account cap of live holds, what stops counting toward it, the
territory's own cap, and concurrent holds that cannot pass it together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kernel.actor import Role
from kernel.clock import FrozenClock
from kernel.errors import Invalid, NotAllowed
from kernel.events import Event
from scheduling.holds import (
    DEFAULT_MAX_LIVE_HOLDS,
    HoldLimit,
    live_holds,
    place_hold,
    release_hold,
    set_hold_limit,
)
from scheduling.models.hold import Hold
from scheduling.models.slot import Modality, Slot
from server.database import Database
from tests.scheduling.conftest import GpWorld, quarter_hour_slots

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


async def _slots(database: Database, clock: FrozenClock, world: GpWorld, n: int) -> list[Slot]:
    start = NOW + timedelta(hours=2)
    return await quarter_hour_slots(database, clock, world, start, n, Modality.VIDEO)


async def test_an_account_holds_at_most_the_cap_and_what_ends_stops_counting(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    slots = await _slots(database, clock, world, DEFAULT_MAX_LIVE_HOLDS + 2)
    held = []
    for slot in slots[:DEFAULT_MAX_LIVE_HOLDS]:
        async with database.write() as session:
            held.append(await place_hold(session, clock, world.regulator, slot.id))
    with pytest.raises(HoldLimit) as refused:
        async with database.write() as session:
            await place_hold(session, clock, world.regulator, slots[-1].id)
    assert refused.value.field == "slot_id"
    # A released hold no longer counts…
    async with database.write() as session:
        await release_hold(session, clock, world.regulator, held[0].id)
    async with database.write() as session:
        await place_hold(session, clock, world.regulator, slots[-2].id)
    # …nor does a lapsed one: five minutes later every hold has expired.
    clock.set(NOW + timedelta(minutes=6))
    async with database.write() as session:
        await place_hold(session, clock, world.regulator, slots[-1].id)
    # Another account has its own count.
    other = replace(world.gp, roles=frozenset({Role.GP}))
    async with database.write() as session:
        await place_hold(session, clock, other, slots[1].id)


async def test_the_territory_sets_its_own_cap(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Indian/Reunion")
    admin = replace(world.regulator, roles=frozenset({Role.ADMIN}))
    with pytest.raises(NotAllowed):
        async with database.write() as session:
            await set_hold_limit(session, clock, world.regulator, 5)
    for wrong in (0, 51):
        with pytest.raises(Invalid) as invalid:
            async with database.write() as session:
                await set_hold_limit(session, clock, admin, wrong)
        assert invalid.value.field == "max_live_holds"
    async with database.write() as session:
        assert await set_hold_limit(session, clock, admin, 1) == 1
    async with database.read() as session:
        changed = await session.scalar(
            select(Event).where(
                Event.territory_id == world.regulator.territory_id,
                Event.type == "territory.hold_limit_changed",
            )
        )
    assert changed is not None and changed.payload == {"max_live_holds": 1}
    slots = await _slots(database, clock, world, 2)
    async with database.write() as session:
        await place_hold(session, clock, world.regulator, slots[0].id)
    with pytest.raises(HoldLimit):
        async with database.write() as session:
            await place_hold(session, clock, world.regulator, slots[1].id)


async def test_concurrent_holds_cannot_pass_the_cap_together(
    database: Database, clock: FrozenClock, make_world: Callable[[str], Awaitable[GpWorld]]
) -> None:
    clock.set(NOW)
    world = await make_world("Europe/Paris")
    slots = await _slots(database, clock, world, 12)

    async def hold(slot: Slot) -> bool:
        try:
            async with database.write() as session:
                await place_hold(session, clock, world.regulator, slot.id)
        except HoldLimit:
            return False
        return True

    outcomes = await asyncio.gather(*(hold(slot) for slot in slots))
    assert sum(outcomes) == DEFAULT_MAX_LIVE_HOLDS
    async with database.read() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Hold)
            .where(Hold.account_id == world.regulator.account_id, live_holds())
        )
    assert live == DEFAULT_MAX_LIVE_HOLDS
