"""Over HTTP: moving a booking (POST /bookings/{id}/reschedule), the slip by e-mail
(POST /bookings/{id}/slip), moving a free slot (PATCH /slots/{id}) and closing a period
(POST /slots/close) — their answers, refusals in French, and what the e-mail says."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from litestar import Litestar

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.notify_helpers import recording
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot

FR = {"Accept-Language": "fr"}


async def _booked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> tuple[dict[str, str], dict[str, str], dict[str, object], dict[str, object], dict[str, object]]:
    gp, _ = await gp_session(client, 1)
    start = fresh_start(clock, 60)
    first = await publish_slot(client, gp, start)
    second = await publish_slot(client, gp, start + timedelta(minutes=30))
    regulator = await login(client, "regulator@sud-yvelines.test")
    request = (
        await client.post(
            "/api/v1/requests",
            headers=regulator,
            json={"origin": "sas_regulator", "reason": "Toux", "patient": PATIENT},
        )
    ).json()
    booking = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": first["id"], "request_id": request["id"], "channel": "sas_regulator"},
    )
    assert booking.status_code == 201, booking.text
    return gp, regulator, first, second, booking.json()


async def test_a_booking_moves_in_one_call(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, regulator, first, second, booking = await _booked(client, clock)
    refused = await client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers={**gp, **FR},
        json={"slot_id": second["id"]},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "booking_reschedule_not_allowed"
    assert refused.json()["detail"].startswith("Seuls la personne qui a pris le rendez-vous")
    moved = await client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers=regulator,
        json={"slot_id": second["id"], "reason": "à la demande du patient"},
    )
    assert moved.status_code == 201, moved.text
    new = moved.json()
    assert new["slot_id"] == second["id"] and new["patient"]["family_name"] == "Durand"
    old = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=regulator)).json()
    assert old["status"] == "cancelled"
    freed = (await client.get(f"/api/v1/slots/{first['id']}", headers=regulator)).json()
    assert freed["status"] == "free"
    again = await client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers={**regulator, **FR},
        json={"slot_id": first["id"]},
    )
    assert again.status_code == 409  # a cancelled booking does not move
    assert again.json()["code"] == "booking_reschedule_not_booked"
    assert again.json()["detail"] == (
        "Ce rendez-vous n'est plus actif (réservation annulée) : il ne se déplace pas."
    )


async def test_staff_moving_a_booking_leave_it_the_bookers(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    _, regulator, _, second, booking = await _booked(client, clock)
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    moved = await client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers=coordinator,
        json={"slot_id": second["id"]},
    )
    assert moved.status_code == 201, moved.text
    new = moved.json()
    assert new["booked_by"] == booking["booked_by"]
    seen = await client.get(f"/api/v1/bookings/{new['id']}", headers=regulator)
    assert seen.status_code == 200, "the regulator still follows the booking they made"


async def test_the_slip_goes_by_e_mail_with_the_essentials_only(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    notifier = recording(app)
    _, regulator, _, _, booking = await _booked(client, clock)
    sent = await client.post(
        f"/api/v1/bookings/{booking['id']}/slip",
        headers=regulator,
        json={"email": "odile.durand@example.org"},
    )
    assert sent.status_code == 204, sent.text
    (notice,) = notifier.sent
    assert notice.to == "odile.durand@example.org"
    assert "Rendez-vous de Odile DURAND" in notice.body
    assert "Adresse :" in notice.body
    assert "Toux" not in notice.body and "NIR" not in notice.body
    bad = await client.post(
        f"/api/v1/bookings/{booking['id']}/slip",
        headers={**regulator, **FR},
        json={"email": "pas une adresse"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "pattern_mismatch"
    for several in (
        "odile@example.org,admin@example.org",
        "Odile <odile@example.org>",
        "odile@example.org\n",  # Python's `$` matched before a final newline
    ):
        refused = await client.post(
            f"/api/v1/bookings/{booking['id']}/slip", headers=regulator, json={"email": several}
        )
        assert refused.status_code == 422, several  # one address, never a list for the relay
    assert len(notifier.sent) == 1


async def test_a_relay_down_says_so_and_records_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    recording(app, fail=True)
    _, regulator, _, _, booking = await _booked(client, clock)
    sent = await client.post(
        f"/api/v1/bookings/{booking['id']}/slip",
        headers={**regulator, **FR},
        json={"email": "odile.durand@example.org"},
    )
    assert sent.status_code == 503
    assert sent.json()["code"] == "slip_not_sent"
    assert "odile" not in sent.text


async def test_a_free_slot_moves_and_a_period_closes(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 1)
    start = fresh_start(clock, 120)
    first = await publish_slot(client, gp, start)
    second = await publish_slot(client, gp, start + timedelta(minutes=15))
    clash = await client.patch(
        f"/api/v1/slots/{first['id']}",
        headers={**gp, **FR},
        json={"start": second["start"], "end": second["end"]},
    )
    assert clash.status_code == 409
    assert (
        clash.json()["detail"] == "Ce créneau chevauche un autre créneau ouvert du professionnel."
    )
    later = start + timedelta(minutes=60)
    moved = await client.patch(
        f"/api/v1/slots/{first['id']}",
        headers=gp,
        json={"start": later.isoformat(), "end": (later + timedelta(minutes=20)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start"]) == later
    assert datetime.fromisoformat(moved.json()["end"]) == later + timedelta(minutes=20)
    closed = await client.post(
        "/api/v1/slots/close",
        headers=gp,
        json={"start": start.isoformat(), "end": (start + timedelta(minutes=120)).isoformat()},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json() == {"withdrawn": 2, "kept": 0}
