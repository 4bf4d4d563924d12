"""Nurse-assisted teleconsultations: booking a GP's video slot, and the visit's lifecycle.

The slot is taken by the ordinary booking (same compare-and-swap, same unique live index), so
one slot still has one winner; the teleconsultation row, written in the same transaction, adds
what the assisted act needs: consent, setting and act code, the nurse's handover and a secret
video room. Only the GP and the nurse see the room and the handover; the CPTS staff see the
appointment; everyone else, in the territory or not, gets "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor, Role
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.instants import check_instants
from kernel.pagination import BadCursor, Page, keyset, page
from scheduling import bookings
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.hold import Hold
from scheduling.models.slot import Modality, Slot, open_to_take
from scheduling.models.snp_request import Origin
from scheduling.models.teleconsultation import (
    Setting,
    Teleconsultation,
    TeleconsultationOutcome,
    TeleconsultationStatus,
    act_code_for,
)
from scheduling.patient import Patient, PatientDraft, checked, patients_by_id, same_person
from scheduling.video_rooms import VideoRooms

EARLY_START = timedelta(minutes=15)  # the GP may open the room a little before the slot
CONSENT_CLOCK_SKEW = timedelta(minutes=5)
REMINDER_GRACE = timedelta(minutes=5)  # a reminder later than this after the start is useless


@dataclass(frozen=True, slots=True)
class Consent:
    given: bool
    collected_at: datetime
    collected_by: str | None = None  # who collected it, when not the booking nurse


@dataclass(frozen=True, slots=True)
class TeleconsultationDraft:
    setting: Setting
    consent: Consent
    reason: str
    patient: PatientDraft
    slot_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    handover: dict[str, Any] | None = None  # vital signs, current treatments, question
    rescheduled_from: uuid.UUID | None = None
    idempotency_key: str | None = None


@dataclass(slots=True)
class Scheduled:
    teleconsultation: Teleconsultation
    created: bool
    # The identity given when this call created the patient; on a replay (same
    # Idempotency-Key), the patient as stored, read again and audited.
    patient: PatientDraft | Patient | None


class TeleconsultationPayload(TypedDict):
    """The payload of every teleconsultation event."""

    teleconsultation_id: str
    booking_id: str
    slot_id: str
    gp_professional_id: str
    nurse_professional_id: str
    starts_at: str
    ends_at: str
    setting: str
    act_code: str
    status: str
    outcome: str | None
    rescheduled_from: str | None


def event_payload(tc: Teleconsultation) -> TeleconsultationPayload:
    """What the territory may learn of a teleconsultation: no patient, no room, no handover."""
    return {
        "teleconsultation_id": str(tc.id),
        "booking_id": str(tc.booking_id),
        "slot_id": str(tc.slot_id),
        "gp_professional_id": str(tc.gp_professional_id),
        "nurse_professional_id": str(tc.nurse_professional_id),
        "starts_at": tc.starts_at.isoformat(),
        "ends_at": tc.ends_at.isoformat(),
        "setting": tc.setting.value,
        "act_code": tc.act_code.value,
        "status": tc.status.value,
        "outcome": tc.outcome.value if tc.outcome else None,
        "rescheduled_from": str(tc.rescheduled_from_id) if tc.rescheduled_from_id else None,
    }


async def _append(
    session: AsyncSession, clock: Clock, actor: Actor, tc: Teleconsultation, type: EventType
) -> None:
    await append_event(
        session,
        clock,
        territory_id=tc.territory_id,
        type=type,
        actor=actor,
        subject_id=tc.id,
        payload=event_payload(tc),
    )


def _require_nurse(actor: Actor) -> uuid.UUID:
    if not actor.has_any(Role.NURSE) or actor.professional_id is None:
        raise NotAllowed(
            "only a nurse assisting the patient books an assisted teleconsultation",
            code="teleconsultation_nurse_only",
        )
    return actor.professional_id


def _check_consent(consent: Consent, now: datetime) -> None:
    if consent.given is not True:
        raise Invalid(
            "the patient's consent to the teleconsultation is required",
            code="teleconsultation_consent_required",
            field="consent.given",
        )
    if consent.collected_at.tzinfo is None:
        raise Invalid(
            "collected_at needs a UTC offset",
            code="utc_offset_required",
            field="consent.collected_at",
        )
    if consent.collected_at > now + CONSENT_CLOCK_SKEW:
        raise Invalid(
            "consent cannot be collected in the future",
            code="consent_future",
            field="consent.collected_at",
        )


async def _target_slot(session: AsyncSession, actor: Actor, draft: TeleconsultationDraft) -> Slot:
    """The slot the nurse aims at (directly or through their hold), checked for video and
    for the GP's welcome before any compare-and-swap is attempted."""
    slot_id = draft.slot_id
    if draft.hold_id is not None:
        held = await session.scalar(
            select(Hold.slot_id).where(
                Hold.id == draft.hold_id,
                Hold.territory_id == actor.territory_id,
                Hold.account_id == actor.account_id,
            )
        )
        if held is None:
            raise NotFound("hold not found", code="hold_not_found")
        if slot_id is not None and slot_id != held:
            raise Invalid("slot_id does not match the hold", code="slot_mismatch", field="slot_id")
        slot_id = held
    if slot_id is None:
        raise Invalid("give a slot_id or a hold_id", code="slot_or_hold_required", field="slot_id")
    slot = await session.scalar(
        select(Slot).where(Slot.id == slot_id, Slot.territory_id == actor.territory_id)
    )
    if slot is None:
        raise NotFound("slot not found", code="slot_not_found")
    if slot.modality is not Modality.VIDEO:
        raise Invalid(
            "an assisted teleconsultation needs a video slot",
            code="teleconsultation_video_required",
            field="slot_id",
        )
    if not slot.assisted:
        raise Invalid(
            "this GP has not opened this slot to assisted teleconsultations",
            code="teleconsultation_slot_not_assisted",
            field="slot_id",
        )
    return slot


