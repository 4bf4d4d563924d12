"""Bookings: the compare-and-swap that makes double booking impossible, and its lifecycle.

A booking takes its slot from open (free, expired hold, or held by the caller's own hold) to
booked in one conditional UPDATE; the loser of a race gets `SlotTaken` (409). A unique partial
index on live bookings per slot is the database's last word. Retries with the same
`Idempotency-Key` return the first booking instead of failing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from sqlalchemy import String, Uuid, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import pg_direct, statements
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.database import Transactions, UtcDateTime, table_of
from kernel.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.instants import check_instants
from kernel.pagination import BadCursor, Page, keyset, page
from kernel.statements import Prepared
from scheduling.booking_batch import BookingBatcher, PlainBooking
from scheduling.booking_store import TakenSlot, persist_booking, slot_facts
from scheduling.busy_calendar import lock_agenda, reopened_status
from scheduling.holds import SlotTaken
from scheduling.models.booking import (
    Booking,
    BookingCancelledPayload,
    BookingPayload,
    BookingRecord,
    BookingRescheduledPayload,
    BookingStatus,
    booking_part,
    slot_part,
)
from scheduling.models.hold import Hold
from scheduling.models.slot import Slot, SlotStatus
from scheduling.models.snp_request import Origin, Outcome, SnpRequest
from scheduling.models.teleconsultation import Teleconsultation
from scheduling.patient import (
    Patient,
    PatientDraft,
    checked,
    identity_of,
    patient_row,
    patients_by_id,
)
from scheduling.requests import may_read_request, request_event_payload
from scheduling.slots import slot_event_payload

SAS_WEEKLY_CAP = 20  # NGAP art. 14.1.3: SNP majoration billable at most 20 times a week per GP


@dataclass(frozen=True, slots=True)
class BookingDraft:
    channel: Origin
    slot_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    patient: PatientDraft | None = None
    request_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    # The patient and the booker of the booking a reschedule replaces (the domain's own,
    # never the wire's): staff moving a regulator's booking leave it the regulator's.
    patient_id: uuid.UUID | None = None
    booked_by: uuid.UUID | None = None


@dataclass(slots=True)
class Booked:
    booking: Booking | BookingRecord
    created: bool  # False when an idempotent retry returned the first booking
    warnings: list[str] = field(default_factory=list)
    patient: PatientDraft | None = None  # the identity, when the booking created the patient


def booking_event_payload(booking: Booking | BookingRecord) -> BookingPayload:
    """No patient identity: the professional, the time, the status, the channel."""
    return BookingPayload(
        **booking_part(
            booking.id,
            booking.slot_id,
            booking.channel,
            booking.status,
            booking.request_id,
            booking.booked_by,
        ),
        **slot_part(
            booking.professional_id, booking.starts_at, booking.ends_at, booking.own_patient
        ),
    )


_bookings, _holds, _requests = table_of(Booking), table_of(Hold), table_of(SnpRequest)
_RECORD_FIELDS = tuple(f.name for f in fields(BookingRecord))
_BY_KEY = Prepared(
    select(*(_bookings.c[name] for name in _RECORD_FIELDS)).where(
        _bookings.c.booked_by == bindparam("account_id", type_=Uuid()),
        _bookings.c.idempotency_key == bindparam("key", type_=String()),
    )
)
_HOLD = Prepared(
    select(_holds.c.slot_id, _holds.c.consumed_at, _holds.c.released_at).where(
        _holds.c.id == bindparam("hold_id", type_=Uuid()),
        _holds.c.territory_id == bindparam("territory_id", type_=Uuid()),
        _holds.c.account_id == bindparam("account_id", type_=Uuid()),
    )
)
_CONSUME_HOLD = Prepared(
    update(_holds)
    .where(_holds.c.id == bindparam("hold_id", type_=Uuid()))
    .values(consumed_at=bindparam("now", type_=UtcDateTime()))
)
_REQUEST = Prepared(
    select(
        _requests.c.id, _requests.c.patient_id, _requests.c.recorded_by, _requests.c.outcome
    ).where(
        _requests.c.id == bindparam("request_id", type_=Uuid()),
        _requests.c.territory_id == bindparam("territory_id", type_=Uuid()),
    )
)
_CLOSE_REQUEST = Prepared(
    update(_requests)
    .where(_requests.c.id == bindparam("request_id", type_=Uuid()), _requests.c.outcome.is_(None))
    .values(
        outcome=Outcome.BOOKED,
        outcome_at=bindparam("now", type_=UtcDateTime()),
        booking_id=bindparam("booking_id", type_=Uuid()),
        consultation_at=bindparam("consultation_at", type_=UtcDateTime()),
    )
)


@dataclass(frozen=True, slots=True)
class _RequestFacts:
    """What booking a request reads of it."""

    id: uuid.UUID
    patient_id: uuid.UUID
    recorded_by: uuid.UUID
    outcome: Outcome | None


async def find_by_key(session: AsyncSession, actor: Actor, key: str) -> BookingRecord | None:
    """The caller's earlier booking made with this Idempotency-Key, if any."""
    row = await statements.fetchrow(session, _BY_KEY, account_id=actor.account_id, key=key)
    return BookingRecord(*row) if row is not None else None


