"""Busy time imported from a professional's own calendar, through the HTTP API on both
databases: a real local HTTP server plays the GP's calendar provider."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import msgspec
import pytest
from litestar import Litestar
from sqlalchemy import select

from integrations.ical.busy_import import BusyCalendarError
from integrations.sandbox import Sandbox
from kernel.clock import FrozenClock
from kernel.events import Event
from server.calendar.busy_refresh import refresh_due
from server.database import Database
from server.state import CALENDAR_LIMITS, AppServices
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot

URL = "/api/v1/me/busy-calendars"


class CalendarProvider:
    """A calendar server on loopback: one .ics per path, ETag-aware, counting requests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.answers: list[int] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests.append(self.path)
                body = provider.files.get(self.path)
                if body is None:
                    provider.answers.append(404)
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag:
                    provider.answers.append(304)
                    self.send_response(304)
                    self.end_headers()
                    return
                provider.answers.append(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider() -> Iterator[CalendarProvider]:
    p = CalendarProvider()
    yield p
    p.server.shutdown()


def allow_loopback(app: Litestar) -> None:
    services = AppServices.of(app)
    services.settings = msgspec.structs.replace(services.settings, calendar_allow_private=True)


def ics(*busy: tuple[datetime, datetime], extra: str = "") -> bytes:
    events = [
        "BEGIN:VEVENT\r\n"
        f"UID:busy-{i}@provider\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{s.strftime('%Y%m%dT%H%M%SZ')}\r\nDTEND:{e.strftime('%Y%m%dT%H%M%SZ')}\r\n"
        "SUMMARY:Mme Patiente Privée, renouvellement\r\nEND:VEVENT"
        for i, (s, e) in enumerate(busy)
    ]
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//provider//FR\r\n"
        + "\r\n".join(events)
        + extra
        + "\r\nEND:VCALENDAR\r\n"
    ).encode()


async def slot_status(
    client: httpx.AsyncClient, headers: dict[str, str], slot: dict[str, Any]
) -> str:
    response = await client.get(f"/api/v1/slots/{slot['id']}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def test_url_calendar_blocks_refreshes_and_reports_conflicts(
    client: httpx.AsyncClient,
    app: Litestar,
    clock: FrozenClock,
    database: Database,
    provider: CalendarProvider,
) -> None:
    allow_loopback(app)
    gp, _ = await gp_session(client, 2)
    starts = [fresh_start(clock) for _ in range(3)]  # 30 minutes apart, reserved for this test
    start = starts[0]
    first, second, third = [await publish_slot(client, gp, at) for at in starts]
    regulator = await login(client, "regulator@sud-yvelines.test")
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": third["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    assert booked.status_code == 201
    provider.files["/gp2.ics"] = ics(
        (start - timedelta(minutes=5), start + timedelta(minutes=10)),
        (start + timedelta(minutes=55), start + timedelta(minutes=80)),
    )

    added = await client.post(
        URL, headers=gp, json={"name": "Agenda du cabinet", "url": f"{provider.base}/gp2.ics"}
    )
    assert added.status_code == 201, added.text
    outcome = added.json()
    assert outcome["slots_blocked"] == 1
    assert [c["booking_id"] for c in outcome["conflicts"]] == [booked.json()["id"]]
    assert outcome["calendar"]["intervals"] >= 2
    assert await slot_status(client, gp, first) == "blocked"
    assert await slot_status(client, gp, second) == "free"
    held = await client.post("/api/v1/holds", headers=regulator, json={"slot_id": first["id"]})
    assert held.status_code == 409, "a blocked slot cannot be taken"

    listed = (await client.get(URL, headers=gp)).json()
    assert [c["url"] for c in listed["items"]] == [f"{provider.base}/gp2.ics"]
    assert [c["booking_id"] for c in listed["conflicts"]] == [booked.json()["id"]]
    calendar_id = outcome["calendar"]["id"]

    # The GP moves the busy time: the job refreshes, frees the first slot, blocks the second,
    # and the booking — never cancelled — is no longer in conflict.
    provider.files["/gp2.ics"] = ics((start + timedelta(minutes=35), start + timedelta(minutes=40)))
    clock.advance(timedelta(minutes=31))
    assert await refresh_due(AppServices.of(app)) >= 1
    assert await slot_status(client, gp, first) == "free"
    assert await slot_status(client, gp, second) == "blocked"
    assert await slot_status(client, gp, third) == "booked"
    assert (await client.get(URL, headers=gp)).json()["conflicts"] == []
    async with database.read() as session:
        kinds = {
            (e.type, str(e.subject_id))
            for e in await session.scalars(
                select(Event).where(
                    Event.subject_id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])])
                )
            )
        }
        refreshed = (
            await session.scalars(
                select(Event).where(
                    Event.type == "busy_calendar.refreshed",
                    Event.subject_id == uuid.UUID(calendar_id),
                )
            )
        ).all()
    assert ("slot.blocked", first["id"]) in kinds and ("slot.unblocked", first["id"]) in kinds
    assert ("slot.blocked", second["id"]) in kinds
    assert refreshed and "Patiente" not in str(refreshed[-1].payload)

    # Unchanged file: a conditional request, a 304, nothing rewritten.
    clock.advance(timedelta(minutes=31))
    await refresh_due(AppServices.of(app))
    assert provider.answers[-1] == 304
    assert await slot_status(client, gp, second) == "blocked"
    # A month on, the unchanged file is fetched whole again: its expansion slides ahead.
    clock.advance(timedelta(days=31))
    await refresh_due(AppServices.of(app))
    assert provider.answers[-1] == 200

    # The provider fails: the error is shown, the busy time kept, the slot stays blocked.
    del provider.files["/gp2.ics"]
    clock.advance(timedelta(minutes=31))
    await refresh_due(AppServices.of(app))
    failing = (await client.get(URL, headers=gp)).json()["items"][0]
    assert failing["failures"] == 1 and "404" in failing["last_error"]
    assert await slot_status(client, gp, second) == "blocked"

    other, _ = await gp_session(client, 3)
    assert (await client.delete(f"{URL}/{calendar_id}", headers=other)).status_code == 404
    removed = await client.delete(f"{URL}/{calendar_id}", headers=gp)
    assert removed.status_code == 200 and removed.json()["slots_unblocked"] == 1
    assert await slot_status(client, gp, second) == "free"
    assert (await client.get(URL, headers=gp)).json()["items"] == []


