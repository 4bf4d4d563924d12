"""The waiting list's reminders where they live: a proposal unanswered for a week and a
declaration unrecorded three weeks after the acceptance are claimed once each, with their
events, even when two workers claim at once (both databases)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from coordination.doctor_access import service
from coordination.doctor_access.reminders import (
    ANSWER_REMINDER_AFTER,
    DECLARATION_REMINDER_AFTER,
    Reminder,
    ReminderKind,
    claim_reminders,
)
from kernel.clock import FrozenClock
from kernel.event_types import EventType
from kernel.events import Event
from server.database import Database
from tests.coordination.doctor_access.world import (
    NOW,
    World,
    make_world,
    propose_one,
    register,
    state_capacity,
)


async def _claim(database: Database, clock: FrozenClock, world: World) -> list[Reminder]:
    """The reminders claimed now for this world's territory: the claim covers every territory,
    and the tests before this one, in the same database, may have left proposals due."""
    async with database.write() as session:
        claimed = await claim_reminders(session, clock)
    return [r for r in claimed if r.territory_id == world.territory.id]


async def test_an_unanswered_proposal_then_an_unrecorded_declaration_are_reminded_once(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock)
    gp = world.gps[0]
    await state_capacity(database, clock, gp, 3)
    (entry,) = await register(database, clock, world, "Grondin")
    proposal = await propose_one(database, clock, world, entry, gp)
    clock.set(NOW + ANSWER_REMINDER_AFTER - timedelta(hours=1))
    assert await _claim(database, clock, world) == []
    clock.set(NOW + ANSWER_REMINDER_AFTER)
    (reminded,) = await _claim(database, clock, world)
    assert reminded.kind is ReminderKind.ANSWER and reminded.professional_id == gp.professional_id
    assert await _claim(database, clock, world) == [], "once"
    async with database.write() as session:
        await service.accept(session, clock, gp, entry.id, proposal.id)
    accepted_at = clock.now()
    clock.set(accepted_at + DECLARATION_REMINDER_AFTER - timedelta(hours=1))
    assert await _claim(database, clock, world) == []
    clock.set(accepted_at + DECLARATION_REMINDER_AFTER)
    (declaration,) = await _claim(database, clock, world)
    assert declaration.kind is ReminderKind.DECLARATION and declaration.entry_id == entry.id
    assert await _claim(database, clock, world) == []
    async with database.read() as session:
        events = list(
            await session.scalars(
                select(Event).where(
                    Event.subject_id == entry.id, Event.type == EventType.MT_REMINDED
                )
            )
        )
    assert len(events) == 2
    for event in events:
        assert event.payload["professional_ids"] == [str(gp.professional_id)]
        assert "Grondin" not in str(event.payload)


async def test_two_workers_claiming_at_once_remind_each_gp_once(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(NOW)
    world = await make_world(database, clock, gps=2)
    for gp in world.gps:
        await state_capacity(database, clock, gp, 5)
    entries = await register(database, clock, world, "Hoarau", "Fontaine", "Maillot")
    async with database.write() as session:
        for entry in entries:
            await service.propose(
                session,
                clock,
                world.coordinator,
                entry.id,
                [gp.professional_id for gp in world.gps],  # type: ignore[misc]
            )
    clock.set(NOW + ANSWER_REMINDER_AFTER + timedelta(days=1))
    first, second = await asyncio.gather(
        _claim(database, clock, world), _claim(database, clock, world)
    )
    claimed = [(r.entry_id, r.professional_id) for r in first + second]
    assert len(claimed) == 6 and len(set(claimed)) == 6
