"""Where a patient's data lives: every table that points at a patient, directly or through a
referral. Export and retention both read this one list, so a new table is covered by both
once it is named here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from coordination.doctor_access.models import WaitingEntry
from coordination.referrals.assessment import WoundAssessment
from coordination.referrals.models.message import ReferralMessage
from coordination.referrals.models.photo import ReferralPhoto
from coordination.referrals.models.referral import Referral
from scheduling.models.booking import Booking
from scheduling.models.snp_request import SnpRequest
from scheduling.models.teleconsultation import Teleconsultation


@dataclass(frozen=True, slots=True)
class Holder:
    name: str  # the key of the export
    model: Any
    activity: tuple[InstrumentedAttribute[Any], ...]  # columns saying the care went on


DIRECT: tuple[Holder, ...] = (
    Holder("requests", SnpRequest, (SnpRequest.received_at, SnpRequest.outcome_at)),
    Holder("bookings", Booking, (Booking.ends_at, Booking.status_changed_at)),
    Holder(
        "teleconsultations",
        Teleconsultation,
        (Teleconsultation.ends_at, Teleconsultation.status_changed_at),
    ),
    Holder("referrals", Referral, (Referral.created_at, Referral.status_changed_at)),
    Holder("doctor_access", WaitingEntry, (WaitingEntry.received_at, WaitingEntry.updated_at)),
)
# Children of a referral, reached through `referral_id`.
OF_REFERRAL: tuple[Holder, ...] = (
    Holder("assessments", WoundAssessment, (WoundAssessment.assessed_at,)),
    Holder("messages", ReferralMessage, (ReferralMessage.created_at,)),
    Holder("photos", ReferralPhoto, (ReferralPhoto.uploaded_at,)),
)
