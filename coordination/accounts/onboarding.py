"""Invitations and forgotten passwords: the single-use links that set a password.

An administrator invites a person (a new account without a password, or an existing one
again); anyone may ask for a reset link for an e-mail, and is told the same thing whether or
not it has an account; the link's holder sets a password the policy accepts, once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts import sas_regulators
from coordination.accounts.account import Account, normalise_email
from coordination.accounts.links import LIFETIMES, AccountLink, LinkPurpose, new_link_secret
from coordination.accounts.password_policy import check_password
from coordination.accounts.passwords import hash_password_off_loop
from coordination.accounts.service import (
    MAX_TERRITORIES_PER_EMAIL,
    PLATFORM_NAME,
    AccountDraft,
    create_account,
    end_sessions_and_links,
    get_account,
    require_admin,
)
from coordination.accounts.token import digest
from coordination.directory.territory import DEFAULT_TIMEZONE, Territory
from kernel.actor import PLATFORM, Actor
from kernel.clock import Clock
from kernel.database import Transactions
from kernel.errors import Conflict, Invalid, NotFound
from kernel.event_types import EventType
from kernel.events import append_event

_EVENT_OF = {
    LinkPurpose.INVITATION: EventType.ACCOUNT_INVITED,
    LinkPurpose.PASSWORD_RESET: EventType.ACCOUNT_PASSWORD_RESET_REQUESTED,
    LinkPurpose.TERMS: EventType.ACCOUNT_TERMS_ASKED,
}
PASSWORD_LINKS = (LinkPurpose.INVITATION, LinkPurpose.PASSWORD_RESET)  # what sets a password


class LinkIssuedPayload(TypedDict):
    expires_at: str


class PasswordSetPayload(TypedDict):
    purpose: str
    sessions_revoked: int


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A link's secret, the one moment it exists in clear: for the e-mail, never stored."""

    secret: str = field(repr=False)
    purpose: LinkPurpose
    expires_at: datetime
    account_id: uuid.UUID
    email: str
    display_name: str
    territory_name: str
    timezone: str  # the territory's, to tell the expiry in local time


@dataclass(frozen=True, slots=True)
class PasswordSet:
    account_id: uuid.UUID  # its tokens were revoked: a cache of them forgets them
    email: str
    territory_slug: str | None  # None: the platform's operator account


class LinkNotValid(Invalid):
    """Expired, used, superseded or never issued: the holder asks for a new one."""

    def __init__(self) -> None:
        super().__init__(
            "this link has expired or was already used: ask for a new one",
            code="link_invalid",
            field="token",
        )


async def _territory_of(session: AsyncSession, account: Account) -> tuple[str, str]:
    """(name, IANA zone) of the account's territory."""
    if account.territory_id is None:
        return PLATFORM_NAME, DEFAULT_TIMEZONE
    row = (
        await session.execute(
            select(Territory.name, Territory.timezone).where(Territory.id == account.territory_id)
        )
    ).one()
    return row.name, row.timezone


