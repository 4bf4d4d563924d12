"""The wound-care network in headless Chromium: a nurse refers a wound with its assessment and
a photo, the expert it was routed to finds it in their queue, takes it and answers with a care
plan, and the nurse's open page shows the answer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser import bearer, fill, live, shot, signed_in

NURSE = "nurse1@sud-yvelines.test"
EXPERTS = [f"expert{n}@sud-yvelines.test" for n in (1, 2, 3)]
CARE_PLAN = "Détersion mécanique, hydrofibre argent, compression 2 couches, réévaluation J15."


def _photo(tmp_path: Path) -> Path:
    """A small JPEG 'wound': a reddish ellipse on skin tone."""
    image = Image.new("RGB", (320, 240), (226, 188, 160))
    ImageDraw.Draw(image).ellipse((90, 70, 230, 170), fill=(170, 50, 45), outline=(230, 210, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    path = tmp_path / "plaie.jpg"
    path.write_bytes(out.getvalue())
    return path


def _routed_expert(base: str, referral_id: str) -> str:
    """The e-mail of the expert the referral went to (first of the expertise if queued)."""
    nurse = bearer(base, NURSE)
    referral = httpx.get(f"{base}/api/v1/referrals/{referral_id}", headers=nurse).json()
    assigned = referral["assigned_expert_id"]
    staff = bearer(base, "coordinator@sud-yvelines.test")
    roster = httpx.get(f"{base}/api/v1/network/experts", headers=staff).json()
    by_professional = {e["professional_id"]: e for e in roster}
    for email in EXPERTS:
        me = httpx.get(f"{base}/api/v1/me", headers=bearer(base, email)).json()
        expert = by_professional.get(me["professional_id"])
        if expert and (
            expert["id"] == assigned
            or (assigned is None and expert["expertise"] == referral["expertise"])
        ):
            return email
    raise AssertionError(f"no expert for {referral}")


async def _fill_referral(page: Any, photo: Path) -> None:
    await fill(
        page, {"#p-family": "Navigateur-Plaie", "#p-given": "Jeanne", "#p-birth": "1941-05-12"}
    )
    await page.select_option("#p-sex", "female")
    await page.check("#consent")
    await page.select_option("#expertise", "vascular")
    await page.fill(
        "#question", "Ulcère qui ne cicatrise pas malgré la compression : IPS à refaire ?"
    )
    await page.select_option("#a-type", "venous_ulcer")
    await fill(
        page,
        {
            "#a-site": "malléole interne gauche",
            "#a-age": "9",
            "#a-length": "4",
            "#a-width": "2.5",
            "#a-depth": "0.3",
            "#a-bed-yellow": "40",
            "#a-bed-red": "60",
        },
    )
    await page.select_option("#a-exudate", "moderate")
    await page.fill("#a-pain", "6")
    await page.check("input[name=_sign][value=erythema]")
    await page.fill("#a-dressing", "Hydrofibre + compression")
    await page.set_input_files("#a-photos", str(photo))


async def _image_loaded(page: Any) -> None:
    await page.wait_for_function(
        "() => { const i = document.querySelector('.thumbs img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=10_000,
    )


async def test_nurse_refers_a_wound_and_the_expert_answers(
    served: str, browser: Any, tmp_path: Path
) -> None:
    nurse = await signed_in(browser, served, NURSE, "/avis/nouveau")
    await nurse.set_viewport_size({"width": 1100, "height": 1400})
    assert await nurse.locator("h1").inner_text() == "Demander un avis au réseau plaies"
    await _fill_referral(nurse, _photo(tmp_path))
    assert await nurse.locator("[data-area]").inner_text() == "10 cm²"
    assert await nurse.locator("[data-bed-total]").inner_text() == "100 %"
    await shot(nurse, "wound-referral-form")

    await nurse.click("#referral-submit")
    await nurse.wait_for_url(re.compile(r".*/avis/[0-9a-f-]{36}$"), timeout=15_000)
    referral_id = nurse.url.rsplit("/", 1)[1]
    await _image_loaded(nurse)
    assert await nurse.locator(".thumbs img").count() == 1
    assert "NAVIGATEUR-PLAIE Jeanne" in await nurse.locator("#patient-identity").inner_text()
    assert await nurse.locator("#trajectory circle.point").count() == 1
    await live(nurse)
    await shot(nurse, "wound-referral-sent")

    expert_email = _routed_expert(served, referral_id)
    expert = await signed_in(browser, served, expert_email, "/avis")
    row = expert.locator(f'tr[data-referral="{referral_id}"]')
    await row.wait_for(timeout=5_000)
    assert "Ulcère veineux" in await row.inner_text()
    await shot(expert, "wound-expert-queue")

    await row.get_by_role("link", name="Ouvrir").click()
    await expert.wait_for_url(f"{served}/avis/{referral_id}")
    await _image_loaded(expert)
    async with expert.expect_navigation():  # each action reloads the page once done
        await expert.click("#accept")
    async with expert.expect_navigation():
        await expert.click("#start")
    assert await expert.locator("#referral-status").inner_text() == "En cours"
    await expert.fill(
        "#advice", "Ulcère veineux fibrineux ; IPS à contrôler avant de renforcer la compression."
    )
    await expert.fill("#care-plan-input", CARE_PLAN)
    await expert.check("input[name=follow_up][value=office_visit]")
    await shot(expert, "wound-expert-answer")
    async with expert.expect_navigation():
        await expert.click("#answer-submit")
    await expert.locator("#care-plan").wait_for(timeout=10_000)
    assert await expert.locator("#referral-status").inner_text() == "Répondue"

    # The nurse's page, left open, shows the answer by itself (live), else after a reload.
    try:
        await nurse.locator("#care-plan").wait_for(timeout=10_000)
    except PlaywrightTimeout:  # pragma: no cover - the live path is the one expected
        await nurse.reload()
        await nurse.locator("#care-plan").wait_for(timeout=5_000)
    assert await nurse.locator("#care-plan").inner_text() == CARE_PLAN
    assert "Consultation au cabinet" in await nurse.locator("#referral-answer").inner_text()
    assert await nurse.locator("#referral-status").inner_text() == "Répondue"
    await nurse.locator("#cancel").wait_for(state="detached", timeout=5_000)
    await shot(nurse, "wound-nurse-answer")

    # The follow-up goes on: a new measurement with its photo draws the trajectory's second point.
    await nurse.click("#new-assessment summary")
    await nurse.fill("#n-length", "3")
    await nurse.fill("#n-width", "2")
    await nurse.fill("#n-pain", "3")
    await nurse.check("#assessment-form input[name=_sign][value=delayed_healing]")
    await nurse.set_input_files("#n-photos", str(_photo(tmp_path)))
    async with nurse.expect_navigation(timeout=15_000):
        await nurse.click("#assessment-submit")
    await nurse.locator("#trajectory circle.point").nth(1).wait_for(timeout=5_000)
    assert await nurse.locator("#trajectory circle.point").count() == 2
    assert await nurse.locator(".thumbs img").count() == 2
    assert "Retard de cicatrisation" in await nurse.locator("#assessments").inner_text()
    await shot(nurse, "wound-nurse-follow-up")
