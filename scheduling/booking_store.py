"""Persisting a booking in as few round trips as the database allows.

Everything a booking writes (the slot's compare-and-swap, the patient, the booking, its outbox
event) is computed in Python first, except what comes from the slot itself (its professional and
times), which the compare-and-swap returns. The statements below are built once at import, with
typed bind parameters, so a booking pays no statement construction. On PostgreSQL they run as
one statement of data-modifying CTEs, every insert fed by the compare-and-swap's result, so a
booking is a single round trip; SQLite (no DML in CTEs, writers serialised anyway) runs them one
after the other.
A plain booking on PostgreSQL (no hold, no request, no idempotency key) needs neither a
surrounding transaction nor a session: scheduling/booking_batch.py writes it, with the other
plain bookings in flight, in one statement on a bare asyncpg connection.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Insert,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    case,
    func,
    insert,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import pg_direct, statements
from kernel.database import UtcDateTime, table_of
from kernel.events import Event, mark_events_written, write_event
from kernel.statements import Prepared, bind_type, column_binds
from scheduling.models.booking import SLOT_PART_KEYS, Booking, counts_toward_sas_cap, slot_part
from scheduling.models.slot import Slot, SlotStatus, open_to_take
from scheduling.patient import Patient

_slots, _patients, _bookings, _events = (
    table_of(Slot),
    table_of(Patient),
    table_of(Booking),
    table_of(Event),
)
_now = bindparam("take_now", type_=UtcDateTime())


@dataclass(frozen=True, slots=True)
class TakenSlot:
    professional_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    own_patient: bool
    sas_before: int  # SAS-regulated, non-own-patient bookings of that local week before this one


_P = column_binds(_patients, "p_")
_B = column_binds(_bookings, "b_", skip=("revision",))  # revision: its server default
_E = column_binds(_events, "e_", skip=("id", "seq"))

_TAKE = (
    update(_slots)
    .where(
        _slots.c.id == bindparam("take_slot_id", type_=bind_type(_slots.c.id)),
        _slots.c.territory_id
        == bindparam("take_territory_id", type_=bind_type(_slots.c.territory_id)),
        open_to_take(
            _slots.c,
            _now,
            own_hold=bindparam("take_hold_id", type_=bind_type(_slots.c.hold_id)),
        ),
    )
    .values(
        status=SlotStatus.BOOKED,
        hold_id=None,
        held_until=None,
        version=_slots.c.version + 1,
        updated_at=_now,
    )
    .returning(_slots.c.id, _slots.c.professional_id, _slots.c.starts_at, _slots.c.ends_at)
)


def _sas_week(professional_id: Any, week_start: Any, week_end: Any) -> Any:
    return (
        select(func.count())
        .select_from(_bookings)
        .where(
            _bookings.c.professional_id == professional_id,
            counts_toward_sas_cap(),
            _bookings.c.starts_at >= week_start,
            _bookings.c.starts_at < week_end,
        )
        .scalar_subquery()
    )


_INSERT_PATIENT = insert(_patients).values(_P)
_INSERT_BOOKING = insert(_bookings).values(_B)
_SAS_WEEK = select(
    _sas_week(
        bindparam("w_professional_id", type_=Uuid()),
        bindparam("w_start", type_=UtcDateTime()),
        bindparam("w_end", type_=UtcDateTime()),
    )
)


def iso_utc(column: Any) -> Any:
    """`datetime.isoformat()` of a UTC instant, in SQL, so events read the same either way."""
    utc = func.timezone("UTC", column)
    fraction = case(
        (
            func.date_part("microseconds", column).cast(Integer) % 1_000_000 != 0,
            func.to_char(utc, ".US"),
        ),
        else_="",
    )
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction + "+00:00"


def _all_in_one(with_patient: bool) -> Select[Any]:
    """PostgreSQL: take the slot and write everything else only if it was taken, in one
    statement whose answer is the slot's facts (no row: not taken)."""
    taken = _TAKE.cte("taken")
    own = func.coalesce(
        taken.c.professional_id == bindparam("actor_professional_id", type_=Uuid()), False
    )
    tz = bindparam("tz", type_=String())
    local_monday = func.date_trunc("week", func.timezone(tz, taken.c.starts_at))
    week_start = func.timezone(tz, local_monday)
    week_end = func.timezone(tz, local_monday + text("interval '7 days'"))

    def after_take(table: Table, values: Mapping[str, Any]) -> Insert:
        return insert(table).from_select(list(values), select(*values.values()).select_from(taken))

    booking_values: dict[str, Any] = dict(_B) | {
        "professional_id": taken.c.professional_id,
        "starts_at": taken.c.starts_at,
        "ends_at": taken.c.ends_at,
        "own_patient": own,
    }
    from_slot: dict[str, Any] = {  # `slot_part`, computed by the statement
        "professional_id": taken.c.professional_id.cast(String()),
        "starts_at": iso_utc(taken.c.starts_at),
        "ends_at": iso_utc(taken.c.ends_at),
        "own_patient": own,
    }
    assert tuple(from_slot) == SLOT_PART_KEYS
    payload = type_coerce(_E["payload"], JSONB()).op("||", return_type=JSONB())(
        func.jsonb_build_object(*(part for pair in from_slot.items() for part in pair))
    )
    event_values: dict[str, Any] = dict(_E) | {"payload": payload}
    ctes = []
    if with_patient:
        ctes.append(after_take(_patients, _P).cte("new_patient"))
    ctes.append(after_take(_bookings, booking_values).cte("new_booking"))
    ctes.append(after_take(_events, event_values).cte("new_event"))
    return (
        select(
            taken.c.professional_id,
            taken.c.starts_at,
            taken.c.ends_at,
            own.label("own_patient"),
            _sas_week(taken.c.professional_id, week_start, week_end).label("sas_week"),
        )
        .select_from(taken)
        .add_cte(*ctes)
    )


