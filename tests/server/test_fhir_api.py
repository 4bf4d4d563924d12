"""The SAS slot search through HTTP on both databases, with the ANS test kit's query shapes
against demo data; every resource emitted is validated with `fhir.resources` (R4B)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import msgspec
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kernel.clock import FrozenClock
from server.state import AppServices
from tests.conftest import login
from tests.server.sas_helpers import new_sas_platform
from tests.server.scheduling_helpers import gp_session

PS = "urn:oid:1.2.250.1.71.4.2.1"
IG = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"
TRE_R66 = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
SLOT_SERVICE_TYPE_R5 = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def _of(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == kind]


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
        # the kit asks for the IG's old `application/json+fhir` and expects this
        assert response.headers["content-type"].startswith("application/fhir+json")
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
        assert slot["comment"].endswith(f"/slots/{published['id']}?source=sas")
        # the SAS appends `&origin=…` to the link as it is: the page still answers
        landing = await client.get(
            urlsplit(slot["comment"] + "&origin=sas-preprod")
            ._replace(scheme="", netloc="")
            .geturl(),
            headers=regulator,
        )
        assert landing.status_code == 200
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
        roles = {r["id"]: r for r in _of(body, "PractitionerRole")}
        for role in roles.values():
            (location,) = role["contained"]  # always: even a video slot's role has its Location
            assert role["location"] == [{"reference": "#lieu"}]
            assert location["address"]["city"] and location["address"]["postalCode"]
            assert location["identifier"][0]["value"]
            assert role.get("telecom"), "the demo knows every GP's or practice's phone"
            for telecom in role.get("telecom", []):
                assert re.fullmatch(r"\+(33|262|590|594|596)\d{9}", telecom["value"])
        # one Schedule per practitioner and place: its actors the Practitioner and that role
        schedules = {s["id"]: s for s in _of(body, "Schedule")}
        assert len(schedules) == len(roles)
        for schedule in schedules.values():
            assert FHIR_ID.fullmatch(schedule["id"])
            kinds_of = [a["reference"].split("/")[0] for a in schedule["actor"]]
            assert kinds_of == ["Practitioner", "PractitionerRole"]
            assert schedule["actor"][1]["reference"].removeprefix("PractitionerRole/") in roles
        for slot in slots:
            assert slot["schedule"]["reference"].removeprefix("Schedule/") in schedules
        for entry in body["entry"]:
            assert len(entry["resource"].get("meta", {}).get("profile", [])) == 1, entry
            assert entry["fullUrl"]
        # the kit's format checks (groups 4.3 and 4.6), as its Ruby code writes them
        for practitioner in _of(body, "Practitioner"):
            assert re.fullmatch(r"8[0-9]{11}", practitioner["identifier"][0]["value"])
            assert practitioner["name"][0]["family"] and practitioner["name"][0]["given"]
        for slot in slots:
            for instant in (slot["start"], slot["end"]):
                assert re.fullmatch(
                    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}", instant
                )
            assert slot["start"] < slot["end"] and slot["status"] == "free"
        for role in roles.values():
            assert role["practitioner"]["reference"].startswith("Practitioner/")
            assert re.fullmatch(r"[0-9]{5}", role["contained"][0]["address"]["postalCode"])
            assert re.fullmatch(
                r"1[0-9]{9}|3[0-9]{14}|4[0-9]{14}", role["organization"]["identifier"]["value"]
            )


async def cpts_search(client: httpx.AsyncClient, clock: FrozenClock) -> httpx.Response:
    """The CPTS launch's search of the demo territory's pool, as the kit sends it."""
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    territory = (await client.get("/api/v1/territory", headers=coordinator)).json()
    window = kit_window(clock, millis=True, offset=False)
    return await search(
        client,
        coordinator,
        "_include=Slot:schedule&_include:iterate=Schedule:actor&_include=Slot:service-type-reference"
        f"&_include:iterate=HealthcareService:organization&start=ge{window['ge']}&start=le{window['le']}"
        f"&schedule.actor:HealthcareService.organization.identifier=urn:oid:1.2.250.1.71.4.2.2|1{territory['finess']}"
        "&status=free",
    )


async def test_the_cpts_variant_includes_the_service_and_the_cpts(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    response = await cpts_search(client, clock)
    assert response.status_code == 200, response.text
    body = response.json()
    Bundle.model_validate(body)
    kinds = {e["resource"]["resourceType"] for e in body["entry"]}
    assert {"HealthcareService", "Organization"} <= kinds
    service = next(
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "HealthcareService"
    )
    # The kit selects the CPTS launch's resources by the package's canonical profiles.
    assert body["meta"]["profile"] == [IG + "sas-cpts-bundle-aggregator"]
    assert service["meta"]["profile"] == [IG + "sas-cpts-healthcareservice-aggregator"]
    (organization,) = _of(body, "Organization")
    assert organization["meta"]["profile"] == [IG + "sas-cpts-organization-aggregator"]
    assert len(_of(body, "HealthcareService")) == 1
    assert service["providedBy"]["reference"] == f"Organization/{organization['id']}"
    (identifier,) = organization["identifier"]
    assert re.fullmatch(r"1\d{9}", identifier["value"])
    assert identifier["type"]["coding"][0] == {
        "system": "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type",
        "code": "IDNST",
    }
    assert organization["name"] and organization["telecom"][0]["value"] == "+33130412200"
    slots = _of(body, "Slot")
    assert slots, "the demo publishes SNP slots in the next days"
    for entry in body["entry"]:
        assert entry["fullUrl"].startswith("http"), "absolute fullUrls"
    for slot in slots:
        assert slot["meta"]["profile"] == [IG + "sas-cpts-slot-aggregator"]
        (reference,) = [st for st in slot["serviceType"] if "extension" in st]
        assert reference["coding"][0] == {"system": TRE_R66, "code": "604"}
        (extension,) = reference["extension"]
        assert extension["url"] == SLOT_SERVICE_TYPE_R5
        assert extension["valueReference"]["reference"] == f"HealthcareService/{service['id']}"


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
    platform, _ = await new_sas_platform(client)
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


SUBJECT = "CN=sas-preprod.sante.gouv.fr,OU=318751275100020,O=GIP SAS,C=FR"


async def test_the_sas_certificate_alone_authenticates_through_a_trusted_proxy(
    app: Any, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """As the ANS kit calls: no bearer token, the client certificate verified by nginx, its
    subject passed in headers that count only from CPTS_TRUSTED_PROXIES."""
    services = AppServices.of(app)
    _, email = await new_sas_platform(client)
    services.settings = msgspec.structs.replace(
        services.settings, sas_cert_subjects=f"CN=other;{SUBJECT}", sas_cert_account=email
    )
    _, idnat = await national_id(client, 5)
    window = kit_window(clock)
    query = (
        f"/fhir/Slot?start=ge{window['ge'].replace('+', '%2B')}&start=le{window['le'].replace('+', '%2B')}"
        f"&schedule.actor:Practitioner.identifier={PS}|{idnat}&status=free"
    )
    verified = {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-S-DN": SUBJECT}
    ok = await client.get(query, headers=verified | {"Accept": "application/json+fhir"})
    assert ok.status_code == 200, ok.text
    assert ok.headers["content-type"].startswith("application/fhir+json")
    for headers in (
        {"X-SSL-Client-Verify": "FAILED:certificate revoked", "X-SSL-Client-S-DN": SUBJECT},
        {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-S-DN": "CN=someone else"},
        {"X-SSL-Client-Verify": "SUCCESS"},
        {},
    ):
        refused = await client.get(query, headers=headers)
        assert refused.status_code == 401, headers
        assert refused.json()["resourceType"] == "OperationOutcome"
    # Sent by the caller itself (not through a trusted proxy), the headers mean nothing.
    outsider = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 40000)),
        base_url="http://testserver.local",
    )
    async with outsider:
        assert (await outsider.get(query, headers=verified)).status_code == 401
    # Nor does a certificate stand for anyone outside /fhir.
    assert (await client.get("/api/v1/requests", headers=verified)).status_code == 401
    # A withdrawn platform account is refused, certificate or not.
    admin = await login(client, "admin@sud-yvelines.test")
    accounts = (await client.get("/api/v1/accounts", headers=admin)).json()
    mine = next(a for a in accounts["items"] if a["email"] == email)
    disabled = await client.patch(
        f"/api/v1/accounts/{mine['id']}",
        headers=admin,
        json={"roles": ["sas_platform"], "disabled": True},
    )
    assert disabled.status_code == 200, disabled.text
    assert (await client.get(query, headers=verified)).status_code == 401
