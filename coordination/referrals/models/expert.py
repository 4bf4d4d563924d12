"""Experts of the wound-care network: who answers which referrals, and how many a week."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum


class Expertise(enum.StrEnum):
    VASCULAR = "vascular"  # angiologists, vascular physicians
    DERMATOLOGY = "dermatology"
    WOUND_NURSE = "wound_nurse"  # nurses with a wound-care diploma (DU plaies et cicatrisation)


class Expert(Base):
    __tablename__ = "network_experts"
    __table_args__ = (CheckConstraint("weekly_capacity >= 1", name="capacity_positive"),)

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    expertise: Mapped[Expertise] = mapped_column(str_enum(Expertise, 16), nullable=False)
    weekly_capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)


class ExpertAbsence(Base):
    """Days (in the territory's calendar) an expert takes no new referral."""

    __tablename__ = "network_expert_absences"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="ordered_days"),)

    id: Mapped[uuid.UUID] = id_column()
    expert_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_experts.id", ondelete="CASCADE"), index=True, nullable=False
    )
    first_day: Mapped[date] = mapped_column(Date, nullable=False)
    last_day: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
