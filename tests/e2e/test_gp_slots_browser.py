"""« Mes créneaux » in headless Chromium: a GP publishes a recurring availability, finds its
slots in the week view, closes one, and sees a booking made by the SAS regulator appear by
itself, patient included, without reloading the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.directory_world import gp_body, luhn_number
from tests.e2e.browser import (
    bearer,
    created,
    fill,
    live,
    publish_slot,
    sas_booking,
    shot,
    signed_in,
)

PARIS = ZoneInfo("Europe/Paris")


async def _accept(dialog: Any) -> None:
    await dialog.accept()


def _regulator_books(base: str, slot_id: str, family_name: str) -> None:
    patient = {
        "family_name": family_name,
        "given_name": "Jeanne",
        "birth_date": "1958-03-04",
        "sex": "female",
    }
    sas_booking(base, slot_id, patient, "Fièvre depuis trois jours")


async def test_gp_publishes_availability_closes_a_slot_and_sees_a_booking_live(
    served: str, browser: Any
) -> None:
    page = await signed_in(browser, served, "gp1@sud-yvelines.test", "/creneaux")
    page.on("dialog", _accept)
    assert await page.locator("h1").inner_text() == "Mes créneaux"
    await live(page)

    # Every Monday and Thursday 14:00–15:00, 15-minute office slots, for four weeks.
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())
    form = page.locator("#rule-form")
    await page.click("#rule-submit")  # no weekday ticked: said so, nothing sent
    await form.locator(".form-error").wait_for(timeout=5_000)
    assert (
        await form.locator(".form-error").inner_text() == "Cochez au moins un jour de la semaine."
    )
    await form.locator('input[name="_days"][value="MO"]').check()
    await form.locator('input[name="_days"][value="TH"]').check()
    await fill(
        page,
        {
            "#rule-start": monday.isoformat(),
            "#rule-until": (monday + timedelta(days=27)).isoformat(),
            "#rule-start-time": "14:00",
            "#rule-end-time": "15:00",
            "#rule-minutes": "15",
        },
    )
    await page.select_option("#rule-modality", "office")
    await form.locator('input[name="visibility"][value="snp"]').check()
    await form.locator('input[name="visibility"][value="pro"]').check()
    await form.locator('input[name="visibility"][value="cpts"]').uncheck()
    await page.click("#rule-submit")

    # The page opens the week where the availability starts and says what was created.
    await page.wait_for_url(f"**/creneaux?semaine={monday.isoformat()}", timeout=10_000)
    result = page.locator("#publish-result")
    await result.wait_for(state="visible", timeout=5_000)
    assert await result.inner_text() == "32 créneaux créés."
    assert "Mes disponibilités récurrentes" in await page.content()
    assert "chaque lundi, jeudi" in await page.locator("#rules").inner_text()

    days = page.locator("#week .gps-day")
    assert await days.count() == 7
    mine = page.locator("#week .slot.free", has_text="14:00–14:15")
    assert await mine.count() == 2, "the Monday and Thursday 14:00 slots"
    for n, day in ((0, "lundi"), (3, "jeudi")):
        slots = days.nth(n).locator(".slot", has_text="Visible : pros de santé, SNP (SAS)")
        assert await slots.count() == 4, day
        heading = await days.nth(n).locator("h3").inner_text()
        assert heading.startswith(f"{day} {(monday + timedelta(days=n)).day} "), heading
    first = mine.first
    assert "libre" in await first.inner_text()
    assert "cabinet" in await first.inner_text()

    # Close the Monday 14:00 slot: confirmed, then shown cancelled after the reload.
    closed_id = await first.get_attribute("data-slot-id")
    await first.get_by_role("button", name="Fermer le créneau").click()
    closed = page.locator(f'#week .slot[data-slot-id="{closed_id}"][data-status="cancelled"]')
    await closed.wait_for(timeout=10_000)
    assert "annulé" in await closed.inner_text()
    assert await closed.get_by_role("button", name="Fermer le créneau").count() == 0
    await shot(page, "gp-slots-published")

    # The regulator books the Thursday 14:30 slot from another client: it appears live.
    await live(page)
    thursday = days.nth(3).locator(".slot.free", has_text="14:30–14:45")
    booked_id = await thursday.get_attribute("data-slot-id")
    assert booked_id
    await page.evaluate("window.__noReload = true")
    _regulator_books(served, booked_id, "Lapinière")
    await page.wait_for_function(
        "id => { const s = document.querySelector(`#week .slot.booked[data-slot-id='${id}']`);"
        " return s !== null && s.textContent.includes('Lapinière'); }",
        arg=booked_id,
        timeout=10_000,
    )
    assert await page.evaluate("window.__noReload === true"), "updated in place, not reloaded"
    slot = page.locator(f'#week .slot.booked[data-slot-id="{booked_id}"]')
    text = await slot.inner_text()
    assert "Lapinière Jeanne" in text and "née le 04/03/1958" in text
    assert "Motif : Fièvre depuis trois jours" in text
    assert "régulation SAS" in text
    assert await slot.get_by_role("button", name="Annuler").count() == 1
    assert await slot.get_by_role("button", name="Honoré").count() == 0, "not started yet"
    assert "1 consultation SNP régulée" in await page.locator("#sas-week").inner_text()
    await shot(page, "gp-slots-live-booking")

    # On a tablet the days stack, one under the other.
    await page.set_viewport_size({"width": 820, "height": 1180})
    box_monday = await days.nth(0).bounding_box()
    box_tuesday = await days.nth(1).bounding_box()
    assert box_monday and box_tuesday and box_tuesday["y"] > box_monday["y"]
    await shot(page, "gp-slots-tablet")


def _get(base: str, headers: dict[str, str], path: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{base}/api/v1{path}", headers=headers).json()
    return answer


def _professional(base: str, headers: dict[str, str], rpps: str) -> dict[str, Any]:
    communes = _get(base, headers, "/communes")["items"]
    return created(base, headers, "/professionals", gp_body(rpps, communes[0]["insee"]))


async def test_staff_offer_a_gp_s_slot_under_their_other_cpts(served: str, browser: Any) -> None:
    # A GP member of two CPTS of the deployment: their slot, shown by the SAS under the other
    # CPTS too, from the slot's card.
    rpps = luhn_number("1", 11)
    home = bearer(served, "coordinator@sud-yvelines.test")
    vexin = bearer(served, "admin@vexin-normand.test")
    gp = _professional(served, home, rpps)
    _professional(served, vexin, rpps)
    vexin_name = _get(served, vexin, "/territory")["name"]
    start = (datetime.now(PARIS) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    slot = publish_slot(served, home, start, professional_id=gp["id"])
    path = f"/creneaux?professional_id={gp['id']}&semaine={start.date().isoformat()}"
    page = await signed_in(browser, served, "coordinator@sud-yvelines.test", path)
    card = page.locator(f'#week .slot[data-slot-id="{slot["id"]}"]')
    await card.get_by_text("Proposer au SAS pour une autre CPTS").click()
    await card.get_by_label(vexin_name).check()
    await card.get_by_role("button", name="Enregistrer").click()
    shared = page.locator(f'#week .slot[data-slot-id="{slot["id"]}"] .gps-shared')
    await shared.wait_for(timeout=10_000)
    assert await shared.inner_text() == f"Proposé au SAS aussi pour : {vexin_name}"
    answer = _get(served, home, f"/slots/{slot['id']}/shares")
    assert [c["name"] for c in answer["shared_with"]] == [vexin_name]
    for width in (1366, 768, 390):
        await page.set_viewport_size({"width": width, "height": 900})
        card = page.locator(f'#week .slot[data-slot-id="{slot["id"]}"]')
        await card.get_by_text("Proposer au SAS pour une autre CPTS").scroll_into_view_if_needed()
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width}px: the page scrolls sideways"
    await shot(page, "gp-slots-shared")
