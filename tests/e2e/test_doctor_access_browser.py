"""The médecin-traitant journey in headless Chromium: a patient signs up on the public form
(no account) and gets a receipt; the coordinator proposes the suggested GP; the GP accepts
and records the declaration (1366 px, the public form at 390 px too)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.browser import bearer, shot, signed_in


def _capacity(base: str, email: str) -> None:
    gp = bearer(base, email)
    me = httpx.get(f"{base}/api/v1/me", headers=gp).json()
    response = httpx.put(
        f"{base}/api/v1/professionals/{me['professional']['id']}/capacity",
        headers=gp,
        json={"new_patients": 8, "home_visits": True},
    )
    assert response.status_code == 200, response.text


def _open_receipts(base: str) -> set[str]:
    staff = bearer(base, "coordinator@sud-yvelines.test")
    listed = httpx.get(f"{base}/api/v1/waiting-list", headers=staff).json()["items"]
    return {i["receipt"] for i in listed}


async def _figure(page: Any, base: str, key: str) -> int:
    await page.goto(f"{base}/tableau-de-bord")
    text = await page.locator(f'.figure[data-key="{key}"] .value').inner_text()
    return int(text.replace("\u202f", "").replace("\xa0", "").replace(" ", ""))


async def test_a_patient_signs_up_and_a_gp_takes_them(served: str, browser: Any) -> None:
    _capacity(served, "gp4@sud-yvelines.test")
    for width in (390, 1366):
        context = await browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": 900}
        )
        public = await context.new_page()
        await public.goto(f"{served}/trouver-un-medecin?cpts=sud-yvelines")
        assert await public.evaluate("() => document.documentElement.scrollWidth") <= width
        await shot(public, f"mt-public-form-{width}")
        if width == 390:
            await context.close()
    await public.fill("#mt-family", "Hoarau")
    await public.fill("#mt-given", "Clément")
    await public.fill("#mt-birth", "1949-06-30")
    await public.select_option("#mt-sex", "male")
    await public.select_option("#mt-commune", "78517")
    await public.fill("#mt-phone", "06 98 76 54 32")
    await public.check('input[name="fragilities"][value="ald"]')
    await public.check('input[name="fragilities"][value="over_70"]')
    await public.click("#mt-submit")
    await public.locator("#mt-done").wait_for(state="visible", timeout=10_000)
    receipt = await public.locator("#mt-receipt").inner_text()
    assert receipt.startswith("MT-")
    await shot(public, "mt-public-receipt")

    coordinator = await signed_in(
        browser,
        served,
        "coordinator@sud-yvelines.test",
        "/coordination/medecin-traitant",
        1366,
        900,
    )
    declared_before = await _figure(coordinator, served, "mt.patients_declared")
    await coordinator.goto(f"{served}/coordination/medecin-traitant")
    row = coordinator.locator("#mt-entries tr", has_text=receipt)
    await row.wait_for(timeout=10_000)
    assert "ALD" in await row.inner_text()
    await shot(coordinator, "mt-waiting-list")
    await row.locator("button", has_text="Proposer").click()
    await coordinator.locator("#notice", has_text="Médecins sollicités").wait_for(timeout=10_000)

    gp = await signed_in(browser, served, "gp4@sud-yvelines.test", "/medecin-traitant", 1366, 900)
    proposal = gp.locator(".mt-proposals li", has_text="HOARAU")
    await proposal.wait_for(timeout=10_000)
    await shot(gp, "mt-gp-proposals")
    await proposal.locator("button", has_text="J'accepte").click()
    gp.on("dialog", lambda dialog: dialog.accept())
    declare = gp.locator("li", has_text="HOARAU").locator("button", has_text="Déclaration faite")
    await declare.wait_for(timeout=10_000)
    await declare.click()
    await gp.locator("#notice", has_text="Déclaration enregistrée").wait_for(timeout=10_000)
    assert receipt not in _open_receipts(served), "declared: off the open list"
    # The dashboard's indicator of mission 1a moves.
    assert await _figure(coordinator, served, "mt.patients_declared") == declared_before + 1
    await shot(coordinator, "mt-dashboard-after")


async def test_the_coordinator_records_a_call_filters_and_closes(served: str, browser: Any) -> None:
    page = await signed_in(
        browser,
        served,
        "coordinator@sud-yvelines.test",
        "/coordination/medecin-traitant/inscrire",
        1366,
        900,
    )
    await page.select_option("#mt-source", "cpam")
    await page.fill("#mt-family", "Fontaine")
    await page.fill("#mt-given", "Rose")
    await page.fill("#mt-birth", "1938-01-12")
    await page.select_option("#mt-sex", "female")
    await page.select_option("#mt-commune", "78517")
    await page.fill("#mt-phone", "01 30 00 00 00")
    await page.check('input[name="fragilities"][value="c2s"]')
    await page.click("#mt-record-submit")
    await page.wait_for_url("**/coordination/medecin-traitant", timeout=10_000)
    row = page.locator("#mt-entries tr", has_text="FONTAINE")
    await row.wait_for(timeout=10_000)
    assert "CPAM" in await row.inner_text()
    await page.select_option("#f-source", "cpam")
    await page.click("#f-apply")
    await page.wait_for_url("**origine=cpam**", timeout=10_000)
    assert await page.locator("#mt-entries tbody tr").count() >= 1
    for text in await page.locator("#mt-entries tbody tr").all_inner_texts():
        assert "CPAM" in text
    await shot(page, "mt-list-filtered")
    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator("#mt-entries tr", has_text="FONTAINE")
    await row.locator("select").select_option("moved_away")
    await row.locator("button", has_text="Clore").click()
    await page.locator("#notice", has_text="Demande close").wait_for(timeout=10_000)
    await page.locator("#mt-entries tr", has_text="FONTAINE").wait_for(
        state="detached", timeout=10_000
    )
