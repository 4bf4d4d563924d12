"""The SAS search across the CPTS of one deployment (the ANS kit's group 4.8): one GP in two
CPTS has slots found in each, one HealthcareService and Organization per CPTS, while a
regulator still sees their own territory only. On both databases."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from stdnum import luhn

from coordination.directory.professional import Profession
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    add_communes,
    create_professional,
)
from coordination.directory.territories import TerritoryDraft, create_territory
from integrations.fhir.sas_bundle import SERVICE_TYPE_R5, bundle
from integrations.fhir.sas_query import SlotSearch
from integrations.fhir.sas_search import find
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.models.slot import Modality, Visibility
from scheduling.refs import ProfessionalRef
from scheduling.slots import SlotDraft, create_slot
from server.database import Database


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


async def _cpts_with(database: Database, clock: FrozenClock, rpps: str, start: datetime) -> Actor:
    """A territory where the GP of `rpps` practises, with one CPTS-only slot at `start`; its
    coordinator."""
    async with database.write() as session:
        body = "78" + _digits(6)
        territory = await create_territory(
            session,
            clock,
            TerritoryDraft(
                slug=f"t-{uuid.uuid4().hex[:10]}",
                name=f"CPTS {uuid.uuid4().hex[:4]}",
                finess=body + luhn.calc_check_digit(body),
                population=50_000,
                phone="01 30 00 00 00",
            ),
        )
        await add_communes(
            session, clock, None, territory.id, [CommuneDraft("78646", "Versailles", "78000")]
        )
        saved = await create_professional(
            session,
            clock,
            None,
            territory.id,
            ProfessionalDraft(
                family_name="Martin",
                given_name="Lou",
                profession=Profession.PHYSICIAN,
                rpps=rpps,
                locations=[LocationDraft("Cabinet", "1 rue de la Paroisse", "78646")],
            ),
        )
        staff = Actor(uuid.uuid4(), territory.id, "Europe/Paris", frozenset({Role.COORDINATOR}))
        gp = Actor(
            uuid.uuid4(), territory.id, "Europe/Paris", frozenset({Role.GP}), saved.professional.id
        )
        ref = ProfessionalRef(
            id=saved.professional.id,
            territory_id=territory.id,
            profession=saved.professional.profession.value,
            location_ids=frozenset(loc.id for loc in saved.professional.locations),
        )
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
    body = "1" + _digits(9)
    rpps = body + luhn.calc_check_digit(body)
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
