"""Publishing, withdrawing and searching pool slots.

One professional never has two overlapping live slots: checked here for a friendly error, and
enforced by the database (PostgreSQL exclusion constraint, SQLite triggers) for the last word.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.instants import check_instants
from kernel.pagination import BadCursor, Page, keyset, page
from scheduling.busy_calendar import busy_between, lock_agenda
from scheduling.models.slot import (
    LIVE_STATUSES,
    Modality,
    Slot,
    SlotStatus,
    Visibility,
    open_to_take,
    untaken,
    visibility_mask,
    visibility_set,
)
from scheduling.refs import ProfessionalRef, Professionals

MAX_SLOT = timedelta(hours=12)
MIN_SLOT = timedelta(minutes=5)
MAX_SEARCH_WINDOW = timedelta(days=92)
MAX_PAGE = 500


def may_manage_agenda(actor: Actor, professional: ProfessionalRef) -> bool:
    return actor.professional_id == professional.id or actor.is_staff


def require_agenda_rights(actor: Actor, professional: ProfessionalRef) -> None:
    if professional.territory_id != actor.territory_id:
        raise NotFound("professional not found", code="professional_not_found")
    if not may_manage_agenda(actor, professional):
        raise NotAllowed(
            "only the professional or the CPTS staff may change this agenda",
            code="agenda_rights_required",
        )


class SlotPayload(TypedDict):
    """The payload of every slot event (created, withdrawn, held, released, freed, blocked)."""

    slot_id: str
    professional_id: str
    starts_at: str
    ends_at: str
    modality: str
    visibility: list[str]
    assisted: bool
    status: str


# The columns a slot event tells, in the order `slot_row_payload` reads them from a row.
SLOT_PAYLOAD_COLUMNS = (
    "id",
    "professional_id",
    "starts_at",
    "ends_at",
    "modality",
    "visibility",
    "assisted",
    "status",
)


def slot_row_payload(row: Sequence[Any]) -> SlotPayload:
    """What anyone of the territory may see of a slot: no patient, ever. From a row of
    `SLOT_PAYLOAD_COLUMNS` (a statement's RETURNING)."""
    slot_id, professional_id, starts_at, ends_at, modality, visibility, assisted, status = row
    return {
        "slot_id": str(slot_id),
        "professional_id": str(professional_id),
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "modality": Modality(modality).value,
        "visibility": [v.value for v in visibility_set(visibility)],
        "assisted": bool(assisted),
        "status": SlotStatus(status).value,
    }


def slot_event_payload(slot: Slot) -> SlotPayload:
    """`slot_row_payload` of a loaded slot."""
    return slot_row_payload([getattr(slot, name) for name in SLOT_PAYLOAD_COLUMNS])


def overlap_clause(
    professional_id: uuid.UUID, starts_at: datetime, ends_at: datetime
) -> ColumnElement[bool]:
    return and_(
        Slot.professional_id == professional_id,
        Slot.status.in_(LIVE_STATUSES),
        Slot.starts_at < ends_at,
        Slot.ends_at > starts_at,
    )


def _overlap() -> Conflict:
    return Conflict(
        "this slot overlaps another live slot of the professional",
        code="slot_overlap",
        field="start",
    )


async def _refuse_overlap(
    session: AsyncSession,
    professional_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    *,
    but: uuid.UUID | None = None,
) -> None:
    """The friendly check before the database's guard: another live slot at that time."""
    clause = overlap_clause(professional_id, starts_at, ends_at)
    if but is not None:
        clause = and_(clause, Slot.id != but)
    if await session.scalar(select(Slot.id).where(clause).limit(1)) is not None:
        raise _overlap()


@dataclass(frozen=True, slots=True)
class SlotDraft:
    starts_at: datetime
    ends_at: datetime
    modality: Modality
    visibility: frozenset[Visibility]
    location_id: uuid.UUID | None = None
    assisted: bool = False  # assisted teleconsultation welcome (video only)


def check_draft(draft: SlotDraft, professional: ProfessionalRef) -> None:
    duration = draft.ends_at - draft.starts_at
    if duration < MIN_SLOT:
        raise Invalid(
            "a slot lasts at least 5 minutes and ends after it starts",
            code="slot_too_short",
            field="end",
        )
    if duration > MAX_SLOT:
        raise Invalid("a slot lasts at most 12 hours", code="slot_too_long", field="end")
    if not draft.visibility:
        raise Invalid(
            "visibility needs at least one of public, pro, snp, cpts",
            code="slot_visibility_required",
            field="visibility",
        )
    if draft.assisted and draft.modality is not Modality.VIDEO:
        raise Invalid(
            "only a video slot can welcome an assisted teleconsultation",
            code="slot_assisted_needs_video",
            field="assisted",
        )
    if draft.location_id is not None and draft.location_id not in professional.location_ids:
        raise Invalid(
            "location is not one of this professional's practices",
            code="location_not_found",
            field="location_id",
        )
    if draft.modality is Modality.OFFICE and draft.location_id is None:
        if len(professional.location_ids) == 1:
            return
        raise Invalid(
            "an office slot needs a location_id (the practice)",
            code="slot_location_required",
            field="location_id",
        )


def default_location(draft: SlotDraft, professional: ProfessionalRef) -> uuid.UUID | None:
    if draft.location_id is not None:
        return draft.location_id
    if draft.modality is Modality.OFFICE and len(professional.location_ids) == 1:
        return next(iter(professional.location_ids))
    return None


async def create_slot(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    draft: SlotDraft,
) -> Slot:
    require_agenda_rights(actor, professional)
    check_instants(start=draft.starts_at, end=draft.ends_at)
    check_draft(draft, professional)
    now = clock.now()
    if draft.ends_at <= now:
        raise Invalid("a slot must end in the future", code="slot_in_past", field="end")
    await _refuse_overlap(session, professional.id, draft.starts_at, draft.ends_at)
    await lock_agenda(session, professional.id)
    slot = Slot(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        professional_id=professional.id,
        location_id=default_location(draft, professional),
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        modality=draft.modality,
        visibility=visibility_mask(draft.visibility),
        assisted=draft.assisted,
        # Busy in the professional's own calendar: published, but not bookable until it clears.
        status=SlotStatus.BLOCKED
        if await busy_between(session, professional.id, draft.starts_at, draft.ends_at)
        else SlotStatus.FREE,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(slot)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _overlap() from exc
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.SLOT_CREATED,
        actor=actor,
        subject_id=slot.id,
        payload=slot_event_payload(slot),
    )
    return slot


async def get_slot(
    session: AsyncSession, actor: Actor, slot_id: uuid.UUID, *, for_update: bool = False
) -> Slot:
    """The territory's slot (NotFound otherwise); `for_update`: its row locked until the
    transaction ends (PostgreSQL), read afresh."""
    query = select(Slot).where(Slot.id == slot_id, Slot.territory_id == actor.territory_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    slot = await session.scalar(query)
    if slot is None:
        raise NotFound("slot not found", code="slot_not_found")
    return slot


def _withdrawn(now: datetime) -> dict[str, Any]:
    """The columns of a slot withdrawn now (by itself or with its closed period)."""
    return {
        "status": SlotStatus.CANCELLED,
        "hold_id": None,
        "held_until": None,
        "version": Slot.version + 1,
        "updated_at": now,
    }


async def slots_by_id(
    session: AsyncSession, actor: Actor, ids: Collection[uuid.UUID]
) -> list[Slot]:
    """The territory's slots of these ids (the others are absent for this actor)."""
    if not ids:
        return []
    found = await session.scalars(
        select(Slot).where(Slot.id.in_(list(ids)), Slot.territory_id == actor.territory_id)
    )
    return list(found)


async def withdraw_slot(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    slot_id: uuid.UUID,
) -> Slot:
    """Withdraw an open slot (free, or held by an expired hold); booked slots are cancelled
    through their booking, never behind the patient's back."""
    require_agenda_rights(actor, professional)
    now = clock.now()
    withdrawn: Slot | None = await session.scalar(
        update(Slot)
        .where(
            Slot.id == slot_id,
            Slot.territory_id == actor.territory_id,
            Slot.professional_id == professional.id,
            untaken(Slot, now, blocked_too=True),
        )
        .values(**_withdrawn(now))
        .returning(Slot)
    )
    if withdrawn is None:
        current = await get_slot(session, actor, slot_id)
        if current.professional_id != professional.id:
            raise NotFound("slot not found", code="slot_not_found")
        raise Conflict(
            f"a {current.status.value} slot cannot be withdrawn",
            code="slot_not_withdrawable",
            params={"status": current.status.value},
            field="status",
        )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.SLOT_WITHDRAWN,
        actor=actor,
        subject_id=withdrawn.id,
        payload=slot_event_payload(withdrawn),
    )
    return withdrawn


async def move_slot(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    slot_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> Slot:
    """Give a free slot other times (the agenda's drag and resize). Only a slot nobody holds
    or booked moves, as a compare-and-swap on its status and version; the overlap guard of
    the database has the last word, as for a new slot."""
    require_agenda_rights(actor, professional)
    check_instants(start=starts_at, end=ends_at)
    current = await get_slot(session, actor, slot_id)
    if current.professional_id != professional.id:
        raise NotFound("slot not found", code="slot_not_found")
    check_draft(
        SlotDraft(
            starts_at=starts_at,
            ends_at=ends_at,
            modality=current.modality,
            visibility=frozenset(visibility_set(current.visibility)),
            location_id=current.location_id,
            assisted=current.assisted,
        ),
        professional,
    )
    now = clock.now()
    if ends_at <= now or starts_at < now:
        raise Invalid("a slot moves to a time to come", code="slot_move_past", field="start")
    await _refuse_overlap(session, professional.id, starts_at, ends_at, but=slot_id)
    await lock_agenda(session, professional.id)
    busy = await busy_between(session, professional.id, starts_at, ends_at)
    try:
        moved: Slot | None = await session.scalar(
            update(Slot)
            .where(
                Slot.id == slot_id,
                Slot.version == current.version,
                Slot.starts_at > now,
                untaken(Slot, now),
            )
            .values(
                starts_at=starts_at,
                ends_at=ends_at,
                # Busy then in the professional's own calendar: published, not bookable.
                status=SlotStatus.BLOCKED if busy else SlotStatus.FREE,
                rule_id=None,  # moved by hand: an exception the rule's later edits leave alone
                hold_id=None,
                held_until=None,
                version=Slot.version + 1,
                updated_at=now,
            )
            .returning(Slot)
            .execution_options(populate_existing=True)
        )
    except IntegrityError as exc:
        raise _overlap() from exc
    if moved is None:
        raise Conflict(
            "only a free slot still to come moves: this one changed meanwhile",
            code="slot_not_movable",
            field="start",
        )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.SLOT_MOVED,
        actor=actor,
        subject_id=moved.id,
        payload=slot_event_payload(moved),
    )
    return moved


@dataclass(frozen=True, slots=True)
class Closed:
    withdrawn: list[Slot]  # the free slots of the period, now withdrawn
    kept: int  # the period's held, booked or busy-blocked slots, left as they are


MAX_CLOSED_PERIOD = timedelta(days=92)
MAX_CLOSED_SLOTS = 2_000


async def close_period(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    starts_at: datetime,
    ends_at: datetime,
) -> Closed:
    """Close a period of the agenda (an afternoon, a holiday): every free slot that starts in
    it is withdrawn in one transaction, one event each; slots somebody holds or booked stay
    (their bookings are cancelled or moved one by one, with the patient told)."""
    require_agenda_rights(actor, professional)
    check_instants(start=starts_at, end=ends_at)
    if ends_at <= starts_at:
        raise Invalid("end must be after start", code="end_before_start", field="end")
    if ends_at - starts_at > MAX_CLOSED_PERIOD:
        raise Invalid(
            "a closed period spans at most 92 days",
            code="closed_period_max",
            params={"days": MAX_CLOSED_PERIOD.days},
            field="end",
        )
    now = clock.now()
    await lock_agenda(session, professional.id)
    in_period = and_(
        Slot.territory_id == actor.territory_id,
        Slot.professional_id == professional.id,
        Slot.starts_at >= max(starts_at, now),
        Slot.starts_at < ends_at,
    )
    withdrawn = list(
        await session.scalars(
            update(Slot)
            .where(in_period, untaken(Slot, now, blocked_too=True))
            .values(**_withdrawn(now))
            .returning(Slot)
            .execution_options(populate_existing=True)
        )
    )
    if len(withdrawn) > MAX_CLOSED_SLOTS:
        raise Invalid(
            "too many slots in this period: close a shorter one",
            code="closed_period_too_many",
            params={"max": MAX_CLOSED_SLOTS},
            field="end",
        )
    kept = await session.scalar(
        select(func.count()).select_from(Slot).where(in_period, Slot.status.in_(LIVE_STATUSES))
    )
    for slot in withdrawn:
        await append_event(
            session,
            clock,
            territory_id=actor.territory_id,
            type=EventType.SLOT_WITHDRAWN,
            actor=actor,
            subject_id=slot.id,
            payload=slot_event_payload(slot),
        )
    return Closed(withdrawn=withdrawn, kept=int(kept or 0))


@dataclass(frozen=True, slots=True)
class SlotQuery:
    start: datetime
    end: datetime
    status: SlotStatus | None = SlotStatus.FREE
    modality: Modality | None = None
    visibility: Visibility | None = None
    assisted: bool | None = None
    professional_ids: Collection[uuid.UUID] | None = None  # resolved by the caller
    location_ids: Collection[uuid.UUID] | None = None  # resolved by the caller (commune, distance)
    cursor: str | None = None
    limit: int = 100


async def search_slots(
    session: AsyncSession, clock: Clock, actor: Actor, query: SlotQuery
) -> Page[Slot]:
    """Slots of the territory starting in [start, end), sorted by start then id, keyset-paged.

    `status=free` means bookable now: free, or held by a hold that has expired.
    """
    check_instants(start=query.start, end=query.end)
    if query.end <= query.start:
        raise Invalid("end must be after start", code="end_before_start", field="end")
    if query.end - query.start > MAX_SEARCH_WINDOW:
        raise Invalid(
            "the search window is at most 92 days",
            code="search_window_max",
            params={"days": MAX_SEARCH_WINDOW.days},
            field="end",
        )
    limit = max(1, min(query.limit, MAX_PAGE))
    now = clock.now()
    stmt = select(Slot).where(
        Slot.territory_id == actor.territory_id,
        Slot.starts_at >= query.start,
        Slot.starts_at < query.end,
    )
    if query.status is SlotStatus.FREE:
        stmt = stmt.where(
            Slot.status.in_([SlotStatus.FREE, SlotStatus.HELD]), open_to_take(Slot, now)
        )
    elif query.status is SlotStatus.HELD:
        stmt = stmt.where(Slot.status == SlotStatus.HELD, Slot.held_until > now)
    elif query.status is not None:
        stmt = stmt.where(Slot.status == query.status)
    if query.modality is not None:
        stmt = stmt.where(Slot.modality == query.modality)
    if query.visibility is not None:
        bit = visibility_mask({query.visibility})
        stmt = stmt.where(Slot.visibility.op("&")(bit) != 0)
    if query.assisted is not None:
        stmt = stmt.where(Slot.assisted.is_(query.assisted))
    if query.professional_ids is not None:
        stmt = stmt.where(Slot.professional_id.in_(list(query.professional_ids)))
    if query.location_ids is not None:
        stmt = stmt.where(Slot.location_id.in_(list(query.location_ids)))
    try:
        stmt = keyset(
            stmt, Slot.starts_at, Slot.id, query.cursor, limit=limit, parse=datetime.fromisoformat
        )
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda s: (s.starts_at, s.id))