async def issue_link(
    session: AsyncSession,
    clock: Clock,
    account: Account,
    purpose: LinkPurpose,
    actor: Actor | None,
) -> IssuedLink:
    """A new link for the account; its older live links of the same purpose stop working (a
    reset someone else asks for leaves a pending invitation alone). The account's row is
    locked first, so that two links issued at once leave one live."""
    await session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    if account.disabled_at is not None:
        raise Conflict("the account is disabled", code="account_disabled", field="account_id")
    if purpose in PASSWORD_LINKS and await sas_regulators.kept_by_sas(session, account):
        # They come from the SAS, always: a password would let them in from anywhere.
        raise Conflict(
            "a regulator of the SAS platform has no password here",
            code="sas_regulator_no_password",
            field="account_id",
        )
    now = clock.now()
    await session.execute(
        update(AccountLink)
        .where(
            AccountLink.account_id == account.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )
    secret, secret_digest = new_link_secret()
    expires_at = now + LIFETIMES[purpose]
    session.add(
        AccountLink(
            id=uuid.uuid4(),
            account_id=account.id,
            purpose=purpose,
            digest=secret_digest,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=account.territory_id or PLATFORM,
        type=_EVENT_OF[purpose],
        actor=actor,
        subject_id=account.id,
        payload=LinkIssuedPayload(expires_at=expires_at.isoformat()),
    )
    territory_name, timezone = await _territory_of(session, account)
    return IssuedLink(
        secret=secret,
        purpose=purpose,
        expires_at=expires_at,
        account_id=account.id,
        email=account.email,
        display_name=account.display_name,
        territory_name=territory_name,
        timezone=timezone,
    )


async def invite(
    session: AsyncSession, clock: Clock, actor: Actor | None, account_id: uuid.UUID
) -> IssuedLink:
    """Send (again) an account its invitation; `actor` None is the trusted operator path."""
    if actor is not None:
        require_admin(actor)
        account = await get_account(session, actor, account_id)
    else:
        found = await session.get(Account, account_id)
        if found is None:
            raise NotFound("account not found", code="account_not_found")
        account = found
    return await issue_link(session, clock, account, LinkPurpose.INVITATION, actor)


async def request_password_reset(db: Transactions, clock: Clock, email: str) -> list[IssuedLink]:
    """Reset links for the live accounts of this e-mail (one per territory, a few at most).

    The caller answers the same whatever this returns, and sends the e-mails out of band:
    neither the answer nor its timing tells whether the e-mail has an account."""
    async with db.write() as session:
        found = await session.scalars(
            select(Account)
            .where(Account.email == normalise_email(email), Account.disabled_at.is_(None))
            .order_by(Account.created_at)
            .limit(MAX_TERRITORIES_PER_EMAIL)
        )
        # The SAS's own regulators have no password here: they come from the SAS, always.
        return [
            await issue_link(session, clock, account, LinkPurpose.PASSWORD_RESET, None)
            for account in list(found)
            if not await sas_regulators.kept_by_sas(session, account)
        ]


async def set_password(db: Transactions, clock: Clock, secret: str, password: str) -> PasswordSet:
    """Spend a link on a new password; every session of the account ends.

    The policy is checked first, then the link is looked at (no hashing for a dead link), the
    password hashed on the hashing threads outside any transaction, and the link spent by a
    compare-and-swap in the transaction that sets the password: used twice at once, one wins."""
    check_password(password)
    secret_digest = digest(secret)
    async with db.read() as session:
        live = await session.scalar(
            select(AccountLink.id).where(
                AccountLink.digest == secret_digest,
                AccountLink.purpose.in_(PASSWORD_LINKS),
                AccountLink.used_at.is_(None),
                AccountLink.expires_at > clock.now(),
            )
        )
    if live is None:
        raise LinkNotValid()
    new_hash = await hash_password_off_loop(password)
    async with db.write() as session:
        now = clock.now()
        spent = (
            await session.execute(
                update(AccountLink)
                .where(
                    AccountLink.digest == secret_digest,
                    AccountLink.purpose.in_(PASSWORD_LINKS),
                    AccountLink.used_at.is_(None),
                    AccountLink.expires_at > now,
                )
                .values(used_at=now)
                .returning(AccountLink.account_id, AccountLink.purpose)
            )
        ).one_or_none()
        if spent is None:
            raise LinkNotValid()
        account_id, purpose = spent
        account = await session.get(Account, account_id)
        if account is None or account.disabled_at is not None:
            raise LinkNotValid()
        account.password_hash = new_hash
        revoked = await end_sessions_and_links(session, account.id, now)
        await session.flush()
        await append_event(
            session,
            clock,
            territory_id=account.territory_id or PLATFORM,
            type=EventType.ACCOUNT_PASSWORD_SET,
            actor=None,
            subject_id=account.id,
            payload=PasswordSetPayload(
                purpose=LinkPurpose(purpose).value,
                sessions_revoked=revoked,
            ),
        )
        slug = None
        if account.territory_id is not None:
            slug = await session.scalar(
                select(Territory.slug).where(Territory.id == account.territory_id)
            )
        return PasswordSet(account_id=account.id, email=account.email, territory_slug=slug)


async def add_account(
    session: AsyncSession, clock: Clock, actor: Actor, draft: AccountDraft
) -> tuple[Account, IssuedLink | None]:
    """An administrator adds a person: with a password they chose together, or, the usual
    way, without one and with an invitation to choose it."""
    account = await create_account(session, clock, actor, actor.territory_id, draft)
    if draft.password or draft.password_hash:
        return account, None
    return account, await issue_link(session, clock, account, LinkPurpose.INVITATION, actor)
