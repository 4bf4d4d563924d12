"""The médecin-traitant waiting list over HTTP: the public form answers a receipt and nothing
else, refuses in French; the coordinator's list suggests the GPs who stated a capacity; the
GP's answer; the public contract of the issue."""

from __future__ import annotations

import httpx

from tests.conftest import login

PUBLIC_ENTRY = {
    "patient": {
        "family_name": "Boyer",
        "given_name": "Émile",
        "birth_date": "1944-08-19",
        "sex": "male",
    },
    "commune_insee": "78517",
    "contact_phone": "06 11 22 33 44",
    "fragilities": ["ald", "over_70"],
    "needs_home_visits": False,
    "territory": "sud-yvelines",
}


async def test_the_public_form_needs_no_account_and_answers_a_receipt(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/api/v1/waiting-list", json=PUBLIC_ENTRY)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"receipt", "received_at"} and body["receipt"].startswith("MT-")
    refused = await client.post(
        "/api/v1/waiting-list",
        json={**PUBLIC_ENTRY, "contact_phone": None},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 422
    assert (
        refused.json()["detail"] == "Indiquez un téléphone ou une adresse e-mail pour être rappelé."
    )
    sneaky = await client.post("/api/v1/waiting-list", json={**PUBLIC_ENTRY, "source": "cpam"})
    assert sneaky.status_code == 422 and sneaky.json()["code"] == "mt_source_public"


async def test_the_coordinator_proposes_and_the_gp_accepts(client: httpx.AsyncClient) -> None:
    gp = await login(client, "gp1@sud-yvelines.test")
    me = (await client.get("/api/v1/me", headers=gp)).json()
    pid = me["professional"]["id"]
    capacity = await client.put(
        f"/api/v1/professionals/{pid}/capacity",
        headers=gp,
        json={"new_patients": 10, "radius_km": 50, "home_visits": True},
    )
    assert capacity.status_code == 200, capacity.text
    assert capacity.json()["quarter"].count("-T") == 1
    entry = {**PUBLIC_ENTRY, "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Lauret"}}
    assert (await client.post("/api/v1/waiting-list", json=entry)).status_code == 201
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    listed = (await client.get("/api/v1/waiting-list", headers=coordinator)).json()["items"]
    mine = next(i for i in listed if i["patient"]["family_name"] == "Lauret")
    assert mine["status"] == "waiting" and mine["fragilities"] == ["ald", "over_70"]
    assert pid in mine["suggested"]
    proposed = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals",
        headers=coordinator,
        json={"professional_ids": [pid]},
    )
    assert proposed.status_code == 201, proposed.text
    (proposal,) = proposed.json()
    accepted = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals/{proposal['id']}/accept", headers=gp
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["gp_professional_id"] == pid
    again = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals/{proposal['id']}/accept",
        headers={**gp, "Accept-Language": "fr"},
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Cette proposition a reçu une réponse")
    declared = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/declared",
        headers=gp,
        json={"declared_on": accepted.json()["declared_on"] or proposal["proposed_at"][:10]},
    )
    assert declared.status_code == 200, declared.text
    assert declared.json()["status"] == "declared"
