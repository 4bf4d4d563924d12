"""Account administration: only admins, roles, disabling."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import login

Client = httpx.AsyncClient


async def test_only_admins_manage_accounts(client: Client) -> None:
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    assert (await client.get("/api/v1/accounts", headers=coordinator)).status_code == 403


async def test_admin_creates_account_changes_roles_and_disables(client: Client) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    created = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": "osnp1@sud-yvelines.test",
            "display_name": "Opératrice SNP",
            "roles": ["regulator"],
            "password": "correct horse battery",
        },
    )
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["roles"] == ["regulator"]
    headers = await login(client, "osnp1@sud-yvelines.test", "correct horse battery")
    duplicate = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={"email": "OSNP1@sud-yvelines.test", "display_name": "x", "roles": ["gp"]},
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "email"
    changed = await client.patch(
        f"/api/v1/accounts/{account['id']}",
        headers=admin,
        json={"roles": ["regulator", "coordinator"]},
    )
    assert changed.json()["roles"] == ["coordinator", "regulator"]
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["roles"] == ["coordinator", "regulator"]
    disabled = await client.patch(
        f"/api/v1/accounts/{account['id']}",
        headers=admin,
        json={"roles": ["regulator"], "disabled": True},
    )
    assert disabled.json()["disabled"] is True
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_admin_cannot_drop_own_admin_role(client: Client) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    me = (await client.get("/api/v1/me", headers=admin)).json()
    response = await client.patch(
        f"/api/v1/accounts/{me['id']}", headers=admin, json={"roles": ["gp"]}
    )
    assert response.status_code == 422 and response.json()["field"] == "roles"


async def test_admin_cannot_disable_own_account(client: Client) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    me = (await client.get("/api/v1/me", headers=admin)).json()
    response = await client.patch(
        f"/api/v1/accounts/{me['id']}", headers=admin, json={"roles": ["admin"], "disabled": True}
    )
    assert response.status_code == 422 and response.json()["field"] == "disabled"
    assert (await client.get("/api/v1/me", headers=admin)).status_code == 200


async def test_re_enabling_an_account_does_not_revive_its_tokens_and_feeds(client: Client) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    created = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": "revive@sud-yvelines.test",
            "display_name": "Coordinatrice remplaçante",
            "roles": ["coordinator"],
            "password": "correct horse battery",
        },
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    headers = await login(client, "revive@sud-yvelines.test", "correct horse battery")
    feed = await client.post(
        "/api/v1/me/calendar-feeds", headers=headers, json={"name": "Pool", "scope": "pool"}
    )
    assert feed.status_code == 201, feed.text
    feed_path = "/" + feed.json()["url"].split("/", 3)[3]
    assert (await client.get(feed_path)).status_code == 200
    for disabled in (True, False):
        changed = await client.patch(
            f"/api/v1/accounts/{account_id}",
            headers=admin,
            json={"roles": ["coordinator"], "disabled": disabled},
        )
        assert changed.status_code == 200, changed.text
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await client.get(feed_path)).status_code == 410
    again = await login(client, "revive@sud-yvelines.test", "correct horse battery")
    assert (await client.get("/api/v1/me", headers=again)).status_code == 200


async def test_an_admin_learns_nothing_of_another_territorys_accounts(client: Client) -> None:
    """The address has an account in Vexin; Sud-Yvelines' admin creates it as for anyone new."""
    admin = await login(client, "admin@sud-yvelines.test")
    created = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": "coordinator@vexin-normand.test",
            "display_name": "Même adresse",
            "roles": ["regulator"],
            "password": "a different password",
        },
    )
    assert created.status_code == 201, created.text
    # Each password still opens its own territory's account.
    vexin = await login(client, "coordinator@vexin-normand.test")
    sud = await login(client, "coordinator@vexin-normand.test", "a different password")
    me_vexin = (await client.get("/api/v1/me", headers=vexin)).json()
    me_sud = (await client.get("/api/v1/me", headers=sud)).json()
    assert me_vexin["territory"]["slug"] == "vexin-normand"
    assert me_sud["territory"]["slug"] == "sud-yvelines"


async def test_one_password_in_two_territories_is_asked_which(client: Client) -> None:
    email = f"both-{uuid.uuid4().hex[:8]}@example.test"
    for territory in ("sud-yvelines", "vexin-normand"):
        admin = await login(client, f"admin@{territory}.test")
        created = await client.post(
            "/api/v1/accounts",
            headers=admin,
            json={
                "email": email,
                "display_name": "Même personne",
                "roles": ["regulator"],
                "password": "one password for both",
            },
        )
        assert created.status_code == 201, created.text
    body = {"email": email, "password": "one password for both"}
    asked = await client.post("/api/v1/auth/login", json=body)
    assert asked.status_code == 409
    problem = asked.json()
    assert problem["field"] == "territory"
    assert {t["slug"] for t in problem["territories"]} == {"sud-yvelines", "vexin-normand"}
    chosen = await client.post("/api/v1/auth/login", json=body | {"territory": "vexin-normand"})
    assert chosen.status_code == 200
    headers = {"Authorization": f"Bearer {chosen.json()['token']}"}
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["territory"]["slug"] == "vexin-normand"
