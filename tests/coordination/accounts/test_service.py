"""Accounts in the domain: tokens expire by the injected clock, events are written."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from argon2 import extract_parameters, profiles
from sqlalchemy import select

from coordination.accounts import passwords
from coordination.accounts import service as accounts
from coordination.accounts.account import Account
from coordination.accounts.token import TokenKind
from coordination.directory.territory import Territory
from kernel.actor import Role
from kernel.clock import FrozenClock
from kernel.errors import Conflict, Invalid, NotAuthenticated
from kernel.events import Event
from server.database import Database


async def _account(
    database: Database, clock: FrozenClock, territory: Territory, email: str
) -> None:
    async with database.write() as session:
        await accounts.create_account(
            session,
            clock,
            None,
            territory.id,
            accounts.AccountDraft(
                email=email,
                display_name="Test",
                roles=frozenset({Role.NURSE}),
                password="secret-password",
            ),
        )


async def test_session_token_expires_with_the_clock(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    email = f"{territory.slug}@example.test"
    await _account(database, clock, territory, email)
    issued = await accounts.login(database, clock, email, "secret-password", TokenKind.SESSION)
    async with database.read() as session:
        actor = await accounts.resolve(session, clock, issued.secret)
    assert actor.roles == frozenset({Role.NURSE})
    assert actor.territory_id == territory.id and actor.timezone == "Europe/Paris"
    clock.advance(accounts.SESSION_LIFETIME + timedelta(seconds=1))
    async with database.read() as session:
        with pytest.raises(NotAuthenticated):
            await accounts.resolve(session, clock, issued.secret)


async def test_login_writes_an_event_without_the_secret(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    email = f"ev-{territory.slug}@example.test"
    await _account(database, clock, territory, email)
    issued = await accounts.login(database, clock, email, "secret-password", TokenKind.API)
    async with database.read() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.territory_id == territory.id).order_by(Event.id)
            )
        )
    assert [e.type for e in events] == ["territory.created", "account.created", "auth.token_issued"]
    assert issued.secret not in str([e.payload for e in events])


async def test_account_rules(database: Database, clock: FrozenClock, territory: Territory) -> None:
    async with database.write() as session:
        with pytest.raises(Invalid) as no_roles:
            await accounts.create_account(
                session,
                clock,
                None,
                territory.id,
                accounts.AccountDraft(email="x@example.test", display_name="X", roles=frozenset()),
            )
    assert no_roles.value.field == "roles"
    email = f"dup-{territory.slug}@example.test"
    await _account(database, clock, territory, email)
    with pytest.raises(Conflict):
        await _account(database, clock, territory, email.upper())


async def test_login_rehashes_a_password_hashed_with_other_parameters(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    """The suite's cheap hash, met by production parameters, is replaced at login."""
    email = f"rehash-{territory.slug}@example.test"
    await _account(database, clock, territory, email)
    passwords.use_parameters(passwords.PRODUCTION)
    try:
        await accounts.login(database, clock, email, "secret-password", TokenKind.SESSION)
        async with database.read() as session:
            stored = await session.scalar(
                select(Account.password_hash).where(Account.email == email)
            )
    finally:
        passwords.use_parameters(profiles.CHEAPEST)
    assert stored is not None
    assert extract_parameters(stored) == passwords.PRODUCTION


