"""The médecin-traitant pages render what the use cases give: the public form (no account,
the territory's communes), the coordinator's list (fragility first, suggested GPs), the GP's
page (capacity, proposals)."""

from __future__ import annotations

import httpx

from tests.server.test_waiting_list_api import PUBLIC_ENTRY
from tests.server.web.pages_helpers import cookie_login


async def test_the_public_form_needs_no_account(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
    page = await client.get("/trouver-un-medecin?cpts=sud-yvelines")
    assert page.status_code == 200
    assert "Trouver un médecin traitant" in page.text
    assert 'value="78517"' in page.text  # Rambouillet, a commune of the territory
    assert "Affection de longue durée (ALD)" in page.text
    unknown = await client.get("/trouver-un-medecin?cpts=nulle-part")
    assert unknown.status_code == 404 and "CPTS introuvable" in unknown.text


async def test_the_list_puts_the_more_fragile_first(client: httpx.AsyncClient) -> None:
    plain = {
        **PUBLIC_ENTRY,
        "fragilities": [],
        "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Zéphir"},
    }
    frail = {
        **PUBLIC_ENTRY,
        "fragilities": ["c2s", "ald"],
        "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Abadie"},
    }
    for entry in (plain, frail):
        assert (await client.post("/api/v1/waiting-list", json=entry)).status_code == 201
    await cookie_login(client, "coordinator@sud-yvelines.test")
    page = await client.get("/coordination/medecin-traitant")
    assert page.status_code == 200
    assert page.text.index("ABADIE") < page.text.index("ZÉPHIR")


async def test_the_gp_page_shows_the_capacity_form(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "gp2@sud-yvelines.test")
    page = await client.get("/medecin-traitant")
    assert page.status_code == 200
    assert 'id="capacity-form"' in page.text and "Aucune proposition en attente." in page.text


async def test_the_list_filters_by_situation_commune_origin_and_duplicates(
    client: httpx.AsyncClient,
) -> None:
    frail = {
        **PUBLIC_ENTRY,
        "fragilities": ["c2s"],
        "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Cadet"},
    }
    plain = {
        **PUBLIC_ENTRY,
        "fragilities": [],
        "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Dijoux"},
    }
    for entry in (frail, plain, plain):  # Dijoux twice: a possible duplicate
        assert (await client.post("/api/v1/waiting-list", json=entry)).status_code == 201
    await cookie_login(client, "coordinator@sud-yvelines.test")
    c2s = await client.get("/coordination/medecin-traitant?situation=c2s")
    assert "CADET" in c2s.text and "DIJOUX" not in c2s.text
    assert 'id="f-clear"' in c2s.text and "(filtrée" in c2s.text
    twins = await client.get("/coordination/medecin-traitant?doublons=1")
    assert twins.text.count("DIJOUX") == 1 and "CADET" not in twins.text
    elsewhere = await client.get("/coordination/medecin-traitant?commune=78000&origine=cpam")
    assert "Aucune demande ne répond à ces filtres." in elsewhere.text
    lenient = await client.get("/coordination/medecin-traitant?situation=x&attente=²&statut=y")
    assert lenient.status_code == 200 and "CADET" in lenient.text  # unknown values: ignored
    api = await client.get(
        "/api/v1/waiting-list",
        params={"fragility": "c2s", "status": ["waiting", "proposed"]},
        headers={"X-CSRF-Token": client.cookies.get("cpts_csrf") or ""},
    )
    assert api.status_code == 200, api.text
    items = api.json()["items"]
    assert "Cadet" in [i["patient"]["family_name"] for i in items]
    assert all("c2s" in i["fragilities"] and i["status"] == "waiting" for i in items)
    assert "Dijoux" not in [i["patient"]["family_name"] for i in items]


async def test_staff_record_an_entry_from_the_patient_file(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "coordinator@sud-yvelines.test")
    page = await client.get("/coordination/medecin-traitant/inscrire")
    assert page.status_code == 200
    assert 'data-api="/api/v1/waiting-list/recorded"' in page.text
    assert '<option value="cpam">CPAM</option>' in page.text and 'value="public"' not in page.text
    assert "Où vit le patient, comment le rappeler" in page.text
    list_page = await client.get("/coordination/medecin-traitant")
    assert 'href="/coordination/medecin-traitant/inscrire"' in list_page.text
    await cookie_login(client, "gp2@sud-yvelines.test")
    refused = await client.get("/coordination/medecin-traitant/inscrire")
    assert refused.status_code == 403


async def test_the_gp_states_the_communes_they_take_patients_from(
    client: httpx.AsyncClient,
) -> None:
    await cookie_login(client, "gp2@sud-yvelines.test")
    page = await client.get("/medecin-traitant")
    assert 'id="cap-communes"' in page.text
    assert 'name="communes" data-type="list" value="78517"' in page.text


async def test_the_list_shows_the_quarters_room_left(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "gp5@sud-yvelines.test")
    me = (await client.get("/api/v1/me")).json()
    csrf = {"X-CSRF-Token": client.cookies.get("cpts_csrf") or ""}
    stated = await client.put(
        f"/api/v1/professionals/{me['professional']['id']}/capacity",
        headers=csrf,
        json={"new_patients": 7, "radius_km": 12},
    )
    assert stated.status_code == 200, stated.text
    await cookie_login(client, "coordinator@sud-yvelines.test")
    room = (await client.get("/api/v1/waiting-list/capacity")).json()
    mine = next(g for g in room["gps"] if g["professional_id"] == me["professional"]["id"])
    assert mine["new_patients"] == 7 and mine["remaining"] <= 7 and mine["radius_km"] == 12
    assert room["remaining"] >= mine["remaining"] and room["quarter"].count("-T") == 1
    page = await client.get("/coordination/medecin-traitant")
    assert 'id="mt-capacity"' in page.text and "12 km" in page.text
