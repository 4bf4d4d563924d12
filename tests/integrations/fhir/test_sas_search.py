"""The SAS search across the CPTS of one deployment (the ANS kit's group 4.8): one GP in two
CPTS has slots found in each, one HealthcareService and Organization per CPTS, while a
regulator still sees their own territory only. On both databases."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from coordination.directory.professional import Professional
from coordination.directory.refs import PROFESSIONALS
from coordination.directory.service import (
    CommuneDraft,
)
from coordination.directory.territories import get_territory
from integrations.fhir.sas_bundle import CATEGORIE_ETABLISSEMENT, SERVICE_TYPE_R5, bundle
from integrations.fhir.sas_query import SlotSearch
from integrations.fhir.sas_search import Findings, cpts_of, find
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Slot, Visibility
from scheduling.slot_shares import share_slot
from scheduling.slots import SlotDraft, create_slot
from server.database import Database
from tests.directory_world import luhn_number, territory_with_gp


async def _cpts_with(
    database: Database, clock: FrozenClock, rpps: str, start: datetime | None
) -> Actor:
    """A territory where the GP of `rpps` practises, with one CPTS-only slot at `start` (or
    none); its coordinator."""
    async with database.write() as session:
        made = await territory_with_gp(
            session,
            clock,
            commune=CommuneDraft("78646", "Versailles", "78000"),
            address="1 rue de la Paroisse",
            rpps=rpps,
            family_name="Martin",
            phone="01 30 00 00 00",
        )
        territory, ref = made.territory, made.professional
        staff = Actor(uuid.uuid4(), territory.id, "Europe/Paris", frozenset({Role.COORDINATOR}))
        gp = Actor(uuid.uuid4(), territory.id, "Europe/Paris", frozenset({Role.GP}), ref.id)
        if start is None:
            return staff
        await create_slot(
            session,
            clock,
            gp,
            ref,
            SlotDraft(
                start, start + timedelta(minutes=20), Modality.VIDEO, frozenset({Visibility.CPTS})
            ),
        )
    return staff


async def test_the_sas_finds_a_practitioner_in_each_of_their_cpts(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(datetime(2027, 3, 1, 7, 0, tzinfo=UTC))
    rpps = luhn_number("1", 11)
    start = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    first = await _cpts_with(database, clock, rpps, start)
    second = await _cpts_with(database, clock, rpps, start + timedelta(hours=1))
    search = SlotSearch(
        start=clock.now(),
        end=clock.now() + timedelta(days=3),
        practitioner_ids=("8" + rpps,),
        organization_id=None,
        include_schedule=True,
        include_actors=True,
        include_services=True,
    )
    platform = Actor(
        uuid.uuid4(), first.territory_id, "Europe/Paris", frozenset({Role.SAS_PLATFORM})
    )
    async with database.read() as session:
        found = await find(session, clock, platform, search, 100, every_territory=True)
        by_token = await find(session, clock, platform, search, 100)
        confined = await find(session, clock, first, search, 100)
    assert {s.territory_id for s in found.slots} == {first.territory_id, second.territory_id}
    assert {s.territory_id for s in confined.slots} == {first.territory_id}
    assert {s.territory_id for s in by_token.slots} == {first.territory_id}, (
        "a bearer token of a sas_platform account (an admin may make one) stays home"
    )

    resources = _answer(found)
    services = {r["id"]: r for r in resources if r["resourceType"] == "HealthcareService"}
    organizations = {r["id"] for r in resources if r["resourceType"] == "Organization"}
    assert len(services) == 2 and len(organizations) == 2
    assert {
        s["providedBy"]["reference"].removeprefix("Organization/") for s in services.values()
    } == organizations
    references = set()
    for slot in (r for r in resources if r["resourceType"] == "Slot"):
        assert {c["code"] for c in slot["meta"]["security"]} == {"CPTS"}
        (cpts,) = [st for st in slot["serviceType"] if st["coding"][0]["code"] == "604"]
        (extension,) = cpts["extension"]
        assert extension["url"] == SERVICE_TYPE_R5
        references.add(extension["valueReference"]["reference"].removeprefix("HealthcareService/"))
    assert references == set(services), "each slot points at its own CPTS's service"


def _answer(found: Findings) -> list[dict[str, Any]]:
    answer = bundle(
        found.slots,
        found.practitioners,
        found.places,
        found.main_places,
        found.cpts_of,
        lambda s: f"https://cpts.test/slots/{s.id}?source=sas",
        include_schedule=True,
        include_actors=True,
        include_services=True,
        self_url="https://cpts.test/fhir/Slot",
        fhir_base="https://cpts.test/fhir",
    )
    return [e["resource"] for e in answer["entry"]]


def _service_refs(slot: dict[str, Any]) -> list[str]:
    return [
        ext["valueReference"]["reference"]
        for st in slot["serviceType"]
        for ext in st.get("extension", [])
        if ext["url"] == SERVICE_TYPE_R5
    ]


async def _share_the_slot_of(
    database: Database, clock: FrozenClock, first: Actor, second: Actor
) -> uuid.UUID:
    """The first CPTS's one slot, offered under the second CPTS by its GP."""
    async with database.read() as session:
        (slot_id,) = await session.scalars(
            select(Slot.id).where(Slot.territory_id == first.territory_id)
        )
        gp_id = await session.scalar(select(Slot.professional_id).where(Slot.id == slot_id))
    gp = Actor(uuid.uuid4(), first.territory_id, "Europe/Paris", frozenset({Role.GP}), gp_id)
    async with database.write() as session:
        await share_slot(session, clock, gp, PROFESSIONALS, slot_id, [second.territory_id])
    return slot_id


