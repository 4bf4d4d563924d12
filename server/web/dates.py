"""Days and durations as the pages count and say them: days are the territory's local days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_day(moment: datetime, zone: str) -> date:
    """The day `moment` falls on in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).date()


def local_midnight(day: date, zone: str) -> datetime:
    """The first instant of `day` in `zone`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_and_time(moment: datetime, zone: str) -> tuple[str, str]:
    """What a date input and a time input show of `moment` in `zone` (« 2026-12-01 », « 14:05 »)."""
    here = moment.astimezone(ZoneInfo(zone))
    return here.date().isoformat(), here.strftime("%H:%M")


def years_between(birth: date, today: date) -> int:
    """The age in whole years on `today` of someone born on `birth`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def span(delta: timedelta) -> str:
    """« 2 j 4 h », « 3 h 20 », « 12 min »: a (non-negative) duration, to the minute below."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {mins:02d}" if mins else f"{hours} h"
    return f"{mins} min"
