"""The scheduling public contract: slots, rules, requests, holds, bookings over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import func, select

from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from kernel.events import Event
from server.database import Database
from tests.conftest import login
from tests.server.scheduling_helpers import (
    PATIENT,
    fresh_start,
    gp_session,
    past,
    publish_slot,
)


async def test_publish_and_search_slot(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, me = await gp_session(client, 1)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    assert slot["status"] == "free"
    assert slot["professional_id"] == me["professional_id"]
    assert slot["location_id"] == me["professional"]["locations"][0]["id"]
    regulator = await login(client, "regulator@sud-yvelines.test")
    params = {
        "start": (start - timedelta(minutes=1)).isoformat(),
        "end": (start + timedelta(minutes=1)).isoformat(),
        "professional_id": me["professional_id"],
    }
    found = (await client.get("/api/v1/slots", params=params, headers=regulator)).json()
    assert [s["id"] for s in found["items"]] == [slot["id"]]


async def test_overlapping_slot_is_409(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 2)
    start = fresh_start(clock)
    await publish_slot(client, gp, start, minutes=30)
    clash = await client.post(
        "/api/v1/slots",
        headers=gp,
        json={
            "start": (start + timedelta(minutes=15)).isoformat(),
            "end": (start + timedelta(minutes=45)).isoformat(),
            "modality": "video",
            "visibility": ["snp"],
        },
    )
    assert clash.status_code == 409
    assert clash.json()["field"] == "start"


async def test_slot_input_errors_name_fields(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 2)
    start = fresh_start(clock)
    cases = [
        ({"end": start.isoformat()}, "end"),
        ({"visibility": []}, "visibility"),
        ({"visibility": ["everyone"]}, "visibility.0"),
        ({"modality": "teleport"}, "modality"),
        ({"start": "tomorrow"}, "start"),
    ]
    for override, field in cases:
        body = {
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=15)).isoformat(),
            "modality": "office",
            "visibility": ["snp"],
        } | override
        response = await client.post("/api/v1/slots", json=body, headers=gp)
        assert response.status_code == 422, (override, response.text)
        assert response.json()["field"] == field, (override, response.json())


async def test_nurse_cannot_publish(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    nurse = await login(client, "nurse1@sud-yvelines.test")
    start = fresh_start(clock)
    response = await client.post(
        "/api/v1/slots",
        headers=nurse,
        json={
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=15)).isoformat(),
            "modality": "office",
            "visibility": ["snp"],
        },
    )
    assert response.status_code == 403


async def test_request_then_book_then_cancel(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, me = await gp_session(client, 3)
    slot = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    created = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={
            "origin": "sas_regulator",
            "reason": "Fièvre depuis 3 jours",
            "urgency": "within_24h",
            "patient": PATIENT | {"nir": "295109912611193"},
        },
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["outcome"] is None
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "request_id": request["id"], "channel": "sas_regulator"},
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["patient"]["family_name"] == "Durand"
    assert booking["professional_id"] == me["professional_id"]
    assert booking["warnings"] == []
    detail = (await client.get(f"/api/v1/requests/{request['id']}", headers=regulator)).json()
    assert detail["outcome"] == "booked"
    assert detail["booking_id"] == booking["id"]
    slot_now = (await client.get(f"/api/v1/slots/{slot['id']}", headers=regulator)).json()
    assert slot_now["status"] == "booked"
    # The GP consulted sees the booking and its patient; the read is audited.
    mine = (await client.get("/api/v1/bookings", headers=gp)).json()["items"]
    assert booking["id"] in {b["id"] for b in mine}
    async with database.read() as session:
        reads = await session.scalar(
            select(func.count())
            .select_from(PatientDataRead)
            .where(PatientDataRead.subject_id == uuid.UUID(booking["id"]))
        )
    assert reads and reads >= 1
    # Cancelling frees the slot and writes events without patient identity.
    cancelled = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel",
        headers=regulator,
        json={"reason": "patient guéri"},
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await client.get(f"/api/v1/slots/{slot['id']}", headers=regulator)).json()[
        "status"
    ] == "free"
    again = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=regulator, json={}
    )
    assert again.status_code == 409
    async with database.read() as session:
        events = list(
            await session.scalars(
                select(Event)
                .where(Event.subject_id.in_([uuid.UUID(booking["id"]), uuid.UUID(slot["id"])]))
                .order_by(Event.id)
            )
        )
    assert [e.type for e in events] == [
        "slot.created",
        "booking.created",
        "slot.freed",
        "booking.cancelled",
    ]
    assert "Durand" not in str([e.payload for e in events])


async def test_close_request_with_outcome(client: httpx.AsyncClient) -> None:
    pharmacist = await login(client, "pharmacist1@sud-yvelines.test")
    request = (
        await client.post(
            "/api/v1/requests",
            headers=pharmacist,
            json={"origin": "pharmacist", "reason": "Douleur thoracique", "patient": PATIENT},
        )
    ).json()
    closed = await client.post(
        f"/api/v1/requests/{request['id']}/close",
        headers=pharmacist,
        json={"outcome": "redirected_emergency"},
    )
    assert closed.status_code == 200
    assert closed.json()["outcome"] == "redirected_emergency"
    assert closed.json()["outcome_at"] is not None
    twice = await client.post(
        f"/api/v1/requests/{request['id']}/close", headers=pharmacist, json={"outcome": "unmet"}
    )
    assert twice.status_code == 409
    booked_outcome = await client.post(
        f"/api/v1/requests/{request['id']}/close", headers=pharmacist, json={"outcome": "booked"}
    )
    assert booked_outcome.status_code == 422
    # Another pharmacist does not see this request; the regulator does.
    other = await login(client, "pharmacist2@sud-yvelines.test")
    assert (await client.get(f"/api/v1/requests/{request['id']}", headers=other)).status_code == 404
    regulator = await login(client, "regulator@sud-yvelines.test")
    assert (
        await client.get(f"/api/v1/requests/{request['id']}", headers=regulator)
    ).status_code == 200


async def test_bad_nir_names_the_field(client: httpx.AsyncClient) -> None:
    regulator = await login(client, "regulator@sud-yvelines.test")
    response = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={
            "origin": "cpts_line",
            "reason": "x",
            "patient": PATIENT | {"nir": "295109912611199"},
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "patient.nir"


async def test_hold_expires_without_any_process(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 4)
    slot = await publish_slot(client, gp, fresh_start(clock))
    nurse = await login(client, "nurse2@sud-yvelines.test")
    pharmacist = await login(client, "pharmacist1@sud-yvelines.test")
    hold = await client.post("/api/v1/holds", headers=nurse, json={"slot_id": slot["id"]})
    assert hold.status_code == 201
    assert (
        await client.post("/api/v1/holds", headers=pharmacist, json={"slot_id": slot["id"]})
    ).status_code == 409
    taken = await client.post(
        "/api/v1/bookings",
        headers=pharmacist,
        json={"slot_id": slot["id"], "channel": "pharmacist", "patient": PATIENT},
    )
    assert taken.status_code == 409
    clock.advance(timedelta(minutes=5, seconds=1))
    # The first hold lapsed: the slot is free again for anyone, and the old hold cannot book.
    search = await client.get(f"/api/v1/slots/{slot['id']}", headers=pharmacist)
    assert search.json()["status"] == "free"
    second = await client.post(
        "/api/v1/bookings",
        headers=pharmacist,
        json={"slot_id": slot["id"], "channel": "pharmacist", "patient": PATIENT},
    )
    assert second.status_code == 201, second.text
    late = await client.post(
        "/api/v1/bookings",
        headers=nurse,
        json={"hold_id": hold.json()["id"], "channel": "nurse", "patient": PATIENT},
    )
    assert late.status_code == 409


async def test_book_through_own_hold(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 4)
    slot = await publish_slot(client, gp, fresh_start(clock))
    nurse = await login(client, "nurse3@sud-yvelines.test")
    hold = (await client.post("/api/v1/holds", headers=nurse, json={"slot_id": slot["id"]})).json()
    booked = await client.post(
        "/api/v1/bookings",
        headers=nurse,
        json={"hold_id": hold["id"], "channel": "nurse", "patient": PATIENT},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["slot_id"] == slot["id"]


async def test_release_hold(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 5)
    slot = await publish_slot(client, gp, fresh_start(clock))
    nurse = await login(client, "nurse4@sud-yvelines.test")
    hold = (await client.post("/api/v1/holds", headers=nurse, json={"slot_id": slot["id"]})).json()
    assert (await client.delete(f"/api/v1/holds/{hold['id']}", headers=nurse)).status_code == 204
    assert (await client.get(f"/api/v1/slots/{slot['id']}", headers=nurse)).json()[
        "status"
    ] == "free"


async def test_idempotency_key_makes_retries_safe(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 6)
    slot = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    body = {"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT}
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await client.post("/api/v1/bookings", headers=regulator | key, json=body)
    retry = await client.post("/api/v1/bookings", headers=regulator | key, json=body)
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]


async def test_own_patient_is_flagged(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 7)
    slot = await publish_slot(client, gp, fresh_start(clock))
    booked = await client.post(
        "/api/v1/bookings",
        headers=gp,
        json={"slot_id": slot["id"], "channel": "other_professional", "patient": PATIENT},
    )
    assert booked.status_code == 201
    assert booked.json()["own_patient"] is True
    assert booked.json()["warnings"][0].startswith("own_patient")


async def test_honour_and_no_show_need_the_consultation_to_have_started(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 8)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    regulator = await login(client, "regulator@sud-yvelines.test")
    booking = (
        await client.post(
            "/api/v1/bookings",
            headers=regulator,
            json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
        )
    ).json()
    early = await client.post(f"/api/v1/bookings/{booking['id']}/honour", headers=gp)
    assert early.status_code == 409
    clock.advance(past(start, clock))
    # Only the GP consulted (or staff) states the outcome; the regulator gets 404.
    assert (
        await client.post(f"/api/v1/bookings/{booking['id']}/honour", headers=regulator)
    ).status_code == 404
    honoured = await client.post(f"/api/v1/bookings/{booking['id']}/honour", headers=gp)
    assert honoured.status_code == 200
    assert honoured.json()["status"] == "honoured"
    corrected = await client.post(f"/api/v1/bookings/{booking['id']}/no-show", headers=gp)
    assert corrected.json()["status"] == "no_show"
    cancel_after = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=regulator, json={}
    )
    assert cancel_after.status_code == 409


async def test_other_territory_cannot_book_or_see(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 9)
    slot = await publish_slot(client, gp, fresh_start(clock))
    vexin = await login(client, "regulator@vexin-normand.test")
    assert (await client.get(f"/api/v1/slots/{slot['id']}", headers=vexin)).status_code == 404
    response = await client.post(
        "/api/v1/bookings",
        headers=vexin,
        json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    assert response.status_code == 404
    assert (
        await client.post("/api/v1/holds", headers=vexin, json={"slot_id": slot["id"]})
    ).status_code == 404


async def test_search_filters(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, me = await gp_session(client, 10)
    start = fresh_start(clock)
    office = await publish_slot(client, gp, start)
    video = await publish_slot(
        client, gp, start + timedelta(minutes=15), modality="video", visibility=["pro"]
    )
    headers = await login(client, "nurse5@sud-yvelines.test")
    window = {
        "start": (start - timedelta(minutes=1)).isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }

    async def ids(**params: str) -> list[str]:
        page = (await client.get("/api/v1/slots", params=window | params, headers=headers)).json()
        return [s["id"] for s in page["items"] if s["professional_id"] == me["professional_id"]]

    assert await ids() == [office["id"], video["id"]]
    assert await ids(modality="video") == [video["id"]]
    assert await ids(visibility="snp") == [office["id"]]
    assert await ids(profession="nurse") == []
    communes = {
        c["id"]: c["insee"]
        for c in (await client.get("/api/v1/communes", headers=headers)).json()["items"]
    }
    insee = communes[me["professional"]["locations"][0]["commune_id"]]
    assert await ids(commune=insee) == [office["id"]]  # video slots have no place
    assert await ids(commune=insee, within_km="15") == [office["id"]]
    bad = await client.get(
        "/api/v1/slots",
        params={"start": start.isoformat(), "end": (start + timedelta(days=400)).isoformat()},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "end"


async def test_search_is_paged_by_cursor(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, me = await gp_session(client, 11)
    start = fresh_start(clock)
    for i in range(5):
        await publish_slot(client, gp, start + timedelta(minutes=5 * i), minutes=5)
    seen: list[str] = []
    params = {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=25)).isoformat(),
        "professional_id": me["professional_id"],
        "limit": "2",
    }
    while True:
        page = (await client.get("/api/v1/slots", params=params, headers=gp)).json()
        seen += [s["start"] for s in page["items"]]
        if not page["next"]:
            break
        params["cursor"] = page["next"]
    assert len(seen) == 5
    assert seen == sorted(seen)


async def test_rule_creates_slots_and_edit_never_touches_booked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, me = await gp_session(client, 12)
    tomorrow = (clock.now() + timedelta(days=1)).date()
    rule_body = {
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
        "start_date": tomorrow.isoformat(),
        "until": (tomorrow + timedelta(days=13)).isoformat(),
        "start_time": "07:00",
        "end_time": "08:00",
        "slot_minutes": 15,
        "modality": "office",
        "visibility": ["snp", "cpts"],
        "exdates": [(tomorrow + timedelta(days=2)).isoformat()],
    }
    created = await client.post("/api/v1/availability-rules", headers=gp, json=rule_body)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["slots_created"] == 13 * 4
    rule_id = saved["rule"]["id"]
    twice = await client.post("/api/v1/availability-rules", headers=gp, json=rule_body)
    assert twice.status_code == 409 and twice.json()["code"] == "rule_adds_nothing"
    window = {
        "start": clock.now().isoformat(),
        "end": (clock.now() + timedelta(days=20)).isoformat(),
        "professional_id": me["professional_id"],
        "limit": "500",
    }
    slots = (await client.get("/api/v1/slots", params=window, headers=gp)).json()["items"]
    rule_slots = [s for s in slots if s["rule_id"] == rule_id]
    assert len(rule_slots) == 52
    regulator = await login(client, "regulator@sud-yvelines.test")
    first = rule_slots[0]
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": first["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    assert booked.status_code == 201
    # Edit: 30-minute slots from 07:00 to 08:00 → 2 a day; the booked 07:00 slot stays.
    edited = await client.put(
        f"/api/v1/availability-rules/{rule_id}", headers=gp, json=rule_body | {"slot_minutes": 30}
    )
    assert edited.status_code == 200, edited.text
    result = edited.json()
    assert result["slots_withdrawn"] == 51
    assert result["skipped_overlaps"] == 1  # the 07:00 slot of the booked day
    assert result["slots_created"] == 13 * 2 - 1
    booking = (
        await client.get(f"/api/v1/bookings/{booked.json()['id']}", headers=regulator)
    ).json()
    assert booking["status"] == "booked"
    assert (await client.get(f"/api/v1/slots/{first['id']}", headers=gp)).json()[
        "status"
    ] == "booked"
    # End the rule after the first week: later open slots are withdrawn.
    ended = await client.post(
        f"/api/v1/availability-rules/{rule_id}/end",
        headers=gp,
        json={"last_day": (tomorrow + timedelta(days=6)).isoformat()},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["slots_withdrawn"] == 7 * 2
    assert ended.json()["rule"]["until"] == (tomorrow + timedelta(days=6)).isoformat()


async def test_rule_errors_name_fields(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 12)
    base = {
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "start_date": date.today().isoformat(),
        "start_time": "12:00",
        "end_time": "13:00",
        "slot_minutes": 15,
        "modality": "office",
        "visibility": ["snp"],
    }
    cases = [
        ({"rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"end_time": "11:00"}, "end_time"),
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"slot_minutes": 25}, "slot_minutes"),  # 60 minutes are no whole number of 25
        ({"until": "2000-01-01"}, "until"),
        ({"start_time": "25:00"}, "start_time"),
    ]
    for override, field in cases:
        response = await client.post("/api/v1/availability-rules", headers=gp, json=base | override)
        assert response.status_code == 422, (override, response.text)
        assert response.json()["field"] == field, (override, response.json())


async def test_request_and_booking_lists_are_cursor_paged(client: httpx.AsyncClient) -> None:
    nurse = await login(client, "nurse6@sud-yvelines.test")
    created = []
    for i in range(5):
        body = {"origin": "nurse", "reason": f"plaie {i}", "patient": PATIENT}
        created.append(
            (await client.post("/api/v1/requests", json=body, headers=nurse)).json()["id"]
        )
    seen: list[str] = []
    params = {"limit": "2"}
    while True:
        page = (await client.get("/api/v1/requests", params=params, headers=nurse)).json()
        seen += [r["id"] for r in page["items"]]
        if not page["next"]:
            break
        params["cursor"] = page["next"]
    assert sorted(seen) == sorted(created)  # this nurse sees exactly what she recorded
    bad = await client.get("/api/v1/requests", params={"cursor": "nope"}, headers=nurse)
    assert bad.status_code == 422
    assert bad.json()["field"] == "cursor"
    bad = await client.get("/api/v1/bookings", params={"cursor": "bm9wZQ"}, headers=nurse)
    assert bad.status_code == 422


async def test_scheduling_objects_of_another_territory_are_404(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """Requests, holds, bookings and availability rules of Sud Yvelines, seen from Vexin-Normand
    by its staff (who see everything of their own territory): 404 on every read and write."""
    gp, _ = await gp_session(client, 8)
    sud = await login(client, "coordinator@sud-yvelines.test")
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    other = await publish_slot(client, gp, start + timedelta(minutes=15))
    request = await client.post(
        "/api/v1/requests",
        headers=sud,
        json={"origin": "cpts_line", "reason": "fièvre", "patient": PATIENT},
    )
    booking = await client.post(
        "/api/v1/bookings",
        headers=sud,
        json={"slot_id": slot["id"], "channel": "cpts_line", "patient": PATIENT},
    )
    hold = await client.post("/api/v1/holds", headers=sud, json={"slot_id": other["id"]})
    day = (start + timedelta(days=60)).date()
    rule = await client.post(
        "/api/v1/availability-rules",
        headers=gp,
        json={
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "start_date": day.isoformat(),
            "until": (day + timedelta(days=14)).isoformat(),
            "start_time": "06:00",
            "end_time": "07:00",
            "slot_minutes": 15,
            "modality": "video",
            "visibility": ["snp"],
        },
    )
    assert [r.status_code for r in (request, booking, hold, rule)] == [201] * 4
    request_id, booking_id = request.json()["id"], booking.json()["id"]
    hold_id, rule_id = hold.json()["id"], rule.json()["rule"]["id"]

    vexin = await login(client, "coordinator@vexin-normand.test")
    attempts = [
        client.get(f"/api/v1/requests/{request_id}", headers=vexin),
        client.post(
            f"/api/v1/requests/{request_id}/close", headers=vexin, json={"outcome": "unmet"}
        ),
        client.get(f"/api/v1/bookings/{booking_id}", headers=vexin),
        client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=vexin, json={}),
        client.post(f"/api/v1/bookings/{booking_id}/honour", headers=vexin),
        client.delete(f"/api/v1/holds/{hold_id}", headers=vexin),
        client.post(f"/api/v1/slots/{other['id']}/withdraw", headers=vexin),
        client.put(
            f"/api/v1/availability-rules/{rule_id}",
            headers=vexin,
            json={
                "rrule": "FREQ=WEEKLY;BYDAY=TU",
                "start_date": day.isoformat(),
                "start_time": "06:00",
                "end_time": "07:00",
                "slot_minutes": 15,
                "modality": "video",
                "visibility": ["snp"],
            },
        ),
        client.post(f"/api/v1/availability-rules/{rule_id}/end", headers=vexin, json={}),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 404, (response.request.url, response.text)

    def ids(response: httpx.Response) -> set[str]:
        return {item["id"] for item in response.json()["items"]}

    assert request_id not in ids(await client.get("/api/v1/requests", headers=vexin))
    assert booking_id not in ids(await client.get("/api/v1/bookings", headers=vexin))
    # And nothing changed on the Sud Yvelines side.
    assert (await client.get(f"/api/v1/requests/{request_id}", headers=sud)).json()[
        "outcome"
    ] is None
    assert (await client.get(f"/api/v1/bookings/{booking_id}", headers=sud)).json()[
        "status"
    ] == "booked"


async def _reads_of(database: Database, booking_id: str, purpose: str) -> int:
    async with database.read() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(PatientDataRead)
                .where(
                    PatientDataRead.subject_id == uuid.UUID(booking_id),
                    PatientDataRead.purpose == purpose,
                )
            )
            or 0
        )


async def test_linking_a_request_needs_the_right_to_read_it(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 5)
    slot = await publish_slot(client, gp, fresh_start(clock, minutes=4 * 60) + timedelta(hours=3))
    first = await login(client, "pharmacist1@sud-yvelines.test")
    second = await login(client, "pharmacist2@sud-yvelines.test")
    created = await client.post(
        "/api/v1/requests",
        headers=first,
        json={
            "origin": "pharmacist",
            "reason": "Angine",
            "urgency": "within_24h",
            "patient": PATIENT | {"nir": "295109912611193"},
        },
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    assert (await client.get(f"/api/v1/requests/{request_id}", headers=second)).status_code == 404
    # Another pharmacist may not read that request: nor book it, nor learn its patient.
    refused = await client.post(
        "/api/v1/bookings",
        headers=second,
        json={"slot_id": slot["id"], "request_id": request_id, "channel": "pharmacist"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "request_id" and "Durand" not in refused.text
    still = (await client.get(f"/api/v1/requests/{request_id}", headers=first)).json()
    assert still["outcome"] is None
    # Its author may; the identity the answer carries came from the request: a read, audited.
    booked = await client.post(
        "/api/v1/bookings",
        headers=first | {"Idempotency-Key": f"link-{request_id}"},
        json={"slot_id": slot["id"], "request_id": request_id, "channel": "pharmacist"},
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["id"]
    assert await _reads_of(database, booking_id, "booking of a request") == 1
    # The same booking answered again for the same key names the patient again: audited too.
    again = await client.post(
        "/api/v1/bookings",
        headers=first | {"Idempotency-Key": f"link-{request_id}"},
        json={"slot_id": slot["id"], "request_id": request_id, "channel": "pharmacist"},
    )
    assert again.status_code == 200 and again.json()["patient"]["family_name"] == "Durand"
    assert await _reads_of(database, booking_id, "booking replayed (same key)") == 1
