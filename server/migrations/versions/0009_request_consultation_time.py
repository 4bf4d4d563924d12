"""SNP requests keep the start of the consultation that met them

The delay from request to consultation and the share met within 24/48 h are the ACI's SNP
measures; with the consultation's start on the request, the indicators read one table instead
of joining every request of a year to its booking (bench/indicators.py). The booking sets it,
its cancellation clears it; existing rows are filled from their live bookings.

Imported busy calendars gain `expanded_at`, so that a remote file that never changes is still
fetched whole (and expanded further ahead) every 30 days.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kernel.database

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snp_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consultation_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE snp_requests SET consultation_at = ("
        " SELECT b.starts_at FROM bookings b"
        " WHERE b.id = snp_requests.booking_id AND b.status <> 'cancelled')"
        " WHERE outcome = 'booked'"
    )
    with op.batch_alter_table("busy_calendars", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expanded_at", kernel.database.UtcDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE busy_calendars SET expanded_at = last_refreshed_at")


def downgrade() -> None:
    with op.batch_alter_table("busy_calendars", schema=None) as batch_op:
        batch_op.drop_column("expanded_at")
    with op.batch_alter_table("snp_requests", schema=None) as batch_op:
        batch_op.drop_column("consultation_at")
