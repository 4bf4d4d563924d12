"""Schema migrations (Alembic), run programmatically so `cpts db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from kernel.locks import MIGRATION_LOCK
from server.database import Database, create_engine, is_sqlite

_HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def _run(url: str, action: str, revision: str) -> None:
    engine = create_engine(url, foreign_keys=False)
    config = alembic_config(url)

    def go(connection: Connection) -> None:
        if not is_sqlite(url):
            # Two `cpts db upgrade` at once (two hosts of a release): the second waits for the
            # first's transaction, then finds the schema at head and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
        if is_sqlite(url):
            problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            if problems:
                raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(go)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, "upgrade", revision)


async def downgrade(url: str, revision: str = "base") -> None:
    await _run(url, "downgrade", revision)


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()


async def database_revision(db: Database) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    async with db.read() as session:
        revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)
