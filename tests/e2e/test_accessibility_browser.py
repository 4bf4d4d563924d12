"""axe-core on every page, at a laptop's 1366 px and a phone's 390 px: no serious or critical
violation (contrast, names of controls, landmarks, ARIA, duplicate ids, scrolling regions…).

The pages are the layout test's, the pages of one record (a request, a SAS booking link, a
teleconsultation, a wound referral, as each of their parties sees them), the agenda with a
slot's dialog open, and the operator's platform. axe-core is a test asset
(tests/e2e/vendor/axe-core, see its VERSION.md), injected into each page."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import bearer, created, publish_slot, sas_booking
from tests.e2e.conftest import CLI, _env, serve
from tests.e2e.test_layout_browser import PAGES
from tests.e2e.test_wounds_browser import _routed_expert

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PARIS = ZoneInfo("Europe/Paris")
WIDTHS = {1366: 900, 390: 844}
PATIENT = {
    "family_name": "Accessible",
    "given_name": "Jeanne",
    "birth_date": "1948-03-04",
    "sex": "female",
}

# Nodes left out of the check, each with why: only a node that cannot be fixed from outside a
# library goes here, never a whole rule.
EXCLUDED: list[str] = []

RUN = """async (exclude) => {
  const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
  const found = await axe.run(context, { resultTypes: ["violations"] });
  return found.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      count: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
}"""


async def _context(browser: Any, width: int) -> Any:
    """A fresh context; its pages' content security policy refuses inline scripts, axe's
    injected script among them: the test bypasses it (the application's own scripts are
    files of its origin all the same)."""
    return await browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]}, bypass_csp=True
    )


async def _sign_in(page: Any, base: str, email: str) -> None:
    await page.goto(f"{base}/connexion")
    await page.fill("#email", email)
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: "/connexion" not in url)


async def _violations(page: Any, where: str) -> list[str]:
    """The serious and critical violations axe finds on the page as it stands."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(RUN, EXCLUDED)
    return [f"{where}: {v['id']} ({v['impact']}, {v['count']} nodes) {v['targets']}" for v in found]


async def _open(page: Any, base: str, path: str) -> None:
    await page.goto(f"{base}{path}")
    await page.wait_for_load_state("networkidle")
    if path.startswith("/creneaux"):
        await page.locator("#agenda .fc-view-harness").wait_for(timeout=10_000)


async def _check(browser: Any, base: str, pages: dict[str, list[str]], width: int) -> list[str]:
    """Each account (« » for nobody signed in) opens its pages; what axe finds on them."""
    found: list[str] = []
    for email, paths in pages.items():
        context = await _context(browser, width)
        page = await context.new_page()
        if email:
            await _sign_in(page, base, email)
        for path in paths:
            await _open(page, base, path)
            found += await _violations(page, f"{email or 'anonymous'} {path}")
        await context.close()
    return found


@pytest.mark.parametrize("width", [1366, 390])
async def test_every_page_passes_axe(served: str, browser: Any, width: int) -> None:
    found = await _check(browser, served, PAGES, width)
    assert found == [], "\n".join(found)


def _records(base: str) -> dict[str, list[str]]:
    """A request, a free slot's SAS link, an assisted teleconsultation and a wound referral,
    made through the API; the pages where each party sees them."""
    regulator = bearer(base, "regulator@sud-yvelines.test")
    nurse = bearer(base, "nurse1@sud-yvelines.test")
    request = created(
        base,
        regulator,
        "/requests",
        {"origin": "sas_regulator", "reason": "Otalgie, fièvre à 38,5", "patient": PATIENT},
    )
    gp = bearer(base, "gp3@sud-yvelines.test")
    start = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=5, minute=0, second=0, microsecond=0
    )
    free = publish_slot(base, gp, start - timedelta(hours=1), modality="video")
    video = publish_slot(
        base, gp, start, minutes=20, modality="video", visibility=("pro", "cpts"), assisted=True
    )
    now = datetime.now(UTC).isoformat()
    visit = created(
        base,
        nurse,
        "/teleconsultations",
        {
            "slot_id": video["id"],
            "setting": "home",
            "consent": {"given": True, "collected_at": now},
            "reason": "Plaie du talon à revoir",
            "patient": PATIENT,
        },
    )
    referral = created(
        base,
        nurse,
        "/referrals",
        {
            "patient": PATIENT,
            "consent": {"given": True, "collected_at": now},
            "priority": "routine",
            "expertise": "vascular",
            "question": "Ulcère qui ne cicatrise pas malgré la compression : IPS à refaire ?",
            "assessment": {
                "wound_type": "venous_ulcer",
                "body_site": "malléole interne gauche",
                "length_cm": 4.0,
                "width_cm": 2.5,
                "depth_cm": 0.3,
                "age_weeks": 9,
                "bed_colours": {"black": 0, "yellow": 40, "red": 60, "pink": 0},
                "exudate": "moderate",
                "infection_signs": ["erythema"],
                "pain": 6,
                "dressing": "Hydrofibre + compression",
            },
        },
    )
    expert = _routed_expert(base, referral["id"])
    return {
        "regulator@sud-yvelines.test": [f"/demandes/{request['id']}", f"/slots/{free['id']}"],
        "nurse1@sud-yvelines.test": [
            f"/teleconsultations/{visit['id']}",
            f"/avis/{referral['id']}",
        ],
        "gp3@sud-yvelines.test": [f"/teleconsultations/{visit['id']}"],
        expert: [f"/avis/{referral['id']}"],
        "coordinator@sud-yvelines.test": [f"/avis/{referral['id']}"],
    }


