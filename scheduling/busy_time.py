"""Busy time imported from professionals' own calendars, and the pool slots it blocks.

A free pool slot that overlaps a busy interval becomes `blocked` (not bookable); a blocked
slot whose busy interval went away becomes free again. Booked slots are never touched: an
overlap with a booking is a *conflict*, reported to the professional, who decides.
Refreshes never leave the pool half-updated: the intervals are replaced and the slots
re-evaluated in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Required, TypedDict

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from scheduling.busy_calendar import BusyCalendar, BusyInterval, BusySource, lock_agenda
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Slot, SlotStatus, untaken
from scheduling.refs import ProfessionalRef
from scheduling.slots import require_agenda_rights, slot_event_payload

MAX_CALENDARS = 10
Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class BookingConflict:
    """A booked consultation at a time the professional's own calendar says busy."""

    booking_id: uuid.UUID
    slot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class BusyOutcome:
    calendar: BusyCalendar
    blocked: int
    unblocked: int
    conflicts: list[BookingConflict]


class BusyCalendarPayload(TypedDict, total=False):
    """The payload of every busy-calendar event; what it did to the agenda when it did."""

    calendar_id: Required[str]
    professional_id: Required[str]
    source: Required[str]
    intervals: Required[int]
    slots_blocked: int
    slots_unblocked: int
    conflicting_booking_ids: list[str]


def _payload(calendar: BusyCalendar, outcome: BusyOutcome | None = None) -> BusyCalendarPayload:
    payload: BusyCalendarPayload = {
        "calendar_id": str(calendar.id),
        "professional_id": str(calendar.professional_id),
        "source": calendar.source.value,
        "intervals": calendar.intervals_count,
    }
    if outcome is not None:
        payload["slots_blocked"] = outcome.blocked
        payload["slots_unblocked"] = outcome.unblocked
        payload["conflicting_booking_ids"] = [str(c.booking_id) for c in outcome.conflicts]
    return payload


def _overlapping() -> object:
    return exists().where(
        BusyInterval.professional_id == Slot.professional_id,
        BusyInterval.starts_at < Slot.ends_at,
        BusyInterval.ends_at > Slot.starts_at,
    )


async def conflicts(
    session: AsyncSession, professional_id: uuid.UUID, now: datetime
) -> list[BookingConflict]:
    rows = await session.execute(
        select(Booking.id, Booking.slot_id, Booking.starts_at, Booking.ends_at)
        .where(
            Booking.professional_id == professional_id,
            Booking.status == BookingStatus.BOOKED,
            Booking.ends_at > now,
            exists().where(
                BusyInterval.professional_id == Booking.professional_id,
                BusyInterval.starts_at < Booking.ends_at,
                BusyInterval.ends_at > Booking.starts_at,
            ),
        )
        .order_by(Booking.starts_at)
    )
    return [BookingConflict(*r) for r in rows]


async def _apply(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    professional_id: uuid.UUID,
) -> tuple[int, int]:
    """Block the open future slots that overlap busy time and free the blocked ones that no
    longer do, each by compare-and-swap on its status, each with its event."""
    await lock_agenda(session, professional_id)
    now = clock.now()
    overlapping = _overlapping()
    blocked = (
        await session.scalars(
            update(Slot)
            .where(
                Slot.professional_id == professional_id,
                Slot.ends_at > now,  # blocking, not taking: a slot under way is blocked too
                untaken(Slot, now),
                overlapping,  # type: ignore[arg-type]
            )
            .values(
                status=SlotStatus.BLOCKED,
                hold_id=None,
                held_until=None,
                version=Slot.version + 1,
                updated_at=now,
            )
            .returning(Slot)
            .execution_options(synchronize_session=False)
        )
    ).all()
    unblocked = (
        await session.scalars(
            update(Slot)
            .where(
                Slot.professional_id == professional_id,
                Slot.ends_at > now,
                Slot.status == SlotStatus.BLOCKED,
                ~overlapping,  # type: ignore[operator]
            )
            .values(status=SlotStatus.FREE, version=Slot.version + 1, updated_at=now)
            .returning(Slot)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for kind, slots in ((EventType.SLOT_BLOCKED, blocked), (EventType.SLOT_UNBLOCKED, unblocked)):
        for slot in slots:
            await append_event(
                session,
                clock,
                territory_id=territory_id,
                type=kind,
                actor=actor,
                subject_id=slot.id,
                payload=slot_event_payload(slot),
            )
    return len(blocked), len(unblocked)


async def _replace_intervals(
    session: AsyncSession, calendar: BusyCalendar, intervals: Sequence[Interval]
) -> None:
    await session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar.id))
    if intervals:
        await session.execute(
            insert(BusyInterval),
            [
                {
                    "id": uuid.uuid4(),
                    "calendar_id": calendar.id,
                    "professional_id": calendar.professional_id,
                    "starts_at": s,
                    "ends_at": e,
                }
                for s, e in intervals
            ],
        )
    calendar.intervals_count = len(intervals)


