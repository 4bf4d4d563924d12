"""the SAS platform's regulators (INT_R02): the identifier the SAS names each account by

One active regulator per identifier (a partial unique index): once withdrawn, an identifier
may name another regulator, as the ANS kit's reattribution test asks.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sas_regulators",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("territory_id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kernel.database.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_sas_regulators_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_sas_regulators_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_sas_regulators")),
    )
    op.create_index(
        op.f("ix_sas_regulators_territory_id"), "sas_regulators", ["territory_id"], unique=False
    )
    op.create_index(
        "uq_sas_regulators_active_identifier",
        "sas_regulators",
        ["territory_id", "system", "value"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_sas_regulators_active_identifier", table_name="sas_regulators")
    op.drop_index(op.f("ix_sas_regulators_territory_id"), table_name="sas_regulators")
    op.drop_table("sas_regulators")
