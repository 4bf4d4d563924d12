"""slots offered to the SAS under a second CPTS (the ANS kit's single_slot_two_cpts)

- slot_shares: a slot of one territory, shown by the SAS under another CPTS of the deployment
  as well, where its professional belongs too.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slot_shares",
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("territory_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.id"],
            name=op.f("fk_slot_shares_slot_id_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_slot_shares_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slot_id", "territory_id", name=op.f("pk_slot_shares")),
    )
    op.create_index(
        "ix_slot_shares_territory", "slot_shares", ["territory_id", "slot_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_slot_shares_territory", table_name="slot_shares")
    op.drop_table("slot_shares")
