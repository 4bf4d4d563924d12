"""The territory dimension of the authorization matrix: every route of the route table that
names an object by id, called by each role of another territory with the id of a real object
of Sud Yvelines, finds nothing (404) or is refused (403); nothing is shown or changed.

The ids come from objects made here through the API, one per kind of path parameter; a route
with a parameter this test cannot fill fails it, so no route escapes.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from litestar import Litestar
from PIL import Image

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.referral_helpers import refer
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)
from tests.server.test_authorization_matrix import api_routes

OUTSIDERS = (
    "admin@vexin-normand.test",
    "coordinator@vexin-normand.test",
    "regulator@vexin-normand.test",
    "gp1@vexin-normand.test",
    "nurse1@vexin-normand.test",
)
NOT_AN_OBJECT = {"year", "slug", "filename"}  # the caller's own year, public file names
# What an outsider may get: not found, refused, or a body refused before any lookup.
HIDDEN = {400, 403, 404, 422}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (170, 70, 60)).save(out, format="PNG")
    return out.getvalue()


async def _objects(client: httpx.AsyncClient, clock: FrozenClock) -> dict[str, str]:
    """One real object of Sud Yvelines per path parameter name."""
    gp, me = await gp_session(client, 7)
    regulator = await login(client, "regulator@sud-yvelines.test")
    nurse = await login(client, "nurse7@sud-yvelines.test")
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    admin = await login(client, "admin@sud-yvelines.test")
    ids: dict[str, str] = {"professional_id": me["professional"]["id"], "account_id": me["id"]}

    slot = await publish_slot(client, gp, fresh_start(clock))
    held = await publish_slot(client, gp, fresh_start(clock))
    ids["slot_id"] = slot["id"]
    rule = await client.post(
        "/api/v1/availability-rules",
        headers=gp,
        json={
            "rrule": "FREQ=WEEKLY;BYDAY=SA",
            "start_date": (clock.now() + timedelta(days=300)).date().isoformat(),
            "start_time": "06:00",
            "end_time": "06:30",
            "slot_minutes": 15,
            "modality": "office",
            "visibility": ["snp"],
        },
    )
    assert rule.status_code == 201, rule.text
    ids["rule_id"] = rule.json()["rule"]["id"]
    request = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={"origin": "sas_regulator", "reason": "Toux", "patient": PATIENT},
    )
    ids["request_id"] = request.json()["id"]
    hold = await client.post("/api/v1/holds", headers=regulator, json={"slot_id": held["id"]})
    ids["hold_id"] = hold.json()["id"]
    booking = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "request_id": ids["request_id"], "channel": "sas_regulator"},
    )
    assert booking.status_code == 201, booking.text
    ids["booking_id"] = booking.json()["id"]

    video = await assisted_slot(client, gp, fresh_start(clock))
    tc = await client.post(
        "/api/v1/teleconsultations",
        headers=nurse,
        json={
            "slot_id": video["id"],
            "setting": "nursing_visit",
            "consent": {"given": True, "collected_at": clock.now().isoformat()},
            "reason": "Oedème",
            "patient": PATIENT,
        },
    )
    assert tc.status_code == 201, tc.text
    ids["tc_id"] = tc.json()["id"]

    referral = await refer(client, nurse, clock)
    ids["referral_id"] = referral["id"]
    photo = await client.post(
        f"/api/v1/referrals/{referral['id']}/photos",
        headers=nurse,
        files={"file": ("plaie.png", _png(), "image/png")},
    )
    assert photo.status_code == 201, photo.text
    ids["photo_id"] = photo.json()["id"]
    experts = (await client.get("/api/v1/network/experts", headers=coordinator)).json()
    ids["expert_id"] = experts[0]["id"]
    day = (clock.now() + timedelta(days=200)).date().isoformat()
    absence = await client.post(
        f"/api/v1/network/experts/{ids['expert_id']}/absences",
        headers=coordinator,
        json={"first_day": day, "last_day": day, "reason": "congrès"},
    )
    ids["absence_id"] = absence.json()["id"]

    feed = await client.post("/api/v1/me/calendar-feeds", headers=gp, json={"name": "x"})
    ids["feed_id"] = feed.json()["id"]
    calendar = await client.post(
        "/api/v1/me/busy-calendars/upload",
        headers=gp,
        files={
            "file": (
                "a.ics",
                b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
                "text/calendar",
            )
        },
        data={"name": "Agenda"},
    )
    assert calendar.status_code == 201, calendar.text
    ids["calendar_id"] = calendar.json()["calendar"]["id"]
    token = await client.post("/api/v1/me/tokens", headers=gp, json={"name": "tablette"})
    ids["token_id"] = token.json()["id"]
    found = await client.get(
        "/api/v1/patients",
        headers=admin,
        params={"family_name": PATIENT["family_name"], "birth_date": PATIENT["birth_date"]},
    )
    ids["patient_id"] = found.json()[0]["id"]
    capacity = await client.put(
        f"/api/v1/professionals/{ids['professional_id']}/capacity",
        headers=gp,
        json={"new_patients": 5},
    )
    assert capacity.status_code == 200, capacity.text
    entry = await client.post(
        "/api/v1/waiting-list",
        json={
            "patient": PATIENT,
            "commune_insee": "78517",
            "contact_phone": "06 00 00 00 00",
            "territory": "sud-yvelines",
        },
    )
    assert entry.status_code == 201, entry.text
    listed = (await client.get("/api/v1/waiting-list", headers=coordinator)).json()["items"]
    ids["entry_id"] = next(i["id"] for i in listed if i["receipt"] == entry.json()["receipt"])
    proposed = await client.post(
        f"/api/v1/waiting-list/{ids['entry_id']}/proposals",
        headers=coordinator,
        json={"professional_ids": [ids["professional_id"]]},
    )
    assert proposed.status_code == 201, proposed.text
    ids["proposal_id"] = proposed.json()[0]["id"]
    return ids


async def test_no_route_reaches_another_territorys_objects(
    client: httpx.AsyncClient, app: Litestar, clock: FrozenClock
) -> None:
    ids = await _objects(client, clock)
    try:
        await _outsiders_find_nothing(client, app, ids)
    finally:
        # Listed per account, these would surprise other tests of gp7 in the session.
        gp, _ = await gp_session(client, 7)
        await client.delete(f"/api/v1/me/busy-calendars/{ids['calendar_id']}", headers=gp)
        await client.delete(f"/api/v1/me/calendar-feeds/{ids['feed_id']}", headers=gp)
        await client.delete(f"/api/v1/me/tokens/{ids['token_id']}", headers=gp)
        await client.post(f"/api/v1/availability-rules/{ids['rule_id']}/end", headers=gp, json={})


async def _outsiders_find_nothing(
    client: httpx.AsyncClient, app: Litestar, ids: dict[str, str]
) -> None:
    routes = [
        (method, path)
        for method, path in sorted(api_routes(app))
        if re.search(r"\{(\w+):uuid\}", path) and path != "/api/v1/auth/logout"
    ]
    unfilled = {
        name
        for _, path in routes
        for name in re.findall(r"\{(\w+):\w+\}", path)
        if name not in ids and name not in NOT_AN_OBJECT
    }
    assert unfilled == set(), "path parameters this test has no object for"
    leaks: list[str] = []
    for email in OUTSIDERS:
        headers = await login(client, email)
        for method, path in routes:
            url = re.sub(r"\{(\w+):\w+\}", lambda m: ids.get(m.group(1), "x"), path)
            kwargs: dict[str, Any] = {"headers": headers}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = {}
            response = await client.request(method, url, **kwargs)
            if response.status_code not in HIDDEN:
                leaks.append(f"{email} {method} {path}: {response.status_code}")
    assert leaks == []
    # The objects are real: their owners still reach them.
    regulator = await login(client, "regulator@sud-yvelines.test")
    for path in (f"/api/v1/bookings/{ids['booking_id']}", f"/api/v1/requests/{ids['request_id']}"):
        assert (await client.get(path, headers=regulator)).status_code == 200, path
    assert uuid.UUID(ids["patient_id"])
