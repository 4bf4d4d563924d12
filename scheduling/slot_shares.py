"""A slot offered to the SAS under other CPTS of the deployment as well (the ANS kit's « créneau
mis en visibilité d'une CPTS A et d'une CPTS B »).

The slot stays its territory's: booked there, through its booking link, and counted there. The
SAS, which aggregates every CPTS of the deployment, shows it once, pointing at each CPTS's
HealthcareService. A slot is shared only with a CPTS its professional belongs to as well (the
same RPPS or ADELI, `Professionals.other_cpts`), and the SAS search keeps honouring that: a
share stops showing once they leave it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.locks import lock_for_transaction
from scheduling.models.slot import Slot, SlotStatus, open_to_take
from scheduling.models.slot_share import SlotShare
from scheduling.refs import ProfessionalRef, Professionals
from scheduling.slots import get_slot, require_agenda_rights

MAX_SHARES = 10  # CPTS a slot is offered under besides its own: far more than a GP belongs to


class SlotSharedPayload(TypedDict):
    """slot.shared: the CPTS (territory ids) the slot is now offered under besides its own."""

    slot_id: str
    territory_ids: list[str]


@dataclass(frozen=True, slots=True)
class SlotSharing:
    slot_id: uuid.UUID
    shared_with: dict[uuid.UUID, str]  # territory id → the CPTS's name
    offered: dict[uuid.UUID, str]  # the other CPTS the professional belongs to


def is_shareable(slot: Slot, now: datetime) -> bool:
    """A slot is offered under other CPTS while it is neither withdrawn nor over."""
    return slot.status is not SlotStatus.CANCELLED and slot.ends_at > now


async def _agenda_slot(
    session: AsyncSession,
    actor: Actor,
    professionals: Professionals,
    slot_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> tuple[Slot, ProfessionalRef]:
    """The slot, for the owner of its agenda or the staff (NotFound outside the territory)."""
    slot = await get_slot(session, actor, slot_id, for_update=for_update)
    professional = await professionals.ref(session, actor, slot.professional_id)
    require_agenda_rights(actor, professional)
    return slot, professional


async def _shared_ids(session: AsyncSession, slot_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(select(SlotShare.territory_id).where(SlotShare.slot_id == slot_id))
    return set(rows)


async def slot_sharing(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    slot_id: uuid.UUID,
) -> SlotSharing:
    """Under which other CPTS a slot is offered, and under which it could be (the agenda's
    owner and the staff; NotFound outside the territory). A withdrawn or past slot is
    offered under none (its rows stay, shown nowhere)."""
    slot, professional = await _agenda_slot(session, actor, professionals, slot_id)
    offered = await professionals.other_cpts(session, professional)
    shared = await _shared_ids(session, slot_id) if is_shareable(slot, clock.now()) else set()
    # A CPTS the professional has since left is no longer offered, nor shown as shared.
    return SlotSharing(slot_id, {t: n for t, n in offered.items() if t in shared}, offered)


async def share_slot(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    slot_id: uuid.UUID,
    territory_ids: Collection[uuid.UUID],
) -> SlotSharing:
    """Offer the slot under exactly these other CPTS (none: its own only). One event when
    the set changes; nothing when it is the same."""
    wanted = set(territory_ids)
    if len(wanted) > MAX_SHARES:
        raise Invalid(
            f"a slot is shared with at most {MAX_SHARES} other CPTS",
            code="slot_shares_too_many",
            params={"limit": MAX_SHARES},
            field="territory_ids",
        )
    await lock_for_transaction(session, "slot_shares", slot_id)
    # The slot's row locked (PostgreSQL) before its state is judged: a withdrawal at the
    # same moment either comes first and is seen, or waits for this to commit.
    slot, professional = await _agenda_slot(session, actor, professionals, slot_id, for_update=True)
    if not is_shareable(slot, clock.now()):
        raise Conflict(
            "a withdrawn or past slot is not offered any more",
            code="slot_not_shareable",
            field="slot_id",
        )
    offered = await professionals.other_cpts(session, professional)
    strangers = sorted(str(t) for t in wanted - offered.keys())
    if strangers:
        raise Invalid(
            "the slot can be shared only with another CPTS its professional belongs to",
            code="slot_share_not_member",
            params={"territory_id": strangers[0]},
            field="territory_ids",
        )
    current = await _shared_ids(session, slot_id)
    if current != wanted:
        gone, new = current - wanted, wanted - current
        if gone:
            await session.execute(
                delete(SlotShare).where(
                    SlotShare.slot_id == slot_id, SlotShare.territory_id.in_(list(gone))
                )
            )
        if new:
            await session.execute(
                insert(SlotShare), [{"slot_id": slot_id, "territory_id": t} for t in new]
            )
        await append_event(
            session,
            clock,
            territory_id=actor.territory_id,
            type=EventType.SLOT_SHARED,
            actor=actor,
            subject_id=slot_id,
            payload=SlotSharedPayload(
                slot_id=str(slot_id), territory_ids=sorted(str(t) for t in wanted)
            ),
        )
    return SlotSharing(slot_id, {t: offered[t] for t in wanted}, offered)


async def shares_of(
    session: AsyncSession, slot_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The other territories each of these slots is shared with (the SAS search: no actor,
    the caller answers for every territory)."""
    if not slot_ids:
        return {}
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    rows = await session.execute(
        select(SlotShare.slot_id, SlotShare.territory_id)
        .where(SlotShare.slot_id.in_(list(slot_ids)))
        .order_by(SlotShare.slot_id, SlotShare.territory_id)
    )
    for slot_id, territory_id in rows:
        found.setdefault(slot_id, []).append(territory_id)
    return found


async def open_slots_shared_with(
    session: AsyncSession,
    clock: Clock,
    territory_id: uuid.UUID,
    start: datetime,
    end: datetime,
    limit: int = 5000,
) -> list[Slot]:
    """Bookable slots of other territories shared with this one, starting in [start, end],
    by start, at most `limit` (the SAS's search, beside `open_slots`)."""
    now = clock.now()
    return list(
        await session.scalars(
            select(Slot)
            .join(SlotShare, SlotShare.slot_id == Slot.id)
            .where(
                SlotShare.territory_id == territory_id,
                Slot.territory_id != territory_id,
                Slot.starts_at >= start,
                Slot.starts_at <= end,
                Slot.status.in_([SlotStatus.FREE, SlotStatus.HELD]),
                open_to_take(Slot, now),
            )
            .order_by(Slot.starts_at, Slot.id)
            .limit(limit)
        )
    )
