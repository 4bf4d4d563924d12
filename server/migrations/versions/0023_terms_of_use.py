"""the terms of use: accepted by the SAS's regulators at their first login

- accounts.terms_accepted_at / terms_version: when the account's holder accepted them, and
  which text;
- account_links.purpose may be `terms`: a first login held until they are accepted;
- the SAS's own regulators (an active identifier, the regulator role alone) lose what let them
  in from elsewhere before: their password, their API tokens, their password links.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:05:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("invitation", "password_reset")
_AFTER = (*_BEFORE, "terms")


def _purposes(values: tuple[str, ...]) -> None:
    check = "purpose IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    with op.batch_alter_table("account_links", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_account_links_linkpurpose"), type_="check")
        batch.create_check_constraint(op.f("ck_account_links_linkpurpose"), check)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column(
                "terms_accepted_at", kernel.database.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("terms_version", sa.String(length=16), nullable=True))
    _purposes(_AFTER)
    _revoke_what_lets_them_in_elsewhere()


def _revoke_what_lets_them_in_elsewhere() -> None:
    regulators = sa.table(
        "sas_regulators", sa.column("account_id", sa.Uuid()), sa.column("active", sa.Boolean())
    )
    roles = sa.table("account_roles", sa.column("account_id", sa.Uuid()), sa.column("role"))
    others = sa.select(roles.c.account_id).where(roles.c.role != "regulator")
    kept = sa.select(regulators.c.account_id).where(
        regulators.c.active.is_(True), regulators.c.account_id.not_in(others)
    )
    now = sa.bindparam("now", datetime.now(UTC), type_=kernel.database.UtcDateTime(timezone=True))
    accounts = sa.table("accounts", sa.column("id", sa.Uuid()), sa.column("password_hash"))
    tokens = sa.table(
        "api_tokens",
        sa.column("account_id", sa.Uuid()),
        sa.column("kind"),
        sa.column("revoked_at", kernel.database.UtcDateTime(timezone=True)),
    )
    links = sa.table(
        "account_links",
        sa.column("account_id", sa.Uuid()),
        sa.column("used_at", kernel.database.UtcDateTime(timezone=True)),
    )
    op.execute(accounts.update().where(accounts.c.id.in_(kept)).values(password_hash=None))
    op.execute(
        tokens.update()
        .where(tokens.c.account_id.in_(kept), tokens.c.kind == "api", tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    op.execute(
        links.update()
        .where(links.c.account_id.in_(kept), links.c.used_at.is_(None))
        .values(used_at=now)
    )


def downgrade() -> None:
    op.execute("DELETE FROM account_links WHERE purpose = 'terms'")
    _purposes(_BEFORE)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("terms_version")
        batch.drop_column("terms_accepted_at")
