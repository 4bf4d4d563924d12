"""Wire shapes of the scheduling API (public contract, documented in the README)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

import msgspec

from scheduling.models.availability_rule import AvailabilityRule
from scheduling.models.booking import Booking, BookingRecord, BookingStatus
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility, visibility_set
from scheduling.models.snp_request import Origin, Outcome, SnpRequest, Urgency
from scheduling.patient import Patient, PatientDraft, Sex
from scheduling.rules import Materialised
from scheduling.slot_shares import MAX_SHARES, SlotSharing
from server.wire_time import Instant
from server.wire_types import Email

VisibilityList = Annotated[list[Visibility], msgspec.Meta(min_length=1, max_length=4)]
LocalTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01]\d|2[0-3]):[0-5]\d(:00)?$",
        description="wall-clock time in the territory's zone, HH:MM",
        examples=["12:00"],
    ),
]


class PatientIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    family_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    given_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    birth_date: date
    sex: Sex
    phone: (
        Annotated[str, msgspec.Meta(min_length=4, max_length=32, pattern=r"^\+?[0-9 ().\-]+$")]
        | None
    ) = None
    nir: Annotated[str, msgspec.Meta(max_length=21)] | None = None

    def draft(self) -> PatientDraft:
        return PatientDraft(**msgspec.structs.asdict(self))


class PatientOut(msgspec.Struct, kw_only=True):
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    phone: str | None
    nir: str | None


def patient_out(p: Patient | PatientDraft) -> PatientOut:
    return PatientOut(
        family_name=p.family_name,
        given_name=p.given_name,
        birth_date=p.birth_date,
        sex=p.sex,
        phone=p.phone,
        nir=p.nir,
    )


class SlotIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: Instant
    end: Instant
    modality: Modality
    visibility: VisibilityList
    location_id: uuid.UUID | None = None
    professional_id: uuid.UUID | None = None  # staff only; default: the caller
    assisted: bool = False  # assisted teleconsultation welcome (video slots only)


class SlotMoveIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: Instant
    end: Instant


class SlotSharesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The other CPTS of the deployment the slot is offered under (to the SAS); [] for none."""

    territory_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_SHARES)]


class CptsOut(msgspec.Struct, kw_only=True):
    territory_id: uuid.UUID
    name: str


class SlotSharesOut(msgspec.Struct, kw_only=True):
    slot_id: uuid.UUID
    shared_with: list[CptsOut]  # offered to the SAS under these CPTS too
    offered: list[CptsOut]  # the other CPTS its professional belongs to: those it may be


def slot_shares_out(sharing: SlotSharing) -> SlotSharesOut:
    def listed(cpts: dict[uuid.UUID, str]) -> list[CptsOut]:
        return [CptsOut(territory_id=t, name=n) for t, n in sorted(cpts.items(), key=_by_name)]

    return SlotSharesOut(
        slot_id=sharing.slot_id,
        shared_with=listed(sharing.shared_with),
        offered=listed(sharing.offered),
    )


def _by_name(item: tuple[uuid.UUID, str]) -> tuple[str, str]:
    return item[1], str(item[0])


class ClosePeriodIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: Instant
    end: Instant
    professional_id: uuid.UUID | None = None  # staff only; default: the caller


class ClosedPeriod(msgspec.Struct, kw_only=True):
    withdrawn: int  # free slots of the period, now withdrawn
    kept: int  # held or booked slots of the period, left as they are


class SlotOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    professional_id: uuid.UUID
    location_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    start: Instant
    end: Instant
    modality: Modality
    visibility: list[Visibility]
    assisted: bool
    status: SlotStatus


def slot_out(s: Slot, now: datetime) -> SlotOut:
    status = SlotStatus.FREE if s.is_untaken(now) else s.status
    return SlotOut(
        id=s.id,
        professional_id=s.professional_id,
        location_id=s.location_id,
        rule_id=s.rule_id,
        start=s.starts_at,
        end=s.ends_at,
        modality=s.modality,
        visibility=visibility_set(s.visibility),
        assisted=s.assisted,
        status=status,
    )


class SlotPage(msgspec.Struct, kw_only=True):
    items: list[SlotOut]
    next: str | None


class RuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    rrule: Annotated[str, msgspec.Meta(min_length=6, max_length=500)]
    start_date: date
    start_time: LocalTime
    end_time: LocalTime
    slot_minutes: Annotated[int, msgspec.Meta(ge=5, le=240)]
    modality: Modality
    visibility: VisibilityList
    until: date | None = None
    exdates: Annotated[list[date], msgspec.Meta(max_length=400)] = []
    location_id: uuid.UUID | None = None
    professional_id: uuid.UUID | None = None  # staff only; default: the caller
    assisted: bool = False  # its video slots welcome assisted teleconsultations


class RuleEndIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    last_day: date | None = None


class RuleOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    professional_id: uuid.UUID
    location_id: uuid.UUID | None
    rrule: str
    start_date: date
    until: date | None
    start_time: time
    end_time: time
    slot_minutes: int
    modality: Modality
    visibility: list[Visibility]
    assisted: bool
    exdates: list[date]
    timezone: str
    materialised_until: date | None
    ended: bool


def rule_out(r: AvailabilityRule) -> RuleOut:
    return RuleOut(
        id=r.id,
        professional_id=r.professional_id,
        location_id=r.location_id,
        rrule=r.rrule,
        start_date=r.start_date,
        until=r.until,
        start_time=r.start_time,
        end_time=r.end_time,
        slot_minutes=r.slot_minutes,
        modality=r.modality,
        visibility=visibility_set(r.visibility),
        assisted=r.assisted,
        exdates=[date.fromisoformat(d) for d in r.exdates],
        timezone=r.timezone,
        materialised_until=r.materialised_until,
        ended=r.ended_at is not None,
    )


class RuleSaved(msgspec.Struct, kw_only=True):
    rule: RuleOut
    slots_created: int
    skipped_overlaps: int
    slots_withdrawn: int


def rule_saved(m: Materialised) -> RuleSaved:
    return RuleSaved(
        rule=rule_out(m.rule),
        slots_created=m.created,
        skipped_overlaps=m.skipped_overlaps,
        slots_withdrawn=m.withdrawn,
    )


class RuleList(msgspec.Struct, kw_only=True):
    items: list[RuleOut]
    next: str | None = None


class RequestIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    origin: Origin
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    patient: PatientIn
    urgency: Urgency = Urgency.WITHIN_48H
    received_at: Instant | None = None


class RequestCloseIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    outcome: Outcome
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class RequestOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    origin: Origin
    received_at: Instant
    reason: str
    urgency: Urgency
    outcome: Outcome | None
    outcome_at: Instant | None
    booking_id: uuid.UUID | None
    patient: PatientOut | None


def request_out(r: SnpRequest, patient: Patient | None) -> RequestOut:
    return RequestOut(
        id=r.id,
        origin=r.origin,
        received_at=r.received_at,
        reason=r.reason,
        urgency=r.urgency,
        outcome=r.outcome,
        outcome_at=r.outcome_at,
        booking_id=r.booking_id,
        patient=patient_out(patient) if patient else None,
    )


class RequestList(msgspec.Struct, kw_only=True):
    items: list[RequestOut]
    next: str | None = None


class HoldIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slot_id: uuid.UUID


class HoldOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    slot_id: uuid.UUID
    expires_at: Instant


class HoldLimitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    max_live_holds: Annotated[int, msgspec.Meta(ge=1, le=50)]


class LiveHoldOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    slot_id: uuid.UUID
    slot_start: Instant
    professional_id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    expires_at: Instant


class LiveHoldList(msgspec.Struct, kw_only=True):
    max_live_holds: int  # per account, the territory's setting
    items: list[LiveHoldOut]


class BookingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    channel: Origin
    slot_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    patient: PatientIn | None = None
    request_id: uuid.UUID | None = None


class BookingCancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class SlipIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email


class BookingRescheduleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slot_id: uuid.UUID | None = None  # the new slot, or the hold placed on it
    hold_id: uuid.UUID | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BookingOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    slot_id: uuid.UUID
    professional_id: uuid.UUID
    start: Instant
    end: Instant
    channel: Origin
    status: BookingStatus
    request_id: uuid.UUID | None
    own_patient: bool
    booked_by: uuid.UUID
    created_at: Instant
    status_changed_at: Instant
    cancel_reason: str | None
    patient: PatientOut | None
    warnings: list[str] = []


def booking_out(
    b: Booking | BookingRecord,
    patient: Patient | PatientDraft | None,
    warnings: list[str] | None = None,
) -> BookingOut:
    return BookingOut(
        id=b.id,
        slot_id=b.slot_id,
        professional_id=b.professional_id,
        start=b.starts_at,
        end=b.ends_at,
        channel=b.channel,
        status=b.status,
        request_id=b.request_id,
        own_patient=b.own_patient,
        booked_by=b.booked_by,
        created_at=b.created_at,
        status_changed_at=b.status_changed_at,
        cancel_reason=b.cancel_reason,
        patient=patient_out(patient) if patient else None,
        warnings=warnings or [],
    )


class BookingList(msgspec.Struct, kw_only=True):
    items: list[BookingOut]
    next: str | None = None
