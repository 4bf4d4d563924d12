"""The waiting list for a médecin traitant: entries, GPs' quarterly capacity, proposals, and
the CPAM-held counts the coordinator enters.

Invariants in the database: one receipt per territory; one capacity per GP and quarter; at
most one accepted proposal per entry (a partial unique index: two GPs accepting one patient,
one wins); an entry's status changes by compare-and-swap on its version."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum


def quarter_of(day: date) -> str:
    """« 2026-T4 »: the quarter GPs state their capacity for."""
    return f"{day.year}-T{(day.month - 1) // 3 + 1}"


class Source(enum.StrEnum):
    """Who put the patient on the list."""

    PUBLIC = "public"  # the patient (or a relative) on the public form
    CARER = "carer"
    PROFESSIONAL = "professional"
    CPAM = "cpam"
    DAC = "dac"  # dispositif d'appui à la coordination


class EntryStatus(enum.StrEnum):
    WAITING = "waiting"  # no GP yet
    PROPOSED = "proposed"  # staff proposed GPs; waiting for one to accept
    ACCEPTED = "accepted"  # a GP accepted: the MT declaration is awaited
    DECLARED = "declared"  # the MT declaration is made (its date recorded)
    CLOSED = "closed"  # withdrawn, found one elsewhere, moved away, duplicate


OPEN_STATUSES = (EntryStatus.WAITING, EntryStatus.PROPOSED, EntryStatus.ACCEPTED)


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # another GP accepted, or the entry closed


class WaitingEntry(Base):
    __tablename__ = "mt_entries"
    __table_args__ = (
        UniqueConstraint("territory_id", "receipt"),
        Index("ix_mt_entries_territory_status", "territory_id", "status", "received_at"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    receipt: Mapped[str] = mapped_column(String(16), nullable=False)  # « MT-7K3Q-9X2D »
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), nullable=False)
    commune_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communes.id"), nullable=False)
    contact_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    fragilities: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    needs_home_visits: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reduced_mobility: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[Source] = mapped_column(str_enum(Source, 16), nullable=False)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id"), nullable=True
    )  # None: the public form
    received_at: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, 12), nullable=False, default=EntryStatus.WAITING
    )
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mt_entries.id"), nullable=True
    )  # a possible duplicate, shown to staff
    gp_professional_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("professionals.id"), nullable=True
    )  # the GP who accepted
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    declared_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The accepting GP reminded of the declaration (coordination/doctor_access/reminders.py).
    declaration_reminded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)


class GpCapacity(Base):
    """What a GP takes in new patients one quarter, and how."""

    __tablename__ = "mt_capacities"
    __table_args__ = (
        UniqueConstraint("professional_id", "quarter"),
        CheckConstraint("new_patients >= 0 AND new_patients <= 500", name="new_patients_range"),
        CheckConstraint(
            "ald_share IS NULL OR (ald_share >= 0 AND ald_share <= 100)", name="ald_share_range"
        ),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), nullable=False
    )
    quarter: Mapped[str] = mapped_column(String(7), nullable=False)  # « 2026-T4 »
    new_patients: Mapped[int] = mapped_column(Integer, nullable=False)
    communes: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # INSEE codes
    radius_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_visits: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    ald_share: Mapped[int | None] = mapped_column(Integer, nullable=True)  # % of new patients
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)


class MtProposal(Base):
    __tablename__ = "mt_proposals"
    __table_args__ = (
        # Two GPs accepting one patient: the database lets one win.
        Index(
            "uq_mt_proposals_accepted_entry",
            "entry_id",
            unique=True,
            postgresql_where=text("status = 'accepted'"),
            sqlite_where=text("status = 'accepted'"),
        ),
        UniqueConstraint("entry_id", "professional_id", "quarter"),
        Index("ix_mt_proposals_professional", "professional_id", "status"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mt_entries.id", ondelete="CASCADE"), nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id"), nullable=False
    )
    quarter: Mapped[str] = mapped_column(String(7), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, 12), nullable=False, default=ProposalStatus.PROPOSED
    )
    proposed_at: Mapped[datetime] = mapped_column(nullable=False)
    proposed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(nullable=True)  # the GP, to answer
