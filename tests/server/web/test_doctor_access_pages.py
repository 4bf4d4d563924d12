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
