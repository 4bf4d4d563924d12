"""Helpers for the scheduling API tests: log in, publish a slot, book it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from kernel.clock import FrozenClock
from tests.conftest import login

PATIENT = {
    "family_name": "Durand",
    "given_name": "Odile",
    "birth_date": "1941-05-12",
    "sex": "female",
    "phone": "+33 6 12 34 56 78",
}


async def gp_session(client: httpx.AsyncClient, n: int) -> tuple[dict[str, str], dict[str, Any]]:
    headers = await login(client, f"gp{n}@sud-yvelines.test")
    me = (await client.get("/api/v1/me", headers=headers)).json()
    return headers, me


async def publish_slot(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    start: datetime,
    minutes: int = 15,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "modality": "office",
        "visibility": ["snp", "cpts"],
    } | extra
    if body["modality"] == "office" and "location_id" not in body:
        me = (await client.get("/api/v1/me", headers=headers)).json()
        body["location_id"] = me["professional"]["locations"][0]["id"]
    response = await client.post("/api/v1/slots", json=body, headers=headers)
    assert response.status_code == 201, response.text
    slot: dict[str, Any] = response.json()
    return slot


async def assisted_slot(
    client: httpx.AsyncClient, gp: dict[str, str], start: datetime, **extra: Any
) -> dict[str, Any]:
    """A video slot of this GP that welcomes assisted teleconsultations."""
    body = {"modality": "video", "visibility": ["pro", "cpts"], "assisted": True} | extra
    return await publish_slot(client, gp, start, **body)


def future(clock: FrozenClock, days: int, hour: int = 10, minute: int = 0) -> datetime:
    """A quarter-hour-aligned instant `days` ahead of the test clock."""
    base = clock.now() + timedelta(days=days)
    return base.replace(hour=hour, minute=minute, second=0, microsecond=0)


_next = iter(range(1_000_000))


FRESH_DAYS_AHEAD = 35  # beyond the demo agendas' horizon (28 days)


def fresh_start(clock: FrozenClock, minutes: int = 30) -> datetime:
    """A start past the demo agendas, distinct for every call, so tests never collide: the
    next `minutes` (half-hours, rounded up) are the caller's alone. Slots go past the start
    only within those minutes (an offset added to it would reach the next callers')."""
    base = (clock.now() + timedelta(days=FRESH_DAYS_AHEAD)).replace(
        minute=0, second=0, microsecond=0
    )
    first = next(_next)
    for _ in range(-(-minutes // 30) - 1):
        next(_next)
    return base + timedelta(minutes=30 * first)


def past(start: datetime, clock: FrozenClock) -> timedelta:
    """How far to move the clock for `start` to be an hour ago (however far fresh_start went)."""
    return start - clock.now() + timedelta(hours=1)
