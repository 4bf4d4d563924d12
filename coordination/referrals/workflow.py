"""The referral's lifecycle, each step a compare-and-swap on the status plus an event:

requested → accepted (the assigned expert, or the first expert of the expertise to claim it
from the queue) | rejected (with a reason) → in_progress → completed (the expert's answer), or
cancelled by the requester while open. The coordinator reassigns what is not started; a job
flags what is overdue.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals.assessment import (
    AssessmentDraft,
    WoundAssessment,
    assessment_row,
    check,
)
from coordination.referrals.models.expert import Expert
from coordination.referrals.models.referral import (
    OPEN_STATUSES,
    FollowUp,
    Referral,
    ReferralStatus,
)
from coordination.referrals.referrals import (
    _get,
    append_referral_event,
    expert_of,
    get_visible,
    may_see,
)
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from kernel.event_types import EventType
from scheduling import teleconsultations
from scheduling.models.teleconsultation import Setting
from scheduling.patient import Patient, draft_of
from scheduling.teleconsultations import Consent, Scheduled, TeleconsultationDraft
from scheduling.video_rooms import VideoRooms


async def _swap(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral: Referral,
    allowed_from: Collection[ReferralStatus],
    to: ReferralStatus,
    *,
    extra_where: Any = None,
    **values: Any,
) -> Referral:
    stmt = update(Referral).where(
        Referral.id == referral.id, Referral.status.in_(list(allowed_from))
    )
    if extra_where is not None:
        stmt = stmt.where(extra_where)
    changed: Referral | None = await session.scalar(
        stmt.values(
            status=to, status_changed_at=clock.now(), status_changed_by=actor.account_id, **values
        )
        .returning(Referral)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            f"this referral is no longer {' or '.join(s.value for s in allowed_from)}",
            code="referral_status_changed",
            params={"statuses": [s.value for s in allowed_from]},
            field="status",
        )
    return changed


def _require_expert_for(expert: Expert | None, referral: Referral) -> Expert:
    if expert is None or not expert.active:
        raise NotAllowed(
            "only an expert of the network answers referrals", code="referral_expert_only"
        )
    if referral.assigned_expert_id not in (None, expert.id):
        raise NotAllowed(
            "this referral is assigned to another expert", code="referral_assigned_elsewhere"
        )
    if referral.assigned_expert_id is None and expert.expertise is not referral.expertise:
        raise NotAllowed(
            f"this referral asks for {referral.expertise.value} expertise",
            code="referral_expertise_mismatch",
            params={"expertise": referral.expertise.value},
        )
    return expert


async def _claim(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    to: ReferralStatus,
    **values: Any,
) -> Referral:
    """Accept or reject a requested referral: the assigned expert, or the first expert of the
    expertise to take it from the queue (one winner: the others get 409)."""
    referral = await _get(session, actor, referral_id)
    expert = await expert_of(session, actor)
    if not may_see(actor, referral, expert):
        if expert is not None and expert.active and expert.expertise is referral.expertise:
            # An expert of the expertise who lost the race: the referral is taken, not absent.
            raise Conflict(
                "another expert has taken this referral", code="referral_taken", field="status"
            )
        raise NotFound("referral not found", code="referral_not_found")
    me = _require_expert_for(expert, referral)
    if me.professional_id == referral.requester_professional_id:
        raise NotAllowed("an expert does not answer their own referral", code="referral_own_answer")
    if to is ReferralStatus.REJECTED and referral.assigned_expert_id != me.id:
        # In the open queue, one expert's "not for me" must not close it for the others.
        raise NotAllowed(
            "only the expert the referral is assigned to rejects it",
            code="referral_reject_assigned_only",
        )
    changed = await _swap(
        session,
        clock,
        actor,
        referral,
        [ReferralStatus.REQUESTED],
        to,
        extra_where=or_(
            Referral.assigned_expert_id == me.id, Referral.assigned_expert_id.is_(None)
        ),
        assigned_expert_id=me.id,
        **values,
    )
    await append_referral_event(session, clock, actor, changed, EventType(f"referral.{to.value}"))
    return changed


async def accept(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID
) -> Referral:
    return await _claim(
        session, clock, actor, referral_id, ReferralStatus.ACCEPTED, accepted_at=clock.now()
    )


async def reject(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, reason: str
) -> Referral:
    if not reason.strip():
        raise Invalid(
            "say why the referral is rejected",
            code="referral_reject_reason_required",
            field="reason",
        )
    return await _claim(
        session, clock, actor, referral_id, ReferralStatus.REJECTED, reject_reason=reason.strip()
    )


async def _as_assigned(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, Expert]:
    referral, expert = await get_visible(session, actor, referral_id)
    if expert is None or referral.assigned_expert_id != expert.id:
        raise NotAllowed(
            "only the expert who accepted the referral does this",
            code="referral_assigned_expert_only",
        )
    return referral, expert


async def start(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID
) -> Referral:
    referral, me = await _as_assigned(session, actor, referral_id)
    changed = await _swap(
        session,
        clock,
        actor,
        referral,
        [ReferralStatus.ACCEPTED],
        ReferralStatus.IN_PROGRESS,
        extra_where=Referral.assigned_expert_id == me.id,
    )
    await append_referral_event(session, clock, actor, changed, EventType.REFERRAL_STARTED)
    return changed


@dataclass(frozen=True, slots=True)
class Answer:
    advice: str
    follow_up: FollowUp
    care_plan: str | None = None


async def answer(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, given: Answer
) -> Referral:
    if not given.advice.strip():
        raise Invalid(
            "the answer needs the expert's advice", code="referral_advice_required", field="advice"
        )
    referral, me = await _as_assigned(session, actor, referral_id)
    changed = await _swap(
        session,
        clock,
        actor,
        referral,
        [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS],
        ReferralStatus.COMPLETED,
        extra_where=Referral.assigned_expert_id == me.id,
        answered_at=clock.now(),
        advice=given.advice.strip(),
        care_plan=(given.care_plan or "").strip() or None,
        follow_up=given.follow_up,
    )
    await append_referral_event(session, clock, actor, changed, EventType.REFERRAL_COMPLETED)
    return changed


async def cancel(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    reason: str | None,
) -> Referral:
    referral = await _get(session, actor, referral_id)
    if referral.requester_account_id != actor.account_id:
        if actor.is_staff:
            raise NotAllowed(
                "only the requester cancels a referral", code="referral_cancel_requester_only"
            )
        raise NotFound("referral not found", code="referral_not_found")
    changed = await _swap(
        session,
        clock,
        actor,
        referral,
        OPEN_STATUSES,
        ReferralStatus.CANCELLED,
        cancel_reason=(reason or "").strip() or None,
    )
    await append_referral_event(session, clock, actor, changed, EventType.REFERRAL_CANCELLED)
    return changed


async def reassign(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    expert_id: uuid.UUID,
) -> Referral:
    """The coordinator hands a referral nobody has started to another expert of its expertise;
    an accepted one goes back to `requested` for the new expert to accept."""
    if not actor.is_staff:
        raise NotAllowed(
            "the CPTS coordinators reassign referrals", code="referral_reassign_staff_only"
        )
    referral = await _get(session, actor, referral_id)
    target = await session.scalar(
        select(Expert).where(Expert.id == expert_id, Expert.territory_id == actor.territory_id)
    )
    if target is None or not target.active:
        raise Invalid(
            "no active expert with this id", code="referral_expert_not_active", field="expert_id"
        )
    if target.expertise is not referral.expertise:
        raise Invalid(
            f"this referral needs {referral.expertise.value}",
            code="referral_expertise_mismatch",
            params={"expertise": referral.expertise.value},
            field="expert_id",
        )
    if target.professional_id == referral.requester_professional_id:
        raise Invalid(
            "the requester cannot answer their own referral",
            code="referral_requester_as_expert",
            field="expert_id",
        )
    changed = await _swap(
        session,
        clock,
        actor,
        referral,
        [ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED],
        ReferralStatus.REQUESTED,
        assigned_expert_id=target.id,
        accepted_at=None,
    )
    await append_referral_event(session, clock, actor, changed, EventType.REFERRAL_REASSIGNED)
    return changed


async def add_assessment(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    draft: AssessmentDraft,
) -> WoundAssessment:
    """A new measurement of the same wound (requester or assigned expert), while open or
    after the answer: the trajectory goes on during the follow-up."""
    referral, expert = await get_visible(session, actor, referral_id)
    is_expert = expert is not None and referral.assigned_expert_id == expert.id
    if actor.account_id != referral.requester_account_id and not is_expert:
        raise NotAllowed(
            "the requester or the assigned expert records assessments",
            code="referral_assessment_not_allowed",
        )
    if referral.status in (ReferralStatus.CANCELLED, ReferralStatus.REJECTED):
        raise InvalidTransition(
            f"a {referral.status.value} referral takes no assessment",
            code="referral_closed_no_assessment",
            params={"status": referral.status.value},
            field="status",
        )
    check(draft)
    last = await session.scalar(
        select(func.max(WoundAssessment.seq)).where(WoundAssessment.referral_id == referral.id)
    )
    # Two assessments racing for the same number: the unique (referral, seq) makes one a 409.
    row = assessment_row(draft, referral.id, (last or 0) + 1, actor.account_id, clock.now())
    await session.execute(insert(WoundAssessment).values(**row))
    await append_referral_event(
        session, clock, actor, referral, EventType.REFERRAL_ASSESSMENT_ADDED
    )
    found = await session.get(WoundAssessment, row["id"])
    assert found is not None
    return found


async def flag_overdue(session: AsyncSession, clock: Clock) -> list[Referral]:
    """Open referrals past their deadline, flagged once (compare-and-swap on `overdue_at`, so
    several workers flag each only once), with a `referral.overdue` event."""
    now = clock.now()
    flagged = list(
        await session.scalars(
            update(Referral)
            .where(
                Referral.overdue_at.is_(None),
                Referral.status.in_(OPEN_STATUSES),
                Referral.due_at <= now,
            )
            .values(overdue_at=now)
            .returning(Referral)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
    )
    for referral in flagged:
        await append_referral_event(session, clock, None, referral, EventType.REFERRAL_OVERDUE)
    return flagged


async def link_follow_up(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    teleconsultation_id: uuid.UUID,
) -> Referral:
    """Record the assisted teleconsultation booked as the answer's follow-up."""
    referral = await _get(session, actor, referral_id)
    changed: Referral | None = await session.scalar(
        update(Referral)
        .where(
            Referral.id == referral.id,
            Referral.follow_up_teleconsultation_id.is_(None),
        )
        .values(follow_up_teleconsultation_id=teleconsultation_id)
        .returning(Referral)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            "a follow-up is already booked", code="referral_follow_up_booked", field="referral_id"
        )
    await append_referral_event(session, clock, actor, changed, EventType.REFERRAL_FOLLOW_UP_BOOKED)
    return changed


