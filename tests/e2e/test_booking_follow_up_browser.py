"""After the booking, in headless Chromium at 1366, 768 and 390 px: the regulator's request
page tells where to send the patient (the practice's address and phone), prints the slip,
e-mails it, and moves the appointment to another slot in one step (the old slot free again,
the history kept); a hold left behind is shown, to release."""

from __future__ import annotations

import asyncio
import re
import time as clock
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.browser import bearer, publish_slot, shot, signed_in
from tests.mailbox import Inbox

PARIS = ZoneInfo("Europe/Paris")
REGULATOR = "regulator@sud-yvelines.test"
GP = "gp2@sud-yvelines.test"  # Dr Karim Benali, Rambouillet


def _booked_request(base: str, first: str) -> str:
    regulator = bearer(base, REGULATOR)
    request = httpx.post(
        f"{base}/api/v1/requests",
        headers=regulator,
        json={
            "origin": "sas_regulator",
            "reason": "Otite, fièvre",
            "patient": {
                "family_name": "Grondin",
                "given_name": "Paul",
                "birth_date": "1980-02-03",
                "sex": "male",
            },
        },
    ).json()
    booked = httpx.post(
        f"{base}/api/v1/bookings",
        headers=regulator,
        json={"slot_id": first, "request_id": request["id"], "channel": "sas_regulator"},
    )
    assert booked.status_code == 201, booked.text
    return str(request["id"])


def _get(base: str, headers: dict[str, str], path: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/api/v1{path}", headers=headers)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def _hold(base: str, headers: dict[str, str], slot_id: str) -> None:
    response = httpx.post(f"{base}/api/v1/holds", headers=headers, json={"slot_id": slot_id})
    assert response.status_code == 201, response.text


def _mail(inbox: Inbox, to: str) -> str:
    deadline = clock.monotonic() + 15
    while not (bodies := inbox.bodies(to)) and clock.monotonic() < deadline:
        clock.sleep(0.05)
    assert bodies, f"no e-mail to {to}"
    return bodies[-1]


async def test_the_regulator_tells_prints_mails_and_moves_the_appointment(
    served_with_mail: tuple[str, Inbox], browser: Any
) -> None:
    base, inbox = served_with_mail
    gp = bearer(base, GP)
    # Tomorrow before noon: the finder shows the first 50 free slots, and the demo's rules
    # fill the territory's noons (an afternoon two days on was past them on some weekdays).
    day = datetime.now(PARIS).date() + timedelta(days=1)
    first = publish_slot(base, gp, datetime.combine(day, time(10, 0), PARIS))
    second = publish_slot(base, gp, datetime.combine(day, time(11, 0), PARIS))
    request_id = _booked_request(base, first["id"])
    page = await signed_in(browser, base, REGULATOR, f"/demandes/{request_id}", 1366, 900)

    # Where to send the patient, said on the page.
    practice = await page.locator("#booked-practice").inner_text()
    assert "Adresse :" in practice and "Rambouillet" in practice
    await shot(page, "booking-booked-1366")

    # The slip to print: the essentials, and not the reason.
    async with page.context.expect_page() as opened:
        await page.click("#slip-print")
    slip = await opened.value
    await slip.wait_for_load_state()
    text = await slip.locator("main").inner_text()
    assert "Rendez-vous de Paul GRONDIN" in text and "10:00" in text
    assert "Dr Karim Benali" in text and "Rambouillet" in text
    assert "Otite" not in text
    await shot(slip, "booking-slip")
    await slip.close()

    # The slip by e-mail.
    await page.fill("#slip-email", "paul.grondin@example.org")
    await page.click("#slip-send")
    await page.locator("#notice", has_text="Récapitulatif envoyé").wait_for(timeout=10_000)
    body = await asyncio.to_thread(_mail, inbox, "paul.grondin@example.org")
    assert (
        "Rendez-vous de Paul GRONDIN" in body and "Téléphone du cabinet" in body
    ) or "Adresse" in body
    assert "Otite" not in body

    # Moving it: the finder again, the new slot held and confirmed in one step.
    await page.click("#move-booking")
    await page.wait_for_url(re.compile(r".*deplacer=1.*"))
    row = page.locator(f'#slots tr[data-slot-id="{second["id"]}"]')
    await row.wait_for(timeout=10_000)
    assert await page.locator(f'#slots tr[data-slot-id="{first["id"]}"]').count() == 0
    await shot(page, "booking-move-1366")
    await row.locator("button.hold").click()
    await page.wait_for_selector("#hold-panel:not([hidden])", timeout=10_000)
    assert await page.locator("#confirm-booking").inner_text() == "Confirmer le déplacement"
    await page.click("#confirm-booking")
    await page.wait_for_url(f"**/demandes/{request_id}", timeout=10_000)
    booked = await page.locator("#state-booked").inner_text()
    assert "11:00" in booked and "Réservée" in booked
    regulator = bearer(base, REGULATOR)
    slot = _get(base, regulator, f"/slots/{first['id']}")
    assert slot["status"] == "free", "the old slot is free again"
    mine = _get(base, regulator, "/bookings?limit=50")
    statuses = {b["slot_id"]: b["status"] for b in mine["items"]}
    assert statuses[first["id"]] == "cancelled" and statuses[second["id"]] == "booked"


@pytest.mark.parametrize("width", [768, 390])
async def test_the_booked_request_fits_tablets_and_phones(
    served: str, browser: Any, width: int
) -> None:
    gp = bearer(served, GP)
    day = datetime.now(PARIS).date() + timedelta(days=2)
    first = publish_slot(served, gp, datetime.combine(day, time(11, 0), PARIS))
    request_id = _booked_request(served, first["id"])
    page = await signed_in(browser, served, REGULATOR, f"/demandes/{request_id}", width, 900)
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= width
    for selector in ("#slip-print", "#move-booking", "#cancel-booking", "#slip-send"):
        box = await page.locator(selector).bounding_box()
        assert box["height"] >= 40, selector
    await shot(page, f"booking-booked-{width}")


async def test_a_hold_left_behind_is_shown_to_release(served: str, browser: Any) -> None:
    gp = bearer(served, GP)
    day = datetime.now(PARIS).date() + timedelta(days=2)
    # 14:00, past the demo GP's noon rule on Tuesdays and Thursdays.
    held = publish_slot(served, gp, datetime.combine(day, time(14, 0), PARIS))
    first = publish_slot(served, gp, datetime.combine(day, time(14, 30), PARIS))
    request_id = _booked_request(served, first["id"])
    regulator = bearer(served, REGULATOR)
    _hold(served, regulator, held["id"])
    page = await signed_in(browser, served, REGULATOR, f"/demandes/{request_id}", 1366, 900)
    box = page.locator("#my-holds")
    assert "14:00" in await box.inner_text()
    await shot(page, "booking-hold-left")
    await box.locator("button", has_text="Relâcher").click()
    await page.locator("#notice", has_text="Créneau relâché").wait_for(timeout=10_000)
    await page.locator("#my-holds").wait_for(state="detached", timeout=10_000)
