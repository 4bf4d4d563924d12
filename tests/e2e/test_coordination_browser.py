"""The coordinator's pages in headless Chromium: the request board follows a new request
live, a professional is added to the directory, a contract target is changed; and a GP
creates a calendar feed on « Mon compte » and gets its URL to copy."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.browser import bearer, created, live, shot, signed_in


def _new_request(base: str, family_name: str, origin: str = "sas_regulator") -> str:
    patient = {
        "family_name": family_name,
        "given_name": "Paulette",
        "birth_date": "1950-06-01",
        "sex": "female",
    }
    body = {
        "origin": origin,
        "reason": "Douleur thoracique atypique, à voir sous 24 h",
        "urgency": "within_24h",
        "patient": patient,
    }
    return str(created(base, bearer(base, "regulator@sud-yvelines.test"), "/requests", body)["id"])


def _calendar(base: str, url: str) -> str:
    """The feed, fetched from the test server (its public URL names the configured host)."""
    response = httpx.get(base + "/" + url.split("://", 1)[1].split("/", 1)[1], timeout=10)
    assert response.status_code == 200, response.text
    return response.text


async def test_coordinator_pages_journey(served: str, browser: Any) -> None:
    tag = uuid.uuid4().hex[:5]
    first = _new_request(served, f"Avant{tag}")
    page = await signed_in(
        browser, served, "coordinator@sud-yvelines.test", "/coordination/demandes"
    )
    assert await page.locator("h1").inner_text() == "Demandes de soins non programmés"
    assert await page.locator(f'#open-table tr[data-request="{first}"]').count() == 1
    assert f"AVANT{tag.upper()}" in await page.locator(f'tr[data-request="{first}"]').inner_text()
    await live(page)
    await page.evaluate("window.__notReloaded = true")

    second = _new_request(served, f"Apres{tag}", origin="pharmacist")
    row = page.locator(f'#open-table tr[data-request="{second}"]')
    await row.wait_for(timeout=10_000)
    assert await page.evaluate("window.__notReloaded === true"), "no reload: a live swap"
    text = await row.inner_text()
    assert f"APRES{tag.upper()}" in text and "Pharmacien" in text and "depuis" in text
    # Oldest first: the new one comes after the first.
    ids = await page.locator("#open-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.request)"
    )
    assert ids.index(first) < ids.index(second)
    await shot(page, "coordination-requests")

    # The directory: add a professional with a practice location.
    await page.goto(f"{served}/coordination/annuaire")
    await page.fill("#add-family", f"Nouveau{tag}")
    await page.fill("#add-given", "Bérénice")
    await page.select_option("#add-profession", "nurse")
    await page.fill("#add-rpps", "10000000000")
    await page.fill("#add-loc-label", "Cabinet infirmier")
    await page.fill("#add-loc-address", "3 place de la Libération")
    await page.select_option("#add-loc-commune", "78517")
    async with page.expect_navigation(timeout=10_000):
        await page.click("#add-professional-submit")
    added = page.locator("#professionals tr", has_text=f"Bérénice Nouveau{tag}")
    await added.wait_for(timeout=5_000)
    assert "Rambouillet" in await added.inner_text()
    await page.fill("#q", f"nouveau{tag}")
    async with page.expect_navigation():
        await page.click("#search button[type=submit]")
    assert await page.locator("#professionals tbody tr").count() == 1
    await shot(page, "coordination-directory")

    # The contract: change the first target and save it.
    await page.goto(f"{served}/coordination/contrat")
    version = await page.locator("#contract-version").inner_text()
    target = page.locator("#m0-i0-target")
    assert await target.input_value() == "80"
    await target.fill("85")
    async with page.expect_navigation(timeout=10_000):
        await page.click("#contract-submit")
    assert await page.locator("#m0-i0-target").input_value() == "85"
    assert await page.locator("#contract-version").inner_text() != version
    assert "Version 2" in await page.locator("#contract-version").inner_text()
    await shot(page, "coordination-contract")


async def test_gp_creates_a_calendar_feed(served: str, browser: Any) -> None:
    page = await signed_in(browser, served, "gp1@sud-yvelines.test", "/compte")
    assert await page.locator("h1").inner_text() == "Mon compte"
    assert await page.locator("#feeds-none").count() == 1
    await page.fill("#feed-name", "Agenda du cabinet")
    await page.check("#feed-initials")
    await page.click("#feed-submit")
    box = page.locator("#feed-secret")
    await box.wait_for(state="visible", timeout=10_000)
    https = await page.locator("#feed-https").input_value()
    webcal = await page.locator("#feed-webcal").input_value()
    assert https.startswith("http") and "/ical/" in https and https.endswith(".ics")
    assert webcal.startswith("webcal://") and webcal.endswith(https.split("://", 1)[1])
    # The list shows the new feed without its URL, refreshed in place.
    await page.locator("#feeds-table tr", has_text="Agenda du cabinet").wait_for(timeout=5_000)
    await page.click('button[data-copy="#feed-https"]')
    await page.wait_for_function(
        "() => document.querySelector('button[data-copy=\"#feed-https\"]').textContent.includes('Copié')"
    )
    await shot(page, "account-feeds")
    assert "BEGIN:VCALENDAR" in _calendar(served, https)
