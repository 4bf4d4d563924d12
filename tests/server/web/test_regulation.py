"""The SNP request pages: /demandes, /demandes/{id} with its slot finder, the SAS landing
/slots/{id}. Pages are read with the session cookie, as a browser does."""

from __future__ import annotations

import html as markup
import re
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from litestar import Litestar

from kernel.clock import FrozenClock
from server.database import Database
from server.state import AppServices
from tests.server.scheduling_helpers import fresh_start, gp_session, publish_slot
from tests.server.web.pages_helpers import browser_of, patient_reads

ZONE = ZoneInfo("Europe/Paris")


def _patient(family: str) -> dict[str, Any]:
    return {
        "family_name": family,
        "given_name": "Odile",
        "birth_date": "1941-05-12",
        "sex": "female",
        "phone": "+33 6 12 34 56 78",
    }


async def _record(
    c: httpx.AsyncClient, family: str, origin: str = "sas_regulator", **extra: Any
) -> str:
    created = await c.post(
        "/api/v1/requests",
        json={
            "origin": origin,
            "reason": "Fièvre depuis trois jours",
            "urgency": "within_24h",
            "patient": _patient(family),
        }
        | extra,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _reads(database: Database, account_email: str, subject_id: str, purpose: str) -> int:
    return len(await patient_reads(database, [subject_id], email=account_email, purpose=purpose))


async def _take(app: Litestar, slot_id: str) -> None:
    """Another person (pharmacist2) books the slot for a request of theirs."""
    async with browser_of(app, "pharmacist2@sud-yvelines.test") as other:
        request_id = await _record(other, _family("Autre"), origin="pharmacist")
        booked = await other.post(
            "/api/v1/bookings",
            json={"slot_id": slot_id, "request_id": request_id, "channel": "pharmacist"},
        )
        assert booked.status_code == 201, booked.text


def _html(response: httpx.Response) -> str:
    return markup.unescape(response.text)


def _family(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


async def test_pages_send_strangers_to_login_and_back(client: httpx.AsyncClient) -> None:
    response = await client.get("/demandes")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=%2Fdemandes"
    slot_id = uuid.uuid4()
    landing = await client.get(f"/slots/{slot_id}?origin=sas_regulator&booking-referral=R42")
    assert landing.status_code == 303
    assert landing.headers["location"] == (
        f"/connexion?suivant=%2Fslots%2F{slot_id}%3Forigin%3Dsas_regulator%26booking-referral%3DR42"
    )


async def test_a_stranger_from_the_sas_is_sent_to_pro_sante_connect(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """INT_SSO: the SAS's booking link, its `&origin=sas-preprod` appended, sends someone
    not signed in to Pro Santé Connect (back to the slot after); without the SAS's origin,
    or on a server without PSC, to the login form."""
    services = AppServices.of(app)
    services.psc = object()  # type: ignore[assignment]  # configured: only its presence counts
    slot_id = uuid.uuid4()
    landing = await client.get(f"/slots/{slot_id}?source=sas&origin=sas-preprod")
    assert landing.status_code == 303
    assert landing.headers["location"] == (
        f"/auth/psc/login?suivant=%2Fslots%2F{slot_id}%3Fsource%3Dsas%26origin%3Dsas-preprod"
    )
    plain = await client.get(f"/slots/{slot_id}?source=sas")
    assert plain.headers["location"].startswith("/connexion?suivant=")
    services.psc = None
    without_psc = await client.get(f"/slots/{slot_id}?source=sas&origin=sas-preprod")
    assert without_psc.headers["location"].startswith("/connexion?suivant=")


async def test_an_expert_only_account_is_refused(app: Litestar) -> None:
    async with browser_of(app, "expert1@sud-yvelines.test") as expert:
        for path in ("/demandes", f"/demandes/{uuid.uuid4()}", f"/slots/{uuid.uuid4()}"):
            response = await expert.get(path)
            assert response.status_code == 403, path
            assert "n'est pas ouverte à votre profil" in _html(response)


async def test_list_shows_open_requests_newest_first_with_patient_and_audit(
    app: Litestar, database: Database, clock: FrozenClock
) -> None:
    older, newer = _family("Ancien"), _family("Recent")
    async with browser_of(app, "pharmacist1@sud-yvelines.test") as pharmacist:
        two_hours_ago = (clock.now() - timedelta(hours=2, minutes=5)).isoformat()
        first = await _record(pharmacist, older, origin="pharmacist", received_at=two_hours_ago)
        second = await _record(pharmacist, newer, origin="pharmacist")
        page = await pharmacist.get("/demandes")
        assert page.status_code == 200
        html = _html(page)
        assert "Demandes de soins non programmés" in html
        assert "que vous avez enregistrées" in html, "a pharmacist sees their own requests"
        assert html.index(newer.upper()) < html.index(older.upper()), "newest first"
        assert "Sous 24 h" in html and "il y a 2 h" in html
        # The new-request form: the pharmacist's own origin by default.
        assert re.search(r'<option value="pharmacist" selected>', html)
        assert 'data-then="go:/demandes/{id}"' in html
    assert await _reads(database, "pharmacist1@sud-yvelines.test", first, "request list") == 1
    assert await _reads(database, "pharmacist1@sud-yvelines.test", second, "request list") == 1
    # Another pharmacist neither sees them nor reads them.
    async with browser_of(app, "pharmacist2@sud-yvelines.test") as other:
        html = _html(await other.get("/demandes"))
        assert older.upper() not in html and newer.upper() not in html
    # The regulator works the territory's board: both are there, and its origin is the SAS.
    async with browser_of(app, "regulator@sud-yvelines.test") as regulator:
        html = _html(await regulator.get("/demandes"))
        assert older.upper() in html and newer.upper() in html
        assert "du territoire" in html
        assert re.search(r'<option value="sas_regulator" selected>', html)
    assert await _reads(database, "regulator@sud-yvelines.test", first, "request list") == 1


async def test_request_page_shows_the_patient_to_its_recorder_and_audits(
    app: Litestar, database: Database
) -> None:
    family = _family("Durand")
    async with browser_of(app, "nurse1@sud-yvelines.test") as nurse:
        request_id = await _record(nurse, family, origin="nurse")
        page = await nurse.get(f"/demandes/{request_id}")
        assert page.status_code == 200
        html = _html(page)
        assert family.upper() in html and "Odile" in html
        assert "12/05/1941" in html and "Fièvre depuis trois jours" in html
        assert "à l'instant" in html
        assert "Créneaux libres" in html and "Clore sans rendez-vous" in html
        assert "Réorientée vers les urgences" in html
        assert f'data-api="/api/v1/requests/{request_id}/close"' in html
        assert (
            'data-live-topics="slots"' in html and 'data-live-types="slot.,hold.,booking."' in html
        )
        assert re.search(r'<div id="slots" data-live-region>', html)
        # Back from the SAS link whose slot was taken meanwhile: said in French.
        again = _html(await nurse.get(f"/demandes/{request_id}?creneau=pris"))
        assert "Le créneau choisi n'était plus libre" in again
    assert await _reads(database, "nurse1@sud-yvelines.test", request_id, "request detail") == 2
    # Another nurse: the request is absent for them, and nothing of the patient is shown.
    async with browser_of(app, "nurse2@sud-yvelines.test") as other:
        page = await other.get(f"/demandes/{request_id}")
        assert page.status_code == 404
        assert "Demande introuvable" in _html(page) and family.upper() not in _html(page)
    assert await _reads(database, "nurse2@sud-yvelines.test", request_id, "request detail") == 0


async def test_finder_lists_free_slots_earliest_first_and_filters_by_gp(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp2, me2 = await gp_session(client, 2)
    gp3, me3 = await gp_session(client, 3)
    base = fresh_start(clock)
    for _ in range(7):  # the next 3.5 hours are this test's: later fresh starts come after
        fresh_start(clock)
    late = await publish_slot(client, gp2, base + timedelta(hours=2))
    early = await publish_slot(client, gp2, base)
    other = await publish_slot(client, gp3, base + timedelta(hours=1))
    taken = await publish_slot(client, gp2, base + timedelta(hours=3))
    await _take(app, taken["id"])
    day = base.astimezone(ZONE).date().isoformat()
    last = (base + timedelta(hours=3)).astimezone(ZONE).date().isoformat()
    async with browser_of(app, "regulator@sud-yvelines.test") as browser:
        request_id = await _record(browser, _family("Cherche"))
        everyone = await browser.get(f"/demandes/{request_id}", params={"du": day, "au": last})
        assert everyone.status_code == 200
        html = _html(everyone)
        positions = [html.find(f'data-slot-id="{s["id"]}"') for s in (early, other, late)]
        assert -1 not in positions, "the three free slots are listed"
        assert positions == sorted(positions), "earliest first"
        assert f'data-slot-id="{taken["id"]}"' not in html, "a booked slot is not offered"
        assert "Dr Karim Benali" in html and "Dr Thomas Lefebvre" in html
        assert "Rambouillet" in html and "Au cabinet" in html
        local = early["start"]
        assert base.astimezone(ZONE).strftime("%H:%M") in html, local
        # The GP select lists the territory's GPs; filtering keeps gp2's slots only.
        assert f'<option value="{me2["professional_id"]}"' in html
        filtered = await browser.get(
            f"/demandes/{request_id}",
            params={"du": day, "au": last, "medecin": me2["professional_id"]},
        )
        html = _html(filtered)
        assert f'data-slot-id="{early["id"]}"' in html and f'data-slot-id="{late["id"]}"' in html
        assert f'data-slot-id="{other["id"]}"' not in html
        assert re.search(rf'<option value="{me2["professional_id"]}" selected>', html)
        # By commune: gp3 also practises in 78269; gp2 only in Rambouillet (78517).
        by_commune = await browser.get(
            f"/demandes/{request_id}", params={"du": day, "au": last, "commune": "78269"}
        )
        assert f'data-slot-id="{other["id"]}"' in _html(by_commune)
        assert f'data-slot-id="{early["id"]}"' not in _html(by_commune)
        # A radius without a commune is explained in French, not a 400.
        lost = await browser.get(f"/demandes/{request_id}", params={"rayon": "10"})
        assert lost.status_code == 200
        assert "Choisissez une commune pour chercher dans un rayon." in _html(lost)
        assert me3["professional_id"]


async def test_booked_request_shows_its_slot_and_gp(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp2, _ = await gp_session(client, 2)
    slot = await publish_slot(client, gp2, fresh_start(clock))
    async with browser_of(app, "regulator@sud-yvelines.test") as browser:
        request_id = await _record(browser, _family("Reserve"))
        hold = await browser.post("/api/v1/holds", json={"slot_id": slot["id"]})
        assert hold.status_code == 201, hold.text
        booked = await browser.post(
            "/api/v1/bookings",
            json={
                "hold_id": hold.json()["id"],
                "request_id": request_id,
                "channel": "sas_regulator",
            },
        )
        assert booked.status_code == 201, booked.text
        html = _html(await browser.get(f"/demandes/{request_id}"))
        assert 'id="state-booked"' in html and "Réservée" in html
        assert "Dr Karim Benali" in html and "Rambouillet" in html
        assert "Clore sans rendez-vous" not in html, "a booked request is not closed by hand"
        assert 'id="filters"' not in html


async def test_closed_request_shows_its_outcome(app: Litestar) -> None:
    async with browser_of(app, "coordinator@sud-yvelines.test") as browser:
        request_id = await _record(browser, _family("Urgences"), origin="cpts_line")
        closed = await browser.post(
            f"/api/v1/requests/{request_id}/close",
            json={"outcome": "redirected_emergency", "note": "douleur thoracique"},
        )
        assert closed.status_code == 200, closed.text
        html = _html(await browser.get(f"/demandes/{request_id}"))
        assert "Réorientée vers les urgences" in html and "douleur thoracique" in html
        assert 'id="finder"' not in html
        assert request_id not in _html(await browser.get("/demandes")), "open ones only"
        assert request_id in _html(await browser.get("/demandes?statut=toutes"))


async def test_slot_landing_offers_the_request_form_or_says_the_slot_is_gone(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp4, _ = await gp_session(client, 4)
    slot = await publish_slot(client, gp4, fresh_start(clock))
    async with browser_of(app, "regulator@sud-yvelines.test") as browser:
        free = await browser.get(
            f"/slots/{slot['id']}", params={"origin": "cpts_line", "booking-referral": "SAS-42"}
        )
        assert free.status_code == 200
        html = _html(free)
        assert "Réserver ce créneau" in html and "Nouvelle demande" in html
        assert "Dr Linh Nguyen" in html and "Au cabinet" in html
        assert re.search(r'<option value="cpts_line" selected>', html), "origin from the link"
        assert f'data-slot-id="{slot["id"]}"' in html and "SAS-42" in html
        unknown_origin = _html(await browser.get(f"/slots/{slot['id']}?origin=martians"))
        assert re.search(r'<option value="sas_regulator" selected>', unknown_origin)
        await _take(app, slot["id"])
        gone = await browser.get(f"/slots/{slot['id']}")
        assert gone.status_code == 200
        assert "Ce créneau n'est plus libre." in _html(gone)
        assert 'href="/demandes"' in _html(gone) and 'id="landing-request"' not in _html(gone)
        missing = await browser.get(f"/slots/{uuid.uuid4()}")
        assert missing.status_code == 404 and "Créneau introuvable" in _html(missing)


async def test_closing_a_request_asks_for_its_outcome_and_a_confirmation(app: Litestar) -> None:
    """It took one click, with « Réorientée vers les urgences » chosen already."""
    async with browser_of(app, "regulator@sud-yvelines.test") as c:
        request_id = await _record(c, "Confirmation")
        page = (await c.get(f"/demandes/{request_id}")).text
    assert 'data-confirm="Clore cette demande sans rendez-vous' in page
    assert '<option value="">— choisir l&#39;issue —</option>' in page or (
        '<option value="">— choisir l\'issue —</option>' in page
    )
