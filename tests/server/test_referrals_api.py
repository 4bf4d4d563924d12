"""The wound-care network through the HTTP API, on both databases."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from PIL import ExifTags, Image
from sqlalchemy import func, select

from coordination.directory.territory import Territory
from coordination.referrals.models.photo import ReferralPhoto
from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from kernel.events import Event
from server.database import Database
from server.jobs import flag_overdue_referrals
from server.state import AppServices
from tests.conftest import login
from tests.server.referral_helpers import ASSESSMENT, URL, network, refer, referral_body
from tests.server.scheduling_helpers import PATIENT, assisted_slot, fresh_start, gp_session


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (180, 60, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 48.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 7.0, 12.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it has GPS
    return data


async def test_referral_is_routed_and_answered(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    nurse = await login(client, "nurse1@sud-yvelines.test")
    r = await refer(client, nurse, clock)
    assert r["status"] == "requested" and r["assigned_expert_id"] is not None
    first = r["assessments"][0]
    assert first["area_cm2"] == 10.0 and first["chronic"] is True
    assert datetime.fromisoformat(r["due_at"]) > clock.now()

    expert = await login(client, "expert1@sud-yvelines.test")
    path = f"{URL}/{r['id']}"
    outsider = await login(client, "nurse2@sud-yvelines.test")
    assert (await client.get(path, headers=outsider)).status_code == 404
    other_expertise = await login(client, "expert2@sud-yvelines.test")
    assert (await client.post(f"{path}/accept", headers=other_expertise)).status_code in (403, 404)

    accepted = await client.post(f"{path}/accept", headers=expert)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert (await client.post(f"{path}/start", headers=expert)).json()["status"] == "in_progress"
    posted = await client.post(
        f"{path}/messages", json={"body": "Pouvez-vous mesurer l'IPS ?"}, headers=expert
    )
    assert posted.status_code == 201
    thread = (await client.get(f"{path}/messages", headers=nurse)).json()
    assert [m["body"] for m in thread] == ["Pouvez-vous mesurer l'IPS ?"]
    assert (await client.get(f"{path}/messages", headers=outsider)).status_code == 404

    again = dict(ASSESSMENT) | {"length_cm": 3.0, "width_cm": 2.0, "age_weeks": 11}
    assert (await client.post(f"{path}/assessments", json=again, headers=nurse)).status_code == 201
    trajectory = (await client.get(f"{path}/assessments", headers=expert)).json()
    assert [a["area_cm2"] for a in trajectory] == [10.0, 6.0]

    answer = {
        "advice": "Compression à maintenir, détersion mécanique.",
        "care_plan": "Pansement hydrofibre 3×/semaine",
        "follow_up": "office_visit",
    }
    done = await client.post(f"{path}/answer", json=answer, headers=expert)
    assert done.status_code == 200 and done.json()["answer"]["follow_up"] == "office_visit"
    assert (await client.post(f"{path}/cancel", json={}, headers=nurse)).status_code == 409
    async with database.read() as session:
        types = [
            e.type
            for e in await session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(r["id"])).order_by(Event.id)
            )
        ]
        payloads = " ".join(
            str(e.payload)
            for e in await session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(r["id"]))
            )
        )
    assert types == [
        "referral.requested",
        "referral.accepted",
        "referral.started",
        "referral.message_posted",
        "referral.assessment_added",
        "referral.completed",
    ]
    assert "Plaie-" not in payloads and "IPS" not in payloads


async def test_assessment_and_consent_are_checked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    nurse = await login(client, "nurse3@sud-yvelines.test")
    cases = [
        (
            {
                "assessment": ASSESSMENT
                | {"bed_colours": {"black": 10, "yellow": 10, "red": 10, "pink": 10}}
            },
            "assessment.bed_colours",
        ),
        (
            {
                "assessment": ASSESSMENT
                | {
                    "braden": {
                        "sensory_perception": 3,
                        "moisture": 3,
                        "activity": 2,
                        "mobility": 2,
                        "nutrition": 3,
                        "friction_shear": 2,
                    }
                }
            },
            "assessment.braden",
        ),
        ({"assessment": ASSESSMENT | {"pain": 11}}, "assessment.pain"),
        ({"assessment": ASSESSMENT | {"wound_type": "pressure_ulcer"}}, "assessment.braden"),
        ({"consent": {"given": False, "collected_at": clock.now().isoformat()}}, "consent"),
    ]
    for extra, field in cases:
        response = await client.post(URL, json=referral_body(clock, **extra), headers=nurse)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    pressure = ASSESSMENT | {
        "wound_type": "pressure_ulcer",
        "braden": {
            "sensory_perception": 2,
            "moisture": 2,
            "activity": 1,
            "mobility": 2,
            "nutrition": 2,
            "friction_shear": 1,
        },
    }
    r = await refer(client, nurse, clock, assessment=pressure, expertise="wound_nurse")
    assert r["assessments"][0]["braden_total"] == 10
    assert r["assessments"][0]["braden_risk"] == "high"


async def _vexin_experts(client: httpx.AsyncClient) -> dict[str, str]:
    """Register Vexin's three GPs as vascular experts (once per database)."""
    staff = await login(client, "coordinator@vexin-normand.test")
    roster = (await client.get("/api/v1/network/experts", headers=staff)).json()
    if roster:
        return staff
    for n in (1, 2, 3):
        me = (
            await client.get("/api/v1/me", headers=await login(client, f"gp{n}@vexin-normand.test"))
        ).json()
        body = {
            "professional_id": me["professional"]["id"],
            "expertise": "vascular",
            "weekly_capacity": 10,
        }
        assert (
            await client.post("/api/v1/network/experts", json=body, headers=staff)
        ).status_code == 201
    return staff


async def test_experts_race_for_a_queued_referral(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    staff = await _vexin_experts(client)
    queue = {"routing": "open_queue", "routine_days": 2, "urgent_days": 1}
    assert (
        await client.put("/api/v1/network/settings", json=queue, headers=staff)
    ).status_code == 200
    try:
        nurse = await login(client, "nurse1@vexin-normand.test")
        r = await refer(client, nurse, clock)
        assert r["assigned_expert_id"] is None
        experts = [await login(client, f"gp{n}@vexin-normand.test") for n in (1, 2, 3)]
        for expert in experts:  # all three see the case in the queue, not who the patient is
            mine = (await client.get(f"{URL}?status=requested", headers=expert)).json()["items"]
            seen = next(x for x in mine if x["id"] == r["id"])
            assert seen["patient"] is None and seen["question"] == r["question"]
        # The question is health data: its reading by each expert is audited.
        async with database.read() as session:
            question_reads = await session.scalar(
                select(func.count()).where(
                    PatientDataRead.subject_id == uuid.UUID(r["id"]),
                    PatientDataRead.purpose == "list (question, no identity)",
                )
            )
        assert question_reads == 3
        not_mine = await client.post(
            f"{URL}/{r['id']}/reject", json={"reason": "pas pour moi"}, headers=experts[0]
        )
        assert not_mine.status_code == 403  # one expert's "no" does not close the queue

        async def attempt(i: int) -> int:
            response = await client.post(f"{URL}/{r['id']}/accept", headers=experts[i % 3])
            return response.status_code

        statuses = Counter(await asyncio.gather(*(attempt(i) for i in range(15))))
        assert statuses == {200: 1, 409: 14}
        taken = (await client.get(f"{URL}/{r['id']}", headers=nurse)).json()
        assert taken["status"] == "accepted" and taken["assigned_expert_id"] is not None
    finally:
        back = {"routing": "least_loaded", "routine_days": 2, "urgent_days": 1}
        await client.put("/api/v1/network/settings", json=back, headers=staff)


async def test_least_loaded_routing_absences_and_reassignment(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    staff = await _vexin_experts(client)
    nurse = await login(client, "nurse2@vexin-normand.test")
    roster = (await client.get("/api/v1/network/experts", headers=staff)).json()
    loads = {e["id"]: e["open_referrals"] for e in roster}
    r = await refer(client, nurse, clock)
    assert loads[r["assigned_expert_id"]] == min(loads.values())

    today = (
        clock.now().astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    )  # the territory's day
    absences = []
    for e in roster:
        added = await client.post(
            f"/api/v1/network/experts/{e['id']}/absences",
            json={"first_day": today, "last_day": today, "reason": "congrès"},
            headers=staff,
        )
        assert added.status_code == 201
        absences.append((e["id"], added.json()["id"]))
    try:
        nobody = await refer(client, nurse, clock)
        assert nobody["assigned_expert_id"] is None
        assert any(w.startswith("unassigned") for w in nobody["warnings"])
        board = (await client.get(f"{URL}/board", headers=staff)).json()["items"]
        assert nobody["id"] in {x["id"] for x in board}
        moved = await client.post(
            f"{URL}/{nobody['id']}/reassign", json={"expert_id": roster[0]["id"]}, headers=staff
        )
        assert moved.status_code == 200 and moved.json()["assigned_expert_id"] == roster[0]["id"]
        assert (
            await client.post(
                f"{URL}/{nobody['id']}/reassign", json={"expert_id": roster[0]["id"]}, headers=nurse
            )
        ).status_code == 403
    finally:
        for expert_id, absence_id in absences:
            await client.delete(
                f"/api/v1/network/experts/{expert_id}/absences/{absence_id}", headers=staff
            )


async def test_an_expert_off_the_rota_hands_back_open_referrals(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    staff = await _vexin_experts(client)
    nurse = await login(client, "nurse1@vexin-normand.test")
    r = await refer(client, nurse, clock)
    expert_id = r["assigned_expert_id"]
    off = await client.patch(
        f"/api/v1/network/experts/{expert_id}", json={"active": False}, headers=staff
    )
    assert off.status_code == 200 and off.json()["active"] is False
    try:
        back = (await client.get(f"{URL}/{r['id']}", headers=nurse)).json()
        assert back["status"] == "requested" and back["assigned_expert_id"] is None
        board = (await client.get(f"{URL}/board", headers=staff)).json()["items"]
        assert r["id"] in {x["id"] for x in board}
    finally:
        await client.patch(
            f"/api/v1/network/experts/{expert_id}", json={"active": True}, headers=staff
        )


async def test_network_settings_are_checked(client: httpx.AsyncClient) -> None:
    staff = await login(client, "coordinator@vexin-normand.test")
    for body, field in (
        ({"holiday_subdivision": "975"}, "holiday_subdivision"),
        ({"routine_days": 2, "urgent_days": 3}, "urgent_days"),
    ):
        response = await client.put("/api/v1/network/settings", json=body, headers=staff)
        assert response.status_code == 422 and response.json()["field"] == field
    nurse = await login(client, "nurse1@vexin-normand.test")
    assert (await client.put("/api/v1/network/settings", json={}, headers=nurse)).status_code == 403


async def test_reject_needs_a_reason(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    nurse = await login(client, "nurse4@sud-yvelines.test")
    r = await refer(client, nurse, clock, expertise="dermatology")
    expert = await login(client, "expert2@sud-yvelines.test")
    blank = await client.post(f"{URL}/{r['id']}/reject", json={"reason": "  "}, headers=expert)
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    done = await client.post(
        f"{URL}/{r['id']}/reject", json={"reason": "Relève de l'angiologie"}, headers=expert
    )
    assert done.status_code == 200 and done.json()["reject_reason"] == "Relève de l'angiologie"
    assert (await client.post(f"{URL}/{r['id']}/accept", headers=expert)).status_code == 409


async def test_photos_are_sniffed_stripped_and_audited(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    nurse = await login(client, "nurse5@sud-yvelines.test")
    r = await refer(client, nurse, clock)
    path = f"{URL}/{r['id']}/photos"
    uploaded = await client.post(
        path, files={"file": ("plaie.jpg", jpeg_with_gps(), "image/jpeg")}, headers=nurse
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    served = await client.get(photo["url"], headers=nurse)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(served.content))
    assert stored.size == (64, 48)
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert (
        not stored.getexif()
        and b"Exif" not in served.content
        and b"PhoneMaker" not in served.content
    )

    outsider = await login(client, "nurse6@sud-yvelines.test")
    assert (await client.get(photo["url"], headers=outsider)).status_code == 404
    async with database.read() as session:
        reads = await session.scalar(
            select(func.count()).where(
                PatientDataRead.subject_id == uuid.UUID(photo["id"]),
                PatientDataRead.subject_type == "referral_photo",
            )
        )
    assert reads == 1

    png = io.BytesIO()
    Image.new("RGBA", (8, 8)).save(png, format="PNG")
    ok = await client.post(
        path, files={"file": ("x.png", png.getvalue(), "image/png")}, headers=nurse
    )
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/png"

    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    script = b"#!/bin/sh\nrm -rf /\n"
    truncated = jpeg_with_gps()[:200]
    for name, data in (("a.gif", gif.getvalue()), ("evil.jpg", script), ("cut.jpg", truncated)):
        refused = await client.post(path, files={"file": (name, data, "image/jpeg")}, headers=nurse)
        assert refused.status_code == 415, (name, refused.text)  # as documented
        assert refused.json()["field"] == "file"
    huge = b"\xff\xd8\xff" + bytes(10_000_001)
    too_big = await client.post(
        path, files={"file": ("big.jpg", huge, "image/jpeg")}, headers=nurse
    )
    assert too_big.status_code == 422 and "MB" in too_big.json()["detail"]
    detail = (await client.get(f"{URL}/{r['id']}", headers=nurse)).json()
    assert len(detail["photos"]) == 2


async def test_deadline_skips_a_weekend_and_whit_monday(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 5, 22, 8, 0, tzinfo=UTC))  # Friday before Whit Monday
    nurse = await login(client, "nurse7@sud-yvelines.test")
    body = referral_body(clock)
    r = await refer(client, nurse, clock, **{k: body[k] for k in ("consent",)})
    assert datetime.fromisoformat(r["due_at"]) == datetime(2026, 5, 27, 22, 0, tzinfo=UTC)
    urgent = await refer(client, nurse, clock, priority="urgent")
    assert datetime.fromisoformat(urgent["due_at"]) == datetime(2026, 5, 26, 22, 0, tzinfo=UTC)


async def test_overdue_referrals_are_flagged_once(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    nurse = await login(client, "nurse8@sud-yvelines.test")
    r = await refer(client, nurse, clock, expertise="wound_nurse")
    clock.set(datetime.fromisoformat(r["due_at"]) + timedelta(minutes=1))
    services = AppServices.of(app)
    assert await flag_overdue_referrals(services) >= 1
    assert await flag_overdue_referrals(services) == 0
    staff = await login(client, "coordinator@sud-yvelines.test")
    board = (await client.get(f"{URL}/board", headers=staff)).json()["items"]
    assert any(x["id"] == r["id"] and x["overdue"] for x in board)
    assert board[0]["patient"] is None  # the board shows the case, not who it is
    async with database.read() as session:
        overdue = await session.scalar(
            select(func.count()).where(
                Event.subject_id == uuid.UUID(r["id"]), Event.type == "referral.overdue"
            )
        )
    assert overdue == 1


async def test_yearly_teleexpertise_count_warns_past_four(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    nurse = await login(client, "nurse9@sud-yvelines.test")
    patient = PATIENT | {"family_name": f"Répétée-{uuid.uuid4().hex[:6]}"}
    results = [await refer(client, nurse, clock, patient=patient) for _ in range(5)]
    assert [r["patient_year_count"] for r in results] == [1, 2, 3, 4, 5]
    assert not any(w.startswith("yearly") for r in results[:4] for w in r["warnings"])
    assert any(w.startswith("yearly_teleexpertise") for w in results[4]["warnings"])
    folded = patient | {"family_name": patient["family_name"].upper().replace("É", "E")}
    sixth = await refer(client, nurse, clock, patient=folded)
    assert sixth["patient_year_count"] == 6


async def test_follow_up_teleconsultation_from_the_answer(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    nurse = await login(client, "nurse10@sud-yvelines.test")
    r = await refer(client, nurse, clock, expertise="wound_nurse")
    expert = await login(client, "expert3@sud-yvelines.test")
    assert (await client.post(f"{URL}/{r['id']}/accept", headers=expert)).status_code == 200
    answer = {
        "advice": "Avis du médecin traitant en visio",
        "follow_up": "assisted_teleconsultation",
    }
    assert (
        await client.post(f"{URL}/{r['id']}/answer", json=answer, headers=expert)
    ).status_code == 200
    gp, _ = await gp_session(client, 9)
    slot = await assisted_slot(client, gp, fresh_start(clock))
    body = {
        "slot_id": slot["id"],
        "setting": "nursing_visit",
        "consent": {"given": True, "collected_at": clock.now().isoformat()},
    }
    booked = await client.post(
        f"{URL}/{r['id']}/follow-up-teleconsultation", json=body, headers=nurse
    )
    assert booked.status_code == 201, booked.text
    tc = booked.json()
    assert tc["act_code"] == "TLS" and tc["patient"]["family_name"] == r["patient"]["family_name"]
    async with database.read() as session:  # the answer named the patient: audited
        reads = await session.scalar(
            select(func.count()).where(
                PatientDataRead.subject_id == uuid.UUID(tc["id"]),
                PatientDataRead.purpose == "follow-up of a referral",
            )
        )
    assert reads == 1
    linked = (await client.get(f"{URL}/{r['id']}", headers=nurse)).json()
    assert linked["follow_up_teleconsultation_id"] == tc["id"]
    twice = await client.post(
        f"{URL}/{r['id']}/follow-up-teleconsultation", json=body, headers=nurse
    )
    assert twice.status_code == 409


def _mid_week(clock: FrozenClock) -> None:
    """Wednesday 10:00 UTC of next week: the weekly count cannot roll over mid-test."""
    today = clock.now().date()
    wednesday = today + timedelta(days=7 - today.weekday() + 2)
    clock.set(datetime(wednesday.year, wednesday.month, wednesday.day, 10, 0, tzinfo=UTC))


async def _events_of(database: Database, subject: str) -> list[Event]:
    async with database.read() as session:
        return list(
            await session.scalars(
                select(Event).where(Event.subject_id == uuid.UUID(subject)).order_by(Event.id)
            )
        )


async def test_the_requester_cancels_an_open_referral(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, territory: Territory
) -> None:
    net = await network(database, clock, territory)
    expert = await net.register(client, clock, "derm1", "dermatology", 10)
    nurse = await net.login(client, "nurse1")
    r = await refer(client, nurse, clock, expertise="dermatology")
    assert r["assigned_expert_id"] == expert["id"]
    path = f"{URL}/{r['id']}"

    derm = await net.login(client, "derm1")
    other_nurse = await net.login(client, "nurse2")
    staff = await net.login(client, "coordinator")
    assert (await client.post(f"{path}/cancel", json={}, headers=other_nurse)).status_code == 404
    assert (await client.post(f"{path}/cancel", json={}, headers=derm)).status_code == 404
    assert (await client.post(f"{path}/cancel", json={}, headers=staff)).status_code == 403
    assert (await client.post(f"{path}/accept", headers=derm)).status_code == 200

    reason = "Mme Plaie hospitalisée, suivie par le service"
    cancelled = await client.post(f"{path}/cancel", json={"reason": f"  {reason} "}, headers=nurse)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == reason
    seen = (await client.get(path, headers=nurse)).json()
    assert seen["status"] == "cancelled" and seen["cancel_reason"] == reason

    # Over: no second cancel, and the expert can no longer work on it.
    assert (await client.post(f"{path}/cancel", json={}, headers=nurse)).status_code == 409
    assert (await client.post(f"{path}/start", headers=derm)).status_code == 409
    roster = (await client.get("/api/v1/network/experts", headers=staff)).json()
    assert next(e for e in roster if e["id"] == expert["id"])["open_referrals"] == 0

    events = await _events_of(database, r["id"])
    assert [e.type for e in events] == [
        "referral.requested",
        "referral.accepted",
        "referral.cancelled",
    ]
    last = events[-1]
    assert last.payload["status"] == "cancelled"
    assert last.payload["referral_id"] == r["id"]
    assert last.payload["assigned_expert_id"] == expert["id"]
    broadcast = str([e.payload for e in events])
    for secret in (r["patient"]["family_name"], reason, "hospitalisée", r["question"], "IPS"):
        assert secret not in broadcast, secret


async def test_mine_lists_only_what_the_caller_asked_or_was_assigned(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, territory: Territory
) -> None:
    net = await network(database, clock, territory)
    staff = await net.login(client, "coordinator")
    derm = await net.register(client, clock, "derm1", "dermatology", 10)
    wound = await net.register(client, clock, "woundnurse", "wound_nurse", 10)
    as_wound = await net.login(client, "woundnurse")
    as_derm = await net.login(client, "derm1")
    nurse1 = await net.login(client, "nurse1")
    nurse2 = await net.login(client, "nurse2")

    asked = await refer(client, as_wound, clock, expertise="dermatology")
    assigned = await refer(client, nurse1, clock, expertise="wound_nurse")
    assert asked["assigned_expert_id"] == derm["id"]
    assert assigned["assigned_expert_id"] == wound["id"]
    queue = {"routing": "open_queue", "routine_days": 2, "urgent_days": 1}
    assert (
        await client.put("/api/v1/network/settings", json=queue, headers=staff)
    ).status_code == 200
    queued_wound = await refer(client, nurse2, clock, expertise="wound_nurse")
    queued_derm = await refer(client, nurse2, clock, expertise="dermatology")
    assert queued_wound["assigned_expert_id"] is None
    assert queued_derm["assigned_expert_id"] is None

    async def listed(headers: dict[str, str], **params: str) -> dict[str, dict[str, Any]]:
        response = await client.get(URL, params=params | {"limit": "500"}, headers=headers)
        assert response.status_code == 200, response.text
        return {x["id"]: x for x in response.json()["items"]}

    everything = {asked["id"], assigned["id"], queued_wound["id"], queued_derm["id"]}
    cases = [  # who, without mine, with mine=true
        (
            as_wound,
            {asked["id"], assigned["id"], queued_wound["id"]},
            {asked["id"], assigned["id"]},
        ),
        (as_derm, {asked["id"], queued_derm["id"]}, {asked["id"]}),
        (nurse1, {assigned["id"]}, {assigned["id"]}),
        (nurse2, {queued_wound["id"], queued_derm["id"]}, {queued_wound["id"], queued_derm["id"]}),
        (staff, everything, set()),
    ]
    for who, visible, mine in cases:
        assert set(await listed(who)) == visible
        assert set(await listed(who, mine="false")) == visible
        own = await listed(who, mine="true")
        assert set(own) == mine
        # What is one's own shows who the patient is; the queue shows the case only.
        assert all(x["patient"] is not None for x in own.values())
    browsing = await listed(as_wound)
    assert browsing[queued_wound["id"]]["patient"] is None

    assert (
        await client.post(f"{URL}/{assigned['id']}/accept", headers=as_wound)
    ).status_code == 200
    accepted = await listed(as_wound, mine="true", status="accepted")
    assert set(accepted) == {assigned["id"]}
    waiting = await listed(as_wound, mine="true", status="requested")
    assert set(waiting) == {asked["id"]}


async def test_routing_skips_an_expert_at_weekly_capacity(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, territory: Territory
) -> None:
    _mid_week(clock)
    net = await network(database, clock, territory)
    small = await net.register(client, clock, "derm1", "dermatology", 1)
    large = await net.register(client, clock, "derm2", "dermatology", 5)
    nurse = await net.login(client, "nurse1")
    staff = await net.login(client, "coordinator")

    first = await refer(client, nurse, clock, expertise="dermatology")
    assert first["assigned_expert_id"] == small["id"]  # equal loads: the first registered
    cancelled = await client.post(f"{URL}/{first['id']}/cancel", json={}, headers=nurse)
    assert cancelled.status_code == 200
    roster = {
        e["id"]: e for e in (await client.get("/api/v1/network/experts", headers=staff)).json()
    }
    assert roster[small["id"]]["open_referrals"] == 0 == roster[large["id"]]["open_referrals"]

    # Loads are equal again, but `small` took its one referral of the week: `large` gets them.
    clock.advance(timedelta(hours=1))
    second = await refer(client, nurse, clock, expertise="dermatology")
    third = await refer(client, nurse, clock, expertise="dermatology")
    assert second["assigned_expert_id"] == large["id"]
    assert third["assigned_expert_id"] == large["id"]

    raised = await client.patch(
        f"/api/v1/network/experts/{small['id']}", json={"weekly_capacity": 2}, headers=staff
    )
    assert raised.status_code == 200
    fourth = await refer(client, nurse, clock, expertise="dermatology")
    assert fourth["assigned_expert_id"] == small["id"]  # room again, and the least loaded
    fifth = await refer(client, nurse, clock, expertise="dermatology")
    assert fifth["assigned_expert_id"] == large["id"]  # `small` is full again

    # Both full: the referral waits in the open queue, on the coordinator's board.
    for _ in range(2):
        await refer(client, nurse, clock, expertise="dermatology")
    nobody = await refer(client, nurse, clock, expertise="dermatology")
    assert nobody["assigned_expert_id"] is None
    assert any(w.startswith("unassigned") for w in nobody["warnings"])
    board = (await client.get(f"{URL}/board", headers=staff)).json()["items"]
    assert nobody["id"] in {x["id"] for x in board}

    # A new week, a new allowance.
    clock.advance(timedelta(days=7))
    next_week = await refer(client, nurse, clock, expertise="dermatology")
    assert next_week["assigned_expert_id"] is not None


async def test_the_photo_cap_holds_under_concurrent_uploads(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Thirty uploads at once once stored 21 photos on PostgreSQL. Sanitising runs in-process
    # here (the sandbox has tests of its own) so that all thirty reach the database together.
    from coordination.referrals import photos as referral_photos
    from coordination.referrals.photo_sanitizer import sanitize
    from server.referrals import routes as referral_routes

    async def in_process(services: Any, raw: bytes, limit: int) -> Any:
        return sanitize(raw, limit)

    monkeypatch.setattr(referral_routes, "_sanitized", in_process)
    nurse = await login(client, "nurse4@sud-yvelines.test")
    r = await refer(client, nurse, clock)
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(png, format="PNG")
    answers = await asyncio.gather(
        *(
            client.post(
                f"{URL}/{r['id']}/photos",
                files={"file": (f"p{i}.png", png.getvalue(), "image/png")},
                headers=nurse,
            )
            for i in range(30)
        )
    )
    created = sum(1 for a in answers if a.status_code == 201)
    assert created == referral_photos.MAX_PHOTOS, [a.status_code for a in answers]
    async with database.read() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(ReferralPhoto)
            .where(ReferralPhoto.referral_id == uuid.UUID(r["id"]))
        )
    assert stored == referral_photos.MAX_PHOTOS
