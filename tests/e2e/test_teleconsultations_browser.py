"""An assisted teleconsultation in headless Chromium: a GP has opened a video slot to assisted
visits; the home nurse finds it, books it for her patient with the consent, lands on the visit
with its room link and writes her handover, which the GP's open page shows by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.browser import bearer, created, fill, live, publish_slot, shot, signed_in

PARIS = ZoneInfo("Europe/Paris")


def _assisted_slots(base: str) -> tuple[list[dict[str, Any]], str]:
    """Two assisted video slots of gp3, the day after tomorrow early in the morning (no demo
    agenda there), and gp3's professional id."""
    gp = bearer(base, "gp3@sud-yvelines.test")
    me = httpx.get(f"{base}/api/v1/me", headers=gp).json()
    first = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=5, minute=0, second=0, microsecond=0
    )
    slots = [
        publish_slot(
            base,
            gp,
            start,
            minutes=20,
            modality="video",
            visibility=("pro", "cpts"),
            assisted=True,
        )
        for start in (first, first + timedelta(minutes=30))
    ]
    return slots, str(me["professional"]["id"])


def _taken_by_another_nurse(base: str, slot_id: str) -> None:
    body = {
        "slot_id": slot_id,
        "setting": "home",
        "consent": {"given": True, "collected_at": datetime.now(UTC).isoformat()},
        "reason": "Autre patient",
        "patient": {
            "family_name": "Autre",
            "given_name": "Patient",
            "birth_date": "1950-01-01",
            "sex": "male",
        },
    }
    created(base, bearer(base, "nurse2@sud-yvelines.test"), "/teleconsultations", body)


async def test_a_nurse_books_an_assisted_teleconsultation_and_writes_her_handover(
    served: str, browser: Any
) -> None:
    (slot, spare), gp_id = _assisted_slots(served)
    day = datetime.fromisoformat(slot["start"]).astimezone(PARIS).date().isoformat()

    page = await signed_in(browser, served, "nurse1@sud-yvelines.test", "/teleconsultations")
    assert await page.locator("h1").inner_text() == "Téléconsultations assistées"
    await page.click("text=Programmer une téléconsultation")
    await page.wait_for_url(f"{served}/teleconsultations/nouvelle")
    await page.fill("#du", day)
    await page.fill("#au", day)
    await page.select_option("#medecin", gp_id)
    await page.click("#tc-search-submit")
    await page.wait_for_url(lambda url: f"medecin={gp_id}" in url)
    await page.wait_for_load_state()
    choice = page.locator(f"#slot-{slot['id']}")
    await choice.wait_for(timeout=5_000)  # the GP's assisted slot is offered
    assert (
        "Dr Thomas Lefebvre" in await page.locator(f"label[for='slot-{slot['id']}']").inner_text()
    )
    await shot(page, "tele-search")

    await page.locator(f"#slot-{spare['id']}").check()
    await fill(
        page,
        {"#family_name": "Navigatrice", "#given_name": "Odette", "#birth_date": "1938-03-14"},
    )
    await page.select_option("#sex", "female")
    await page.fill("#phone", "06 12 34 56 78")
    await page.fill("#reason", "Dyspnée d'effort et oedèmes depuis 3 jours")
    await page.check("#setting-home")
    await page.check("#consent-given")
    await page.fill("#consent-by", "Sa fille, présente")
    # Another nurse takes that slot meanwhile: the page says so in French, the form stays.
    _taken_by_another_nurse(served, spare["id"])
    await page.click("#tc-book-submit")
    error = page.locator("#tc-book .form-error")
    await error.wait_for(timeout=10_000)
    assert await error.inner_text() == "Ce créneau vient d'être pris : choisissez-en un autre."
    assert await page.input_value("#family_name") == "Navigatrice"
    assert await page.locator(f"#slot-{spare['id']}").is_disabled(), "marked as taken"
    assert "plus disponible" in await page.locator(f"label[for='slot-{spare['id']}']").inner_text()
    await shot(page, "tele-taken")
    await choice.check()
    await page.click("#tc-book-submit")
    await page.wait_for_url(
        lambda url: "/teleconsultations/" in url and "nouvelle" not in url, timeout=10_000
    )
    tc_url = page.url
    video = page.locator("#tc-video")
    assert (await video.text_content() or "").startswith("Rejoindre la vidéo")
    assert (await video.get_attribute("href") or "").startswith("https://meet.jit.si/cpts-tlc-")
    assert await video.get_attribute("target") == "_blank"
    assert await page.locator("#tc-status").inner_text() == "programmée"
    assert "NAVIGATRICE Odette" in await page.locator("#tc-patient").inner_text()
    assert "TLD" in await page.locator("#tc-state").inner_text()
    await shot(page, "tele-booked")

    # The GP opens the visit too; his page follows the nurse's handover live.
    gp_page = await signed_in(browser, served, "gp3@sud-yvelines.test", "/teleconsultations")
    assert "NAVIGATRICE Odette" in await gp_page.locator("#tc-upcoming").inner_text()
    await gp_page.goto(tc_url)
    await live(gp_page)
    assert "Aucune transmission" in await gp_page.locator("#tc-handover").inner_text()

    await fill(
        page,
        {
            "#vital-systolic_mmhg": "148",
            "#vital-heart_rate_bpm": "92",
            "#vital-spo2_percent": "93",
            "#vital-temperature_c": "38.2",
            "#treatments": "Furosémide 40 mg le matin",
            "#question": "Majoration du diurétique ?",
        },
    )
    await page.click("#tc-handover-submit")
    await page.wait_for_selector("[data-vital='temperature_c']", timeout=10_000)
    handover = await page.locator("#tc-handover").inner_text()
    assert "38,2 °C" in handover and "148 mmHg" in handover
    assert "Majoration du diurétique ?" in handover
    assert await page.locator("#vital-spo2_percent").input_value() == "93", "form kept its values"
    await shot(page, "tele-handover")

    await gp_page.wait_for_selector("#tc-handover [data-vital='spo2_percent']", timeout=10_000)
    assert "93 %" in await gp_page.locator("#tc-handover").inner_text()
    assert await gp_page.locator("#tc-complete").count() == 1, "the GP states the outcome"
    assert await gp_page.locator("#tc-handover-form").count() == 0
    await shot(gp_page, "tele-gp-live")
