"""Errors are RFC 9457 problem+json and name the field at fault."""

from __future__ import annotations

import httpx

from tests.conftest import login

Client = httpx.AsyncClient


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code") == status, getattr(response, "text")  # noqa: B009
    headers = getattr(response, "headers")  # noqa: B009
    assert headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = getattr(response, "json")()  # noqa: B009
    assert body["status"] == status
    assert body["title"]
    assert "type" in body
    return body


async def test_malformed_json_is_400(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


async def test_missing_field_is_422_naming_it(client: Client) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "gp1@sud-yvelines.test"})
    body = assert_problem(response, 422)
    assert body["field"] == "password"


async def test_wrong_type_names_the_nested_field(client: Client) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    response = await client.post(
        "/api/v1/professionals",
        headers=headers,
        json={
            "family_name": "Durand",
            "given_name": "Luc",
            "profession": "physician",
            "rpps": "10000000008",
            "locations": [{"label": "Cabinet", "address": "1 rue", "commune_insee": 78517}],
        },
    )
    body = assert_problem(response, 422)
    assert body["field"] == "locations.0.commune_insee"


async def test_unknown_field_is_rejected(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "a@b.c", "password": "x", "admin": True}
    )
    body = assert_problem(response, 422)
    assert body["field"] == "admin"


async def test_query_parameter_errors_name_the_parameter(client: Client) -> None:
    headers = await login(client, "gp1@sud-yvelines.test")
    response = await client.get("/api/v1/professionals?limit=1000", headers=headers)
    body = assert_problem(response, 422)
    assert body["field"] == "limit"
    response = await client.get("/api/v1/professionals?profession=wizard", headers=headers)
    assert assert_problem(response, 422)["field"] == "profession"


async def test_unknown_route_and_wrong_method(client: Client) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404)
    assert_problem(await client.put("/health"), 405)


async def test_oversized_body_is_413(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413)