async def book_teleconsultation(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    draft: TeleconsultationDraft,
    rooms: VideoRooms,
) -> Scheduled:
    """Book the slot for the patient and record the assisted teleconsultation, atomically.

    A reschedule (`rescheduled_from`) cancels the old teleconsultation in the same
    transaction: if the new slot is taken, the old appointment stays as it was.
    """
    nurse_id = _require_nurse(actor)
    now = clock.now()
    _check_consent(draft.consent, now)
    if not draft.reason.strip():
        raise Invalid(
            "say why the GP is consulted", code="teleconsultation_reason_required", field="reason"
        )
    if draft.idempotency_key:
        previous = await session.scalar(
            select(Teleconsultation)
            .join(Booking, Booking.id == Teleconsultation.booking_id)
            .where(
                Booking.booked_by == actor.account_id,
                Booking.idempotency_key == draft.idempotency_key,
            )
        )
        if previous is not None:
            # The answer names the patient again: a read like any other.
            replayed = await read_patients(
                session, clock, actor, [previous], "teleconsultation replay"
            )
            return Scheduled(previous, created=False, patient=replayed.get(previous.patient_id))
        if await bookings.find_by_key(session, actor, draft.idempotency_key) is not None:
            raise Conflict(
                "this Idempotency-Key was used for another request",
                code="idempotency_key_reused",
                field="Idempotency-Key",
            )
    slot = await _target_slot(session, actor, draft)
    old: Teleconsultation | None = None
    if draft.rescheduled_from is not None:
        old = await _visible(session, actor, draft.rescheduled_from)
        if old.nurse_professional_id != nurse_id:
            raise NotAllowed(
                "only the assisting nurse reschedules a teleconsultation",
                code="teleconsultation_reschedule_nurse_only",
            )
        patient = await session.get(Patient, old.patient_id)
        if patient is None or not same_person(patient, checked(draft.patient, now)):
            raise Invalid(
                "a reschedule is for the same patient",
                code="teleconsultation_reschedule_other_patient",
                field="patient",
            )
        await _cancel(session, clock, actor, old, "rescheduled")

    booked = await bookings.book(
        session,
        clock,
        actor,
        bookings.BookingDraft(
            channel=Origin.NURSE,
            slot_id=slot.id,
            hold_id=draft.hold_id,
            patient=draft.patient,
            idempotency_key=draft.idempotency_key,
        ),
    )
    booking = booked.booking
    tc_id = uuid.uuid4()
    tc = Teleconsultation(
        id=tc_id,
        territory_id=actor.territory_id,
        booking_id=booking.id,
        slot_id=booking.slot_id,
        gp_professional_id=booking.professional_id,
        nurse_professional_id=nurse_id,
        nurse_account_id=actor.account_id,
        patient_id=booking.patient_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        setting=draft.setting,
        act_code=act_code_for(draft.setting),
        consent_collected_at=draft.consent.collected_at,
        consent_collected_by=(draft.consent.collected_by or "").strip() or None,
        reason=draft.reason.strip(),
        handover=draft.handover,
        video_url=rooms.room_url(tc_id),
        status=TeleconsultationStatus.BOOKED,
        status_changed_at=now,
        status_changed_by=actor.account_id,
        rescheduled_from_id=old.id if old else None,
        created_at=now,
    )
    session.add(tc)
    await session.flush()
    await _append(session, clock, actor, tc, EventType.TELECONSULTATION_BOOKED)
    return Scheduled(tc, created=True, patient=booked.patient)


