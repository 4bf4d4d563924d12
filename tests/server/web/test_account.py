"""« Mon compte »: identity, the caller's own calendar feeds, busy calendars and API tokens."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import login
from tests.server.web.pages_helpers import cookie_login


async def _feed(client: httpx.AsyncClient, email: str, name: str) -> dict[str, str]:
    headers = await login(client, email)
    response = await client.post("/api/v1/me/calendar-feeds", headers=headers, json={"name": name})
    assert response.status_code == 201, response.text
    feed: dict[str, str] = response.json()
    return feed


async def test_account_page_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/compte")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=%2Fcompte"


async def test_account_page_lists_the_callers_feeds_only(client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:8]
    mine = await _feed(client, "gp1@sud-yvelines.test", f"Cabinet {tag}")
    theirs = await _feed(client, "gp2@sud-yvelines.test", f"Autre {tag}")
    headers = await login(client, "gp1@sud-yvelines.test")
    token = await client.post(
        "/api/v1/me/tokens", headers=headers, json={"name": f"Logiciel {tag}"}
    )
    assert token.status_code == 201, token.text

    await cookie_login(client, "gp1@sud-yvelines.test")
    response = await client.get("/compte")
    assert response.status_code == 200
    text = response.text
    assert "Mon compte" in text and "Qui suis-je" in text
    assert "médecin généraliste" in text and "Dr Claire Martin" in text
    assert f"Cabinet {tag}" in text and f'data-feed="{mine["id"]}"' in text
    assert f"Autre {tag}" not in text and theirs["id"] not in text, "another person's feed"
    # The secret URL is never rendered again, only shown by the page script at creation.
    assert mine["url"] not in text
    assert f"/api/v1/me/calendar-feeds/{mine['id']}/rotate" in text
    assert 'id="feed-form" data-api="/api/v1/me/calendar-feeds"' in text
    assert "Google Agenda" in text and "Outlook" in text and "Apple Calendrier" in text
    # Busy calendars for a professional, and the API tokens.
    assert 'data-api="/api/v1/me/busy-calendars"' in text
    assert f"Logiciel {tag}" in text
    assert token.json()["token"] not in text
    assert "cette session" in text


async def test_account_page_of_staff_and_of_a_regulator(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "coordinator@sud-yvelines.test")
    text = (await client.get("/compte")).text
    assert "coordination" in text
    assert 'value="pool"' in text and 'value="professional"' not in text
    assert "Mes calendriers importés" not in text, "no agenda of one's own"

    await cookie_login(client, "regulator@sud-yvelines.test")
    text = (await client.get("/compte")).text
    assert "régulation" in text
    assert 'id="feed-form"' not in text
    assert "pas d'agenda à publier" in text
