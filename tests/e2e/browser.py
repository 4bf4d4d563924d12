"""Headless Chromium (Debian's, driven by Playwright) for the journeys of the web pages."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
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


async def signed_in(browser: Any, base: str, email: str, path: str) -> Any:
    """A fresh context's page, logged in through the login form and landed on `path`."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{base}{path}")
    assert page.url.startswith(f"{base}/connexion"), "unauthenticated: sent to log in"
    await page.fill("#email", email)
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(f"{base}{path}")
    return page


async def shot(page: Any, name: str) -> None:
    await page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def bearer(base: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": "demo"})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


# Pages run under a content security policy without 'unsafe-eval': Playwright's
# wait_for_function must be given a function ("() => …"), which it compiles through the
# debugger; a bare expression is evaluated with eval() on each poll and refused.
