"""What a calendar feed shows, read in a few set-based queries (no query per event).

A professional's feed: the SNP consultations booked on their slots, the assisted
teleconsultations they give or assist (wound-network follow-ups marked as such) and, if they
chose, their free published slots. The pool feed: the territory's pool slots, free or booked,
with the professional's name and never a patient.

Cancelled items stay `CANCELLED_DAYS` after their cancellation, so that calendar apps show the
change instead of an event silently vanishing. Cut-offs move once a day (UTC), so a feed's
content changes only when its data changes or at midnight.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from coordination.calendar.feed import CalendarFeed, FeedScope
from coordination.directory.professional import PracticeLocation, Profession, Professional
from coordination.referrals.models.referral import Referral
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.slot import Modality, Slot, SlotStatus
from scheduling.models.teleconsultation import Teleconsultation, TeleconsultationStatus
from scheduling.patient import Patient

CANCELLED_DAYS = 30
HISTORY_DAYS = 400  # a professional's feed reaches back a year and a bit
POOL_PAST_DAYS = 7
POOL_AHEAD_DAYS = 62  # past the default slot horizon (56 days)


class ItemKind(enum.StrEnum):
    CONSULTATION = "consultation"
    TELECONSULTATION = "teleconsultation"
    FREE_SLOT = "free_slot"
    POOL_SLOT = "pool_slot"


# Not frozen: a frozen dataclass takes 1.7 times as long to build (timeit, 15 fields), and a
# feed builds thousands (bench/ical_feed.py). Treat instances as read-only all the same.
@dataclass(slots=True)
class AgendaItem:
    kind: ItemKind
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: str  # the domain status: booked, honoured, cancelled, free…
    revision: int
    changed_at: datetime
    modality: Modality | None = None
    place: str | None = None
    act_code: str | None = None
    as_nurse: bool = False  # teleconsultations: the feed's owner assists rather than consults
    counterpart: str | None = None  # the other professional (or the slot's owner in the pool)
    follow_up: bool = False
    patient_initials: str | None = None  # only when the owner opted in
    patient_id: uuid.UUID | None = None  # only with initials: what the audit trail records


async def _rows(session: AsyncSession, query: Any) -> Any:
    """Run a column query on the session's connection: Core rows, without the ORM's loading
    of each one (bench/ical_feed.py: 5,000 rows took 33 ms through the ORM, 15 ms so)."""
    connection = await session.connection()
    return await connection.execute(query)


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)


def _initials(given: str, family: str) -> str:
    return f"{given[:1]}.{family[:1]}.".upper()


def _with_patient(query: Any, with_initials: bool, patient_id: Any) -> Any:
    """Add the patient's id and names (for initials) to the query, when the owner opted in."""
    if not with_initials:
        return query
    return query.add_columns(Patient.id, Patient.given_name, Patient.family_name).join(
        Patient, Patient.id == patient_id
    )


def _patient(row: Any, at: int, with_initials: bool) -> dict[str, Any]:
    if not with_initials:
        return {}
    return {"patient_id": row[at], "patient_initials": _initials(row[at + 1], row[at + 2])}


def _name(given: str, family: str, profession: Profession) -> str:
    """How the professional is named to colleagues: "Dr" for physicians only."""
    prefix = "Dr " if profession is Profession.PHYSICIAN else ""
    return f"{prefix}{given} {family}"


def _kept(status_col: Any, changed_col: Any, cancelled: str, cutoff: datetime) -> Any:
    """Live items, and cancelled ones for CANCELLED_DAYS after their cancellation."""
    return or_(status_col != cancelled, changed_col >= cutoff)


async def _consultations(
    session: AsyncSession, feed: CalendarFeed, since: datetime, cutoff: datetime
) -> list[AgendaItem]:
    """Bookings of the owner's slots, except those a teleconsultation stands for."""
    with_initials = feed.patient_initials
    columns: list[Any] = [
        Booking.id,
        Booking.starts_at,
        Booking.ends_at,
        Booking.status,
        Booking.revision,
        Booking.status_changed_at,
        Slot.modality,
        PracticeLocation.label,
    ]
    query: Select[Any] = (
        select(*columns)
        .join(Slot, Slot.id == Booking.slot_id)
        .outerjoin(PracticeLocation, PracticeLocation.id == Slot.location_id)
        .where(
            Booking.professional_id == feed.professional_id,
            Booking.starts_at >= since,
            _kept(Booking.status, Booking.status_changed_at, BookingStatus.CANCELLED, cutoff),
            ~exists().where(Teleconsultation.booking_id == Booking.id),
        )
    )
    query = _with_patient(query, with_initials, Booking.patient_id)
    items = []
    for row in await _rows(session, query):
        items.append(
            AgendaItem(
                kind=ItemKind.CONSULTATION,
                id=row[0],
                starts_at=row[1],
                ends_at=row[2],
                status=row[3].value,
                revision=row[4],
                changed_at=row[5],
                modality=row[6],
                place=row[7],
                **_patient(row, 8, with_initials),
            )
        )
    return items


