"""Holds: reserve an open slot for a few minutes by compare-and-swap, release it early."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import ColumnElement, Uuid, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.database import Base, UtcDateTime
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.locks import lock_for_transaction
from scheduling.busy_calendar import reopened_status
from scheduling.models.hold import Hold
from scheduling.models.slot import Slot, SlotStatus, open_to_take
from scheduling.slots import SlotPayload, get_slot, slot_event_payload

DEFAULT_HOLD_TTL = timedelta(minutes=5)
DEFAULT_MAX_LIVE_HOLDS = 3  # per account, unless the territory sets its own


class SlotReleasedPayload(SlotPayload):
    """slot.released: the slot as it now is, and the hold given back."""

    hold_id: str


class SlotHeldPayload(SlotReleasedPayload):
    """slot.held: the slot as it now is, the hold, and when it lapses."""

    expires_at: str


class HoldReleasedPayload(TypedDict):
    """hold.released: the hold ended after its slot had moved on (no slot state to tell)."""

    slot_id: str
    hold_id: str


class HoldLimitPayload(TypedDict):
    max_live_holds: int


class SlotTaken(Conflict):
    title = "Slot taken"


class HoldLimit(Conflict):
    title = "Too many holds"


def live_holds() -> ColumnElement[bool]:
    """Holds neither consumed by a booking nor released (expiry is compared to now apart)."""
    return and_(Hold.consumed_at.is_(None), Hold.released_at.is_(None))


async def _hold_cap(session: AsyncSession, territory_id: uuid.UUID) -> int:
    """The territory's cap of live holds per account (its own, or the default)."""
    territories = Base.metadata.tables["territories"]  # coordination's table, by name
    cap = await session.scalar(
        select(territories.c.max_live_holds).where(territories.c.id == territory_id)
    )
    return DEFAULT_MAX_LIVE_HOLDS if cap is None else int(cap)


async def _check_hold_limit(session: AsyncSession, actor: Actor, now: datetime) -> None:
    """An account holds at most the territory's `max_live_holds` slots at once (one pharmacist
    account once held 150 of the next fortnight's 236 free slots in a second). Serialised per
    account, so that concurrent holds cannot pass the count together."""
    limit = await _hold_cap(session, actor.territory_id)
    await lock_for_transaction(session, "holds", actor.account_id)
    held = await session.scalar(
        select(func.count())
        .select_from(Hold)
        .where(Hold.account_id == actor.account_id, live_holds(), Hold.expires_at > now)
    )
    if (held or 0) >= limit:
        raise HoldLimit(
            f"you already hold {held} slots (at most {limit}): book or release one first",
            field="slot_id",
        )


# The hold's compare-and-swap, built once (the rule's expression tree and its cache key are
# not rebuilt per call: bench/booking.py --journeys).
_NOW = bindparam("t_now", type_=UtcDateTime())
_TAKE = (
    update(Slot)
    .where(
        Slot.id == bindparam("t_slot_id", type_=Uuid()),
        Slot.territory_id == bindparam("t_territory_id", type_=Uuid()),
        open_to_take(Slot, _NOW),
    )
    .values(
        status=SlotStatus.HELD,
        hold_id=bindparam("t_hold_id", type_=Uuid()),
        held_until=bindparam("t_until", type_=UtcDateTime()),
        version=Slot.version + 1,
        updated_at=_NOW,
    )
    .returning(Slot)
)


async def place_hold(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    slot_id: uuid.UUID,
    ttl: timedelta = DEFAULT_HOLD_TTL,
) -> Hold:
    now = clock.now()
    await _check_hold_limit(session, actor, now)
    hold = Hold(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        slot_id=slot_id,
        account_id=actor.account_id,
        created_at=now,
        expires_at=now + ttl,
    )
    taken: Slot | None = await session.scalar(
        _TAKE,
        {
            "t_slot_id": slot_id,
            "t_territory_id": actor.territory_id,
            "t_now": now,
            "t_hold_id": hold.id,
            "t_until": hold.expires_at,
        },
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
        type=EventType.SLOT_HELD,
        actor=actor,
        subject_id=slot_id,
        payload=SlotHeldPayload(
            **slot_event_payload(taken),
            hold_id=str(hold.id),
            expires_at=hold.expires_at.isoformat(),
        ),
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
    payload: SlotReleasedPayload | HoldReleasedPayload
    if freed is not None:
        payload = SlotReleasedPayload(**slot_event_payload(freed), hold_id=str(hold.id))
    else:
        payload = HoldReleasedPayload(slot_id=str(hold.slot_id), hold_id=str(hold.id))
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.SLOT_RELEASED if freed is not None else EventType.HOLD_RELEASED,
        actor=actor,
        subject_id=hold.slot_id,
        payload=payload,
    )
    return hold


@dataclass(frozen=True, slots=True)
class LiveHold:
    hold_id: uuid.UUID
    slot_id: uuid.UUID
    slot_starts_at: datetime
    professional_id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    expires_at: datetime


async def live_holds_of_territory(
    session: AsyncSession, clock: Clock, actor: Actor
) -> tuple[int, list[LiveHold]]:
    """For the CPTS staff: the territory's cap and who holds which slot now, by expiry."""
    if not actor.is_staff:
        raise NotAllowed("only the CPTS staff see the territory's holds")
    accounts = Base.metadata.tables["accounts"]
    limit = await _hold_cap(session, actor.territory_id)
    rows = await session.execute(
        select(
            Hold.id,
            Hold.slot_id,
            Slot.starts_at,
            Slot.professional_id,
            Hold.account_id,
            accounts.c.display_name,
            Hold.expires_at,
        )
        .join(Slot, Slot.id == Hold.slot_id)
        .join(accounts, accounts.c.id == Hold.account_id)
        .where(Hold.territory_id == actor.territory_id, live_holds(), Hold.expires_at > clock.now())
        .order_by(Hold.expires_at)
        .limit(1000)
    )
    return limit, [LiveHold(*row) for row in rows]


async def set_hold_limit(session: AsyncSession, clock: Clock, actor: Actor, limit: int) -> int:
    """The territory's cap of live holds per account (admins), recorded as an event."""
    if Role.ADMIN not in actor.roles:
        raise NotAllowed("only an administrator sets the hold limit")
    if not 1 <= limit <= 50:
        raise Invalid("the hold limit is between 1 and 50", field="max_live_holds")
    territories = Base.metadata.tables["territories"]
    await session.execute(
        update(territories)
        .where(territories.c.id == actor.territory_id)
        .values(max_live_holds=limit)
    )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.TERRITORY_HOLD_LIMIT_CHANGED,
        actor=actor,
        subject_id=actor.territory_id,
        payload=HoldLimitPayload(max_live_holds=limit),
    )
    return limit