async def open_slots(
    session: AsyncSession,
    clock: Clock,
    territory_id: uuid.UUID,
    start: datetime,
    end: datetime,
    professional_ids: Collection[uuid.UUID] | None,
    limit: int = 5000,
) -> list[Slot]:
    """Bookable slots starting in [start, end], by start: what the SAS platform aggregates.
    No cursor: the platform asks for a few days of at most 25 practitioners at once."""
    now = clock.now()
    stmt = (
        select(Slot)
        .where(
            Slot.territory_id == territory_id,
            Slot.starts_at >= start,
            Slot.starts_at <= end,
            Slot.status.in_([SlotStatus.FREE, SlotStatus.HELD]),
            open_to_take(Slot, now),
        )
        .order_by(Slot.starts_at, Slot.id)
        .limit(limit)
    )
    if professional_ids is not None:
        stmt = stmt.where(Slot.professional_id.in_(list(professional_ids)))
    return list(await session.scalars(stmt))


async def published_slots(
    session: AsyncSession, territory_id: uuid.UUID, start: datetime, end: datetime
) -> list[Slot]:
    """Public slots, free or taken, starting in [start, end): an open publication (SMART
    Scheduling Links) shows busy slots too, so that clients drop what was taken."""
    return list(
        await session.scalars(
            select(Slot)
            .where(
                Slot.territory_id == territory_id,
                Slot.starts_at >= start,
                Slot.starts_at < end,
                Slot.status.in_(
                    [SlotStatus.FREE, SlotStatus.HELD, SlotStatus.BOOKED, SlotStatus.BLOCKED]
                ),
                Slot.visibility.op("&")(visibility_mask({Visibility.PUBLIC})) != 0,
            )
            .order_by(Slot.starts_at, Slot.id)
        )
    )


async def withdraw(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    slot_id: uuid.UUID,
) -> Slot:
    """Withdraw a slot of the agenda it belongs to (the one door for the action)."""
    slot = await get_slot(session, actor, slot_id)
    professional = await professionals.ref(session, actor, slot.professional_id)
    return await withdraw_slot(session, clock, actor, professional, slot_id)


async def move(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professionals: Professionals,
    slot_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> Slot:
    """Move a free slot of the agenda it belongs to (the one door for the action)."""
    slot = await get_slot(session, actor, slot_id)
    professional = await professionals.ref(session, actor, slot.professional_id)
    return await move_slot(session, clock, actor, professional, slot_id, starts_at, ends_at)
