"""Territories: the platform operator creates and configures them (the tenant row, its event
counter, its communes from the national reference, its first administrator), atomically."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account, normalise_email
from coordination.accounts.links import LinkPurpose
from coordination.accounts.onboarding import IssuedLink, issue_link
from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.commune import Commune
from coordination.directory.communes_reference import department_communes, reference_communes
from coordination.directory.phones import department_of, international
from coordination.directory.service import CommunesAddedPayload
from coordination.directory.territory import DEFAULT_TIMEZONE, Territory
from coordination.referrals.working_days import SUBDIVISIONS
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.database import Base
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import EventCounter, append_event
from kernel.identifiers import IdentifierError, check_finess

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_COMMUNES = 2000  # a CPTS spans 30-300k inhabitants: a few hundred communes at most


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    """The territory's first administrator, invited by e-mail to set a password."""

    email: str
    display_name: str


@dataclass(frozen=True, slots=True)
class TerritoryDraft:
    slug: str
    name: str
    finess: str
    population: int
    timezone: str = DEFAULT_TIMEZONE
    phone: str | None = None  # the CPTS's coordination line
    aci_size: int | None = None  # as the ACI contract states it; None: from the population
    holiday_subdivision: str | None = None  # None: what the time zone implies
    communes: Sequence[str] = ()  # INSEE codes, from the national reference
    departments: Sequence[str] = ()  # and every commune of these ("974": all of La Réunion)
    first_admin: FirstAdmin | None = None


@dataclass(frozen=True, slots=True)
class TerritoryPatch:
    """What an operator changes; None keeps a field. `aci_size` 0 goes back to the size of
    the population, an empty `holiday_subdivision` or `phone` removes it."""

    name: str | None = None
    population: int | None = None
    timezone: str | None = None
    phone: str | None = None
    aci_size: int | None = None
    holiday_subdivision: str | None = None
    add_communes: Sequence[str] = ()
    add_departments: Sequence[str] = ()
    first_admin: FirstAdmin | None = None


@dataclass(frozen=True, slots=True)
class TerritoryChange:
    """A territory created or updated, the communes it gained, the invitation it sent."""

    territory: Territory
    communes_added: list[str]
    invitation: IssuedLink | None = None


class TerritoryCreatedPayload(TypedDict):
    slug: str
    name: str


class TerritoryUpdatedPayload(TypedDict):
    fields: list[str]
    communes_added: int


def require_operator(actor: Actor | None) -> None:
    """Territories are the platform's: its operators (or the CLI, `actor` None) make them."""
    if actor is not None and not actor.is_operator:
        raise NotAllowed(
            "only the platform's operator creates and configures territories",
            code="territory_operator_only",
        )


def check_timezone(name: str) -> str:
    """An IANA zone name, refused if unknown (UTC offsets like "+02:00" cannot follow DST)."""
    if name not in available_timezones():
        raise Invalid(
            f"unknown IANA time zone: {name!r}",
            code="timezone_unknown",
            params={"zone": name},
            field="timezone",
        )
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise Invalid(
            f"unknown IANA time zone: {name!r}",
            code="timezone_unknown",
            params={"zone": name},
            field="timezone",
        ) from exc
    return name


def _check_population(population: int) -> int:
    if population < 0:
        raise Invalid(
            "population cannot be negative", code="population_negative", field="population"
        )
    return population


def _check_aci_size(size: int | None) -> int | None:
    if size is not None and not 1 <= size <= 4:
        raise Invalid("the ACI size class is 1 to 4", code="aci_size_range", field="aci_size")
    return size


def _check_subdivision(code: str | None) -> str | None:
    if code and code not in SUBDIVISIONS:
        raise Invalid(
            "holiday_subdivision is one of " + ", ".join(SUBDIVISIONS),
            code="holiday_subdivision_unknown",
            field="holiday_subdivision",
        )
    return code or None


