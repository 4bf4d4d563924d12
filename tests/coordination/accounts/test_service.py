"""Accounts in the domain: tokens expire by the injected clock, events are written."""

from __future__ import annotations

from datetime import timedelta

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
    async with database.write() as session:
        issued = await accounts.login(session, clock, email, "secret-password", TokenKind.SESSION)
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
    async with database.write() as session:
        issued = await accounts.login(session, clock, email, "secret-password", TokenKind.API)
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
        async with database.write() as session:
            await accounts.login(session, clock, email, "secret-password", TokenKind.SESSION)
        async with database.read() as session:
            stored = await session.scalar(
                select(Account.password_hash).where(Account.email == email)
            )
    finally:
        passwords.use_parameters(profiles.CHEAPEST)
    assert stored is not None
    assert extract_parameters(stored) == passwords.PRODUCTION
