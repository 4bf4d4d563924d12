"""Single-use links that let a person set their password (an invitation, a forgotten
password) or finish a first login once they accept the terms of use.

The secret goes out in the e-mail only; the database keeps its SHA-256 digest (256 bits of
entropy, as for tokens). A link works once (compare-and-swap on `used_at`), until it expires;
a newer link of the same account supersedes the older ones.
"""

from __future__ import annotations

import enum
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from coordination.accounts.token import digest
from kernel.database import Base, id_column, str_enum

LINK_PREFIX = "cpts_link_"


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # a new account's first password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - "mot de passe oublié"
    TERMS = "terms"  # a first login held until the terms of use are accepted


LIFETIMES = {
    LinkPurpose.INVITATION: timedelta(days=7),
    LinkPurpose.PASSWORD_RESET: timedelta(hours=1),
    LinkPurpose.TERMS: timedelta(minutes=15),
}


class AccountLink(Base):
    __tablename__ = "account_links"

    id: Mapped[uuid.UUID] = id_column()
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, nullable=False
    )
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose), nullable=False)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


def new_link_secret() -> tuple[str, bytes]:
    secret = LINK_PREFIX + secrets.token_urlsafe(32)
    return secret, digest(secret)
