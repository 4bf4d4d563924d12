"""« Territoires »: the platform operator's page, the deployment's territories and a form that
creates one (through /api/v1/platform/territories, as the CLI's `cpts territory create`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from coordination.directory.territories import list_territories
from coordination.referrals.working_days import SUBDIVISIONS
from kernel.actor import Role
from server.dependencies import ActorDep, DbSession
from server.web.access import Refusal, page

# The zones of the French territories a CPTS may serve, mainland first.
ZONES = (
    ("Europe/Paris", "Métropole et Corse"),
    ("Indian/Reunion", "La Réunion"),
    ("Indian/Mayotte", "Mayotte"),
    ("America/Guadeloupe", "Guadeloupe"),
    ("America/Martinique", "Martinique"),
    ("America/Cayenne", "Guyane"),
    ("America/Miquelon", "Saint-Pierre-et-Miquelon"),
    ("Pacific/Noumea", "Nouvelle-Calédonie"),
    ("Pacific/Tahiti", "Polynésie française"),
)
HOLIDAYS = {
    "57": "Moselle",
    "6AE": "Alsace",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}


@get("/plateforme", opt={"public": True, "page_roles": (Role.OPERATOR,)}, include_in_schema=False)
async def platform_page(
    request: Request[Any, Any, Any], actor: ActorDep, session: DbSession
) -> Template | Refusal:
    return await page(
        request,
        session,
        actor,
        "platform.html",
        territories=await list_territories(session, actor),
        zones=ZONES,
        holidays=[(code, HOLIDAYS[code]) for code in SUBDIVISIONS],
    )


PAGES: list[HTTPRouteHandler] = [platform_page]
