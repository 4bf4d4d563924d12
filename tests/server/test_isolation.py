"""Tenant isolation: nothing of another territory is visible, and it answers 404, not 403."""

from __future__ import annotations

import httpx

from tests.conftest import login

Client = httpx.AsyncClient


async def test_objects_of_another_territory_are_404(client: Client) -> None:
    vexin = await login(client, "admin@vexin-normand.test")
    sud = await login(client, "admin@sud-yvelines.test")
    their_pros = (await client.get("/api/v1/professionals?limit=200", headers=vexin)).json()[
        "items"
    ]
    their_accounts = (await client.get("/api/v1/accounts", headers=vexin)).json()["items"]
    their_tokens = (await client.get("/api/v1/me/tokens", headers=vexin)).json()["items"]
    assert their_pros and their_accounts and their_tokens

    for pro in their_pros:
        assert (
            await client.get(f"/api/v1/professionals/{pro['id']}", headers=sud)
        ).status_code == 404
        patched = await client.patch(
            f"/api/v1/professionals/{pro['id']}", headers=sud, json={"membership": "none"}
        )
        assert patched.status_code == 404
    for account in their_accounts:
        response = await client.patch(
            f"/api/v1/accounts/{account['id']}", headers=sud, json={"roles": ["gp"]}
        )
        assert response.status_code == 404
    for token in their_tokens:
        assert (
            await client.delete(f"/api/v1/me/tokens/{token['id']}", headers=sud)
        ).status_code == 404


async def test_collections_only_show_the_own_territory(client: Client) -> None:
    vexin = await login(client, "coordinator@vexin-normand.test")
    sud = await login(client, "coordinator@sud-yvelines.test")
    theirs = {
        p["id"]
        for p in (await client.get("/api/v1/professionals?limit=200", headers=vexin)).json()[
            "items"
        ]
    }
    mine = {
        p["id"]
        for p in (await client.get("/api/v1/professionals?limit=200", headers=sud)).json()["items"]
    }
    assert theirs and mine and not (theirs & mine)
    their_communes = {
        c["insee"] for c in (await client.get("/api/v1/communes", headers=vexin)).json()["items"]
    }
    my_communes = {
        c["insee"] for c in (await client.get("/api/v1/communes", headers=sud)).json()["items"]
    }
    assert not (their_communes & my_communes)


async def test_cannot_reference_another_territorys_commune(client: Client) -> None:
    vexin = await login(client, "coordinator@vexin-normand.test")
    sud = await login(client, "coordinator@sud-yvelines.test")
    their_insee = (await client.get("/api/v1/communes", headers=vexin)).json()["items"][0]["insee"]
    response = await client.post(
        "/api/v1/professionals",
        headers=sud,
        json={
            "family_name": "Petit",
            "given_name": "Jean",
            "profession": "nurse",
            "adeli": "786099999",
            "locations": [{"label": "Cabinet", "address": "1 rue", "commune_insee": their_insee}],
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "locations.commune_insee"
