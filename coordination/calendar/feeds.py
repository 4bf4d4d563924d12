"""Create, list, revoke and resolve calendar feed URLs.

The secret is shown once, at creation; only its digest is stored. A revoked URL answers 410
so that a calendar app stops polling it, an unknown one 404.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account, AccountRole
from coordination.accounts.token import digest
from coordination.calendar.feed import FEED_PREFIX, CalendarFeed, FeedScope
from coordination.directory.territory import Territory
from kernel.actor import Actor, Role
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Conflict, Gone, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import EventCounter, append_event

MAX_LIVE_FEEDS = 20


@dataclass(frozen=True, slots=True)
class FeedDraft:
    name: str
    scope: FeedScope = FeedScope.PROFESSIONAL
    include_free_slots: bool = False
    patient_initials: bool = False


@dataclass(frozen=True, slots=True)
class IssuedFeed:
    feed: CalendarFeed
    secret: str  # shown once: the URL's last path segment


@dataclass(frozen=True, slots=True)
class FeedAccess:
    """What serving a feed needs, read in one round trip: the feed, the zone and name of its
    territory, and the territory's last event sequence (every change of anything a feed
    shows writes an event, so an unchanged sequence means an unchanged feed)."""

    feed: CalendarFeed
    territory_name: str
    timezone: str
    last_seq: int


def new_feed_secret() -> str:
    return FEED_PREFIX + secrets.token_urlsafe(32)


class CalendarFeedPayload(TypedDict):
    """The payload of every calendar-feed event (never the secret URL)."""

    feed_id: str
    account_id: str
    scope: str
    professional_id: str | None


def _payload(feed: CalendarFeed) -> CalendarFeedPayload:
    return {
        "feed_id": str(feed.id),
        "account_id": str(feed.account_id),
        "scope": feed.scope.value,
        "professional_id": str(feed.professional_id) if feed.professional_id else None,
    }


async def create_feed(
    session: AsyncSession, clock: Clock, actor: Actor, draft: FeedDraft
) -> IssuedFeed:
    name = draft.name.strip()
    if not name:
        raise Invalid("name must not be empty", code="field_empty", field="name")
    if draft.scope is FeedScope.PROFESSIONAL and actor.professional_id is None:
        raise NotAllowed(
            "only an account linked to a professional has an agenda feed",
            code="feed_professional_only",
        )
    if draft.scope is FeedScope.POOL:
        if not actor.is_staff:
            raise NotAllowed(
                "the pool feed is for coordinators and admins", code="feed_pool_staff_only"
            )
        if draft.patient_initials:
            raise Invalid(
                "the pool feed never shows patients",
                code="feed_pool_no_patients",
                field="patient_initials",
            )
    live = await session.scalar(
        select(CalendarFeed.id)
        .where(CalendarFeed.account_id == actor.account_id, CalendarFeed.revoked_at.is_(None))
        .offset(MAX_LIVE_FEEDS - 1)
        .limit(1)
    )
    if live is not None:
        raise Conflict(
            f"at most {MAX_LIVE_FEEDS} live feeds per account: revoke one first",
            code="feed_limit",
            params={"max": MAX_LIVE_FEEDS},
        )
    secret = new_feed_secret()
    now = clock.now()
    feed = CalendarFeed(
        id=uuid.uuid4(),
        territory_id=actor.territory_id,
        account_id=actor.account_id,
        professional_id=actor.professional_id if draft.scope is FeedScope.PROFESSIONAL else None,
        scope=draft.scope,
        name=name,
        digest=digest(secret),
        include_free_slots=draft.include_free_slots,
        patient_initials=draft.patient_initials,
        created_at=now,
    )
    session.add(feed)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.CALENDAR_FEED_CREATED,
        actor=actor,
        subject_id=feed.id,
        payload=_payload(feed),
    )
    return IssuedFeed(feed, secret)


async def list_feeds(session: AsyncSession, actor: Actor) -> list[CalendarFeed]:
    rows = await session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.account_id == actor.account_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at, CalendarFeed.id)
    )
    return list(rows)


async def revoke_feed(
    session: AsyncSession, clock: Clock, actor: Actor, feed_id: uuid.UUID
) -> CalendarFeed:
    revoked: CalendarFeed | None = await session.scalar(
        update(CalendarFeed)
        .where(
            CalendarFeed.id == feed_id,
            CalendarFeed.account_id == actor.account_id,
            CalendarFeed.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
        .returning(CalendarFeed)
    )
    if revoked is None:
        raise NotFound("feed not found", code="feed_not_found")
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.CALENDAR_FEED_REVOKED,
        actor=actor,
        subject_id=revoked.id,
        payload=_payload(revoked),
    )
    return revoked


async def resolve_feed(session: AsyncSession, secret: str, now: datetime) -> FeedAccess:
    """The feed behind a URL secret; Gone once revoked or its account disabled."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > 100:
        raise NotFound("feed not found", code="feed_not_found")
    row = (
        await session.execute(
            select(
                CalendarFeed,
                Account.disabled_at,
                Account.professional_id,
                select(AccountRole.role)
                .where(
                    AccountRole.account_id == CalendarFeed.account_id,
                    AccountRole.role.in_([Role.COORDINATOR, Role.ADMIN]),
                )
                .limit(1)
                .scalar_subquery(),
                Territory.name,
                Territory.timezone,
                EventCounter.last_seq,
            )
            .join(Account, Account.id == CalendarFeed.account_id)
            .join(Territory, Territory.id == CalendarFeed.territory_id)
            .join(EventCounter, EventCounter.territory_id == CalendarFeed.territory_id)
            .where(CalendarFeed.digest == digest(secret))
        )
    ).one_or_none()
    if row is None:
        raise NotFound("feed not found", code="feed_not_found")
    (
        feed,
        disabled_at,
        professional_id,
        staff_role,
        territory_name,
        timezone,
        last_seq,
    ) = row
    lapsed = (
        # The account was disabled, lost its staff role, or was relinked to someone else.
        (disabled_at is not None and disabled_at <= now)
        or (feed.scope is FeedScope.POOL and staff_role is None)
        or (feed.scope is FeedScope.PROFESSIONAL and professional_id != feed.professional_id)
    )
    if feed.revoked_at is not None or lapsed:
        raise Gone("this feed was revoked: create a new one in your account", code="feed_revoked")
    return FeedAccess(feed, territory_name, timezone, int(last_seq))