def _platform(home: Actor) -> Actor:
    return Actor(uuid.uuid4(), home.territory_id, "Europe/Paris", frozenset({Role.SAS_PLATFORM}))


def _search(national_id: str) -> SlotSearch:
    now = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    return SlotSearch(
        start=now,
        end=now + timedelta(days=3),
        practitioner_ids=(national_id,),
        organization_id=None,
        include_schedule=True,
        include_actors=True,
        include_services=True,
    )


async def test_a_slot_shared_by_two_cpts_is_found_once_under_both(
    database: Database, clock: FrozenClock
) -> None:
    # The ANS kit's single_slot_two_cpts: one slot « mis en visibilité d'une CPTS A et d'une
    # CPTS B », the GP having no other slot; its checks, on the Bundle the SAS receives.
    clock.set(datetime(2027, 3, 1, 7, 0, tzinfo=UTC))
    rpps = luhn_number("1", 11)
    start = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    first = await _cpts_with(database, clock, rpps, start)
    second = await _cpts_with(database, clock, rpps, None)
    slot_id = await _share_the_slot_of(database, clock, first, second)
    platform = _platform(first)
    search = _search("8" + rpps)
    async with database.read() as session:
        found = await find(session, clock, platform, search, 100, every_territory=True)
        confined = await find(session, clock, first, search, 100)
    assert [s.id for s in found.slots] == [slot_id], "found once, in its own CPTS"
    resources = _answer(found)
    services = [r for r in resources if r["resourceType"] == "HealthcareService"]
    organizations = [r for r in resources if r["resourceType"] == "Organization"]
    slots = [r for r in resources if r["resourceType"] == "Slot"]
    service_refs = {f"HealthcareService/{s['id']}" for s in services}
    assert len(services) >= 2 and len(organizations) >= 2  # the kit's two cardinality tests
    assert {c["code"] for s in slots for c in s["meta"]["security"]} == {"CPTS"}
    assert all(
        any(c["code"] == "604" and c["system"] == CATEGORIE_ETABLISSEMENT for c in st["coding"])
        for s in slots
        for st in s["serviceType"]
        if st.get("extension")
    )
    (refs,) = [_service_refs(s) for s in slots]
    assert len(set(refs)) == 2 and set(refs) <= service_refs, "two distinct services, both here"
    provided = {s["providedBy"]["reference"] for s in services}
    assert len(provided) >= 2 and provided <= {f"Organization/{o['id']}" for o in organizations}
    assert [_service_refs(s) for s in _answer(confined) if s["resourceType"] == "Slot"] == [
        [f"HealthcareService/snp-{first.territory_id}"]
    ], "a person of the first CPTS is not told of the others"

    # The CPTS launch naming the second CPTS finds the slot its GP shares with it.
    by_second = replace(
        search, practitioner_ids=(), organization_id=found.cpts[second.territory_id].national_id
    )
    async with database.read() as session:
        named = await find(session, clock, platform, by_second, 100, every_territory=True)
    assert [s.id for s in named.slots] == [slot_id]
    assert set(_service_refs(_answer(named)[0])) == {
        f"HealthcareService/snp-{first.territory_id}",
        f"HealthcareService/snp-{second.territory_id}",
    }

    # Once the GP no longer practises in the second CPTS, the share stops showing.
    async with database.write() as session:
        await session.execute(
            update(Professional)
            .where(Professional.territory_id == second.territory_id)
            .values(rpps=luhn_number("1", 11))
        )
    async with database.read() as session:
        after = await find(session, clock, platform, search, 100, every_territory=True)
        gone = await find(session, clock, platform, by_second, 100, every_territory=True)
    assert [_service_refs(s) for s in _answer(after) if s["resourceType"] == "Slot"] == [
        [f"HealthcareService/snp-{first.territory_id}"]
    ]
    assert gone.slots == []


async def test_a_share_holds_for_a_gp_known_by_adeli_here_and_rpps_there(
    database: Database, clock: FrozenClock
) -> None:
    # At home the GP is known by their ADELI alone; the other CPTS knows their RPPS and the
    # same ADELI: the share is offered there, and the SAS shows it there too.
    clock.set(datetime(2027, 3, 1, 7, 0, tzinfo=UTC))
    start = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    adeli = luhn_number("78", 9)
    first = await _cpts_with(database, clock, luhn_number("1", 11), start)
    second = await _cpts_with(database, clock, luhn_number("1", 11), None)
    async with database.write() as session:
        await session.execute(
            update(Professional)
            .where(Professional.territory_id == first.territory_id)
            .values(rpps=None, adeli=adeli)
        )
        await session.execute(
            update(Professional)
            .where(Professional.territory_id == second.territory_id)
            .values(adeli=adeli)
        )
    slot_id = await _share_the_slot_of(database, clock, first, second)
    platform = _platform(first)
    search = _search("0" + adeli)
    async with database.read() as session:
        found = await find(session, clock, platform, search, 100, every_territory=True)
        by_second = replace(
            search,
            practitioner_ids=(),
            organization_id=cpts_of(await get_territory(session, second)).national_id,
        )
        named = await find(session, clock, platform, by_second, 100, every_territory=True)
        capped = await find(session, clock, platform, by_second, 1, every_territory=True)
    (slot,) = [r for r in _answer(found) if r["resourceType"] == "Slot"]
    assert len(set(_service_refs(slot))) == 2
    assert [s.id for s in named.slots] == [slot_id]
    assert capped.truncated, "the shared slots filled the limit: said, never cut silently"
