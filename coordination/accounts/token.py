"""Bearer tokens and session cookies: random secrets, stored only as their SHA-256 digest.

Tokens carry 256 bits of entropy, so a fast hash is enough (unlike passwords) and lets every
request find its token by an indexed equality lookup.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.database import Base, id_column, str_enum

TOKEN_PREFIX = "cpts_"  # noqa: S105 - a prefix, not a secret


class TokenKind(enum.StrEnum):
    API = "api"  # bearer token for integrators and the CLI
    SESSION = "session"  # browser session cookie


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = id_column()
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, 10), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