async def follow_up_target(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """The referral whose answer asks for an assisted teleconsultation, for its requester."""
    referral = await _get(session, actor, referral_id)
    if referral.requester_account_id != actor.account_id:
        raise NotFound("referral not found", code="referral_not_found")
    if referral.follow_up is not FollowUp.ASSISTED_TELECONSULTATION:
        raise InvalidTransition(
            "the expert's answer does not ask for an assisted teleconsultation",
            code="referral_follow_up_not_asked",
            field="referral_id",
        )
    if referral.follow_up_teleconsultation_id is not None:
        raise InvalidTransition(
            "a follow-up is already booked", code="referral_follow_up_booked", field="referral_id"
        )
    return referral


async def follow_up_booking_of(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, Patient]:
    """The referral a follow-up is to be booked for and its patient (the booking form names
    them: an audited read)."""
    referral = await follow_up_target(session, actor, referral_id)
    patient = await session.get(Patient, referral.patient_id)
    assert patient is not None  # foreign key
    await record_reads(
        session, clock, actor, "referral", [(referral.id, patient.id)], "follow-up booking form"
    )
    return referral, patient


async def latest_assessments(
    session: AsyncSession, referral_ids: list[uuid.UUID]
) -> dict[uuid.UUID, WoundAssessment]:
    """The last assessment of each of the referrals (a list the caller already
    access-checked: `referrals.list_visible`)."""
    if not referral_ids:
        return {}
    latest: dict[uuid.UUID, WoundAssessment] = {}
    for a in await session.scalars(
        select(WoundAssessment)
        .where(WoundAssessment.referral_id.in_(referral_ids))
        .order_by(WoundAssessment.referral_id, WoundAssessment.seq)
    ):
        latest[a.referral_id] = a
    return latest


@dataclass(frozen=True, slots=True)
class FollowUpBooking:
    """What the requester chooses for the follow-up the answer asks for; the patient is the
    referral's own."""

    setting: Setting
    consent: Consent
    reason: str | None
    slot_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    handover: dict[str, Any] | None


async def book_follow_up(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    choice: FollowUpBooking,
    rooms: VideoRooms,
) -> tuple[Scheduled, Patient]:
    """Book the assisted teleconsultation the expert's answer asks for, for the referral's
    patient, and link it to the referral; the answer names a patient the caller did not type:
    a recorded read."""
    referral = await follow_up_target(session, actor, referral_id)
    patient = await session.get(Patient, referral.patient_id)
    assert patient is not None
    scheduled = await teleconsultations.book_teleconsultation(
        session,
        clock,
        actor,
        TeleconsultationDraft(
            setting=choice.setting,
            consent=choice.consent,
            reason=choice.reason or f"Suivi de l'avis plaies ({referral.expertise.value})",
            patient=draft_of(patient),
            slot_id=choice.slot_id,
            hold_id=choice.hold_id,
            handover=choice.handover,
        ),
        rooms,
    )
    await link_follow_up(session, clock, actor, referral.id, scheduled.teleconsultation.id)
    await record_reads(
        session,
        clock,
        actor,
        "teleconsultation",
        [(scheduled.teleconsultation.id, referral.patient_id)],
        "follow-up of a referral",
    )
    return scheduled, patient