async def _get(session: AsyncSession, actor: Actor, tc_id: uuid.UUID) -> Teleconsultation:
    tc = await session.scalar(
        select(Teleconsultation).where(
            Teleconsultation.id == tc_id, Teleconsultation.territory_id == actor.territory_id
        )
    )
    if tc is None:
        raise NotFound("teleconsultation not found", code="teleconsultation_not_found")
    return tc


_Id = TypeVar("_Id")  # an id as a UUID or as its string


def is_teleconsultation_party(
    professional_id: _Id | None, gp: _Id | None, nurse: _Id | None
) -> bool:
    """The GP and the assisting nurse, by professional id: UUIDs (a loaded teleconsultation)
    or their strings (an event's payload, for live views)."""
    return professional_id is not None and professional_id in (gp, nurse)


def is_participant(actor: Actor, tc: Teleconsultation) -> bool:
    """The GP and the assisting nurse: the only ones who see the room and the handover."""
    return is_teleconsultation_party(
        actor.professional_id, tc.gp_professional_id, tc.nurse_professional_id
    )


def may_see(actor: Actor, tc: Teleconsultation) -> bool:
    return is_participant(actor, tc) or actor.is_staff


async def _visible(session: AsyncSession, actor: Actor, tc_id: uuid.UUID) -> Teleconsultation:
    tc = await _get(session, actor, tc_id)
    if not may_see(actor, tc):
        raise NotFound("teleconsultation not found", code="teleconsultation_not_found")
    return tc


async def get_teleconsultation(
    session: AsyncSession, actor: Actor, tc_id: uuid.UUID
) -> Teleconsultation:
    return await _visible(session, actor, tc_id)


async def _swap(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    tc: Teleconsultation,
    allowed_from: set[TeleconsultationStatus],
    to: TeleconsultationStatus,
    **values: Any,
) -> Teleconsultation:
    """Compare-and-swap on the current status; the loser of a race gets 409."""
    now = clock.now()
    changed: Teleconsultation | None = await session.scalar(
        update(Teleconsultation)
        .where(Teleconsultation.id == tc.id, Teleconsultation.status.in_(allowed_from))
        .values(
            status=to,
            status_changed_at=now,
            status_changed_by=actor.account_id,
            revision=Teleconsultation.revision + 1,
            **values,
        )
        .returning(Teleconsultation)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            f"a {tc.status.value} teleconsultation cannot become {to.value}",
            code="teleconsultation_transition",
            params={"status": tc.status.value, "to": to.value},
            field="status",
        )
    return changed


async def _booking_to(
    session: AsyncSession, clock: Clock, actor: Actor, tc: Teleconsultation, to: BookingStatus
) -> None:
    booking = await session.get(Booking, tc.booking_id)
    assert booking is not None
    await bookings.change_status(session, clock, actor, booking, to, tc.cancel_reason)


async def _cancel(
    session: AsyncSession, clock: Clock, actor: Actor, tc: Teleconsultation, reason: str | None
) -> Teleconsultation:
    changed = await _swap(
        session,
        clock,
        actor,
        tc,
        {TeleconsultationStatus.BOOKED},
        TeleconsultationStatus.CANCELLED,
        cancel_reason=reason,
    )
    await _booking_to(session, clock, actor, changed, BookingStatus.CANCELLED)
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_CANCELLED)
    return changed


