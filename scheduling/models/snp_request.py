"""An SNP request (demande de soins non programmés): recorded even when nothing gets booked,
because the share met within 24/48 h and the delay are what the CPTS is judged on."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum


class Origin(enum.StrEnum):
    SAS_REGULATOR = "sas_regulator"
    PHARMACIST = "pharmacist"
    NURSE = "nurse"
    OTHER_PROFESSIONAL = "other_professional"
    CPTS_LINE = "cpts_line"
    PATIENT = "patient"


class Urgency(enum.StrEnum):
    WITHIN_24H = "within_24h"
    WITHIN_48H = "within_48h"
    NON_URGENT = "non_urgent"


class Outcome(enum.StrEnum):
    BOOKED = "booked"
    REDIRECTED_EMERGENCY = "redirected_emergency"
    REDIRECTED_PDSA = "redirected_pdsa"
    REDIRECTED_OWN_GP = "redirected_own_gp"
    UNMET = "unmet"
    CANCELLED = "cancelled"


class SnpRequest(Base):
    __tablename__ = "snp_requests"
    __table_args__ = (
        CheckConstraint("(outcome IS NULL) = (outcome_at IS NULL)", name="outcome_has_time"),
        Index("ix_snp_requests_territory_received", "territory_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    origin: Mapped[Origin] = mapped_column(str_enum(Origin, 24), nullable=False)
    received_at: Mapped[datetime] = mapped_column(nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, 12), nullable=False)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), nullable=False)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 24), nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    # When the consultation that met the request starts; None while unmet, and again if its
    # booking is cancelled. Kept here because the delay request → consultation is what the
    # ACI judges: the indicators then read this table alone (bench/indicators.py).
    consultation_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
