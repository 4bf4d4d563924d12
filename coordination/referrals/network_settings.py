"""How a territory runs its wound-care network: routing mode and response delays."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coordination.directory.territory import Territory
from kernel.database import Base, str_enum


class Routing(enum.StrEnum):
    LEAST_LOADED = "least_loaded"  # each new referral goes to the least-loaded available expert
    OPEN_QUEUE = "open_queue"  # referrals wait unassigned; experts of the expertise claim them


class NetworkSettings(Base):
    """One row per territory that changed the defaults; absent means the defaults."""

    __tablename__ = "network_settings"
    __table_args__ = (
        CheckConstraint("routine_days BETWEEN 1 AND 30", name="routine_days_range"),
        CheckConstraint("urgent_days BETWEEN 0 AND routine_days", name="urgent_days_range"),
    )

    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True
    )
    routing: Mapped[Routing] = mapped_column(str_enum(Routing, 16), nullable=False)
    routine_days: Mapped[int] = mapped_column(Integer, nullable=False)
    urgent_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # French public-holiday subdivision ("57", "6AE", "974"…); None: mainland, or from the zone.
    holiday_subdivision: Mapped[str | None] = mapped_column(String(8), nullable=True)


@dataclass(frozen=True, slots=True)
class Policy:
    routing: Routing = Routing.LEAST_LOADED
    routine_days: int = 2  # working days to answer a routine referral
    urgent_days: int = 1
    holiday_subdivision: str | None = None


async def policy_of(session: AsyncSession, territory_id: uuid.UUID) -> Policy:
    """The network's policy; its holidays are the territory's unless the network names others."""
    row = await session.get(NetworkSettings, territory_id)
    territorial = await session.scalar(
        select(Territory.holiday_subdivision).where(Territory.id == territory_id)
    )
    if row is None:
        return Policy(holiday_subdivision=territorial)
    return Policy(
        row.routing, row.routine_days, row.urgent_days, row.holiday_subdivision or territorial
    )
