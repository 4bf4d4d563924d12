"""Calendar feeds through the HTTP API, on both databases: secret URLs, what a feed shows
(and never shows), SEQUENCE and cancellations, conditional GET and gzip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
import recurring_ical_events
from sqlalchemy import func, select

from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from server.database import Database
from server.state import AppServices
from tests.conftest import login
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)
from tests.server.test_teleconsultations_api import request_body

FEEDS = "/api/v1/me/calendar-feeds"
SECRET_PATIENT = PATIENT | {
    "family_name": "Quasimodo",
    "given_name": "Zébulon",
    "nir": "295109912611193",
    "phone": "+33 6 99 88 77 66",
}


async def new_feed(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post(FEEDS, json={"name": "Mon téléphone"} | body, headers=headers)
    assert response.status_code == 201, response.text
    feed: dict[str, Any] = response.json()
    return feed


async def fetch(client: httpx.AsyncClient, feed: dict[str, Any], **headers: str) -> httpx.Response:
    """Read a feed as a calendar app would, once the changes so far are sequenced (a live
    server's relay does it milliseconds after each commit; these tests run none)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    await AppServices.of(transport.app).sequencer.drain()
    return await client.get(urlsplit(feed["url"]).path, headers=headers)


def events_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


async def book(
    client: httpx.AsyncClient, slot_id: str, patient: dict[str, Any] = SECRET_PATIENT
) -> dict[str, Any]:
    regulator = await login(client, "regulator@sud-yvelines.test")
    response = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot_id, "channel": "sas_regulator", "patient": patient},
    )
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    return booking


async def test_feed_urls_are_created_listed_and_revoked(client: httpx.AsyncClient) -> None:
    gp, _ = await gp_session(client, 5)
    feed = await new_feed(client, gp)
    assert feed["url"].startswith("http") and feed["url"].endswith(".ics")
    assert feed["webcal_url"].startswith("webcal://")
    listed = (await client.get(FEEDS, headers=gp)).json()["items"]
    mine = [f for f in listed if f["id"] == feed["id"]]
    assert mine and mine[0]["url"] is None, "the secret is shown once, never listed"
    assert (await fetch(client, feed)).status_code == 200

    other, _ = await gp_session(client, 6)
    assert (await client.delete(f"{FEEDS}/{feed['id']}", headers=other)).status_code == 404
    assert (await client.delete(f"{FEEDS}/{feed['id']}", headers=gp)).status_code == 204
    gone = await fetch(client, feed)
    assert gone.status_code == 410
    assert gone.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/ical/ical_not-a-real-secret.ics")).status_code == 404
    assert (await client.delete(f"{FEEDS}/{feed['id']}", headers=gp)).status_code == 404

    rotated_from = await new_feed(client, gp, name="Tablette")
    rotated = await client.post(f"{FEEDS}/{rotated_from['id']}/rotate", headers=gp)
    assert rotated.status_code == 201
    assert rotated.json()["name"] == "Tablette" and rotated.json()["url"] != rotated_from["url"]
    assert (await fetch(client, rotated_from)).status_code == 410
    assert (await fetch(client, rotated.json())).status_code == 200


async def test_who_may_have_which_feed(client: httpx.AsyncClient) -> None:
    regulator = await login(client, "regulator@sud-yvelines.test")
    denied = await client.post(FEEDS, json={"name": "x"}, headers=regulator)
    assert denied.status_code == 403, "no agenda: a regulator is not a professional here"
    gp, _ = await gp_session(client, 5)
    pool = await client.post(FEEDS, json={"name": "x", "scope": "pool"}, headers=gp)
    assert pool.status_code == 403
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    named = await client.post(
        FEEDS, json={"name": "x", "scope": "pool", "patient_initials": True}, headers=coordinator
    )
    assert named.status_code == 422 and named.json()["field"] == "patient_initials"
    bad = await client.post(FEEDS, json={"name": ""}, headers=gp)
    assert bad.status_code in (400, 422)


async def test_no_patient_identity_in_any_feed(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 7)
    slot = await publish_slot(client, gp, fresh_start(clock))
    booking = await book(client, slot["id"])
    nurse = await login(client, "nurse4@sud-yvelines.test")
    tele_slot = await assisted_slot(client, gp, fresh_start(clock))
    tele = await client.post(
        "/api/v1/teleconsultations",
        json=request_body(tele_slot["id"], clock, patient=SECRET_PATIENT),
        headers=nurse,
    )
    assert tele.status_code == 201, tele.text
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    feeds = [
        await new_feed(client, gp),
        await new_feed(client, gp, include_free_slots=True),
        await new_feed(client, nurse),
        await new_feed(client, coordinator, scope="pool"),
    ]
    forbidden = [b"Quasimodo", "Zébulon".encode(), b"295109912611193", b"99 88 77 66", b"Dyspn"]
    for feed in feeds:
        body = (await fetch(client, feed)).content
        for word in forbidden:
            assert word not in body, f"{word!r} leaked into {feed['scope']} feed"
        assert b"Z.Q." not in body

    gp_events = events_of(await fetch(client, feeds[0]))
    consultation = gp_events[f"booking-{booking['id']}@cpts-snp"]
    assert str(consultation["SUMMARY"]).startswith("SNP – consultation réservée")
    assert consultation["DTSTART"].dt.isoformat() == slot["start"].replace("Z", "+00:00")
    tc = gp_events[f"teleconsultation-{tele.json()['id']}@cpts-snp"]
    assert "(TLD)" in str(tc["SUMMARY"]) and "IDEL" in str(tc["SUMMARY"])
    assert f"booking-{tele.json()['booking_id']}@cpts-snp" not in gp_events, "shown once"
    nurse_events = events_of(await fetch(client, feeds[2]))
    assert "avec Dr" in str(
        nurse_events[f"teleconsultation-{tele.json()['id']}@cpts-snp"]["SUMMARY"]
    )
    pool_events = events_of(await fetch(client, feeds[3]))
    assert str(pool_events[f"pool-slot-{slot['id']}@cpts-snp"]["SUMMARY"]).startswith("SNP réservé")


