"""How names fold into one person: accents, case, hyphens, apostrophes and ligatures aside,
and letters of every script kept."""

from __future__ import annotations

import pytest

from scheduling.patient import NAME_LENGTH, fold_name


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Hoarau-Payet", "hoarau payet"),
        ("  HOARAU   PAYET ", "hoarau payet"),
        ("Mylène", "mylene"),
        ("D'Artagnan", "d artagnan"),
        ("D\u2019Artagnan", "d artagnan"),
        ("Cœur", "coeur"),
        ("Lætitia", "laetitia"),
        ("Strauß", "strauss"),
        ("Øster", "oster"),
        ("Иванов", "иванов"),
        ("Nguyễn", "nguyen"),
    ],
)
def test_a_name_folds_as_people_mean_it(typed: str, folded: str) -> None:
    assert fold_name(typed) == folded


def test_other_scripts_are_not_folded_away() -> None:
    assert fold_name("Иванов") != fold_name("Петров")
    assert fold_name("王") != fold_name("李") and fold_name("王")


def test_a_folded_name_fits_its_column() -> None:
    assert len(fold_name("ﬃ" * NAME_LENGTH)) == NAME_LENGTH
