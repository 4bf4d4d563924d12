"""The coordinator's dashboard: the ACI indicators of a period, their weekly trends (each chart
with its table, rendered here so that printing, screen readers and browsers without JavaScript
get the numbers), the contract's year report and the wound network's board, refreshed live by
dashboard.js (aggregates only, no patient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from coordination.indicators import service as indicators
from coordination.indicators.catalogue import BY_KEY
from coordination.indicators.period import days_or_year_to_date
from coordination.indicators.report import Report
from coordination.indicators.weekly import Weekly
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
    "mt.entries_received",
    "mt.patients_declared",
    "directory.members",
)

# The months as the charts' axes and the tables abbreviate them (« 7 déc. »); dashboard.js
# keeps the same list for the weeks it receives live.
MONTHS_SHORT = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


@dataclass(frozen=True, slots=True)
class Line:
    key: str  # the weekly series (coordination/indicators/weekly.py)
    label: str  # the legend's words
    column: str  # the table's head, short enough for a phone (the caption says the rest)
    colour: str  # the CSS variable of app.css it is drawn in


@dataclass(frozen=True, slots=True)
class Chart:
    id: str  # chart-{id} (canvas), table-{id}
    title: str
    kind: Literal["line", "bar"]
    unit: Literal["count", "hours"]
    lines: tuple[Line, ...]


CHARTS = (
    Chart(
        "requests",
        "Demandes de soins non programmés reçues et satisfaites sous 48 h",
        "line",
        "count",
        (
            Line("snp.requests_received", "Demandes reçues", "Reçues", "--accent"),
            Line("snp.requests_met_within_48h", "Satisfaites sous 48 h", "Sous 48 h", "--ok"),
        ),
    ),
    Chart(
        "hours",
        "Heures de créneaux SNP proposées",
        "bar",
        "hours",
        (Line("snp.slot_hours_offered", "Heures proposées", "Heures", "--accent"),),
    ),
    Chart(
        "care",
        "Consultations SNP honorées et téléconsultations assistées réalisées",
        "line",
        "count",
        (
            Line("snp.bookings_honoured", "Consultations honorées", "Honorées", "--accent"),
            Line("tele.completed", "Téléconsultations réalisées", "Téléconsultations", "--ok"),
        ),
    ),
)


def day_month(day: date) -> str:
    """« 1er déc. », « 7 déc. »: a week on the charts' axis."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_SHORT[day.month - 1]}"


def week_label(monday: date) -> str:
    """« 7 déc. 2026 »: a week of the tables, named by its Monday."""
    return f"{day_month(monday)} {monday.year}"


def number(value: float) -> str:
    """As `toLocaleString("fr-FR", {maximumFractionDigits: 2})` writes it (« 1 234,5 »), so
    that the live refresh rewrites the tables' cells in the same words."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    return text.replace(",", "\u202f").replace(".", ",")


@dataclass(frozen=True, slots=True)
class Row:
    monday: date
    label: str
    values: list[float]


@dataclass(frozen=True, slots=True)
class Trend:
    chart: Chart
    rows: list[Row]
    totals: list[float]


def trends(weekly: Weekly) -> list[Trend]:
    """Each chart's weeks and values, from the weekly series of the period."""
    out = []
    for chart in CHARTS:
        series = [weekly.series[line.key] for line in chart.lines]
        rows = [
            Row(monday, week_label(monday), [s[i] for s in series])
            for i, monday in enumerate(weekly.weeks)
        ]
        out.append(Trend(chart, rows, [round(sum(s), 2) for s in series]))
    return out


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
        _, weekly = await indicators.weekly_series(
            session, actor, period.first_day, period.last_day
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
            trends=trends(weekly),
            number=number,
            computed_at=local(now, actor.timezone)[-5:],
            year=last.year,
            report=report,
            board=board,
            now=now,
            expertise_labels=labels.EXPERTISES_SHORT,
            status_labels=labels.REFERRAL_STATUSES_SHORT,
        )
