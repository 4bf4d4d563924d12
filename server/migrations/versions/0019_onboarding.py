"""onboarding a CPTS: the platform's operators, territory settings, the national commune
reference, invitation and reset links, and what the national directory import keeps

- accounts: an operator's account belongs to no territory (territory_id NULL, role
  `operator`), one per e-mail among operators;
- territories: the ACI size class the contract states, and the holiday subdivision;
- commune_references: INSEE's communes with a point each, that territories are made of;
- account_links: single-use links (invitation, forgotten password), stored as digests;
- platform_events: what operators do outside every territory (their own tokens);
- professionals / practice_locations: the national directory's values at the last import and
  the activity a place came from, so that a refresh keeps local edits.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import kernel.database

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "gp",
    "nurse",
    "expert",
    "pharmacist",
    "regulator",
    "coordinator",
    "admin",
    "sas_platform",
)
_AFTER = (*_BEFORE, "operator")
_PAYLOAD = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _roles(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("account_roles", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_account_roles_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_account_roles_role"), "role IN (" + ", ".join(f"'{v}'" for v in values) + ")"
        )


def upgrade() -> None:
    op.create_table(
        "commune_references",
        sa.Column("insee", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("postal_code", sa.String(length=5), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("updated_at", kernel.database.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("insee", name=op.f("pk_commune_references")),
    )
    op.create_index(op.f("ix_commune_references_department"), "commune_references", ["department"])
    op.create_table(
        "platform_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", kernel.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("payload", _PAYLOAD, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_events")),
    )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "invitation",
                "password_reset",
                name="linkpurpose",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", kernel.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kernel.database.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", kernel.database.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("digest", name=op.f("uq_account_links_digest")),
    )
    op.create_index(op.f("ix_account_links_account_id"), "account_links", ["account_id"])
    _roles(_AFTER)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("territory_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(
            "uq_accounts_operator_email",
            ["email"],
            unique=True,
            postgresql_where=sa.text("territory_id IS NULL"),
            sqlite_where=sa.text("territory_id IS NULL"),
        )
    with op.batch_alter_table("practice_locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mssante", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("national", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("national_seen_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("national_gone_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aci_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holiday_subdivision", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_territories_aci_size_class"), "aci_size BETWEEN 1 AND 4"
        )


def downgrade() -> None:
    with op.batch_alter_table("territories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_territories_aci_size_class"), type_="check")
        batch_op.drop_column("holiday_subdivision")
        batch_op.drop_column("aci_size")
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.drop_column("national_gone_at")
        batch_op.drop_column("national_seen_at")
        batch_op.drop_column("national")
        batch_op.drop_column("mssante")
    with op.batch_alter_table("practice_locations", schema=None) as batch_op:
        batch_op.drop_column("national_key")
    # Operators have no territory to be kept in: they go, with what hangs on their accounts
    # (SQLite migrates with foreign keys off, so no cascade would take those).
    operators = "SELECT id FROM accounts WHERE territory_id IS NULL"
    for table in (
        "api_tokens",
        "account_links",
        "calendar_feeds",
        "busy_calendars",
        "sas_regulators",
        "account_roles",
    ):
        op.execute(f"DELETE FROM {table} WHERE account_id IN ({operators})")  # noqa: S608
    op.execute("DELETE FROM accounts WHERE territory_id IS NULL")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_accounts_operator_email")
        batch_op.alter_column("territory_id", existing_type=sa.Uuid(), nullable=False)
    op.execute("DELETE FROM account_roles WHERE role = 'operator'")
    _roles(_BEFORE)
    op.drop_index(op.f("ix_account_links_account_id"), table_name="account_links")
    op.drop_table("account_links")
    op.drop_table("platform_events")
    op.drop_index(op.f("ix_commune_references_department"), table_name="commune_references")
    op.drop_table("commune_references")