def _check_phone(phone: str | None) -> str | None:
    if phone and international(phone) is None:
        raise Invalid("not a phone number", code="territory_phone_invalid", field="phone")
    return phone or None


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise Invalid(
            "a territory's name is 1 to 200 characters",
            code="territory_name_length",
            field="name",
        )
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise Invalid(
            "a territory's name has no control characters",
            code="territory_name_control_characters",
            field="name",
        )
    return name.strip()


async def _add_reference_communes(
    session: AsyncSession,
    territory_id: uuid.UUID,
    codes: Sequence[str],
    departments: Sequence[str] = (),
) -> list[str]:
    """Copy these communes (and those of these departments) from the national reference into
    the territory (those it lacks)."""
    codes = [*codes, *await department_communes(session, departments)]
    if len(codes) > MAX_COMMUNES:
        raise Invalid(
            f"at most {MAX_COMMUNES} communes at once",
            code="communes_max",
            params={"max": MAX_COMMUNES},
            field="communes",
        )
    references = await reference_communes(session, codes)
    have = set(
        await session.scalars(select(Commune.insee).where(Commune.territory_id == territory_id))
    )
    new = [r for r in references if r.insee not in have]
    session.add_all(
        Commune(
            id=uuid.uuid4(),
            territory_id=territory_id,
            insee=r.insee,
            name=r.name,
            postal_code=r.postal_code or "",
            latitude=r.latitude,
            longitude=r.longitude,
        )
        for r in new
    )
    await session.flush()
    return [r.insee for r in new]


async def _invite_first_admin(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory: Territory,
    admin: FirstAdmin,
) -> IssuedLink:
    """Invite the territory's administrator: a new account, or, for the e-mail of an
    administrator already invited (whose e-mail went astray or whose link expired), again."""
    existing = await session.scalar(
        select(Account).where(
            Account.territory_id == territory.id, Account.email == normalise_email(admin.email)
        )
    )
    if existing is not None:
        if Role.ADMIN not in existing.roles:
            raise Conflict(
                "this e-mail has an account in the territory that is no administrator's",
                code="first_admin_email_taken",
                field="first_admin.email",
            )
        return await issue_link(session, clock, existing, LinkPurpose.INVITATION, actor)
    account = await create_account(
        session,
        clock,
        None,
        territory.id,
        AccountDraft(
            email=admin.email,
            display_name=admin.display_name,
            roles=frozenset({Role.ADMIN, Role.COORDINATOR}),
        ),
        by=actor,
    )
    return await issue_link(session, clock, account, LinkPurpose.INVITATION, actor)


async def _finish(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory: Territory,
    added: list[str],
    first_admin: FirstAdmin | None,
) -> TerritoryChange:
    """The communes' event and the first admin's invitation, of a creation or an update."""
    if added:
        await append_event(
            session,
            clock,
            territory_id=territory.id,
            type=EventType.DIRECTORY_COMMUNES_ADDED,
            actor=actor,
            payload=CommunesAddedPayload(insee=added),
        )
    invitation = None
    if first_admin is not None:
        invitation = await _invite_first_admin(session, clock, actor, territory, first_admin)
    return TerritoryChange(territory, added, invitation)


async def create_territory(
    session: AsyncSession, clock: Clock, draft: TerritoryDraft, actor: Actor | None = None
) -> Territory:
    """The territory alone (its communes and first admin too, when the draft names them)."""
    return (await onboard_territory(session, clock, actor, draft)).territory


