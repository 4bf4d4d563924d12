"""The French of the pages' filters: dates, zones, agreements, the directory's specialties."""

from __future__ import annotations

from datetime import date

import pytest

from scheduling.patient import Sex
from server.web.labels import specialty
from server.web.templating import born, long_date, of, zone_name


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 1), "mardi 1er décembre 2026"),
        (date(2026, 12, 2), "mercredi 2 décembre 2026"),
        (date(2027, 1, 11), "lundi 11 janvier 2027"),
    ],
)
def test_long_dates(day: date, text: str) -> None:
    assert long_date(day) == text


def test_zones_agreements_and_specialties() -> None:
    assert zone_name("Europe/Paris") == "heure de Paris"
    assert zone_name("Indian/Reunion") == "heure de La Réunion"
    assert zone_name("America/Port_of_Spain") == "heure de Port of Spain"
    assert [born(s) for s in (Sex.FEMALE, Sex.MALE, Sex.OTHER, Sex.UNKNOWN)] == [
        "née",
        "né",
        "né·e",
        "né·e",
    ]
    assert specialty("general_practice") == "médecine générale"
    assert specialty("Pédiatrie") == "Pédiatrie"  # the national directory's, as it comes


def test_elision() -> None:
    assert [of(n) for n in ("Élodie MARTIN", "Hélène", "Ines", "Martin")] == [
        "d’Élodie MARTIN",
        "d’Hélène",
        "d’Ines",
        "de Martin",
    ]
