"""A GP's Google Calendar export, generated: the shape of a real one, for the import benchmark.

What Google's "export" (and its secret iCal address) gives for a practice calendar kept a few
years: X-WR-* headers, one VTIMEZONE, about 600 one-off events spread over the past years and
the coming months, a few dozen recurring series (weekly consultations, daily breaks, monthly
meetings; some ended by UNTIL, some open), each with EXDATEs and RECURRENCE-ID overrides
(moved, shortened, cancelled occurrences), declined or free events, descriptions, locations,
attendees and alarms. Seeded, so every run reads the same bytes.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]
_TITLES = [
    "Consultation Mme D.",
    "Visite à domicile",
    "Réunion MSP",
    "Formation DPC",
    "Staff pluripro",
    "Garde",
    "Dentiste",
    "Comptable",
    "RDV banque",
    "Conseil d'administration CPTS",
]
_DAYS = ["MO", "TU", "WE", "TH", "FR"]


def _local(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S")


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """RFC 5545 folding at 75 octets, as Google writes it."""
    raw = line.encode()
    if len(raw) <= 75:
        return [line]
    out, chunk = [], b""
    for char in line:
        b = char.encode()
        if len(chunk) + len(b) > (75 if not out else 74):
            out.append(chunk.decode())
            chunk = b""
        chunk += b
    out.append(chunk.decode())
    return [out[0], *(" " + part for part in out[1:])]


def _event(rnd: random.Random, uid: str, stamp: datetime, props: list[str]) -> list[str]:
    created = stamp - timedelta(days=rnd.randint(1, 400))
    lines = [
        "BEGIN:VEVENT",
        *props,
        f"DTSTAMP:{_utc(stamp)}",
        f"UID:{uid}",
        f"CREATED:{_utc(created)}",
        f"LAST-MODIFIED:{_utc(stamp)}",
        f"SEQUENCE:{rnd.randint(0, 3)}",
    ]
    if rnd.random() < 0.12:
        lines.append(
            "DESCRIPTION:"
            + "Rappel : apporter le dossier\\, ordonnances et carte Vitale. Lien visio : "
            + f"https://meet.google.com/{rnd.randbytes(5).hex()}"
        )
    if rnd.random() < 0.3:
        lines.append(f"LOCATION:{rnd.randint(1, 80)} rue de la République\\, 78120 Rambouillet")
    for _ in range(rnd.random() < 0.2):
        who = rnd.randbytes(3).hex()
        lines.append(
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
            f"CN={who}@example.fr;X-NUM-GUESTS=0:mailto:{who}@example.fr"
        )
    lines.append(f"SUMMARY:{rnd.choice(_TITLES)}")
    if rnd.random() < 0.2:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:This is an event reminder",
            "TRIGGER:-P0DT0H30M0S",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def google_calendar(today: date, events: int = 677, seed: int = 677) -> bytes:
    """About `events` VEVENTs (series, their overrides and one-offs) around `today`."""
    rnd = random.Random(seed)
    stamp = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Cabinet Dr Martin",
        "X-WR-TIMEZONE:Europe/Paris",
        *_VTIMEZONE,
    ]
    written = 0
    series = 45
    for n in range(series):
        first = today - timedelta(days=rnd.randint(30, 1500))
        first_at = datetime.combine(first, datetime.min.time(), tzinfo=PARIS).replace(
            hour=rnd.choice([8, 9, 12, 14, 17, 19])
        )
        length = timedelta(minutes=rnd.choice([30, 60, 90, 120, 240]))
        kind = n % 5
        if kind in (0, 1, 2):
            days = ",".join(sorted(rnd.sample(_DAYS, rnd.randint(1, 3)), key=_DAYS.index))
            rule, step = f"FREQ=WEEKLY;BYDAY={days}", timedelta(weeks=1)
        elif kind == 3:
            rule, step = "FREQ=DAILY", timedelta(days=1)
        else:
            rule, step = f"FREQ=MONTHLY;BYDAY=1{rnd.choice(_DAYS)}", timedelta(days=28)
        if rnd.random() < 0.4:
            until = first_at + timedelta(days=rnd.randint(60, 1400))
            rule += f";UNTIL={_utc(until)}"
        uid = f"{rnd.randbytes(13).hex()}@google.com"
        props = [
            f"DTSTART;TZID=Europe/Paris:{_local(first_at)}",
            f"DTEND;TZID=Europe/Paris:{_local(first_at + length)}",
            f"RRULE:{rule}",
        ]
        exdates = [first_at + step * rnd.randint(1, 120) for _ in range(rnd.randint(0, 6))]
        if exdates:
            props.append(
                "EXDATE;TZID=Europe/Paris:" + ",".join(_local(at) for at in sorted(set(exdates)))
            )
        props.append("STATUS:CONFIRMED")
        props.append("TRANSP:OPAQUE" if rnd.random() < 0.85 else "TRANSP:TRANSPARENT")
        lines += _event(rnd, uid, stamp, props)
        written += 1
        for _ in range(rnd.randint(2, 5)):  # overrides: moved, shortened or cancelled
            original = first_at + step * rnd.randint(0, 150)
            moved = original + timedelta(hours=rnd.choice([-2, -1, 1, 2, 24]))
            status = "CANCELLED" if rnd.random() < 0.2 else "CONFIRMED"
            lines += _event(
                rnd,
                uid,
                stamp,
                [
                    f"DTSTART;TZID=Europe/Paris:{_local(moved)}",
                    f"DTEND;TZID=Europe/Paris:{_local(moved + length / 2)}",
                    f"RECURRENCE-ID;TZID=Europe/Paris:{_local(original)}",
                    f"STATUS:{status}",
                    "TRANSP:OPAQUE",
                ],
            )
            written += 1
    while written < events:
        day = today + timedelta(days=rnd.randint(-1800, 200))
        if rnd.random() < 0.15:  # an all-day event (holidays, congress)
            props = [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=rnd.randint(1, 10)):%Y%m%d}",
                "TRANSP:TRANSPARENT" if rnd.random() < 0.5 else "TRANSP:OPAQUE",
            ]
        else:
            at = datetime.combine(day, datetime.min.time(), tzinfo=PARIS).replace(
                hour=rnd.randint(7, 20), minute=rnd.choice([0, 15, 30, 45])
            )
            end = at + timedelta(minutes=rnd.choice([15, 30, 45, 60, 120]))
            props = [
                f"DTSTART:{_utc(at)}"
                if rnd.random() < 0.5
                else f"DTSTART;TZID=Europe/Paris:{_local(at)}",
                f"DTEND:{_utc(end)}",
                "STATUS:CONFIRMED",
                "TRANSP:OPAQUE",
            ]
        lines += _event(rnd, f"{rnd.randbytes(13).hex()}@google.com", stamp, props)
        written += 1
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode()
