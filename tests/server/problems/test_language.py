"""Problems in the caller's language: French when Accept-Language prefers it (the pages always
ask), English otherwise; and, over every route of the API, no French reader is shown a message
that is not the catalogue's."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from server.problems.catalogue import in_french
from server.problems.language import prefers_french
from tests.conftest import login


@pytest.mark.parametrize(
    ("header", "french"),
    [
        ("fr", True),
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", True),
        ("en-US,en;q=0.9,fr;q=0.8", False),
        ("en;q=0.5, fr;q=0.8", True),
        ("de, fr;q=0.3", True),
        ("de, it", False),
        ("fr;q=0, en", False),
        ("*", False),
        ("", False),
        ("fr;q=abc, en;q=0.1", False),
        (None, False),
    ],
)
def test_french_when_preferred_to_english(header: str | None, french: bool) -> None:
    assert prefers_french(header) is french


def test_raw_asgi_headers_are_read_too() -> None:
    assert prefers_french([(b"accept-language", b"fr-CA")])
    assert not prefers_french([(b"accept", b"text/html")])


async def test_the_same_refusal_in_french_and_in_english(client: httpx.AsyncClient) -> None:
    bad = {"email": "a@b.test"}  # no password
    english = await client.post("/api/v1/auth/login", json=bad)
    french = await client.post("/api/v1/auth/login", json=bad, headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 422
    e, f = english.json(), french.json()
    assert e["code"] == f["code"] == "field_missing"
    assert e["field"] == f["field"] == "password"
    assert e["detail"] == "Object missing required field `password`"
    assert f["detail"] == "Le champ « password » est obligatoire."
    assert f["title"] == "Saisie invalide"


async def test_a_domain_refusal_in_french(client: httpx.AsyncClient) -> None:
    headers = await login(client, "coordinator@sud-yvelines.test")
    response = await client.get(
        f"/api/v1/slots/{uuid.uuid4()}", headers={**headers, "Accept-Language": "fr"}
    )
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "slot_not_found"
    assert body["detail"] == in_french("slot_not_found", {})


def _routes(app: Litestar) -> list[tuple[str, str, bool]]:
    """(method, path with its parameters filled, takes a body) of every API route."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = re.sub(r"\{([^:}]+):uuid\}", lambda _: str(uuid.uuid4()), route.path)
        path = re.sub(r"\{[^}]+\}", "x", path)
        for handler in route.route_handlers:
            body = "data" in handler.parsed_fn_signature.parameters
            for method in handler.http_methods:
                if method in ("POST", "PUT", "PATCH") and body:
                    found.append((method, path, True))
                elif method == "GET":
                    found.append((method, path, False))
    return found


def _assert_catalogued(response: httpx.Response, where: str) -> None:
    assert response.headers["content-type"].startswith("application/problem+json"), where
    body: dict[str, Any] = response.json()
    said = in_french(body["code"], body.get("params") or {})
    assert said is not None, f"{where}: code {body['code']!r} has no French"
    assert body["detail"] == said, f"{where}: {body['detail']!r} is not the catalogue's"
    for error in body.get("errors") or []:
        assert error["message"] == in_french(error["code"], error.get("params") or {}), where


async def test_no_route_answers_a_french_reader_in_english(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """Every API route, fed what it cannot take, by a coordinator and an admin: each refusal
    is the catalogue's French message for its code, its field errors too."""
    routes = _routes(app)
    assert len(routes) > 60
    refusals = 0
    for email in ("coordinator@sud-yvelines.test", "admin@sud-yvelines.test"):
        headers = {**(await login(client, email)), "Accept-Language": "fr"}
        for method, path, takes_body in routes:
            where = f"{email} {method} {path}"
            if takes_body:
                for body in ([], {"zz_not_a_field": 1}, {"start": "tomorrow", "limit": "x"}):
                    response = await client.request(method, path, json=body, headers=headers)
                    assert response.status_code < 500, where
                    if response.status_code >= 400:
                        _assert_catalogued(response, where)
                        refusals += 1
            else:
                query = {"limit": "many", "start": "tomorrow", "cursor": "bogus"}
                response = await client.get(path, params=query, headers=headers)
                assert response.status_code < 500, where
                if response.status_code >= 400:
                    _assert_catalogued(response, where)
                    refusals += 1
    assert refusals > 100
