"""CSV and XLSX files of the indicators and of the contract report.

CSV: semicolon-separated with a UTF-8 BOM, which is what a French Excel opens correctly.
XLSX (xlsxwriter, write-only and fast): one sheet per mission, a summary, the breakdowns and
the raw weekly series.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from coordination.indicators.catalogue import MISSION_LABELS, Mission
from coordination.indicators.measures import Measured
from coordination.indicators.report import Report
from coordination.indicators.weekly import Weekly
from integrations.reports.tables import (
    INDICATOR_HEADER,
    REPORT_HEADER,
    SUMMARY_HEADER,
    breakdown_rows,
    indicator_rows,
    mission_rows,
    report_rows,
    summary_rows,
    weekly_rows,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" to text/ types


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Every CSV this server writes, as a French Excel opens it: UTF-8 with a BOM, `;` between
    fields, decimal commas, and no cell that a spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_cell(v) for v in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def _cell(value: Any) -> Any:
    """A spreadsheet opening the CSV must not run a label as a formula (CSV injection), and
    must read a decimal as a number (French Excel reads `30.23` as text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def indicators_csv(measured: dict[str, Measured]) -> bytes:
    return csv_bytes(INDICATOR_HEADER, indicator_rows(measured))


def report_csv(report: Report) -> bytes:
    return csv_bytes(REPORT_HEADER, report_rows(report))


def _sheet_name(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def _write(book: Any, name: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.add_worksheet(_sheet_name(name))
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4"})
    sheet.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    sheet.freeze_panes(1, 0)
    for c, title in enumerate(header):
        width = max([len(str(title)), *(len(str(row[c])) for row in rows if c < len(row))])
        sheet.set_column(c, c, min(60, max(10, width + 2)))


def _book(fill: Any) -> bytes:
    out = io.BytesIO()
    # Labels come from people (contract lines, names): never let one become a formula.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False}
    )
    fill(book)
    book.close()
    return out.getvalue()


def indicators_xlsx(measured: dict[str, Measured], weekly: Weekly) -> bytes:
    def fill(book: Any) -> None:
        for mission in Mission:
            rows = indicator_rows(measured, mission)
            if rows:
                _write(book, MISSION_LABELS[mission], INDICATOR_HEADER, rows)
        _write(
            book,
            "Détails",
            ["Indicateur", "Ventilation", "Libellé", "Valeur"],
            breakdown_rows(measured),
        )
        _write(book, "Séries hebdomadaires", *weekly_rows(weekly))

    return _book(fill)


def report_xlsx(report: Report, measured: dict[str, Measured], weekly: Weekly) -> bytes:
    def fill(book: Any) -> None:
        _write(book, "Synthèse", SUMMARY_HEADER, summary_rows(report))
        for m in report.missions:
            _write(book, m.label, REPORT_HEADER, mission_rows(m))
        _write(book, "Indicateurs mesurés", INDICATOR_HEADER, indicator_rows(measured))
        _write(
            book,
            "Détails",
            ["Indicateur", "Ventilation", "Libellé", "Valeur"],
            breakdown_rows(measured),
        )
        _write(book, "Séries hebdomadaires", *weekly_rows(weekly))

    return _book(fill)