async def _teleconsultations(
    session: AsyncSession, feed: CalendarFeed, since: datetime, cutoff: datetime
) -> list[AgendaItem]:
    me = feed.professional_id
    other = aliased(Professional)
    as_nurse = Teleconsultation.nurse_professional_id == me
    query = (
        select(
            Teleconsultation.id,
            Teleconsultation.starts_at,
            Teleconsultation.ends_at,
            Teleconsultation.status,
            Teleconsultation.revision,
            Teleconsultation.status_changed_at,
            Teleconsultation.act_code,
            Teleconsultation.nurse_professional_id,
            other.given_name,
            other.family_name,
            exists().where(Referral.follow_up_teleconsultation_id == Teleconsultation.id),
            other.profession,
        )
        .join(
            other,
            or_(
                and_(as_nurse, other.id == Teleconsultation.gp_professional_id),
                and_(~as_nurse, other.id == Teleconsultation.nurse_professional_id),
            ),
        )
        .where(
            or_(Teleconsultation.gp_professional_id == me, as_nurse),
            Teleconsultation.starts_at >= since,
            _kept(
                Teleconsultation.status,
                Teleconsultation.status_changed_at,
                TeleconsultationStatus.CANCELLED,
                cutoff,
            ),
        )
    )
    with_initials = feed.patient_initials
    query = _with_patient(query, with_initials, Teleconsultation.patient_id)
    items = []
    for row in await _rows(session, query):
        items.append(
            AgendaItem(
                kind=ItemKind.TELECONSULTATION,
                id=row[0],
                starts_at=row[1],
                ends_at=row[2],
                status=row[3].value,
                revision=row[4],
                changed_at=row[5],
                modality=Modality.VIDEO,
                act_code=row[6].value,
                as_nurse=row[7] == me,
                counterpart=_name(row[8], row[9], row[11]),
                follow_up=bool(row[10]),
                **_patient(row, 12, with_initials),
            )
        )
    return items


async def _free_slots(session: AsyncSession, feed: CalendarFeed, now: datetime) -> list[AgendaItem]:
    rows = await _rows(
        session,
        select(
            Slot.id,
            Slot.starts_at,
            Slot.ends_at,
            Slot.version,
            Slot.updated_at,
            Slot.modality,
            PracticeLocation.label,
        )
        .outerjoin(PracticeLocation, PracticeLocation.id == Slot.location_id)
        .where(
            Slot.professional_id == feed.professional_id,
            Slot.status.in_([SlotStatus.FREE, SlotStatus.HELD]),
            Slot.ends_at > now,
        ),
    )
    return [
        AgendaItem(
            kind=ItemKind.FREE_SLOT,
            id=r[0],
            starts_at=r[1],
            ends_at=r[2],
            status="free",
            revision=r[3],
            changed_at=r[4],
            modality=r[5],
            place=r[6],
        )
        for r in rows
    ]


async def _pool_slots(
    session: AsyncSession, feed: CalendarFeed, day: datetime, cutoff: datetime
) -> list[AgendaItem]:
    rows = await _rows(
        session,
        select(
            Slot.id,
            Slot.starts_at,
            Slot.ends_at,
            Slot.status,
            Slot.version,
            Slot.updated_at,
            Slot.modality,
            Professional.given_name,
            Professional.family_name,
            PracticeLocation.label,
            Professional.profession,
        )
        .join(Professional, Professional.id == Slot.professional_id)
        .outerjoin(PracticeLocation, PracticeLocation.id == Slot.location_id)
        .where(
            Slot.territory_id == feed.territory_id,
            Slot.starts_at >= day - timedelta(days=POOL_PAST_DAYS),
            Slot.starts_at < day + timedelta(days=POOL_AHEAD_DAYS),
            or_(
                Slot.status.in_([SlotStatus.FREE, SlotStatus.HELD, SlotStatus.BOOKED]),
                and_(Slot.status == SlotStatus.CANCELLED, Slot.updated_at >= cutoff),
            ),
        ),
    )
    return [
        AgendaItem(
            kind=ItemKind.POOL_SLOT,
            id=r[0],
            starts_at=r[1],
            ends_at=r[2],
            status="free" if r[3] is SlotStatus.HELD else r[3].value,
            revision=r[4],
            changed_at=r[5],
            modality=r[6],
            counterpart=_name(r[7], r[8], r[10]),
            place=r[9],
        )
        for r in rows
    ]


async def feed_items(session: AsyncSession, feed: CalendarFeed, now: datetime) -> list[AgendaItem]:
    """Every item of the feed, by start."""
    day = _day_start(now)
    cutoff = day - timedelta(days=CANCELLED_DAYS)
    if feed.scope is FeedScope.POOL:
        items = await _pool_slots(session, feed, day, cutoff)
    else:
        since = day - timedelta(days=HISTORY_DAYS)
        items = await _consultations(session, feed, since, cutoff)
        items += await _teleconsultations(session, feed, since, cutoff)
        if feed.include_free_slots:
            items += await _free_slots(session, feed, day)
    items.sort(key=lambda i: (i.starts_at, i.id))
    return items
