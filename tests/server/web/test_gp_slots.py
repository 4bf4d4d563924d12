"""« Mes créneaux » (/creneaux): who may open it, the week of the GP's own slots, and the
patients of booked slots shown (and audited) for the GP consulted only."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot
from tests.server.web.pages_helpers import cookie_login, patient_reads

PARIS = ZoneInfo("Europe/Paris")


def _week_of(start: datetime) -> str:
    return start.astimezone(PARIS).date().isoformat()


async def _sas_booking(
    client: httpx.AsyncClient,
    regulator: dict[str, str],
    slot_id: str,
    family_name: str,
    reason: str = "Douleur lombaire aiguë",
) -> dict[str, Any]:
    """The SAS regulator records a request for a patient of this name and books the slot."""
    patient = PATIENT | {"family_name": family_name}
    request = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={"origin": "sas_regulator", "reason": reason, "patient": patient},
    )
    assert request.status_code == 201, request.text
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot_id, "request_id": request.json()["id"], "channel": "sas_regulator"},
    )
    assert booked.status_code == 201, booked.text
    answer: dict[str, Any] = booked.json()
    return answer


async def _booked_slot(
    client: httpx.AsyncClient, clock: FrozenClock, family_name: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A slot of gp1 booked by the SAS regulator for a request: (slot, booking, me of gp1)."""
    gp, me = await gp_session(client, 1)
    slot = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    booking = await _sas_booking(client, regulator, slot["id"], family_name)
    return slot, booking, me


async def _reads(database: Database, booking_id: str, account_id: str) -> int:
    found = await patient_reads(database, [booking_id], account=account_id, subject_type="booking")
    return len(found)


async def test_unauthenticated_is_sent_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/creneaux?semaine=2026-12-07")
    assert response.status_code == 303
    target = quote("/creneaux?semaine=2026-12-07", safe="")
    assert response.headers["location"] == f"/connexion?suivant={target}"


async def test_a_nurse_gets_the_french_403_page(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "nurse1@sud-yvelines.test")
    response = await client.get("/creneaux")
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Accès refusé" in response.text
    assert "Cette page n'est pas ouverte à votre profil." in html.unescape(response.text)


async def test_a_gp_sees_the_slots_of_the_week_in_french(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 3)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start, modality="video", visibility=["snp", "pro"])
    await cookie_login(client, "gp3@sud-yvelines.test")
    response = await client.get("/creneaux", params={"semaine": _week_of(start)})
    assert response.status_code == 200
    html = response.text
    assert "<h1>Mes créneaux</h1>" in html
    assert "Semaine du lundi" in html
    local = start.astimezone(PARIS)
    end = local + timedelta(minutes=15)
    assert f'data-slot-id="{slot["id"]}"' in html
    assert f"{local:%H:%M}</time>–<time" in html and f"{end:%H:%M}</time>" in html
    assert "vidéo" in html and "Visible : pros de santé, SNP (SAS)" in html
    assert '<span class="pill free">libre' in html
    assert f'data-api="/api/v1/slots/{slot["id"]}/withdraw"' in html, "a free slot can be closed"
    assert "Publier un créneau" in html and "Publier une disponibilité récurrente" in html
    assert 'data-live-topics="mine,slots"' in html and 'id="live-status"' in html
    assert "consultation SNP régulée" in html or "consultations SNP régulées" in html
    # Navigation a week on and back: another week, without this slot.
    nxt = await client.get(
        "/creneaux", params={"semaine": (local + timedelta(days=7)).date().isoformat()}
    )
    assert nxt.status_code == 200
    assert slot["id"] not in nxt.text
    # A day that is no date falls back on this week rather than failing.
    odd = await client.get("/creneaux", params={"semaine": "9999-12-31"})
    assert odd.status_code == 200 and "Semaine du lundi" in odd.text


async def test_closed_slot_is_shown_cancelled(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 4)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    withdrawn = await client.post(f"/api/v1/slots/{slot['id']}/withdraw", headers=gp)
    assert withdrawn.status_code == 200, withdrawn.text
    await cookie_login(client, "gp4@sud-yvelines.test")
    html = (await client.get("/creneaux", params={"semaine": _week_of(start)})).text
    assert f'data-slot-id="{slot["id"]}" data-status="cancelled"' in html
    assert f"/api/v1/slots/{slot['id']}/withdraw" not in html


