"""patients record when retention purged their identity; territories may set their own delay

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purged_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_retention_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_column("patient_retention_months")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
