"""Who may open a page, and the context every page shares (navigation by role, territory).

Pages authenticate with the session cookie; without one the visitor is sent to the login page
and brought back afterwards. A signed-in person without the page's role gets a French 403
page rather than an API problem: they arrived by a link, not by a program.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect, Template

from coordination.accounts.sas_regulators import arrives_from_sas
from coordination.accounts.service import PLATFORM_NAME
from coordination.directory.territories import get_territory
from kernel.actor import Actor, Role
from server.auth.guards import current_actor
from server.database import Session
from server.state import AppServices

Refusal = Redirect | Template

# (path, label, roles that see the entry): the order of the navigation bar.
_NAV: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/creneaux", "Mes créneaux", frozenset({Role.GP, Role.EXPERT})),
    (
        "/demandes",
        "Demandes SNP",
        frozenset(
            {Role.REGULATOR, Role.PHARMACIST, Role.NURSE, Role.COORDINATOR, Role.ADMIN, Role.GP}
        ),
    ),
    ("/teleconsultations", "Téléconsultations", frozenset({Role.NURSE, Role.GP})),
    ("/avis", "Avis plaies", frozenset({Role.NURSE, Role.EXPERT, Role.COORDINATOR, Role.ADMIN})),
    (
        "/patients",
        "Patients",
        frozenset({Role.REGULATOR, Role.NURSE, Role.GP, Role.EXPERT, Role.COORDINATOR, Role.ADMIN}),
    ),
    ("/medecin-traitant", "Nouveaux patients", frozenset({Role.GP})),
    (
        "/coordination/medecin-traitant",
        "Médecin traitant",
        frozenset({Role.COORDINATOR, Role.ADMIN}),
    ),
    ("/tableau-de-bord", "Tableau de bord", frozenset({Role.COORDINATOR, Role.ADMIN})),
    ("/coordination", "Coordination", frozenset({Role.COORDINATOR, Role.ADMIN})),
    ("/compte", "Mon compte", frozenset(Role) - {Role.SAS_PLATFORM, Role.OPERATOR}),
    ("/plateforme", "Territoires", frozenset({Role.OPERATOR})),
)


def navigation(actor: Actor, here: str) -> list[dict[str, Any]]:
    return [
        {"href": href, "label": label, "current": here == href or here.startswith(href + "/")}
        for href, label, allowed in _NAV
        if actor.has_any(*allowed)
    ]


def home_of(actor: Actor) -> str:
    """The page a person lands on after logging in: their daily work."""
    if actor.has_any(Role.OPERATOR):
        return "/plateforme"
    if actor.is_staff:
        return "/tableau-de-bord"
    if actor.has_any(Role.GP):
        return "/creneaux"
    if actor.has_any(Role.EXPERT):
        return "/avis"
    if actor.has_any(Role.REGULATOR, Role.PHARMACIST, Role.NURSE):
        return "/demandes"
    return "/compte"


def to_login(request: Request[Any, Any, Any]) -> Redirect:
    """To the login form, and back here after it. Someone arriving from the SAS platform
    (its booking link, `origin=sas…`) is sent to Pro Santé Connect when the territory's
    server has it, as the ANS's delegated authentication asks: a regulator signed in there
    reaches the page without typing a password here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    origin = request.query_params.get("origin")
    if arrives_from_sas(origin) and AppServices.of(request.app).psc is not None:
        return Redirect(f"/auth/psc/login?suivant={quote(target, safe='')}", status_code=303)
    return Redirect(f"/connexion?suivant={quote(target, safe='')}", status_code=303)


def forbidden(actor: Actor, request: Request[Any, Any, Any], message: str) -> Template:
    return Template(
        template_name="forbidden.html",
        context={
            "signed_in": True,
            "nav": navigation(actor, request.url.path),
            "message": message,
        },
        status_code=403,
    )


def page_actor(request: Request[Any, Any, Any], *allowed: Role) -> Actor | Refusal:
    """The signed-in actor if they hold one of `allowed` (any role when none is given)."""
    actor = current_actor(request)
    if actor is None:
        return to_login(request)
    if Role.SAS_PLATFORM in actor.roles:
        return forbidden(actor, request, "Le compte de la plateforme SAS n'ouvre pas ces pages.")
    if actor.in_no_territory and Role.OPERATOR not in allowed:
        return forbidden(
            actor,
            request,
            "L'opérateur de la plateforme ne voit rien à l'intérieur des territoires.",
        )
    if allowed and not actor.has_any(*allowed):
        return forbidden(actor, request, "Cette page n'est pas ouverte à votre profil.")
    return actor


class PageRefused(Exception):
    """A page the visitor may not open: the login redirect or the French 403 page, answered
    by the page router's handler (`refused`)."""

    def __init__(self, response: Refusal) -> None:
        super().__init__("page refused")
        self.response = response


def provide_page_actor(request: Request[Any, Any, Any]) -> Actor:
    """The pages' `actor`: the signed-in person holding one of the page's roles (its
    `page_roles` option; any role when it has none), or PageRefused."""
    allowed: tuple[Role, ...] = tuple(request.route_handler.opt.get("page_roles", ()))
    found = page_actor(request, *allowed)
    if not isinstance(found, Actor):
        raise PageRefused(found)
    return found


def refused(_request: Request[Any, Any, Any], exc: PageRefused) -> Response[Any]:
    return exc.response


async def page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    template: str,
    **context: Any,
) -> Template:
    """Render `template` with the shared context: navigation, territory, zone."""
    if actor.in_no_territory:
        territory_name = PLATFORM_NAME
    else:
        territory_name = (await get_territory(session, actor)).name
    return Template(
        template_name=template,
        context={
            "signed_in": True,
            "nav": navigation(actor, request.url.path),
            "territory_name": territory_name,
            "timezone": actor.timezone,
            "actor": actor,
            **context,
        },
    )


async def missing(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    title: str,
    message: str,
    back: tuple[str, str],
) -> Template:
    """The French "not found" page, with the 404 the API answers in the same case; `back` is
    the (href, label) of the link back to the list."""
    shown = await page(
        request,
        session,
        actor,
        "missing.html",
        title=title,
        message=message,
        back_href=back[0],
        back_label=back[1],
    )
    shown.status_code = 404
    return shown


def plain(message: str, status: int) -> Response[str]:
    return Response(message, status_code=status, media_type="text/plain")
