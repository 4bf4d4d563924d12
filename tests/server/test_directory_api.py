"""Directory search and maintenance through the API."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from kernel.events import Event
from server.database import Database
from tests.conftest import login

Client = httpx.AsyncClient


async def test_search_by_profession_pages_with_cursor(client: Client) -> None:
    headers = await login(client, "regulator@sud-yvelines.test")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"profession": "physician", "limit": "5"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/professionals", params=params, headers=headers)).json()
        seen += [p["id"] for p in page["items"]]
        assert all(p["profession"] == "physician" for p in page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 14  # 12 GPs + angiologist + dermatologist


async def test_search_by_name_ignores_accents_and_case(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    everyone = (await client.get("/api/v1/professionals?limit=200", headers=headers)).json()[
        "items"
    ]
    target = everyone[3]
    query = target["family_name"].upper()
    found = (await client.get("/api/v1/professionals", params={"q": query}, headers=headers)).json()
    assert target["id"] in {p["id"] for p in found["items"]}


async def test_search_by_commune(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    communes = {
        c["id"]: c for c in (await client.get("/api/v1/communes", headers=headers)).json()["items"]
    }
    assert len(communes) == 36
    everyone = (await client.get("/api/v1/professionals?limit=200", headers=headers)).json()[
        "items"
    ]
    loc = everyone[0]["locations"][0]
    insee = communes[loc["commune_id"]]["insee"]
    found = (
        await client.get("/api/v1/professionals", params={"commune": insee}, headers=headers)
    ).json()
    assert found["items"]
    for p in found["items"]:
        assert insee in {communes[loc["commune_id"]]["insee"] for loc in p["locations"]}


async def test_coordinator_adds_a_professional_with_event(
    client: Client, database: Database
) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    response = await client.post(
        "/api/v1/professionals",
        headers=headers,
        json={
            "family_name": "Lefèvre",
            "given_name": "Hélène",
            "profession": "physiotherapist",
            "rpps": "10100050075",  # an ANS example: fails Luhn, accepted with a warning
            "locations": [
                {"label": "Cabinet", "address": "2 place Félix Faure", "commune_insee": "78517"}
            ],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["warnings"] == ["RPPS check digit (Luhn) does not match"]
    assert body["idnat_ps"] == "810100050075"
    async with database.read() as session:
        event = await session.scalar(select(Event).where(Event.subject_id == uuid.UUID(body["id"])))
    assert event is not None and event.type == "directory.professional_created"
    duplicate = await client.post(
        "/api/v1/professionals",
        headers=headers,
        json={"family_name": "X", "given_name": "Y", "profession": "nurse", "rpps": "10100050075"},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "rpps"


async def test_identifier_errors_name_the_field(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    base = {"family_name": "Roux", "given_name": "Léa", "profession": "nurse"}
    cases = [
        ({"rpps": "123"}, "rpps"),
        ({"adeli": "12"}, "adeli"),
        ({}, "rpps"),
        (
            {
                "rpps": "79927398713",
                "locations": [{"label": "C", "address": "a", "commune_insee": "75056"}],
            },
            "locations.commune_insee",
        ),
    ]
    for extra, field in cases:
        response = await client.post("/api/v1/professionals", headers=headers, json=base | extra)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


async def test_only_staff_change_the_directory(client: Client) -> None:
    headers = await login(client, "gp1@sud-yvelines.test")
    response = await client.post(
        "/api/v1/professionals",
        headers=headers,
        json={"family_name": "A", "given_name": "B", "profession": "nurse", "rpps": "79927398713"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_update_membership_and_locations(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    nurses = (
        await client.get("/api/v1/professionals?profession=nurse&limit=1", headers=headers)
    ).json()
    nurse = nurses["items"][0]
    response = await client.patch(
        f"/api/v1/professionals/{nurse['id']}",
        headers=headers,
        json={
            "membership": "none",
            "add_locations": [
                {"label": "Antenne", "address": "1 rue de la Gare", "commune_insee": "78517"}
            ],
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["membership"] == "none"
    assert len(updated["locations"]) == len(nurse["locations"]) + 1


async def test_structures_validated(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    listed = (await client.get("/api/v1/structures?kind=msp", headers=headers)).json()["items"]
    assert len(listed) == 3 and all(s["idnat_struct"] for s in listed)
    bad = await client.post(
        "/api/v1/structures",
        headers=headers,
        json={
            "kind": "pharmacy",
            "name": "P",
            "commune_insee": "78517",
            "address": "x",
            "siret": "73282932000075",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "siret"
    ok = await client.post(
        "/api/v1/structures",
        headers=headers,
        json={
            "kind": "pharmacy",
            "name": "Pharmacie de test",
            "commune_insee": "78517",
            "address": "x",
            "siret": "73282932000074",
        },
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["idnat_struct"] == "373282932000074"


async def test_territory_endpoint(client: Client) -> None:
    headers = await login(client, "gp1@vexin-normand.test")
    territory = (await client.get("/api/v1/territory", headers=headers)).json()
    assert territory["name"] == "CPTS Vexin-Normand"
    assert territory["aci_size"] == 1
    assert territory["idnat_struct"] == "1" + territory["finess"]