async def test_upload_blocks_slots_and_rules_materialise_blocked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 4)
    zone = ZoneInfo("Europe/Paris")
    day = (clock.now() + timedelta(days=42)).astimezone(zone).date()
    busy_from = datetime(day.year, day.month, day.day, 5, 0, tzinfo=zone)
    weekly = (
        "\r\nBEGIN:VEVENT\r\nUID:weekly@provider\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{busy_from.strftime('%Y%m%dT%H%M%S')}\r\n"
        f"DTEND;TZID=Europe/Paris:{(busy_from + timedelta(minutes=30)).strftime('%Y%m%dT%H%M%S')}\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Staff\r\nEND:VEVENT"
    )
    uploaded = await client.post(
        f"{URL}/upload",
        headers=gp,
        files={"file": ("agenda.ics", ics(extra=weekly), "text/calendar")},
        data={"name": "Export Weda"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["calendar"]["source"] == "upload"
    rule = await client.post(
        "/api/v1/availability-rules",
        headers=gp,
        json={
            "rrule": "FREQ=DAILY",
            "start_date": day.isoformat(),
            "until": (day + timedelta(days=7)).isoformat(),
            "start_time": "05:00",
            "end_time": "06:00",
            "slot_minutes": 15,
            "modality": "office",
            "visibility": ["snp", "cpts"],
        },
    )
    assert rule.status_code == 201, rule.text
    slots = (
        await client.get(
            "/api/v1/slots",
            headers=gp,
            params={
                "start": busy_from.isoformat(),
                "end": (busy_from + timedelta(days=8)).isoformat(),
                "status": "blocked",
                "professional_id": rule.json()["rule"]["professional_id"],
            },
        )
    ).json()["items"]
    # 05:00 and 05:15 on the day and a week later: four slots published blocked.
    starts = sorted(s["start"] for s in slots)
    assert len(starts) == 4, starts

    # Ending the rule withdraws its blocked slots too: busy time clearing later must not
    # bring an ended rule's slots back.
    ended = await client.post(
        f"/api/v1/availability-rules/{rule.json()['rule']['id']}/end",
        headers=gp,
        json={"last_day": (day - timedelta(days=1)).isoformat()},
    )
    assert ended.status_code == 200, ended.text
    for s in slots:
        assert (await client.get(f"/api/v1/slots/{s['id']}", headers=gp)).json()[
            "status"
        ] == "cancelled"

    bad = await client.post(
        f"{URL}/upload",
        headers=gp,
        files={"file": ("x.ics", b"<html>login</html>", "text/calendar")},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "file"


async def test_calendar_urls_that_would_reach_inside_are_refused(
    client: httpx.AsyncClient, provider: CalendarProvider
) -> None:
    gp, _ = await gp_session(client, 5)
    for url in [
        f"{provider.base}/gp.ics",  # plain http, and loopback
        "https://127.0.0.1/cal.ics",
        "https://localhost/cal.ics",
        "https://10.0.0.8/cal.ics",
        "https://[::1]/cal.ics",
        "https://[64:ff9b::7f00:1]/cal.ics",  # NAT64 of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/cal.ics",  # NAT64 of the metadata service
        "https://[2002:a00:8::1]/cal.ics",  # 6to4 of 10.0.0.8
        "https://[::7f00:1]/cal.ics",  # IPv4-compatible 127.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fff7]/cal.ics",  # Teredo to 10.0.0.8
        f"https://{'a' * 300}.example.org/cal.ics",  # a label past 63 characters
        "ftp://example.org/cal.ics",
        "https://user:pw@example.org/cal.ics",
    ]:
        response = await client.post(URL, headers=gp, json={"name": "x", "url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["field"] == "url"
    assert provider.requests == [], "nothing was fetched"
    await asyncio.sleep(0)


async def test_a_cancelled_booking_on_busy_time_reopens_blocked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 6)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    regulator = await login(client, "regulator@sud-yvelines.test")
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    uploaded = await client.post(
        f"{URL}/upload",
        headers=gp,
        files={"file": ("a.ics", ics((start, start + timedelta(hours=1))), "text/calendar")},
    )
    assert [c["booking_id"] for c in uploaded.json()["conflicts"]] == [booked.json()["id"]]
    cancelled = await client.post(
        f"/api/v1/bookings/{booked.json()['id']}/cancel", json={}, headers=gp
    )
    assert cancelled.status_code == 200
    assert await slot_status(client, gp, slot) == "blocked", "not bookable: the GP is busy"
    held = await client.post("/api/v1/holds", headers=regulator, json={"slot_id": slot["id"]})
    assert held.status_code == 409


async def test_staff_see_the_calendar_host_not_its_secret_url(
    client: httpx.AsyncClient, app: Litestar, provider: CalendarProvider
) -> None:
    allow_loopback(app)
    gp, me = await gp_session(client, 7)
    provider.files["/secret-token-123.ics"] = ics()
    added = await client.post(
        URL, headers=gp, json={"name": "Google", "url": f"{provider.base}/secret-token-123.ics"}
    )
    assert added.status_code == 201
    assert added.json()["calendar"]["url"].endswith("/secret-token-123.ics"), "the owner sees it"
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    seen = await client.get(
        URL, headers=coordinator, params={"professional_id": me["professional"]["id"]}
    )
    assert seen.status_code == 200
    (calendar,) = seen.json()["items"]
    assert "secret-token" not in calendar["url"] and calendar["url"].startswith(provider.base)


SLOW_RULE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:slow@x\r\n"
    b"DTSTAMP:20260101T000000Z\r\nDTSTART:19700101T000000Z\r\nDURATION:PT1S\r\n"
    b"RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


async def test_a_calendar_too_slow_to_read_is_stopped_away_from_the_server_threads(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    # As many hostile uploads as the shared thread pool has threads: they once filled it, and
    # a photo read (a file read on that pool) then timed out. Now they run in the calendar
    # sandbox: two at a time, two waiting, the rest refused at once, each stopped at its budget.
    limits = replace(CALENDAR_LIMITS, seconds=1, workers=2, queue=2)
    AppServices.of(app).calendar_sandbox = Sandbox("calendar", limits, [BusyCalendarError])
    gp, _ = await gp_session(client, 4)
    many = min(32, (os.cpu_count() or 1) + 4)  # the default executor's size
    uploads = [
        asyncio.create_task(
            client.post(
                f"{URL}/upload",
                headers=gp,
                files={"file": ("slow.ics", SLOW_RULE, "text/calendar")},
                data={"name": f"Agenda {i}"},
            )
        )
        for i in range(many)
    ]
    await asyncio.sleep(0.5)
    assert await asyncio.wait_for(asyncio.to_thread(sum, [1, 2]), 1) == 3
    answers = [await upload for upload in uploads]
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [422] * 4 + [503] * (many - 4), [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 422).json()
    assert refused["field"] == "file" and "too long" in refused["detail"]
    listed = await client.get(URL, headers=gp)
    assert not [c for c in listed.json()["items"] if c["name"].startswith("Agenda ")]
