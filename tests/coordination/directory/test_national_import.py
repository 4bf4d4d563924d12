"""The national directory import, twice over one sample of the ANS extraction (built here in
its documented format): the same directory, nothing duplicated, local edits kept."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select

from coordination.directory.membership import Membership
from coordination.directory.national_import import ImportPlan, import_directory, national_id
from coordination.directory.professional import PracticeLocation, Profession, Professional
from coordination.directory.service import (
    LocationDraft,
    ProfessionalDraft,
    ProfessionalPatch,
    create_professional,
    update_professional,
)
from coordination.directory.structure import Structure
from coordination.directory.territories import TerritoryDraft, commune_codes, onboard_territory
from coordination.directory.territory import Territory
from integrations.annuaire.extraction import read_activities, read_mssante
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import _random_finess
from tests.directory_world import luhn_number
from tests.onboarding_world import Row, fresh_reference, rpps, write_extraction, write_mssante


async def _territory(database: Database, clock: FrozenClock) -> tuple[Territory, list[str]]:
    async with database.write() as session:
        reference = await fresh_reference(session, clock, 2)
        made = await onboard_territory(
            session,
            clock,
            None,
            TerritoryDraft(
                slug=f"t-{uuid.uuid4().hex[:10]}",
                name="CPTS importée",
                finess=_random_finess(),
                population=40_000,
                communes=[c.insee for c in reference],
            ),
        )
    return made.territory, [c.insee for c in reference]


async def _import(
    database: Database, clock: FrozenClock, territory: Territory, path: Path, apply: bool = True
) -> ImportPlan:
    async with database.read() as session:
        codes = await commune_codes(session, territory.id)
    with path.open("rb") as stream:
        activities = list(read_activities(stream, codes))
    async with database.write() as session:
        return await import_directory(
            session, clock, None, territory.id, activities, source=path.name, apply=apply
        )


async def _directory(database: Database, territory: Territory) -> dict[str, tuple[object, ...]]:
    async with database.read() as session:
        rows = await session.execute(
            select(
                Professional.rpps,
                Professional.family_name,
                Professional.given_name,
                Professional.profession,
                Professional.specialty,
                Professional.phone,
                Professional.membership,
                func.count(PracticeLocation.id),
            )
            .outerjoin(PracticeLocation, PracticeLocation.professional_id == Professional.id)
            .where(Professional.territory_id == territory.id)
            .group_by(Professional.id)
        )
        return {r[0]: tuple(r[1:]) for r in rows}


async def test_importing_the_same_file_twice(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    territory, (here, there) = await _territory(database, clock)
    gp, nurse, pharmacist, elsewhere, typed = rpps(), rpps(), rpps(), rpps(), rpps()
    pharmacy = _random_finess()
    async with database.write() as session:  # typed in by the coordinator before any import
        await create_professional(
            session,
            clock,
            None,
            territory.id,
            ProfessionalDraft(
                family_name="Hoarau",
                given_name="Line",
                profession=Profession.NURSE,
                rpps=typed,
                phone="0262 00 00 00",
                membership=Membership.MEMBER,
                locations=[LocationDraft("Domicile", "2 rue des Lilas", here)],
            ),
        )
    rows = [
        Row(gp, "MARTIN", "CLAIRE", commune=here, structure="C78000000001", site="MSP DU PORT"),
        Row(gp, "MARTIN", "CLAIRE", commune=there, street="DES ECOLES", number="3"),
        Row(nurse, "PAYET", "Jean", profession="60", skill="", commune=here),
        Row(pharmacist, "GRONDIN", "Eve", profession="21", skill="", commune=there,
            finess=pharmacy, site="PHARMACIE DU MARCHE"),
        Row(elsewhere, "AILLEURS", "Paul", commune="75115"),  # not the territory's
        Row(typed, "HOARAU", "Line", profession="60", skill="", commune=here, phone="0262111111",
            email="line.hoarau@example.test"),
        Row("123", "ERREUR", "Numéro", commune=here),  # not an RPPS: rejected, named
    ]  # fmt: skip
    sample = write_extraction(tmp_path / "PS_LibreAcces_Personne_activite_202612070000.txt", rows)

    dry = await _import(database, clock, territory, sample, apply=False)
    assert dry.counts()["added"] == 3 and await _directory(database, territory) == {
        typed: ("Hoarau", "Line", Profession.NURSE, None, "0262 00 00 00", Membership.MEMBER, 1)
    }  # a dry run writes nothing

    first = await _import(database, clock, territory, sample)
    counts = first.counts()
    assert (counts["added"], counts["rejected"], counts["structures_added"]) == (3, 1, 1)
    assert counts["locations_added"] == 5  # the GP's two places, one each for the others
    directory = await _directory(database, territory)
    assert directory[gp] == (
        "Martin", "Claire", Profession.PHYSICIAN, "general_practice", "0134831245",
        Membership.NONE, 2,
    )  # fmt: skip
    # Typed in locally: the import keeps the local phone and fills only what was empty.
    assert directory[typed][4] == "0262 00 00 00"
    assert elsewhere not in directory

    second = await _import(database, clock, territory, sample)
    assert second.counts()["added"] == 0 and second.counts()["changed"] == 0
    assert second.counts()["locations_added"] == second.counts()["structures_added"] == 0
    assert await _directory(database, territory) == directory  # nothing duplicated
    async with database.read() as session:
        structures = await session.scalar(
            select(func.count()).where(Structure.territory_id == territory.id)
        )
    assert structures == 1

    # The coordinator edits the GP's phone and makes the nurse a member; the directory then
    # changes both phones: the GP's local edit stays, the nurse's phone follows.
    coordinator = Actor(
        uuid.uuid4(), territory.id, territory.timezone, frozenset({Role.COORDINATOR})
    )
    async with database.write() as session:
        ids = dict(
            (
                await session.execute(
                    select(Professional.rpps, Professional.id).where(
                        Professional.territory_id == territory.id
                    )
                )
            ).all()
        )
        await update_professional(
            session, clock, coordinator, ids[gp], ProfessionalPatch(phone="06 12 34 56 78")
        )
        await update_professional(
            session, clock, coordinator, ids[nurse], ProfessionalPatch(membership=Membership.MEMBER)
        )
    moved = [
        Row(gp, "MARTIN", "CLAIRE", commune=here, structure="C78000000001", phone="0199999999"),
        Row(nurse, "PAYET", "Jean", profession="60", skill="", commune=here, phone="0188888888"),
        Row(typed, "HOARAU", "Line", profession="60", skill="", commune=here),
    ]  # fmt: skip
    third = await _import(
        database, clock, territory, write_extraction(tmp_path / "later.txt", moved)
    )
    after = await _directory(database, territory)
    assert after[gp][4] == "06 12 34 56 78" and after[gp][6] == 2  # local phone, places kept
    assert after[nurse][4:6] == ("0188888888", Membership.MEMBER)
    assert [name for name, _ in third.kept_local].count("Dr Claire Martin") == 1
    assert third.gone == ["Eve Grondin"]  # no longer listed: marked, not deleted
    assert pharmacist in after

    back = await _import(database, clock, territory, sample)
    assert back.returned == ["Eve Grondin"] and back.counts()["added"] == 0


async def test_adeli_rows_and_crlf_lines(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    territory, (here, _) = await _territory(database, clock)
    adeli = here[:2] + luhn_number("1", 7)
    rows = [Row(adeli, "LEBON", "Marc", profession="70", skill="", commune=here, id_type="0")]
    sample = write_extraction(tmp_path / "crlf.txt", rows, newline="\r\n")
    plan = await _import(database, clock, territory, sample)
    assert plan.counts()["added"] == 1, plan.rejected
    async with database.read() as session:
        found = await session.scalar(select(Professional).where(Professional.adeli == adeli))
    assert found is not None and found.profession is Profession.PHYSIOTHERAPIST


async def test_mssante_addresses_come_with_their_own_file(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    territory, (here, _) = await _territory(database, clock)
    gp = rpps()
    sample = write_extraction(tmp_path / "x.txt", [Row(gp, "MARTIN", "Claire", commune=here)])
    boxes = write_mssante(
        tmp_path / "Extraction_Correspondance_MSSante_202612070000.txt",
        [
            ("ORG", "secretariat@msp.mssante.fr", "8" + gp),
            ("PER", "claire.martin@medecin.mssante.fr", "8" + gp),
            ("PER", "quelquun@ailleurs.mssante.fr", "8" + rpps()),
        ],
    )
    async with database.read() as session:
        codes = await commune_codes(session, territory.id)
    with sample.open("rb") as stream:
        activities = list(read_activities(stream, codes))
    with boxes.open("rb") as stream:
        addresses = read_mssante(stream, {national_id(a) for a in activities})
    assert addresses == {"8" + gp: "claire.martin@medecin.mssante.fr"}
    async with database.write() as session:
        await import_directory(
            session, clock, None, territory.id, activities, source="x", mssante=addresses
        )
    again = await _import(database, clock, territory, sample)  # without the MSSanté file
    assert again.counts()["changed"] == 0
    async with database.read() as session:
        found = await session.scalar(select(Professional.mssante).where(Professional.rpps == gp))
    assert found == "claire.martin@medecin.mssante.fr"  # kept: this import did not say
