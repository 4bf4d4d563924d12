"""A recurring availability: "every Monday and Thursday 12:00–13:00, 15-minute slots".

Stated in the territory's wall-clock time (start_time/end_time + an RRULE over dates) and
materialised as concrete UTC slots on a rolling horizon.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum
from scheduling.models.slot import Modality


class AvailabilityRule(Base):
    __tablename__ = "availability_rules"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="positive_window"),
        CheckConstraint("slot_minutes >= 5 AND slot_minutes <= 240", name="slot_minutes_range"),
        CheckConstraint("until IS NULL OR until >= start_date", name="until_after_start"),
        CheckConstraint("NOT assisted OR modality = 'video'", name="assisted_is_video"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), index=True, nullable=False
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("practice_locations.id", ondelete="SET NULL"), nullable=True
    )
    rrule: Mapped[str] = mapped_column(String(500), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)
    slot_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    modality: Mapped[Modality] = mapped_column(str_enum(Modality, 12), nullable=False)
    visibility: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    assisted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    exdates: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    materialised_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
