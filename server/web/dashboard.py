"""The coordinator's dashboard: the ACI indicators of a period, the contract's year report and
the wound network's board, refreshed live by dashboard.js (aggregates only, no patient)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from coordination.indicators import service as indicators
from coordination.indicators.catalogue import BY_KEY
from coordination.indicators.period import days_or_year_to_date
from coordination.indicators.report import Report
from coordination.referrals import referrals
from kernel.actor import Role
from kernel.errors import Invalid, NotFound
from server.dependencies import ActorDep
from server.indicators.routes import readers
from server.state import AppServices
from server.web import labels
from server.web.access import Refusal, page
from server.web.templating import local

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


@get(
    "/tableau-de-bord",
    opt={
        "public": True,
        "page_roles": (
            Role.COORDINATOR,
            Role.ADMIN,
        ),
    },
    include_in_schema=False,
)
async def dashboard(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    from_: Annotated[date | None, QueryParameter(name="from")] = None,
    to: FromQuery[date | None] = None,
) -> Template | Refusal:
    services = AppServices.of(request.app)
    now = services.clock.now()
    first, last = days_or_year_to_date(from_, to, now, actor.timezone)
    period_error = None
    async with services.db.read() as session:
        try:
            period, measured = await indicators.indicators(
                session, actor, first, last, now, readers(services)
            )
        except Invalid:
            period_error = "Cette période n'est pas valable : voici l'année en cours."
            first, last = days_or_year_to_date(None, None, now, actor.timezone)
            period, measured = await indicators.indicators(
                session, actor, first, last, now, readers(services)
            )
        try:
            found = await indicators.year_report(session, actor, last.year, now, readers(services))
            report: Report | None = found.report
        except NotFound:
            report = None  # no contract recorded for the year
        board = await referrals.board(session, services.clock, actor)
        return await page(
            request,
            session,
            actor,
            "dashboard.html",
            period_error=period_error,
            period=period,
            measured=measured,
            definitions=BY_KEY,
            figures=FIGURES,
            computed_at=local(now, actor.timezone)[-5:],
            year=last.year,
            report=report,
            board=board,
            now=now,
            expertise_labels=labels.EXPERTISES_SHORT,
            status_labels=labels.REFERRAL_STATUSES_SHORT,
        )
