"""A slot offered to the SAS under a second CPTS of the deployment, over HTTP: the agenda's
API, its refusals in problem+json, the page's form, and the SAS's search by its certificate
held to the ANS kit's single_slot_two_cpts checks and to the package's profile."""

from __future__ import annotations

import json
import tarfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from pyfhircheck import Validator

from kernel.clock import FrozenClock
from server.state import AppServices
from tests.conftest import login
from tests.directory_world import gp_body, luhn_number
from tests.server.sas_helpers import new_sas_platform
from tests.server.test_fhir_api import PS, SLOT_SERVICE_TYPE_R5, SUBJECT, kit_window
from tests.server.test_fhir_profiles import PACKAGE, SEVERITY, _validator

IG = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"


async def _professional(client: httpx.AsyncClient, headers: dict[str, str], rpps: str) -> str:
    communes = (await client.get("/api/v1/communes", headers=headers)).json()["items"]
    created = await client.post(
        "/api/v1/professionals", headers=headers, json=gp_body(rpps, communes[0]["insee"])
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _free_slot(
    client: httpx.AsyncClient, headers: dict[str, str], pid: str, clock: FrozenClock
) -> dict[str, Any]:
    start = (clock.now() + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    published = await client.post(
        "/api/v1/slots",
        headers=headers,
        json={
            "professional_id": pid,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=20)).isoformat(),
            "modality": "office",
            "visibility": ["cpts"],  # the kit: shown to the CPTS only
        },
    )
    assert published.status_code == 201, published.text
    slot: dict[str, Any] = published.json()
    return slot


async def _gp_in_two_cpts(
    client: httpx.AsyncClient, clock: FrozenClock
) -> tuple[dict[str, str], str, dict[str, Any], str]:
    """A GP of the demo territory who is a member of the Vexin's CPTS too, with one free
    slot at home: the coordinator's headers, the RPPS, the slot, the Vexin's territory id."""
    rpps = luhn_number("1", 11)
    home = await login(client, "coordinator@sud-yvelines.test")
    vexin = await login(client, "admin@vexin-normand.test")
    pid = await _professional(client, home, rpps)
    await _professional(client, vexin, rpps)
    vexin_id = (await client.get("/api/v1/territory", headers=vexin)).json()["id"]
    return home, rpps, await _free_slot(client, home, pid, clock), str(vexin_id)


