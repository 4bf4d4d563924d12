"""/health reports the database and pub/sub; the OpenAPI 3.1 document lists the API."""

from __future__ import annotations

import httpx

Client = httpx.AsyncClient


async def test_health(client: Client, backend: str) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["backend"] == backend
    assert body["database"]["detail"].startswith("revision ")
    assert body["pubsub"]["backend"] == "memory" and body["pubsub"]["ok"] is True


async def test_openapi_document(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    for path in ["/api/v1/auth/login", "/api/v1/me", "/api/v1/professionals", "/health"]:
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
