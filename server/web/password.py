"""The password pages: accept an invitation, forget a password, choose a new one.

The link's secret is in the URL's fragment (server/accounts/notices.py): the page's script
reads it and posts it with the new password, so it reaches neither the access logs nor the
Referer of anything the page loads.
"""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from coordination.accounts.password_policy import MIN_LENGTH

_PUBLIC = {"public": True, "exclude_from_auth": True}


def _set_page(heading: str, intro: str) -> Template:
    return Template(
        template_name="password_set.html",
        context={"heading": heading, "intro": intro, "min_length": MIN_LENGTH, "signed_in": False},
    )


@get("/invitation", opt=_PUBLIC, include_in_schema=False)
async def invitation_page() -> Template:
    return _set_page(
        "Bienvenue",
        "Choisissez le mot de passe de votre compte. Le lien de votre invitation ne sert qu'une fois.",
    )


@get("/mot-de-passe/nouveau", opt=_PUBLIC, include_in_schema=False)
async def new_password_page() -> Template:
    return _set_page(
        "Nouveau mot de passe",
        "Choisissez un nouveau mot de passe : vos sessions ouvertes seront fermées.",
    )


@get("/mot-de-passe-oublie", opt=_PUBLIC, include_in_schema=False)
async def forgotten_password_page() -> Template:
    return Template(template_name="password_forgot.html", context={"signed_in": False})


PAGES = [invitation_page, new_password_page, forgotten_password_page]
