"""The Annuaire Santé FHIR API (v2) read into national activities: resources shaped as the
ANS IG's examples (as-dp-practitioner, as-dp-practitionerrole, Organization), a searchset
followed over two pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from integrations.annuaire.fhir import (
    AnnuaireError,
    activities_from_resources,
    resources_of,
    search_pages,
)

NOS = "https://mos.esante.gouv.fr/NOS"
PRACTITIONER = {
    "resourceType": "Practitioner",
    "id": "003-3014698-3057235",
    "identifier": [
        {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "810102727017"},
        {"system": "https://rpps.esante.gouv.fr", "value": "10102727017"},
    ],
    "active": True,
    "name": [{"use": "usual", "family": "CHATELIER", "given": ["David"], "prefix": ["M"]}],
    "telecom": [
        {
            "extension": [
                {
                    "url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type",
                    "valueCoding": {"system": f"{NOS}/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie", "code": "MSSANTE"},
                }
            ],
            "system": "email",
            "value": "davidchatelier@xxx.mssante.fr",
        }
    ],
    "qualification": [
        {"code": {"coding": [
            {"system": f"{NOS}/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante", "code": "10"},
            {"system": f"{NOS}/TRE_R09-CategorieProfessionnelle/FHIR/TRE-R09-CategorieProfessionnelle", "code": "C"},
        ]}},
        {"code": {"coding": [
            {"system": f"{NOS}/TRE_R04-TypeSavoirFaire/FHIR/TRE-R04-TypeSavoirFaire", "code": "S"},
            {"system": f"{NOS}/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale", "code": "SM54", "display": "Médecine générale (SM)"},
        ]}},
    ],
}  # fmt: skip
ORGANIZATION = {
    "resourceType": "Organization",
    "id": "001-01-1234",
    "identifier": [
        {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1780954251"},
        {"system": "https://finess.esante.gouv.fr", "value": "780954251"},
    ],
    "name": "MSP DE RAMBOUILLET",
    "telecom": [{"system": "phone", "value": "0134831245"}],
    "address": [
        {
            "extension": [
                {"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code",
                 "valueCoding": {"code": "78517"}}
            ],
            "line": ["14 RUE GAMBETTA"],
            "postalCode": "78120",
            "city": "RAMBOUILLET",
        }
    ],
}  # fmt: skip
ROLE = {
    "resourceType": "PractitionerRole",
    "id": "005-5087586-6923328",
    "active": True,
    "practitioner": {"reference": "Practitioner/003-3014698-3057235"},
    "organization": {"reference": "Organization/001-01-1234"},
    "code": [{"coding": [{"system": f"{NOS}/TRE_R23-ModeExercice/FHIR/TRE-R23-ModeExercice", "code": "L"}]}],
}  # fmt: skip


def _bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    links = [{"relation": "self", "url": "https://api.test/fhir/v2/PractitionerRole"}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": r} for r in resources],
    }


def test_a_role_becomes_an_activity() -> None:
    (activity,) = activities_from_resources([ROLE, PRACTITIONER, ORGANIZATION])
    assert (activity.id_type, activity.identifier) == ("8", "10102727017")
    assert (activity.family_name, activity.given_name) == ("CHATELIER", "David")
    assert (activity.profession_code, activity.specialty_code, activity.mode) == ("10", "SM54", "L")
    assert (activity.commune_insee, activity.postal_code) == ("78517", "78120")
    assert (activity.finess, activity.site_name, activity.phone) == (
        "780954251",
        "MSP DE RAMBOUILLET",
        "0134831245",
    )
    assert activity.structure_key == "fhir:001-01-1234"
    assert activity.email == ""  # the MSSanté address is no plain e-mail


def test_the_postal_code_names_the_commune_when_no_insee_code_does() -> None:
    plain = {**ORGANIZATION, "address": [{"line": ["1 PLACE"], "postalCode": "78120"}]}
    (activity,) = activities_from_resources([ROLE, PRACTITIONER, plain], {"78120": "78517"})
    assert activity.commune_insee == "78517"
    inactive = {**ROLE, "active": False}
    assert list(activities_from_resources([inactive, PRACTITIONER, ORGANIZATION])) == []


async def test_a_search_is_followed_page_by_page() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["ESANTE-API-KEY"])
        if request.url.params.get("page") == "2":
            return httpx.Response(200, json=_bundle(PRACTITIONER, ORGANIZATION))
        return httpx.Response(
            200, json=_bundle(ROLE, next_url="https://api.test/fhir/v2/PractitionerRole?page=2")
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        pages = [
            p async for p in search_pages("https://api.test/fhir/v2/PractitionerRole", "k", client)
        ]
    assert seen == ["k", "k"] and [len(p) for p in pages] == [1, 2]
    (activity,) = activities_from_resources(r for page in pages for r in page)
    assert activity.identifier == "10102727017"


async def test_refusals() -> None:
    with pytest.raises(AnnuaireError):
        resources_of({"resourceType": "Patient"})

    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Invalid API key"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(refused)) as client:
        with pytest.raises(AnnuaireError, match="401"):
            [p async for p in search_pages("https://api.test/fhir/v2/Practitioner", "bad", client)]
