"""The pages: login and the coordinator's dashboard (more come with the web application).

Pages authenticate with the session cookie; without one they send the visitor to the login
page and back. They read through the same domain services as the API, in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.params import FromQuery, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from coordination.directory.territories import get_territory
from coordination.indicators import service as indicators
from coordination.indicators.catalogue import BY_KEY
from coordination.indicators.period import days_or_year_to_date
from coordination.indicators.report import Report
from coordination.referrals import referrals
from kernel.errors import NotFound
from server.auth.guards import current_actor
from server.indicators.routes import readers
from server.state import AppServices

_HERE = Path(__file__).parent
FIGURES = (
    "snp.requests_received",
    "snp.requests_met",
    "snp.requests_met_within_48h_share",
    "snp.delay_median_hours",
    "snp.slots_offered",
    "snp.slot_hours_offered",
    "snp.participating_gps",
    "snp.gps_meeting_2h_rule",
    "snp.bookings_honoured",
    "snp.bookings_no_show",
    "tele.completed",
    "referrals.received",
    "referrals.answered_within_deadline_share",
    "directory.members",
)
EXPERTISE_LABELS = {
    "vascular": "angiologie",
    "dermatology": "dermatologie",
    "wound_nurse": "IDE plaies",
}
STATUS_LABELS = {"requested": "demandée", "accepted": "acceptée", "in_progress": "en cours"}


def _fr(value: Any, unit: str = "count") -> str:
    if value is None:
        return "—"
    number = f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    number = number.replace(",", "\u202f").replace(".", ",")
    suffix = {"percent": " %", "hours": " h", "euros": " €"}.get(unit, "")
    return number + suffix


def _local(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M")


def _engine(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["fr"] = _fr
    engine.engine.filters["local"] = _local


TEMPLATES = TemplateConfig(
    directory=_HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_engine
)
STATIC = create_static_files_router(
    path="/static", directories=[_HERE / "static"], opt={"public": True}
)


def _to_login(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(f"/connexion?suivant={quote(request.url.path)}", status_code=303)


@get("/connexion", opt={"public": True}, include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any],
    suivant: FromQuery[str] = "/tableau-de-bord",
    erreur: FromQuery[str | None] = None,
) -> Template:
    services = AppServices.of(request.app)
    return Template(
        template_name="login.html",
        context={
            "next": suivant,
            "signed_in": False,
            "psc": services.psc is not None,
            "error": erreur,
        },
    )


@get("/", opt={"public": True}, include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    actor = current_actor(request)
    if actor is None:
        return Redirect("/connexion", status_code=303)
    return Redirect("/tableau-de-bord" if actor.is_staff else "/connexion", status_code=303)


@get("/tableau-de-bord", opt={"public": True}, include_in_schema=False)
async def dashboard(
    request: Request[Any, Any, Any],
    from_: Annotated[date | None, QueryParameter(name="from")] = None,
    to: FromQuery[date | None] = None,
) -> Template | Redirect | Response[str]:
    actor = current_actor(request)
    if actor is None:
        return _to_login(request)
    if not actor.is_staff:
        return Response(
            "Ce tableau de bord est réservé à la coordination.",
            status_code=403,
            media_type="text/plain; charset=utf-8",
        )
    services = AppServices.of(request.app)
    now = services.clock.now()
    first, last = days_or_year_to_date(from_, to, now, actor.timezone)
    async with services.db.read() as session:
        period, measured = await indicators.indicators(
            session, actor, first, last, readers(services), now
        )
        territory = await get_territory(session, actor)
        try:
            found = await indicators.year_report(session, actor, last.year, readers(services), now)
            report: Report | None = found.report
        except NotFound:
            report = None  # no contract recorded for the year
        board = await referrals.board(session, services.clock, actor)
    return Template(
        template_name="dashboard.html",
        context={
            "signed_in": True,
            "territory_name": territory.name,
            "period": period,
            "measured": measured,
            "definitions": BY_KEY,
            "figures": FIGURES,
            "computed_at": _local(now, actor.timezone)[-5:],
            "year": last.year,
            "report": report,
            "board": board,
            "now": now,
            "timezone": actor.timezone,
            "expertise_labels": EXPERTISE_LABELS,
            "status_labels": STATUS_LABELS,
        },
    )