async def _intervals_of(session: AsyncSession, calendar_id: uuid.UUID) -> list[Interval]:
    rows = await session.execute(
        select(BusyInterval.starts_at, BusyInterval.ends_at)
        .where(BusyInterval.calendar_id == calendar_id)
        .order_by(BusyInterval.starts_at, BusyInterval.ends_at)
    )
    return [(s, e) for s, e in rows]


async def add_calendar(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    *,
    name: str,
    source: BusySource,
    intervals: Sequence[Interval],
    url: str | None = None,
    remote_etag: str | None = None,
    remote_last_modified: str | None = None,
    refresh_every: timedelta = timedelta(minutes=30),
) -> BusyOutcome:
    """Register a calendar already fetched (or uploaded) and expanded by the caller."""
    require_agenda_rights(actor, professional)
    name = name.strip()
    if not name:
        raise Invalid("name must not be empty", code="field_empty", field="name")
    count = await session.scalar(
        select(BusyCalendar.id)
        .where(
            BusyCalendar.professional_id == professional.id,
            BusyCalendar.removed_at.is_(None),
        )
        .offset(MAX_CALENDARS - 1)
        .limit(1)
    )
    if count is not None:
        raise Conflict(
            f"at most {MAX_CALENDARS} calendars per professional: remove one first",
            code="busy_calendar_max",
            params={"limit": MAX_CALENDARS},
        )
    now = clock.now()
    calendar = BusyCalendar(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        professional_id=professional.id,
        account_id=actor.account_id,
        name=name,
        source=source,
        url=url,
        remote_etag=remote_etag,
        remote_last_modified=remote_last_modified,
        intervals_count=0,
        last_refreshed_at=now,
        expanded_at=now,
        next_refresh_at=now + refresh_every if source is BusySource.URL else None,
        failures=0,
        created_at=now,
    )
    session.add(calendar)
    await session.flush()
    await _replace_intervals(session, calendar, intervals)
    blocked, unblocked = await _apply(session, clock, actor, actor.territory_id, professional.id)
    outcome = BusyOutcome(
        calendar, blocked, unblocked, await conflicts(session, professional.id, now)
    )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.BUSY_CALENDAR_ADDED,
        actor=actor,
        subject_id=calendar.id,
        payload=_payload(calendar, outcome),
    )
    return outcome


async def own_calendar(
    session: AsyncSession, actor: Actor, professional: ProfessionalRef, calendar_id: uuid.UUID
) -> BusyCalendar:
    """A live calendar of this professional, for someone who may manage their agenda."""
    require_agenda_rights(actor, professional)
    calendar = await _live(session, calendar_id, lock=False)
    if (
        calendar is None
        or calendar.territory_id != actor.territory_id
        or calendar.professional_id != professional.id
    ):
        raise NotFound("calendar not found", code="busy_calendar_not_found")
    return calendar


async def _live(
    session: AsyncSession, calendar_id: uuid.UUID, *, lock: bool = True
) -> BusyCalendar | None:
    """The calendar, locked until commit (for writers): a refresh and a removal never
    interleave."""
    query = select(BusyCalendar).where(
        BusyCalendar.id == calendar_id, BusyCalendar.removed_at.is_(None)
    )
    found: BusyCalendar | None = await session.scalar(query.with_for_update() if lock else query)
    return found


async def remove_calendar(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional: ProfessionalRef,
    calendar_id: uuid.UUID,
) -> BusyOutcome:
    calendar = await own_calendar(session, actor, professional, calendar_id)
    removed = await session.scalar(
        update(BusyCalendar)
        .where(BusyCalendar.id == calendar.id, BusyCalendar.removed_at.is_(None))
        .values(removed_at=clock.now(), next_refresh_at=None, url=None, source=BusySource.UPLOAD)
        .returning(BusyCalendar.id)
    )
    if removed is None:
        raise NotFound("calendar not found", code="busy_calendar_not_found")
    await _replace_intervals(session, calendar, [])
    blocked, unblocked = await _apply(session, clock, actor, actor.territory_id, professional.id)
    outcome = BusyOutcome(calendar, blocked, unblocked, [])
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.BUSY_CALENDAR_REMOVED,
        actor=actor,
        subject_id=calendar.id,
        payload=_payload(calendar, outcome),
    )
    return outcome


