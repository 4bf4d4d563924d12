"""SNP regulation in headless Chromium: a regulator records a request and books a GP's slot
while the GP's week, open in a second browser context, shows the booking appear by itself; and
the SAS booking link, followed while signed out, leads through the login back to the slot and
books it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.browser import bearer, fill, live, publish_slot, sas_booking, shot, signed_in

PARIS = ZoneInfo("Europe/Paris")
REQUEST_PAGE = re.compile(r".*/demandes/[0-9a-f-]{36}$")


def _slot_tomorrow(base: str, gp_email: str, at: time) -> tuple[dict[str, Any], str, date]:
    """A free office slot of this GP tomorrow at `at` (local), its GP's professional id, the day."""
    gp = bearer(base, gp_email)
    me = httpx.get(f"{base}/api/v1/me", headers=gp).json()
    day = datetime.now(PARIS).date() + timedelta(days=1)
    slot = publish_slot(base, gp, datetime.combine(day, at, tzinfo=PARIS))
    return slot, str(me["professional"]["id"]), day


def _book_for_someone_else(base: str, slot_id: str) -> None:
    patient = {
        "family_name": "Autre",
        "given_name": "Patient",
        "birth_date": "1970-01-01",
        "sex": "male",
    }
    sas_booking(base, slot_id, patient)


async def _fill_request(page: Any, prefix: str, family: str) -> None:
    await page.fill(f"#{prefix}-reason", "Douleur à l'oreille depuis hier, fièvre à 38,5")
    await page.select_option(f"#{prefix}-urgency", "within_24h")
    await fill(
        page,
        {
            f"#{prefix}-family": family,
            f"#{prefix}-given": "Jeanne",
            f"#{prefix}-birth": "1948-03-04",
        },
    )
    await page.select_option(f"#{prefix}-sex", "female")
    await page.fill(f"#{prefix}-phone", "06 12 34 56 78")


async def test_a_regulator_books_a_slot_and_the_gp_sees_it_live(served: str, browser: Any) -> None:
    slot, gp_id, day = _slot_tomorrow(served, "gp2@sud-yvelines.test", time(10, 0))
    family = "Lanavette"

    # Context A: the GP's week, live.
    gp = await signed_in(browser, served, "gp2@sud-yvelines.test", f"/creneaux?semaine={day}")
    await live(gp)
    assert await gp.locator(f'#week .slot[data-slot-id="{slot["id"]}"]').count() == 1
    await gp.evaluate("window.__notReloaded = true")

    # Context B: the regulator records the request…
    reg = await signed_in(browser, served, "regulator@sud-yvelines.test", "/demandes")
    assert await reg.locator("h1").inner_text() == "Demandes de soins non programmés"
    assert await reg.locator("#new-origin").input_value() == "sas_regulator"
    await _fill_request(reg, "new", family)
    await shot(reg, "regulation-request")
    await reg.click("#new-request-submit")
    await reg.wait_for_url(REQUEST_PAGE)
    assert family.upper() in await reg.locator("#patient").inner_text()
    assert "Sous 24 h" in await reg.locator("#request").inner_text()

    # …finds gp2's slot…
    await live(reg)
    await reg.select_option("#medecin", gp_id)
    await reg.click("#search")
    await reg.wait_for_url(lambda url: f"medecin={gp_id}" in url)
    await live(reg)
    row = reg.locator(f'#slots tr[data-slot-id="{slot["id"]}"]')
    assert await row.count() == 1
    text = await row.inner_text()
    assert "10:00" in text and "Dr Karim Benali" in text and "Rambouillet" in text
    assert await reg.locator("#slots tr.slot-row").count() >= 1
    await shot(reg, "regulation-slots")

    # …holds it, sees the countdown, confirms.
    await row.locator("button.hold").click()
    await reg.wait_for_selector("#hold-panel:not([hidden])", timeout=10_000)
    assert "Dr Karim Benali" in await reg.locator("#hold-slot").inner_text()
    assert re.search(r"encore [45] min", await reg.locator("#hold-countdown").inner_text())
    await reg.click("#confirm-booking")
    await reg.wait_for_selector("#state-booked", timeout=10_000)
    booked = await reg.locator("#state-booked").inner_text()
    assert "Réservée" in booked and "Dr Karim Benali" in booked and "10:00" in booked
    assert await reg.locator("#finder").count() == 0, "nothing left to find once booked"
    await shot(reg, "regulation-booked")

    # The GP's page shows the booking by itself, without a reload.
    await gp.wait_for_selector(
        f'#week .slot.booked[data-slot-id="{slot["id"]}"]:has-text("{family}")', timeout=10_000
    )
    assert await gp.evaluate("window.__notReloaded === true"), "updated live, not reloaded"
    await shot(gp, "gp-live-booking")


async def test_a_taken_slot_is_refused_in_french_and_leaves_the_list(
    served: str, browser: Any
) -> None:
    slot, gp_id, _ = _slot_tomorrow(served, "gp2@sud-yvelines.test", time(9, 0))
    reg = await signed_in(browser, served, "regulator@sud-yvelines.test", "/demandes")
    # This page hears nothing live, so the taken slot is still offered when clicked.
    await reg.route_web_socket(re.compile(r".*/ws$"), lambda ws: None)
    await _fill_request(reg, "new", "Concurrent")
    await reg.click("#new-request-submit")
    await reg.wait_for_url(REQUEST_PAGE)
    await reg.select_option("#medecin", gp_id)
    await reg.click("#search")
    await reg.wait_for_url(lambda url: f"medecin={gp_id}" in url)
    button = reg.locator(f'#slots tr[data-slot-id="{slot["id"]}"] button.hold')
    assert await button.count() == 1
    # Another regulator books it for a request of theirs meanwhile.
    _book_for_someone_else(served, slot["id"])
    await button.click()
    await reg.wait_for_selector("#finder-message:not([hidden])", timeout=10_000)
    assert "vient d'être pris" in await reg.locator("#finder-message").inner_text()
    await reg.locator(f'#slots tr[data-slot-id="{slot["id"]}"]').wait_for(
        state="detached", timeout=10_000
    )
    await shot(reg, "regulation-taken")
    assert await reg.locator("#hold-panel").is_hidden()


async def test_the_sas_booking_link_logs_in_comes_back_and_books(served: str, browser: Any) -> None:
    slot, _, _ = _slot_tomorrow(served, "gp4@sud-yvelines.test", time(8, 30))
    path = f"/slots/{slot['id']}?origin=sas_regulator&booking-referral=SAS-2026-001"
    page = await signed_in(browser, served, "regulator@sud-yvelines.test", path)
    assert page.url == f"{served}{path}", "back on the link, query string kept"
    assert "Dr Linh Nguyen" in await page.locator("#slot").inner_text()
    assert "SAS-2026-001" in await page.locator("#sas-reference").inner_text()
    assert await page.locator("#landing-origin").input_value() == "sas_regulator"
    await _fill_request(page, "landing", "Parlien")
    await shot(page, "regulation-landing")
    await page.click("#landing-submit")
    await page.wait_for_url(REQUEST_PAGE, timeout=10_000)
    booked = await page.locator("#state-booked").inner_text()
    assert "Réservée" in booked and "Dr Linh Nguyen" in booked and "08:30" in booked
    assert "PARLIEN" in await page.locator("#patient").inner_text()
    # The same link again: the slot is gone, said plainly, with the way back to the requests.
    await page.goto(f"{served}{path}")
    assert "Ce créneau n'est plus libre." in await page.locator("#slot-gone").inner_text()
    assert await page.locator("#slot-gone a[href='/demandes']").count() == 1
