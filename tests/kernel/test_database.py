"""UtcDateTime on both backends: naive refused, offsets normalised, aware UTC returned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from coordination.directory.territory import Territory
from server.database import Database


async def test_naive_datetime_is_refused(database: Database, territory: Territory) -> None:
    with pytest.raises(StatementError, match="naive datetime refused"):
        async with database.write() as session:
            row = await session.get(Territory, territory.id)
            assert row is not None
            row.created_at = datetime(2026, 1, 1, 12, 0)
            await session.flush()


async def test_offsets_are_normalised_to_utc(database: Database, territory: Territory) -> None:
    paris_summer = timezone(timedelta(hours=2))
    async with database.write() as session:
        row = await session.get(Territory, territory.id)
        assert row is not None
        row.created_at = datetime(2026, 7, 1, 12, 0, tzinfo=paris_summer)
    async with database.read() as session:
        value = await session.scalar(
            select(Territory.created_at).where(Territory.id == territory.id)
        )
    assert value == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert value is not None and value.utcoffset() == timedelta(0)
