"""Wire shapes of the teleconsultation API (public contract, documented in the README)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from scheduling.models.teleconsultation import (
    ActCode,
    Setting,
    Teleconsultation,
    TeleconsultationOutcome,
    TeleconsultationStatus,
)
from scheduling.patient import Patient, PatientDraft
from scheduling.teleconsultations import Consent
from server.scheduling.wire import PatientIn, PatientOut, patient_out
from server.wire_time import Instant
from server.wire_types import Email


class VitalSigns(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Measured at the bedside; plausible human ranges, so a typo is caught at the door."""

    systolic_mmhg: Annotated[int, msgspec.Meta(ge=40, le=300)] | None = None
    diastolic_mmhg: Annotated[int, msgspec.Meta(ge=20, le=200)] | None = None
    heart_rate_bpm: Annotated[int, msgspec.Meta(ge=20, le=250)] | None = None
    respiratory_rate: Annotated[int, msgspec.Meta(ge=4, le=80)] | None = None
    spo2_percent: Annotated[int, msgspec.Meta(ge=50, le=100)] | None = None
    temperature_c: Annotated[float, msgspec.Meta(ge=30, le=45)] | None = None
    capillary_glucose_g_l: Annotated[float, msgspec.Meta(ge=0.2, le=6)] | None = None
    pain_0_10: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None
    weight_kg: Annotated[float, msgspec.Meta(ge=0.5, le=400)] | None = None


class Handover(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The nurse's short structured handover, read by the GP before the call."""

    vital_signs: VitalSigns | None = None
    measured_at: Instant | None = None
    current_treatments: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    question: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class ConsentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    given: bool
    collected_at: Instant
    collected_by: Annotated[str, msgspec.Meta(max_length=200)] | None = None

    def draft(self) -> Consent:
        return Consent(
            given=self.given, collected_at=self.collected_at, collected_by=self.collected_by
        )


class TeleconsultationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    setting: Setting
    consent: ConsentIn
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    patient: PatientIn
    slot_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    handover: Handover | None = None
    rescheduled_from: uuid.UUID | None = None
    send_link_to_patient: Email | None = None


class CompleteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    outcome: TeleconsultationOutcome
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class SendLinkIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email


class ConsentOut(msgspec.Struct, kw_only=True):
    collected_at: Instant
    collected_by: str | None  # None: the assisting nurse who booked


class TeleconsultationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    booking_id: uuid.UUID
    slot_id: uuid.UUID
    gp_professional_id: uuid.UUID
    nurse_professional_id: uuid.UUID
    start: Instant
    end: Instant
    setting: Setting
    act_code: ActCode
    status: TeleconsultationStatus
    reason: str | None  # the GP and the nurse only
    consent: ConsentOut
    created_at: Instant
    status_changed_at: Instant
    started_at: Instant | None
    completed_at: Instant | None
    outcome: TeleconsultationOutcome | None
    outcome_note: str | None  # the GP and the nurse only
    cancel_reason: str | None
    rescheduled_from: uuid.UUID | None
    link_sent_to_patient_at: Instant | None
    # The GP and the nurse only: None for the CPTS staff, who see the appointment.
    video_url: str | None
    handover: Handover | None
    patient: PatientOut | None


def handover_data(h: Handover | None) -> dict[str, Any] | None:
    return msgspec.to_builtins(h) if h is not None else None


def teleconsultation_out(
    tc: Teleconsultation, *, participant: bool, patient: Patient | PatientDraft | None
) -> TeleconsultationOut:
    return TeleconsultationOut(
        id=tc.id,
        booking_id=tc.booking_id,
        slot_id=tc.slot_id,
        gp_professional_id=tc.gp_professional_id,
        nurse_professional_id=tc.nurse_professional_id,
        start=tc.starts_at,
        end=tc.ends_at,
        setting=tc.setting,
        act_code=tc.act_code,
        status=tc.status,
        reason=tc.reason if participant else None,
        consent=ConsentOut(
            collected_at=tc.consent_collected_at, collected_by=tc.consent_collected_by
        ),
        created_at=tc.created_at,
        status_changed_at=tc.status_changed_at,
        started_at=tc.started_at,
        completed_at=tc.completed_at,
        outcome=tc.outcome,
        outcome_note=tc.outcome_note if participant else None,
        cancel_reason=tc.cancel_reason,
        rescheduled_from=tc.rescheduled_from_id,
        link_sent_to_patient_at=tc.link_sent_to_patient_at,
        video_url=tc.video_url if participant else None,
        handover=(
            msgspec.convert(tc.handover, Handover, strict=False)
            if participant and tc.handover
            else None
        ),
        patient=patient_out(patient) if patient else None,
    )


class TeleconsultationList(msgspec.Struct, kw_only=True):
    items: list[TeleconsultationOut]
    next: str | None = None
