"""Account administration: only admins, roles, disabling."""

from __future__ import annotations

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
