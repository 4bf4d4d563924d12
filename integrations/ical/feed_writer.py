"""Writes an iCalendar (RFC 5545) subscription feed, fast enough for a year of bookings.

Why not `icalendar`'s writer: building 5,000 events with it took ~840 ms on the development
machine (bench/ical_feed.py prints both), against a budget of 100 ms for the whole response.
A feed is a flat list of VEVENTs with a handful of properties whose values we produce
ourselves, so this writer only needs TEXT escaping (§3.3.11), UTC DATE-TIME values (§3.3.5)
and line folding at 75 octets (§3.1). The tests parse its output with `icalendar` and
`recurring-ical-events`.

Instants are written in UTC (`...Z`): no VTIMEZONE is then needed, and Outlook, which reads
only one yearly transition of a VTIMEZONE (MS-STANOICAL §2.2.47), cannot shift them. No METHOD:
a subscription is not an iTIP transaction (RFC 5546).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

PRODID = "-//CPTS SNP//Serveur de coordination CPTS//FR"
_FOLD_OCTETS = 75


class EventStatus(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


# Not frozen: a frozen dataclass takes 1.7 times as long to build (timeit, 15 fields), and a
# feed builds thousands (bench/ical_feed.py). Treat instances as read-only all the same.
@dataclass(slots=True)
class FeedEvent:
    uid: str
    start: datetime
    end: datetime
    stamp: datetime  # last revision of the event (no METHOD: DTSTAMP means that)
    sequence: int
    status: EventStatus
    summary: str
    description: str | None = None
    url: str | None = None
    location: str | None = None
    transparent: bool = False  # free time: shown, but not busy


@dataclass(frozen=True, slots=True)
class FeedHeader:
    name: str
    description: str
    timezone: str  # X-WR-TIMEZONE: the zone clients should display the feed in
    refresh: timedelta = timedelta(hours=1)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT (RFC 5545 §3.3.11)


def _text(value: str) -> str:
    if not value.isprintable():
        value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    # Chained replaces run in C; str.translate with a mapping was 4 times slower here.
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "")
    )


def _utc(value: datetime) -> str:
    v = value if value.tzinfo is UTC else value.astimezone(UTC)
    # %-formatting: half the time of strftime or of an f-string with format specs (timeit).
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031 - measured faster
        v.year,
        v.month,
        v.day,
        v.hour,
        v.minute,
        v.second,
    )


@lru_cache(maxsize=4096)
def _text_line(name: str, value: str) -> str:
    """A folded TEXT property line; cached, since summaries and places repeat across a feed."""
    return fold(f"{name}:{_text(value)}")


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds <= 0:
        raise ValueError("a refresh interval is positive")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 §3.1)."""
    if line.isascii():
        if len(line) <= _FOLD_OCTETS:
            return line
        rest = range(_FOLD_OCTETS, len(line), _FOLD_OCTETS - 1)
        return "\r\n ".join([line[:_FOLD_OCTETS], *(line[i : i + _FOLD_OCTETS - 1] for i in rest)])
    raw = line.encode()
    if len(raw) <= _FOLD_OCTETS:
        return line
    parts: list[str] = []
    start, limit = 0, _FOLD_OCTETS
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # continuation byte: step back
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, _FOLD_OCTETS - 1  # the leading space of a continuation counts
    return "\r\n ".join(parts)


def _event(e: FeedEvent) -> str:
    """One VEVENT as a single string (one f-string: a list of lines cost twice as much)."""
    optional = ""
    if e.description:
        optional += "\r\n" + fold(f"DESCRIPTION:{_text(e.description)}")
    if e.location:
        optional += "\r\n" + _text_line("LOCATION", e.location)
    if e.url:
        optional += "\r\n" + fold(f"URL;VALUE=URI:{e.url}")
    return (
        f"BEGIN:VEVENT\r\nUID:{_text(e.uid)}\r\nDTSTAMP:{_utc(e.stamp)}\r\n"
        f"DTSTART:{_utc(e.start)}\r\nDTEND:{_utc(e.end)}\r\nSEQUENCE:{e.sequence}\r\n"
        f"STATUS:{e.status.value}\r\n{_text_line('SUMMARY', e.summary)}\r\n"
        f"TRANSP:{'TRANSPARENT' if e.transparent else 'OPAQUE'}{optional}\r\nEND:VEVENT"
    )


def render(header: FeedHeader, events: Iterable[FeedEvent]) -> bytes:
    """The whole feed, CRLF-terminated lines, UTF-8."""
    refresh = _duration(header.refresh)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        fold(f"NAME:{_text(header.name)}"),
        fold(f"X-WR-CALNAME:{_text(header.name)}"),
        fold(f"DESCRIPTION:{_text(header.description)}"),
        fold(f"X-WR-CALDESC:{_text(header.description)}"),
        f"X-WR-TIMEZONE:{header.timezone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    lines.extend(_event(event) for event in events)
    lines.append("END:VCALENDAR")
    lines.append("")
    return "\r\n".join(lines).encode()
