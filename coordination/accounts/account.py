"""A person's login in one territory, with the roles they hold there."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.actor import Role
from kernel.database import Base, id_column, str_enum


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("territory_id", "professional_id"),
        # Unique within a territory only: another territory's accounts are not an admin's to
        # know of (a server-wide rule would answer "taken" for them).
        UniqueConstraint("territory_id", "email"),
        # The platform's operators belong to no territory (territory_id NULL, role operator):
        # one account per e-mail among them.
        Index(
            "uq_accounts_operator_email",
            "email",
            unique=True,
            postgresql_where=text("territory_id IS NULL"),
            sqlite_where=text("territory_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = id_column()
    # None for the platform's operators only (Role.OPERATOR), who are no territory's members.
    territory_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    professional_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("professionals.id", ondelete="SET NULL"), nullable=True
    )
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    # The terms of use accepted (coordination/accounts/terms.py): asked of the SAS's
    # regulators at their first login.
    terms_accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    terms_version: Mapped[str | None] = mapped_column(String(16), nullable=True)

    role_rows: Mapped[list[AccountRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="AccountRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        """The account's roles; the operator's only for an account of no territory (a
        territory's account holding it by whatever means is no operator)."""
        return frozenset(
            r.role
            for r in self.role_rows
            if r.role is not Role.OPERATOR or self.territory_id is None
        )

    def set_roles(self, roles: set[Role] | frozenset[Role]) -> None:
        keep = [r for r in self.role_rows if r.role in roles]
        have = {r.role for r in keep}
        self.role_rows = keep + [AccountRole(role=r) for r in sorted(roles - have)]


class AccountRole(Base):
    __tablename__ = "account_roles"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True)


def normalise_email(email: str) -> str:
    return email.strip().lower()
