"""The SAS search across the CPTS of one deployment (the ANS kit's group 4.8): one GP in two
CPTS has slots found in each, one HealthcareService and Organization per CPTS, while a
regulator still sees their own territory only. On both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from coordination.directory.service import (
    CommuneDraft,
)
from integrations.fhir.sas_bundle import SERVICE_TYPE_R5, bundle
from integrations.fhir.sas_query import SlotSearch
from integrations.fhir.sas_search import find
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Visibility
from scheduling.slots import SlotDraft, create_slot
from server.database import Database
from tests.directory_world import luhn_number, territory_with_gp


async def _cpts_with(database: Database, clock: FrozenClock, rpps: str, start: datetime) -> Actor:
    """A territory where the GP of `rpps` practises, with one CPTS-only slot at `start`; its
    coordinator."""
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
    resources = [e["resource"] for e in answer["entry"]]
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
