"""Hostile input gets a 4xx problem naming what is wrong, never a 5xx nor a half-write:
oversized and malformed bodies, naive or impossible times, absurd windows, deep nesting and
text that hides what it is (control characters, bidi overrides, invisible names)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.body_hygiene import problem_of
from tests.conftest import login

PATIENT = {
    "family_name": "Hostile",
    "given_name": "Test",
    "birth_date": "1950-01-01",
    "sex": "male",
}


def _request(**patient: str) -> dict[str, Any]:
    return {"origin": "sas_regulator", "reason": "Toux", "patient": PATIENT | patient}


async def _regulator(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "regulator@sud-yvelines.test")


async def test_oversized_and_malformed_bodies(client: httpx.AsyncClient) -> None:
    h = await _regulator(client)
    big = await client.post(
        "/api/v1/requests",
        headers=h | {"content-type": "application/json"},
        content=b'{"reason": "' + b"x" * 2_000_000 + b'"}',
    )
    assert big.status_code == 413
    for body in (b'{"origin":', b"[1, 2", b'{"reason": "\\ud800"}', b"\xff\xfe"):
        response = await client.post(
            "/api/v1/requests", headers=h | {"content-type": "application/json"}, content=body
        )
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
    deep = await client.post(
        "/api/v1/requests",
        headers=h | {"content-type": "application/json"},
        content=b"[" * 100_000 + b"]" * 100_000,
    )
    assert deep.status_code == 400 and "nested" in deep.json()["detail"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-01-01T00:00:00", "2026-01-02T00:00:00Z", "start"),  # no offset
        ("2026-01-01T00:00:00+25:00", "2026-01-02T00:00:00Z", "start"),  # no such offset
        ("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", None),  # ten years
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", None),
        ("2026-02-30T00:00:00Z", "2026-03-02T00:00:00Z", "start"),  # no such day
    ],
)
async def test_bad_times_and_absurd_windows(
    client: httpx.AsyncClient, start: str, end: str, field: str | None
) -> None:
    h = await _regulator(client)
    response = await client.get("/api/v1/slots", headers=h, params={"start": start, "end": end})
    assert 400 <= response.status_code < 500, response.text
    if field:
        assert response.json()["field"] == field
    fhir = await client.get("/fhir/Slot", headers=h, params={"start": [f"ge{start}", f"le{end}"]})
    assert 400 <= fhir.status_code < 500, fhir.text


async def test_numbers_out_of_range(client: httpx.AsyncClient) -> None:
    h = await _regulator(client)
    huge = await client.get(
        "/api/v1/slots",
        headers=h,
        params={
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-01-02T00:00:00Z",
            "limit": "1" + "0" * 20,
        },
    )
    assert huge.status_code in (400, 422) and huge.json()["field"] == "limit"


@pytest.mark.parametrize(
    ("patient", "field"),
    [
        ({"family_name": "\x00"}, "patient.family_name"),
        ({"given_name": "Jean\x1b[31m"}, "patient.given_name"),
        ({"family_name": "Martin\u202eNITRAM"}, "patient.family_name"),
        ({"family_name": "Mar\u2066tin"}, "patient.family_name"),
        ({"given_name": "\u0085"}, "patient.given_name"),
    ],
)
async def test_hidden_characters_are_refused_with_the_field(
    client: httpx.AsyncClient, patient: dict[str, str], field: str
) -> None:
    h = await _regulator(client)
    before = len((await client.get("/api/v1/requests", headers=h)).json()["items"])
    response = await client.post("/api/v1/requests", headers=h, json=_request(**patient))
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    after = len((await client.get("/api/v1/requests", headers=h)).json()["items"])
    assert after == before, "nothing written"


async def test_invisible_names_are_empty_names(client: httpx.AsyncClient) -> None:
    h = await _regulator(client)
    response = await client.post(
        "/api/v1/requests", headers=h, json=_request(family_name="\u200b\u200d\ufeff ")
    )
    assert response.status_code == 422 and response.json()["field"] == "patient.family_name"
    kept = await client.post(
        "/api/v1/requests",
        headers=h,
        json=_request(family_name="Le\u200b  Gall", given_name="Ame\u0301lie"),
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["patient"]["family_name"] == "Le Gall"
    assert kept.json()["patient"]["given_name"] == "Amélie", "composed (NFC)"


def test_ordinary_text_passes_the_hygiene_check() -> None:
    body = '{"reason": "Fièvre\\n\\tà 39 °C — enfant 😷", "a": [[[1]]], "b": "\\\\u0000"}'
    assert problem_of(body.encode()) is None
    assert problem_of(b'{"reason": "a\\u0000"}') == (
        "text_control_characters",
        "text contains control or bidirectional-override characters",
        "reason",
    )


async def test_a_body_field_named_like_a_dependency_is_a_client_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"email": "a@b.test", "password": "x", "session": {}}
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["field"] == "session"


async def test_a_missing_body_is_named(client: httpx.AsyncClient) -> None:
    h = await _regulator(client)
    response = await client.post("/api/v1/requests", headers=h)
    assert response.status_code == 400 and response.json()["field"] == "body"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", None, "application/x-www-form-urlencoded"],
)
async def test_json_routes_take_json_only(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    # What a cross-site <form enctype="text/plain"> sends is a valid JSON text: it once logged
    # the victim's browser into the attacker's account, and skipped the body checks (a NUL was
    # stored; 5,000 levels of nesting exhausted the decoder).
    headers = {"content-type": content_type} if content_type else {}
    for path, body in (
        ("/api/v1/auth/login", b'{"email": "regulator@sud-yvelines.test", "password": "demo"}'),
        ("/api/v1/auth/login", b'{"email": "a\\u0000@b.test", "password": "x"}'),
        ("/api/v1/auth/login", b"[" * 5000 + b"]" * 5000),
    ):
        sent = await client.post(path, headers=headers, content=body)
        assert sent.status_code == 415, (content_type, sent.text)
        problem = sent.json()
        assert problem["type"].endswith(":unsupported-media-type") and "JSON" in problem["detail"]
        assert "set-cookie" not in sent.headers


async def test_structured_json_types_and_bodiless_calls_pass(client: httpx.AsyncClient) -> None:
    signed_in = await client.post(
        "/api/v1/auth/login",
        headers={"content-type": "application/json; charset=utf-8"},
        content=b'{"email": "regulator@sud-yvelines.test", "password": "demo"}',
    )
    assert signed_in.status_code == 200, signed_in.text
    h = await _regulator(client)
    nothing = await client.post("/api/v1/requests", headers=h)  # no body: named as missing
    assert nothing.status_code == 400 and nothing.json()["field"] == "body"


async def test_naive_and_far_off_instants_are_refused_with_the_field(
    client: httpx.AsyncClient,
) -> None:
    # Each of these once answered 500 (or was accepted, then broke the page showing it).
    gp = await login(client, "gp2@sud-yvelines.test")
    h = await _regulator(client)
    nurse = await login(client, "nurse1@sud-yvelines.test")
    slot = {"modality": "video", "visibility": ["snp"]}
    for start, end, field in (
        ("2027-01-04T10:00:00", "2027-01-04T10:15:00", "start"),  # naive
        ("9999-12-31T23:40:00-14:00", "9999-12-31T23:59:00-14:00", "start"),  # overflows in UTC
        ("9999-12-31T23:50:00Z", "9999-12-31T23:59:00Z", "start"),
        ("1970-01-01T10:00:00Z", "1970-01-01T10:15:00Z", "start"),
    ):
        made = await client.post(
            "/api/v1/slots", headers=gp, json=slot | {"start": start, "end": end}
        )
        assert made.status_code == 422, (start, made.text)
        assert made.json()["field"] == field, made.text
    for path, headers in (
        ("/api/v1/slots", h),
        ("/api/v1/bookings", h),
        ("/api/v1/teleconsultations/slots", nurse),
    ):
        for start, end in (
            ("2027-01-04T10:00:00", "2027-01-05T10:00:00"),
            ("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z"),
        ):
            found = await client.get(path, headers=headers, params={"start": start, "end": end})
            assert found.status_code in (400, 422), (path, start, found.text)
            assert found.json()["field"] == "start", (path, found.text)
