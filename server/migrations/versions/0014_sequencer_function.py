"""the outbox sequencer as one PostgreSQL function: one round trip per relay round

Every worker's relay runs the sequencer about fifty times a second under load: a transaction,
the advisory lock, the numbering statement, the commit, four round trips through a session,
most of them by the worker that then finds the lock taken. As a function it is a single call
in autocommit. It stays correct because a volatile plpgsql function takes a new snapshot for
each statement: the numbering, run after the lock is held, sees everything the previous
holder committed. bench/booking.py measures the relay's share of a booking.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CREATE = """
CREATE FUNCTION cpts_sequence_events(lock_key bigint, batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    done integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_key) THEN
        RETURN 0;  -- another worker is sequencing what is pending
    END IF;
    WITH pending AS (
        SELECT id, territory_id FROM events
        WHERE seq IS NULL
        ORDER BY id
        LIMIT batch
    ), numbered AS (
        SELECT p.id, p.territory_id,
               c.last_seq + row_number() OVER (PARTITION BY p.territory_id ORDER BY p.id) AS seq
        FROM pending p JOIN event_counters c ON c.territory_id = p.territory_id
    ), assigned AS (
        UPDATE events e SET seq = n.seq FROM numbered n WHERE e.id = n.id
        RETURNING e.territory_id, e.seq
    ), bumped AS (
        UPDATE event_counters c SET last_seq = m.max_seq
        FROM (SELECT territory_id, max(seq) AS max_seq FROM assigned GROUP BY territory_id) m
        WHERE c.territory_id = m.territory_id
        RETURNING c.territory_id
    )
    SELECT count(*) INTO done FROM assigned;
    RETURN done;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION cpts_sequence_events(bigint, integer)")
