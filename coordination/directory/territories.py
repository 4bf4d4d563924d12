"""Creating a territory: the tenant row, its event counter, and its first event, atomically."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import Commune
from coordination.directory.phones import department_of, international
from coordination.directory.territory import DEFAULT_TIMEZONE, Territory
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotFound
from kernel.event_types import EventType
from kernel.events import EventCounter, append_event
from kernel.identifiers import IdentifierError, check_finess


@dataclass(frozen=True, slots=True)
class TerritoryDraft:
    slug: str
    name: str
    finess: str
    population: int
    timezone: str = DEFAULT_TIMEZONE
    phone: str | None = None  # the CPTS's coordination line


class TerritoryCreatedPayload(TypedDict):
    slug: str
    name: str


def check_timezone(name: str) -> str:
    """An IANA zone name, refused if unknown (UTC offsets like "+02:00" cannot follow DST)."""
    if name not in available_timezones():
        raise Invalid(f"unknown IANA time zone: {name!r}", field="timezone")
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise Invalid(f"unknown IANA time zone: {name!r}", field="timezone") from exc
    return name


async def create_territory(session: AsyncSession, clock: Clock, draft: TerritoryDraft) -> Territory:
    try:
        finess = check_finess(draft.finess).value
    except IdentifierError as exc:
        raise Invalid(str(exc), field="finess") from exc
    if draft.population < 0:
        raise Invalid("population cannot be negative", field="population")
    if draft.phone and international(draft.phone) is None:
        raise Invalid("not a phone number", field="phone")
    if await session.scalar(select(Territory.id).where(Territory.slug == draft.slug)):
        raise Conflict("a territory with this slug exists", field="slug")
    territory = Territory(
        id=uuid.uuid4(),
        slug=draft.slug,
        name=draft.name,
        finess=finess,
        population=draft.population,
        timezone=check_timezone(draft.timezone),
        phone=draft.phone or None,
        created_at=clock.now(),
    )
    session.add(territory)
    await session.flush()
    session.add(EventCounter(territory_id=territory.id, last_seq=0))
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=territory.id,
        type=EventType.TERRITORY_CREATED,
        actor=None,
        subject_id=territory.id,
        payload=TerritoryCreatedPayload(slug=territory.slug, name=territory.name),
    )
    return territory


async def get_territory(session: AsyncSession, actor: Actor) -> Territory:
    territory = await session.get(Territory, actor.territory_id)
    if territory is None:
        raise NotFound("territory not found")
    return territory


async def find_territory(session: AsyncSession, slug: str) -> Territory | None:
    return await session.scalar(select(Territory).where(Territory.slug == slug))


async def all_territories(session: AsyncSession) -> list[Territory]:
    """Every territory of the deployment, by slug: for publications open to all."""
    return list(await session.scalars(select(Territory).order_by(Territory.slug)))


async def departments(session: AsyncSession, territory_id: uuid.UUID) -> list[str]:
    """The departments the territory's communes lie in ("78", "974"), sorted."""
    insee = await session.scalars(
        select(Commune.insee).where(Commune.territory_id == territory_id).distinct()
    )
    return sorted({department_of(code) for code in insee})


async def timezone_of(session: AsyncSession, territory_id: uuid.UUID) -> str:
    """The territory's IANA zone (for jobs that act for a territory without an actor)."""
    zone = await session.scalar(select(Territory.timezone).where(Territory.id == territory_id))
    return zone or DEFAULT_TIMEZONE
