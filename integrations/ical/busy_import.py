"""Busy time from a professional's own calendar (.ics), as merged UTC intervals.

`recurring-ical-events` expands RRULE/RDATE, EXDATE and RECURRENCE-ID overrides in the events'
own zones. What counts as busy: opaque, not cancelled events, and BUSY periods of VFREEBUSY.
All-day events are busy for the whole local day of the territory; floating times are read in
the territory's zone. Events this server wrote (its own feed, re-imported through the GP's
calendar app) are skipped: a booking must not block, or conflict with, itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from integrations.ical.agenda import is_own_uid

MAX_OCCURRENCES = 20_000
Interval = tuple[datetime, datetime]


class BusyCalendarError(ValueError):
    """The file is not a usable iCalendar; the message is safe to show to its owner."""


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)


def _event_interval(event: Any, zone: ZoneInfo) -> Interval | None:
    if is_own_uid(str(event.get("UID", ""))):
        return None
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    raw_start = event.get("DTSTART")
    if raw_start is None:
        return None
    start = raw_start.dt
    raw_end = event.get("DTEND")
    if raw_end is not None:
        end = raw_end.dt
    elif event.get("DURATION") is not None:
        end = start + event["DURATION"].dt
    elif not isinstance(start, datetime):
        end = start + timedelta(days=1)  # an all-day event without end lasts its day
    else:
        return None  # an instant takes no time
    s, e = _instant(start, zone), _instant(end, zone)
    return (s, e) if e > s else None


def _freebusy(calendar: icalendar.Calendar, zone: ZoneInfo) -> Iterator[Interval]:
    for component in calendar.walk("VFREEBUSY"):
        entries = component.get("FREEBUSY", [])
        for entry in entries if isinstance(entries, list) else [entries]:
            if str(entry.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in entry.dts if hasattr(entry, "dts") else [entry]:
                start, end_or_duration = period.dt
                end = (
                    start + end_or_duration
                    if isinstance(end_or_duration, timedelta)
                    else end_or_duration
                )
                s, e = _instant(start, zone), _instant(end, zone)
                if e > s:
                    yield s, e


def merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def busy_intervals(data: bytes, start: datetime, end: datetime, timezone: str) -> list[Interval]:
    """The merged busy intervals of `data` overlapping [start, end), clipped to it."""
    zone = ZoneInfo(timezone)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise BusyCalendarError("this is not an iCalendar (.ics) file") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise BusyCalendarError("this is not an iCalendar (.ics) file")
    found: list[Interval] = []
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).after(start)
        for event in occurrences:
            interval = _event_interval(event, zone)
            if interval is None:
                continue
            if interval[0] >= end:
                # `after` yields by start, but all-day and floating events start in their own
                # zones: allow a day of slack before stopping.
                if interval[0] >= end + timedelta(days=1):
                    break
                continue
            found.append(interval)
            if len(found) > MAX_OCCURRENCES:
                raise BusyCalendarError(
                    f"more than {MAX_OCCURRENCES} busy periods in the window: split the calendar"
                )
        found.extend(_freebusy(calendar, zone))
    except BusyCalendarError:
        raise
    except Exception as exc:
        raise BusyCalendarError(f"this calendar cannot be read: {type(exc).__name__}") from exc
    clipped = [(max(s, start), min(e, end)) for s, e in found if s < end and e > start]
    return merge([(s, e) for s, e in clipped if e > s])
