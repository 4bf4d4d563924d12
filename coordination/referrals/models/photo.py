"""A wound photo attached to a referral: the sanitised image is in the blob store, this row
says what it is and who may read it (through the referral)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column


class ReferralPhoto(Base):
    __tablename__ = "referral_photos"
    __table_args__ = (Index("ix_referral_photos_referral", "referral_id", "uploaded_at"),)

    id: Mapped[uuid.UUID] = id_column()
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False
    )
    storage_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(nullable=False)
