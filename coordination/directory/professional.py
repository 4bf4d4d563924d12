"""Professionals of the directory and the places where they practise."""

from __future__ import annotations

import enum
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.directory.membership import Membership
from kernel.database import Base, id_column, str_enum


class Profession(enum.StrEnum):
    PHYSICIAN = "physician"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    PHYSIOTHERAPIST = "physiotherapist"
    MIDWIFE = "midwife"
    DENTIST = "dentist"
    OTHER = "other"


def display_name(profession: Profession, given_name: str, family_name: str) -> str:
    """How the pages name a professional: "Dr Claire Martin", "Jean Payet"."""
    title = "Dr " if profession is Profession.PHYSICIAN else ""
    return f"{title}{given_name} {family_name}".strip()


def search_key(*parts: str) -> str:
    """Lower-case, accent-free text so that "héloïse" finds "Héloïse" and "HELOISE"."""
    text = " ".join(parts)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Professional(Base):
    __tablename__ = "professionals"
    __table_args__ = (
        UniqueConstraint("territory_id", "rpps"),
        UniqueConstraint("territory_id", "adeli"),
        CheckConstraint("rpps IS NOT NULL OR adeli IS NOT NULL", name="has_national_id"),
        Index("ix_professionals_territory_sort", "territory_id", "sort_key", "id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    family_name: Mapped[str] = mapped_column(String(100), nullable=False)
    given_name: Mapped[str] = mapped_column(String(100), nullable=False)
    sort_key: Mapped[str] = mapped_column(String(201), nullable=False)
    profession: Mapped[Profession] = mapped_column(str_enum(Profession), nullable=False)
    specialty: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rpps: Mapped[str | None] = mapped_column(String(11), nullable=True)
    adeli: Mapped[str | None] = mapped_column(String(9), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Pro Santé Connect's SubjectNameID, opaque, recorded at the first PSC login.
    psc_subject: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    membership: Mapped[Membership] = mapped_column(
        str_enum(Membership), nullable=False, default=Membership.MEMBER
    )
    mssante: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
    # The national directory's values at the last import (coordination/directory/
    # national_import.py): a field that still holds them follows the next import, one that a
    # coordinator changed since keeps the local value. None: never imported.
    national: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    national_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Set when an import no longer lists the professional (retired, moved away).
    national_gone_at: Mapped[datetime | None] = mapped_column(nullable=True)

    locations: Mapped[list[PracticeLocation]] = relationship(
        back_populates="professional",
        lazy="raise",
        order_by="PracticeLocation.label",
        cascade="all, delete-orphan",
    )

    def set_names(self, family_name: str, given_name: str) -> None:
        self.family_name = family_name
        self.given_name = given_name
        self.sort_key = search_key(family_name, given_name)

    @property
    def idnat_ps(self) -> str:
        return "8" + self.rpps if self.rpps else "0" + (self.adeli or "")

    @property
    def display_name(self) -> str:
        return display_name(self.profession, self.given_name, self.family_name)


class PracticeLocation(Base):
    __tablename__ = "practice_locations"

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), index=True, nullable=False
    )
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes.id"), index=True, nullable=False
    )
    structure_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("structures.id", ondelete="SET NULL"), nullable=True
    )
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The national directory's key of the activity this place came from (its structure's
    # technical id, else its SIRET or FINESS, else its address); None: typed in locally.
    national_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    professional: Mapped[Professional] = relationship(back_populates="locations", lazy="raise")