_PG_WITH_PATIENT = Prepared(_all_in_one(with_patient=True))
_PG_WITHOUT_PATIENT = Prepared(_all_in_one(with_patient=False))
_TAKE_ONE = Prepared(_TAKE)
_INSERT_PATIENT_ONE = Prepared(_INSERT_PATIENT)
_INSERT_BOOKING_ONE = Prepared(_INSERT_BOOKING)
_SAS_WEEK_ONE = Prepared(_SAS_WEEK)


def _prefixed(prefix: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {prefix + k: v for k, v in row.items()}


def _bind_values(
    now: datetime,
    hold_id: uuid.UUID | None,
    patient: Mapping[str, Any] | None,
    booking: Mapping[str, Any],
    event: Mapping[str, Any],
) -> dict[str, Any]:
    """The booking statements' bind values, by the names `_params` gave them."""
    values: dict[str, Any] = {
        "take_now": now,
        "take_slot_id": booking["slot_id"],
        "take_territory_id": booking["territory_id"],
        "take_hold_id": hold_id,
        **_prefixed("b_", booking),
        **_prefixed("e_", event),
    }
    if patient is not None:
        values |= _prefixed("p_", patient)
    return values


def _local_week(starts_at: datetime, tz: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, in the territory's zone, as UTC instants."""
    zone = ZoneInfo(tz)
    local = starts_at.astimezone(zone)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time.min)
    start = monday.replace(tzinfo=zone).astimezone(UTC)
    end = (monday + timedelta(days=7)).replace(tzinfo=zone).astimezone(UTC)
    return start, end


async def persist_booking(
    session: AsyncSession,
    *,
    now: datetime,
    hold_id: uuid.UUID | None,
    actor_professional_id: uuid.UUID | None,
    tz: str,
    patient: Mapping[str, Any] | None,
    booking: Mapping[str, Any],
    event: Mapping[str, Any],
) -> TakenSlot | None:
    """Take the slot and write the rows; None if the slot was not open (or not there).

    `booking` and the event's payload lack what comes from the slot (professional, times,
    own-patient flag): it is filled in from the compare-and-swap's own result, so the slot is
    read and taken at once.
    """
    params = _bind_values(now, hold_id, patient, booking, event)
    if statements.dialect_name(session) == "postgresql":
        stmt = _PG_WITH_PATIENT if patient is not None else _PG_WITHOUT_PATIENT
        params |= {"actor_professional_id": actor_professional_id, "tz": tz}
        mark_events_written(session)  # the statement's CTE inserts the event
        row = await statements.fetchrow(session, stmt, **params)
        return TakenSlot(*row) if row is not None else None
    taken = await statements.fetchrow(session, _TAKE_ONE, **params)
    if taken is None:
        return None
    _, professional_id, starts_at, ends_at = taken
    own = actor_professional_id == professional_id
    derived = {
        "professional_id": professional_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "own_patient": own,
    }
    params |= _prefixed("b_", derived)
    # The week's earlier SAS bookings, counted before this one is written: what PostgreSQL's
    # statement counts too (its snapshot does not see its own insert).
    week = _local_week(starts_at, tz)
    params |= {"w_professional_id": professional_id, "w_start": week[0], "w_end": week[1]}
    sas_week = int(await statements.scalar(session, _SAS_WEEK_ONE, **params) or 0)
    if patient is not None:
        await statements.execute(session, _INSERT_PATIENT_ONE, **params)
    await statements.execute(session, _INSERT_BOOKING_ONE, **params)
    payload = dict(event["payload"]) | slot_part(professional_id, starts_at, ends_at, own)
    await write_event(session, dict(event) | {"payload": payload})
    return TakenSlot(professional_id, starts_at, ends_at, own, sas_week)


_SLOT_FACTS = select(_slots.c.professional_id, _slots.c.starts_at, _slots.c.ends_at).where(
    _slots.c.id == bindparam("take_slot_id", type_=bind_type(_slots.c.id)),
    _slots.c.territory_id == bindparam("take_territory_id", type_=bind_type(_slots.c.territory_id)),
)


_SLOT_FACTS_ONE = Prepared(_SLOT_FACTS)


async def slot_facts(
    session: AsyncSession, slot_id: uuid.UUID, territory_id: uuid.UUID
) -> tuple[uuid.UUID, datetime, datetime] | None:
    """Who and when of a slot (never changes once published); None if not in the territory."""
    row = await statements.fetchrow(
        session, _SLOT_FACTS_ONE, take_slot_id=slot_id, take_territory_id=territory_id
    )
    return (row[0], row[1], row[2]) if row else None


def _constant(value: Any) -> Any:
    """A literal of the statement as asyncpg takes it: enums by value."""
    return value.value if isinstance(value, enum.Enum) else value


@dataclass(frozen=True, slots=True)
class _DirectStatement:
    """A statement compiled once for asyncpg: its SQL and how to order its arguments."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    @classmethod
    def of(cls, stmt: Any) -> _DirectStatement:
        compiled = stmt.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        constants = {k: _constant(v) for k, v in compiled.params.items()}
        return cls(str(compiled), tuple(compiled.positiontup or ()), constants)

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        """Positional arguments; values are taken as they are (our enums are `StrEnum`s,
        which asyncpg sends as text)."""
        merged = self.constants | values
        return [merged[n] for n in self.names]


_DIRECT_SLOT_FACTS = _DirectStatement.of(_SLOT_FACTS)


async def slot_facts_direct(
    conn: pg_direct.Connection, slot_id: uuid.UUID, territory_id: uuid.UUID
) -> tuple[uuid.UUID, datetime, datetime] | None:
    values = {"take_slot_id": slot_id, "take_territory_id": territory_id}
    row = await conn.fetchrow(_DIRECT_SLOT_FACTS.sql, *_DIRECT_SLOT_FACTS.arguments(values))
    return (row[0], row[1], row[2]) if row else None
