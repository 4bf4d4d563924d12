"""Holds: reserve an open slot for a few minutes by compare-and-swap, release it early."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, NotFound
from kernel.events import append_event
from scheduling.busy_calendar import reopened_status
from scheduling.hold import Hold
from scheduling.slot import Slot, SlotStatus
from scheduling.slots import get_slot, slot_event_payload

DEFAULT_HOLD_TTL = timedelta(minutes=5)


class SlotTaken(Conflict):
    title = "Slot taken"


async def place_hold(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    slot_id: uuid.UUID,
    ttl: timedelta = DEFAULT_HOLD_TTL,
) -> Hold:
    now = clock.now()
    hold = Hold(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        slot_id=slot_id,
        account_id=actor.account_id,
        created_at=now,
        expires_at=now + ttl,
    )
    taken: Slot | None = await session.scalar(
        update(Slot)
        .where(
            Slot.id == slot_id,
            Slot.territory_id == actor.territory_id,
            Slot.starts_at > now,
            or_(
                Slot.status == SlotStatus.FREE,
                and_(Slot.status == SlotStatus.HELD, Slot.held_until <= now),
            ),
        )
        .values(
            status=SlotStatus.HELD,
            hold_id=hold.id,
            held_until=hold.expires_at,
            version=Slot.version + 1,
            updated_at=now,
        )
        .returning(Slot)
    )
    if taken is None:
        slot = await get_slot(session, actor, slot_id)  # 404 if absent or another territory's
        if slot.starts_at <= now:
            raise Conflict("this slot has already started", field="slot_id")
        raise SlotTaken("this slot is no longer free", field="slot_id")
    session.add(hold)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type="slot.held",
        actor=actor,
        subject_id=slot_id,
        payload=slot_event_payload(taken)
        | {"hold_id": str(hold.id), "expires_at": hold.expires_at.isoformat()},
    )
    return hold


async def get_hold(session: AsyncSession, actor: Actor, hold_id: uuid.UUID) -> Hold:
    hold = await session.scalar(
        select(Hold).where(Hold.id == hold_id, Hold.territory_id == actor.territory_id)
    )
    if hold is None or (hold.account_id != actor.account_id and not actor.is_staff):
        raise NotFound("hold not found")
    return hold


async def release_hold(
    session: AsyncSession, clock: Clock, actor: Actor, hold_id: uuid.UUID
) -> Hold:
    """Give the slot back before the hold expires (the form was abandoned)."""
    hold = await get_hold(session, actor, hold_id)
    now = clock.now()
    if hold.consumed_at is not None or hold.released_at is not None:
        raise Conflict("this hold is already used or released", field="hold_id")
    freed: Slot | None = await session.scalar(
        update(Slot)
        .where(Slot.id == hold.slot_id, Slot.status == SlotStatus.HELD, Slot.hold_id == hold.id)
        .values(
            status=reopened_status(),
            hold_id=None,
            held_until=None,
            version=Slot.version + 1,
            updated_at=now,
        )
        .returning(Slot)
    )
    hold.released_at = now
    await session.flush()
    # The slot may already have moved on (the hold lapsed and someone booked it); the release
    # of the hold is recorded either way, the slot's state only when it really changed.
    payload = slot_event_payload(freed) if freed is not None else {"slot_id": str(hold.slot_id)}
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type="slot.released" if freed is not None else "hold.released",
        actor=actor,
        subject_id=hold.slot_id,
        payload=payload | {"hold_id": str(hold.id)},
    )
    return hold
