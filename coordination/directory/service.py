"""Directory use cases: search and maintain professionals, structures and communes.

Every query is scoped to the actor's territory, so another territory's objects are simply absent
(404), never forbidden (403): their existence is not disclosed.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.professional import (
    PracticeLocation,
    Profession,
    Professional,
    search_key,
)
from coordination.directory.structure import Structure, StructureKind
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.identifiers import IdentifierError, check_adeli, check_finess, check_rpps, check_siret
from kernel.pagination import BadCursor, Page, keyset, page

MAX_PAGE = 200


class ProfessionalCreatedPayload(TypedDict):
    profession: str
    membership: str


class ProfessionalUpdatedPayload(TypedDict):
    fields: list[str]
    locations_added: int
    locations_removed: int


class CommunesAddedPayload(TypedDict):
    insee: list[str]


class StructureCreatedPayload(TypedDict):
    kind: str


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed(
            "only the coordinator or an administrator may change the directory",
            code="directory_staff_only",
        )


@dataclass(frozen=True, slots=True)
class LocationDraft:
    label: str
    address: str
    commune_insee: str
    structure_id: uuid.UUID | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ProfessionalDraft:
    family_name: str
    given_name: str
    profession: Profession
    specialty: str | None = None
    rpps: str | None = None
    adeli: str | None = None
    phone: str | None = None
    email: str | None = None
    membership: Membership = Membership.MEMBER
    locations: Sequence[LocationDraft] = ()


@dataclass(slots=True)
class Saved:
    """A saved professional and the soft warnings its identifiers raised."""

    professional: Professional
    warnings: list[str] = field(default_factory=list)


def _checked_ids(rpps: str | None, adeli: str | None) -> tuple[str | None, str | None, list[str]]:
    if not rpps and not adeli:
        raise Invalid(
            "an RPPS or an ADELI number is required", code="rpps_or_adeli_required", field="rpps"
        )
    warnings: list[str] = []
    try:
        rpps_value = None
        if rpps:
            checked = check_rpps(rpps)
            rpps_value, warnings = checked.value, list(checked.warnings)
    except IdentifierError as exc:
        raise Invalid.of(exc, field="rpps") from exc
    try:
        adeli_value = check_adeli(adeli).value if adeli else None
    except IdentifierError as exc:
        raise Invalid.of(exc, field="adeli") from exc
    return rpps_value, adeli_value, warnings


async def _commune_ids(
    session: AsyncSession, territory_id: uuid.UUID, insees: set[str]
) -> dict[str, uuid.UUID]:
    if not insees:
        return {}
    rows = await session.execute(
        select(Commune.insee, Commune.id).where(
            Commune.territory_id == territory_id, Commune.insee.in_(insees)
        )
    )
    return {insee: cid for insee, cid in rows}


async def _check_structures(
    session: AsyncSession, territory_id: uuid.UUID, ids: set[uuid.UUID]
) -> None:
    if not ids:
        return
    found = set(
        await session.scalars(
            select(Structure.id).where(
                Structure.territory_id == territory_id, Structure.id.in_(ids)
            )
        )
    )
    if found != ids:
        raise Invalid(
            "structure not found in this territory",
            code="structure_not_found",
            field="locations.structure_id",
        )


async def _build_locations(
    session: AsyncSession, territory_id: uuid.UUID, drafts: Sequence[LocationDraft]
) -> list[PracticeLocation]:
    communes = await _commune_ids(session, territory_id, {d.commune_insee for d in drafts})
    await _check_structures(
        session, territory_id, {d.structure_id for d in drafts if d.structure_id}
    )
    locations = []
    for d in drafts:
        if d.commune_insee not in communes:
            raise Invalid(
                f"commune {d.commune_insee} is not in this territory",
                code="commune_not_in_territory",
                params={"insee": d.commune_insee},
                field="locations.commune_insee",
            )
        locations.append(
            PracticeLocation(
                id=uuid.uuid4(),
                territory_id=territory_id,
                label=d.label,
                address=d.address,
                commune_id=communes[d.commune_insee],
                structure_id=d.structure_id,
                phone=d.phone,
            )
        )
    return locations


async def create_professional(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    draft: ProfessionalDraft,
) -> Saved:
    """Add a professional to the directory; `actor` None is the trusted operator path."""
    if actor is not None:
        require_staff(actor)
        territory_id = actor.territory_id
    for name, value in (("family_name", draft.family_name), ("given_name", draft.given_name)):
        if not value.strip():
            raise Invalid(f"{name} must not be empty", code="field_empty", field=name)
    rpps, adeli, warnings = _checked_ids(draft.rpps, draft.adeli)
    duplicate = await session.scalar(
        select(Professional.id).where(
            Professional.territory_id == territory_id,
            or_(
                and_(Professional.rpps.is_not(None), Professional.rpps == rpps),
                and_(Professional.adeli.is_not(None), Professional.adeli == adeli),
            ),
        )
    )
    if duplicate is not None:
        raise Conflict(
            "a professional with this RPPS or ADELI is already in the directory",
            code="professional_duplicate",
            field="rpps" if rpps else "adeli",
        )
    now = clock.now()
    professional = Professional(
        id=uuid.uuid4(),
        territory_id=territory_id,
        profession=draft.profession,
        specialty=draft.specialty,
        rpps=rpps,
        adeli=adeli,
        phone=draft.phone,
        email=draft.email,
        membership=draft.membership,
        created_at=now,
        updated_at=now,
        locations=await _build_locations(session, territory_id, draft.locations),
    )
    professional.set_names(draft.family_name.strip(), draft.given_name.strip())
    session.add(professional)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=territory_id,
        type=EventType.DIRECTORY_PROFESSIONAL_CREATED,
        actor=actor,
        subject_id=professional.id,
        payload=ProfessionalCreatedPayload(
            profession=professional.profession.value,
            membership=professional.membership,
        ),
    )
    return Saved(professional, warnings)


@dataclass(frozen=True, slots=True)
class ProfessionalPatch:
    """Fields to change; None leaves a field as it is."""

    phone: str | None = None
    email: str | None = None
    specialty: str | None = None
    membership: Membership | None = None
    add_locations: Sequence[LocationDraft] = ()
    remove_location_ids: Sequence[uuid.UUID] = ()


async def update_professional(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    professional_id: uuid.UUID,
    patch: ProfessionalPatch,
) -> Professional:
    require_staff(actor)
    professional = await get_professional(session, actor, professional_id)
    changed: list[str] = []
    for name in ("phone", "email", "specialty", "membership"):
        value = getattr(patch, name)
        if value is not None and value != getattr(professional, name):
            setattr(professional, name, value)
            changed.append(name)
    removed = set(patch.remove_location_ids)
    if removed:
        unknown = removed - {loc.id for loc in professional.locations}
        if unknown:
            raise Invalid(
                "location not found on this professional",
                code="location_not_found",
                field="remove_location_ids",
            )
        professional.locations = [loc for loc in professional.locations if loc.id not in removed]
    if patch.add_locations:
        professional.locations.extend(
            await _build_locations(session, actor.territory_id, patch.add_locations)
        )
    professional.updated_at = clock.now()
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.DIRECTORY_PROFESSIONAL_UPDATED,
        actor=actor,
        subject_id=professional.id,
        payload=ProfessionalUpdatedPayload(
            fields=changed,
            locations_added=len(patch.add_locations),
            locations_removed=len(removed),
        ),
    )
    return professional


async def get_professional(
    session: AsyncSession, actor: Actor, professional_id: uuid.UUID
) -> Professional:
    professional = await session.scalar(
        select(Professional)
        .options(selectinload(Professional.locations))
        .where(Professional.id == professional_id, Professional.territory_id == actor.territory_id)
    )
    if professional is None:
        raise NotFound("professional not found", code="professional_not_found")
    return professional


@dataclass(frozen=True, slots=True)
class ProfessionalQuery:
    text: str | None = None
    profession: Profession | None = None
    specialty: str | None = None
    commune_insee: str | None = None
    membership: Membership | None = None
    cursor: str | None = None
    limit: int = 50


async def search_professionals(
    session: AsyncSession, actor: Actor, query: ProfessionalQuery
) -> Page[Professional]:
    """Directory search, ordered by name, paged by a keyset cursor on (sort_key, id)."""
    limit = max(1, min(query.limit, MAX_PAGE))
    stmt = (
        select(Professional)
        .options(selectinload(Professional.locations))
        .where(Professional.territory_id == actor.territory_id)
    )
    if query.text:
        stmt = stmt.where(
            Professional.sort_key.contains(search_key(query.text.strip()), autoescape=True)
        )
    if query.profession:
        stmt = stmt.where(Professional.profession == query.profession)
    if query.specialty:
        stmt = stmt.where(Professional.specialty == query.specialty)
    if query.membership:
        stmt = stmt.where(Professional.membership == query.membership)
    if query.commune_insee:
        stmt = stmt.where(
            Professional.id.in_(
                select(PracticeLocation.professional_id)
                .join(Commune, Commune.id == PracticeLocation.commune_id)
                .where(
                    Commune.territory_id == actor.territory_id,
                    Commune.insee == query.commune_insee,
                )
            )
        )
    try:
        stmt = keyset(stmt, Professional.sort_key, Professional.id, query.cursor, limit=limit)
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda p: (p.sort_key, p.id))


async def list_communes(session: AsyncSession, actor: Actor) -> list[Commune]:
    return await territory_communes(session, actor.territory_id)


async def territory_communes(session: AsyncSession, territory_id: uuid.UUID) -> list[Commune]:
    """The territory's communes by name (what its forms offer, the public form's included)."""
    rows = await session.scalars(
        select(Commune).where(Commune.territory_id == territory_id).order_by(Commune.name)
    )
    return list(rows)


async def commune_names(
    session: AsyncSession, territory_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Commune]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Commune).where(Commune.territory_id == territory_id, Commune.id.in_(ids))
    )
    return {c.id: c for c in rows}


@dataclass(frozen=True, slots=True)
class CommuneDraft:
    insee: str
    name: str
    postal_code: str
    latitude: float | None = None
    longitude: float | None = None


async def add_communes(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    drafts: Sequence[CommuneDraft],
) -> list[Commune]:
    if actor is not None:
        require_staff(actor)
        territory_id = actor.territory_id
    existing = await _commune_ids(session, territory_id, {d.insee for d in drafts})
    communes = []
    for d in drafts:
        if d.insee in existing:
            raise Conflict(
                f"commune {d.insee} is already in the territory",
                code="commune_already_in_territory",
                params={"insee": d.insee},
                field="insee",
            )
        if not (len(d.insee) == 5 and (d.insee.isdigit() or d.insee[:2] in ("2A", "2B"))):
            raise Invalid(
                "INSEE code must be 5 characters",
                code="commune_insee_invalid",
                params={"insee": d.insee},
                field="insee",
            )
        communes.append(
            Commune(
                id=uuid.uuid4(),
                territory_id=territory_id,
                insee=d.insee,
                name=d.name,
                postal_code=d.postal_code,
                latitude=d.latitude,
                longitude=d.longitude,
            )
        )
    session.add_all(communes)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=territory_id,
        type=EventType.DIRECTORY_COMMUNES_ADDED,
        actor=actor,
        payload=CommunesAddedPayload(insee=[c.insee for c in communes]),
    )
    return communes


@dataclass(frozen=True, slots=True)
class StructureDraft:
    kind: StructureKind
    name: str
    commune_insee: str
    address: str
    finess: str | None = None
    siret: str | None = None
    membership: Membership = Membership.MEMBER


async def create_structure(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    draft: StructureDraft,
) -> tuple[Structure, list[str]]:
    if actor is not None:
        require_staff(actor)
        territory_id = actor.territory_id
    if not draft.finess and not draft.siret:
        raise Invalid(
            "a FINESS or a SIRET number is required",
            code="finess_or_siret_required",
            field="finess",
        )
    warnings: list[str] = []
    finess = siret = None
    try:
        if draft.finess:
            checked = check_finess(draft.finess)
            finess, warnings = checked.value, list(checked.warnings)
    except IdentifierError as exc:
        raise Invalid.of(exc, field="finess") from exc
    try:
        siret = check_siret(draft.siret).value if draft.siret else None
    except IdentifierError as exc:
        raise Invalid.of(exc, field="siret") from exc
    communes = await _commune_ids(session, territory_id, {draft.commune_insee})
    if draft.commune_insee not in communes:
        raise Invalid(
            f"commune {draft.commune_insee} is not in this territory",
            code="commune_not_in_territory",
            params={"insee": draft.commune_insee},
            field="commune_insee",
        )
    clash = await session.scalar(
        select(Structure.id).where(
            Structure.territory_id == territory_id,
            or_(
                and_(Structure.finess.is_not(None), Structure.finess == finess),
                and_(Structure.siret.is_not(None), Structure.siret == siret),
            ),
        )
    )
    if clash is not None:
        raise Conflict(
            "a structure with this FINESS or SIRET exists",
            code="structure_duplicate",
            field="finess",
        )
    structure = Structure(
        id=uuid.uuid4(),
        territory_id=territory_id,
        kind=draft.kind,
        name=draft.name,
        finess=finess,
        siret=siret,
        commune_id=communes[draft.commune_insee],
        address=draft.address,
        membership=draft.membership,
    )
    session.add(structure)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=territory_id,
        type=EventType.DIRECTORY_STRUCTURE_CREATED,
        actor=actor,
        subject_id=structure.id,
        payload=StructureCreatedPayload(kind=structure.kind.value),
    )
    return structure, warnings


async def list_structures(
    session: AsyncSession, actor: Actor, kind: StructureKind | None = None
) -> list[Structure]:
    stmt = select(Structure).where(Structure.territory_id == actor.territory_id)
    if kind:
        stmt = stmt.where(Structure.kind == kind)
    return list(await session.scalars(stmt.order_by(Structure.name)))


async def professionals_by_id(
    session: AsyncSession, actor: Actor, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Professional]:
    """The professionals of the actor's territory among `ids`, with their locations."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(Professional).where(
            Professional.territory_id == actor.territory_id, Professional.id.in_(list(ids))
        )
    )
    return {p.id: p for p in rows}


async def professionals_by_national_id(
    session: AsyncSession, territory_id: uuid.UUID
) -> dict[str, Professional]:
    """The territory's professionals by RPPS (else ADELI), with their places."""
    rows = await session.scalars(
        select(Professional)
        .options(selectinload(Professional.locations))
        .where(Professional.territory_id == territory_id)
    )
    return {(p.rpps or p.adeli or ""): p for p in rows}
