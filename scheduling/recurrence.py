"""Expansion of an availability rule into concrete UTC slot intervals.

The rule speaks wall-clock time in the territory's IANA zone, so a 12:00 slot stays at 12:00
local on both sides of a DST change (11:00 UTC in winter, 10:00 UTC in summer for Paris).

DST policy, tested in tests/scheduling/test_recurrence.py:
- a slot whose local start does not exist (spring-forward gap) is skipped that day;
- a slot whose local start is ambiguous (fall-back overlap) takes the first occurrence (fold=0);
- a slot lasts exactly `slot_minutes` of real time, so slots never overlap even when the
  window straddles a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from kernel.errors import CodedError

_ALLOWED_FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_FREQ = re.compile(r"(?:^|;)\s*FREQ\s*=\s*(\w+)", re.IGNORECASE)
_FORBIDDEN_PARTS = re.compile(
    r"(^|;)\s*(UNTIL|DTSTART|BYHOUR|BYMINUTE|BYSECOND)\s*=", re.IGNORECASE
)


class RecurrenceError(CodedError):
    """The RRULE cannot describe a set of days."""


def parse_rrule(text: str, start_date: date) -> rrule:
    """Parse an RFC 5545 RRULE over days; times come from the rule's own start/end time."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "\n" in body:
        raise RecurrenceError(
            "rrule must be a single RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO,TH", code="rrule_invalid"
        )
    if _FORBIDDEN_PARTS.search(body):
        raise RecurrenceError(
            "rrule may not contain UNTIL, DTSTART, BYHOUR, BYMINUTE or BYSECOND: use the "
            "until, start_date, start_time and end_time fields",
            code="rrule_forbidden_part",
        )
    try:
        parsed = rrulestr(body, dtstart=datetime.combine(start_date, time.min))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"rrule is not valid: {exc}", code="rrule_invalid") from exc
    freq = _FREQ.search(body)
    if not isinstance(parsed, rrule) or freq is None or freq.group(1).upper() not in _ALLOWED_FREQS:
        raise RecurrenceError(
            "rrule frequency must be DAILY, WEEKLY, MONTHLY or YEARLY", code="rrule_frequency"
        )
    return parsed


@dataclass(frozen=True, slots=True)
class DailyWindow:
    start_time: time
    end_time: time
    slot_minutes: int


def local_to_utc(naive_local: datetime, zone: ZoneInfo) -> datetime | None:
    """Wall-clock → UTC; None when the local time does not exist (spring-forward gap)."""
    aware = naive_local.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive_local:
        return None
    return utc


def day_slots(
    day: date, window: DailyWindow, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    step = timedelta(minutes=window.slot_minutes)
    cursor = datetime.combine(day, window.start_time)
    last_start = datetime.combine(day, window.end_time) - step
    while cursor <= last_start:
        start = local_to_utc(cursor, zone)
        if start is not None:
            yield start, start + step
        cursor += step


def expand(
    rule: rrule,
    window: DailyWindow,
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
    exdates: frozenset[date] = frozenset(),
) -> Iterator[tuple[datetime, datetime]]:
    """UTC intervals of the rule's slots on the days [first_day, last_day]."""
    if last_day < first_day:
        return
    days = rule.between(
        datetime.combine(first_day, time.min), datetime.combine(last_day, time.max), inc=True
    )
    for occurrence in days:
        day = occurrence.date()
        if day not in exdates:
            yield from day_slots(day, window, zone)
