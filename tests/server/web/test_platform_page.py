"""The operator's page: the territories, and a form that creates one through the API; the
operator sees no page inside a territory."""

from __future__ import annotations

import httpx
from litestar import Litestar

from kernel.clock import FrozenClock
from server.database import Database
from tests.server.platform_helpers import OPERATOR_PASSWORD, new_operator


async def test_the_operator_lands_on_the_territories(
    client: httpx.AsyncClient, app: Litestar, database: Database, clock: FrozenClock
) -> None:
    _, email = await new_operator(database, clock, client)
    signed = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": OPERATOR_PASSWORD, "session": True}
    )
    assert signed.status_code == 200
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200 and str(home.url).endswith("/plateforme")
    assert "CPTS Sud Yvelines" in home.text and "Indian/Reunion" in home.text
    assert 'data-api="/api/v1/platform/territories"' in home.text
    for inside in ("/compte", "/demandes", "/tableau-de-bord", "/coordination/annuaire"):
        refused = await client.get(inside)
        assert refused.status_code == 403, inside
        assert "opérateur" in refused.text
