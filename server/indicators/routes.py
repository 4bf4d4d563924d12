"""Indicators over any period, the ACI contract of a year and its report, with exports."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from litestar import Controller, Response, get, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from coordination.directory.territories import get_territory
from coordination.indicators import service
from coordination.indicators.catalogue import BY_KEY
from coordination.indicators.contract import get_contract, save_contract
from coordination.indicators.measures import Readers
from coordination.indicators.period import days_or_year_to_date
from coordination.indicators.weekly import weekly
from integrations.reports import exports
from kernel.actor import Role
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.indicators.wire import (
    ContractIn,
    ContractOut,
    WeeklyOut,
    contract_out,
    document_of,
    indicators_out,
    report_out,
    weekly_out,
)
from server.state import AppServices


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


From = Annotated[
    date | None, QueryParameter(name="from", description="first day (local), YYYY-MM-DD")
]
To = Annotated[date | None, QueryParameter(description="last day included (local), YYYY-MM-DD")]
FormatParam = Annotated[Format, QueryParameter(description="json, or csv / xlsx for exports")]


def readers(services: AppServices) -> Readers | None:
    """On PostgreSQL the indicator groups run on several connections at once; SQLite has one
    writer and cheap reads, so one session does."""
    return services.db.read if services.db.backend == "postgresql" else None


def _file(body: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


class IndicatorController(Controller):
    path = "/api/v1"
    tags = ["indicators"]
    guards = [roles(Role.COORDINATOR, Role.ADMIN)]

    @get("/indicators", summary="Measured indicators of a period (json, csv or xlsx)")
    async def indicators(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        from_: From = None,
        to: To = None,
        format: FormatParam = Format.JSON,
    ) -> Any:
        first, last = days_or_year_to_date(from_, to, clock.now(), actor.timezone)
        period, measured = await service.indicators(
            session, actor, first, last, clock.now(), readers(services)
        )
        stem = f"indicateurs-{period.first_day}-{period.last_day}"
        if format is Format.CSV:
            return _file(exports.indicators_csv(measured), exports.CSV_TYPE, f"{stem}.csv")
        if format is Format.XLSX:
            series = await weekly(session, actor.territory_id, period)
            return _file(
                exports.indicators_xlsx(measured, series), exports.XLSX_TYPE, f"{stem}.xlsx"
            )
        return indicators_out(period, measured, clock.now())

    @get("/indicators/weekly", summary="Weekly series of the main indicators")
    async def weekly(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        from_: From = None,
        to: To = None,
    ) -> WeeklyOut:
        first, last = days_or_year_to_date(from_, to, clock.now(), actor.timezone)
        period, series = await service.weekly_series(session, actor, first, last)
        return weekly_out(period, series)

    @get("/contracts/{year:int}", summary="The ACI contract of a year")
    async def contract(
        self, session: DbSession, actor: ActorDep, year: FromPath[int]
    ) -> ContractOut:
        return contract_out(await get_contract(session, actor, year))

    @put(
        "/contracts/{year:int}",
        status_code=HTTP_200_OK,
        summary="Record or replace the year's contract",
    )
    async def save(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        year: FromPath[int],
        data: JSONBody[ContractIn],
    ) -> ContractOut:
        saved = await save_contract(session, clock, actor, year, document_of(data), data.version)
        return contract_out(saved)

    @get(
        "/contracts/{year:int}/report",
        summary="The year's report: attainment and projected payment",
    )
    async def report(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        year: FromPath[int],
        format: FormatParam = Format.JSON,
    ) -> Any:
        found = await service.year_report(session, actor, year, clock.now(), readers(services))
        if format is Format.CSV:
            return _file(exports.report_csv(found.report), exports.CSV_TYPE, f"aci-{year}.csv")
        if format is Format.XLSX:
            series = await weekly(session, actor.territory_id, found.report.period)
            body = exports.report_xlsx(found.report, found.measured, series)
            return _file(body, exports.XLSX_TYPE, f"aci-{year}.xlsx")
        if format is Format.HTML:
            territory = await get_territory(session, actor)
            return Template(
                template_name="report.html",
                media_type="text/html",
                context={
                    "territory_name": territory.name,
                    "territory_finess": territory.finess,
                    "report": found.report,
                    "measured": found.measured,
                    "version": found.contract.version,
                    "definitions": BY_KEY,
                },
            )
        return report_out(found.report, found.contract.version)
