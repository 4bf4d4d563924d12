"""The overlap guard of slots, shared by the migrations that create it and those that must
rebuild it: SQLite's batch mode recreates a table to alter it, and its triggers go with it."""

from alembic import op

# One professional never has two overlapping live slots. PostgreSQL enforces it with an
# exclusion constraint (btree_gist for the uuid equality); SQLite, which has none, with triggers
# that abort the statement. The application checks first, for a friendly error message.
_SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'slot_overlap')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM slots
        WHERE professional_id = NEW.professional_id
          AND id <> NEW.id
          AND status <> 'cancelled'
          AND starts_at < NEW.ends_at
          AND ends_at > NEW.starts_at
    );
"""


def create_overlap_guard() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE slots ADD CONSTRAINT ex_slots_no_overlap EXCLUDE USING gist "
            "(professional_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status <> 'cancelled')"
        )
    else:
        op.execute(
            f"CREATE TRIGGER slots_no_overlap_insert BEFORE INSERT ON slots BEGIN {_SQLITE_OVERLAP} END"
        )
        op.execute(
            "CREATE TRIGGER slots_no_overlap_update BEFORE UPDATE OF "
            f"professional_id, starts_at, ends_at, status ON slots BEGIN {_SQLITE_OVERLAP} END"
        )


def drop_overlap_guard() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE slots DROP CONSTRAINT IF EXISTS ex_slots_no_overlap")
    else:
        op.execute("DROP TRIGGER IF EXISTS slots_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS slots_no_overlap_update")


def restore_sqlite_triggers() -> None:
    """After a batch alteration of `slots` on SQLite (a no-op on PostgreSQL, whose exclusion
    constraint survives ALTER TABLE)."""
    if op.get_context().dialect.name == "sqlite":
        drop_overlap_guard()
        create_overlap_guard()
