"""A reporting period: whole local days of the territory, and its local weeks.

The ACI counts in calendar days and weeks of the territory, not of UTC: a request received at
23:30 on 31 December in Réunion belongs to that year. Boundaries are computed here with the
IANA zone (DST-correct) and handed to SQL as UTC instants, so the same queries run on
PostgreSQL and SQLite, whose SQL knows no time zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coordination.doctor_access.models import quarter_of
from kernel.errors import Invalid

MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Week:
    index: int
    monday: date  # local
    start: datetime  # UTC instant of the local Monday 00:00 (clipped to the period)
    end: datetime


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date  # inclusive
    timezone: str

    @classmethod
    def of(cls, first_day: date, last_day: date, timezone: str) -> Period:
        if last_day < first_day:
            raise Invalid("to must not be before from", code="end_before_start", field="to")
        if (last_day - first_day).days > MAX_DAYS:
            raise Invalid(
                "a period spans at most three years", code="indicators_period_max", field="to"
            )
        if first_day.year < 2000 or last_day.year > 2100:
            raise Invalid(
                "dates run from 2000 to 2100", code="indicators_dates_range", field="from"
            )
        return cls(first_day, last_day, timezone)

    @classmethod
    def year(cls, year: int, timezone: str) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), timezone)

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self._instant(self.first_day)

    @property
    def end(self) -> datetime:
        return self._instant(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def elapsed_weeks(self, now: datetime | None) -> float:
        """Weeks of the period gone by at `now` (all of them for a past period): rates per
        week are over the time that could be measured, not over weeks still to come.

        Counted on the territory's calendar, not in elapsed seconds: a week across a DST change
        is one week (167 or 169 hours of real time), so "2 h a week" means the same in
        every week of the year."""
        end = self.end if now is None else min(self.end, max(now, self.start))
        zone = ZoneInfo(self.timezone)
        local = end.astimezone(zone).replace(tzinfo=None) - datetime.combine(self.first_day, time())
        return max(local.total_seconds() / (7 * 86400), 1 / 7)

    def quarters(self) -> list[str]:
        """The quarters touching the period, as GPs state capacities (« 2026-T4 »)."""
        found: list[str] = []
        day = self.first_day.replace(day=1)
        while day <= self.last_day:
            if quarter_of(day) not in found:
                found.append(quarter_of(day))
            day = (day + timedelta(days=32)).replace(day=1)
        return found

    def weeks(self) -> list[Week]:
        """The local Monday-to-Sunday weeks touching the period, clipped to it."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        out: list[Week] = []
        while monday <= self.last_day:
            first = max(monday, self.first_day)
            last = min(monday + timedelta(days=6), self.last_day)
            out.append(
                Week(
                    len(out), monday, self._instant(first), self._instant(last + timedelta(days=1))
                )
            )
            monday += timedelta(days=7)
        return out


def days_or_year_to_date(
    first: date | None, last: date | None, now: datetime, timezone: str
) -> tuple[date, date]:
    """The days asked for; by default this year so far, by the territory's calendar (between
    midnight and 2 am in Paris, UTC is still yesterday)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return first or date(today.year, 1, 1), last or today
