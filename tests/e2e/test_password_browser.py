"""Invitations and forgotten passwords in headless Chromium, with the e-mails a real SMTP
server received: invited, the person sets a password and logs in; having forgotten it, they
ask for a link, choose another and log in with it. At 1366, 768 and 390 px wide."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import shot
from tests.e2e.conftest import CLI, _env, serve
from tests.mailbox import Inbox, smtp_inbox

WIDTHS = {1366: 900, 768: 1024, 390: 844}


def _link(inbox: Inbox, to: str, path: str) -> str:
    """The link of the newest e-mail to `to`: it leaves after the answer, so it is waited for."""
    deadline = time.monotonic() + 15
    while not (bodies := inbox.bodies(to)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bodies, f"no e-mail to {to}"
    found = re.search(r"(https?://\S+" + re.escape(path) + r"#jeton=\S+)", bodies[-1])
    assert found, bodies[-1]
    return found.group(1)


async def _page(browser: Any, width: int) -> Any:
    context = await browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]}
    )
    return await context.new_page()


async def _log_in(page: Any, base: str, email: str, password: str) -> None:
    assert await page.input_value("#email") == email  # the page after the password fills it
    await page.fill("#password", password)
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: "/connexion" not in url)
    me = await page.evaluate("() => fetch('/api/v1/me').then((r) => r.json())")
    assert me["email"] == email


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_invitation_then_password_then_login(
    served_with_mail: tuple[str, Inbox], browser: Any, width: int
) -> None:
    base, inbox = served_with_mail
    email = f"invitee-{uuid.uuid4().hex[:8]}@sud-yvelines.test"
    # The administrator invites a regulator from the directory page.
    admin = await _page(browser, width)
    await admin.goto(f"{base}/connexion?suivant=/coordination/annuaire")
    await admin.fill("#email", "admin@sud-yvelines.test")
    await admin.fill("#password", "demo")
    await admin.click("#login-submit")
    await admin.wait_for_url(re.compile(r"/coordination/annuaire"))
    await admin.click("text=Créer un compte d'équipe")
    await admin.fill("#staff-email", email)
    await admin.fill("#staff-name", "Mme Invitée")
    await admin.check("#staff-regulator")
    await admin.click('#comptes button:has-text("Créer le compte et l\'inviter")')
    await admin.wait_for_selector("text=invitation envoyée par e-mail")
    if width == 1366:  # the directory page is 8,000 px tall on a tablet: once is enough
        await shot(admin, "invitation-sent")
    link = _link(inbox, email, "/invitation")
    page = await _page(browser, width)
    await page.goto(link)
    assert "#jeton" not in page.url  # the secret leaves the address bar once read
    assert await page.locator("h1").inner_text() == "Bienvenue"
    await page.fill("#password", "motdepasse")
    await page.fill("#confirmation", "motdepasse")
    await page.click("#password-submit")
    assert "au moins 12 caractères" in await page.locator("#password-error").inner_text()
    await page.fill("#password", "qwerty123456")
    await page.fill("#confirmation", "qwerty123456")
    await page.click("#password-submit")
    await page.wait_for_selector("#password-error:has-text('divulgués')")
    await shot(page, f"invitation-refused-{width}")
    await page.fill("#password", "le chat dort sur le radiateur")
    await page.fill("#confirmation", "le chat dort sur le radiateur")
    await page.click("#password-submit")
    await page.wait_for_selector("#password-done", state="visible")
    await shot(page, f"invitation-done-{width}")
    await page.click("#to-login")
    await page.wait_for_url(re.compile(r"/connexion"))
    await _log_in(page, base, email, "le chat dort sur le radiateur")
    again = await _page(browser, width)
    await again.goto(link)
    await again.fill("#password", "une autre phrase bien longue")
    await again.fill("#confirmation", "une autre phrase bien longue")
    await again.click("#password-submit")
    await again.wait_for_selector("#password-error:has-text('déjà servi')")


async def test_forgotten_password(served_with_mail: tuple[str, Inbox], browser: Any) -> None:
    base, inbox = served_with_mail
    page = await _page(browser, 390)
    await page.goto(f"{base}/connexion")
    await page.click("text=Mot de passe oublié ?")
    await page.wait_for_url(re.compile(r"/mot-de-passe-oublie"))
    await page.fill("#email", "personne@nulle-part.test")
    await page.click("#forgot-submit")
    await page.wait_for_selector("#forgot-done", state="visible")
    await page.goto(f"{base}/mot-de-passe-oublie")
    await page.fill("#email", "nurse1@sud-yvelines.test")
    await page.click("#forgot-submit")
    await page.wait_for_selector("#forgot-done", state="visible")
    await shot(page, "password-forgotten-sent")
    link = _link(inbox, "nurse1@sud-yvelines.test", "/mot-de-passe/nouveau")
    await page.goto(link)
    assert await page.locator("h1").inner_text() == "Nouveau mot de passe"
    await page.fill("#password", "les mouettes rient au port")
    await page.fill("#confirmation", "les mouettes rient au port")
    await page.click("#password-submit")
    await page.wait_for_selector("#password-done", state="visible")
    await page.click("#to-login")
    await page.wait_for_url(re.compile(r"/connexion"))
    await _log_in(page, base, "nurse1@sud-yvelines.test", "les mouettes rient au port")
    # Asked before the nurse's, whose e-mail has come: the unknown address got none.
    assert inbox.bodies("personne@nulle-part.test") == []


async def test_the_operator_creates_a_territory(
    demo_database: Path, tmp_path: Path, browser: Any
) -> None:
    """Added by the CLI, the operator sets a password from the printed link, lands on the
    territories and creates one: its first admin gets the invitation e-mail."""
    with (
        smtp_inbox() as (inbox, port),
        serve(demo_database, tmp_path, CPTS_SMTP_URL=f"smtp://127.0.0.1:{port}") as base,
    ):
        added = await asyncio.to_thread(
            subprocess.run,
            [*CLI, "operator", "add", "--email", "ops@hebergeur.test", "--name", "Ops"],
            env=_env(tmp_path / "served.sqlite3", CPTS_PORT=base.rsplit(":", 1)[1]),
            check=True,
            capture_output=True,
            text=True,
        )
        page = await _page(browser, 1366)
        await page.goto(added.stdout.strip())
        await page.fill("#password", "la plateforme des CPTS")
        await page.fill("#confirmation", "la plateforme des CPTS")
        await page.click("#password-submit")
        await page.click("#to-login")
        await page.wait_for_url(re.compile(r"/connexion"))
        await page.fill("#password", "la plateforme des CPTS")
        await page.click("#login-submit")
        await page.wait_for_url(re.compile(r"/plateforme"))
        await page.fill("#t-name", "CPTS de la forêt")
        await page.fill("#t-slug", "foret")
        await page.fill("#t-finess", "780001236")
        await page.fill("#t-population", "45 000")
        await page.fill("#t-communes", "78517, 78220")
        await page.select_option("#t-aci", "2")
        await page.fill("#t-admin-email", "admin@foret.test")
        await page.fill("#t-admin-name", "Mme Chêne")
        await page.click("text=Créer le territoire")
        await page.wait_for_selector("td:has-text('CPTS de la forêt')")
        await shot(page, "platform-territory-created")
        assert "/invitation#jeton=" in _link(inbox, "admin@foret.test", "/invitation")
