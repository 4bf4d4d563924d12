"""A nurse-assisted teleconsultation: a GP's video slot booked by the nurse at the patient's side.

NGAP 14.9.5 (UNCAM decision of 18 July 2019) pays the assisting nurse by where the patient is:
at home, organised for it (TLD); in a place dedicated to teleconsultation (TLL); during a nursing
visit already planned (TLS). The GP bills their own teleconsultation. Nurse télésoin (TMI) is a
different act and never comes out of here.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum


class Setting(enum.StrEnum):
    HOME = "home"
    DEDICATED_PLACE = "dedicated_place"
    NURSING_VISIT = "nursing_visit"


class ActCode(enum.StrEnum):
    TLD = "TLD"  # at home, organised for the teleconsultation (15 €)
    TLL = "TLL"  # in a place dedicated to teleconsultation (12 €)
    TLS = "TLS"  # during a nursing visit already planned (10 €)


_ACT_BY_SETTING = {
    Setting.HOME: ActCode.TLD,
    Setting.DEDICATED_PLACE: ActCode.TLL,
    Setting.NURSING_VISIT: ActCode.TLS,
}


def act_code_for(setting: Setting) -> ActCode:
    """The nurse's act for assisting in this setting (one code per setting, no overlap)."""
    return _ACT_BY_SETTING[Setting(setting)]


class TeleconsultationStatus(enum.StrEnum):
    BOOKED = "booked"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class TeleconsultationOutcome(enum.StrEnum):
    """The GP's short outcome, stated when completing."""

    ADVICE = "advice"
    PRESCRIPTION_SENT = "prescription_sent"
    IN_PERSON_VISIT_NEEDED = "in_person_visit_needed"
    WOUND_NETWORK_REFERRAL = "wound_network_referral"


class Teleconsultation(Base):
    __tablename__ = "teleconsultations"
    __table_args__ = (
        CheckConstraint(
            "(status = 'completed') = (outcome IS NOT NULL AND completed_at IS NOT NULL)",
            name="completed_has_outcome",
        ),
        CheckConstraint(
            "(setting = 'home' AND act_code = 'TLD') "
            "OR (setting = 'dedicated_place' AND act_code = 'TLL') "
            "OR (setting = 'nursing_visit' AND act_code = 'TLS')",
            name="act_code_of_setting",
        ),
        CheckConstraint(
            "status NOT IN ('started', 'completed') OR started_at IS NOT NULL",
            name="started_has_time",
        ),
        CheckConstraint("gp_professional_id <> nurse_professional_id", name="two_people"),
        Index("ix_teleconsultations_gp_starts", "gp_professional_id", "starts_at"),
        Index("ix_teleconsultations_nurse_starts", "nurse_professional_id", "starts_at"),
        # The reminder job's scan: booked, not reminded yet, by start.
        Index(
            "ix_teleconsultations_reminder_due",
            "starts_at",
            postgresql_where=text("status = 'booked' AND reminded_at IS NULL"),
            sqlite_where=text("status = 'booked' AND reminded_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # The booking holds the slot (its compare-and-swap and unique live index are the guarantee
    # against a second booking); one teleconsultation per booking.
    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id"), unique=True, nullable=False
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id"), nullable=False)
    gp_professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), nullable=False
    )
    nurse_professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), nullable=False
    )
    nurse_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(nullable=False)
    ends_at: Mapped[datetime] = mapped_column(nullable=False)
    setting: Mapped[Setting] = mapped_column(str_enum(Setting, 20), nullable=False)
    act_code: Mapped[ActCode] = mapped_column(str_enum(ActCode, 3), nullable=False)
    consent_collected_at: Mapped[datetime] = mapped_column(nullable=False)
    # Who collected the consent when not the assisting nurse who booked (None: that nurse).
    consent_collected_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    handover: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Secret: only the GP and the nurse read it (and the patient, if the nurse sends it).
    video_url: Mapped[str] = mapped_column(String(500), nullable=False)
    link_sent_to_patient_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[TeleconsultationStatus] = mapped_column(
        str_enum(TeleconsultationStatus, 12), nullable=False
    )
    status_changed_at: Mapped[datetime] = mapped_column(nullable=False)
    status_changed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[TeleconsultationOutcome | None] = mapped_column(
        str_enum(TeleconsultationOutcome, 24), nullable=True
    )
    outcome_note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teleconsultations.id"), unique=True, nullable=True
    )
    reminded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Bumped by every status change: calendar feeds' SEQUENCE (integrations/ical).
    revision: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(nullable=False)
