"""Migrations upgrade from empty and downgrade back to empty on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from server.database import create_engine
from server.migrations import current_revision, downgrade, upgrade
from server.models import metadata
from tests.conftest import drop_pg_database, fresh_database_url


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_and_downgrade_round_trip(backend: str, tmp_path: Path) -> None:
    url = await fresh_database_url(backend, tmp_path)
    try:
        await upgrade(url)
        assert await current_revision(url) is not None
        assert set(metadata.tables) <= await _tables(url)
        await downgrade(url, "base")
        assert await current_revision(url) is None
        assert await _tables(url) <= {"alembic_version"}
        await upgrade(url)  # and up again: downgrade left nothing behind
        assert set(metadata.tables) <= await _tables(url)
    finally:
        if backend == "postgresql":
            await drop_pg_database(url)


async def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate finds nothing to do: the models and the migrations describe one schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == []
