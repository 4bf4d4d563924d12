"""The assisted teleconsultation pages: who opens them, what each professional sees, and that
every patient shown is audited (both databases)."""

from __future__ import annotations

import html
import secrets
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import login
from tests.server.scheduling_helpers import (
    PATIENT,
    assisted_slot,
    fresh_start,
    gp_session,
    publish_slot,
)
from tests.server.web.pages_helpers import Person, account_id, patient_reads

URL = "/api/v1/teleconsultations"
PARIS = ZoneInfo("Europe/Paris")


def _family_name() -> str:
    """A patient name of its own, so a page shows this test's patient and no other's."""
    return "Pagetest" + "".join(secrets.choice("bcdfghjklmnpqrstvz") for _ in range(6)).capitalize()


async def _booked(
    client: httpx.AsyncClient, clock: FrozenClock, gp_n: int = 1, nurse_n: int = 1
) -> tuple[dict[str, Any], str]:
    """A teleconsultation booked through the API by nurse `nurse_n` on gp `gp_n`'s slot."""
    gp, _ = await gp_session(client, gp_n)
    nurse = await login(client, f"nurse{nurse_n}@sud-yvelines.test")
    slot = await assisted_slot(client, gp, fresh_start(clock))
    family = _family_name()
    body = {
        "slot_id": slot["id"],
        "setting": "nursing_visit",
        "consent": {"given": True, "collected_at": clock.now().isoformat()},
        "reason": "Oedeme des membres inferieurs",
        "patient": PATIENT | {"family_name": family},
        "handover": {
            "vital_signs": {"systolic_mmhg": 151, "spo2_percent": 94},
            "question": "Faut-il majorer le diuretique ?",
        },
    }
    response = await client.post(URL, json=body, headers=nurse)
    assert response.status_code == 201, response.text
    return response.json(), family


async def _audited(database: Database, tc_id: str, purpose: str) -> set[uuid.UUID]:
    """The accounts recorded as having read this teleconsultation's patient for `purpose`."""
    return {r.account_id for r in await patient_reads(database, [tc_id], purpose=purpose)}


async def test_pages_send_a_stranger_to_log_in(client: httpx.AsyncClient) -> None:
    for path in (
        "/teleconsultations",
        "/teleconsultations/nouvelle",
        f"/teleconsultations/{uuid.uuid4()}",
    ):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/connexion?suivant=%2Fteleconsultations")


async def test_other_profiles_are_refused_in_french(person: Person) -> None:
    async with person("regulator@sud-yvelines.test") as regulator:
        for path in (
            "/teleconsultations",
            "/teleconsultations/nouvelle",
            f"/teleconsultations/{uuid.uuid4()}",
        ):
            response = await regulator.get(path)
            assert response.status_code == 403, path
            assert "n'est pas ouverte" in html.unescape(response.text)
            assert "Accès refusé" in response.text
    async with person("gp2@sud-yvelines.test") as gp:  # a GP does not book for a patient
        response = await gp.get("/teleconsultations/nouvelle")
        assert response.status_code == 403
        assert "Accès refusé" in response.text


async def test_the_nurses_list_shows_her_patient_and_audits_the_read(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, person: Person
) -> None:
    tc, family = await _booked(client, clock)
    async with person("nurse1@sud-yvelines.test") as nurse:
        response = await nurse.get("/teleconsultations")
        me = await account_id(nurse)
    assert response.status_code == 200
    page = response.text
    assert "Téléconsultations assistées" in page and "À venir" in page
    assert family.upper() in page, "the patient she booked for"
    assert "Dr Claire Martin" in page, "the other professional: the GP"
    assert f'href="/teleconsultations/{tc["id"]}"' in page
    assert "programmée" in page
    assert start_shown(tc["start"]) in page, "local time of the territory"
    assert 'href="/teleconsultations/nouvelle"' in page
    assert tc["video_url"] not in page, "the room is on the detail page only"
    assert me in await _audited(database, tc["id"], "teleconsultation list page")


def start_shown(start: str) -> str:
    return datetime.fromisoformat(start).astimezone(PARIS).strftime("%H:%M")


async def test_the_gps_list_shows_the_nurse_and_nobody_elses_patient(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, person: Person
) -> None:
    tc, family = await _booked(client, clock, gp_n=2, nurse_n=3)
    async with person("gp2@sud-yvelines.test") as gp:
        response = await gp.get("/teleconsultations")
        gp_account = await account_id(gp)
    assert response.status_code == 200
    assert family.upper() in response.text
    assert "Nicolas Girard" in response.text, "the assisting nurse"
    assert 'href="/teleconsultations/nouvelle"' not in response.text, "GPs do not book"
    assert gp_account in await _audited(database, tc["id"], "teleconsultation list page")

    async with person("nurse4@sud-yvelines.test") as other:
        response = await other.get("/teleconsultations")
        other_account = await account_id(other)
    assert response.status_code == 200
    assert family.upper() not in response.text
    assert other_account not in await _audited(database, tc["id"], "teleconsultation list page")


async def test_the_detail_gives_the_room_to_the_nurse_and_the_handover_form(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, person: Person
) -> None:
    tc, family = await _booked(client, clock)
    async with person("nurse1@sud-yvelines.test") as nurse:
        response = await nurse.get(f"/teleconsultations/{tc['id']}")
        me = await account_id(nurse)
    assert response.status_code == 200
    page = response.text
    assert "Rejoindre la vidéo" in page
    assert f'href="{tc["video_url"]}" target="_blank" rel="noopener noreferrer"' in page
    assert family.upper() in page and "Oedeme des membres inferieurs" in page
    assert "Pendant un soin infirmier déjà prévu" in page and "<strong>TLS</strong>" in page
    assert f'data-api="/api/v1/teleconsultations/{tc["id"]}/handover" data-method="PUT"' in page
    assert 'name="vital_signs.systolic_mmhg"' in page and 'value="151"' in page
    assert "Faut-il majorer le diuretique ?" in page
    assert f"/api/v1/teleconsultations/{tc['id']}/send-link" in page
    assert f"/api/v1/teleconsultations/{tc['id']}/cancel" in page
    # Days ahead, "Démarrer" is shown but shut, with the moment it opens (it answered 409).
    assert 'disabled aria-describedby="tc-start-help">Démarrer</button>' in page
    assert "Le démarrage sera possible à partir du" in page
    assert "Terminer la téléconsultation" not in page, "only the GP states the outcome"
    assert 'data-live-topics="mine"' in page and 'data-live-types="teleconsultation."' in page
    assert me in await _audited(database, tc["id"], "teleconsultation detail page")


async def test_the_gp_gets_the_room_the_handover_and_the_outcome_form(
    client: httpx.AsyncClient, clock: FrozenClock, person: Person
) -> None:
    tc, family = await _booked(client, clock)
    async with person("gp1@sud-yvelines.test") as gp:
        response = await gp.get(f"/teleconsultations/{tc['id']}")
    assert response.status_code == 200
    page = response.text
    assert tc["video_url"] in page and family.upper() in page
    assert 'data-vital="systolic_mmhg">151 mmHg' in page, "the nurse's handover, read-only"
    assert "Terminer la téléconsultation" in page and 'value="prescription_sent"' in page
    assert "/handover" not in page, "the nurse writes the handover"


async def test_another_nurse_cannot_open_the_detail(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database, person: Person
) -> None:
    tc, family = await _booked(client, clock)
    async with person("nurse2@sud-yvelines.test") as other:
        response = await other.get(f"/teleconsultations/{tc['id']}")
        other_account = await account_id(other)
        unknown = await other.get(f"/teleconsultations/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "Téléconsultation introuvable" in response.text
    assert family.upper() not in response.text and tc["video_url"] not in response.text
    assert other_account not in await _audited(database, tc["id"], "teleconsultation detail page")
    assert unknown.status_code == 404 and "Téléconsultation introuvable" in unknown.text


async def test_the_search_lists_free_assisted_video_slots_only(
    client: httpx.AsyncClient, clock: FrozenClock, person: Person
) -> None:
    gp, me = await gp_session(client, 4)
    start = fresh_start(clock)
    welcome = await assisted_slot(client, gp, start)
    plain_video = await publish_slot(
        client, gp, fresh_start(clock), modality="video", visibility=["pro", "cpts"]
    )
    day = start.astimezone(PARIS).date().isoformat()
    gp_id = me["professional"]["id"]
    async with person("nurse1@sud-yvelines.test") as nurse:
        response = await nurse.get(f"/teleconsultations/nouvelle?du={day}&au={day}&medecin={gp_id}")
        too_long = await nurse.get("/teleconsultations/nouvelle?du=2030-01-01&au=2030-03-01")
        # As the search form sends it: every field, empty ones included.
        blank = await nurse.get("/teleconsultations/nouvelle?du=&au=&medecin=&traitant=")
    assert response.status_code == 200
    page = response.text
    assert f'name="slot_id" value="{welcome["id"]}"' in page
    assert plain_video["id"] not in page, "a video slot not opened to assisted visits"
    assert start.astimezone(PARIS).strftime("%H:%M") in page
    assert "Dr Linh Nguyen" in page
    assert f'<option value="{gp_id}" selected>' in page
    assert 'data-api="/api/v1/teleconsultations"' in page and "data-idempotent" in page
    assert 'name="consent.given"' in page and 'name="consent.collected_at"' in page
    assert 'value="dedicated_place"' in page and "TLL" in page
    assert too_long.status_code == 200 and "31 jours au plus" in too_long.text
    assert blank.status_code == 200 and "Programmer une téléconsultation assistée" in blank.text


async def test_once_completed_the_visit_shows_its_outcome_and_closes_its_forms(
    client: httpx.AsyncClient, clock: FrozenClock, person: Person
) -> None:
    tc, _family = await _booked(client, clock)
    clock.set(datetime.fromisoformat(tc["start"]))
    async with person("gp1@sud-yvelines.test") as gp:
        before = html.unescape((await gp.get(f"/teleconsultations/{tc['id']}")).text)
        assert "Signaler une absence" in before, "the slot has begun"
        # What the page's forms send: the session cookie and its CSRF echo.
        done = await gp.post(
            f"{URL}/{tc['id']}/complete",
            json={"outcome": "prescription_sent", "note": "Furosemide 60 mg"},
            headers={"X-CSRF-Token": gp.cookies["cpts_csrf"]},
        )
        assert done.status_code == 200, done.text
    async with person("nurse1@sud-yvelines.test") as nurse:
        detail = html.unescape((await nurse.get(f"/teleconsultations/{tc['id']}")).text)
        listed = html.unescape((await nurse.get("/teleconsultations")).text)
    assert "terminée" in detail and "Ordonnance envoyée — Furosemide 60 mg" in detail
    assert "Rejoindre la vidéo" not in detail and tc["video_url"] not in detail
    assert 'id="tc-handover-form"' not in detail and "/send-link" not in detail
    assert "Récentes" in listed and f'href="/teleconsultations/{tc["id"]}"' in listed
    recent = listed.split("Récentes", 1)[1]
    assert f'href="/teleconsultations/{tc["id"]}"' in recent, "no longer upcoming"
