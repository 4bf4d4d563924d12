"""Busy time from a professional's own calendar (.ics), as merged UTC intervals.

`recurring-ical-events` expands RRULE/RDATE, EXDATE and RECURRENCE-ID overrides in the events'
own zones. What counts as busy: opaque, not cancelled events, and BUSY periods of VFREEBUSY.
All-day events are busy for the whole local day of the territory; floating times are read in
the territory's zone. Events this server wrote (its own feed, re-imported through the GP's
calendar app) are skipped: a booking must not block, or conflict with, itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from recurring_ical_events.util import to_recurrence_ids

from integrations.ical.uids import is_own_uid
from kernel.errors import CodedError

MAX_OCCURRENCES = 20_000
Interval = tuple[datetime, datetime]


class BusyCalendarError(CodedError):
    """The file is not a usable iCalendar; the message is safe to show to its owner."""


# What the expansion reads; everything else (titles, descriptions, attendees, alarms) is dropped
# before parsing: it is most of a real calendar's bytes and none of the pool's business.
_KEPT = frozenset(
    b"BEGIN END VERSION UID DTSTART DTEND DURATION RRULE RDATE EXDATE EXRULE RECURRENCE-ID "
    b"SEQUENCE STATUS TRANSP FREEBUSY TZID TZOFFSETFROM TZOFFSETTO X-WR-TIMEZONE".split()
)
_UNFOLD = re.compile(rb"\r?\n[ \t]")
_NAME_END = re.compile(rb"[;:]")


def _busy_lines(data: bytes) -> bytes:
    """`data` unfolded, with only the properties in _KEPT and without VALARM components."""
    kept: list[bytes] = []
    in_alarm = False
    for line in _UNFOLD.sub(b"", data).splitlines():
        end = _NAME_END.search(line)
        name = (line[: end.start()] if end else line).strip().upper()
        if name == b"BEGIN" and line[6:].strip().upper() == b"VALARM":
            in_alarm = True
        elif in_alarm:
            in_alarm = not (name == b"END" and line[4:].strip().upper() == b"VALARM")
        elif name in _KEPT:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n"


def precheck(data: bytes) -> None:
    """What can be refused without parsing (a web page, an empty file): cheap enough to run
    before a calendar is handed to a sandbox."""
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise BusyCalendarError("this is not an iCalendar (.ics) file", code="calendar_not_ical")


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)


def _is_busy(event: Any) -> bool:
    """Whether an event (or one occurrence of a series) makes its owner busy."""
    if is_own_uid(str(event.get("UID", ""))):
        return False
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    return str(event.get("STATUS", "")).upper() != "CANCELLED"


def _interval(start: date | datetime, end: date | datetime, zone: ZoneInfo) -> Interval | None:
    if start == end and not isinstance(start, datetime):
        end = start + timedelta(days=1)  # an all-day event without end lasts its day
    s, e = _instant(start, zone), _instant(end, zone)
    return (s, e) if e > s else None  # an instant takes no time


def _busy_components(
    calendar: icalendar.Calendar,
) -> tuple[dict[tuple[str, tuple[Any, ...]], bool], dict[str, set[bool]]]:
    """Whether each VEVENT is busy, by UID and RECURRENCE-ID as the expansion identifies the
    component an occurrence comes from (a rule's own occurrences: no RECURRENCE-ID; an
    override's, and those after a RANGE=THISANDFUTURE override: its own); and the flags of
    each UID, so that a series whose components agree is not looked at per occurrence."""
    busy: dict[tuple[str, tuple[Any, ...]], bool] = {}
    flags: dict[str, set[bool]] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        rid = event.get("RECURRENCE-ID")
        is_busy = _is_busy(event)
        busy[(uid, to_recurrence_ids(rid.dt) if rid is not None else ())] = is_busy
        flags.setdefault(uid, set()).add(is_busy)
    return busy, flags


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
    """The merged busy intervals of `data` overlapping [start, end), clipped to it.

    Every occurrence the rules produce in the window counts toward MAX_OCCURRENCES, busy or
    not: a free or cancelled series costs the same to expand. The time a rule takes to reach
    the window is bounded by the caller (`CalendarExpander` runs this in a child process it
    kills past its budget)."""
    precheck(data)
    zone = ZoneInfo(timezone)
    try:
        calendar = icalendar.Calendar.from_ical(_busy_lines(data))
    except (ValueError, IndexError, KeyError) as exc:
        raise BusyCalendarError(
            "this is not an iCalendar (.ics) file", code="calendar_not_ical"
        ) from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise BusyCalendarError("this is not an iCalendar (.ics) file", code="calendar_not_ical")
    # All-day and floating events are read in their own zone by the library: a day of slack on
    # each side, clipped below once in UTC.
    query_start, query_end = start - timedelta(days=1), end + timedelta(days=1)
    found: list[Interval] = []
    expanded = 0
    try:
        busy, series_flags = _busy_components(calendar)
        for series in recurring_ical_events.of(calendar, skip_bad_series=True).series:
            uid = str(series.components[0].uid)
            flags = series_flags.get(uid, {True})
            if True not in flags:
                continue  # nothing busy in this series: not expanded at all
            for occurrence in series.between(query_start, query_end):
                expanded += 1
                if expanded > MAX_OCCURRENCES:
                    raise BusyCalendarError(
                        f"more than {MAX_OCCURRENCES} events in the window: split the calendar",
                        code="calendar_too_many_events",
                        params={"most": MAX_OCCURRENCES},
                    )
                if len(flags) > 1 and not busy.get((uid, occurrence.recurrence_ids), True):
                    continue  # a cancelled or free occurrence of a busy series
                interval = _interval(occurrence.start, occurrence.end, zone)
                if interval is not None:
                    found.append(interval)
        found.extend(_freebusy(calendar, zone))
    except BusyCalendarError:
        raise
    except Exception as exc:
        raise BusyCalendarError(
            f"this calendar cannot be read: {type(exc).__name__}", code="calendar_unreadable"
        ) from exc
    clipped = [(max(s, start), min(e, end)) for s, e in found if s < end and e > start]
    return merge([(s, e) for s, e in clipped if e > s])
