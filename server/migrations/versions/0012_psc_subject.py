"""professionals keep their Pro Santé Connect SubjectNameID

Recorded at the first PSC login (matched then through the RPPS it carries), it is opaque and
matched as is afterwards.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("psc_subject", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_professionals_psc_subject"), ["psc_subject"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_professionals_psc_subject"))
        batch_op.drop_column("psc_subject")
