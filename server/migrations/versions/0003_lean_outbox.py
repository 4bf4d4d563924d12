"""outbox: no foreign key to the territory row, no unused type/time index

Every booking appends an event, and the sequencer rewrites each event once to give it its
`seq`. The foreign key made every append take a key-share lock on the territory's single row,
which concurrent bookings turn into multixacts; the (territory, type, time) index served no
query and cost an entry on each append and each sequencing. bench/booking.py and
bench/booking_statement.py measure both. Territories are never deleted, and events are only
written by the domain with the actor's territory.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_territory_type_at")
        batch_op.drop_constraint(op.f("fk_events_territory_id_territories"), type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_events_territory_id_territories"),
            "territories",
            ["territory_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            "ix_events_territory_type_at", ["territory_id", "type", "occurred_at"], unique=False
        )