async def onboard_territory(
    session: AsyncSession, clock: Clock, actor: Actor | None, draft: TerritoryDraft
) -> TerritoryChange:
    """Create a territory with its communes from the national reference and invite its
    first administrator, in one transaction; `actor` None is the trusted CLI path."""
    require_operator(actor)
    if not SLUG.fullmatch(draft.slug):
        raise Invalid(
            "a slug is 1 to 64 lower-case letters, digits and inner hyphens",
            code="territory_slug_invalid",
            field="slug",
        )
    try:
        finess = check_finess(draft.finess).value
    except IdentifierError as exc:
        raise Invalid.of(exc, field="finess") from exc
    if await session.scalar(select(Territory.id).where(Territory.slug == draft.slug)):
        raise Conflict(
            "a territory with this slug exists", code="territory_slug_taken", field="slug"
        )
    if await session.scalar(select(Territory.id).where(Territory.finess == finess)):
        raise Conflict(
            "a territory with this FINESS exists", code="territory_finess_taken", field="finess"
        )
    territory = Territory(
        id=uuid.uuid4(),
        slug=draft.slug,
        name=_check_name(draft.name),
        finess=finess,
        population=_check_population(draft.population),
        timezone=check_timezone(draft.timezone),
        phone=_check_phone(draft.phone),
        declared_aci_size=_check_aci_size(draft.aci_size),
        holiday_subdivision=_check_subdivision(draft.holiday_subdivision),
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
        actor=actor,
        subject_id=territory.id,
        payload=TerritoryCreatedPayload(slug=territory.slug, name=territory.name),
    )
    added = await _add_reference_communes(session, territory.id, draft.communes, draft.departments)
    return await _finish(session, clock, actor, territory, added, draft.first_admin)


async def update_territory(
    session: AsyncSession, clock: Clock, actor: Actor | None, slug: str, patch: TerritoryPatch
) -> TerritoryChange:
    require_operator(actor)
    territory = await find_territory(session, slug)
    if territory is None:
        raise NotFound("territory not found", code="territory_not_found")
    changed: list[str] = []

    def put(name: str, value: object) -> None:
        if getattr(territory, name) != value:
            setattr(territory, name, value)
            changed.append(name)

    if patch.name is not None:
        put("name", _check_name(patch.name))
    if patch.population is not None:
        put("population", _check_population(patch.population))
    if patch.phone is not None:
        put("phone", _check_phone(patch.phone))
    if patch.aci_size is not None:
        put("declared_aci_size", _check_aci_size(patch.aci_size or None))
    if patch.holiday_subdivision is not None:
        put("holiday_subdivision", _check_subdivision(patch.holiday_subdivision))
    if patch.timezone is not None and patch.timezone != territory.timezone:
        check_timezone(patch.timezone)
        slots = Base.metadata.tables["slots"]  # scheduling's, by name: agendas are local time
        if await session.scalar(
            select(slots.c.id).where(slots.c.territory_id == territory.id).limit(1)
        ):
            raise Conflict(
                "the territory's agendas are published in its time zone: it cannot change now",
                code="territory_timezone_locked",
                field="timezone",
            )
        put("timezone", patch.timezone)
    await session.flush()
    added = await _add_reference_communes(
        session, territory.id, patch.add_communes, patch.add_departments
    )
    await append_event(
        session,
        clock,
        territory_id=territory.id,
        type=EventType.TERRITORY_UPDATED,
        actor=actor,
        subject_id=territory.id,
        payload=TerritoryUpdatedPayload(fields=changed, communes_added=len(added)),
    )
    return await _finish(session, clock, actor, territory, added, patch.first_admin)


async def list_territories(session: AsyncSession, actor: Actor | None) -> list[Territory]:
    """Every territory of the deployment, for its operator."""
    require_operator(actor)
    return await all_territories(session)


async def get_territory(session: AsyncSession, actor: Actor) -> Territory:
    territory = await session.get(Territory, actor.territory_id)
    if territory is None:
        raise NotFound("territory not found", code="territory_not_found")
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


async def commune_codes(session: AsyncSession, territory_id: uuid.UUID) -> set[str]:
    """The INSEE codes of the territory's communes (what a directory import keeps)."""
    return set(
        await session.scalars(select(Commune.insee).where(Commune.territory_id == territory_id))
    )


async def postal_code_communes(session: AsyncSession, territory_id: uuid.UUID) -> dict[str, str]:
    """Postal code → INSEE code, for the postal codes of one commune only of the territory."""
    rows = (
        await session.execute(
            select(Commune.postal_code, Commune.insee).where(Commune.territory_id == territory_id)
        )
    ).all()
    seen: dict[str, set[str]] = {}
    for postal, insee in rows:
        seen.setdefault(postal, set()).add(insee)
    return {postal: next(iter(codes)) for postal, codes in seen.items() if len(codes) == 1}