async def test_the_agenda_offers_a_slot_under_another_cpts(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    home, _, slot, vexin_id = await _gp_in_two_cpts(client, clock)
    shares = f"/api/v1/slots/{slot['id']}/shares"
    before = (await client.get(shares, headers=home)).json()
    assert before["shared_with"] == [] and [c["territory_id"] for c in before["offered"]] == [
        vexin_id
    ]
    saved = await client.put(shares, headers=home, json={"territory_ids": [vexin_id]})
    assert saved.status_code == 200, saved.text
    assert [c["territory_id"] for c in saved.json()["shared_with"]] == [vexin_id]
    assert (await client.get(shares, headers=home)).json()["shared_with"] == saved.json()[
        "shared_with"
    ]

    own = (await client.get("/api/v1/territory", headers=home)).json()["id"]
    refused = await client.put(shares, headers=home, json={"territory_ids": [own]})
    assert refused.status_code == 422
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "slot_share_not_member" and problem["field"] == "territory_ids"
    too_many = await client.put(shares, headers=home, json={"territory_ids": [vexin_id] * 11})
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "territory_ids"
    unknown = await client.put(shares, headers=home, json={"territory_ids": [], "x": 1})
    assert unknown.status_code == 422
    # Nothing half-written by the refusals; another territory's staff do not see the slot.
    assert [
        c["territory_id"] for c in (await client.get(shares, headers=home)).json()["shared_with"]
    ] == [vexin_id]
    vexin = await login(client, "coordinator@vexin-normand.test")
    assert (await client.get(shares, headers=vexin)).status_code == 404
    regulator = await login(client, "regulator@sud-yvelines.test")
    assert (
        await client.put(shares, headers=regulator, json={"territory_ids": []})
    ).status_code == 403

    cleared = await client.put(shares, headers=home, json={"territory_ids": []})
    assert cleared.json()["shared_with"] == []


async def test_the_week_page_shows_and_sets_the_share(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    home, _, slot, vexin_id = await _gp_in_two_cpts(client, clock)
    page = await client.get(
        f"/creneaux?professional_id={slot['professional_id']}&semaine={slot['start'][:10]}",
        headers=home,
    )
    assert page.status_code == 200
    assert f'data-api="/api/v1/slots/{slot["id"]}/shares"' in page.text
    assert f'value="{vexin_id}">' in page.text and "Proposé au SAS aussi" not in page.text
    await client.put(
        f"/api/v1/slots/{slot['id']}/shares", headers=home, json={"territory_ids": [vexin_id]}
    )
    page = await client.get(
        f"/creneaux?professional_id={slot['professional_id']}&semaine={slot['start'][:10]}",
        headers=home,
    )
    assert f'value="{vexin_id}" checked>' in page.text
    assert "Proposé au SAS aussi pour : " in page.text
    # Withdrawn, it is offered under no CPTS any more: the card says nothing of the share.
    withdrawn = await client.post(f"/api/v1/slots/{slot['id']}/withdraw", headers=home, json={})
    assert withdrawn.status_code == 200, withdrawn.text
    page = await client.get(
        f"/creneaux?professional_id={slot['professional_id']}&semaine={slot['start'][:10]}",
        headers=home,
    )
    assert "Proposé au SAS aussi" not in page.text
    assert f'data-api="/api/v1/slots/{slot["id"]}/shares"' not in page.text
    told = (await client.get(f"/api/v1/slots/{slot['id']}/shares", headers=home)).json()
    assert told["shared_with"] == [], "the API says what the SAS shows: nothing"


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    return _validator(tmp_path_factory.mktemp("fhir"), PACKAGE, SEVERITY, {})


def _errors(validator: Validator, resource: dict[str, Any], where: Path) -> set[str]:
    path = where / f"Slot-{resource['id']}.json"
    path.write_text(json.dumps(resource), encoding="utf-8")
    return {f"{i.code} {i.path}" for i in validator.validate_path(path).errors}


async def test_the_sas_finds_the_shared_slot_as_the_kit_checks_it(
    app: Any, client: httpx.AsyncClient, clock: FrozenClock, validator: Validator, tmp_path: Path
) -> None:
    home, rpps, slot, vexin_id = await _gp_in_two_cpts(client, clock)
    await client.put(
        f"/api/v1/slots/{slot['id']}/shares", headers=home, json={"territory_ids": [vexin_id]}
    )
    services = AppServices.of(app)
    _, email = await new_sas_platform(client)
    services.settings = msgspec.structs.replace(
        services.settings, sas_cert_subjects=SUBJECT, sas_cert_account=email
    )
    window = kit_window(clock, millis=True, offset=False)
    answer = await client.get(
        "/fhir/Slot?_include=Slot:schedule&_include:iterate=Schedule:actor"
        "&_include=Slot:service-type-reference&_include:iterate=HealthcareService:organization"
        f"&start=ge{window['ge']}&start=le{window['le']}"
        f"&schedule.actor:Practitioner.identifier={PS}|8{rpps}&status=free",
        headers={"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-S-DN": SUBJECT},
    )
    assert answer.status_code == 200, answer.text
    entries = [e["resource"] for e in answer.json()["entry"]]

    def of(profile: str) -> list[dict[str, Any]]:
        return [r for r in entries if r["meta"]["profile"] == [IG + profile]]

    slots, services_, organizations = (
        of("sas-cpts-slot-aggregator"),
        of("sas-cpts-healthcareservice-aggregator"),
        of("sas-cpts-organization-aggregator"),
    )
    assert [s["id"] for s in slots] == [slot["id"]]
    assert len(services_) >= 2 and len(organizations) >= 2
    assert {c["code"] for s in slots for c in s["meta"]["security"]} == {"CPTS"}
    assert any(c["code"] == "604" for st in slots[0]["serviceType"] for c in st["coding"])
    refs = [
        ext["valueReference"]["reference"]
        for st in slots[0]["serviceType"]
        for ext in st.get("extension", [])
        if ext["url"] == SLOT_SERVICE_TYPE_R5
    ]
    assert len(set(refs)) == 2
    assert set(refs) <= {f"HealthcareService/{s['id']}" for s in services_}
    provided = {s["providedBy"]["reference"] for s in services_}
    assert len(provided) >= 2 and provided <= {f"Organization/{o['id']}" for o in organizations}

    # Held to the package's profile: the shape of its own ExampleSlotCPTS2 (one serviceType
    # per CPTS), which pyfhircheck miscounts the same way (test_fhir_profiles.py): no other
    # error than that example's.
    with tarfile.open(PACKAGE) as package:
        member = package.extractfile("package/example/Slot-ExampleSlotCPTS2.json")
        assert member is not None
        example = json.load(member)
    known = _errors(validator, example, tmp_path)
    assert known, "pyfhircheck's false positive is known: if it is gone, assert no error here"
    assert _errors(validator, slots[0], tmp_path) <= known
