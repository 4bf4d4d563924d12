"""A referral (téléexpertise request) from a nurse to the wound-care network, FHIR Task-like:
requested → accepted | rejected → in_progress → completed, or cancelled by the requester."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.referrals.models.expert import Expertise
from kernel.database import Base, id_column, str_enum


class Priority(enum.StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class ReferralStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


class FollowUp(enum.StrEnum):
    NONE = "none"
    ASSISTED_TELECONSULTATION = "assisted_teleconsultation"
    OFFICE_VISIT = "office_visit"
    HOSPITAL = "hospital"


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(
            "(status = 'completed') = (answered_at IS NOT NULL AND follow_up IS NOT NULL)",
            name="completed_has_answer",
        ),
        CheckConstraint(
            "(status = 'rejected') = (reject_reason IS NOT NULL)", name="rejected_has_reason"
        ),
        CheckConstraint(
            "status NOT IN ('accepted', 'in_progress', 'completed', 'rejected') "
            "OR assigned_expert_id IS NOT NULL",
            name="taken_has_expert",
        ),
        CheckConstraint(
            "follow_up_teleconsultation_id IS NULL OR follow_up = 'assisted_teleconsultation'",
            name="follow_up_as_answered",
        ),
        Index("ix_referrals_territory_status_due", "territory_id", "status", "due_at"),
        Index("ix_referrals_expert_status", "assigned_expert_id", "status"),
        Index("ix_referrals_requester_created", "requester_account_id", "created_at"),
        # The indicators count referrals by creation over a period.
        Index("ix_referrals_territory_created", "territory_id", "created_at"),
        # The overdue job's scan: open, not flagged yet, by deadline.
        Index(
            "ix_referrals_overdue_scan",
            "due_at",
            postgresql_where=text(
                "overdue_at IS NULL AND status IN ('requested', 'accepted', 'in_progress')"
            ),
            sqlite_where=text(
                "overdue_at IS NULL AND status IN ('requested', 'accepted', 'in_progress')"
            ),
        ),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    requester_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id"), nullable=False
    )
    requester_professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), nullable=False
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), nullable=False)
    consent_collected_at: Mapped[datetime] = mapped_column(nullable=False)
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 10), nullable=False)
    expertise: Mapped[Expertise] = mapped_column(str_enum(Expertise, 16), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 12), nullable=False)
    assigned_expert_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("network_experts.id"), nullable=True
    )
    due_at: Mapped[datetime] = mapped_column(nullable=False)
    overdue_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    advice: Mapped[str | None] = mapped_column(Text, nullable=True)
    care_plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up: Mapped[FollowUp | None] = mapped_column(str_enum(FollowUp, 28), nullable=True)
    follow_up_teleconsultation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teleconsultations.id"), nullable=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(nullable=False)
    status_changed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    # The yearly téléexpertise count of this patient when requested, this one included.
    patient_year_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
