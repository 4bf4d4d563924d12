"""The terms of use a SAS regulator accepts at their first login.

A first login is held: instead of a session, Pro Santé Connect's callback gets a single-use
link (15 minutes, its digest kept) that the terms page spends, by compare-and-swap, once the
person accepts; only then is the session issued. The acceptance is dated on the account and
written as an event naming the version accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account
from coordination.accounts.links import AccountLink, LinkPurpose
from coordination.accounts.onboarding import LinkNotValid, issue_link
from coordination.accounts.service import IssuedToken, issue_session
from coordination.accounts.token import digest
from kernel.actor import PLATFORM
from kernel.clock import Clock
from kernel.event_types import EventType
from kernel.events import append_event

TERMS_VERSION = "2026-12"  # the text of server/web/templates/terms.html: a new one is asked again


class TermsAcceptedPayload(TypedDict):
    version: str


@dataclass(frozen=True, slots=True)
class TermsPending:
    """A login held until the terms are accepted: the secret the terms page spends."""

    secret: str


async def hold_for_terms(session: AsyncSession, clock: Clock, account: Account) -> TermsPending:
    link = await issue_link(session, clock, account, LinkPurpose.TERMS, None)
    return TermsPending(link.secret)


async def accept_terms(session: AsyncSession, clock: Clock, secret: str) -> IssuedToken:
    """The person accepted the terms: the held login's link is spent (once) and the session
    issued."""
    now = clock.now()
    spent = await session.scalar(
        update(AccountLink)
        .where(
            AccountLink.digest == digest(secret),
            AccountLink.purpose == LinkPurpose.TERMS,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountLink.account_id)
    )
    account = await session.get(Account, spent) if spent is not None else None
    if account is None or account.disabled_at is not None:
        raise LinkNotValid()
    account.terms_accepted_at = now
    account.terms_version = TERMS_VERSION
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=account.territory_id or PLATFORM,
        type=EventType.ACCOUNT_TERMS_ACCEPTED,
        actor=None,
        subject_id=account.id,
        payload=TermsAcceptedPayload(version=TERMS_VERSION),
    )
    return await issue_session(session, clock, account, "psc")
