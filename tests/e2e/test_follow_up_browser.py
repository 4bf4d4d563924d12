"""The expert's answer asks for an assisted teleconsultation: the nurse books it from the
referral's page, on the teleconsultation form whose patient is the referral's (headless
Chromium, 1366 and 390 px)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.browser import bearer, created, publish_slot, shot
from tests.e2e.test_wounds_browser import NURSE, _routed_expert
from tests.server.scheduling_helpers import PATIENT


def _answered_referral(base: str) -> tuple[str, str]:
    """A referral whose expert asks for an assisted teleconsultation, and a free assisted slot."""
    nurse = bearer(base, NURSE)
    now = datetime.now(UTC).isoformat()
    referral = created(
        base,
        nurse,
        "/referrals",
        {
            "patient": PATIENT,
            "consent": {"given": True, "collected_at": now},
            "priority": "routine",
            "expertise": "vascular",
            "question": "Ulcère de jambe qui stagne : faut-il revoir la compression ?",
            "assessment": {
                "wound_type": "venous_ulcer",
                "body_site": "malléole interne droite",
                "length_cm": 3.0,
                "width_cm": 2.0,
                "depth_cm": 0.2,
                "age_weeks": 6,
                "bed_colours": {"black": 0, "yellow": 30, "red": 70, "pink": 0},
                "exudate": "moderate",
                "infection_signs": [],
                "pain": 4,
            },
        },
    )
    expert = bearer(base, _routed_expert(base, referral["id"]))
    for step, body in (
        ("accept", {}),
        (
            "answer",
            {"advice": "Revoir la compression en visio.", "follow_up": "assisted_teleconsultation"},
        ),
    ):
        response = httpx.post(
            f"{base}/api/v1/referrals/{referral['id']}/{step}", headers=expert, json=body
        )
        assert response.status_code == 200, response.text
    gp = bearer(base, "gp3@sud-yvelines.test")
    start = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=5, minute=0, second=0, microsecond=0
    )
    slot = publish_slot(
        base, gp, start, minutes=20, modality="video", visibility=("pro", "cpts"), assisted=True
    )
    return str(referral["id"]), str(slot["id"])


@pytest.mark.parametrize("width", [1366, 390])
async def test_the_nurse_books_the_follow_up_from_the_referral(
    served: str, browser: Any, width: int
) -> None:
    referral_id, slot_id = _answered_referral(served)
    context = await browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = await context.new_page()
    await page.goto(f"{served}/connexion?suivant=/avis/{referral_id}")
    await page.fill("#email", NURSE)
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: url == f"{served}/avis/{referral_id}")
    await shot(page, f"follow-up-referral-{width}")
    await page.click("#book-follow-up")
    await page.wait_for_url(f"**/teleconsultations/nouvelle?avis={referral_id}")
    assert "DURAND" in await page.locator("#tc-follow-up").inner_text()
    assert await page.locator("#family_name").count() == 0, "the referral's patient, not retyped"
    await page.check(f"#slot-{slot_id}")
    await page.check("#consent-given")
    await shot(page, f"follow-up-form-{width}")
    await page.click("#tc-book-submit")
    await page.wait_for_url(re.compile(r".*/teleconsultations/[0-9a-f-]{36}$"), timeout=15_000)
    assert "DURAND" in await page.locator("main").inner_text()
    await page.goto(f"{served}/avis/{referral_id}")
    assert await page.locator("#book-follow-up").count() == 0, "booked: no second one"
    await context.close()
