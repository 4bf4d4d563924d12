"""The thread of a referral: requester, expert and coordinators exchange on the case."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column


class ReferralMessage(Base):
    __tablename__ = "referral_messages"
    __table_args__ = (Index("ix_referral_messages_referral", "referral_id", "created_at"),)

    id: Mapped[uuid.UUID] = id_column()
    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False
    )
    author_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
