"""Directory look-ups other contexts ask for: which practices are near a commune, which
professionals practise a profession, how to reach them. Set-based, scoped to a territory."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account
from coordination.directory.commune import Commune
from coordination.directory.professional import PracticeLocation, Profession, Professional
from kernel.actor import Actor
from kernel.errors import Invalid

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): good to a few metres at a territory's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


MAX_RADIUS_KM = 100.0  # a distance search reaches this far at most (a territory's span)


async def communes_within(
    session: AsyncSession, actor: Actor, insee: str, within_km: float | None
) -> set[uuid.UUID]:
    """The commune itself, plus those whose centre lies within `within_km` of its centre."""
    communes = list(
        await session.scalars(select(Commune).where(Commune.territory_id == actor.territory_id))
    )
    centre = next((c for c in communes if c.insee == insee), None)
    if centre is None:
        raise Invalid(
            f"commune {insee} is not in this territory",
            code="commune_not_in_territory",
            params={"insee": insee},
            field="commune",
        )
    if not within_km:
        return {centre.id}
    if not 0 < within_km <= MAX_RADIUS_KM:
        raise Invalid(
            f"within_km is between 0 and {MAX_RADIUS_KM:g} km",
            code="directory_radius_range",
            params={"max_km": f"{MAX_RADIUS_KM:g}"},
            field="within_km",
        )
    if centre.latitude is None or centre.longitude is None:
        raise Invalid(
            "this commune has no coordinates for a distance search",
            code="commune_no_coordinates",
            field="within_km",
        )
    return {
        c.id
        for c in communes
        if c.latitude is not None
        and c.longitude is not None
        and distance_km(centre.latitude, centre.longitude, c.latitude, c.longitude) <= within_km
    }


async def location_ids_in(
    session: AsyncSession, actor: Actor, commune_ids: set[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(PracticeLocation.id).where(
            PracticeLocation.territory_id == actor.territory_id,
            PracticeLocation.commune_id.in_(commune_ids),
        )
    )
    return set(rows)


async def professional_ids_of(
    session: AsyncSession, actor: Actor, profession: Profession
) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(Professional.id).where(
            Professional.territory_id == actor.territory_id, Professional.profession == profession
        )
    )
    return set(rows)


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a professional: their name, and the e-mails of their active accounts."""

    name: str
    emails: tuple[str, ...]


async def contacts_of(
    session: AsyncSession, territory_id: uuid.UUID, professional_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Contact]:
    wanted = set(professional_ids)
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(
                Professional.id, Professional.given_name, Professional.family_name, Account.email
            )
            .outerjoin(
                Account,
                and_(Account.professional_id == Professional.id, Account.disabled_at.is_(None)),
            )
            .where(Professional.territory_id == territory_id, Professional.id.in_(wanted))
        )
    ).all()
    names: dict[uuid.UUID, str] = {}
    emails: dict[uuid.UUID, list[str]] = {}
    for pid, given, family, email in rows:
        names[pid] = f"{given} {family}"
        if email:
            emails.setdefault(pid, []).append(email)
    return {pid: Contact(name, tuple(emails.get(pid, ()))) for pid, name in names.items()}


async def professional_names(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Professional id → « given family » for each of `ids`, « — » for one not in the
    actor's territory."""
    wanted = list(ids)
    contacts = await contacts_of(session, actor.territory_id, wanted)
    return {i: contacts[i].name if i in contacts else "—" for i in wanted}
