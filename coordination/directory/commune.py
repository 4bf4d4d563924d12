"""Communes of a territory: where people practise, the unit of search and of indicators."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column


class Commune(Base):
    __tablename__ = "communes"
    __table_args__ = (UniqueConstraint("territory_id", "insee"),)

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    insee: Mapped[str] = mapped_column(String(5), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    postal_code: Mapped[str] = mapped_column(String(5), nullable=False)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)


class CommuneReference(Base):
    """The national list of communes (INSEE's code officiel géographique) with a point each:
    what a territory is made of when it is created, whatever its region. Imported by
    `cpts communes import` (coordination/directory/communes_reference.py)."""

    __tablename__ = "commune_references"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    department: Mapped[str] = mapped_column(String(3), index=True, nullable=False)
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
