"""The coordinator's dashboard in headless Chromium (Debian's, driven by Playwright): it logs
in, reads the figures, and sees one change by itself after a booking made through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.browser import bearer, live, publish_slot, sas_booking, shot, signed_in


def _book_a_request(base: str) -> None:
    start = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=4, minute=0, second=0, microsecond=0
    )
    slot = publish_slot(base, bearer(base, "gp5@sud-yvelines.test"), start, modality="video")
    patient = {
        "family_name": "Navigateur",
        "given_name": "Test",
        "birth_date": "1960-01-01",
        "sex": "male",
    }
    sas_booking(base, slot["id"], patient, booking={"patient": patient})


async def test_dashboard_shows_figures_and_follows_a_booking_live(
    served: str, browser: Any
) -> None:
    page = await signed_in(browser, served, "coordinator@sud-yvelines.test", "/tableau-de-bord")
    await page.set_viewport_size({"width": 1280, "height": 1600})
    await live(page)
    await page.wait_for_function(
        "() => document.body.dataset.refreshed !== undefined", timeout=10_000
    )
    figure = page.locator('.figure[data-key="snp.requests_received"] .value')
    before = int((await figure.inner_text()).replace("\u202f", "").replace(" ", ""))
    assert await page.locator("h1").inner_text() == "Tableau de bord de la coordination"
    assert await page.locator("#contract tbody tr").count() >= 5, "the demo contract's lines"
    assert await page.locator("#chart-requests rect").count() > 0
    await shot(page, "dashboard-before")

    _book_a_request(served)
    await page.wait_for_function(
        "([sel, before]) => Number(document.querySelector(sel).textContent.replace(/\\s/g, '')) > before",
        arg=['.figure[data-key="snp.requests_received"] .value', before],
        timeout=10_000,
    )
    after = int((await figure.inner_text()).replace("\u202f", "").replace(" ", ""))
    assert after == before + 1
    # The request, then its booking: the second refresh comes after the throttle's gap.
    await page.wait_for_function(
        "sel => Number(document.querySelector(sel).textContent.replace(/\\s/g, '')) >= 1",
        arg='.figure[data-key="snp.requests_met"] .value',
        timeout=10_000,
    )
    body = await page.content()
    assert "Navigateur" not in body, "no patient identity on the dashboard"
    await shot(page, "dashboard-after")
