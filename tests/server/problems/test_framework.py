"""msgspec's validation messages read for the field they name."""

from __future__ import annotations

import pytest

from server.problems.framework import _field_of


@pytest.mark.parametrize(
    ("message", "key", "source", "field"),
    [
        (
            "Expected `str`, got `int` - at `$.locations[0].commune_insee`",
            "data",
            "body",
            "locations.0.commune_insee",
        ),
        ("Object missing required field `start`", "data", "body", "start"),
        (
            "Object contains unknown field `colour` - at `$.patient`",
            "data",
            "body",
            "patient.colour",
        ),
        ("Expected `int`", "limit", "query", "limit"),
        ("Expected datetime", "from_", "query", "from"),
        ("Expected `object`, got `array`", "data", "body", None),
    ],
)
def test_the_field_named(message: str, key: str, source: str, field: str | None) -> None:
    assert _field_of(message, key, source) == field
