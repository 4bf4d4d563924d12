"""The feed writer's output, read back by `icalendar` and `recurring-ical-events`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import icalendar
import recurring_ical_events
from hypothesis import given
from hypothesis import strategies as st

from integrations.ical.feed_writer import EventStatus, FeedEvent, FeedHeader, fold, render

START = datetime(2026, 3, 27, 11, 0, tzinfo=UTC)


def _event(i: int, **extra: object) -> FeedEvent:
    values: dict[str, object] = {
        "uid": f"booking-{uuid.UUID(int=i)}@cpts-snp",
        "start": START + timedelta(days=i),
        "end": START + timedelta(days=i, minutes=15),
        "stamp": START - timedelta(days=1),
        "sequence": i,
        "status": EventStatus.CONFIRMED,
        "summary": "SNP – consultation réservée, au cabinet",
    } | extra
    return FeedEvent(**values)  # type: ignore[arg-type]


HEADER = FeedHeader(
    name="Mon agenda SNP – CPTS Sud Yvelines",
    description="Vos consultations.",
    timezone="Europe/Paris",
    refresh=timedelta(hours=1),
)


def test_feed_reads_back_with_every_property() -> None:
    tricky = "Annulé : téléconsultation; suivi, plaie\nligne 2 \\ fin " + "é" * 60
    events = [
        _event(0),
        _event(1, status=EventStatus.CANCELLED, summary=tricky, transparent=True),
        _event(
            2,
            description="Lien : https://cpts.example/bookings/x",
            url="https://cpts.example/b",
            location="Cabinet, 3 rue de la Gare",
        ),
    ]
    body = render(HEADER, events)
    assert body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), "every line is folded at 75 octets"
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"METHOD" not in body, "a subscription feed is not an iTIP transaction"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body

    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) == HEADER.name
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Paris"
    parsed = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in parsed] == [e.uid for e in events]
    assert str(parsed[1]["SUMMARY"]) == tricky, "TEXT escaping and folding round-trip"
    assert parsed[1]["STATUS"] == "CANCELLED" and parsed[1]["TRANSP"] == "TRANSPARENT"
    assert [int(e["SEQUENCE"]) for e in parsed] == [0, 1, 2]
    assert parsed[0]["DTSTART"].dt == START and parsed[0]["DTSTART"].dt.tzinfo is not None
    assert parsed[0]["DTSTAMP"].dt == START - timedelta(days=1)
    assert str(parsed[2]["LOCATION"]) == "Cabinet, 3 rue de la Gare"
    assert str(parsed[2]["URL"]) == "https://cpts.example/b"


def test_recurring_ical_events_sees_every_event_at_its_instant() -> None:
    body = render(HEADER, [_event(i) for i in range(40)])
    cal = icalendar.Calendar.from_ical(body)
    found = recurring_ical_events.of(cal).between(START, START + timedelta(days=10))
    assert sorted(e["DTSTART"].dt for e in found) == [START + timedelta(days=i) for i in range(10)]


@given(st.text(min_size=0, max_size=400))
def test_folding_keeps_utf8_whole_and_lines_short(text: str) -> None:
    line = "SUMMARY:" + text.replace("\r", "").replace("\n", "")
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= (75 if i == 0 else 74) for i, p in enumerate(parts))
    assert "".join(parts) == line