async def cancel(
    session: AsyncSession, clock: Clock, actor: Actor, tc_id: uuid.UUID, reason: str | None
) -> Teleconsultation:
    """The GP, the nurse or the CPTS staff call it off; the slot is free again."""
    return await _cancel(session, clock, actor, await _visible(session, actor, tc_id), reason)


async def start(
    session: AsyncSession, clock: Clock, actor: Actor, tc_id: uuid.UUID
) -> Teleconsultation:
    """The GP or the nurse opens the room, at most 15 minutes before the slot."""
    tc = await get_as_participant(session, actor, tc_id)
    now = clock.now()
    if now < tc.starts_at - EARLY_START:
        raise InvalidTransition(
            "a teleconsultation starts at most 15 minutes before its slot",
            code="teleconsultation_start_too_early",
            params={"minutes": EARLY_START // timedelta(minutes=1)},
            field="status",
        )
    changed = await _swap(
        session,
        clock,
        actor,
        tc,
        {TeleconsultationStatus.BOOKED},
        TeleconsultationStatus.STARTED,
        started_at=now,
    )
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_STARTED)
    return changed


async def complete(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    tc_id: uuid.UUID,
    outcome: TeleconsultationOutcome,
    note: str | None,
) -> Teleconsultation:
    """The GP closes the visit with its outcome; the booking is honoured."""
    tc = await get_as_participant(session, actor, tc_id)
    if actor.professional_id != tc.gp_professional_id:
        raise NotAllowed(
            "only the GP who teleconsulted states the outcome",
            code="teleconsultation_outcome_gp_only",
        )
    now = clock.now()
    if now < tc.starts_at - EARLY_START:
        raise InvalidTransition(
            "the teleconsultation has not started yet",
            code="teleconsultation_not_started",
            field="status",
        )
    changed = await _swap(
        session,
        clock,
        actor,
        tc,
        {TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED},
        TeleconsultationStatus.COMPLETED,
        started_at=tc.started_at or now,
        completed_at=now,
        outcome=outcome,
        outcome_note=(note or "").strip() or None,
    )
    await _booking_to(session, clock, actor, changed, BookingStatus.HONOURED)
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_COMPLETED)
    return changed


async def no_show(
    session: AsyncSession, clock: Clock, actor: Actor, tc_id: uuid.UUID
) -> Teleconsultation:
    """Someone did not join (stated by the GP or the nurse, once the slot has begun)."""
    tc = await get_as_participant(session, actor, tc_id)
    if clock.now() < tc.starts_at:
        raise InvalidTransition(
            "the teleconsultation has not begun yet",
            code="teleconsultation_not_started",
            field="status",
        )
    changed = await _swap(
        session,
        clock,
        actor,
        tc,
        {TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED},
        TeleconsultationStatus.NO_SHOW,
    )
    await _booking_to(session, clock, actor, changed, BookingStatus.NO_SHOW)
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_NO_SHOW)
    return changed


async def update_handover(
    session: AsyncSession, clock: Clock, actor: Actor, tc_id: uuid.UUID, handover: dict[str, Any]
) -> Teleconsultation:
    """The nurse completes the handover (vital signs taken at the bedside) until the visit ends."""
    tc = await get_as_participant(session, actor, tc_id)
    if actor.professional_id != tc.nurse_professional_id:
        raise NotAllowed(
            "the assisting nurse writes the handover", code="teleconsultation_handover_nurse_only"
        )
    open_states = {TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED}
    if tc.status not in open_states:
        raise InvalidTransition(
            f"the handover of a {tc.status.value} teleconsultation is closed",
            code="teleconsultation_handover_closed",
            params={"status": tc.status.value},
            field="handover",
        )
    changed: Teleconsultation | None = await session.scalar(
        update(Teleconsultation)
        .where(Teleconsultation.id == tc.id, Teleconsultation.status.in_(open_states))
        .values(handover=handover)
        .returning(Teleconsultation)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            "the teleconsultation ended meanwhile",
            code="teleconsultation_ended_meanwhile",
            field="handover",
        )
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_HANDOVER_UPDATED)
    return changed


LINKABLE = (TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED)


