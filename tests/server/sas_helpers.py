"""The SAS platform's account, as an admin creates it, for the tests of what it may call."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import login

PLATFORM_PASSWORD = "a-long-platform-secret"


async def new_sas_platform(client: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    """A fresh sas_platform account of the demo territory: its bearer headers and e-mail."""
    admin = await login(client, "admin@sud-yvelines.test")
    email = f"sas-{uuid.uuid4().hex[:10]}@sas.test"
    created = await client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": email,
            "display_name": "Plateforme SAS",
            "roles": ["sas_platform"],
            "password": PLATFORM_PASSWORD,
        },
    )
    assert created.status_code == 201, created.text
    return await login(client, email, PLATFORM_PASSWORD), email
