"""The login form in headless Chromium: one address and password that open accounts in two
territories make the form ask which, then land in the one chosen."""

from __future__ import annotations

from typing import Any

from tests.e2e.browser import bearer, created, shot


async def test_the_form_asks_which_territory_when_the_password_opens_two(
    served: str, browser: Any
) -> None:
    email = "meme.personne@example.test"
    for territory in ("sud-yvelines", "vexin-normand"):
        account = {
            "email": email,
            "display_name": "Même personne",
            "roles": ["coordinator"],
            "password": "un mot de passe pour deux",
        }
        created(served, bearer(served, f"admin@{territory}.test"), "/accounts", account)
    context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(f"{served}/connexion")
    assert await page.locator("#territory-choice").is_hidden()
    await page.fill("#email", email)
    await page.fill("#password", "un mot de passe pour deux")
    await page.click("#login-submit")
    await page.wait_for_selector("#territory-choice", state="visible")
    assert "plusieurs territoires" in await page.locator("#login-error").inner_text()
    options = await page.locator("#territory option").all_inner_texts()
    assert len(options) == 2
    await shot(page, "login-territory-choice")
    await page.select_option("#territory", "vexin-normand")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: "/connexion" not in url)
    me = await page.evaluate("() => fetch('/api/v1/me').then((r) => r.json())")
    assert me["territory"]["slug"] == "vexin-normand"
