"""The SAS slot search through HTTP on both databases, with the ANS test kit's query shapes
against demo data; every resource emitted is validated with `fhir.resources` (R4B)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.scheduling_helpers import gp_session

PS = "urn:oid:1.2.250.1.71.4.2.1"
PARIS = ZoneInfo("Europe/Paris")


def kit_window(clock: FrozenClock, millis: bool = True, offset: bool = True) -> dict[str, str]:
    """From now to min(now + 72 h, end of day + 2) in Europe/Paris, formatted as the kit does."""
    now = clock.now()
    end_of_day = (now.astimezone(PARIS) + timedelta(days=2)).replace(hour=23, minute=59, second=59)
    end = min(now + timedelta(hours=72), end_of_day)

    def fmt(value: Any) -> str:
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (".000" if millis else "") + ("+00:00" if offset else "")

    return {"ge": fmt(now.astimezone(ZoneInfo("UTC"))), "le": fmt(end.astimezone(ZoneInfo("UTC")))}


async def free_time(
    client: httpx.AsyncClient, gp: dict[str, str], clock: FrozenClock
) -> dict[str, Any]:
    """A video slot within the next hours, wherever this GP's agenda has room."""
    soon = (clock.now() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    for step in range(96):
        start = soon + timedelta(minutes=15 * step)
        response = await client.post(
            "/api/v1/slots",
            headers=gp,
            json={
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat(),
                "modality": "video",
                "visibility": ["snp", "pro"],
            },
        )
        if response.status_code == 201:
            slot: dict[str, Any] = response.json()
            return slot
    raise AssertionError("no room in the next 24 hours")


async def search(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> httpx.Response:
    return await client.get(
        f"/fhir/Slot?{query}", headers=headers | {"Accept": "application/json+fhir"}
    )


async def national_id(client: httpx.AsyncClient, n: int) -> tuple[dict[str, str], str]:
    gp, me = await gp_session(client, n)
    return gp, "8" + me["professional"]["rpps"]


@pytest.mark.parametrize(("millis", "offset"), [(True, True), (True, False), (False, False)])
async def test_the_kit_s_query_shapes_find_the_demo_slots(
    client: httpx.AsyncClient, clock: FrozenClock, millis: bool, offset: bool
) -> None:
    gp, idnat = await national_id(client, 1)
    _, other = await national_id(client, 2)
    published = await free_time(client, gp, clock)
    regulator = await login(client, "regulator@sud-yvelines.test")
    window = kit_window(clock, millis, offset)
    plus = "%2B" if offset else ""
    ge, le = window["ge"].replace("+", plus), window["le"].replace("+", plus)
    for practitioners in (f"{PS}|{idnat}", f"{PS}|{idnat},{PS}|{other}"):
        response = await search(
            client,
            regulator,
            f"_include=Slot:schedule&_include:iterate=Schedule:actor&start=ge{ge}&start=le{le}"
            f"&schedule.actor:Practitioner.identifier={practitioners}&status=free",
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json+fhir")
        body = response.json()
        Bundle.model_validate(body)
        slots = [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Slot"]
        assert body["total"] == len(slots) and body["type"] == "searchset"
        mine = [s for s in slots if s["id"] == published["id"]]
        assert mine, "the published slot is found"
        slot = mine[0]
        assert slot["meta"]["profile"] == [
            "http://sas.fr/fhir/StructureDefinition/FrSlotAgregateur"
        ]
        assert {c["code"] for c in slot["meta"]["security"]} == {"SNP", "PRO"}
        assert slot["serviceType"][0]["coding"][0]["code"] == "VR"
        assert slot["appointmentType"]["coding"][0]["code"] == "ROUTINE"
        assert slot["comment"].endswith(f"/slots/{published['id']}")
        assert slot["start"].endswith(".000+00:00")
        for s in slots:
            assert window["ge"][:16] <= s["start"][:16] <= window["le"][:16]
        kinds = {e["resource"]["resourceType"] for e in body["entry"]}
        assert {"Slot", "Schedule", "Practitioner", "PractitionerRole"} <= kinds
        practitioners_found = {
            e["resource"]["identifier"][0]["value"]
            for e in body["entry"]
            if e["resource"]["resourceType"] == "Practitioner"
        }
        assert idnat in practitioners_found
        role = next(
            e["resource"]
            for e in body["entry"]
            if e["resource"]["resourceType"] == "PractitionerRole"
        )
        for role in (
            e["resource"]
            for e in body["entry"]
            if e["resource"]["resourceType"] == "PractitionerRole"
        ):
            location = role["contained"][0]  # always: even a video slot's role has its Location
            assert role["location"] == [{"reference": "#lieu"}]
            assert location["address"]["city"] and location["address"]["postalCode"]


async def test_the_cpts_variant_includes_the_service_and_the_cpts(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    territory = (await client.get("/api/v1/territory", headers=coordinator)).json()
    window = kit_window(clock, millis=True, offset=False)
    response = await search(
        client,
        coordinator,
        "_include=Slot:schedule&_include:iterate=Schedule:actor&_include=Slot:service-type-reference"
        f"&_include:iterate=HealthcareService:organization&start=ge{window['ge']}&start=le{window['le']}"
        f"&schedule.actor:HealthcareService.organization.identifier=urn:oid:1.2.250.1.71.4.2.2|1{territory['finess']}"
        "&status=free",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    Bundle.model_validate(body)
    kinds = {e["resource"]["resourceType"] for e in body["entry"]}
    assert {"HealthcareService", "Organization"} <= kinds
    service = next(
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "HealthcareService"
    )
    for entry in body["entry"]:
        assert entry["fullUrl"].startswith("http"), "absolute fullUrls"
        if entry["resource"]["resourceType"] == "Slot":
            slot = entry["resource"]
            assert slot["meta"]["profile"][0].endswith("FrSlotAgregateurCPTS")
            (reference,) = [st for st in slot["serviceType"] if "extension" in st]
            assert reference["coding"][0]["code"] == "604"
            assert (
                reference["extension"][0]["valueReference"]["reference"]
                == f"HealthcareService/{service['id']}"
            )


async def test_errors_are_operation_outcomes(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    regulator = await login(client, "regulator@sud-yvelines.test")
    bad = await search(client, regulator, "start=ge2025-01-01&status=free")
    assert bad.status_code == 400
    OperationOutcome.model_validate(bad.json())
    assert bad.json()["issue"][0]["expression"] == ["start"]
    anonymous = await client.get("/fhir/Slot?start=ge2025-01-01")
    assert anonymous.status_code == 401 and anonymous.json()["resourceType"] == "OperationOutcome"
    gp, idnat = await national_id(client, 3)
    forbidden = await search(
        client,
        gp,
        f"start=ge2025-01-01&start=le2025-01-02&schedule.actor:Practitioner.identifier={PS}|{idnat}",
    )
    assert forbidden.status_code == 403 and forbidden.json()["resourceType"] == "OperationOutcome"
    nobody = await search(
        client,
        regulator,
        f"start=ge{kit_window(clock)['ge'].replace('+', '%2B')}&start=le{kit_window(clock)['le'].replace('+', '%2B')}"
        f"&schedule.actor:Practitioner.identifier={PS}|899999999999&status=free",
    )
    assert nobody.status_code == 200 and nobody.json()["total"] == 0


async def test_the_sas_platform_account_reaches_fhir_only(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    created = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": f"sas-{clock.now().timestamp():.0f}@sas.test",
            "display_name": "Plateforme SAS",
            "roles": ["sas_platform"],
            "password": "a-long-platform-secret",
        },
    )
    assert created.status_code in (200, 201), created.text
    platform = await login(client, created.json()["email"], "a-long-platform-secret")
    _, idnat = await national_id(client, 4)
    window = kit_window(clock)
    ok = await search(
        client,
        platform,
        f"start=ge{window['ge'].replace('+', '%2B')}&start=le{window['le'].replace('+', '%2B')}"
        f"&schedule.actor:Practitioner.identifier={PS}|{idnat}&status=free",
    )
    assert ok.status_code == 200
    for path in (
        "/api/v1/slots?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z",
        "/api/v1/requests",
    ):
        assert (await client.get(path, headers=platform)).status_code == 403, path
