"""Structures of the territory: MSP, pharmacies, EHPAD, hospitals, SSIAD, health centres."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordination.directory.membership import Membership
from kernel.database import Base, id_column, str_enum


class StructureKind(enum.StrEnum):
    MSP = "msp"
    PHARMACY = "pharmacy"
    EHPAD = "ehpad"
    HOSPITAL = "hospital"
    SSIAD = "ssiad"
    HEALTH_CENTRE = "health_centre"
    OTHER = "other"


class Structure(Base):
    __tablename__ = "structures"
    __table_args__ = (
        UniqueConstraint("territory_id", "finess"),
        UniqueConstraint("territory_id", "siret"),
        CheckConstraint("finess IS NOT NULL OR siret IS NOT NULL", name="has_national_id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[StructureKind] = mapped_column(str_enum(StructureKind), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    finess: Mapped[str | None] = mapped_column(String(9), nullable=True)
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True)
    commune_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communes.id"), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    membership: Mapped[Membership] = mapped_column(
        str_enum(Membership), nullable=False, default=Membership.MEMBER
    )

    @property
    def idnat_struct(self) -> str:
        return "1" + self.finess if self.finess else "3" + (self.siret or "")
