"""Holds: reserve an open slot for a few minutes by compare-and-swap, release it early."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, Uuid, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import statements
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.database import Base, UtcDateTime, table_of
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.locks import lock_for_transaction
from kernel.statements import Prepared
from scheduling.busy_calendar import reopened_status
from scheduling.models.hold import Hold
from scheduling.models.slot import Slot, SlotStatus, open_to_take
from scheduling.slots import (
    SLOT_PAYLOAD_COLUMNS,
    SlotPayload,
    get_slot,
    slot_event_payload,
    slot_row_payload,
)

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
    cap = await statements.scalar(session, _CAP, territory_id=territory_id)
    return DEFAULT_MAX_LIVE_HOLDS if cap is None else int(cap)


_holds, _slots = table_of(Hold), table_of(Slot)
_NOW = bindparam("now", type_=UtcDateTime())


def _cap() -> Select[Any]:
    territories = Base.metadata.tables["territories"]  # coordination's table, by name
    return select(territories.c.max_live_holds).where(
        territories.c.id == bindparam("territory_id", type_=Uuid())
    )


_CAP = Prepared(_cap)
# The cap and the account's live holds, read at once after the account's lock is taken.
_CAP_AND_HELD = Prepared(
    lambda: select(
        _cap().scalar_subquery(),
        select(func.count())
        .select_from(_holds)
        .where(
            _holds.c.account_id == bindparam("account_id", type_=Uuid()),
            _holds.c.consumed_at.is_(None),
            _holds.c.released_at.is_(None),
            _holds.c.expires_at > _NOW,
        )
        .scalar_subquery(),
    )
)
# The hold's compare-and-swap, its row and the slot's state for the event, each built once
# (bench/booking.py --journeys).
_TAKE = Prepared(
    update(_slots)
    .where(
        _slots.c.id == bindparam("slot_id", type_=Uuid()),
        _slots.c.territory_id == bindparam("territory_id", type_=Uuid()),
        open_to_take(_slots.c, _NOW),
    )
    .values(
        status=SlotStatus.HELD,
        hold_id=bindparam("hold_id", type_=Uuid()),
        held_until=bindparam("until", type_=UtcDateTime()),
        version=_slots.c.version + 1,
        updated_at=_NOW,
    )
    .returning(*(_slots.c[name] for name in SLOT_PAYLOAD_COLUMNS))
)
_INSERT_HOLD = Prepared(
    insert(_holds).values(
        id=bindparam("hold_id", type_=Uuid()),
        territory_id=bindparam("territory_id", type_=Uuid()),
        slot_id=bindparam("slot_id", type_=Uuid()),
        account_id=bindparam("account_id", type_=Uuid()),
        created_at=_NOW,
        expires_at=bindparam("until", type_=UtcDateTime()),
    )
)


async def _check_hold_limit(session: AsyncSession, actor: Actor, now: datetime) -> None:
    """An account holds at most the territory's `max_live_holds` slots at once (one pharmacist
    account once held 150 of the next fortnight's 236 free slots in a second). Serialised per
    account, so that concurrent holds cannot pass the count together."""
    await lock_for_transaction(session, "holds", actor.account_id)
    row = await statements.fetchrow(
        session,
        _CAP_AND_HELD,
        territory_id=actor.territory_id,
        account_id=actor.account_id,
        now=now,
    )
    assert row is not None
    cap, held = row
    limit = DEFAULT_MAX_LIVE_HOLDS if cap is None else int(cap)
    if (held or 0) >= limit:
        raise HoldLimit(
            f"you already hold {held} slots (at most {limit}): book or release one first",
            code="hold_limit",
            params={"held": int(held), "limit": limit},
            field="slot_id",
        )


@dataclass(frozen=True, slots=True)
class PlacedHold:
    id: uuid.UUID
    slot_id: uuid.UUID
    expires_at: datetime


async def place_hold(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    slot_id: uuid.UUID,
    ttl: timedelta = DEFAULT_HOLD_TTL,
) -> PlacedHold:
    now = clock.now()
    await _check_hold_limit(session, actor, now)
    hold = PlacedHold(id=uuid.uuid4(), slot_id=slot_id, expires_at=now + ttl)
    values = {
        "slot_id": slot_id,
        "territory_id": actor.territory_id,
        "now": now,
        "hold_id": hold.id,
        "until": hold.expires_at,
    }
    taken = await statements.fetchrow(session, _TAKE, **values)
    if taken is None:
        slot = await get_slot(session, actor, slot_id)  # 404 if absent or another territory's
        if slot.starts_at <= now:
            raise Conflict("this slot has already started", code="slot_started", field="slot_id")
        raise SlotTaken("this slot is no longer free", code="slot_taken", field="slot_id")
    await statements.execute(session, _INSERT_HOLD, **values, account_id=actor.account_id)
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.SLOT_HELD,
        actor=actor,
        subject_id=slot_id,
        payload=SlotHeldPayload(
            **slot_row_payload(taken),
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
        raise NotFound("hold not found", code="hold_not_found")
    return hold


async def release_hold(
    session: AsyncSession, clock: Clock, actor: Actor, hold_id: uuid.UUID
) -> Hold:
    """Give the slot back before the hold expires (the form was abandoned)."""
    hold = await get_hold(session, actor, hold_id)
    now = clock.now()
    if hold.consumed_at is not None or hold.released_at is not None:
        raise Conflict("this hold is already used or released", code="hold_spent", field="hold_id")
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


async def _live(
    session: AsyncSession, actor: Actor, now: datetime, account_id: uuid.UUID | None = None
) -> list[LiveHold]:
    accounts = Base.metadata.tables["accounts"]
    query = (
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
        .where(Hold.territory_id == actor.territory_id, live_holds(), Hold.expires_at > now)
        .order_by(Hold.expires_at)
        .limit(1000)
    )
    if account_id is not None:
        query = query.where(Hold.account_id == account_id)
    return [LiveHold(*row) for row in await session.execute(query)]


async def live_holds_of_territory(
    session: AsyncSession, clock: Clock, actor: Actor
) -> tuple[int, list[LiveHold]]:
    """For the CPTS staff: the territory's cap and who holds which slot now, by expiry."""
    if not actor.is_staff:
        raise NotAllowed("only the CPTS staff see the territory's holds", code="holds_staff_only")
    limit = await _hold_cap(session, actor.territory_id)
    return limit, await _live(session, actor, clock.now())


async def my_live_holds(session: AsyncSession, clock: Clock, actor: Actor) -> list[LiveHold]:
    """The holds the actor still has (a page left without releasing them keeps its slots
    hidden from others until they expire: the pages show them, to book or release)."""
    return await _live(session, actor, clock.now(), actor.account_id)


async def set_hold_limit(session: AsyncSession, clock: Clock, actor: Actor, limit: int) -> int:
    """The territory's cap of live holds per account (admins), recorded as an event."""
    if Role.ADMIN not in actor.roles:
        raise NotAllowed("only an administrator sets the hold limit", code="hold_limit_admin_only")
    if not 1 <= limit <= 50:
        raise Invalid(
            "the hold limit is between 1 and 50", code="hold_limit_range", field="max_live_holds"
        )
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
