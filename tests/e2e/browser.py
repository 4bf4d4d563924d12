"""Headless Chromium (Debian's, driven by Playwright) for the journeys of the web pages."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import service_missing

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium (apt-get install chromium)", FileNotFoundError(CHROMIUM))
    return CHROMIUM


async def launch() -> AsyncIterator[Any]:
    """A browser for one test; contexts made from it do not share cookies."""
    from playwright.async_api import async_playwright

    OUTPUT.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


async def signed_in(
    browser: Any, base: str, email: str, path: str, width: int = 1280, height: int = 1000
) -> Any:
    """A fresh context's page, logged in through the login form and landed on `path`."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    page = await context.new_page()
    await page.goto(f"{base}{path}")
    assert page.url.startswith(f"{base}/connexion"), "unauthenticated: sent to log in"
    await page.fill("#email", email)
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(f"{base}{path}")
    return page


async def shot(page: Any, name: str) -> None:
    """A full-page screenshot kept with the run's output. Under a loaded machine Chromium once
    took more than Playwright's 30 s default: the picture is worth the wait, not a failure.
    A page behind another tab of its browser gets no new frames, and its screenshot waits for
    one until the timeout (seen twice with the nurse's and the GP's pages side by side): the
    page is brought to the front first."""
    await page.bring_to_front()
    await page.screenshot(
        path=str(OUTPUT / f"{name}.png"), full_page=True, animations="disabled", timeout=120_000
    )


def bearer(base: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "demo"})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def live(page: Any) -> None:
    """Wait until the page's websocket is live (live.js sets `data-live="ready"`)."""
    await page.wait_for_selector("body[data-live='ready']", state="attached", timeout=10_000)


async def fill(page: Any, values: dict[str, str]) -> None:
    """Type each value into the input its selector names, in order."""
    for selector, value in values.items():
        await page.fill(selector, value)


def created(base: str, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` to the API's `path` (« /slots »); the 201 answer's JSON."""
    response = httpx.post(f"{base}/api/v1{path}", headers=headers, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def publish_slot(
    base: str,
    gp: dict[str, str],
    start: datetime,
    *,
    minutes: int = 15,
    modality: str = "office",
    visibility: tuple[str, ...] = ("snp",),
    **extra: Any,
) -> dict[str, Any]:
    """A slot the GP of the bearer `gp` publishes at `start`."""
    body = {
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
        "modality": modality,
        "visibility": list(visibility),
    }
    return created(base, gp, "/slots", body | extra)


def sas_booking(
    base: str,
    slot_id: str,
    patient: dict[str, str],
    reason: str = "Toux",
    booking: dict[str, Any] | None = None,
) -> None:
    """The SAS regulator records a request for `patient` and books the slot for it."""
    regulator = bearer(base, "regulator@sud-yvelines.test")
    request = created(
        base,
        regulator,
        "/requests",
        {"origin": "sas_regulator", "reason": reason, "patient": patient},
    )
    created(
        base,
        regulator,
        "/bookings",
        {"slot_id": slot_id, "request_id": request["id"], "channel": "sas_regulator"}
        | (booking or {}),
    )


# Pages run under a content security policy without 'unsafe-eval': Playwright's
# wait_for_function must be given a function ("() => …"), which it compiles through the
# debugger; a bare expression is evaluated with eval() on each poll and refused.
