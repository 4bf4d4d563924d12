"""The login page and the site's root, which sends each person to their daily work."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from coordination.accounts.terms import TERMS_VERSION
from server.auth.guards import current_actor
from server.auth.psc_routes import TERMS_PATH
from server.state import AppServices
from server.web.access import home_of

LOGIN_ERRORS = {
    "psc-off": "Pro Santé Connect n'est pas configuré sur ce serveur.",
    "psc-down": "Pro Santé Connect ne répond pas, réessayez.",
    "psc-failed": "La connexion Pro Santé Connect a échoué.",
    "psc-expired": "La connexion Pro Santé Connect a expiré, recommencez.",
    "psc-identity": "Pro Santé Connect n'a pas confirmé votre identité.",
    "psc-unknown": "Aucun compte de la CPTS n'est lié à cette carte CPS ou e-CPS.",
    "psc-sas-only": (
        "Votre compte de régulateur est ouvert par la plateforme SAS : "
        "connectez-vous depuis le SAS, par le lien du créneau."
    ),
}


@get("/connexion", opt={"public": True}, include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any],
    suivant: FromQuery[str] = "/",
    erreur: FromQuery[str | None] = None,
    adresse: FromQuery[str] = "",
) -> Template:
    services = AppServices.of(request.app)
    return Template(
        template_name="login.html",
        context={
            "next": suivant,
            "email": adresse[:254],
            "signed_in": False,
            "psc": services.psc is not None,
            "error": LOGIN_ERRORS.get(erreur or "", "La connexion a échoué.") if erreur else None,
        },
    )


@get("/conditions-d-utilisation", opt={"public": True}, include_in_schema=False)
async def terms_page() -> Template:
    """The terms of use a SAS regulator accepts at their first login (the login is held by
    Pro Santé Connect's callback until then)."""
    return Template(
        template_name="terms.html",
        context={"signed_in": False, "version": TERMS_VERSION, "accept": TERMS_PATH},
    )


@get("/", opt={"public": True}, include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    actor = current_actor(request)
    if actor is None:
        return Redirect("/connexion", status_code=303)
    return Redirect(home_of(actor), status_code=303)
