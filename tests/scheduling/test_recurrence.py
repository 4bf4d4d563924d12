"""Recurrence in local wall-clock time: DST changes in Paris, none in Réunion, edge policies."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduling.recurrence import DailyWindow, RecurrenceError, expand, local_to_utc, parse_rrule

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
NOON_HOUR = DailyWindow(time(12, 0), time(13, 0), 15)


def _starts(
    zone: ZoneInfo, first: date, last: date, rule: str = "FREQ=WEEKLY;BYDAY=SU"
) -> list[datetime]:
    return [s for s, _ in expand(parse_rrule(rule, first), NOON_HOUR, zone, first, last)]


def test_noon_stays_noon_across_the_march_change_in_paris() -> None:
    # 2026-03-29 is the last Sunday of March: Paris goes from UTC+1 to UTC+2.
    starts = _starts(PARIS, date(2026, 3, 22), date(2026, 3, 29))
    before = [s for s in starts if s.date() == date(2026, 3, 22)]
    after = [s for s in starts if s.date() == date(2026, 3, 29)]
    assert before[0] == datetime(2026, 3, 22, 11, 0, tzinfo=UTC)
    assert after[0] == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    assert {s.astimezone(PARIS).time() for s in starts} == {
        time(12, 0),
        time(12, 15),
        time(12, 30),
        time(12, 45),
    }


def test_noon_stays_noon_across_the_october_change_in_paris() -> None:
    # 2026-10-25 is the last Sunday of October: back to UTC+1.
    starts = _starts(PARIS, date(2026, 10, 18), date(2026, 10, 25))
    assert starts[0] == datetime(2026, 10, 18, 10, 0, tzinfo=UTC)
    assert starts[4] == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)
    assert len(starts) == 8


def test_reunion_has_no_dst() -> None:
    starts = _starts(REUNION, date(2026, 3, 22), date(2026, 10, 25))
    assert {s.time() for s in starts} == {time(8, 0), time(8, 15), time(8, 30), time(8, 45)}
    assert len(starts) == 4 * 32


def test_nonexistent_local_times_are_skipped() -> None:
    window = DailyWindow(time(1, 30), time(3, 30), 30)
    day = date(2026, 3, 29)
    starts = [s for s, _ in expand(parse_rrule("FREQ=DAILY", day), window, PARIS, day, day)]
    local = [s.astimezone(PARIS).time() for s in starts]
    assert local == [time(1, 30), time(3, 0)]  # 02:00 and 02:30 do not exist that night


def test_ambiguous_local_times_take_the_first_occurrence_and_never_overlap() -> None:
    window = DailyWindow(time(1, 30), time(3, 30), 30)
    day = date(2026, 10, 25)
    slots = list(expand(parse_rrule("FREQ=DAILY", day), window, PARIS, day, day))
    assert slots[1][0] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST, the first one
    for (_, end), (next_start, _) in itertools.pairwise(slots):
        assert end <= next_start
    assert all((e - s).total_seconds() == 1800 for s, e in slots)


def test_local_to_utc() -> None:
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), PARIS) is None
    assert local_to_utc(datetime(2026, 7, 1, 12, 0), PARIS) == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC
    )


def test_exdates_and_byday() -> None:
    first, last = date(2026, 1, 5), date(2026, 1, 18)  # Monday 5 → Sunday 18
    rule = parse_rrule("FREQ=WEEKLY;BYDAY=MO,TH", first)
    days = {
        s.astimezone(PARIS).date()
        for s, _ in expand(rule, NOON_HOUR, PARIS, first, last, frozenset({date(2026, 1, 8)}))
    }
    assert days == {date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 15)}


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=HOURLY",
        "FREQ=WEEKLY;UNTIL=20270101T000000Z",
        "FREQ=DAILY;BYHOUR=12",
        "DTSTART:20260101T000000\nRRULE:FREQ=DAILY",
        "FREQ=SOMETIMES",
        "BYDAY=MO",
        "",
    ],
)
def test_bad_rrules(text: str) -> None:
    with pytest.raises(RecurrenceError):
        parse_rrule(text, date(2026, 1, 1))


def test_rrule_prefix_is_accepted() -> None:
    assert parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=MO", date(2026, 1, 1))
