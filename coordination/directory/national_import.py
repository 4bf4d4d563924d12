"""The territory's professionals, imported and refreshed from the national directory (RPPS).

An import is idempotent: a professional is found again by RPPS (or ADELI), a place by the
national key of its activity, so a second run of the same file changes nothing. What the
CPTS did locally stays: its memberships, the places it typed in, and every field a
coordinator changed since the last import (each professional keeps the national values it was
last given, `Professional.national`; a field still equal to them follows the directory, one
that differs was edited here and is kept). Professionals the directory no longer lists in the
territory are marked gone, not deleted: bookings and referrals still name them.

The readers (integrations/annuaire) turn the ANS extraction or its FHIR API into
`NationalActivity` rows; `plan_import` compares them with the directory without writing, and
`import_directory` applies the plan (or, for a dry run, only returns it).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.professional import (
    PracticeLocation,
    Profession,
    Professional,
    display_name,
)
from coordination.directory.service import require_staff
from coordination.directory.structure import Structure, StructureKind
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.errors import Invalid
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.identifiers import (
    IdentifierError,
    check_adeli,
    check_finess,
    check_rpps,
    check_siret,
)

# TRE_G15 (profession de santé) codes → the directory's professions.
PROFESSIONS = {
    "10": Profession.PHYSICIAN,
    "21": Profession.PHARMACIST,
    "40": Profession.DENTIST,
    "50": Profession.MIDWIFE,
    "60": Profession.NURSE,
    "70": Profession.PHYSIOTHERAPIST,
}
# TRE_R38 (spécialité ordinale) codes of general practice: SM54 médecine générale, SM53
# spécialiste en médecine générale, SM26 qualifié en médecine générale.
GENERAL_PRACTICE = frozenset({"SM54", "SM53", "SM26"})
# What the national directory says of a professional, compared field by field.
FIELDS = ("family_name", "given_name", "profession", "specialty", "phone", "email", "mssante")


@dataclass(frozen=True, slots=True)
class NationalActivity:
    """One row of the national directory: a professional practising at one place."""

    id_type: str  # "8" RPPS, "0" ADELI
    identifier: str
    family_name: str
    given_name: str
    profession_code: str
    specialty_code: str = ""
    specialty_label: str = ""
    mode: str = ""  # L libéral, S salarié, B bénévole
    structure_key: str = ""
    site_name: str = ""
    siret: str = ""
    finess: str = ""
    address: str = ""
    postal_code: str = ""
    commune_insee: str = ""
    phone: str = ""
    email: str = ""


@dataclass(slots=True)
class _Person:
    rpps: str | None
    adeli: str | None
    values: dict[str, Any]
    activities: list[NationalActivity]


@dataclass(slots=True)
class ImportPlan:
    """What an import does (or would do, for a dry run): counts and a few names each."""

    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    kept_local: list[tuple[str, list[str]]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    unchanged: int = 0
    locations_added: int = 0
    structures_added: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (identifier, why)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "kept_local": len(self.kept_local),
            "gone": len(self.gone),
            "returned": len(self.returned),
            "unchanged": self.unchanged,
            "locations_added": self.locations_added,
            "structures_added": self.structures_added,
            "rejected": len(self.rejected),
        }


@dataclass(frozen=True, slots=True)
class _Run:
    """One import: where it writes, what it resolves ids with, what it reports."""

    territory_id: uuid.UUID
    communes: dict[str, uuid.UUID]  # INSEE code → the territory's commune
    structures: dict[str, uuid.UUID]  # FINESS → the territory's structure
    plan: ImportPlan
    apply: bool
    now: datetime
    fields: tuple[str, ...]  # what this import says: MSSanté addresses only when given


class DirectoryImportedPayload(TypedDict):
    source: str
    added: int
    changed: int
    kept_local: int
    gone: int
    returned: int
    unchanged: int
    locations_added: int
    structures_added: int
    rejected: int


def _specialty(activity: NationalActivity) -> str | None:
    if activity.specialty_code in GENERAL_PRACTICE:
        return "general_practice"
    return activity.specialty_label[:64] or None


def _title_case(name: str) -> str:
    """The directory writes family names in capitals ("MARTIN"), given names either way."""
    return name.title() if name.isupper() else name


def _person(activity: NationalActivity) -> _Person:
    rpps = adeli = None
    try:
        if activity.id_type == "8":
            rpps = check_rpps(activity.identifier).value
        elif activity.id_type == "0":
            adeli = check_adeli(activity.identifier).value
        else:
            raise IdentifierError(
                f"unknown identifier type {activity.id_type!r}",
                code="identifier_type_unknown",
                params={"type": activity.id_type},
            )
    except IdentifierError as exc:
        raise Invalid.of(exc, field="identifier") from exc
    if not activity.family_name:
        raise Invalid("no family name", code="field_empty", field="family_name")
    values = {
        "family_name": _title_case(activity.family_name)[:100],
        "given_name": _title_case(activity.given_name)[:100],
        "profession": PROFESSIONS.get(activity.profession_code, Profession.OTHER).value,
        "specialty": _specialty(activity),
        "phone": activity.phone[:32] or None,
        "email": activity.email[:254] or None,
        "mssante": None,
    }
    return _Person(rpps, adeli, values, [])


def _location_key(activity: NationalActivity) -> str:
    """The activity's place: its structure's national key, else its address (hashed: two long
    addresses of one commune cut to the column's width would be one place)."""
    if activity.structure_key and len(activity.structure_key) <= 64:
        return activity.structure_key
    where = f"{activity.commune_insee}|{activity.address}|{activity.structure_key}"
    return "address:" + hashlib.sha256(where.encode()).hexdigest()[:48]


def national_id(activity: NationalActivity) -> str:
    """ "8" + RPPS or "0" + ADELI: the key of a professional in every national file."""
    return activity.id_type + activity.identifier


def _gather(
    activities: Iterable[NationalActivity], mssante: Mapping[str, str], plan: ImportPlan
) -> dict[str, _Person]:
    """The file's professionals by national id, each with the places of its activities."""
    people: dict[str, _Person] = {}
    for activity in activities:
        key = national_id(activity)
        person = people.get(key)
        if person is None:
            try:
                person = _person(activity)
            except Invalid as exc:
                plan.rejected.append((key, exc.detail))
                continue
            person.values["mssante"] = mssante.get(key)
            people[key] = person
        elif not person.values["phone"] and activity.phone:
            person.values["phone"] = activity.phone[:32]
        person.activities.append(activity)
    return people


def _label(activity: NationalActivity) -> str:
    return (activity.site_name or "Cabinet")[:120]


def _display(values: dict[str, Any]) -> str:
    return display_name(
        Profession(values["profession"]), values["given_name"], values["family_name"]
    )


async def _structures(
    session: AsyncSession,
    territory_id: uuid.UUID,
    people: dict[str, _Person],
    communes: dict[str, uuid.UUID],
    plan: ImportPlan,
    apply: bool,
) -> dict[str, uuid.UUID]:
    """FINESS site → the territory's structure: found, else (an establishment the CPTS does
    not list yet) created. A structure the CPTS edited is never changed by an import."""
    existing = {
        s.finess: s.id
        for s in await session.scalars(
            select(Structure).where(
                Structure.territory_id == territory_id, Structure.finess.is_not(None)
            )
        )
        if s.finess
    }
    for person in people.values():
        for a in person.activities:
            if not a.finess or a.finess in existing:
                continue
            try:
                finess = check_finess(a.finess).value
            except IdentifierError:
                continue
            try:
                siret = check_siret(a.siret).value if a.siret else None
            except IdentifierError:
                siret = None
            structure_id = uuid.uuid4()
            existing[finess] = structure_id
            plan.structures_added += 1
            if apply:
                session.add(
                    Structure(
                        id=structure_id,
                        territory_id=territory_id,
                        kind=StructureKind.PHARMACY
                        if a.profession_code == "21"
                        else StructureKind.OTHER,
                        name=(a.site_name or finess)[:200],
                        finess=finess,
                        siret=siret,
                        commune_id=communes[a.commune_insee],
                        address=a.address[:300],
                        membership=Membership.NONE,
                    )
                )
    if apply:
        await session.flush()
    return existing


async def import_directory(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID,
    activities: Iterable[NationalActivity],
    *,
    source: str,
    apply: bool = True,
    mssante: Mapping[str, str] | None = None,
    complete: bool = True,
) -> ImportPlan:
    """Refresh the territory's professionals from national activities (already filtered to
    its communes by the reader, or not: rows elsewhere are ignored here too), with their
    MSSanté addresses by national id when given. With `apply` False nothing is written: the
    plan says what would be added, changed and gone. Only a `complete` source (the national
    extraction: every professional of France) says who is gone; a partial one (an API search)
    adds and refreshes only."""
    if actor is not None:
        require_staff(actor)
        territory_id = actor.territory_id
    now = clock.now()
    plan = ImportPlan()
    communes = {
        insee: cid
        for insee, cid in await session.execute(
            select(Commune.insee, Commune.id).where(Commune.territory_id == territory_id)
        )
    }
    people = _gather((a for a in activities if a.commune_insee in communes), mssante or {}, plan)
    structures = await _structures(session, territory_id, people, communes, plan, apply)
    known = list(
        await session.scalars(
            select(Professional)
            .options(selectinload(Professional.locations))
            .where(Professional.territory_id == territory_id)
        )
    )
    fields = FIELDS if mssante is not None else tuple(f for f in FIELDS if f != "mssante")
    run = _Run(territory_id, communes, structures, plan, apply, now, fields)
    by_rpps = {p.rpps: p for p in known if p.rpps}
    by_adeli = {p.adeli: p for p in known if p.adeli}
    seen: set[uuid.UUID] = set()
    for person in people.values():
        found = by_rpps.get(person.rpps or "") or by_adeli.get(person.adeli or "")
        if found is None:
            _add(run, session, person)
            continue
        seen.add(found.id)
        _refresh(run, found, person)
    for professional in known if complete else ():
        if professional.id in seen or professional.national is None:
            continue  # listed again, or typed in locally: not the import's to end
        if professional.national_gone_at is None:
            plan.gone.append(professional.display_name)
            if apply:
                professional.national_gone_at = now
    if apply:
        await session.flush()
        counts = plan.counts()
        await append_event(
            session,
            clock,
            territory_id=territory_id,
            type=EventType.DIRECTORY_IMPORTED,
            actor=actor,
            payload=DirectoryImportedPayload(
                source=source[:100],
                added=counts["added"],
                changed=counts["changed"],
                kept_local=counts["kept_local"],
                gone=counts["gone"],
                returned=counts["returned"],
                unchanged=counts["unchanged"],
                locations_added=counts["locations_added"],
                structures_added=counts["structures_added"],
                rejected=counts["rejected"],
            ),
        )
    return plan


def _new_locations(
    run: _Run, professional: Professional | None, person: _Person
) -> list[PracticeLocation]:
    communes, structures = run.communes, run.structures
    have = {loc.national_key for loc in professional.locations} if professional else set()
    new: list[PracticeLocation] = []
    for a in person.activities:
        key = _location_key(a)
        if key in have:
            continue
        have.add(key)
        new.append(
            PracticeLocation(
                id=uuid.uuid4(),
                territory_id=run.territory_id,
                label=_label(a),
                address=(a.address or a.site_name or "-")[:300],
                commune_id=communes[a.commune_insee],
                structure_id=structures.get(a.finess) if a.finess else None,
                phone=a.phone[:32] or None,
                national_key=key,
            )
        )
    return new


def _add(run: _Run, session: AsyncSession, person: _Person) -> None:
    locations = _new_locations(run, None, person)
    run.plan.added.append(_display(person.values))
    run.plan.locations_added += len(locations)
    if not run.apply:
        return
    territory_id, now = run.territory_id, run.now
    values = person.values
    professional = Professional(
        id=uuid.uuid4(),
        territory_id=territory_id,
        profession=Profession(values["profession"]),
        specialty=values["specialty"],
        rpps=person.rpps,
        adeli=person.adeli,
        phone=values["phone"],
        email=values["email"],
        mssante=values["mssante"],
        membership=Membership.NONE,  # in the territory, not yet a member: the CPTS says so
        created_at=now,
        updated_at=now,
        national=dict(values),
        national_seen_at=now,
        locations=locations,
    )
    professional.set_names(values["family_name"], values["given_name"])
    session.add(professional)


def _refresh(run: _Run, professional: Professional, person: _Person) -> None:
    plan, now = run.plan, run.now
    before = professional.national
    changed: list[str] = []
    kept: list[str] = []
    if before is not None and "mssante" not in run.fields:
        person.values["mssante"] = before.get("mssante")  # not in this import: as it was
    for name in run.fields:
        new = person.values[name]
        current = getattr(professional, name)
        current = current.value if isinstance(current, Profession) else current
        if new == current:
            continue
        if before is None:
            # Typed in before any import: the directory only fills what is empty.
            if current is None:
                changed.append(name)
            else:
                kept.append(name)
        elif current == before.get(name):
            changed.append(name)  # not edited here: it follows the directory
        else:
            kept.append(name)  # a coordinator's edit: it stays
    locations = _new_locations(run, professional, person)
    returned = professional.national_gone_at is not None
    national_moved = before != person.values
    if changed:
        plan.changed.append((professional.display_name, changed))
    if kept:
        plan.kept_local.append((professional.display_name, kept))
    if returned:
        plan.returned.append(professional.display_name)
    if not (changed or locations or returned or national_moved):
        plan.unchanged += 1
    plan.locations_added += len(locations)
    if not run.apply:
        return
    for name in changed:
        value = person.values[name]
        if name == "profession":
            professional.profession = Profession(value)
        elif name not in ("family_name", "given_name"):
            setattr(professional, name, value)
    if "family_name" in changed or "given_name" in changed:
        professional.set_names(
            person.values["family_name"] if "family_name" in changed else professional.family_name,
            person.values["given_name"] if "given_name" in changed else professional.given_name,
        )
    professional.locations.extend(locations)
    professional.national = dict(person.values)
    professional.national_seen_at = now
    professional.national_gone_at = None
    if changed or locations:
        professional.updated_at = now