@pytest.fixture
def served_for_many(demo_database: Path, tmp_path: Path) -> Iterator[str]:
    """The served app, letting one address log in more than ten times a minute: the records'
    parties sign in through the API and then the browser."""
    with serve(demo_database, tmp_path, CPTS_RATE_LOGIN="100/60") as base:
        yield base


@pytest.mark.parametrize("width", [1366, 390])
async def test_the_pages_of_one_record_pass_axe(
    served_for_many: str, browser: Any, width: int
) -> None:
    base = served_for_many
    found = await _check(browser, base, _records(base), width)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("width", [1366, 390])
async def test_the_agenda_with_a_slot_open_passes_axe(
    served: str, browser: Any, width: int
) -> None:
    """gp1's agenda a fortnight ahead (the demo's free 12:00 slots of a Monday), with a slot
    booked at 09:00: the agenda, then each slot's dialog open."""
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=14 - today.weekday())
    gp = bearer(served, "gp1@sud-yvelines.test")
    booked = publish_slot(served, gp, datetime.combine(monday, time(9, 0), PARIS), modality="video")
    sas_booking(served, booked["id"], PATIENT)
    context = await _context(browser, width)
    page = await context.new_page()
    await _sign_in(page, served, "gp1@sud-yvelines.test")
    await _open(page, served, f"/creneaux?semaine={monday.isoformat()}")
    free = page.locator(f"#agenda .fc-event:not([data-slot-id='{booked['id']}'])").first
    await free.wait_for(timeout=10_000)
    found = await _violations(page, "gp1 /creneaux (agenda)")
    dialog = page.locator("#agenda-dialog")
    for name, event in (
        ("booked", page.locator(f"#agenda .fc-event[data-slot-id='{booked['id']}']")),
        ("free", free),
    ):
        await event.click()
        await dialog.wait_for(state="visible", timeout=5_000)
        found += await _violations(page, f"gp1 /creneaux (a {name} slot's dialog open)")
        await page.keyboard.press("Escape")
        await dialog.wait_for(state="hidden")
    assert found == [], "\n".join(found)


async def test_the_operator_pages_pass_axe(served: str, browser: Any, tmp_path: Path) -> None:
    """The operator, added by the CLI as in the password journey, chooses a password from the
    printed link (that page with its token is checked too) and lands on the platform."""
    added = await asyncio.to_thread(
        subprocess.run,
        [*CLI, "operator", "add", "--email", "ops@hebergeur.test", "--name", "Ops"],
        env=_env(tmp_path / "served.sqlite3", CPTS_PORT=served.rsplit(":", 1)[1]),
        check=True,
        capture_output=True,
        text=True,
    )
    context = await _context(browser, 1366)
    page = await context.new_page()
    await page.goto(added.stdout.strip())
    await page.wait_for_load_state("networkidle")
    found = await _violations(page, "operator's password page")
    await page.fill("#password", "la plateforme des CPTS")
    await page.fill("#confirmation", "la plateforme des CPTS")
    await page.click("#password-submit")
    await page.wait_for_selector("#password-done", state="visible")
    found += await _violations(page, "operator's password page, done")
    await page.click("#to-login")
    await page.wait_for_url(re.compile(r"/connexion"))
    await page.fill("#password", "la plateforme des CPTS")
    await page.click("#login-submit")
    await page.wait_for_url(re.compile(r"/plateforme"))
    await page.wait_for_load_state("networkidle")
    found += await _violations(page, "operator /plateforme")
    await page.set_viewport_size({"width": 390, "height": WIDTHS[390]})
    found += await _violations(page, "operator /plateforme at 390 px")
    assert found == [], "\n".join(found)
