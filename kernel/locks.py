"""Transaction-scoped locks on one thing (a professional's agenda, an account's holds), so
that two transactions deciding from the same rows under READ COMMITTED are serialised. On
PostgreSQL an advisory lock keyed by `scope:id`; SQLite has one writer at a time already."""

from __future__ import annotations

import uuid

from sqlalchemy import String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import statements
from kernel.statements import Prepared

# The whole-database advisory locks (pg_advisory_xact_lock keys), one per purpose, here only:
# the two once shared one key, so that a migration held up the outbox's sequencing.
SEQUENCER_LOCK = 0x43505453  # "CPTS": the single outbox sequencer (kernel/events.py)
MIGRATION_LOCK = 0x4350544D  # "CPTM": one `cpts db upgrade` at a time (server/migrations)


_LOCK = Prepared(
    text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))").bindparams(
        bindparam("k", type_=String())
    )
)


async def lock_for_transaction(session: AsyncSession, scope: str, key: uuid.UUID) -> None:
    if statements.dialect_name(session) == "postgresql":
        await statements.execute(session, _LOCK, k=f"{scope}:{key}")