async def _resolve_slot_and_hold(
    session: AsyncSession, actor: Actor, draft: BookingDraft
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The slot to book and the caller's hold on it, if the booking consumes one."""
    if draft.hold_id is None:
        if draft.slot_id is None:
            raise Invalid(
                "give a slot_id or a hold_id", code="slot_or_hold_required", field="slot_id"
            )
        return draft.slot_id, None
    hold = await statements.fetchrow(
        session,
        _HOLD,
        hold_id=draft.hold_id,
        territory_id=actor.territory_id,
        account_id=actor.account_id,
    )
    if hold is None:
        raise NotFound("hold not found", code="hold_not_found")
    slot_id, consumed_at, released_at = hold
    if draft.slot_id is not None and draft.slot_id != slot_id:
        raise Invalid("slot_id does not match the hold", code="slot_mismatch", field="slot_id")
    if consumed_at is not None or released_at is not None:
        raise Conflict("this hold is already used or released", code="hold_spent", field="hold_id")
    return slot_id, draft.hold_id


def _explain_not_taken(
    facts: tuple[uuid.UUID, datetime, datetime] | None, now: datetime
) -> NoReturn:
    """The compare-and-swap did not take the slot: say why (gone, started, or simply taken)."""
    if facts is None:
        raise NotFound("slot not found", code="slot_not_found")
    if facts[1] <= now:
        raise Conflict("this slot has already started", code="slot_started", field="slot_id")
    raise SlotTaken("this slot is no longer free", code="slot_taken", field="slot_id")


def is_plain(draft: BookingDraft) -> bool:
    """A booking that only takes a slot for a new patient: no hold to consume, no request to
    close, no earlier attempt to look up. It is one statement, so `book_direct` may run it."""
    return (
        draft.slot_id is not None
        and draft.hold_id is None
        and draft.request_id is None
        and draft.patient is not None
        and draft.patient_id is None
        and draft.booked_by is None
        and not draft.idempotency_key
    )


def _new_rows(
    actor: Actor,
    draft: BookingDraft,
    slot_id: uuid.UUID,
    patient_id: uuid.UUID,
    request_id: uuid.UUID | None,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The booking row and its `booking.created` event, less what the slot itself supplies."""
    booking_id = uuid.uuid4()
    booked_by = draft.booked_by or actor.account_id
    row: dict[str, Any] = {
        "id": booking_id,
        "territory_id": actor.territory_id,
        "slot_id": slot_id,
        "patient_id": patient_id,
        "request_id": request_id,
        "channel": draft.channel,
        "booked_by": booked_by,
        "idempotency_key": draft.idempotency_key,
        "status": BookingStatus.BOOKED,
        "status_changed_at": now,
        "status_changed_by": actor.account_id,
        "cancel_reason": None,
        "created_at": now,
    }
    event = {
        "territory_id": actor.territory_id,
        "type": EventType.BOOKING_CREATED,
        "occurred_at": now,
        "actor_account_id": actor.account_id,
        "subject_id": booking_id,
        "payload": booking_part(
            booking_id, slot_id, draft.channel, BookingStatus.BOOKED, request_id, booked_by
        ),
    }
    return row, event


def _booked(row: dict[str, Any], taken: TakenSlot, patient: PatientDraft | None) -> Booked:
    booking = BookingRecord(
        **row,
        professional_id=taken.professional_id,
        starts_at=taken.starts_at,
        ends_at=taken.ends_at,
        own_patient=taken.own_patient,
    )
    warnings = []
    if booking.own_patient:
        warnings.append(
            "own_patient: a GP booking their own slot is not an SNP consultation for the CPTS"
        )
    if booking.channel is Origin.SAS_REGULATOR and not booking.own_patient:
        count = taken.sas_before + 1
        if count > SAS_WEEKLY_CAP:
            warnings.append(
                f"sas_weekly_cap: {count} SAS-regulated consultations this week for this GP; "
                f"the SNP majoration is billable {SAS_WEEKLY_CAP} times a week"
            )
    return Booked(booking, created=True, warnings=warnings, patient=patient)


async def book_direct(
    batcher: BookingBatcher, clock: Clock, actor: Actor, draft: BookingDraft
) -> Booked:
    """A plain booking (`is_plain`) on PostgreSQL, without a session: its rows are written by
    one statement, shared with the other plain bookings in flight (scheduling/booking_batch.py).
    """
    assert is_plain(draft) and draft.slot_id is not None and draft.patient is not None
    now = clock.now()
    identity = checked(draft.patient, now)
    patient = patient_row(actor.territory_id, identity, now)
    row, event = _new_rows(actor, draft, draft.slot_id, patient["id"], None, now)
    item = PlainBooking(now, actor.professional_id, actor.timezone, patient, row, event["payload"])
    try:
        taken = await batcher.book(item)
    except pg_direct.ConstraintViolation as exc:
        raise SlotTaken("this slot is no longer free", code="slot_taken", field="slot_id") from exc
    if taken is None:
        _explain_not_taken(await batcher.slot_facts(draft.slot_id, actor.territory_id), now)
    return _booked(row, taken, identity)


async def place(
    transactions: Transactions,
    batcher: BookingBatcher | None,
    clock: Clock,
    actor: Actor,
    draft: BookingDraft,
) -> tuple[Booked, PatientDraft | Patient]:
    """The one door of a booking, whoever books (the API, the request page, the slot page
    behind the SAS link): a plain booking on PostgreSQL goes with the others in flight
    (`book_direct`, when a batcher runs), any other in a write transaction of its own
    (`book`). Returns the booking and the patient its answer names."""
    if batcher is not None and is_plain(draft):
        booked = await book_direct(batcher, clock, actor, draft)
        assert booked.patient is not None  # a plain booking gives its patient
        return booked, booked.patient
    async with transactions.write() as session:
        booked = await book(session, clock, actor, draft)
        return booked, booked.patient or await identity_of(session, booked.booking.patient_id)


async def book(session: AsyncSession, clock: Clock, actor: Actor, draft: BookingDraft) -> Booked:
    """Book a slot, from a hold or directly, in the session's transaction (any backend)."""
    if draft.idempotency_key:
        previous = await find_by_key(session, actor, draft.idempotency_key)
        if previous is not None:
            # The answer names the patient again: a read like any other.
            await _audit_answer(session, clock, actor, previous, "booking replayed (same key)")
            return Booked(previous, created=False)
    slot_id, hold_id = await _resolve_slot_and_hold(session, actor, draft)
    now = clock.now()

    request: _RequestFacts | None = None
    if draft.request_id is not None:
        # Linking a request reads its patient: only a request the caller may read (one they
        # may not is answered as absent, as GET /requests/{id} answers 404).
        found = await statements.fetchrow(
            session, _REQUEST, request_id=draft.request_id, territory_id=actor.territory_id
        )
        request = _RequestFacts(*found) if found is not None else None
        if request is None or not may_read_request(actor, request):
            raise Invalid(
                "request not found in this territory",
                code="request_not_found",
                field="request_id",
            )
        if request.outcome is not None:
            raise Conflict(
                f"this request is already closed ({request.outcome})",
                code="request_closed",
                params={"outcome": str(request.outcome)},
                field="request_id",
            )

    identity: PatientDraft | None = None
    patient: dict[str, Any] | None = None
    if request is not None:
        patient_id = request.patient_id
    elif draft.patient_id is not None:
        patient_id = draft.patient_id
    elif draft.patient is not None:
        identity = checked(draft.patient, now)
        patient = patient_row(actor.territory_id, identity, now)
        patient_id = patient["id"]
    else:
        raise Invalid(
            "give the patient, or a request_id whose patient is booked",
            code="booking_patient_required",
            field="patient",
        )

    row, event = _new_rows(actor, draft, slot_id, patient_id, request.id if request else None, now)
    try:
        taken = await persist_booking(
            session,
            now=now,
            hold_id=hold_id,
            actor_professional_id=actor.professional_id,
            tz=actor.timezone,
            patient=patient,
            booking=row,
            event=event,
        )
    except IntegrityError as exc:
        raise SlotTaken("this slot is no longer free", code="slot_taken", field="slot_id") from exc
    if taken is None:
        _explain_not_taken(await slot_facts(session, slot_id, actor.territory_id), now)

    if hold_id is not None:
        await statements.execute(session, _CONSUME_HOLD, hold_id=hold_id, now=now)
    if request is not None:
        closed = await statements.execute(
            session,
            _CLOSE_REQUEST,
            request_id=request.id,
            now=now,
            booking_id=row["id"],
            consultation_at=taken.starts_at,
        )
        if not closed:
            raise Conflict(
                "this request was closed meanwhile",
                code="request_closed_meanwhile",
                field="request_id",
            )
    booked = _booked(row, taken, identity)
    if identity is None:  # the patient came from the request, not from the caller
        await _audit_answer(session, clock, actor, booked.booking, "booking of a request")
    return booked


async def _audit_answer(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    booking: Booking | BookingRecord,
    purpose: str,
) -> None:
    await record_reads(
        session, clock, actor, "booking", [(booking.id, booking.patient_id)], purpose
    )


async def get_booking(session: AsyncSession, actor: Actor, booking_id: uuid.UUID) -> Booking:
    booking = await session.scalar(
        select(Booking).where(Booking.id == booking_id, Booking.territory_id == actor.territory_id)
    )
    if booking is None:
        raise NotFound("booking not found", code="booking_not_found")
    return booking


_Id = TypeVar("_Id")  # an id as a UUID or as its string


def is_booking_party(
    account_id: _Id, professional_id: _Id | None, booked_by: _Id | None, consulted: _Id | None
) -> bool:
    """The booker and the professional consulted: the parties of a booking. The ids compared
    as given, UUIDs (a loaded booking) or their strings (an event's payload, for live views)."""
    return account_id == booked_by or (professional_id is not None and professional_id == consulted)


def may_see_booking(actor: Actor, booking: Booking) -> bool:
    """The parties of a booking and the CPTS staff see a booking's patient."""
    return actor.is_staff or is_booking_party(
        actor.account_id, actor.professional_id, booking.booked_by, booking.professional_id
    )


_TRANSITIONS: dict[BookingStatus, tuple[EventType, set[BookingStatus]]] = {
    BookingStatus.CANCELLED: (EventType.BOOKING_CANCELLED, {BookingStatus.BOOKED}),
    BookingStatus.HONOURED: (
        EventType.BOOKING_HONOURED,
        {BookingStatus.BOOKED, BookingStatus.NO_SHOW},
    ),
    BookingStatus.NO_SHOW: (
        EventType.BOOKING_NO_SHOW,
        {BookingStatus.BOOKED, BookingStatus.HONOURED},
    ),
}


async def _refuse_teleconsultation(session: AsyncSession, booking: Booking) -> None:
    if await session.scalar(
        select(Teleconsultation.id).where(Teleconsultation.booking_id == booking.id)
    ):
        raise InvalidTransition(
            "this booking is an assisted teleconsultation: change it through "
            "/api/v1/teleconsultations so both stay in step",
            code="booking_is_teleconsultation",
            field="status",
        )


async def transition(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    booking_id: uuid.UUID,
    to: BookingStatus,
    reason: str | None = None,
) -> Booking:
    """Move a booking to `to` by compare-and-swap on its current status.

    Cancelling frees the slot again (even once started). Honoured / no-show are stated by
    the professional consulted or the staff, once the consultation has started.
    """
    booking = await get_booking(session, actor, booking_id)
    if not may_see_booking(actor, booking):
        raise NotFound("booking not found", code="booking_not_found")
    await _refuse_teleconsultation(session, booking)
    if to is not BookingStatus.CANCELLED:
        if actor.professional_id != booking.professional_id and not actor.is_staff:
            raise NotFound("booking not found", code="booking_not_found")
        if booking.starts_at > clock.now():
            raise InvalidTransition(
                "the consultation has not started yet", code="booking_not_started", field="status"
            )
    return await change_status(session, clock, actor, booking, to, reason)


async def change_status(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    booking: Booking,
    to: BookingStatus,
    reason: str | None = None,
) -> Booking:
    """The compare-and-swap, the freed slot and the events of a status change, for a caller
    that has already decided the actor may make it (`transition`, teleconsultations)."""
    event_type, allowed_from = _TRANSITIONS[to]
    now = clock.now()
    changed: Booking | None = await session.scalar(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(allowed_from))
        .values(
            status=to,
            status_changed_at=now,
            status_changed_by=actor.account_id,
            cancel_reason=reason if to is BookingStatus.CANCELLED else Booking.cancel_reason,
            revision=Booking.revision + 1,
        )
        .returning(Booking)
        .execution_options(populate_existing=True)
    )
    if changed is None:
        raise InvalidTransition(
            f"a {booking.status.value} booking cannot become {to.value}",
            code="booking_transition",
            params={"status": booking.status.value, "to": to.value},
            field="status",
        )
    if to is BookingStatus.CANCELLED:
        if changed.request_id is not None:
            # The request it met is open again, to be booked anew or closed otherwise.
            reopened: SnpRequest | None = await session.scalar(
                update(SnpRequest)
                .where(SnpRequest.id == changed.request_id, SnpRequest.booking_id == changed.id)
                .values(outcome=None, outcome_at=None, booking_id=None, consultation_at=None)
                .returning(SnpRequest)
                .execution_options(synchronize_session=False)
            )
            if reopened is not None:
                await append_event(
                    session,
                    clock,
                    territory_id=actor.territory_id,
                    type=EventType.REQUEST_REOPENED,
                    actor=actor,
                    subject_id=reopened.id,
                    payload=request_event_payload(reopened),
                )
        # The slot is given back whenever the booking is cancelled, started or not: a slot
        # left `booked` with no live booking would count as booked and could never be freed.
        await lock_agenda(session, changed.professional_id)
        freed: Slot | None = await session.scalar(
            update(Slot)
            .where(Slot.id == changed.slot_id, Slot.status == SlotStatus.BOOKED)
            .values(status=reopened_status(), version=Slot.version + 1, updated_at=now)
            .returning(Slot)
        )
        if freed is not None:
            await append_event(
                session,
                clock,
                territory_id=actor.territory_id,
                type=EventType.SLOT_FREED,
                actor=actor,
                subject_id=freed.id,
                payload=slot_event_payload(freed),
            )
    payload: BookingPayload = booking_event_payload(changed)
    if to is BookingStatus.CANCELLED:
        payload = BookingCancelledPayload(**payload, reason_given=bool(reason))
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=event_type,
        actor=actor,
        subject_id=changed.id,
        payload=payload,
    )
    return changed


