"""Persisting a booking in as few round trips as the database allows.

Everything a booking writes (the slot's compare-and-swap, the patient, the booking, its outbox
event) is computed in Python first; the statements below are built once at import, with typed
bind parameters, so a booking pays no statement construction. On PostgreSQL they run as one
statement of data-modifying CTEs, every insert conditioned on the compare-and-swap having taken
the slot; SQLite (no DML in CTEs, writers serialised anyway) runs them one after the other.
A plain booking on PostgreSQL needs no surrounding transaction at all (`single_statement_mode`).
bench/booking.py measures the difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Insert,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.database import UtcDateTime, table_of
from kernel.events import Event, write_event
from scheduling.booking import Booking, BookingStatus
from scheduling.patient import Patient
from scheduling.slot import Slot, SlotStatus
from scheduling.snp_request import Origin

_slots, _patients, _bookings, _events = (
    table_of(Slot),
    table_of(Patient),
    table_of(Booking),
    table_of(Event),
)
_now = bindparam("take_now", type_=UtcDateTime())


def _params(table: Table, prefix: str, skip: tuple[str, ...] = ()) -> dict[str, BindParameter[Any]]:
    return {
        c.name: bindparam(prefix + c.name, type_=c.type)
        for c in table.columns
        if c.name not in skip
    }


_P = _params(_patients, "p_")
_B = _params(_bookings, "b_")
_E = _params(_events, "e_", skip=("id", "seq"))

_TAKE = (
    update(_slots)
    .where(
        _slots.c.id == bindparam("take_slot_id", type_=_slots.c.id.type),
        _slots.c.territory_id == bindparam("take_territory_id", type_=_slots.c.territory_id.type),
        _slots.c.ends_at > _now,
        or_(
            _slots.c.status == SlotStatus.FREE,
            and_(
                _slots.c.status == SlotStatus.HELD,
                or_(
                    _slots.c.held_until <= _now,
                    _slots.c.hold_id == bindparam("take_hold_id", type_=_slots.c.hold_id.type),
                ),
            ),
        ),
    )
    .values(
        status=SlotStatus.BOOKED,
        hold_id=None,
        held_until=None,
        version=_slots.c.version + 1,
        updated_at=_now,
    )
    .returning(_slots.c.id)
)

_SAS_WEEK = (
    select(func.count())
    .select_from(_bookings)
    .where(
        _bookings.c.professional_id
        == bindparam("w_professional_id", type_=_bookings.c.professional_id.type),
        _bookings.c.channel == Origin.SAS_REGULATOR,
        _bookings.c.status != BookingStatus.CANCELLED,
        _bookings.c.own_patient.is_(False),
        _bookings.c.starts_at >= bindparam("w_start", type_=UtcDateTime()),
        _bookings.c.starts_at < bindparam("w_end", type_=UtcDateTime()),
    )
    .scalar_subquery()
)

_INSERT_PATIENT = insert(_patients).values(_P)
_INSERT_BOOKING = insert(_bookings).values(_B)


def _all_in_one(with_patient: bool) -> Select[Any]:
    """PostgreSQL: take the slot and write everything else only if it was taken."""
    taken = _TAKE.cte("taken")

    def after_take(table: Table, params: Mapping[str, BindParameter[Any]]) -> Insert:
        return insert(table).from_select(list(params), select(*params.values()).select_from(taken))

    ctes = []
    if with_patient:
        ctes.append(after_take(_patients, _P).cte("new_patient"))
    ctes.append(after_take(_bookings, _B).cte("new_booking"))
    ctes.append(after_take(_events, _E).cte("new_event"))
    return select(
        select(func.count()).select_from(taken).scalar_subquery().label("taken"),
        _SAS_WEEK.label("sas_week"),
    ).add_cte(*ctes)


_PG_WITH_PATIENT = _all_in_one(with_patient=True)
_PG_WITHOUT_PATIENT = _all_in_one(with_patient=False)


def _prefixed(prefix: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {prefix + k: v for k, v in row.items()}


async def persist_booking(
    session: AsyncSession,
    *,
    now: datetime,
    hold_id: uuid.UUID | None,
    patient: Mapping[str, Any] | None,
    booking: Mapping[str, Any],
    event: Mapping[str, Any],
    week: tuple[datetime, datetime],
) -> int | None:
    """Take the slot and write the rows; None if the slot was no longer open.

    Returns how many SAS-regulated, non-own-patient bookings the professional had that local
    week *before* this one.
    """
    params: dict[str, Any] = {
        "take_now": now,
        "take_slot_id": booking["slot_id"],
        "take_territory_id": booking["territory_id"],
        "take_hold_id": hold_id,
        "w_professional_id": booking["professional_id"],
        "w_start": week[0],
        "w_end": week[1],
        **_prefixed("b_", booking),
        **_prefixed("e_", event),
    }
    if patient is not None:
        params |= _prefixed("p_", patient)
    if session.get_bind().dialect.name == "postgresql":
        stmt = _PG_WITH_PATIENT if patient is not None else _PG_WITHOUT_PATIENT
        taken, sas_week = (await session.execute(stmt, params)).one()
        return int(sas_week) if taken else None
    if (await session.execute(_TAKE, params)).first() is None:
        return None
    if patient is not None:
        await session.execute(_INSERT_PATIENT, params)
    await session.execute(_INSERT_BOOKING, params)
    await write_event(session, dict(event))
    sas_week = await session.scalar(select(_SAS_WEEK), params)
    return int(sas_week or 0) - (1 if _counts_for_cap(booking) else 0)


def _counts_for_cap(booking: Mapping[str, Any]) -> bool:
    return booking["channel"] == Origin.SAS_REGULATOR and not booking["own_patient"]


_SLOT_FACTS = select(_slots.c.professional_id, _slots.c.starts_at, _slots.c.ends_at).where(
    _slots.c.id == bindparam("take_slot_id", type_=_slots.c.id.type),
    _slots.c.territory_id == bindparam("take_territory_id", type_=_slots.c.territory_id.type),
)


async def slot_facts(
    session: AsyncSession, slot_id: uuid.UUID, territory_id: uuid.UUID
) -> tuple[uuid.UUID, datetime, datetime] | None:
    """Who and when of a slot (never changes once published); None if not in the territory."""
    row = (
        await session.execute(
            _SLOT_FACTS, {"take_slot_id": slot_id, "take_territory_id": territory_id}
        )
    ).one_or_none()
    return (row[0], row[1], row[2]) if row else None


async def single_statement_mode(session: AsyncSession) -> None:
    """On PostgreSQL, run a plain booking (no hold, no request to close) without BEGIN/COMMIT.

    Its only write is the single statement of `persist_booking`, atomic on its own; the reads
    before it (idempotency, slot facts) need no transaction, since a slot's professional and
    times never change once published and the statement re-checks the slot's status itself.
    Two round trips and the transaction bookkeeping fewer on the hottest path (bench/booking.py:
    +22 % bookings/s). Only for a session that has run nothing yet; a no-op on SQLite, which
    serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
