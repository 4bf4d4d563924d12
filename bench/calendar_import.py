"""Importing a GP's Google calendar as busy time: the upload's expansion, and what it replaced.

    python -m bench.calendar_import [--events 677] [--repeat 5] [--previous-budget 60]

The calendar is bench/google_calendar.py's export (about 677 events: recurring series with
EXDATEs and RECURRENCE-ID overrides, one-offs over five years, all-day events, alarms,
attendees), expanded over the server's window (a day back, 400 days ahead) in Europe/Paris.
Rows, each the median of `--repeat` runs in this one process and machine:

- served: what an upload or a refresh costs, `busy_intervals` in the server's calendar sandbox
  (a new child process per file, its start-up included);
- in process: the same function called directly;
- baseline, the library's own way: icalendar's parser, then recurring-ical-events' `between`
  over the window on the whole file (every property parsed, every occurrence copied);
- baseline, the previous import: the same library's `after()` iteration, with free and
  cancelled events expanded and never counted (run once, in a sandbox killed at
  `--previous-budget` seconds: it never finished on this file).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bench.booking import machine
from bench.google_calendar import google_calendar
from integrations.ical.busy_import import Interval, busy_intervals, merge
from integrations.sandbox import Sandbox, SandboxError
from server.calendar.busy_refresh import WINDOW_DAYS
from server.state import CALENDAR_LIMITS, calendar_sandbox


def library_between(data: bytes, start: datetime, end: datetime, timezone: str) -> int:
    """The straightforward use of the libraries: parse all, expand all, copy each occurrence."""
    calendar = icalendar.Calendar.from_ical(data)
    events = recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)
    return len(events)


def previous_import(data: bytes, start: datetime, end: datetime, timezone: str) -> int:
    """The import as it was before this benchmark: `after()`, filtering while iterating."""
    zone = ZoneInfo(timezone)
    calendar = icalendar.Calendar.from_ical(data)
    found: list[Interval] = []
    for event in recurring_ical_events.of(calendar, skip_bad_series=True).after(start):
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        s = event["DTSTART"].dt
        e = event["DTEND"].dt if event.get("DTEND") is not None else s + timedelta(days=1)
        if not isinstance(s, datetime):
            s = datetime.combine(s, datetime.min.time(), tzinfo=zone)
            e = datetime.combine(e, datetime.min.time(), tzinfo=zone)
        if s >= end + timedelta(days=1):
            break
        found.append((s.astimezone(UTC), e.astimezone(UTC)))
    return len(merge(found))


def _median_ms(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


async def _median_ms_async(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


async def run(args: argparse.Namespace) -> None:
    today = date(2026, 12, 2)
    data = google_calendar(today, events=args.events)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=WINDOW_DAYS)
    window = (data, start, end, "Europe/Paris")
    sandbox = calendar_sandbox()

    served_ms, served = await _median_ms_async(
        lambda: sandbox.run(list[Interval], busy_intervals, *window), args.repeat
    )
    child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    direct_ms, direct = _median_ms(lambda: busy_intervals(*window), args.repeat)
    assert served == direct
    library_ms, occurrences = _median_ms(lambda: library_between(*window), args.repeat)

    previous = Sandbox("previous", replace(CALENDAR_LIMITS, seconds=args.previous_budget))
    t = time.perf_counter()
    try:
        # By its module's name: run as `-m`, this file is __main__, which the child is not.
        this = importlib.import_module("bench.calendar_import")
        count = await previous.run(int, this.previous_import, *window)
        previous_cell = f"{(time.perf_counter() - t) * 1000:,.0f} ms ({count} intervals)"
    except SandboxError as exc:
        previous_cell = f"> {args.previous_budget:g} s ({exc.reason}: stopped)"

    print(f"machine: {machine()}")
    print(
        f"calendar: {len(data) / 1000:.0f} kB, {data.count(b'BEGIN:VEVENT')} events, "
        f"{occurrences} occurrences in the {WINDOW_DAYS + 1}-day window, "
        f"{len(direct)} merged busy intervals; median of {args.repeat} runs"
    )
    print()
    print("| import | wall time |")
    print("|---|---|")
    print(f"| served: calendar sandbox (new process, start-up included) | {served_ms:,.0f} ms |")
    print(f"| busy_intervals in process | {direct_ms:,.0f} ms |")
    print(f"| baseline: icalendar + recurring-ical-events `between` | {library_ms:,.0f} ms |")
    print(f"| baseline: the previous import (`after()`) | {previous_cell} |")
    print()
    print(f"peak RSS of a sandbox child: {child_peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=677)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--previous-budget", type=float, default=60)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
