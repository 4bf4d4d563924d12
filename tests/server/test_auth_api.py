"""Login, /me, tokens, revocation, session cookies with CSRF."""

from __future__ import annotations

import httpx
import msgspec
import pytest
from litestar import Litestar

from integrations.ratelimit import InProcessLimiter
from server.state import AppServices
from tests.conftest import login

Client = httpx.AsyncClient

DEMO_ACCOUNTS = [
    "coordinator@sud-yvelines.test",
    "regulator@sud-yvelines.test",
    "admin@sud-yvelines.test",
    *[f"gp{i}@sud-yvelines.test" for i in range(1, 13)],
    *[f"nurse{i}@sud-yvelines.test" for i in range(1, 11)],
    *[f"expert{i}@sud-yvelines.test" for i in range(1, 4)],
    "pharmacist1@sud-yvelines.test",
    "pharmacist2@sud-yvelines.test",
    "coordinator@vexin-normand.test",
    "gp1@vexin-normand.test",
]


async def test_every_demo_account_logs_in(client: Client) -> None:
    for email in DEMO_ACCOUNTS:
        headers = await login(client, email)
        me = (await client.get("/api/v1/me", headers=headers)).json()
        assert me["email"] == email


async def test_me_returns_roles_territory_and_professional(client: Client) -> None:
    headers = await login(client, "gp1@sud-yvelines.test")
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    me = response.json()
    assert me["roles"] == ["gp"]
    assert me["territory"]["name"] == "CPTS Sud Yvelines"
    assert me["territory"]["aci_size"] == 3
    assert me["territory"]["timezone"] == "Europe/Paris"
    assert me["professional_id"] == me["professional"]["id"]
    assert me["professional"]["profession"] == "physician"
    assert me["professional"]["idnat_ps"].startswith("8")
    coordinator = (
        await client.get("/api/v1/me", headers=await login(client, "coordinator@sud-yvelines.test"))
    ).json()
    assert coordinator["professional"] is None and coordinator["professional_id"] is None


@pytest.mark.parametrize(
    ("email", "password"),
    [("gp1@sud-yvelines.test", "wrong"), ("nobody@sud-yvelines.test", "demo")],
)
async def test_bad_credentials_get_the_same_401(client: Client, email: str, password: str) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "e-mail or password is incorrect"


async def test_email_is_case_insensitive(client: Client) -> None:
    await login(client, "  GP2@Sud-Yvelines.TEST ")


async def test_no_token_and_bad_token_are_401(client: Client) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401
    bad = await client.get("/api/v1/me", headers={"Authorization": "Bearer cpts_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Bearer")
    basic = await client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert basic.status_code == 401


async def test_tokens_are_listed_created_and_revoked(client: Client) -> None:
    headers = await login(client, "nurse3@sud-yvelines.test")
    created = await client.post("/api/v1/me/tokens", json={"name": "tablette"}, headers=headers)
    assert created.status_code == 201
    new = created.json()
    assert new["token"].startswith("cpts_")
    device = {"Authorization": f"Bearer {new['token']}"}
    assert (await client.get("/api/v1/me", headers=device)).status_code == 200
    listed = (await client.get("/api/v1/me/tokens", headers=headers)).json()["items"]
    assert new["id"] in {t["id"] for t in listed}
    assert all("token" not in t for t in listed)
    revoked = await client.delete(f"/api/v1/me/tokens/{new['id']}", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=device)).status_code == 401
    again = await client.delete(f"/api/v1/me/tokens/{new['id']}", headers=headers)
    assert again.status_code == 409


async def test_cannot_revoke_someone_elses_token(client: Client) -> None:
    mine = await login(client, "nurse4@sud-yvelines.test")
    theirs = await login(client, "nurse5@sud-yvelines.test")
    their_tokens = (await client.get("/api/v1/me/tokens", headers=theirs)).json()["items"]
    response = await client.delete(f"/api/v1/me/tokens/{their_tokens[0]['id']}", headers=mine)
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=theirs)).status_code == 200


async def test_logout_revokes_the_token(client: Client) -> None:
    headers = await login(client, "pharmacist1@sud-yvelines.test")
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_session_cookie_and_csrf(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "coordinator@sud-yvelines.test", "password": "demo", "session": True},
    )
    assert response.status_code == 200
    set_cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith("cpts_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie.replace("Lax", "lax")
    csrf = response.cookies["cpts_csrf"]
    # Safe method with the cookie alone works.
    assert (await client.get("/api/v1/me")).status_code == 200
    # A write without the CSRF header is refused; with it, it passes.
    body = {"name": "navigateur"}
    refused = await client.post("/api/v1/me/tokens", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    accepted = await client.post("/api/v1/me/tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


async def test_login_from_another_site_is_refused(client: Client) -> None:
    credentials = {"email": "regulator@sud-yvelines.test", "password": "demo", "session": True}
    refused = await client.post(
        "/api/v1/auth/login", json=credentials, headers={"Origin": "https://attacker.example"}
    )
    assert refused.status_code == 403 and "Origin" in refused.json()["detail"]
    assert "set-cookie" not in refused.headers
    same_site = await client.post(
        "/api/v1/auth/login", json=credentials, headers={"Origin": "http://testserver.local"}
    )
    assert same_site.status_code == 200
    scripted = await client.post("/api/v1/auth/login", json=credentials)  # no Origin: not a page
    assert scripted.status_code == 200


async def test_a_stale_session_cookie_does_not_lock_out_the_login(client: Client) -> None:
    # An expired or revoked session still in the browser: the login form must work, without a
    # CSRF token (the old cookie's) and without the old token being resolved.
    client.cookies.set("cpts_session", "revoked-or-expired-secret", domain="testserver.local")
    client.cookies.set("cpts_csrf", "old", domain="testserver.local")
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "regulator@sud-yvelines.test", "password": "demo", "session": True},
        headers={"Origin": "http://testserver.local"},
    )
    assert response.status_code == 200, response.text
    assert (await client.get("/api/v1/me")).json()["email"] == "regulator@sud-yvelines.test"


async def test_failed_logins_are_limited_per_account(client: Client, app: Litestar) -> None:
    # Guesses spread over many addresses stop at the account; its owner learns when to retry,
    # and other accounts are not touched.
    services = AppServices.of(app)
    services.settings = msgspec.structs.replace(services.settings, rate_login_failures="3/900")
    services.rate_limiter = InProcessLimiter()  # counts of this test alone
    email = "pharmacist2@sud-yvelines.test"
    for _ in range(3):
        wrong = await client.post("/api/v1/auth/login", json={"email": email, "password": "x"})
        assert wrong.status_code == 401
    barred = await client.post("/api/v1/auth/login", json={"email": email, "password": "demo"})
    assert barred.status_code == 429, barred.text
    assert int(barred.headers["retry-after"]) > 0
    assert barred.json()["type"].endswith(":too-many-requests")
    other = await client.post(
        "/api/v1/auth/login", json={"email": "pharmacist1@sud-yvelines.test", "password": "demo"}
    )
    assert other.status_code == 200
