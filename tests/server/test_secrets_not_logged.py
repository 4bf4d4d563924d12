"""Secrets never reach the server's logs: passwords, API and session tokens, calendar feed
addresses, and patient identity, whatever happens to the requests that carry them (success,
refusal, validation error)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx
import pytest

from tests.server.scheduling_helpers import gp_session

SECRET_NAME = "Zéphyrine-Quasimodo"


async def test_no_secret_in_the_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "gp5@sud-yvelines.test", "password": "s3cret-wrong"}
    )
    assert wrong.status_code == 401
    gp, _ = await gp_session(client, 5)
    token = gp["Authorization"].removeprefix("Bearer ")
    feed = (
        await client.post("/api/v1/me/calendar-feeds", json={"name": "Téléphone"}, headers=gp)
    ).json()
    feed_path = urlsplit(feed["url"]).path
    assert (await client.get(feed_path)).status_code == 200
    assert (await client.get(feed_path.replace(".ics", "x.ics"))).status_code == 404
    regulator = await client.post(
        "/api/v1/auth/login", json={"email": "regulator@sud-yvelines.test", "password": "demo"}
    )
    headers = {"Authorization": f"Bearer {regulator.json()['token']}"}
    patient = {
        "family_name": SECRET_NAME,
        "given_name": "Léa",
        "birth_date": "1990-01-01",
        "sex": "female",
        "nir": "not-a-nir",
    }
    bad = await client.post(
        "/api/v1/requests",
        headers=headers,
        json={"origin": "sas_regulator", "reason": "x", "patient": patient},
    )
    assert bad.status_code == 422
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"})
    ).status_code == 401

    server_lines = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))  # the test client's own log
    )
    secrets = {
        "password": "s3cret-wrong",
        "token": token,
        "regulator token": regulator.json()["token"],
        "feed address": feed_path.rsplit("/", 1)[-1].removesuffix(".ics"),
        "patient": SECRET_NAME,
    }
    leaked = [what for what, secret in secrets.items() if secret in server_lines]
    assert leaked == []