async def test_the_password_is_hashed_outside_any_transaction_and_off_the_loop(
    database: Database, clock: FrozenClock, territory: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the hash runs, no transaction of the login's is open (SQLite has one writer) and
    the event loop keeps turning: another coroutine gets many turns meanwhile."""
    email = f"offloop-{territory.slug}@example.test"
    await _account(database, clock, territory, email)
    open_transactions = 0
    seen_during_hash: list[int] = []
    real_verify = passwords.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        seen_during_hash.append(open_transactions)
        time.sleep(0.3)  # a costly hash, on the hashing thread
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    original_write, original_read = database.write, database.read

    def counted(factory: Any) -> Any:
        @asynccontextmanager
        async def opened() -> AsyncIterator[Any]:
            nonlocal open_transactions
            open_transactions += 1
            try:
                async with factory() as session:
                    yield session
            finally:
                open_transactions -= 1

        return opened

    monkeypatch.setattr(database, "write", counted(original_write))
    monkeypatch.setattr(database, "read", counted(original_read))
    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0.01)
            turns += 1

    ticking = asyncio.create_task(ticker())
    try:
        await accounts.login(database, clock, email, "secret-password", TokenKind.API)
    finally:
        ticking.cancel()
    assert seen_during_hash == [0]
    assert turns >= 10


async def test_a_login_fails_if_the_account_is_disabled_while_its_password_is_checked(
    database: Database, clock: FrozenClock, territory: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = f"race-{territory.slug}@example.test"
    await _account(database, clock, territory, email)

    async def disable() -> None:
        async with database.write() as session:
            account = await session.scalar(select(Account).where(Account.email == email))
            assert account is not None
            account.disabled_at = clock.now()

    original = passwords.verify_password_off_loop

    async def checked_then_disabled(password_hash: str | None, password: str) -> bool:
        ok = await original(password_hash, password)
        await disable()
        return ok

    monkeypatch.setattr(accounts, "verify_password_off_loop", checked_then_disabled)
    with pytest.raises(NotAuthenticated):
        await accounts.login(database, clock, email, "secret-password", TokenKind.API)


async def _second_territory(database: Database, clock: FrozenClock) -> Territory:
    from tests.conftest import new_territory

    return await new_territory(database, clock, name="Autre CPTS")


async def test_an_email_is_unique_per_territory_and_login_picks_by_password(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    other = await _second_territory(database, clock)
    email = f"both-{uuid.uuid4().hex[:8]}@example.test"
    await _account(database, clock, territory, email)
    # Another territory's administrator may create the same address: no "taken" for them.
    async with database.write() as session:
        await accounts.create_account(
            session,
            clock,
            None,
            other.id,
            accounts.AccountDraft(
                email=email.upper(),
                display_name="Ailleurs",
                roles=frozenset({Role.GP}),
                password="another-password",
            ),
        )
    # ... but not twice in one territory.
    async with database.write() as session:
        with pytest.raises(Conflict):
            await accounts.create_account(
                session,
                clock,
                None,
                other.id,
                accounts.AccountDraft(email=email, display_name="x", roles=frozenset({Role.GP})),
            )
    # Each password opens its own account.
    mine = await accounts.login(database, clock, email, "secret-password", TokenKind.API)
    theirs = await accounts.login(database, clock, email, "another-password", TokenKind.API)
    async with database.read() as session:
        assert (await accounts.resolve(session, clock, mine.secret)).territory_id == territory.id
        assert (await accounts.resolve(session, clock, theirs.secret)).territory_id == other.id
    with pytest.raises(NotAuthenticated):
        await accounts.login(database, clock, email, "wrong", TokenKind.API)
    with pytest.raises(NotAuthenticated):  # the right password, named in the wrong territory
        await accounts.login(
            database, clock, email, "another-password", TokenKind.API, territory.slug
        )


async def test_one_password_for_two_territories_asks_which(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    other = await _second_territory(database, clock)
    email = f"twice-{uuid.uuid4().hex[:8]}@example.test"
    await _account(database, clock, territory, email)
    await _account(database, clock, other, email)
    with pytest.raises(accounts.TerritoryToChoose) as ask:
        await accounts.login(database, clock, email, "secret-password", TokenKind.API)
    assert ask.value.field == "territory"
    assert ask.value.extra["territories"] == [
        {"slug": other.slug, "name": "Autre CPTS"},
        {"slug": territory.slug, "name": "CPTS de test"},
    ]
    chosen = await accounts.login(
        database, clock, email, "secret-password", TokenKind.API, other.slug
    )
    async with database.write() as session:
        assert (await accounts.resolve(session, clock, chosen.secret)).territory_id == other.id
        with pytest.raises(Invalid):  # the operator's CLI path must name one too
            await accounts.create_token_for(session, clock, email, "cli")
        named = await accounts.create_token_for(session, clock, email, "cli", territory.slug)
        assert named.token.account_id is not None
    # A disabled account is no candidate: the other one opens without a choice.
    async with database.write() as session:
        account = await session.scalar(
            select(Account).where(Account.email == email, Account.territory_id == other.id)
        )
        assert account is not None
        account.disabled_at = clock.now()
    alone = await accounts.login(database, clock, email, "secret-password", TokenKind.API)
    async with database.read() as session:
        assert (await accounts.resolve(session, clock, alone.secret)).territory_id == territory.id
