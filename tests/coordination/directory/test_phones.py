"""Phones in international form, by the department's numbering plan; departments of communes."""

from __future__ import annotations

import pytest

from coordination.directory.phones import department_of, international


@pytest.mark.parametrize(
    ("typed", "department", "expected"),
    [
        ("01 30 12 34 56", "78", "+33130123456"),
        ("01.30.12.34.56", None, "+33130123456"),
        ("+33 1 30 12 34 56", "78", "+33130123456"),
        ("0262 12 34 56", "974", "+262262123456"),  # La Réunion has its own country code
        ("0596 61 23 45", "972", "+596596612345"),
        ("0262 12 34 56", None, "+262262123456"),  # no department: the plan where it is valid
        ("0262 12 34 56", "78", None),  # not a number of the metropolitan plan
        ("06 00 00 00 00", "78", "+33600000000"),
        ("12", "78", None),
        ("pas de téléphone", "78", None),
        ("", "78", None),
        (None, "78", None),
    ],
)
def test_international(typed: str | None, department: str | None, expected: str | None) -> None:
    assert international(typed, department) == expected


@pytest.mark.parametrize(
    ("insee", "department"), [("78646", "78"), ("2A004", "2A"), ("97411", "974"), ("01001", "01")]
)
def test_department_of(insee: str, department: str) -> None:
    assert department_of(insee) == department
