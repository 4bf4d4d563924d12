"""Races through the HTTP API: exactly one winner, every loser a clean 409, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kernel.clock import FrozenClock
from scheduling.models.booking import Booking
from scheduling.models.slot import Modality, Slot, SlotStatus
from server.database import Database
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot

CLIENTS = 50
BOOKERS = [
    "regulator@sud-yvelines.test",
    "coordinator@sud-yvelines.test",
    "pharmacist1@sud-yvelines.test",
    "pharmacist2@sud-yvelines.test",
    *[f"nurse{i}@sud-yvelines.test" for i in range(1, 11)],
]


async def _headers(client: httpx.AsyncClient) -> list[dict[str, str]]:
    logged = [await login(client, email) for email in BOOKERS]
    return [logged[i % len(logged)] for i in range(CLIENTS)]


async def test_fifty_clients_book_one_slot(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 1)
    slot = await publish_slot(client, gp, fresh_start(clock))
    headers = await _headers(client)

    async def attempt(h: dict[str, str]) -> int:
        body = {"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT}
        return (await client.post("/api/v1/bookings", json=body, headers=h)).status_code

    statuses = Counter(await asyncio.gather(*(attempt(h) for h in headers)))
    assert statuses == {201: 1, 409: CLIENTS - 1}
    async with database.read() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_id == uuid.UUID(slot["id"]), Booking.status != "cancelled")
        )
    assert live == 1


async def test_holds_and_bookings_race(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 2)
    slot = await publish_slot(client, gp, fresh_start(clock))
    headers = await _headers(client)

    async def attempt(i: int, h: dict[str, str]) -> tuple[str, int]:
        if i % 2:
            response = await client.post("/api/v1/holds", json={"slot_id": slot["id"]}, headers=h)
            return "hold", response.status_code
        body = {"slot_id": slot["id"], "channel": "nurse", "patient": PATIENT}
        return "book", (await client.post("/api/v1/bookings", json=body, headers=h)).status_code

    results = await asyncio.gather(*(attempt(i, h) for i, h in enumerate(headers)))
    winners = [r for r in results if r[1] == 201]
    assert len(winners) == 1
    assert all(code == 409 for _, code in results if code != 201)
    async with database.read() as session:
        status = await session.scalar(select(Slot.status).where(Slot.id == uuid.UUID(slot["id"])))
    assert status == (SlotStatus.HELD if winners[0][0] == "hold" else SlotStatus.BOOKED)


async def test_concurrent_overlapping_slots_one_wins(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, me = await gp_session(client, 3)
    start = fresh_start(clock)
    location = me["professional"]["locations"][0]["id"]

    async def attempt(offset: int) -> int:
        s = start + timedelta(minutes=offset)
        body = {
            "start": s.isoformat(),
            "end": (s + timedelta(minutes=20)).isoformat(),
            "modality": "office",
            "visibility": ["snp"],
            "location_id": location,
        }
        return (await client.post("/api/v1/slots", json=body, headers=gp)).status_code

    statuses = Counter(await asyncio.gather(*(attempt(i % 10) for i in range(20))))
    assert statuses == {201: 1, 409: 19}


async def test_database_refuses_overlap_even_behind_the_application(
    client: httpx.AsyncClient, database: Database, clock: FrozenClock
) -> None:
    """The invariant lives in the database: a raw insert of an overlapping slot fails."""
    gp, _ = await gp_session(client, 4)
    slot = await publish_slot(client, gp, fresh_start(clock))
    async with database.read() as session:
        existing = await session.get(Slot, uuid.UUID(slot["id"]))
    assert existing is not None
    now = datetime.now(UTC)
    clone = {
        "territory_id": existing.territory_id,
        "professional_id": existing.professional_id,
        "starts_at": existing.starts_at + timedelta(minutes=1),
        "ends_at": existing.ends_at + timedelta(minutes=1),
        "modality": Modality.VIDEO,
        "visibility": 1,
        "status": SlotStatus.FREE,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            session.add(Slot(id=uuid.uuid4(), **clone))
            await session.flush()
    # A cancelled slot may overlap: only live slots count.
    async with database.write() as session:
        session.add(Slot(id=uuid.uuid4(), **(clone | {"status": SlotStatus.CANCELLED})))
        await session.flush()
        await session.rollback()


async def test_database_refuses_a_second_live_booking(
    client: httpx.AsyncClient, database: Database, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 5)
    slot = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    body = {"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT}
    booked = (await client.post("/api/v1/bookings", json=body, headers=regulator)).json()
    async with database.read() as session:
        booking = await session.get(Booking, uuid.UUID(booked["id"]))
    assert booking is not None
    with pytest.raises(IntegrityError):
        async with database.write() as session:
            copy = {c.key: getattr(booking, c.key) for c in Booking.__table__.columns}
            session.add(Booking(**(copy | {"id": uuid.uuid4(), "idempotency_key": None})))
            await session.flush()


async def test_an_account_holds_at_most_the_territory_cap_even_concurrently(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    # One pharmacist account once held 150 of the next fortnight's 236 free slots in a second.
    clock.advance(timedelta(minutes=10))  # holds of earlier tests have expired
    gp, _ = await gp_session(client, 6)
    start = fresh_start(clock, minutes=8 * 20)
    slots = [await publish_slot(client, gp, start + timedelta(minutes=20 * i)) for i in range(8)]
    admin = await login(client, "admin@sud-yvelines.test")
    limit = await client.put("/api/v1/holds/limit", headers=admin, json={"max_live_holds": 2})
    assert limit.status_code == 200, limit.text
    holder = await login(client, "pharmacist2@sud-yvelines.test")
    try:
        answers = await asyncio.gather(
            *(
                client.post("/api/v1/holds", json={"slot_id": s["id"]}, headers=holder)
                for s in slots
            )
        )
        codes = Counter(a.status_code for a in answers)
        assert codes == {201: 2, 409: 6}, [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 409).json()
        assert refused["field"] == "slot_id" and "at most 2" in refused["detail"]
        # The staff see who holds what.
        coordinator = await login(client, "coordinator@sud-yvelines.test")
        board = (await client.get("/api/v1/holds", headers=coordinator)).json()
        mine = [
            h
            for h in board["items"]
            if h["account_name"]
            and h["id"] in {a.json()["id"] for a in answers if a.status_code == 201}
        ]
        assert board["max_live_holds"] == 2 and len(mine) == 2
        # A released hold gives its place back.
        first = next(a.json() for a in answers if a.status_code == 201)
        released = await client.delete(f"/api/v1/holds/{first['id']}", headers=holder)
        assert released.status_code in (200, 204)
        free = next(s for s in slots if s["id"] not in {h["slot_id"] for h in mine})
        again = await client.post("/api/v1/holds", json={"slot_id": free["id"]}, headers=holder)
        assert again.status_code == 201, again.text
    finally:
        for hold in (await client.get("/api/v1/holds", headers=admin)).json()["items"]:
            await client.delete(f"/api/v1/holds/{hold['id']}", headers=admin)
        await client.put("/api/v1/holds/limit", headers=admin, json={"max_live_holds": 3})
