"""The rows every export shares: measured indicators, the contract report, weekly series.

Labels are French (the reviewers read them); numbers stay numbers so spreadsheets can sum.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from coordination.indicators.catalogue import BY_KEY, DEFINITIONS, MISSION_LABELS, Mission
from coordination.indicators.measures import Measured
from coordination.indicators.report import IndicatorLine, MissionLine, Report
from coordination.indicators.weekly import Weekly

INDICATOR_HEADER = ["Mission", "Clé", "Indicateur", "Valeur", "Unité", "Définition"]
REPORT_HEADER = [
    "Mission",
    "Clé",
    "Indicateur",
    "Source",
    "Valeur",
    "Cible",
    "Sens",
    "Atteinte (%)",
    "Palier atteint",
    "Versement projeté (€)",
    "Maximum (€)",
]
UNITS = {"count": "nombre", "hours": "heures", "percent": "%", "euros": "€"}


def indicator_rows(
    measured: dict[str, Measured], mission: Mission | None = None
) -> list[list[Any]]:
    return [
        [
            MISSION_LABELS[d.mission],
            d.key,
            d.label,
            measured[d.key].value,
            UNITS[d.unit],
            d.definition,
        ]
        for d in DEFINITIONS
        if d.key in measured and (mission is None or d.mission is mission)
    ]


def breakdown_rows(measured: dict[str, Measured]) -> list[list[Any]]:
    """Per-origin, per-GP, per-commune… figures behind the totals."""
    rows: list[list[Any]] = []
    for key, m in measured.items():
        for name, values in m.breakdown.items():
            rows += [[BY_KEY[key].label, name, k, v] for k, v in values.items()]
    return rows


def source_words(i: IndicatorLine) -> str:
    """« mesuré », « saisi », « saisi au 31/03/2027 » (a dated CPAM figure)."""
    if i.source == "measured":
        return "mesuré"
    return f"saisi au {i.as_of:%d/%m/%Y}" if i.as_of else "saisi"


def mission_rows(m: MissionLine) -> list[list[Any]]:
    return [
        [
            m.label,
            i.key,
            i.label,
            source_words(i),
            i.value,
            i.target,
            "au moins" if i.direction.value == "at_least" else "au plus",
            i.attainment_percent,
            i.step_reached,
            i.payment_eur,
            i.max_eur,
        ]
        for i in m.indicators
    ]


def report_rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for m in report.missions:
        rows += mission_rows(m)
    return rows


def summary_rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [
            m.label,
            m.fixed_eur,
            m.variable_eur,
            m.projected_variable_eur,
            m.fixed_eur + m.projected_variable_eur,
        ]
        for m in report.missions
    ]
    rows.append(["Fonctionnement", report.operating_eur, 0, 0, report.operating_eur])
    rows.append(
        [
            "Total",
            report.fixed_eur + report.operating_eur,
            report.variable_max_eur,
            report.projected_variable_eur,
            report.projected_total_eur,
        ]
    )
    return rows


SUMMARY_HEADER = [
    "Mission",
    "Part fixe (€)",
    "Part variable max (€)",
    "Variable projetée (€)",
    "Total projeté (€)",
]


def weekly_rows(weekly: Weekly) -> tuple[list[str], list[list[Any]]]:
    keys = list(weekly.series)
    header = ["Semaine du", *[BY_KEY[k].label for k in keys]]
    rows = [
        [monday.isoformat(), *[weekly.series[k][i] for k in keys]]
        for i, monday in enumerate(weekly.weeks)
    ]
    return header, rows


def flatten(rows: Iterable[list[Any]]) -> list[list[Any]]:
    return [list(r) for r in rows]
