"""What the indicator routes ask for, each in one read: measures, weekly series, the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.indicators.contract import AciContract, from_json, get_contract
from coordination.indicators.measures import Measured, Readers, measure
from coordination.indicators.period import Period
from coordination.indicators.report import Report, build_report
from coordination.indicators.weekly import Weekly, weekly
from kernel.actor import Actor
from kernel.errors import NotAllowed


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise NotAllowed(
            "indicators are for the CPTS coordinators and admins", code="indicators_staff_only"
        )


async def indicators(
    session: AsyncSession,
    actor: Actor,
    first_day: date,
    last_day: date,
    now: datetime,
    readers: Readers | None = None,
) -> tuple[Period, dict[str, Measured]]:
    """The period's figures as of `now`: the same clock as the contract report's."""
    _staff(actor)
    period = Period.of(first_day, last_day, actor.timezone)
    return period, await measure(session, actor.territory_id, period, readers, now)


async def weekly_series(
    session: AsyncSession, actor: Actor, first_day: date, last_day: date
) -> tuple[Period, Weekly]:
    _staff(actor)
    period = Period.of(first_day, last_day, actor.timezone)
    return period, await weekly(session, actor.territory_id, period)


@dataclass(frozen=True, slots=True)
class YearReport:
    contract: AciContract
    report: Report
    measured: dict[str, Measured]


async def year_report(
    session: AsyncSession,
    actor: Actor,
    year: int,
    now: datetime,
    readers: Readers | None = None,
) -> YearReport:
    """The year's contract against the year's figures: to date while the year runs (so that
    published slots ahead count no more than consultations ahead)."""
    _staff(actor)
    contract = await get_contract(session, actor, year)
    period = Period.year(year, actor.timezone)
    today = now.astimezone(ZoneInfo(actor.timezone)).date()
    if period.first_day <= today < period.last_day:
        period = Period.of(period.first_day, today, actor.timezone)
    measured = await measure(session, actor.territory_id, period, readers, now)
    return YearReport(
        contract, build_report(year, period, from_json(contract.document), measured), measured
    )
