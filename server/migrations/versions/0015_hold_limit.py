"""territories cap the slots one account may hold at once

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_live_holds", sa.Integer(), nullable=False, server_default="3")
        )
    # The account's live holds, counted at each new hold.
    op.create_index(
        "ix_holds_account_live",
        "holds",
        ["account_id", "expires_at"],
        postgresql_where=sa.text("consumed_at IS NULL AND released_at IS NULL"),
        sqlite_where=sa.text("consumed_at IS NULL AND released_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_holds_account_live", table_name="holds")
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_column("max_live_holds")
