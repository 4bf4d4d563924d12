"""A slot offered to the SAS under a second CPTS: the kit's « créneau mis en visibilité d'une
CPTS A et d'une CPTS B ». The slot stays its own territory's (booked there, counted there);
the SAS, which aggregates every CPTS of the deployment, shows it under each CPTS it is shared
with, for as long as its professional belongs to that CPTS too (same RPPS or ADELI)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base


class SlotShare(Base):
    __tablename__ = "slot_shares"
    __table_args__ = (Index("ix_slot_shares_territory", "territory_id", "slot_id"),)

    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
