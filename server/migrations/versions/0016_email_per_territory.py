"""an e-mail is unique within a territory, not across the server

An administrator creating an account must not learn that the address has an account in
another territory; login finds the account by e-mail and password (and territory when the
same person signs in to several).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_accounts_email"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_accounts_territory_id_email"), ["territory_id", "email"]
        )
        batch_op.create_index(batch_op.f("ix_accounts_email"), ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_email"))
        batch_op.drop_constraint(batch_op.f("uq_accounts_territory_id_email"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_accounts_email"), ["email"])