async def reschedule(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    slot_id: uuid.UUID | None = None,
    hold_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> Booked:
    """Move a booking to another slot in one transaction: the old booking is cancelled (its
    slot freed, its request reopened) and the new one booked for the same patient, request and
    channel, and `booking.rescheduled` links the two. A new slot taken meanwhile leaves the
    old booking as it was. The booker and the CPTS staff move bookings; a booking that has
    started, or an assisted teleconsultation (moved as a teleconsultation), does not move."""
    old = await get_booking(session, actor, booking_id)
    if not may_see_booking(actor, old):
        raise NotFound("booking not found", code="booking_not_found")
    if old.booked_by != actor.account_id and not actor.is_staff:
        raise NotAllowed(
            "the booker or the CPTS staff move a booking", code="booking_reschedule_not_allowed"
        )
    await _refuse_teleconsultation(session, old)
    if old.status is not BookingStatus.BOOKED:
        raise InvalidTransition(
            f"a {old.status.value} booking does not move",
            code="booking_reschedule_not_booked",
            params={"status": old.status.value},
            field="status",
        )
    if old.starts_at <= clock.now():
        raise InvalidTransition(
            "a consultation that has started is not moved",
            code="booking_reschedule_started",
            field="slot_id",
        )
    if slot_id is not None and slot_id == old.slot_id:
        raise Invalid(
            "choose another slot than the booking's own",
            code="booking_reschedule_same_slot",
            field="slot_id",
        )
    await change_status(session, clock, actor, old, BookingStatus.CANCELLED, reason)
    booked = await book(
        session,
        clock,
        actor,
        BookingDraft(
            channel=old.channel,
            slot_id=slot_id,
            hold_id=hold_id,
            request_id=old.request_id,
            patient_id=None if old.request_id else old.patient_id,
            booked_by=old.booked_by,
        ),
    )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.BOOKING_RESCHEDULED,
        actor=actor,
        subject_id=booked.booking.id,
        payload=BookingRescheduledPayload(
            **booking_event_payload(booked.booking), rescheduled_from=str(old.id)
        ),
    )
    return booked