async def list_calendars(
    session: AsyncSession, actor: Actor, professional: ProfessionalRef
) -> list[BusyCalendar]:
    require_agenda_rights(actor, professional)
    rows = await session.scalars(
        select(BusyCalendar)
        .where(
            BusyCalendar.territory_id == actor.territory_id,
            BusyCalendar.professional_id == professional.id,
            BusyCalendar.removed_at.is_(None),
        )
        .order_by(BusyCalendar.created_at, BusyCalendar.id)
    )
    return list(rows)


async def claim_due(
    session: AsyncSession, clock: Clock, lease: timedelta, limit: int = 20
) -> list[BusyCalendar]:
    """URL calendars due for a refresh, each claimed by pushing its due time `lease` ahead
    with a compare-and-swap, so that one worker only refreshes it."""
    now = clock.now()
    due = (
        await session.execute(
            select(BusyCalendar.id, BusyCalendar.next_refresh_at)
            .where(
                BusyCalendar.next_refresh_at <= now,
                BusyCalendar.removed_at.is_(None),
                BusyCalendar.source == BusySource.URL,
            )
            .order_by(BusyCalendar.next_refresh_at)
            .limit(limit)
        )
    ).all()
    claimed = []
    for calendar_id, due_at in due:
        got = await session.scalar(
            update(BusyCalendar)
            .where(BusyCalendar.id == calendar_id, BusyCalendar.next_refresh_at == due_at)
            .values(next_refresh_at=now + lease)
            .returning(BusyCalendar)
        )
        if got is not None:
            claimed.append(got)
    return claimed


async def refreshed(
    session: AsyncSession,
    clock: Clock,
    calendar_id: uuid.UUID,
    intervals: Sequence[Interval] | None,
    *,
    remote_etag: str | None,
    remote_last_modified: str | None,
    refresh_every: timedelta,
) -> BusyOutcome | None:
    """Record a successful fetch (intervals None: not modified) and re-evaluate the slots.
    None if the calendar was removed meanwhile."""
    now = clock.now()
    calendar = await _live(session, calendar_id)
    if calendar is None:
        return None
    calendar.last_refreshed_at = now
    calendar.next_refresh_at = now + refresh_every
    calendar.remote_etag = remote_etag
    calendar.remote_last_modified = remote_last_modified
    calendar.last_error = None
    calendar.failures = 0
    changed = intervals is not None and list(intervals) != await _intervals_of(session, calendar.id)
    if intervals is not None:
        calendar.expanded_at = now
    if changed and intervals is not None:
        await _replace_intervals(session, calendar, intervals)
    # Slots materialised since the last refresh are re-evaluated too.
    blocked, unblocked = await _apply(
        session, clock, None, calendar.territory_id, calendar.professional_id
    )
    outcome = BusyOutcome(
        calendar, blocked, unblocked, await conflicts(session, calendar.professional_id, now)
    )
    if changed or blocked or unblocked:
        await append_event(
            session,
            clock,
            territory_id=calendar.territory_id,
            type=EventType.BUSY_CALENDAR_REFRESHED,
            actor=None,
            subject_id=calendar.id,
            payload=_payload(calendar, outcome),
        )
    await session.flush()
    return outcome


async def refresh_failed(
    session: AsyncSession,
    clock: Clock,
    calendar_id: uuid.UUID,
    message: str,
    refresh_every: timedelta,
) -> None:
    """Keep the last known busy time (an outage of the GP's calendar must not free their
    slots) and retry later, backing off up to a day."""
    now = clock.now()
    calendar = await _live(session, calendar_id)
    if calendar is None:
        return
    calendar.failures += 1
    calendar.last_error = message[:300]
    backoff = min(refresh_every * (2 ** min(calendar.failures - 1, 6)), timedelta(days=1))
    calendar.next_refresh_at = now + backoff
    if calendar.failures == 1:
        await append_event(
            session,
            clock,
            territory_id=calendar.territory_id,
            type=EventType.BUSY_CALENDAR_FAILED,
            actor=None,
            subject_id=calendar.id,
            payload=_payload(calendar),
        )
    await session.flush()
