"""Periods are counted on the territory's calendar: a DST week is one week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coordination.indicators.period import Period


@pytest.mark.parametrize(
    ("monday", "zone"),
    [
        (date(2027, 3, 22), "Europe/Paris"),  # spring forward on Sunday 28: 167 h
        (date(2027, 10, 25), "Europe/Paris"),  # fall back on Sunday 31: 169 h
        (date(2027, 3, 22), "Indian/Reunion"),  # no DST
    ],
)
def test_a_week_is_one_week_whatever_its_hours(monday: date, zone: str) -> None:
    week = Period.of(monday, date.fromordinal(monday.toordinal() + 6), zone)
    assert week.elapsed_weeks(None) == 1.0
    # A GP with exactly 2 h in that week is at 2 h a week, not 1.99 nor 2.01.
    assert round(7200 / 3600 / week.elapsed_weeks(None), 6) == 2.0


def test_a_period_in_progress_counts_the_local_time_gone_by() -> None:
    two_weeks = Period.of(date(2027, 3, 22), date(2027, 4, 4), "Europe/Paris")
    # Monday 29 March, 00:00 in Paris (22:00 UTC the day before, after the change): one week.
    assert two_weeks.elapsed_weeks(datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == 1.0
