"""A calendar feed subscription: one secret URL per device, revocable by its owner.

Calendar apps cannot send an Authorization header, so the URL itself is the credential; it is
stored only as its SHA-256 digest, like API tokens (coordination/accounts/token.py).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum

FEED_PREFIX = "ical_"


class FeedScope(enum.StrEnum):
    PROFESSIONAL = "professional"  # the owner's own consultations, teleconsultations, follow-ups
    POOL = "pool"  # the territory's pool slots, free and booked, for staff; never a patient


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'professional') = (professional_id IS NOT NULL)", name="scope_owner"
        ),
        CheckConstraint("scope = 'professional' OR NOT patient_initials", name="pool_is_anonymous"),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, nullable=False
    )
    professional_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), nullable=True
    )
    scope: Mapped[FeedScope] = mapped_column(str_enum(FeedScope, 16), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True, nullable=False)
    include_free_slots: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Opt-in: the patient's initials in the summary ("J.D."); never more than that.
    patient_initials: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
