"""Wire shapes of the indicators, the ACI contract and its report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from coordination.indicators.catalogue import BY_KEY, MISSION_LABELS, Mission
from coordination.indicators.contract import (
    AciContract,
    ContractDocument,
    ContractIndicator,
    ContractMission,
    Direction,
    Step,
    from_json,
)
from coordination.indicators.measures import Measured
from coordination.indicators.period import Period
from coordination.indicators.report import Report
from coordination.indicators.weekly import Weekly
from server.wire_time import Instant

Euros = Annotated[float, msgspec.Meta(ge=0, le=100_000_000)]


class PeriodOut(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date
    timezone: str
    days: int


class IndicatorOut(msgspec.Struct, kw_only=True):
    key: str
    label: str
    value: float | int | None
    unit: str
    definition: str
    mission: Mission
    breakdown: dict[str, dict[str, float | int]] | None = None


class IndicatorsOut(msgspec.Struct, kw_only=True):
    period: PeriodOut
    indicators: list[IndicatorOut]
    computed_at: Instant


class WeeklyOut(msgspec.Struct, kw_only=True):
    period: PeriodOut
    weeks: list[date]
    series: dict[str, list[float]]


def period_out(p: Period) -> PeriodOut:
    return PeriodOut(from_=p.first_day, to=p.last_day, timezone=p.timezone, days=p.days)


def indicators_out(p: Period, measured: dict[str, Measured], at: datetime) -> IndicatorsOut:
    items = []
    for key, m in measured.items():
        d = BY_KEY[key]
        items.append(
            IndicatorOut(
                key=key,
                label=d.label,
                value=m.value,
                unit=d.unit,
                definition=d.definition,
                mission=d.mission,
                breakdown={k: dict(v) for k, v in m.breakdown.items()} or None,
            )
        )
    return IndicatorsOut(period=period_out(p), indicators=items, computed_at=at)


def weekly_out(p: Period, w: Weekly) -> WeeklyOut:
    return WeeklyOut(period=period_out(p), weeks=w.weeks, series=w.series)


class StepIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    threshold: float
    amount_eur: Euros


class ContractIndicatorIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_.]+$")]
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    target: float
    direction: Direction = Direction.AT_LEAST
    steps: Annotated[list[StepIn], msgspec.Meta(min_length=1, max_length=10)]
    measure: str | None = None
    manual_value: float | None = None
    manual_as_of: date | None = None  # the day a hand-entered (CPAM) figure stands for


class ContractMissionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    mission: Mission
    fixed_eur: Euros
    variable_eur: Euros
    indicators: Annotated[list[ContractIndicatorIn], msgspec.Meta(max_length=40)] = []


class ContractIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    missions: Annotated[list[ContractMissionIn], msgspec.Meta(min_length=1, max_length=6)]
    operating_eur: Euros = 0.0
    version: int | None = None  # the version read; None to create the year's contract


def document_of(data: ContractIn) -> ContractDocument:
    return ContractDocument(
        operating_eur=data.operating_eur,
        missions=tuple(
            ContractMission(
                mission=m.mission,
                fixed_eur=m.fixed_eur,
                variable_eur=m.variable_eur,
                indicators=tuple(
                    ContractIndicator(
                        key=i.key,
                        label=i.label,
                        target=i.target,
                        direction=i.direction,
                        steps=tuple(Step(s.threshold, s.amount_eur) for s in i.steps),
                        measure=i.measure,
                        manual_value=i.manual_value,
                        manual_as_of=i.manual_as_of,
                    )
                    for i in m.indicators
                ),
            )
            for m in data.missions
        ),
    )


class ContractOut(msgspec.Struct, kw_only=True):
    year: int
    version: int
    updated_at: Instant
    operating_eur: float
    missions: list[ContractMissionIn]


def contract_out(c: AciContract) -> ContractOut:
    doc = from_json(c.document)
    return ContractOut(
        year=c.year,
        version=c.version,
        updated_at=c.updated_at,
        operating_eur=doc.operating_eur,
        missions=[
            ContractMissionIn(
                mission=m.mission,
                fixed_eur=m.fixed_eur,
                variable_eur=m.variable_eur,
                indicators=[
                    ContractIndicatorIn(
                        key=i.key,
                        label=i.label,
                        target=i.target,
                        direction=i.direction,
                        steps=[
                            StepIn(threshold=s.threshold, amount_eur=s.amount_eur) for s in i.steps
                        ],
                        measure=i.measure,
                        manual_value=i.manual_value,
                        manual_as_of=i.manual_as_of,
                    )
                    for i in m.indicators
                ],
            )
            for m in doc.missions
        ],
    )


class IndicatorLineOut(msgspec.Struct, kw_only=True):
    key: str
    label: str
    source: str
    measure: str | None
    value: float | None
    as_of: date | None  # the day a hand-entered (CPAM) figure stands for
    target: float
    direction: Direction
    attainment_percent: float | None
    step_reached: int | None
    payment_eur: float
    max_eur: float


class MissionLineOut(msgspec.Struct, kw_only=True):
    mission: Mission
    label: str
    fixed_eur: float
    variable_eur: float
    projected_variable_eur: float
    indicators: list[IndicatorLineOut]


class ReportOut(msgspec.Struct, kw_only=True):
    year: int
    period: PeriodOut
    version: int
    operating_eur: float
    fixed_eur: float
    variable_max_eur: float
    projected_variable_eur: float
    projected_total_eur: float
    missions: list[MissionLineOut]


def report_out(r: Report, version: int) -> ReportOut:
    return ReportOut(
        year=r.year,
        period=period_out(r.period),
        version=version,
        operating_eur=r.operating_eur,
        fixed_eur=r.fixed_eur,
        variable_max_eur=r.variable_max_eur,
        projected_variable_eur=r.projected_variable_eur,
        projected_total_eur=r.projected_total_eur,
        missions=[
            MissionLineOut(
                mission=m.mission,
                label=MISSION_LABELS[m.mission],
                fixed_eur=m.fixed_eur,
                variable_eur=m.variable_eur,
                projected_variable_eur=m.projected_variable_eur,
                indicators=[
                    IndicatorLineOut(
                        **{f: getattr(i, f) for f in IndicatorLineOut.__struct_fields__}
                    )
                    for i in m.indicators
                ],
            )
            for m in r.missions
        ],
    )
