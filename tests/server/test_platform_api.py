"""Onboarding over HTTP: the operator creates a territory and invites its admin, who sets a
password from the e-mail's link and logs in; forgotten passwords, whatever the e-mail."""

from __future__ import annotations

import re
import uuid

import httpx
from litestar import Litestar

from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import _random_finess, login
from tests.onboarding_world import fresh_reference
from tests.server.notify_helpers import RecordingNotifier, recording
from tests.server.platform_helpers import new_operator

PASSWORD = "une longue phrase de passe"


def _secret_of(notifier: RecordingNotifier, path: str) -> str:
    body = notifier.sent[-1].body
    found = re.search(re.escape(path) + r"#jeton=(\S+)", body)
    assert found, body
    return found.group(1)


async def test_the_operator_onboards_a_territory_and_its_admin_logs_in(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    notifier = recording(app)
    operator, _ = await new_operator(database, clock, client)
    async with database.write() as session:
        communes = [c.insee for c in await fresh_reference(session, clock, 3)]
    slug = f"reunion-{uuid.uuid4().hex[:8]}"
    admin_email = f"admin-{slug}@cpts.test"
    created = await client.post(
        "/api/v1/platform/territories",
        headers=operator,
        json={
            "slug": slug,
            "name": "CPTS Grand Sud Réunion",
            "finess": _random_finess(),
            "population": 90_000,
            "timezone": "Indian/Reunion",
            "holiday_subdivision": "974",
            "communes": communes,
            "first_admin": {"email": admin_email, "display_name": "Mme Hoarau"},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["territory"]["timezone"] == "Indian/Reunion"
    assert body["territory"]["aci_size"] == 3 and body["communes_added"] == communes
    assert body["invitation"]["email"] == admin_email
    assert "jeton" not in created.text  # the link goes by e-mail only
    assert [n.to for n in notifier.sent] == [admin_email]
    assert notifier.sent[0].subject == "Invitation : CPTS Grand Sud Réunion"
    secret = _secret_of(notifier, "/invitation")

    listed = await client.get("/api/v1/platform/territories", headers=operator)
    assert slug in [t["slug"] for t in listed.json()["items"]]
    # The operator is no member of the territories it makes.
    assert (await client.get("/api/v1/professionals", headers=operator)).status_code == 403

    weak = await client.post(
        "/api/v1/auth/password", json={"token": secret, "password": "qwerty123456"}
    )
    assert weak.status_code == 422 and weak.json()["code"] == "password_breached"
    done = await client.post("/api/v1/auth/password", json={"token": secret, "password": PASSWORD})
    assert done.status_code == 200, done.text
    assert done.json() == {"email": admin_email, "territory": slug}
    again = await client.post("/api/v1/auth/password", json={"token": secret, "password": PASSWORD})
    assert again.status_code == 422 and again.json()["code"] == "link_invalid"
    admin = await login(client, admin_email, PASSWORD)
    me = await client.get("/api/v1/me", headers=admin)
    assert me.json()["territory"]["slug"] == slug

    # The admin invites a regulator the usual way: no password, an e-mail.
    invited = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": f"regul-{slug}@cpts.test",
            "display_name": "M. Técher",
            "roles": ["regulator"],
        },
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["has_password"] is False and invited.json()["invitation_expires_at"]
    first = _secret_of(notifier, "/invitation")
    resent = await client.post(f"/api/v1/accounts/{invited.json()['id']}/invitation", headers=admin)
    assert resent.status_code == 201
    second = _secret_of(notifier, "/invitation")
    stale = await client.post("/api/v1/auth/password", json={"token": first, "password": PASSWORD})
    assert stale.json()["code"] == "link_invalid"  # the newer invitation supersedes it
    fresh = await client.post("/api/v1/auth/password", json={"token": second, "password": PASSWORD})
    assert fresh.status_code == 200

    changed = await client.patch(
        f"/api/v1/platform/territories/{slug}",
        headers=operator,
        json={"aci_size": 4, "phone": "0262 45 00 00"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["territory"]["aci_size"] == 4


async def test_a_forgotten_password_says_the_same_for_every_email(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    notifier = recording(app)
    unknown = await client.post(
        "/api/v1/auth/password-reset", json={"email": "personne@nulle.part"}
    )
    known = await client.post(
        "/api/v1/auth/password-reset", json={"email": "Regulator@Sud-Yvelines.test"}
    )
    assert unknown.status_code == known.status_code == 202
    assert unknown.content == known.content == b""
    assert [n.to for n in notifier.sent] == ["regulator@sud-yvelines.test"]
    assert notifier.sent[0].kind == "account.password_reset"
    # Not spent: the demo regulator keeps its password (this test only reads the link).
    assert "/mot-de-passe/nouveau#jeton=cpts_link_" in notifier.sent[0].body
    for _ in range(4):  # a few links per e-mail and quarter-hour, then silence (still 202)
        again = await client.post(
            "/api/v1/auth/password-reset", json={"email": "regulator@sud-yvelines.test"}
        )
        assert again.status_code == 202
    assert len(notifier.sent) == 3


async def test_a_reset_link_ends_the_sessions(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    notifier = recording(app)
    operator, email = await new_operator(database, clock, client)
    requested = await client.post("/api/v1/auth/password-reset", json={"email": email})
    assert requested.status_code == 202
    secret = _secret_of(notifier, "/mot-de-passe/nouveau")
    assert notifier.sent[-1].subject == "Mot de passe oublié : Plateforme (opérateur)"
    done = await client.post("/api/v1/auth/password", json={"token": secret, "password": PASSWORD})
    assert done.json() == {"email": email, "territory": None}
    assert (await client.get("/api/v1/platform/territories", headers=operator)).status_code == 401
    fresh = await login(client, email, PASSWORD)
    assert (await client.get("/api/v1/platform/territories", headers=fresh)).status_code == 200


async def test_no_territory_account_becomes_the_operator(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    """An administrator once made themselves operator with their own roles, then invited
    themselves into another CPTS: the role is the platform's account's alone."""
    admin = await login(client, "admin@vexin-normand.test")
    me = (await client.get("/api/v1/me", headers=admin)).json()
    escalate = await client.patch(
        f"/api/v1/accounts/{me['id']}", headers=admin, json={"roles": ["admin", "operator"]}
    )
    assert escalate.status_code == 422 and escalate.json()["field"] == "roles"
    made = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": f"op-{uuid.uuid4().hex[:6]}@x.test",
            "display_name": "X",
            "roles": ["operator"],
        },
    )
    assert made.status_code == 422 and made.json()["field"] == "roles"
    assert (await client.get("/api/v1/platform/territories", headers=admin)).status_code == 403
    # And were the role in a territory's account anyway (written by hand), it opens nothing.
    from sqlalchemy import insert

    from coordination.accounts.account import AccountRole

    async with database.write() as session:
        await session.execute(
            insert(AccountRole).values(account_id=uuid.UUID(me["id"]), role="operator")
        )
    again = await login(client, "admin@vexin-normand.test")
    try:
        assert (await client.get("/api/v1/platform/territories", headers=again)).status_code == 403
        assert "operator" not in (await client.get("/api/v1/me", headers=again)).json()["roles"]
    finally:
        from sqlalchemy import delete

        async with database.write() as session:
            await session.execute(
                delete(AccountRole).where(
                    AccountRole.account_id == uuid.UUID(me["id"]), AccountRole.role == "operator"
                )
            )