async def test_initials_only_by_opt_in_and_audited(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    gp, _ = await gp_session(client, 8)
    slot = await publish_slot(client, gp, fresh_start(clock))
    booking = await book(client, slot["id"])
    feed = await new_feed(client, gp, patient_initials=True)
    body = (await fetch(client, feed)).content
    assert b"Z.Q." in body
    assert b"Quasimodo" not in body and b"295109912611193" not in body
    async with database.read() as session:
        reads = (
            await session.scalars(
                select(PatientDataRead).where(
                    PatientDataRead.subject_id == booking_uuid(booking),
                    PatientDataRead.purpose == "calendar_feed",
                )
            )
        ).all()
    assert len(reads) == 1 and reads[0].subject_type == "booking"
    # The same body sent again (from the worker's cache) is read again: audited again; a 304
    # sends no body and is not.
    again = await fetch(client, feed)
    assert again.status_code == 200
    assert (await fetch(client, feed, **{"If-None-Match": etag_of(again)})).status_code == 304
    async with database.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(PatientDataRead)
            .where(
                PatientDataRead.subject_id == booking_uuid(booking),
                PatientDataRead.purpose == "calendar_feed",
            )
        )
    assert count == 2


def booking_uuid(booking: dict[str, Any]) -> Any:
    import uuid

    return uuid.UUID(booking["id"])


def etag_of(response: httpx.Response) -> str:
    return response.headers["etag"]


async def test_sequence_bumps_and_cancellations_stay_thirty_days(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 9)
    slot = await publish_slot(client, gp, fresh_start(clock))
    booking = await book(client, slot["id"], PATIENT)
    feed = await new_feed(client, gp, include_free_slots=True)
    uid = f"booking-{booking['id']}@cpts-snp"
    first = events_of(await fetch(client, feed))[uid]
    assert int(first["SEQUENCE"]) == 0 and first["STATUS"] == "CONFIRMED"
    assert f"slot-{slot['id']}@cpts-snp" not in events_of(await fetch(client, feed))

    clock.advance(timedelta(minutes=5))
    cancelled = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=gp)
    assert cancelled.status_code == 200, cancelled.text
    events = events_of(await fetch(client, feed))
    after = events[uid]
    assert after["STATUS"] == "CANCELLED" and int(after["SEQUENCE"]) == 1
    assert after["DTSTAMP"].dt > first["DTSTAMP"].dt
    free = events[f"slot-{slot['id']}@cpts-snp"]
    assert free["TRANSP"] == "TRANSPARENT" and "libre" in str(free["SUMMARY"])

    clock.advance(timedelta(days=29))
    assert uid in events_of(await fetch(client, feed))
    clock.advance(timedelta(days=2))
    assert uid not in events_of(await fetch(client, feed)), "dropped after 30 days"


async def test_conditional_get_and_gzip(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 10)
    feed = await new_feed(client, gp)
    first = await fetch(client, feed, **{"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["vary"] == "Accept-Encoding"
    icalendar.Calendar.from_ical(first.content)  # httpx un-gzipped it
    identity = await fetch(client, feed, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers and identity.content == first.content
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    again = await fetch(client, feed, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await fetch(client, feed, **{"If-Modified-Since": modified})).status_code == 304
    assert (await fetch(client, feed, **{"If-None-Match": '"other"'})).status_code == 200

    slot = await publish_slot(client, gp, fresh_start(clock))
    await book(client, slot["id"], PATIENT)
    changed = await fetch(client, feed, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

    unrelated_gp, _ = await gp_session(client, 11)
    await publish_slot(client, unrelated_gp, fresh_start(clock))
    same = await fetch(client, feed, **{"If-None-Match": changed.headers["etag"]})
    assert same.status_code == 304, "another GP's change leaves this feed's ETag as it was"


async def test_feed_parses_with_recurring_ical_events(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 12)
    starts = [fresh_start(clock) for _ in range(3)]
    for start in starts:
        await book(client, (await publish_slot(client, gp, start))["id"], PATIENT)
    feed = await new_feed(client, gp)
    cal = icalendar.Calendar.from_ical((await fetch(client, feed)).content)
    found = recurring_ical_events.of(cal).between(starts[0], starts[-1] + timedelta(minutes=15))
    assert {e["DTSTART"].dt for e in found} >= set(starts)
