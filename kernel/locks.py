"""Transaction-scoped locks on one thing (a professional's agenda, an account's holds), so
that two transactions deciding from the same rows under READ COMMITTED are serialised. On
PostgreSQL an advisory lock keyed by `scope:id`; SQLite has one writer at a time already."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_for_transaction(session: AsyncSession, scope: str, key: uuid.UUID) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{scope}:{key}"}
        )
