"""`cpts serve` really serves: a child process answers /health, the OpenAPI document and login.

This is what `make run` does after migrating and loading the demo.
"""

from __future__ import annotations

import httpx


def test_served_app_answers(served: str) -> None:
    health = httpx.get(f"{served}/health").json()
    assert health["status"] == "ok" and health["database"]["backend"] == "sqlite"
    assert httpx.get(f"{served}/schema/openapi.json").json()["openapi"].startswith("3.1")
    token = httpx.post(
        f"{served}/api/v1/auth/login", json={"email": "gp3@sud-yvelines.test", "password": "demo"}
    ).json()["token"]
    me = httpx.get(f"{served}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["roles"] == ["gp"]
