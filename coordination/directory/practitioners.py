"""Directory facts the SAS slot search publishes: practitioners found by national id, and
their practice places. Professionals and places only, never a patient."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.phones import department_of, international
from coordination.directory.professional import PracticeLocation, Professional
from coordination.directory.structure import Structure
from coordination.directory.territory import Territory

MAX_IDS = 25  # the SAS platform asks for at most 25 practitioners at once


@dataclass(frozen=True, slots=True)
class Practitioner:
    id: uuid.UUID
    given_name: str
    family_name: str
    specialty: str | None
    national_id: str  # IdNat_PS: "8" + RPPS, or "0" + ADELI
    phone: str | None = None  # their own, E.164: where a practice has none


@dataclass(frozen=True, slots=True)
class Place:
    id: uuid.UUID
    professional_id: uuid.UUID
    label: str
    address: str
    city: str
    postal_code: str
    structure_national_id: str | None  # IdNat_Struct: "1" + FINESS or "3" + SIRET
    phone: str | None = None  # E.164, as FHIR consumers want it
    department: str | None = None  # "78", "2A", "974": the commune's
    insee: str | None = None
    latitude: float | None = None  # the commune's centroid, where known
    longitude: float | None = None


def national_id(p: Professional) -> str | None:
    if p.rpps:
        return "8" + p.rpps
    if p.adeli:
        return "0" + p.adeli
    return None


def _practitioner(p: Professional) -> Practitioner:
    nid = national_id(p)
    assert nid is not None
    return Practitioner(p.id, p.given_name, p.family_name, p.specialty, nid, international(p.phone))


async def practitioners_by_national_id(
    session: AsyncSession, territory_id: uuid.UUID, ids: Collection[str]
) -> list[Practitioner]:
    """The territory's professionals among these IdNat_PS; unknown ids are simply absent."""
    named = _named(ids)
    if named is None:
        return []
    rows = await session.scalars(
        select(Professional).where(Professional.territory_id == territory_id, named)
    )
    return [_practitioner(p) for p in rows]


def _named(ids: Collection[str]) -> ColumnElement[bool] | None:
    """Professionals named by these IdNat_PS ("8" + RPPS, "0" + ADELI); None if none is one."""
    rpps = [i[1:] for i in ids if i.startswith("8") and len(i) == 12]
    adeli = [i[1:] for i in ids if i.startswith("0") and len(i) == 10]
    if not rpps and not adeli:
        return None
    return or_(Professional.rpps.in_(rpps), Professional.adeli.in_(adeli))


def _belongs() -> ColumnElement[bool]:
    """Member or partner of the CPTS, not merely listed in its directory (an import lists
    every practitioner of the area)."""
    return Professional.membership != Membership.NONE


async def other_cpts(session: AsyncSession, professional_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The other CPTS of the deployment this professional belongs to as well (a member or
    partner of the same RPPS, or ADELI where they have no RPPS), by name."""
    me = await session.get(Professional, professional_id)
    if me is None:
        return {}
    same = Professional.rpps == me.rpps if me.rpps else Professional.adeli == me.adeli
    rows = await session.execute(
        select(Territory.id, Territory.name)
        .join(Professional, Professional.territory_id == Territory.id)
        .where(same, _belongs(), Territory.id != me.territory_id)
        .order_by(Territory.name)
    )
    return {tid: name for tid, name in rows}


async def members_by_national_id(
    session: AsyncSession, territory_id: uuid.UUID, ids: Collection[str]
) -> set[str]:
    """Those of these IdNat_PS who belong to the territory's CPTS (`other_cpts`' rule)."""
    named = _named(ids)
    if named is None:
        return set()
    rows = await session.scalars(
        select(Professional).where(Professional.territory_id == territory_id, named, _belongs())
    )
    # The ids asked for that matched (an RPPS asked, or an ADELI asked of someone who has an
    # RPPS too), not each row's own preferred id.
    asked = set(ids)
    return {
        nid
        for p in rows
        for nid in (f"8{p.rpps}" if p.rpps else None, f"0{p.adeli}" if p.adeli else None)
        if nid in asked
    }


async def practitioners(
    session: AsyncSession, territory_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Practitioner]:
    rows = await session.scalars(
        select(Professional).where(
            Professional.territory_id == territory_id, Professional.id.in_(list(ids))
        )
    )
    return {p.id: _practitioner(p) for p in rows if national_id(p)}


async def places(
    session: AsyncSession, territory_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Place]:
    rows = await session.execute(
        select(
            PracticeLocation,
            Commune.name,
            Commune.postal_code,
            Structure.finess,
            Structure.siret,
            Commune.insee,
            Commune.latitude,
            Commune.longitude,
        )
        .join(Commune, Commune.id == PracticeLocation.commune_id)
        .outerjoin(Structure, Structure.id == PracticeLocation.structure_id)
        .where(PracticeLocation.territory_id == territory_id, PracticeLocation.id.in_(list(ids)))
    )
    out = {}
    for loc, city, postal, finess, siret, insee, latitude, longitude in rows:
        structure = "1" + finess if finess else ("3" + siret if siret else None)
        department = department_of(insee)
        out[loc.id] = Place(
            loc.id,
            loc.professional_id,
            loc.label,
            loc.address,
            city,
            postal,
            structure,
            international(loc.phone, department),
            department,
            insee,
            latitude,
            longitude,
        )
    return out


async def main_places(
    session: AsyncSession, territory_id: uuid.UUID, professional_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Place]:
    """Each professional's first practice place: where a video or home-visit slot, which has
    no place of its own, is said to be given from."""
    ids = (
        await session.execute(
            select(PracticeLocation.professional_id, PracticeLocation.id)
            .where(
                PracticeLocation.territory_id == territory_id,
                PracticeLocation.professional_id.in_(list(professional_ids)),
            )
            .order_by(PracticeLocation.professional_id, PracticeLocation.id)
        )
    ).all()
    first: dict[uuid.UUID, uuid.UUID] = {}
    for pid, lid in ids:
        first.setdefault(pid, lid)
    found = await places(session, territory_id, set(first.values()))
    return {pid: found[lid] for pid, lid in first.items() if lid in found}
