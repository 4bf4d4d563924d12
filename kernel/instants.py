"""The range of instants the server deals in. Slots, bookings, searches and audit windows all
fall between 2000 and 2100; an instant outside is a mistake or a probe, refused with the field
it came in (far-off dates also overflow once moved to another zone: year 9999 at -14:00)."""

from __future__ import annotations

from datetime import UTC, datetime

from kernel.errors import Invalid

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def check_instants(**instants: datetime | None) -> None:
    """Each given instant (by field name) is aware and within [EARLIEST, LATEST)."""
    for field, value in instants.items():
        if value is None:
            continue
        if value.tzinfo is None or value.utcoffset() is None:
            raise Invalid(
                "give the time with its offset (Z or +01:00)",
                code="utc_offset_required",
                field=field,
            )
        try:
            utc = value.astimezone(UTC)
        except OverflowError:
            utc = LATEST
        if not EARLIEST <= utc < LATEST:
            raise Invalid(
                "the time must fall between 2000 and 2100",
                code="instant_out_of_range",
                field=field,
            )
