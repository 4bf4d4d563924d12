"""Asking the wound-care network: creating a referral, who may see it, listing them.

A new referral is routed at once (least-loaded expert, or the open queue), gets its response
deadline in the territory's working days, and counts the patient's téléexpertises of the year:
past four the request is flagged, since the act is billable four times a year per patient.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals.assessment import (
    AssessmentDraft,
    WoundAssessment,
    assessment_row,
    check,
)
from coordination.referrals.models.expert import Expert, Expertise
from coordination.referrals.models.referral import (
    OPEN_STATUSES,
    Priority,
    Referral,
    ReferralStatus,
)
from coordination.referrals.network_settings import Routing, policy_of
from coordination.referrals.routing import least_loaded_expert
from coordination.referrals.working_days import due_at, subdivision_for
from kernel.actor import Actor, Role
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.pagination import BadCursor, Page, keyset, page
from scheduling.patient import (
    Patient,
    PatientDraft,
    checked,
    patient_row,
    patients_by_id,
    same_person,
)

YEARLY_TELEEXPERTISE_LIMIT = 4
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ReferralDraft:
    patient: PatientDraft
    consent_given: bool
    consent_collected_at: datetime
    priority: Priority
    expertise: Expertise
    question: str
    assessment: AssessmentDraft


@dataclass(slots=True)
class Created:
    referral: Referral
    patient: PatientDraft
    assessments: list[WoundAssessment]  # the first one, as written
    warnings: list[str] = field(default_factory=list)


class ReferralPayload(TypedDict):
    """The payload of every referral event."""

    referral_id: str
    expertise: str
    priority: str
    status: str
    assigned_expert_id: str | None
    requester_professional_id: str
    requester_account_id: str
    due_at: str


def event_payload(r: Referral) -> ReferralPayload:
    """What the territory may learn of a referral: no patient, no question, no answer."""
    return {
        "referral_id": str(r.id),
        "expertise": r.expertise.value,
        "priority": r.priority.value,
        "status": r.status.value,
        "assigned_expert_id": str(r.assigned_expert_id) if r.assigned_expert_id else None,
        "requester_professional_id": str(r.requester_professional_id),
        "requester_account_id": str(r.requester_account_id),
        "due_at": r.due_at.isoformat(),
    }


async def append_referral_event(
    session: AsyncSession, clock: Clock, actor: Actor | None, r: Referral, type: EventType
) -> None:
    await append_event(
        session,
        clock,
        territory_id=r.territory_id,
        type=type,
        actor=actor,
        subject_id=r.id,
        payload=event_payload(r),
    )


async def _year_count(
    session: AsyncSession, territory_id: uuid.UUID, identity: PatientDraft, now: datetime, tz: str
) -> int:
    """Earlier referrals this calendar year of the same person (same NIR, or same folded names
    and birth date when either side has no NIR); cancelled and rejected ones were not acts."""
    local = now.astimezone(ZoneInfo(tz))
    year_start = datetime(local.year, 1, 1, tzinfo=ZoneInfo(tz))
    rows = (
        await session.scalars(
            select(Patient)
            .join(Referral, Referral.patient_id == Patient.id)
            .where(
                Referral.territory_id == territory_id,
                Referral.created_at >= year_start,
                Referral.status.not_in([ReferralStatus.CANCELLED, ReferralStatus.REJECTED]),
                Patient.birth_date == identity.birth_date,
            )
        )
    ).all()
    return sum(same_person(known, identity) for known in rows)


async def expert_of(session: AsyncSession, actor: Actor) -> Expert | None:
    if actor.professional_id is None:
        return None
    return await session.scalar(
        select(Expert).where(
            Expert.professional_id == actor.professional_id,
            Expert.territory_id == actor.territory_id,
        )
    )


async def create_referral(
    session: AsyncSession, clock: Clock, actor: Actor, draft: ReferralDraft
) -> Created:
    if actor.professional_id is None or not actor.has_any(Role.NURSE, Role.GP):
        raise NotAllowed(
            "a nurse or a GP of the territory refers a wound to the network",
            code="referral_requester_role",
        )
    now = clock.now()
    if draft.consent_given is not True:
        raise Invalid(
            "the patient's consent to the téléexpertise is required",
            code="referral_consent_required",
            field="consent",
        )
    if draft.consent_collected_at > now + CONSENT_CLOCK_SKEW:
        raise Invalid(
            "consent cannot be collected in the future",
            code="consent_future",
            field="consent.collected_at",
        )
    if not draft.question.strip():
        raise Invalid(
            "ask the experts a question", code="referral_question_required", field="question"
        )
    check(draft.assessment)
    identity = checked(draft.patient, now)
    policy = await policy_of(session, actor.territory_id)
    zone = ZoneInfo(actor.timezone)
    local_today = now.astimezone(zone).date()
    week_start = datetime.combine(
        local_today - timedelta(days=local_today.weekday()), datetime.min.time(), tzinfo=zone
    )
    expert_id = None
    if policy.routing is Routing.LEAST_LOADED:
        expert_id = await least_loaded_expert(
            session,
            actor.territory_id,
            draft.expertise,
            today=local_today,
            week_start=week_start,
            exclude_professional=actor.professional_id,
        )
    year_count = await _year_count(session, actor.territory_id, identity, now, actor.timezone) + 1
    patient = patient_row(actor.territory_id, identity, now)
    await session.execute(insert(Patient).values(**patient))
    days = policy.urgent_days if draft.priority is Priority.URGENT else policy.routine_days
    referral = Referral(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        requester_account_id=actor.account_id,
        requester_professional_id=actor.professional_id,
        patient_id=patient["id"],
        consent_collected_at=draft.consent_collected_at,
        priority=draft.priority,
        expertise=draft.expertise,
        question=draft.question.strip(),
        status=ReferralStatus.REQUESTED,
        assigned_expert_id=expert_id,
        due_at=due_at(
            now,
            days,
            actor.timezone,
            subdivision_for(actor.timezone, policy.holiday_subdivision),
        ),
        status_changed_at=now,
        status_changed_by=actor.account_id,
        created_at=now,
        patient_year_count=year_count,
    )
    session.add(referral)
    await session.flush()
    first = await session.scalar(
        insert(WoundAssessment)
        .values(**assessment_row(draft.assessment, referral.id, 1, actor.account_id, now))
        .returning(WoundAssessment)
    )
    assert first is not None
    await append_referral_event(session, clock, actor, referral, EventType.REFERRAL_REQUESTED)
    warnings = []
    if expert_id is None and policy.routing is Routing.LEAST_LOADED:
        warnings.append("unassigned: no expert of this expertise is available; the CPTS assigns it")
    if year_count > YEARLY_TELEEXPERTISE_LIMIT:
        warnings.append(
            f"yearly_teleexpertise: {year_count} téléexpertises this year for this patient; "
            f"the act is billable {YEARLY_TELEEXPERTISE_LIMIT} times a year"
        )
    return Created(referral, identity, [first], warnings)


async def _get(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    found = await session.scalar(
        select(Referral).where(
            Referral.id == referral_id, Referral.territory_id == actor.territory_id
        )
    )
    if found is None:
        raise NotFound("referral not found", code="referral_not_found")
    return found


_Id = TypeVar("_Id")  # an id as a UUID or as its string


@dataclass(frozen=True, slots=True)
class ReferralFacts(Generic[_Id]):
    """What deciding who sees a referral needs, from a loaded referral (UUIDs, enums) or from
    its event's payload (strings): `may_see` and the live views decide by the same rule."""

    requester_account_id: _Id
    assigned_expert_id: _Id | None
    status: str
    expertise: str


