"""Working-day deadlines across weekends and moving public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coordination.referrals.working_days import (
    add_working_days,
    due_at,
    is_working_day,
    subdivision_for,
)

PARIS = "Europe/Paris"


def test_a_friday_request_is_due_on_tuesday_evening() -> None:
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    due = due_at(friday, 2, PARIS)
    assert due.date() == date(2026, 11, 25) and (due.hour, due.minute) == (0, 0)  # end of Tue 24
    assert due_at(friday, 1, PARIS).date() == date(2026, 11, 24)  # urgent: end of Monday


def test_ascension_thursday_is_skipped() -> None:
    # 2026-05-14 is Ascension Day: Wednesday 13 + 2 working days = Friday 15 + Monday 18.
    assert not is_working_day(date(2026, 5, 14))
    assert add_working_days(date(2026, 5, 13), 2) == date(2026, 5, 18)


def test_whit_monday_and_a_weekend_are_skipped() -> None:
    # Friday 2026-05-22, then a weekend and Whit Monday (25 May): due at the end of Wednesday.
    assert not is_working_day(date(2026, 5, 25))
    friday = datetime(2026, 5, 22, 9, 30, tzinfo=UTC)
    assert due_at(friday, 2, PARIS) == datetime(
        2026, 5, 28, 0, 0, tzinfo=due_at(friday, 2, PARIS).tzinfo
    )
    assert add_working_days(date(2026, 5, 22), 2) == date(2026, 5, 27)


def test_holidays_are_computed_for_any_year() -> None:
    # Easter-based holidays move: Ascension 2027 is on 6 May, Whit Monday 2027 on 17 May.
    assert not is_working_day(date(2027, 5, 6)) and not is_working_day(date(2027, 5, 17))
    assert is_working_day(date(2027, 5, 14))


def test_a_weekend_receipt_counts_from_monday() -> None:
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert due_at(saturday, 2, PARIS).date() == date(2026, 11, 25)


def test_local_day_decides_not_utc() -> None:
    # 21:30 UTC on Thursday is still Thursday in Paris but already Friday in Réunion (UTC+4).
    thursday_night = datetime(2026, 11, 19, 21, 30, tzinfo=UTC)
    assert due_at(thursday_night, 1, PARIS).date() == date(2026, 11, 21)  # end of Friday
    assert due_at(thursday_night, 1, "Indian/Reunion").date() == date(2026, 11, 24)  # Monday


def test_regional_holidays() -> None:
    # 20 December: abolition of slavery in Réunion; Saint Stephen's Day in Alsace-Moselle.
    assert subdivision_for("Indian/Reunion") == "974"
    assert not is_working_day(date(2027, 12, 20), "974")
    assert is_working_day(date(2027, 12, 20))
    assert not is_working_day(date(2025, 12, 26), "57") and is_working_day(date(2025, 12, 26))


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days"):
        add_working_days(date(2026, 1, 5), -1)
