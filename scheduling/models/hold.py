"""A hold: a short reservation of a free slot while a booking form is filled.

It expires by itself: the slot counts as open again once `expires_at` has passed, checked in
the same compare-and-swap that books or holds, so no sweeper process is needed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column


class Hold(Base):
    __tablename__ = "holds"
    __table_args__ = (
        # An account's live holds, counted at each new hold against the territory's cap.
        Index(
            "ix_holds_account_live",
            "account_id",
            "expires_at",
            postgresql_where=text("consumed_at IS NULL AND released_at IS NULL"),
            sqlite_where=text("consumed_at IS NULL AND released_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    slot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), index=True, nullable=False
    )
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    consumed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(nullable=True)
