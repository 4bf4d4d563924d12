"""accounts may hold the `sas_platform` role: the national SAS platform's client account

The SAS platform calls the FHIR slot search as a client of ours; its account searches and
reads the pool's free slots, and nothing else (no booking, no patient).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("gp", "nurse", "expert", "pharmacist", "regulator", "coordinator", "admin")
_AFTER = (*_BEFORE, "sas_platform")


def _roles(values: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _swap(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("account_roles", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_account_roles_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_account_roles_role"), _roles(values))


def upgrade() -> None:
    _swap(_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM account_roles WHERE role = 'sas_platform'")
    _swap(_BEFORE)