def sees_referral(
    is_staff: bool,
    account_id: _Id,
    expert_id: _Id | None,
    expert_expertise: str | None,
    facts: ReferralFacts[_Id],
) -> bool:
    """The requester, the assigned expert, the experts of the expertise while it waits in the
    queue (to claim it), and the CPTS staff. `expert_id`: the reader's active expert record."""
    if is_staff or account_id == facts.requester_account_id:
        return True
    if expert_id is None:
        return False
    if facts.assigned_expert_id == expert_id:
        return True
    return (
        facts.assigned_expert_id is None
        and facts.status == ReferralStatus.REQUESTED.value
        and expert_expertise == facts.expertise
    )


def may_see(actor: Actor, r: Referral, expert: Expert | None) -> bool:
    active = expert if expert is not None and expert.active else None
    return sees_referral(
        actor.is_staff,
        actor.account_id,
        active.id if active else None,
        active.expertise.value if active else None,
        ReferralFacts(
            r.requester_account_id, r.assigned_expert_id, r.status.value, r.expertise.value
        ),
    )


def may_see_identity(actor: Actor, r: Referral, expert: Expert | None) -> bool:
    """Who the patient is: the requester, the assigned expert and the staff. Experts browsing
    the open queue see the case (assessment, photos, question), not the person."""
    if actor.is_staff or actor.account_id == r.requester_account_id:
        return True
    return expert is not None and expert.active and r.assigned_expert_id == expert.id