async def link_to_send(session: AsyncSession, actor: Actor, tc_id: uuid.UUID) -> Teleconsultation:
    """The teleconsultation whose room link the assisting nurse may send to the patient: only
    theirs, and only while the visit is still to come or under way."""
    tc = await get_as_participant(session, actor, tc_id)
    if actor.professional_id != tc.nurse_professional_id:
        raise NotAllowed(
            "the assisting nurse sends the room link to the patient",
            code="teleconsultation_link_nurse_only",
        )
    if tc.status not in LINKABLE:
        raise InvalidTransition(
            f"a {tc.status.value} teleconsultation has no room to join",
            code="teleconsultation_no_room",
            params={"status": tc.status.value},
            field="status",
        )
    return tc


async def mark_link_sent(
    session: AsyncSession, clock: Clock, actor: Actor, tc_id: uuid.UUID
) -> Teleconsultation:
    tc = await link_to_send(session, actor, tc_id)
    changed: Teleconsultation | None = await session.scalar(
        update(Teleconsultation)
        .where(Teleconsultation.id == tc.id, Teleconsultation.status.in_(LINKABLE))
        .values(link_sent_to_patient_at=clock.now())
        .returning(Teleconsultation)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            "the teleconsultation ended meanwhile",
            code="teleconsultation_ended_meanwhile",
            field="status",
        )
    await _append(session, clock, actor, changed, EventType.TELECONSULTATION_LINK_SENT)
    return changed


async def get_as_participant(
    session: AsyncSession, actor: Actor, tc_id: uuid.UUID
) -> Teleconsultation:
    """The teleconsultation, for its GP or nurse only (anyone else: not found)."""
    tc = await _get(session, actor, tc_id)
    if not is_participant(actor, tc):
        raise NotFound("teleconsultation not found", code="teleconsultation_not_found")
    return tc


UPCOMING = (TeleconsultationStatus.BOOKED, TeleconsultationStatus.STARTED)


async def list_for(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    role: str,
    start: datetime | None = None,
    end: datetime | None = None,
    status: TeleconsultationStatus | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[Teleconsultation]:
    """The caller's teleconsultations as GP or as nurse, by start. Without a window or a
    status: the upcoming ones (booked or started, not over yet)."""
    if actor.professional_id is None:
        raise NotAllowed(
            "only professionals have teleconsultations",
            code="teleconsultation_professionals_only",
        )
    column = {
        "gp": Teleconsultation.gp_professional_id,
        "nurse": Teleconsultation.nurse_professional_id,
    }.get(role)
    if column is None:
        raise Invalid("role is gp or nurse", code="teleconsultation_role", field="role")
    stmt = select(Teleconsultation).where(
        Teleconsultation.territory_id == actor.territory_id, column == actor.professional_id
    )
    if start is None and end is None and status is None:
        stmt = stmt.where(
            Teleconsultation.status.in_(UPCOMING), Teleconsultation.ends_at > clock.now()
        )
    if start is not None:
        stmt = stmt.where(Teleconsultation.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Teleconsultation.starts_at < end)
    if status is not None:
        stmt = stmt.where(Teleconsultation.status == status)
    try:
        stmt = keyset(
            stmt,
            Teleconsultation.starts_at,
            Teleconsultation.id,
            cursor,
            limit=limit,
            parse=datetime.fromisoformat,
        )
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda t: (t.starts_at, t.id))


async def assisted_slots(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    start: datetime,
    end: datetime,
    own_gp_id: uuid.UUID | None = None,
    professional_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Slot]:
    """Free video slots that welcome assisted teleconsultations, by start, with the
    patient's own GP's slots first: a nurse asks their GP before any other."""
    check_instants(start=start, end=end)
    if end <= start:
        raise Invalid("end must be after start", code="end_before_start", field="end")
    if end - start > timedelta(days=31):
        raise Invalid(
            "the search window is at most 31 days",
            code="search_window_max",
            params={"days": 31},
            field="end",
        )
    now = clock.now()
    stmt = select(Slot).where(
        Slot.territory_id == actor.territory_id,
        Slot.modality == Modality.VIDEO,
        Slot.assisted.is_(True),
        Slot.starts_at >= start,
        Slot.starts_at < end,
        open_to_take(Slot, now),
    )
    if professional_id is not None:
        stmt = stmt.where(Slot.professional_id == professional_id)
    if own_gp_id is not None:
        stmt = stmt.order_by(Slot.professional_id != own_gp_id)  # False (own GP) sorts first
    rows = await session.scalars(stmt.order_by(Slot.starts_at, Slot.id).limit(limit))
    return list(rows)


