"""Wire shapes of the wound-care network API (public contract, documented in the README)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from coordination.referrals.assessment import (
    AssessmentDraft,
    BedColours,
    BradenRisk,
    Exudate,
    InfectionSign,
    WoundAssessment,
    WoundType,
)
from coordination.referrals.experts import ExpertLoad
from coordination.referrals.models.expert import ExpertAbsence, Expertise
from coordination.referrals.models.message import ReferralMessage
from coordination.referrals.models.photo import ReferralPhoto
from coordination.referrals.models.referral import FollowUp, Priority, Referral, ReferralStatus
from coordination.referrals.network_settings import Policy, Routing
from scheduling.models.teleconsultation import Setting
from scheduling.patient import Patient, PatientDraft
from server.scheduling.wire import PatientIn, PatientOut, patient_out
from server.teleconsultations.wire import ConsentIn as TeleconsultationConsentIn
from server.teleconsultations.wire import Handover
from server.wire_time import Instant

Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Centimetres = Annotated[float, msgspec.Meta(gt=0, le=100)]


class BedColoursIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    black: Percent
    yellow: Percent
    red: Percent
    pink: Percent


class BradenIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sensory_perception: Annotated[int, msgspec.Meta(ge=1, le=4)]
    moisture: Annotated[int, msgspec.Meta(ge=1, le=4)]
    activity: Annotated[int, msgspec.Meta(ge=1, le=4)]
    mobility: Annotated[int, msgspec.Meta(ge=1, le=4)]
    nutrition: Annotated[int, msgspec.Meta(ge=1, le=4)]
    friction_shear: Annotated[int, msgspec.Meta(ge=1, le=3)]


class AssessmentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    wound_type: WoundType
    body_site: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    length_cm: Centimetres
    width_cm: Centimetres
    depth_cm: Annotated[float, msgspec.Meta(ge=0, le=30)]
    age_weeks: Annotated[int, msgspec.Meta(ge=0, le=2600)]
    bed_colours: BedColoursIn
    exudate: Exudate
    pain: Annotated[int, msgspec.Meta(ge=0, le=10)]
    infection_signs: Annotated[list[InfectionSign], msgspec.Meta(max_length=8)] = []
    braden: BradenIn | None = None
    dressing: Annotated[str, msgspec.Meta(max_length=300)] | None = None

    def draft(self) -> AssessmentDraft:
        c = self.bed_colours
        return AssessmentDraft(
            wound_type=self.wound_type,
            body_site=self.body_site,
            length_cm=self.length_cm,
            width_cm=self.width_cm,
            depth_cm=self.depth_cm,
            age_weeks=self.age_weeks,
            bed_colours=BedColours(c.black, c.yellow, c.red, c.pink),
            exudate=self.exudate,
            pain=self.pain,
            infection_signs=frozenset(self.infection_signs),
            braden=msgspec.structs.asdict(self.braden) if self.braden else None,
            dressing=self.dressing,
        )


class ConsentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    given: bool
    collected_at: Instant


class ReferralIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    patient: PatientIn
    consent: ConsentIn
    priority: Priority
    expertise: Expertise
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    assessment: AssessmentIn


class RejectIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class AnswerIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    advice: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    follow_up: FollowUp
    care_plan: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class ReassignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    expert_id: uuid.UUID


class MessageIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class FollowUpIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An assisted teleconsultation for the referral's patient (identity taken from it)."""

    setting: Setting
    consent: TeleconsultationConsentIn
    slot_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    handover: Handover | None = None


class AssessmentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    assessed_at: Instant
    wound_type: WoundType
    body_site: str
    length_cm: float
    width_cm: float
    depth_cm: float
    area_cm2: float
    age_weeks: int
    chronic: bool
    bed_colours: dict[str, int]
    exudate: Exudate
    infection_signs: list[str]
    pain: int
    braden: dict[str, int] | None
    braden_total: int | None
    braden_risk: BradenRisk | None
    dressing: str | None


def assessment_out(a: WoundAssessment) -> AssessmentOut:
    return AssessmentOut(
        id=a.id,
        assessed_at=a.assessed_at,
        wound_type=a.wound_type,
        body_site=a.body_site,
        length_cm=a.length_cm,
        width_cm=a.width_cm,
        depth_cm=a.depth_cm,
        area_cm2=a.area_cm2,
        age_weeks=a.age_weeks,
        chronic=a.chronic,
        bed_colours={
            "black": a.bed_black,
            "yellow": a.bed_yellow,
            "red": a.bed_red,
            "pink": a.bed_pink,
        },
        exudate=a.exudate,
        infection_signs=list(a.infection_signs),
        pain=a.pain,
        braden=a.braden,
        braden_total=a.braden_total,
        braden_risk=a.braden_risk,
        dressing=a.dressing,
    )


class PhotoOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_at: Instant


