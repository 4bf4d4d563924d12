"""The coordinator's dashboard in headless Chromium (Debian's, driven by Playwright): it logs
in, reads the figures, and sees one change by itself after a booking made through the API."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import service_missing

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium (apt-get install chromium)", FileNotFoundError(CHROMIUM))
    return CHROMIUM


def _token(base: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "demo"})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _book_a_request(base: str) -> None:
    gp = _token(base, "gp5@sud-yvelines.test")
    start = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=4, minute=0, second=0, microsecond=0
    )
    slot = httpx.post(
        f"{base}/api/v1/slots",
        headers=gp,
        json={
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=15)).isoformat(),
            "modality": "video",
            "visibility": ["snp"],
        },
    )
    assert slot.status_code == 201, slot.text
    regulator = _token(base, "regulator@sud-yvelines.test")
    patient = {
        "family_name": "Navigateur",
        "given_name": "Test",
        "birth_date": "1960-01-01",
        "sex": "male",
    }
    request = httpx.post(
        f"{base}/api/v1/requests",
        headers=regulator,
        json={"origin": "sas_regulator", "reason": "Toux", "patient": patient},
    )
    assert request.status_code == 201, request.text
    booked = httpx.post(
        f"{base}/api/v1/bookings",
        headers=regulator,
        json={
            "slot_id": slot.json()["id"],
            "request_id": request.json()["id"],
            "channel": "sas_regulator",
            "patient": patient,
        },
    )
    assert booked.status_code == 201, booked.text


async def test_dashboard_shows_figures_and_follows_a_booking_live(served: str) -> None:
    from playwright.async_api import async_playwright

    OUTPUT.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = await browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 1600})
            await page.goto(f"{served}/tableau-de-bord")
            assert page.url.startswith(f"{served}/connexion"), "unauthenticated: sent to log in"
            await page.fill("#email", "coordinator@sud-yvelines.test")
            await page.fill("#password", "demo")
            await page.click("#login-submit")
            await page.wait_for_url(f"{served}/tableau-de-bord")
            await page.wait_for_function("document.body.dataset.live === 'ready'", timeout=10_000)
            await page.wait_for_function(
                "document.body.dataset.refreshed !== undefined", timeout=10_000
            )
            figure = page.locator('.figure[data-key="snp.requests_received"] .value')
            before = int((await figure.inner_text()).replace("\u202f", "").replace(" ", ""))
            assert await page.locator("h1").inner_text() == "Tableau de bord de la coordination"
            assert await page.locator("#contract tbody tr").count() >= 5, (
                "the demo contract's lines"
            )
            assert await page.locator("#chart-requests rect").count() > 0
            await page.screenshot(path=str(OUTPUT / "dashboard-before.png"), full_page=True)

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
            await page.screenshot(path=str(OUTPUT / "dashboard-after.png"), full_page=True)
        finally:
            await browser.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