async def rotate_feed(
    session: AsyncSession, clock: Clock, actor: Actor, feed_id: uuid.UUID
) -> IssuedFeed:
    """A new URL with the same settings; the old one is revoked (410) in the same transaction."""
    old = await revoke_feed(session, clock, actor, feed_id)
    return await create_feed(
        session,
        clock,
        actor,
        FeedDraft(
            name=old.name,
            scope=old.scope,
            include_free_slots=old.include_free_slots,
            patient_initials=old.patient_initials,
        ),
    )


async def record_feed_reads(
    session: AsyncSession,
    clock: Clock,
    access: FeedAccess,
    patient_reads: Iterable[tuple[str, uuid.UUID, uuid.UUID]],
) -> None:
    """The owner opted in to initials: each body sent is a read of those patients' data by
    the feed's owner. `patient_reads`: (subject type, subject id, patient id) of the body."""
    reader = Actor(
        account_id=access.feed.account_id,
        territory_id=access.feed.territory_id,
        timezone=access.timezone,
    )
    by_subject: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    for subject, subject_id, patient_id in patient_reads:
        by_subject.setdefault(subject, []).append((subject_id, patient_id))
    for subject, reads in by_subject.items():
        await record_reads(session, clock, reader, subject, reads, "calendar_feed")
