"""The territory: one CPTS, the tenant every other row belongs to."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column

DEFAULT_TIMEZONE = "Europe/Paris"


def aci_size(population: int) -> int:
    """ACI size class by population: 1 < 40k ≤ 2 < 80k ≤ 3 < 175k ≤ 4.

    The lower bound is inclusive: Sud Yvelines, 80,000 inhabitants, is a size 3 (domain.md).
    """
    if population < 40_000:
        return 1
    if population < 80_000:
        return 2
    if population < 175_000:
        return 3
    return 4


class Territory(Base):
    __tablename__ = "territories"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_positive"),
        CheckConstraint("aci_size BETWEEN 1 AND 4", name="aci_size_class"),
    )

    id: Mapped[uuid.UUID] = id_column()
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    finess: Mapped[str] = mapped_column(String(9), unique=True, nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default=DEFAULT_TIMEZONE)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    # Months without care after which a patient's identity is purged; None: the deployment's
    # default (CPTS_PATIENT_RETENTION_MONTHS).
    patient_retention_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Slots one account may hold at once (scheduling/holds.py reads it by table name).
    max_live_holds: Mapped[int] = mapped_column(
        Integer, nullable=False, default=3, server_default="3"
    )
    # The CPTS's coordination line: it books where a practice has no phone of its own.
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The size class the ACI contract states, when it differs from the population's (a
    # contract signed on an older census); None: derived from the population.
    declared_aci_size: Mapped[int | None] = mapped_column("aci_size", Integer, nullable=True)
    # The public holidays the territory keeps beyond the national ones ("57" Moselle, "974"
    # La Réunion…, coordination/referrals/working_days.py); None: implied by the time zone.
    holiday_subdivision: Mapped[str | None] = mapped_column(String(8), nullable=True)

    @property
    def aci_size(self) -> int:
        return self.declared_aci_size or aci_size(self.population)

    @property
    def idnat_struct(self) -> str:
        return "1" + self.finess