def photo_out(p: ReferralPhoto) -> PhotoOut:
    return PhotoOut(
        id=p.id,
        url=f"/api/v1/referrals/{p.referral_id}/photos/{p.id}",
        content_type=p.content_type,
        width=p.width,
        height=p.height,
        size_bytes=p.size_bytes,
        uploaded_at=p.uploaded_at,
    )


class AnswerOut(msgspec.Struct, kw_only=True):
    advice: str
    care_plan: str | None
    follow_up: FollowUp
    answered_at: Instant


class ReferralOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: ReferralStatus
    priority: Priority
    expertise: Expertise
    question: str
    requester_professional_id: uuid.UUID
    assigned_expert_id: uuid.UUID | None
    due_at: Instant
    overdue: bool
    created_at: Instant
    accepted_at: Instant | None
    reject_reason: str | None
    cancel_reason: str | None
    answer: AnswerOut | None
    follow_up_teleconsultation_id: uuid.UUID | None
    patient_year_count: int
    patient: PatientOut | None
    assessments: list[AssessmentOut] | None = None  # detail only
    photos: list[PhotoOut] | None = None  # detail only
    warnings: list[str] = []


def referral_out(
    r: Referral,
    patient: Patient | PatientDraft | None,
    now: datetime,
    *,
    assessments: list[WoundAssessment] | None = None,
    photos: list[ReferralPhoto] | None = None,
    warnings: list[str] | None = None,
) -> ReferralOut:
    answer = None
    if r.answered_at is not None and r.advice is not None and r.follow_up is not None:
        answer = AnswerOut(
            advice=r.advice, care_plan=r.care_plan, follow_up=r.follow_up, answered_at=r.answered_at
        )
    return ReferralOut(
        id=r.id,
        status=r.status,
        priority=r.priority,
        expertise=r.expertise,
        question=r.question,
        requester_professional_id=r.requester_professional_id,
        assigned_expert_id=r.assigned_expert_id,
        due_at=r.due_at,
        overdue=r.overdue_at is not None
        or (r.due_at <= now and r.status.value in ("requested", "accepted", "in_progress")),
        created_at=r.created_at,
        accepted_at=r.accepted_at,
        reject_reason=r.reject_reason,
        cancel_reason=r.cancel_reason,
        answer=answer,
        follow_up_teleconsultation_id=r.follow_up_teleconsultation_id,
        patient_year_count=r.patient_year_count,
        patient=patient_out(patient) if patient else None,
        assessments=[assessment_out(a) for a in assessments] if assessments is not None else None,
        photos=[photo_out(p) for p in photos] if photos is not None else None,
        warnings=warnings or [],
    )


class ReferralList(msgspec.Struct, kw_only=True):
    items: list[ReferralOut]
    next: str | None = None


class MessageOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    author_account_id: uuid.UUID
    body: str
    created_at: Instant


def message_out(m: ReferralMessage) -> MessageOut:
    return MessageOut(
        id=m.id, author_account_id=m.author_account_id, body=m.body, created_at=m.created_at
    )


class ExpertIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    professional_id: uuid.UUID
    expertise: Expertise
    weekly_capacity: Annotated[int, msgspec.Meta(ge=1, le=200)]


class ExpertPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    weekly_capacity: Annotated[int, msgspec.Meta(ge=1, le=200)] | None = None
    active: bool | None = None


class AbsenceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    first_day: date
    last_day: date
    reason: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class AbsenceOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    first_day: date
    last_day: date
    reason: str | None


def absence_out(a: ExpertAbsence) -> AbsenceOut:
    return AbsenceOut(id=a.id, first_day=a.first_day, last_day=a.last_day, reason=a.reason)


class ExpertOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    professional_id: uuid.UUID
    expertise: Expertise
    weekly_capacity: int
    active: bool
    open_referrals: int
    absences: list[AbsenceOut]


def expert_out(load: ExpertLoad) -> ExpertOut:
    e = load.expert
    return ExpertOut(
        id=e.id,
        professional_id=e.professional_id,
        expertise=e.expertise,
        weekly_capacity=e.weekly_capacity,
        active=e.active,
        open_referrals=load.open_referrals,
        absences=[absence_out(a) for a in load.absences],
    )


class NetworkSettingsIo(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    routing: Routing = Routing.LEAST_LOADED
    routine_days: Annotated[int, msgspec.Meta(ge=1, le=30)] = 2
    urgent_days: Annotated[int, msgspec.Meta(ge=0, le=30)] = 1
    holiday_subdivision: (
        Annotated[str, msgspec.Meta(pattern=r"^(57|6AE|971|972|973|974|976)$")] | None
    ) = None

    def policy(self) -> Policy:
        return Policy(self.routing, self.routine_days, self.urgent_days, self.holiday_subdivision)

    @classmethod
    def of(cls, p: Policy) -> NetworkSettingsIo:
        return cls(
            routing=p.routing,
            routine_days=p.routine_days,
            urgent_days=p.urgent_days,
            holiday_subdivision=p.holiday_subdivision,
        )