@dataclass(frozen=True, slots=True)
class Reminder:
    teleconsultation: Teleconsultation


async def claim_reminders(session: AsyncSession, clock: Clock, lead: timedelta) -> list[Reminder]:
    """Teleconsultations starting within `lead` that nobody has reminded yet, claimed by
    compare-and-swap so that of several workers exactly one reminds each."""
    now = clock.now()
    due = list(
        await session.scalars(
            select(Teleconsultation.id).where(
                Teleconsultation.status == TeleconsultationStatus.BOOKED,
                Teleconsultation.reminded_at.is_(None),
                Teleconsultation.starts_at <= now + lead,
                Teleconsultation.starts_at > now - REMINDER_GRACE,
            )
        )
    )
    if not due:
        return []
    claimed = list(
        await session.scalars(
            update(Teleconsultation)
            .where(
                Teleconsultation.id.in_(due),
                Teleconsultation.reminded_at.is_(None),
                Teleconsultation.status == TeleconsultationStatus.BOOKED,
            )
            .values(reminded_at=now)
            .returning(Teleconsultation)
            .execution_options(populate_existing=True)
        )
    )
    for tc in claimed:
        await append_event(
            session,
            clock,
            territory_id=tc.territory_id,
            type=EventType.TELECONSULTATION_REMINDER,
            actor=None,
            subject_id=tc.id,
            payload=event_payload(tc),
        )
    return [Reminder(tc) for tc in claimed]


async def bookings_with_teleconsultation(
    session: AsyncSession, actor: Actor, booking_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of the bookings (of the actor's territory) are assisted teleconsultations."""
    wanted = set(booking_ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(Teleconsultation.booking_id).where(
            Teleconsultation.booking_id.in_(wanted),
            Teleconsultation.territory_id == actor.territory_id,
        )
    )
    return set(rows)


# The reads of teleconsultations by a person. Only its GP and nurse see the patient; each
# patient shown is recorded as read (`purpose` says where).


async def read_patients(
    session: AsyncSession, clock: Clock, actor: Actor, tcs: list[Teleconsultation], purpose: str
) -> dict[uuid.UUID, Patient]:
    """The patients of teleconsultations loaded for the actor, those of which the actor is
    the GP or the nurse, recorded as read."""
    mine = [t for t in tcs if is_participant(actor, t)]
    patients = await patients_by_id(session, (t.patient_id for t in mine))
    await record_reads(
        session, clock, actor, "teleconsultation", [(t.id, t.patient_id) for t in mine], purpose
    )
    return patients


@dataclass(frozen=True, slots=True)
class TeleconsultationsRead:
    page: Page[Teleconsultation]
    patients: dict[uuid.UUID, Patient]


async def read_list(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    role: str,
    start: datetime | None,
    end: datetime | None,
    status: TeleconsultationStatus | None,
    cursor: str | None,
    limit: int,
    purpose: str = "teleconsultation list",
) -> TeleconsultationsRead:
    found = await list_for(
        session,
        clock,
        actor,
        role=role,
        start=start,
        end=end,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return TeleconsultationsRead(
        found, await read_patients(session, clock, actor, found.items, purpose)
    )


async def read_teleconsultation(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    tc_id: uuid.UUID,
    purpose: str = "teleconsultation detail",
) -> tuple[Teleconsultation, Patient | None]:
    """The teleconsultation for whoever may see it; its patient (audited) for its GP and
    nurse only: the staff see the appointment."""
    tc = await get_teleconsultation(session, actor, tc_id)
    patients = await read_patients(session, clock, actor, [tc], purpose)
    return tc, patients.get(tc.patient_id)


async def read_as_participant(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    tc_id: uuid.UUID,
    purpose: str = "teleconsultation detail page",
) -> tuple[Teleconsultation, Patient | None]:
    """`get_as_participant`, with the patient, recorded as read."""
    tc = await get_as_participant(session, actor, tc_id)
    patients = await read_patients(session, clock, actor, [tc], purpose)
    return tc, patients.get(tc.patient_id)
