"""Busy intervals read from real calendars (the recurring-ical-events project's test files,
see calendars/CREDITS.md) and from hand-written edge cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.ical.busy_import import BusyCalendarError, Interval, busy_intervals
from integrations.sandbox import Sandbox, SandboxError
from server.state import CALENDAR_LIMITS, calendar_sandbox

CALENDARS = Path(__file__).parent / "calendars"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(name: str, start: datetime, end: datetime, zone: str = "Europe/Paris") -> list:
    return busy_intervals((CALENDARS / name).read_bytes(), start, end, zone)


def test_weekly_rule_with_exdates_across_the_march_dst_change() -> None:
    # 8 Mondays at 00:30-01:00 Europe/Berlin from 4 March 2019; 11 and 25 March deleted.
    # Before 31 March the offset is +01:00 (23:30Z the evening before), after it +02:00.
    got = read("each_week_but_two_deleted.ics", utc(2019, 1, 1), utc(2020, 1, 1))
    half_hour = timedelta(minutes=30)
    expected_starts = [
        utc(2019, 3, 3, 23, 30),
        utc(2019, 3, 17, 23, 30),
        utc(2019, 3, 31, 22, 30),
        utc(2019, 4, 7, 22, 30),
        utc(2019, 4, 14, 22, 30),
        utc(2019, 4, 21, 22, 30),
    ]
    assert got == [(s, s + half_hour) for s in expected_starts]


def test_recurrence_id_overrides_move_single_occurrences() -> None:
    got = read("recurring_events_moved.ics", utc(2019, 3, 1), utc(2019, 4, 1))
    hour = timedelta(hours=1)
    # "New Event": daily 02:00 Berlin (01:00Z) from 7 March; the 8 March one moved to 01:00
    # (00:00Z), the 9 March one to 03:00 (02:00Z). "test7": daily 04:00 Berlin from 18 March,
    # its 19 March occurrence edited in place.
    expected_starts = [
        utc(2019, 3, 7, 1),
        utc(2019, 3, 8, 0),
        utc(2019, 3, 9, 2),
        utc(2019, 3, 10, 1),
        utc(2019, 3, 18, 3),
        utc(2019, 3, 19, 3),
        utc(2019, 3, 20, 3),
    ]
    assert got == [(s, s + hour) for s in expected_starts]


def test_all_day_events_are_busy_for_the_local_day_of_the_territory() -> None:
    # An all-day event every day from 4 March 2019: whole days in the territory's zone,
    # merged into one interval, clipped to the window.
    got = read("one_day_event_repeat_every_day.ics", utc(2019, 3, 1), utc(2019, 3, 8))
    assert got == [(utc(2019, 3, 3, 23), utc(2019, 3, 8))]
    reunion = read(
        "one_day_event_repeat_every_day.ics", utc(2019, 3, 1), utc(2019, 3, 8), "Indian/Reunion"
    )
    assert reunion == [(utc(2019, 3, 3, 20), utc(2019, 3, 8))]


def _calendar(*events: str) -> bytes:
    body = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//FR", *events, "END:VCALENDAR", ""]
    )
    return body.encode()


def _vevent(uid: str, *props: str) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT"]
    )


def test_free_cancelled_and_own_events_are_not_busy() -> None:
    data = _calendar(
        _vevent("busy@x", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z"),
        _vevent(
            "free@x", "DTSTART:20261201T110000Z", "DTEND:20261201T120000Z", "TRANSP:TRANSPARENT"
        ),
        _vevent("gone@x", "DTSTART:20261201T130000Z", "DTEND:20261201T140000Z", "STATUS:CANCELLED"),
        # our own feed, re-imported through the GP's calendar app
        _vevent("booking-0b7c@cpts-snp", "DTSTART:20261201T150000Z", "DTEND:20261201T151500Z"),
        # floating time: read in the territory's zone (Réunion, UTC+4, no DST)
        _vevent("floating@x", "DTSTART:20261202T080000", "DURATION:PT30M"),
        "BEGIN:VFREEBUSY\r\nUID:fb@x\r\nDTSTAMP:20260101T000000Z\r\n"
        "FREEBUSY;FBTYPE=BUSY:20261203T080000Z/PT1H\r\n"
        "FREEBUSY;FBTYPE=FREE:20261203T100000Z/PT1H\r\nEND:VFREEBUSY",
    )
    got = busy_intervals(data, utc(2026, 11, 30), utc(2026, 12, 31), "Indian/Reunion")
    assert got == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 10)),
        (utc(2026, 12, 2, 4), utc(2026, 12, 2, 4, 30)),
        (utc(2026, 12, 3, 8), utc(2026, 12, 3, 9)),
    ]


def test_overlapping_events_merge_and_the_window_clips() -> None:
    data = _calendar(
        _vevent("a@x", "DTSTART:20261201T090000Z", "DTEND:20261201T100000Z"),
        _vevent("b@x", "DTSTART:20261201T093000Z", "DTEND:20261201T110000Z"),
        _vevent("c@x", "DTSTART:20261201T110000Z", "DTEND:20261201T113000Z"),
        _vevent("late@x", "DTSTART:20270301T090000Z", "DTEND:20270301T100000Z"),
    )
    got = busy_intervals(data, utc(2026, 12, 1, 9, 15), utc(2027, 1, 1), "Europe/Paris")
    assert got == [(utc(2026, 12, 1, 9, 15), utc(2026, 12, 1, 11, 30))]


@pytest.mark.parametrize(
    "data",
    [b"", b"not a calendar", b"<html><body>login</body></html>", b"BEGIN:VCALENDAR\r\nBEGIN:"],
)
def test_what_is_not_a_calendar_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(BusyCalendarError):
        busy_intervals(data, utc(2026, 1, 1), utc(2027, 1, 1), "Europe/Paris")


def test_an_endless_minutely_rule_is_bounded() -> None:
    data = _calendar(
        _vevent("spam@x", "DTSTART:20261201T000000Z", "DURATION:PT30S", "RRULE:FREQ=MINUTELY")
    )
    with pytest.raises(BusyCalendarError, match="more than"):
        busy_intervals(data, utc(2026, 12, 1), utc(2027, 12, 1), "Europe/Paris")


@pytest.mark.parametrize("marker", ["TRANSP:TRANSPARENT", "STATUS:CANCELLED"])
async def test_a_series_with_nothing_busy_costs_nothing(marker: str) -> None:
    # 196 bytes that once kept a server thread busy for minutes: 200,000 minutely occurrences,
    # none busy, expanded all the same and never counted. Run in the server's calendar
    # sandbox, whose time budget turns a regression into a failure rather than a hung suite.
    data = _calendar(
        _vevent(
            "spam@x",
            "DTSTART:20261201T000000Z",
            "DURATION:PT30S",
            "RRULE:FREQ=MINUTELY;COUNT=200000",
            marker,
        )
    )
    got = await calendar_sandbox().run(
        list[Interval], busy_intervals, data, utc(2026, 12, 1), utc(2028, 1, 1), "Europe/Paris"
    )
    assert got == []


async def test_free_occurrences_of_an_expanded_series_count_toward_the_cap() -> None:
    # One busy override makes the free series worth expanding: then every occurrence counts.
    data = _calendar(
        _vevent(
            "spam@x",
            "DTSTART:20261201T000000Z",
            "DURATION:PT30S",
            "RRULE:FREQ=MINUTELY;COUNT=200000",
            "TRANSP:TRANSPARENT",
        ),
        _vevent(
            "spam@x",
            "RECURRENCE-ID:20261201T000100Z",
            "DTSTART:20261201T000100Z",
            "DURATION:PT30S",
        ),
    )
    with pytest.raises(BusyCalendarError, match="more than"):
        await calendar_sandbox().run(
            list[Interval], busy_intervals, data, utc(2026, 12, 1), utc(2028, 1, 1), "Europe/Paris"
        )


async def test_a_rule_that_takes_too_long_to_reach_the_window_is_stopped() -> None:
    # Every second since 1970: the rule yields nothing before the window, for hours; only the
    # sandbox's budget can stop it.
    data = _calendar(
        _vevent("slow@x", "DTSTART:19700101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")
    )
    sandbox = Sandbox("calendar", replace(CALENDAR_LIMITS, seconds=2), [BusyCalendarError])
    with pytest.raises(SandboxError) as stopped:
        await sandbox.run(
            list[Interval], busy_intervals, data, utc(2026, 12, 1), utc(2027, 1, 1), "Europe/Paris"
        )
    assert stopped.value.reason == "time"


def test_titles_and_alarms_are_not_read() -> None:
    # Only what says *when* is parsed: a malformed description or alarm cannot fail an import,
    # and a folded line is read whole.
    data = _calendar(
        _vevent(
            "a@x",
            "DTSTART:20261201T09",
            " 0000Z",
            "DTEND:20261201T100000Z",
            'DESCRIPTION;BROKEN="',
            "BEGIN:VALARM",
            "TRIGGER:not a duration",
            "END:VALARM",
        )
    )
    got = busy_intervals(data, utc(2026, 11, 30), utc(2026, 12, 31), "Europe/Paris")
    assert got == [(utc(2026, 12, 1, 9), utc(2026, 12, 1, 10))]


def test_a_cancelled_override_frees_its_occurrence_only() -> None:
    data = _calendar(
        _vevent(
            "weekly@x",
            "DTSTART:20261201T090000Z",
            "DTEND:20261201T100000Z",
            "RRULE:FREQ=WEEKLY;COUNT=3",
        ),
        _vevent(
            "weekly@x",
            "RECURRENCE-ID:20261208T090000Z",
            "DTSTART:20261208T090000Z",
            "DTEND:20261208T100000Z",
            "STATUS:CANCELLED",
        ),
    )
    got = busy_intervals(data, utc(2026, 11, 30), utc(2026, 12, 31), "Europe/Paris")
    assert got == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 10)),
        (utc(2026, 12, 15, 9), utc(2026, 12, 15, 10)),
    ]
