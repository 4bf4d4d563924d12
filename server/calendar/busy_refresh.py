"""Fetch, expand and apply professionals' calendars: the glue between the HTTP fetcher and
.ics reader (integrations/ical) and the busy-time domain (scheduling/busy_time.py).

The network and the parsing happen outside any database transaction; what they produce is
then written in one short transaction, so a slow calendar server never holds a connection.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from coordination.directory.territories import timezone_of
from integrations.ical.busy_import import BusyCalendarError, Interval, busy_intervals, precheck
from integrations.ical.fetch import Fetched, FetchError, fetch_calendar
from integrations.sandbox import SandboxError
from kernel.errors import Unavailable
from scheduling import busy_time
from scheduling.busy_calendar import BusyCalendar
from server.state import AppServices

log = logging.getLogger("cpts.calendar")
WINDOW_DAYS = 400  # beyond any slot horizon: an unchanged remote file needs no re-expansion
LEASE = timedelta(minutes=10)  # a claimed refresh that dies is retried after this
REEXPAND = timedelta(days=30)


def refresh_every(services: AppServices) -> timedelta:
    return timedelta(minutes=services.settings.calendar_refresh_minutes)


async def expand(services: AppServices, data: bytes, timezone: str) -> list[Interval]:
    """Busy intervals from now on, expanded in the calendar sandbox: a rule can take any time
    to reach the window, so the work runs where it can be stopped, away from the server's
    threads. Too many imports at once: Unavailable (503), the file is fine."""
    precheck(data)
    now = services.clock.now()
    try:
        return await services.calendar_sandbox.run(
            list[Interval],
            busy_intervals,
            data,
            now - timedelta(days=1),
            now + timedelta(days=WINDOW_DAYS),
            timezone,
        )
    except SandboxError as exc:
        if exc.reason == "busy":
            raise Unavailable(
                "too many calendars are being read: try again in a minute", code="busy_retry"
            ) from exc
        if exc.reason == "time":
            raise BusyCalendarError(
                "this calendar takes too long to read: its rules repeat too often",
                code="calendar_too_slow",
            ) from exc
        raise BusyCalendarError(
            "this calendar is too large to read", code="calendar_too_large"
        ) from exc


async def fetch(services: AppServices, url: str, calendar: BusyCalendar | None = None) -> Fetched:
    """A conditional fetch, unless the intervals were expanded REEXPAND ago or more: the
    expansion window must keep sliding even when the remote file never changes."""
    fresh = (
        calendar is not None
        and calendar.expanded_at is not None
        and services.clock.now() - calendar.expanded_at < REEXPAND
    )
    return await fetch_calendar(
        url,
        etag=calendar.remote_etag if calendar and fresh else None,
        last_modified=calendar.remote_last_modified if calendar and fresh else None,
        allow_private=services.settings.calendar_allow_private,
    )


async def refresh_one(
    services: AppServices, calendar: BusyCalendar, *, raising: bool = False
) -> busy_time.BusyOutcome | None:
    """Refresh a claimed URL calendar; failures are recorded on it, and raised again (the
    coded FetchError or BusyCalendarError) only when `raising`, for a caller who says them."""
    every = refresh_every(services)
    try:
        assert calendar.url is not None
        fetched = await fetch(services, calendar.url, calendar)
        intervals = None
        if fetched.body is not None:
            async with services.db.read() as session:
                zone = await timezone_of(session, calendar.territory_id)
            intervals = await expand(services, fetched.body, zone)
    except Unavailable:
        log.info("calendar %s: the calendar sandbox is full, retried after its lease", calendar.id)
        return None
    except (FetchError, BusyCalendarError) as exc:
        async with services.db.write() as session:
            await busy_time.refresh_failed(session, services.clock, calendar.id, str(exc), every)
        if raising:
            raise
        return None
    async with services.db.write() as session:
        outcome = await busy_time.refreshed(
            session,
            services.clock,
            calendar.id,
            intervals,
            remote_etag=fetched.etag,
            remote_last_modified=fetched.last_modified,
            refresh_every=every,
        )
    return outcome


async def refresh_due(services: AppServices) -> int:
    """The periodic job: claim the calendars due (once across workers) and refresh them."""
    async with services.db.write() as session:
        due = await busy_time.claim_due(session, services.clock, LEASE)
    done = 0
    for calendar in due:
        try:
            await refresh_one(services, calendar)
            done += 1
        except Exception:
            log.exception("calendar %s: refresh failed", calendar.id)
    return done
