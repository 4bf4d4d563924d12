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


async def test_sqlite_overlap_triggers_survive_table_rebuilds(tmp_path: Path) -> None:
    """Batch mode recreates `slots` on SQLite; the overlap guard must come back every time."""
    url = await fresh_database_url("sqlite", tmp_path)
    engine = create_engine(url)

    async def triggers() -> set[str]:
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'slots'"
            )
            return {r[0] for r in rows}

    guard = {"slots_no_overlap_insert", "slots_no_overlap_update"}
    try:
        for revision in ("0002", "head", "0003", "head"):
            if revision == "0003":
                await downgrade(url, revision)
            else:
                await upgrade(url, revision)
            assert await triggers() == guard, revision
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_do_not_race(tmp_path: Path) -> None:
    """Two hosts running `cpts db upgrade` at once: one migrates, the other waits and finds
    the schema at head (PostgreSQL advisory lock)."""
    import asyncio

    url = await fresh_database_url("postgresql", tmp_path)
    try:
        await asyncio.gather(upgrade(url), upgrade(url), upgrade(url))
        assert await current_revision(url) is not None
        assert set(metadata.tables) <= await _tables(url)
    finally:
        await drop_pg_database(url)


async def test_downgrading_0019_takes_the_operators_away(backend: str, tmp_path: Path) -> None:
    """Operators have no territory to stay in before 0019: they go, their tokens with them
    (on SQLite, where migrations run without foreign keys, nothing cascades on its own)."""
    from coordination.accounts.service import AccountDraft, create_account, create_token_for
    from kernel.actor import Role
    from kernel.clock import SystemClock
    from server.database import Database

    url = await fresh_database_url(backend, tmp_path)
    try:
        await upgrade(url)
        db = Database(url)
        async with db.write() as session:
            draft = AccountDraft("ops@platform.test", "Ops", frozenset({Role.OPERATOR}))
            await create_account(session, SystemClock(), None, None, draft)
            await create_token_for(session, SystemClock(), "ops@platform.test", "cli")
        await db.dispose()
        await downgrade(url, "0018")
        await upgrade(url)
    finally:
        if backend == "postgresql":
            await drop_pg_database(url)


async def test_0023_takes_from_the_sas_regulators_what_let_them_in_elsewhere(
    backend: str, tmp_path: Path
) -> None:
    # Before 0023 a SAS regulator could be sent a reset link and mint API tokens: the
    # migration takes them away (a regulator whom the CPTS gave other roles keeps theirs).
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import select

    from coordination.accounts.account import Account
    from coordination.accounts.sas_regulators import PS_SYSTEM, SasRegulator
    from coordination.accounts.service import AccountDraft, create_account
    from coordination.accounts.token import ApiToken, TokenKind
    from coordination.directory.service import CommuneDraft
    from kernel.actor import Role
    from kernel.clock import FrozenClock
    from server.database import Database
    from tests.directory_world import territory_with_gp

    url = await fresh_database_url(backend, tmp_path)
    database = Database(url)
    clock = FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    try:
        await upgrade(url)
        async with database.write() as session:
            made = await territory_with_gp(
                session,
                clock,
                commune=CommuneDraft("78517", "Rambouillet", "78120"),
                address="1 rue",
            )
            accounts = []
            for name, roles in (
                ("kept", {Role.REGULATOR}),
                ("mixed", {Role.REGULATOR, Role.COORDINATOR}),
            ):
                accounts.append(
                    await create_account(
                        session,
                        clock,
                        None,
                        made.territory.id,
                        AccountDraft(
                            email=f"{name}@sas.test",
                            display_name=name,
                            roles=frozenset(roles),
                            password="a-password-from-before-0023",
                        ),
                    )
                )
            for account in accounts:
                session.add(
                    SasRegulator(
                        account_id=account.id,
                        territory_id=made.territory.id,
                        system=PS_SYSTEM,
                        value=f"8{uuid.uuid4().int % 10**11:011d}",
                        active=True,
                        updated_at=clock.now(),
                    )
                )
                session.add(
                    ApiToken(
                        id=uuid.uuid4(),
                        account_id=account.id,
                        kind=TokenKind.API,
                        name="script",
                        digest=uuid.uuid4().bytes * 2,
                        created_at=clock.now(),
                    )
                )
        await downgrade(url, "0022")
        await upgrade(url)
        async with database.read() as session:
            hashes = dict(
                (await session.execute(select(Account.email, Account.password_hash))).all()
            )
            revoked = dict(
                (
                    await session.execute(
                        select(Account.email, ApiToken.revoked_at).join(
                            ApiToken, ApiToken.account_id == Account.id
                        )
                    )
                ).all()
            )
        assert hashes["kept@sas.test"] is None and hashes["mixed@sas.test"] is not None
        assert revoked["kept@sas.test"] is not None and revoked["mixed@sas.test"] is None
    finally:
        await database.dispose()
        if backend == "postgresql":
            await drop_pg_database(url)
