"""Invitations and forgotten passwords, where they live: links work once, until they expire,
and a newer one supersedes them; setting a password ends the account's sessions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from coordination.accounts import onboarding
from coordination.accounts.account import Account
from coordination.accounts.links import LIFETIMES, LinkPurpose
from coordination.accounts.password_policy import WeakPassword
from coordination.accounts.service import (
    AccountDraft,
    create_account,
    login,
    resolve,
    set_roles,
)
from coordination.accounts.token import TokenKind
from coordination.directory.territory import Territory
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from kernel.errors import NotAuthenticated
from server.database import Database

PASSWORD = "trois petits chats blancs"


async def _invited(
    database: Database, clock: FrozenClock, territory: Territory
) -> tuple[Account, str]:
    async with database.write() as session:
        account = await create_account(
            session,
            clock,
            None,
            territory.id,
            AccountDraft(
                email=f"new-{uuid.uuid4().hex[:8]}@cpts.test",
                display_name="Nouvelle recrue",
                roles=frozenset({Role.REGULATOR}),
            ),
        )
        link = await onboarding.invite(session, clock, None, account.id)
    assert link.purpose is LinkPurpose.INVITATION
    assert link.expires_at == clock.now() + LIFETIMES[LinkPurpose.INVITATION]
    assert link.territory_name == territory.name
    return account, link.secret


async def test_an_invitation_sets_the_password_once(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    account, secret = await _invited(database, clock, territory)
    with pytest.raises(NotAuthenticated):  # no password yet: nothing opens the account
        await login(database, clock, account.email, PASSWORD, TokenKind.API)
    done = await onboarding.set_password(database, clock, secret, PASSWORD)
    assert done.email == account.email and done.territory_slug == territory.slug
    issued = await login(database, clock, account.email, PASSWORD, TokenKind.API)
    assert issued.token.account_id == account.id
    with pytest.raises(onboarding.LinkNotValid):
        await onboarding.set_password(database, clock, secret, "un autre mot de passe")


async def test_a_weak_password_does_not_spend_the_link(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    _, secret = await _invited(database, clock, territory)
    with pytest.raises(WeakPassword):
        await onboarding.set_password(database, clock, secret, "password1234")
    await onboarding.set_password(database, clock, secret, PASSWORD)


async def test_expired_and_superseded_links_are_refused(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    account, first = await _invited(database, clock, territory)
    async with database.write() as session:
        second = (await onboarding.invite(session, clock, None, account.id)).secret
    with pytest.raises(onboarding.LinkNotValid):
        await onboarding.set_password(database, clock, first, PASSWORD)
    clock.advance(LIFETIMES[LinkPurpose.INVITATION] + timedelta(seconds=1))
    with pytest.raises(onboarding.LinkNotValid):
        await onboarding.set_password(database, clock, second, PASSWORD)
    with pytest.raises(onboarding.LinkNotValid):
        await onboarding.set_password(database, clock, "cpts_link_never-issued", PASSWORD)


async def test_two_uses_at_once_one_wins(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    _, secret = await _invited(database, clock, territory)
    results = await asyncio.gather(
        *(onboarding.set_password(database, clock, secret, f"{PASSWORD} {i}") for i in range(6)),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, onboarding.PasswordSet)]
    assert len(won) == 1, results
    assert all(isinstance(r, onboarding.LinkNotValid) for r in results if r not in won)


async def test_a_reset_ends_every_session_and_says_nothing_of_unknown_emails(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    account, secret = await _invited(database, clock, territory)
    await onboarding.set_password(database, clock, secret, PASSWORD)
    issued = await login(database, clock, account.email, PASSWORD, TokenKind.SESSION)
    assert await onboarding.request_password_reset(database, clock, "nobody@nowhere.test") == []
    links = await onboarding.request_password_reset(database, clock, account.email.upper())
    assert [link.account_id for link in links] == [account.id]
    assert links[0].expires_at == clock.now() + LIFETIMES[LinkPurpose.PASSWORD_RESET]
    await onboarding.set_password(database, clock, links[0].secret, "un nouveau départ en mer")
    async with database.read() as session:
        with pytest.raises(NotAuthenticated):
            await resolve(session, clock, issued.secret)
    with pytest.raises(NotAuthenticated):
        await login(database, clock, account.email, PASSWORD, TokenKind.API)
    await login(database, clock, account.email, "un nouveau départ en mer", TokenKind.API)


async def test_a_disabled_account_gets_no_link(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    account, secret = await _invited(database, clock, territory)
    async with database.write() as session:
        row = await session.get(Account, account.id)
        assert row is not None
        row.disabled_at = clock.now()
    assert await onboarding.request_password_reset(database, clock, account.email) == []
    with pytest.raises(onboarding.LinkNotValid):
        await onboarding.set_password(database, clock, secret, PASSWORD)


async def test_disabling_spends_the_links_and_a_reset_leaves_the_invitation(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    account, invitation = await _invited(database, clock, territory)
    admin = Actor(uuid.uuid4(), territory.id, territory.timezone, frozenset({Role.ADMIN}))
    (reset,) = await onboarding.request_password_reset(database, clock, account.email)
    # Someone asking a reset for this e-mail does not take the person's invitation away.
    await onboarding.set_password(database, clock, invitation, PASSWORD)
    async with database.write() as session:
        await set_roles(session, clock, admin, account.id, account.roles, disabled=True)
    async with database.write() as session:
        await set_roles(session, clock, admin, account.id, account.roles, disabled=False)
    with pytest.raises(onboarding.LinkNotValid):  # sent before the account was disabled
        await onboarding.set_password(database, clock, reset.secret, "une autre phrase longue")
