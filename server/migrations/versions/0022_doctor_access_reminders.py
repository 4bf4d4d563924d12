"""the waiting list's reminders

- mt_proposals.reminded_at: the GP reminded to answer a proposal (once);
- mt_entries.declaration_reminded_at: the accepting GP reminded to record the declaration.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mt_proposals") as batch:
        batch.add_column(
            sa.Column("reminded_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("mt_entries") as batch:
        batch.add_column(
            sa.Column(
                "declaration_reminded_at",
                kernel.database.UtcDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("mt_entries") as batch:
        batch.drop_column("declaration_reminded_at")
    with op.batch_alter_table("mt_proposals") as batch:
        batch.drop_column("reminded_at")