async def test_booked_slot_shows_the_patient_to_its_gp_and_audits_it(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    slot, booking, me = await _booked_slot(client, clock, "Pagetest")
    start = datetime.fromisoformat(slot["start"])
    await cookie_login(client, "gp1@sud-yvelines.test")
    assert await _reads(database, booking["id"], me["id"]) == 0
    response = await client.get("/creneaux", params={"semaine": _week_of(start)})
    assert response.status_code == 200
    html = response.text
    assert "Pagetest Odile" in html and "née le 12/05/1941" in html
    assert "Motif : Douleur lombaire aiguë" in html
    assert "régulation SAS" in html and "Kevin Morel" in html
    assert f'class="slot booked b-booked" data-slot-id="{slot["id"]}"' in html
    assert f'data-api="/api/v1/bookings/{booking["id"]}/cancel"' in html
    assert f"/api/v1/bookings/{booking['id']}/honour" not in html, "not started yet"
    # This booking at least (other tests of the session may book gp1 in that week too).
    counted = re.search(r"<strong>(\d+)</strong> consultations? SNP régulées? par le SAS", html)
    assert counted and int(counted.group(1)) >= 1
    assert await _reads(database, booking["id"], me["id"]) == 1

    # Once the consultation has started, the GP states whether the patient came.
    clock.set(start + timedelta(minutes=5))
    await cookie_login(client, "gp1@sud-yvelines.test")  # the first session expired meanwhile
    html = (await client.get("/creneaux", params={"semaine": _week_of(start)})).text
    assert f'data-api="/api/v1/bookings/{booking["id"]}/honour"' in html
    assert f'data-api="/api/v1/bookings/{booking["id"]}/no-show"' in html
    assert f"/api/v1/bookings/{booking['id']}/cancel" not in html
    assert await _reads(database, booking["id"], me["id"]) == 2


async def test_another_gp_does_not_see_them(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    slot, booking, _ = await _booked_slot(client, clock, "Autregp")
    _, other = await gp_session(client, 2)
    start = datetime.fromisoformat(slot["start"])
    await cookie_login(client, "gp2@sud-yvelines.test")
    response = await client.get("/creneaux", params={"semaine": _week_of(start)})
    assert response.status_code == 200
    assert "Autregp" not in response.text
    assert slot["id"] not in response.text and booking["id"] not in response.text
    assert await _reads(database, booking["id"], other["id"]) == 0
    # Asking for gp1's agenda by id is for the staff only: a GP still sees their own.
    mine = await client.get(
        "/creneaux", params={"semaine": _week_of(start), "professional_id": slot["professional_id"]}
    )
    assert "Autregp" not in mine.text and slot["id"] not in mine.text


async def test_staff_pick_a_professional_and_see_their_week(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    slot, booking, _ = await _booked_slot(client, clock, "Vuestaff")
    start = datetime.fromisoformat(slot["start"])
    await cookie_login(client, "coordinator@sud-yvelines.test")
    me = (await client.get("/api/v1/me")).json()
    chooser = await client.get("/creneaux")
    assert chooser.status_code == 200
    assert "Créneaux d'un professionnel" in chooser.text and "Dr Claire Martin" in chooser.text
    response = await client.get(
        "/creneaux", params={"semaine": _week_of(start), "professional_id": slot["professional_id"]}
    )
    assert response.status_code == 200
    assert "Créneaux de Dr Claire Martin" in response.text
    assert "Vuestaff Odile" in response.text
    assert f'name="professional_id" value="{slot["professional_id"]}"' in response.text
    assert await _reads(database, booking["id"], me["id"]) == 1


async def test_held_slot_is_shown_waiting(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    gp, _ = await gp_session(client, 5)
    start = fresh_start(clock)
    slot = await publish_slot(client, gp, start)
    regulator = await login(client, "regulator@sud-yvelines.test")
    hold = await client.post("/api/v1/holds", headers=regulator, json={"slot_id": slot["id"]})
    assert hold.status_code == 201, hold.text
    await cookie_login(client, "gp5@sud-yvelines.test")
    html = (await client.get("/creneaux", params={"semaine": _week_of(start)})).text
    assert f'data-slot-id="{slot["id"]}" data-status="held"' in html
    assert "réservé en attente jusqu'à" in html.replace("&#39;", "'")
    assert f"/api/v1/slots/{slot['id']}/withdraw" not in html


async def test_sas_weekly_cap_warning(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    """Past 20 SAS-regulated consultations in a week, the GP is warned on the page."""
    gp, _ = await gp_session(client, 12)
    regulator = await login(client, "regulator@sud-yvelines.test")
    day = (clock.now() + timedelta(days=77)).astimezone(PARIS).date()
    first = datetime.combine(day, datetime.min.time(), tzinfo=PARIS).replace(hour=5)
    for n in range(21):
        slot = await publish_slot(client, gp, first + timedelta(minutes=15 * n), modality="video")
        booked = await _sas_booking(client, regulator, slot["id"], f"Plafond{n}", "Angine")
    assert any(w.startswith("sas_weekly_cap") for w in booked["warnings"])
    await cookie_login(client, "gp12@sud-yvelines.test")
    html = (await client.get("/creneaux", params={"semaine": day.isoformat()})).text
    assert "<strong>21</strong> consultations SNP régulées par le SAS" in html
    assert "Plafond dépassé" in html
