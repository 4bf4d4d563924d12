"""Wire shapes of the calendar routes."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from coordination.calendar.feed import CalendarFeed, FeedScope
from scheduling.busy_calendar import BusyCalendar, BusySource
from scheduling.busy_time import BookingConflict, BusyOutcome
from server.wire_time import Instant

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class FeedIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    scope: FeedScope = FeedScope.PROFESSIONAL
    include_free_slots: bool = False
    patient_initials: bool = False


class FeedOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    scope: FeedScope
    include_free_slots: bool
    patient_initials: bool
    created_at: Instant
    # The secret URL is shown once, at creation (only its digest is kept): rotate to get anew.
    url: str | None = None
    webcal_url: str | None = None


class FeedList(msgspec.Struct, kw_only=True):
    items: list[FeedOut]
    next: str | None = None


def feed_out(feed: CalendarFeed, url: str | None = None) -> FeedOut:
    webcal = None
    if url is not None:
        webcal = "webcal://" + url.split("://", 1)[1]
    return FeedOut(
        id=feed.id,
        name=feed.name,
        scope=feed.scope,
        include_free_slots=feed.include_free_slots,
        patient_initials=feed.patient_initials,
        created_at=feed.created_at,
        url=url,
        webcal_url=webcal,
    )


class BusyUrlIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]


class BusyCalendarOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    professional_id: uuid.UUID
    name: str
    source: BusySource
    url: str | None
    intervals: int
    last_refreshed_at: Instant | None
    next_refresh_at: Instant | None
    last_error: str | None
    failures: int
    created_at: Instant


class ConflictOut(msgspec.Struct, kw_only=True):
    booking_id: uuid.UUID
    slot_id: uuid.UUID
    starts_at: Instant
    ends_at: Instant


class BusyOutcomeOut(msgspec.Struct, kw_only=True):
    calendar: BusyCalendarOut
    slots_blocked: int
    slots_unblocked: int
    conflicts: list[ConflictOut]


class BusyCalendarList(msgspec.Struct, kw_only=True):
    items: list[BusyCalendarOut]
    # Booked consultations at times an imported calendar says busy: never cancelled by the
    # server; the professional decides.
    conflicts: list[ConflictOut]
    next: str | None = None


def busy_calendar_out(c: BusyCalendar, owner: bool = True) -> BusyCalendarOut:
    """`owner`: the professional themself. Staff managing the agenda see the host only: the
    URL opens the whole private calendar, patients' names included."""
    url = c.url
    if url is not None and not owner:
        url = url.split("://", 1)[0] + "://" + url.split("://", 1)[-1].split("/", 1)[0] + "/…"
    return BusyCalendarOut(
        id=c.id,
        professional_id=c.professional_id,
        name=c.name,
        source=c.source,
        url=url,
        intervals=c.intervals_count,
        last_refreshed_at=c.last_refreshed_at,
        next_refresh_at=c.next_refresh_at,
        last_error=c.last_error,
        failures=c.failures,
        created_at=c.created_at,
    )


def conflict_out(c: BookingConflict) -> ConflictOut:
    return ConflictOut(
        booking_id=c.booking_id, slot_id=c.slot_id, starts_at=c.starts_at, ends_at=c.ends_at
    )


def outcome_out(o: BusyOutcome, owner: bool = True) -> BusyOutcomeOut:
    return BusyOutcomeOut(
        calendar=busy_calendar_out(o.calendar, owner),
        slots_blocked=o.blocked,
        slots_unblocked=o.unblocked,
        conflicts=[conflict_out(c) for c in o.conflicts],
    )
