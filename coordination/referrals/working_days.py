"""Response deadlines counted in the territory's working days.

Weekends and French public holidays come from the `holidays` package, computed for any year
(Easter-based ones included), never listed by hand; Alsace-Moselle and the overseas departments
have their own (a subdivision code: "57", "6AE", "974"…).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Overseas zones imply their department's holidays (abolition of slavery days…).
_SUBDIVISION_BY_ZONE = {
    "America/Guadeloupe": "971",
    "America/Martinique": "972",
    "America/Cayenne": "973",
    "Indian/Reunion": "974",
    "Indian/Mayotte": "976",
}


# The subdivisions with holidays of their own: Moselle, Alsace and the overseas departments.
SUBDIVISIONS = ("57", "6AE", "971", "972", "973", "974", "976")


def subdivision_for(timezone: str, configured: str | None = None) -> str | None:
    return configured or _SUBDIVISION_BY_ZONE.get(timezone)


@lru_cache(maxsize=64)
def _calendar(subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", subdiv=subdivision, years=year)


def is_working_day(day: date, subdivision: str | None = None) -> bool:
    return day.weekday() < 5 and day not in _calendar(subdivision, day.year)


def add_working_days(start: date, days: int, subdivision: str | None = None) -> date:
    """The `days`-th working day after `start` (`start` itself never counts)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, subdivision):
            remaining -= 1
    return current


def due_at(
    received_at: datetime, days: int, timezone: str, subdivision: str | None = None
) -> datetime:
    """End (local midnight) of the `days`-th working day after the day of receipt: a request
    received on Friday with two working days is due by Tuesday evening, or Wednesday evening
    when Monday is a holiday. Returned as an aware instant in the territory's zone."""
    zone = ZoneInfo(timezone)
    received_day = received_at.astimezone(zone).date()
    last_day = add_working_days(received_day, days, subdivision)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
