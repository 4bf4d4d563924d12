"""« Patients » in headless Chromium at 1366, 768 and 390 px: the regulator finds a patient
by name and birth date, opens the file (requests, bookings), and starts a new SNP request
whose identity comes from it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.browser import bearer, publish_slot, shot, signed_in

PARIS = ZoneInfo("Europe/Paris")
PATIENT = {
    "family_name": "Técher",
    "given_name": "Josiane",
    "birth_date": "1947-11-02",
    "sex": "female",
}


def _history(base: str) -> None:
    """Two requests for the patient, the second booked with gp2."""
    regulator = bearer(base, "regulator@sud-yvelines.test")
    gp = bearer(base, "gp2@sud-yvelines.test")
    slot = publish_slot(
        base, gp, datetime.combine(datetime.now(PARIS).date() + timedelta(days=3), time(9), PARIS)
    )
    for reason in ("Lombalgie", "Fièvre et toux"):
        request = httpx.post(
            f"{base}/api/v1/requests",
            headers=regulator,
            json={"origin": "sas_regulator", "reason": reason, "patient": PATIENT},
        ).json()
    booked = httpx.post(
        f"{base}/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "request_id": request["id"], "channel": "sas_regulator"},
    )
    assert booked.status_code == 201, booked.text


@pytest.mark.parametrize("width", [1366, 768, 390])
async def test_the_regulator_finds_the_patient_and_starts_from_the_file(
    served: str, browser: Any, width: int
) -> None:
    _history(served)
    page = await signed_in(browser, served, "regulator@sud-yvelines.test", "/patients", width, 900)
    await page.fill("#nom", "tech")  # no accent, a prefix
    await page.fill("#naissance", PATIENT["birth_date"])
    await page.click("#patient-search-submit")
    result = page.locator("#results a", has_text="TÉCHER")
    await result.wait_for(timeout=10_000)
    assert "3 éléments de dossier" in await page.locator("#results").inner_text()
    await shot(page, f"patients-search-{width}")
    await result.click()
    await page.wait_for_url("**/patients/*")
    assert await page.locator("h1").inner_text() == "Josiane TÉCHER"
    assert await page.locator("#patient-requests tbody tr").count() == 2
    assert await page.locator("#patient-bookings tbody tr").count() == 1
    assert "Karim Benali" in await page.locator("#patient-bookings").inner_text()
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= width
    await shot(page, f"patient-file-{width}")
    await page.click("#new-request")
    await page.wait_for_url("**/demandes?patient=*")
    assert await page.locator("#new-family").input_value() == "Técher"
    assert await page.locator("#new-birth").input_value() == PATIENT["birth_date"]
    assert await page.locator("#new-sex").input_value() == "female"
    assert await page.locator(".patient-from-file").count() == 1
