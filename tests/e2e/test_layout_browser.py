"""Every page at a phone's 390 px and a tablet's 768 px: nothing makes the page scroll
sideways (a wide table scrolls within itself)."""

from __future__ import annotations

from typing import Any

import pytest

PAGES = {
    "gp1@sud-yvelines.test": ["/creneaux", "/compte", "/medecin-traitant"],
    "regulator@sud-yvelines.test": [
        "/demandes",
        "/patients",
        "/patients?nom=du&naissance=1950-01-01",
    ],
    "nurse1@sud-yvelines.test": [
        "/teleconsultations",
        "/teleconsultations/nouvelle",
        "/avis",
        "/avis/nouveau",
    ],
    "coordinator@sud-yvelines.test": [
        "/tableau-de-bord",
        "/coordination",
        "/coordination/annuaire",
        "/coordination/contrat",
        "/coordination/demandes",
        "/coordination/avis",
        "/coordination/medecin-traitant",
        "/coordination/medecin-traitant/inscrire",
    ],
    "": [
        "/connexion",
        "/mot-de-passe-oublie",
        "/invitation",
        "/nulle-part",
        "/trouver-un-medecin?cpts=sud-yvelines",
        "/conditions-d-utilisation",
    ],
}


@pytest.mark.parametrize("width", [390, 768])
async def test_no_page_scrolls_sideways(served: str, browser: Any, width: int) -> None:
    wide = []
    for email, paths in PAGES.items():
        context = await browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": 900}
        )
        page = await context.new_page()
        if email:
            await page.goto(f"{served}/connexion")
            await page.fill("#email", email)
            await page.fill("#password", "demo")
            await page.click("#login-submit")
            await page.wait_for_url(lambda url: "/connexion" not in url)
        for path in paths:
            await page.goto(f"{served}{path}")
            scroll = await page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > width:
                wide.append(f"{path}: {scroll} px")
        await context.close()
    assert wide == [], f"pages wider than {width} px"


async def test_a_phone_keeps_its_screen_for_the_work(served: str, browser: Any) -> None:
    """The header and the menu once took 245 px of a 390 px phone."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(f"{served}/connexion")
    await page.fill("#email", "coordinator@sud-yvelines.test")
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: "/connexion" not in url)
    top = await page.evaluate("() => document.querySelector('main').getBoundingClientRect().top")
    assert top <= 120, f"the content starts {top} px down"
    await context.close()


async def test_a_notice_never_hides_the_button_under_it(served: str, browser: Any) -> None:
    """Toasts once sat over forms' buttons at the bottom right: now they let clicks through."""
    context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(f"{served}/connexion")
    await page.fill("#email", "regulator@sud-yvelines.test")
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: "/connexion" not in url)
    await page.evaluate("() => window.cpts.notice('Demande enregistrée, un message assez long.')")
    box = await page.locator("#notice").bounding_box()
    assert box is not None
    under = await page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.id",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert under != "notice"
    await context.close()
