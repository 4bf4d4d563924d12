"""a territory's phone: the CPTS's coordination line, which books where a place has none

SMART Scheduling Links' Location SHALL have a telecom, and a free slot names the phone that
books it: the practice's when the directory knows it, else the CPTS's.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_column("phone")
