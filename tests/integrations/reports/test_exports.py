"""The one CSV writer of every export: what a French Excel opens, and nothing it would run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from integrations.reports.exports import csv_bytes


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_formulas_are_neutralised_in_every_cell() -> None:
    rows = _read(
        csv_bytes(
            ["=cmd|' /C calc'!A0", "name"],
            [['=HYPERLINK("https://evil.example","clic")', "+33 1"], ["@SUM(A1)", "-2+3"]],
        )
    )
    assert rows[0][0].startswith("'=")
    assert rows[1] == ['\'=HYPERLINK("https://evil.example","clic")', "'+33 1"]
    assert rows[2] == ["'@SUM(A1)", "'-2+3"]


def test_decimals_are_written_with_a_comma_and_integers_unchanged() -> None:
    rows = _read(
        csv_bytes(["share", "count", "exact", "none"], [[30.23, 12, Decimal("0.5"), None]])
    )
    assert rows[1] == ["30,23", "12", "0,5", ""]