async def get_visible(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, Expert | None]:
    referral = await _get(session, actor, referral_id)
    expert = await expert_of(session, actor)
    if not may_see(actor, referral, expert):
        raise NotFound("referral not found", code="referral_not_found")
    return referral, expert


async def list_referrals(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ReferralStatus | None = None,
    mine: bool = False,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[Referral]:
    """Newest first. `mine`: what the caller asked or is assigned; otherwise everything they
    may see (staff: the territory; experts: theirs and their expertise's queue)."""
    stmt = select(Referral).where(Referral.territory_id == actor.territory_id)
    expert = await expert_of(session, actor)
    visible: list[Any] = [Referral.requester_account_id == actor.account_id]
    if expert is not None and expert.active:
        visible.append(Referral.assigned_expert_id == expert.id)
        if not mine:
            visible.append(
                (Referral.assigned_expert_id.is_(None))
                & (Referral.status == ReferralStatus.REQUESTED)
                & (Referral.expertise == expert.expertise)
            )
    if mine or not actor.is_staff:
        stmt = stmt.where(or_(*visible))
    if status is not None:
        stmt = stmt.where(Referral.status == status)
    try:
        stmt = keyset(
            stmt,
            Referral.created_at,
            Referral.id,
            cursor,
            limit=limit,
            parse=datetime.fromisoformat,
            descending=True,
        )
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda r: (r.created_at, r.id))


async def board(session: AsyncSession, clock: Clock, actor: Actor) -> list[Referral]:
    """The coordinator's board: open referrals that are overdue or wait for an expert, by
    deadline."""
    if not actor.is_staff:
        raise NotAllowed("the board is for the CPTS staff", code="referral_board_staff_only")
    rows = await session.scalars(
        select(Referral)
        .where(
            Referral.territory_id == actor.territory_id,
            Referral.status.in_(OPEN_STATUSES),
            or_(
                Referral.due_at <= clock.now(),
                Referral.overdue_at.is_not(None),
                Referral.assigned_expert_id.is_(None),
            ),
        )
        .order_by(Referral.due_at, Referral.id)
        .limit(500)
    )
    return list(rows)


async def assessments_of(session: AsyncSession, referral_id: uuid.UUID) -> list[WoundAssessment]:
    """The healing trajectory: every assessment of the referral, oldest first."""
    rows = await session.scalars(
        select(WoundAssessment)
        .where(WoundAssessment.referral_id == referral_id)
        .order_by(WoundAssessment.seq)
    )
    return list(rows)


# The reads of referrals by a person. Every referral shown carries its question (health
# data), named or not: each is a recorded read; the patient's identity only for those who may
# see it (`may_see_identity`).


@dataclass(frozen=True, slots=True)
class ReferralsRead:
    page: Page[Referral]
    patients: dict[uuid.UUID, Patient]  # of the referrals whose patient the actor may see


async def read_referrals(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    status: ReferralStatus | None = None,
    mine: bool = False,
    cursor: str | None = None,
    limit: int = 100,
) -> ReferralsRead:
    found = await list_referrals(
        session, actor, status=status, mine=mine, cursor=cursor, limit=limit
    )
    expert = await expert_of(session, actor)
    named = [r for r in found.items if may_see_identity(actor, r, expert)]
    patients = await patients_by_id(session, (r.patient_id for r in named))
    await record_reads(
        session, clock, actor, "referral", [(r.id, r.patient_id) for r in named], "list"
    )
    await record_reads(
        session,
        clock,
        actor,
        "referral",
        [(r.id, r.patient_id) for r in found.items if r not in named],
        "list (question, no identity)",
    )
    return ReferralsRead(found, patients)


@dataclass(frozen=True, slots=True)
class ReferralRead:
    referral: Referral
    expert: Expert | None  # the actor's own expert record, if any
    patient: Patient | None  # for those who may see the identity


async def read_referral(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    referral_id: uuid.UUID,
    purpose: str = "detail",
) -> ReferralRead:
    """One referral for whoever may see it; the case itself (assessment, photos, thread) is
    health data even without the name: audited."""
    r, expert = await get_visible(session, actor, referral_id)
    patient = (
        await session.get(Patient, r.patient_id) if may_see_identity(actor, r, expert) else None
    )
    await record_reads(session, clock, actor, "referral", [(r.id, r.patient_id)], purpose)
    return ReferralRead(r, expert, patient)


async def read_trajectory(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID
) -> list[WoundAssessment]:
    """The healing trajectory (assessments, oldest first), a recorded read."""
    r, _ = await get_visible(session, actor, referral_id)
    await record_reads(session, clock, actor, "referral", [(r.id, r.patient_id)], "trajectory")
    return await assessments_of(session, r.id)
