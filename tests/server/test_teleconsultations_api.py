"""Nurse-assisted teleconsultations through the HTTP API, on both databases."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from kernel.clock import FrozenClock
from kernel.events import Event
from scheduling.models.booking import Booking, BookingStatus
from scheduling.models.hold import Hold
from scheduling.models.slot import Slot, SlotStatus
from server.database import Database
from server.jobs import remind_teleconsultations
from server.state import AppServices
from tests.conftest import login
from tests.server.notify_helpers import recording
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)

URL = "/api/v1/teleconsultations"


def request_body(slot_id: str, clock: FrozenClock, **extra: Any) -> dict[str, Any]:
    return {
        "slot_id": slot_id,
        "setting": "home",
        "consent": {"given": True, "collected_at": clock.now().isoformat()},
        "reason": "Dyspnée d'effort croissante depuis 3 jours",
        "patient": PATIENT,
        "handover": {
            "vital_signs": {"systolic_mmhg": 142, "heart_rate_bpm": 96, "spo2_percent": 93},
            "current_treatments": "Furosémide 40 mg, bisoprolol 2,5 mg",
            "question": "Majoration du diurétique ?",
        },
    } | extra


async def booked(
    client: httpx.AsyncClient, clock: FrozenClock, gp_n: int = 1, nurse_n: int = 1, **extra: Any
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    gp, _ = await gp_session(client, gp_n)
    nurse = await login(client, f"nurse{nurse_n}@sud-yvelines.test")
    slot = await assisted_slot(client, gp, fresh_start(clock))
    response = await client.post(URL, json=request_body(slot["id"], clock, **extra), headers=nurse)
    assert response.status_code == 201, response.text
    return response.json(), gp, nurse


async def test_nurse_books_an_assisted_slot(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    tc, gp, _nurse = await booked(client, clock)
    assert tc["act_code"] == "TLD" and tc["status"] == "booked"
    assert tc["video_url"].startswith("https://meet.jit.si/cpts-tlc-")
    assert tc["patient"]["family_name"] == PATIENT["family_name"]
    assert tc["handover"]["vital_signs"]["spo2_percent"] == 93

    seen_by_gp = (await client.get(f"{URL}/{tc['id']}", headers=gp)).json()
    assert seen_by_gp["video_url"] == tc["video_url"]
    assert seen_by_gp["handover"]["question"] == "Majoration du diurétique ?"

    async with database.read() as session:
        booking = await session.get(Booking, uuid.UUID(tc["booking_id"]))
        assert booking is not None and booking.channel == "nurse"
        slot = await session.get(Slot, uuid.UUID(tc["slot_id"]))
        assert slot is not None and slot.status is SlotStatus.BOOKED
        events = list(
            await session.scalars(
                select(Event).where(
                    Event.subject_id.in_([uuid.UUID(tc["id"]), uuid.UUID(tc["booking_id"])])
                )
            )
        )
    assert {e.type for e in events} == {"booking.created", "teleconsultation.booked"}
    broadcast = json.dumps([e.payload for e in events])
    for secret in (tc["video_url"], PATIENT["family_name"], PATIENT["phone"], "Furosémide"):
        assert secret not in broadcast


@pytest.mark.parametrize(
    ("setting", "act_code"),
    [("home", "TLD"), ("dedicated_place", "TLL"), ("nursing_visit", "TLS")],
)
async def test_act_code_follows_the_setting(
    client: httpx.AsyncClient, clock: FrozenClock, setting: str, act_code: str
) -> None:
    tc, _, _ = await booked(client, clock, setting=setting)
    assert tc["act_code"] == act_code


async def test_consent_is_required(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 2)
    nurse = await login(client, "nurse2@sud-yvelines.test")
    slot = await assisted_slot(client, gp, fresh_start(clock))
    body = request_body(slot["id"], clock)
    del body["consent"]
    missing = await client.post(URL, json=body, headers=nurse)
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["field"] == "consent"

    refused = request_body(slot["id"], clock)
    refused["consent"]["given"] = False
    response = await client.post(URL, json=refused, headers=nurse)
    assert response.status_code == 422 and response.json()["field"] == "consent.given"

    future = request_body(slot["id"], clock)
    future["consent"]["collected_at"] = (clock.now() + timedelta(hours=2)).isoformat()
    response = await client.post(URL, json=future, headers=nurse)
    assert response.status_code == 422 and response.json()["field"] == "consent.collected_at"

    nurse_list = (await client.get(f"{URL}?role=nurse", headers=nurse)).json()["items"]
    assert slot["id"] not in {t["slot_id"] for t in nurse_list}  # nothing half-written


async def test_only_welcoming_video_slots_and_only_nurses(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 3)
    nurse = await login(client, "nurse3@sud-yvelines.test")
    office = await publish_slot(client, gp, fresh_start(clock))
    plain_video = await publish_slot(
        client, gp, fresh_start(clock), modality="video", visibility=["pro"]
    )
    for slot in (office, plain_video):
        response = await client.post(URL, json=request_body(slot["id"], clock), headers=nurse)
        assert response.status_code == 422 and response.json()["field"] == "slot_id"
    bad = await client.post(
        "/api/v1/slots",
        json={
            "start": fresh_start(clock).isoformat(),
            "end": (fresh_start(clock) + timedelta(minutes=15)).isoformat(),
            "modality": "home_visit",
            "visibility": ["pro"],
            "assisted": True,
        },
        headers=gp,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "assisted"

    slot = await assisted_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    response = await client.post(URL, json=request_body(slot["id"], clock), headers=regulator)
    assert response.status_code == 403


async def test_only_the_gp_and_the_nurse_see_the_room(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, _, _ = await booked(client, clock, gp_n=4, nurse_n=4)
    path = f"{URL}/{tc['id']}"
    other_territory_gp = await login(client, "gp1@vexin-normand.test")
    other_gp, _ = await gp_session(client, 5)
    other_nurse = await login(client, "nurse5@sud-yvelines.test")
    for outsider in (other_territory_gp, other_gp, other_nurse):
        response = await client.get(path, headers=outsider)
        assert response.status_code == 404
        assert tc["video_url"] not in response.text
        for action in ("start", "no-show"):
            assert (await client.post(f"{path}/{action}", headers=outsider)).status_code == 404
        listed = await client.get(f"{URL}?role=gp", headers=outsider)
        assert tc["video_url"] not in listed.text
    staff = await login(client, "coordinator@sud-yvelines.test")
    seen = (await client.get(path, headers=staff)).json()
    assert seen["video_url"] is None and seen["handover"] is None
    assert seen["act_code"] == "TLD"


async def test_fifty_nurses_one_slot(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 6)
    slot = await assisted_slot(client, gp, fresh_start(clock))
    nurses = [await login(client, f"nurse{i}@sud-yvelines.test") for i in range(1, 11)]

    async def attempt(i: int) -> int:
        body = request_body(slot["id"], clock)
        return (await client.post(URL, json=body, headers=nurses[i % 10])).status_code

    statuses = Counter(await asyncio.gather(*(attempt(i) for i in range(50))))
    assert statuses == {201: 1, 409: 49}
    async with database.read() as session:
        live = list(
            await session.scalars(
                select(Booking.id).where(
                    Booking.slot_id == uuid.UUID(slot["id"]),
                    Booking.status != BookingStatus.CANCELLED,
                )
            )
        )
    assert len(live) == 1


async def test_lifecycle_start_complete(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    tc, gp, nurse = await booked(client, clock, gp_n=7, nurse_n=6)
    path = f"{URL}/{tc['id']}"
    too_early = await client.post(f"{path}/start", headers=gp)
    assert too_early.status_code == 409
    clock.set(datetime.fromisoformat(tc["start"]) - timedelta(minutes=10))
    started = await client.post(f"{path}/start", headers=nurse)
    assert started.status_code == 200 and started.json()["status"] == "started"
    again = await client.post(f"{path}/start", headers=gp)
    assert again.status_code == 409
    handover = await client.put(
        f"{path}/handover",
        json={"vital_signs": {"temperature_c": 38.4}, "question": "Fièvre ce matin"},
        headers=nurse,
    )
    assert handover.status_code == 200
    assert handover.json()["handover"]["vital_signs"] == {"temperature_c": 38.4}
    by_nurse = await client.post(f"{path}/complete", json={"outcome": "advice"}, headers=nurse)
    assert by_nurse.status_code == 403
    clock.advance(timedelta(minutes=20))
    done = await client.post(
        f"{path}/complete",
        json={"outcome": "prescription_sent", "note": "Ordonnance envoyée à la pharmacie"},
        headers=gp,
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed" and body["outcome"] == "prescription_sent"
    assert (await client.post(f"{path}/cancel", json={}, headers=nurse)).status_code == 409
    async with database.read() as session:
        booking = await session.get(Booking, uuid.UUID(tc["booking_id"]))
        assert booking is not None and booking.status is BookingStatus.HONOURED
        types = [
            e.type
            for e in await session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(tc["id"])).order_by(Event.id)
            )
        ]
    assert types == [
        "teleconsultation.booked",
        "teleconsultation.started",
        "teleconsultation.handover_updated",
        "teleconsultation.completed",
    ]


async def test_no_show_once_begun(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    tc, gp, _ = await booked(client, clock, gp_n=8, nurse_n=7)
    path = f"{URL}/{tc['id']}"
    assert (await client.post(f"{path}/no-show", headers=gp)).status_code == 409
    clock.set(datetime.fromisoformat(tc["start"]) + timedelta(minutes=5))
    response = await client.post(f"{path}/no-show", headers=gp)
    assert response.status_code == 200 and response.json()["status"] == "no_show"
    async with database.read() as session:
        booking = await session.get(Booking, uuid.UUID(tc["booking_id"]))
        assert booking is not None and booking.status is BookingStatus.NO_SHOW


async def test_cancel_frees_the_slot_and_reschedule_links(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    tc, gp, nurse = await booked(client, clock, gp_n=9, nurse_n=8)
    later = await assisted_slot(client, gp, fresh_start(clock))
    taken = await assisted_slot(client, gp, fresh_start(clock))
    other_nurse = await login(client, "nurse9@sud-yvelines.test")
    first = await client.post(URL, json=request_body(taken["id"], clock), headers=other_nurse)
    assert first.status_code == 201

    # Rescheduling onto a taken slot changes nothing: the old visit stands.
    clash = request_body(taken["id"], clock, rescheduled_from=tc["id"])
    assert (await client.post(URL, json=clash, headers=nurse)).status_code == 409
    still = (await client.get(f"{URL}/{tc['id']}", headers=nurse)).json()
    assert still["status"] == "booked"

    moved = await client.post(
        URL, json=request_body(later["id"], clock, rescheduled_from=tc["id"]), headers=nurse
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["rescheduled_from"] == tc["id"]
    old = (await client.get(f"{URL}/{tc['id']}", headers=gp)).json()
    assert old["status"] == "cancelled" and old["cancel_reason"] == "rescheduled"
    async with database.read() as session:
        slot = await session.get(Slot, uuid.UUID(tc["slot_id"]))
        assert slot is not None and slot.status is SlotStatus.FREE

    cancelled = await client.post(
        f"{URL}/{moved.json()['id']}/cancel", json={"reason": "hospitalisé"}, headers=gp
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_each_side_lists_its_upcoming_visits(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, gp, nurse = await booked(client, clock, gp_n=10, nurse_n=10)
    as_gp = (await client.get(f"{URL}?role=gp", headers=gp)).json()["items"]
    as_nurse = (await client.get(f"{URL}?role=nurse", headers=nurse)).json()["items"]
    assert tc["id"] in {t["id"] for t in as_gp}
    assert tc["id"] in {t["id"] for t in as_nurse}
    assert tc["id"] not in {
        t["id"] for t in (await client.get(f"{URL}?role=gp", headers=nurse)).json()["items"]
    }
    starts = [t["start"] for t in as_nurse]
    assert starts == sorted(starts)


async def test_slot_search_puts_the_own_gp_first(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp11, me11 = await gp_session(client, 11)
    gp12, _me12 = await gp_session(client, 12)
    early = await assisted_slot(client, gp12, fresh_start(clock))
    late = await assisted_slot(client, gp11, fresh_start(clock))
    nurse = await login(client, "nurse1@sud-yvelines.test")
    window = {
        "start": early["start"],
        "end": (datetime.fromisoformat(late["end"]) + timedelta(minutes=1)).isoformat(),
    }
    plain = (await client.get(f"{URL}/slots", params=window, headers=nurse)).json()
    ids = [s["id"] for s in plain]
    assert ids.index(early["id"]) < ids.index(late["id"])
    own = (
        await client.get(
            f"{URL}/slots",
            params=window | {"own_gp_id": me11["professional"]["id"]},
            headers=nurse,
        )
    ).json()
    assert own[0]["id"] == late["id"] and all(s["assisted"] for s in own)


async def test_reminders_go_once_to_the_gp_and_the_nurse(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, _, _ = await booked(client, clock, gp_n=2, nurse_n=3)
    services = AppServices.of(app)
    notifier = recording(app)
    clock.set(datetime.fromisoformat(tc["start"]) - timedelta(minutes=14))
    assert await remind_teleconsultations(services) >= 1
    mine = [n for n in notifier.sent if f"/teleconsultations/{tc['id']}" in n.body]
    assert sorted(n.to for n in mine) == ["gp2@sud-yvelines.test", "nurse3@sud-yvelines.test"]
    for notice in mine:
        assert PATIENT["family_name"] not in notice.body and tc["video_url"] not in notice.body
    before = len(notifier.sent)
    await remind_teleconsultations(services)
    assert not [n for n in notifier.sent[before:] if tc["id"] in n.body]


async def test_room_link_sent_to_the_patient(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    notifier = recording(app)
    tc, gp, _ = await booked(
        client, clock, gp_n=3, nurse_n=2, send_link_to_patient="odile@example.org"
    )
    assert tc["link_sent_to_patient_at"] is not None
    sent = [n for n in notifier.sent if n.to == "odile@example.org"]
    assert sent and tc["video_url"] in sent[-1].body
    other = await login(client, "nurse6@sud-yvelines.test")
    refused = await client.post(
        f"{URL}/{tc['id']}/send-link", json={"email": "x@example.org"}, headers=other
    )
    assert refused.status_code == 404
    by_gp = await client.post(
        f"{URL}/{tc['id']}/send-link", json={"email": "x@example.org"}, headers=gp
    )
    assert by_gp.status_code == 403
    assert not [n for n in notifier.sent if n.to == "x@example.org"]


async def test_link_not_sent_for_a_finished_visit_nor_when_the_relay_fails(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = recording(app, fail=True)
    tc, gp, nurse = await booked(
        client, clock, gp_n=4, nurse_n=5, send_link_to_patient="odile@example.org"
    )
    assert tc["link_sent_to_patient_at"] is None  # the booking stands
    again = await client.post(
        f"{URL}/{tc['id']}/send-link", json={"email": "odile@example.org"}, headers=nurse
    )
    assert again.status_code == 503
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "odile@" not in caplog.text
    notifier.fail = False
    assert (await client.post(f"{URL}/{tc['id']}/cancel", json={}, headers=gp)).status_code == 200
    late = await client.post(
        f"{URL}/{tc['id']}/send-link", json={"email": "odile@example.org"}, headers=nurse
    )
    assert late.status_code == 409 and not notifier.sent


async def test_its_booking_moves_only_through_the_teleconsultation(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, _gp, nurse = await booked(client, clock, gp_n=5, nurse_n=6)
    through_booking = await client.post(
        f"/api/v1/bookings/{tc['booking_id']}/cancel", json={}, headers=nurse
    )
    assert through_booking.status_code == 409
    assert "teleconsultations" in through_booking.json()["detail"]
    assert (
        await client.post(f"{URL}/{tc['id']}/cancel", json={}, headers=nurse)
    ).status_code == 200


async def test_an_idempotency_key_of_another_booking_is_refused(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 6)
    nurse = await login(client, "nurse7@sud-yvelines.test")
    office = await publish_slot(client, gp, fresh_start(clock))
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    plain = await client.post(
        "/api/v1/bookings",
        json={"slot_id": office["id"], "channel": "nurse", "patient": PATIENT},
        headers=nurse | key,
    )
    assert plain.status_code == 201
    slot = await assisted_slot(client, gp, fresh_start(clock))
    reused = await client.post(URL, json=request_body(slot["id"], clock), headers=nurse | key)
    assert reused.status_code == 409 and reused.json()["field"] == "Idempotency-Key"
    fresh = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await client.post(URL, json=request_body(slot["id"], clock), headers=nurse | fresh)
    replay = await client.post(URL, json=request_body(slot["id"], clock), headers=nurse | fresh)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["id"] == first.json()["id"]


async def test_a_reschedule_keeps_the_patient(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, gp, nurse = await booked(client, clock, gp_n=7, nurse_n=9)
    later = await assisted_slot(client, gp, fresh_start(clock))
    someone_else = PATIENT | {"family_name": "Autre", "given_name": "Personne"}
    body = request_body(later["id"], clock, rescheduled_from=tc["id"], patient=someone_else)
    response = await client.post(URL, json=body, headers=nurse)
    assert response.status_code == 422 and response.json()["field"] == "patient"
    same = PATIENT | {"family_name": PATIENT["family_name"].upper()}
    ok = await client.post(
        URL,
        json=request_body(later["id"], clock, rescheduled_from=tc["id"], patient=same),
        headers=nurse,
    )
    assert ok.status_code == 201


async def test_staff_see_the_appointment_not_the_case(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    tc, _, _ = await booked(client, clock, gp_n=8, nurse_n=10)
    staff = await login(client, "coordinator@sud-yvelines.test")
    seen = (await client.get(f"{URL}/{tc['id']}", headers=staff)).json()
    assert seen["status"] == "booked" and seen["act_code"] == "TLD"
    for hidden in ("video_url", "handover", "patient", "reason", "outcome_note"):
        assert seen[hidden] is None, hidden


async def test_a_nurse_books_through_her_hold(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 11)
    nurse = await login(client, "nurse4@sud-yvelines.test")
    other_nurse = await login(client, "nurse5@sud-yvelines.test")
    slot = await assisted_slot(client, gp, fresh_start(clock))
    placed = await client.post("/api/v1/holds", json={"slot_id": slot["id"]}, headers=nurse)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    by_hold = request_body(slot["id"], clock) | {"hold_id": hold["id"]}
    del by_hold["slot_id"]

    # While held, the slot is nobody else's, and the hold is its holder's alone.
    direct = await client.post(URL, json=request_body(slot["id"], clock), headers=other_nurse)
    assert direct.status_code == 409
    stolen = await client.post(URL, json=by_hold, headers=other_nurse)
    assert stolen.status_code == 404

    response = await client.post(URL, json=by_hold, headers=nurse)
    assert response.status_code == 201, response.text
    tc = response.json()
    assert tc["slot_id"] == slot["id"] and tc["act_code"] == "TLD" and tc["video_url"]
    async with database.read() as session:
        used = await session.get(Hold, uuid.UUID(hold["id"]))
        assert used is not None and used.consumed_at is not None and used.released_at is None
        taken = await session.get(Slot, uuid.UUID(slot["id"]))
        assert taken is not None and taken.status is SlotStatus.BOOKED
        booking = await session.get(Booking, uuid.UUID(tc["booking_id"]))
        assert booking is not None and booking.slot_id == uuid.UUID(slot["id"])

    # A consumed hold books nothing more, and cannot be released any more either.
    again = await client.post(URL, json=by_hold, headers=nurse)
    assert again.status_code == 409
    released = await client.delete(f"/api/v1/holds/{hold['id']}", headers=nurse)
    assert released.status_code == 409
    mine = (await client.get(f"{URL}?role=nurse", headers=nurse)).json()["items"]
    assert [t["id"] for t in mine if t["slot_id"] == slot["id"]] == [tc["id"]]


async def _events_of(database: Database, subject: str) -> list[Event]:
    async with database.read() as session:
        return list(
            await session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(subject)).order_by(Event.id)
            )
        )


def _assert_no_secrets(events: list[Event], tc: dict[str, Any], *more: str) -> None:
    broadcast = json.dumps([e.payload for e in events], ensure_ascii=False)
    secrets = (
        tc["video_url"],
        tc["video_url"].rsplit("/", 1)[-1],  # the room name alone
        PATIENT["family_name"],
        PATIENT["given_name"],
        PATIENT["phone"],
        PATIENT["birth_date"],
        tc["reason"],
        "Furosémide",
        "Majoration",
        *more,
    )
    for secret in secrets:
        assert secret not in broadcast, secret
    for e in events:
        named = {k for k in e.payload if "patient" in k} - {"own_patient"}  # a flag, no one
        assert not named, e.payload
        assert "video_url" not in e.payload and "handover" not in e.payload


async def test_cancelled_and_no_show_events_carry_no_patient_nor_room(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    called_off, gp, nurse = await booked(client, clock, gp_n=12, nurse_n=1)
    reason = "Mme Durand hospitalisée à Rambouillet"
    cancelled = await client.post(
        f"{URL}/{called_off['id']}/cancel", json={"reason": reason}, headers=nurse
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    events = await _events_of(database, called_off["id"])
    assert [e.type for e in events] == ["teleconsultation.booked", "teleconsultation.cancelled"]
    last = events[-1]
    assert last.payload["status"] == "cancelled"
    assert last.payload["teleconsultation_id"] == called_off["id"]
    assert last.payload["nurse_professional_id"] == called_off["nurse_professional_id"]
    assert last.actor_account_id is not None
    _assert_no_secrets(events, called_off, reason, "hospitalisée")

    slot = await assisted_slot(client, gp, fresh_start(clock))
    missed = await client.post(URL, json=request_body(slot["id"], clock), headers=nurse)
    assert missed.status_code == 201, missed.text
    absent = missed.json()
    clock.set(datetime.fromisoformat(absent["start"]) + timedelta(minutes=10))
    no_show = await client.post(f"{URL}/{absent['id']}/no-show", headers=gp)
    assert no_show.status_code == 200, no_show.text
    events = await _events_of(database, absent["id"])
    assert [e.type for e in events] == ["teleconsultation.booked", "teleconsultation.no_show"]
    assert events[-1].payload["status"] == "no_show"
    assert events[-1].payload["act_code"] == "TLD"
    _assert_no_secrets(events, absent)
    booking_events = await _events_of(database, absent["booking_id"])
    assert [e.type for e in booking_events][-1] == "booking.no_show"
    _assert_no_secrets(booking_events, absent)


async def test_the_reminder_job_writes_one_reminder_event(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    soon, gp, nurse = await booked(client, clock, gp_n=1, nurse_n=2)
    later_slot = await assisted_slot(client, gp, fresh_start(clock))
    later = await client.post(URL, json=request_body(later_slot["id"], clock), headers=nurse)
    assert later.status_code == 201
    services = AppServices.of(app)
    recording(app)

    clock.set(datetime.fromisoformat(soon["start"]) - timedelta(minutes=20))  # not yet due
    await remind_teleconsultations(services)
    assert "teleconsultation.reminder" not in {
        e.type for e in await _events_of(database, soon["id"])
    }

    clock.set(datetime.fromisoformat(soon["start"]) - timedelta(minutes=14))
    assert await remind_teleconsultations(services) >= 1
    await remind_teleconsultations(services)  # a second round claims nothing again
    events = await _events_of(database, soon["id"])
    reminders = [e for e in events if e.type == "teleconsultation.reminder"]
    assert len(reminders) == 1
    reminder = reminders[0]
    assert reminder.actor_account_id is None  # written by the job, not by a person
    assert reminder.payload["teleconsultation_id"] == soon["id"]
    assert reminder.payload["gp_professional_id"] == soon["gp_professional_id"]
    assert reminder.payload["starts_at"] == datetime.fromisoformat(soon["start"]).isoformat()
    _assert_no_secrets(events, soon)
    # The visit starting 30 minutes later is not due yet: no reminder for it.
    assert "teleconsultation.reminder" not in {
        e.type for e in await _events_of(database, later.json()["id"])
    }


async def test_slot_search_by_professional(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp10, me10 = await gp_session(client, 10)
    gp11, me11 = await gp_session(client, 11)
    theirs = [await assisted_slot(client, gp11, fresh_start(clock)) for _ in range(2)]
    mine = [await assisted_slot(client, gp10, fresh_start(clock)) for _ in range(2)]
    plain = await publish_slot(
        client, gp10, fresh_start(clock), modality="video", visibility=["pro"]
    )
    nurse = await login(client, "nurse3@sud-yvelines.test")
    window = {
        "start": theirs[0]["start"],
        "end": (datetime.fromisoformat(plain["end"]) + timedelta(minutes=1)).isoformat(),
    }
    everyone = (await client.get(f"{URL}/slots", params=window, headers=nurse)).json()
    assert {s["id"] for s in theirs + mine} <= {s["id"] for s in everyone}

    pro10 = me10["professional"]["id"]
    found = await client.get(
        f"{URL}/slots", params=window | {"professional_id": pro10}, headers=nurse
    )
    assert found.status_code == 200, found.text
    only = found.json()
    assert [s["id"] for s in only] == [s["id"] for s in mine]  # by start, the plain one left out
    assert all(s["professional_id"] == pro10 and s["assisted"] for s in only)
    pro11 = me11["professional"]["id"]
    other = (
        await client.get(f"{URL}/slots", params=window | {"professional_id": pro11}, headers=nurse)
    ).json()
    assert [s["id"] for s in other] == [s["id"] for s in theirs]
    nobody = (
        await client.get(
            f"{URL}/slots", params=window | {"professional_id": str(uuid.uuid4())}, headers=nurse
        )
    ).json()
    assert nobody == []


async def test_an_assisted_rule_makes_assisted_video_slots(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, me = await gp_session(client, 10)
    day = (clock.now() + timedelta(days=2)).date()
    rule_body = {
        "rrule": "FREQ=DAILY",
        "start_date": day.isoformat(),
        "until": day.isoformat(),
        "start_time": "06:00",
        "end_time": "07:00",
        "slot_minutes": 15,
        "modality": "video",
        "visibility": ["pro", "cpts"],
        "assisted": True,
    }
    created = await client.post("/api/v1/availability-rules", json=rule_body, headers=gp)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["rule"]["assisted"] is True and saved["slots_created"] == 4
    rule_id = saved["rule"]["id"]

    nurse = await login(client, "nurse6@sud-yvelines.test")
    window = {
        "start": (clock.now() + timedelta(days=1)).isoformat(),
        "end": (clock.now() + timedelta(days=3)).isoformat(),
        "professional_id": me["professional"]["id"],
    }
    offered = (await client.get(f"{URL}/slots", params=window, headers=nurse)).json()
    of_rule = [s for s in offered if s["rule_id"] == rule_id]
    assert len(of_rule) == 4
    assert all(s["assisted"] and s["modality"] == "video" for s in of_rule)
    response = await client.post(URL, json=request_body(of_rule[0]["id"], clock), headers=nurse)
    assert response.status_code == 201, response.text

    for modality in ("office", "home_visit"):
        refused = await client.post(
            "/api/v1/availability-rules", json=rule_body | {"modality": modality}, headers=gp
        )
        assert refused.status_code == 422, (modality, refused.text)
        assert refused.json()["field"] == "assisted"
    edited = await client.put(
        f"/api/v1/availability-rules/{rule_id}",
        json=rule_body | {"modality": "office"},
        headers=gp,
    )
    assert edited.status_code == 422 and edited.json()["field"] == "assisted"
    still = (await client.get(f"{URL}/slots", params=window, headers=nurse)).json()
    assert len([s for s in still if s["rule_id"] == rule_id]) == 3  # untouched but the booked one