async def patient_of(session: AsyncSession, booking: Booking | BookingRecord) -> Patient:
    patient = await session.get(Patient, booking.patient_id)
    assert patient is not None
    return patient


async def patients_for(session: AsyncSession, items: list[Booking]) -> dict[uuid.UUID, Patient]:
    return await patients_by_id(session, (b.patient_id for b in items))


async def get_visible_booking(
    session: AsyncSession, actor: Actor, booking_id: uuid.UUID
) -> Booking:
    booking = await get_booking(session, actor, booking_id)
    if not may_see_booking(actor, booking):
        raise NotFound("booking not found", code="booking_not_found")
    return booking


async def list_visible(
    session: AsyncSession,
    actor: Actor,
    *,
    start: datetime | None,
    end: datetime | None,
    status: BookingStatus | None,
    cursor: str | None = None,
    limit: int,
) -> Page[Booking]:
    """Bookings the actor made or is consulted for (all of the territory for staff), by start."""
    stmt = select(Booking).where(Booking.territory_id == actor.territory_id)
    if not actor.is_staff:
        mine = Booking.booked_by == actor.account_id
        if actor.professional_id is not None:
            mine = or_(mine, Booking.professional_id == actor.professional_id)
        stmt = stmt.where(mine)
    check_instants(start=start, end=end)
    if start is not None:
        stmt = stmt.where(Booking.starts_at >= start)
    if end is not None:
        stmt = stmt.where(Booking.starts_at < end)
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    try:
        stmt = keyset(
            stmt, Booking.starts_at, Booking.id, cursor, limit=limit, parse=datetime.fromisoformat
        )
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda b: (b.starts_at, b.id))


# The reads of bookings by a person: what the actor may see, with the patients, each patient
# shown recorded as read (`purpose` says where: "booking list"…).


@dataclass(frozen=True, slots=True)
class BookingsRead:
    page: Page[Booking]
    patients: dict[uuid.UUID, Patient]


async def read_bookings(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    start: datetime | None,
    end: datetime | None,
    status: BookingStatus | None,
    cursor: str | None = None,
    limit: int,
    purpose: str = "booking list",
) -> BookingsRead:
    found = await list_visible(
        session, actor, start=start, end=end, status=status, cursor=cursor, limit=limit
    )
    patients = await patients_for(session, found.items)
    await record_reads(
        session, clock, actor, "booking", [(b.id, b.patient_id) for b in found.items], purpose
    )
    return BookingsRead(found, patients)


async def read_booking(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    booking_id: uuid.UUID,
    purpose: str = "booking detail",
) -> tuple[Booking, Patient]:
    booking = await get_visible_booking(session, actor, booking_id)
    patient = await patient_of(session, booking)
    await record_reads(
        session, clock, actor, "booking", [(booking.id, booking.patient_id)], purpose
    )
    return booking, patient
