"""the terms of use: accepted by the SAS's regulators at their first login

- accounts.terms_accepted_at: when the account's holder accepted them;
- account_links.purpose may be `terms`: a first login held until they are accepted.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("invitation", "password_reset")
_AFTER = (*_BEFORE, "terms")


def _purposes(values: tuple[str, ...]) -> None:
    check = "purpose IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    with op.batch_alter_table("account_links", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_account_links_linkpurpose"), type_="check")
        batch.create_check_constraint(op.f("ck_account_links_linkpurpose"), check)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column(
                "terms_accepted_at", kernel.database.UtcDateTime(timezone=True), nullable=True
            )
        )
    _purposes(_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM account_links WHERE purpose = 'terms'")
    _purposes(_BEFORE)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("terms_accepted_at")
