"""The login page shows its own sentences for error codes, never text from the URL."""

from __future__ import annotations

import httpx


async def test_error_codes_only(client: httpx.AsyncClient) -> None:
    known = await client.get("/connexion", params={"erreur": "psc-unknown"})
    assert "Aucun compte de la CPTS" in known.text and "carte CPS ou e-CPS" in known.text
    forged = await client.get("/connexion", params={"erreur": "Appelez le 0899 00 00 00"})
    assert "0899" not in forged.text and "La connexion a échoué." in forged.text
    assert 'method="post"' in known.text, "no password in a GET URL before the script runs"


async def test_an_expired_session_on_a_page_goes_to_the_login_form(
    client: httpx.AsyncClient,
) -> None:
    client.cookies.set("cpts_session", "cpts_expired-or-revoked-secret")
    page = await client.get("/creneaux")
    assert page.status_code == 303 and page.headers["location"].startswith("/connexion")
    api = await client.get("/api/v1/me")
    assert api.status_code == 401, "the API still says why"


async def test_far_dates_in_page_filters_are_corrected_not_crashing(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import login

    for email, path in (
        ("nurse1@sud-yvelines.test", "/teleconsultations/nouvelle?du=9999-12-31&au=9999-12-31"),
        ("coordinator@sud-yvelines.test", "/tableau-de-bord?from=2026-06-01&to=2026-01-01"),
    ):
        client.cookies.clear()
        token = await login(client, email)
        secret = token["Authorization"].removeprefix("Bearer ")
        client.cookies.set("cpts_session", secret)
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert 'role="alert"' in response.text or "trop loin" in response.text, path


async def test_an_unknown_address_is_a_french_page_for_browsers(client: httpx.AsyncClient) -> None:
    page = await client.get("/nulle-part", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text and 'href="/"' in page.text
    api = await client.get("/api/v1/nulle-part", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    script = await client.get("/nulle-part")
    assert script.headers["content-type"] == "application/problem+json"
