"""slots and availability rules: "assisted teleconsultation welcome"

A GP marks video slots (one-off, or every slot of a rule) as open to a nurse who books them for
a home-bound patient and assists at the bedside (scheduling/teleconsultations.py). Only video
slots can carry the mark, which a CHECK enforces.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.migrations.slot_guards import restore_sqlite_triggers

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("slots", "availability_rules")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("assisted", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_assisted_is_video"), "NOT assisted OR modality = 'video'"
            )
    restore_sqlite_triggers()  # batch mode rebuilt `slots` without them


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_assisted_is_video"), type_="check")
            batch_op.drop_column("assisted")
    restore_sqlite_triggers()
