"""The contract's report: each indicator's value against its target and steps, the projected
variable payment per mission (capped at the mission's variable part) and in total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coordination.indicators.catalogue import MISSION_LABELS, Mission
from coordination.indicators.contract import ContractDocument, ContractIndicator, Direction
from coordination.indicators.measures import Measured
from coordination.indicators.period import Period


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    key: str
    label: str
    source: str  # measured | manual
    measure: str | None
    value: float | None
    as_of: date | None  # the day a hand-entered figure stands for
    target: float
    direction: Direction
    attainment_percent: float | None
    step_reached: int | None  # 1-based; None: no step reached
    payment_eur: float
    max_eur: float


@dataclass(frozen=True, slots=True)
class MissionLine:
    mission: Mission
    label: str
    fixed_eur: float
    variable_eur: float
    projected_variable_eur: float
    indicators: tuple[IndicatorLine, ...]


@dataclass(frozen=True, slots=True)
class Report:
    year: int
    period: Period
    operating_eur: float
    missions: tuple[MissionLine, ...]

    @property
    def fixed_eur(self) -> float:
        return sum(m.fixed_eur for m in self.missions)

    @property
    def variable_max_eur(self) -> float:
        return sum(m.variable_eur for m in self.missions)

    @property
    def projected_variable_eur(self) -> float:
        return sum(m.projected_variable_eur for m in self.missions)

    @property
    def projected_total_eur(self) -> float:
        return self.operating_eur + self.fixed_eur + self.projected_variable_eur


def _step(ind: ContractIndicator, value: float | None) -> int | None:
    if value is None:
        return None
    reached = None
    for n, step in enumerate(ind.steps, start=1):
        if ind.direction is Direction.AT_LEAST and value >= step.threshold:
            reached = n
        if ind.direction is Direction.AT_MOST and value <= step.threshold:
            return n
    return reached


def _attainment(ind: ContractIndicator, value: float | None) -> float | None:
    if value is None or ind.target == 0:
        return None
    if ind.direction is Direction.AT_LEAST:
        return round(100 * value / ind.target, 1)
    return round(100 * ind.target / value, 1) if value > 0 else 100.0


def line(ind: ContractIndicator, measured: dict[str, Measured]) -> IndicatorLine:
    value: float | None
    if ind.measure is not None:
        raw = measured[ind.measure].value
        value = None if raw is None else float(raw)
    else:
        value = ind.manual_value
    step = _step(ind, value)
    return IndicatorLine(
        key=ind.key,
        label=ind.label,
        source="measured" if ind.measure else "manual",
        as_of=None if ind.measure else ind.manual_as_of,
        measure=ind.measure,
        value=value,
        target=ind.target,
        direction=ind.direction,
        attainment_percent=_attainment(ind, value),
        step_reached=step,
        payment_eur=ind.steps[step - 1].amount_eur if step else 0.0,
        max_eur=max(s.amount_eur for s in ind.steps),
    )


def build_report(
    year: int, period: Period, document: ContractDocument, measured: dict[str, Measured]
) -> Report:
    missions = []
    for m in document.missions:
        lines = tuple(line(i, measured) for i in m.indicators)
        missions.append(
            MissionLine(
                mission=m.mission,
                label=MISSION_LABELS[m.mission],
                fixed_eur=m.fixed_eur,
                variable_eur=m.variable_eur,
                projected_variable_eur=min(m.variable_eur, sum(x.payment_eur for x in lines)),
                indicators=lines,
            )
        )
    return Report(year, period, document.operating_eur, tuple(missions))
