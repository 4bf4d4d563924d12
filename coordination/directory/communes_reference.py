"""The national commune reference: refreshed from open data, drawn on to make territories.

The operator imports INSEE's code officiel géographique (code, name, department, population,
postal code) with a point per commune (`cpts communes import`, integrations/cog); a territory
is then made of INSEE codes, and its communes come with their coordinates, so that the slot
search by distance works in any region, overseas included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import Commune, CommuneReference
from kernel.actor import PLATFORM
from kernel.clock import Clock
from kernel.errors import Invalid
from kernel.event_types import EventType
from kernel.events import append_event

BATCH = 1000  # rows per statement of the refresh


@dataclass(frozen=True, slots=True)
class ReferenceCommune:
    insee: str
    name: str
    department: str
    population: int | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class RefreshCounts:
    added: int
    changed: int
    unchanged: int
    territory_points_filled: int


class CommunesLocatedPayload(TypedDict):
    communes: int


class ReferenceRefreshedPayload(TypedDict):
    added: int
    changed: int
    unchanged: int
    territory_points_filled: int


_FIELDS = ("name", "department", "population", "postal_code", "latitude", "longitude")


def _same(row: CommuneReference, new: ReferenceCommune) -> bool:
    return all(getattr(row, f) == getattr(new, f) for f in _FIELDS)


def is_insee_code(code: str) -> bool:
    """Five characters: digits, or 2A/2B and three digits in Corsica."""
    return len(code) == 5 and (code.isdigit() or (code[:2] in ("2A", "2B") and code[2:].isdigit()))


async def refresh_reference(
    session: AsyncSession, clock: Clock, communes: Iterable[ReferenceCommune]
) -> RefreshCounts:
    """Add and update the reference from a full national list (idempotent). Communes a new
    list no longer has (merged) stay: territories and old records may still name them.

    Territory communes without coordinates get the reference's point."""
    now = clock.now()
    existing = {r.insee: r for r in await session.scalars(select(CommuneReference))}
    added: list[dict[str, object]] = []
    changed = unchanged = 0
    seen: set[str] = set()
    for c in communes:
        if not is_insee_code(c.insee):
            raise Invalid(
                f"not an INSEE commune code: {c.insee!r}",
                code="commune_insee_invalid",
                params={"insee": c.insee},
                field="insee",
            )
        if c.insee in seen:
            continue
        seen.add(c.insee)
        row = existing.get(c.insee)
        if row is None:
            added.append(
                {"insee": c.insee, "updated_at": now, **{f: getattr(c, f) for f in _FIELDS}}
            )
            if len(added) >= BATCH:
                await session.execute(insert(CommuneReference), added)
                added = []
        elif _same(row, c):
            unchanged += 1
        else:
            for f in _FIELDS:
                setattr(row, f, getattr(c, f))
            row.updated_at = now
            changed += 1
    total_added = len(seen) - changed - unchanged
    if added:
        await session.execute(insert(CommuneReference), added)
    await session.flush()
    points = select(CommuneReference.latitude, CommuneReference.longitude).where(
        CommuneReference.insee == Commune.insee
    )
    located = await session.execute(
        update(Commune)
        .where(
            Commune.latitude.is_(None),
            select(CommuneReference.insee)
            .where(
                CommuneReference.insee == Commune.insee,
                CommuneReference.latitude.is_not(None),
            )
            .exists(),
        )
        .values(
            latitude=points.with_only_columns(CommuneReference.latitude).scalar_subquery(),
            longitude=points.with_only_columns(CommuneReference.longitude).scalar_subquery(),
        )
        .returning(Commune.territory_id)
        .execution_options(synchronize_session=False)
    )
    by_territory = Counter(located.scalars())
    for territory_id, count in sorted(by_territory.items()):
        await append_event(
            session,
            clock,
            territory_id=territory_id,
            type=EventType.DIRECTORY_COMMUNES_LOCATED,
            actor=None,
            payload=CommunesLocatedPayload(communes=count),
        )
    counts = RefreshCounts(
        added=total_added,
        changed=changed,
        unchanged=unchanged,
        territory_points_filled=sum(by_territory.values()),
    )
    await append_event(
        session,
        clock,
        territory_id=PLATFORM,
        type=EventType.COMMUNE_REFERENCE_REFRESHED,
        actor=None,
        payload=ReferenceRefreshedPayload(
            added=counts.added,
            changed=counts.changed,
            unchanged=counts.unchanged,
            territory_points_filled=counts.territory_points_filled,
        ),
    )
    return counts


async def reference_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(CommuneReference)) or 0)


async def reference_communes(session: AsyncSession, codes: Sequence[str]) -> list[CommuneReference]:
    """The reference rows of these INSEE codes, in the order given; an unknown code is refused
    (import the reference first, or the code is not a commune's)."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes))
    for code in wanted:
        if not is_insee_code(code):
            raise Invalid(
                f"not an INSEE commune code: {code!r}",
                code="commune_insee_invalid",
                params={"insee": code},
                field="communes",
            )
    found = {
        r.insee: r
        for r in await session.scalars(
            select(CommuneReference).where(CommuneReference.insee.in_(wanted))
        )
    }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise Invalid(
            "communes not in the national reference (run `cpts communes import`): "
            + ", ".join(missing[:20]),
            code="commune_unknown",
            params={"unknown": missing[:200]},
            field="communes",
        )
    return [found[c] for c in wanted]


async def department_communes(session: AsyncSession, departments: Sequence[str]) -> list[str]:
    """The INSEE codes of every commune of these departments ("974", "2A"), by code."""
    wanted = [d.strip().upper() for d in departments if d.strip()]
    for department in wanted:
        if not (department.isdigit() and len(department) in (2, 3)) and department not in (
            "2A",
            "2B",
        ):
            raise Invalid(
                f"not a department code: {department!r}",
                code="department_code_invalid",
                params={"department": department},
                field="departments",
            )
    if not wanted:
        return []
    rows = await session.scalars(
        select(CommuneReference.insee)
        .where(CommuneReference.department.in_(wanted))
        .order_by(CommuneReference.insee)
    )
    return list(rows)
