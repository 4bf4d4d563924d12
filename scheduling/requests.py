"""SNP requests: record them as they arrive, close them with an outcome."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypedDict, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import statements
from kernel.actor import Actor, Role
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.database import table_of
from kernel.errors import Conflict, Invalid, NotFound
from kernel.event_types import EventType
from kernel.events import append_event
from kernel.instants import check_instants
from kernel.pagination import BadCursor, Page, keyset, page
from kernel.statements import insert_row
from scheduling.models.snp_request import Origin, Outcome, SnpRequest, Urgency
from scheduling.patient import Patient, PatientDraft, checked, patient_row, patients_by_id

MAX_BACKDATE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RequestDraft:
    origin: Origin
    reason: str
    patient: PatientDraft
    urgency: Urgency = Urgency.WITHIN_48H
    received_at: datetime | None = None


class RequestPayload(TypedDict):
    """The payload of every request event (created, closed, reopened)."""

    request_id: str
    origin: str
    urgency: str
    received_at: str
    outcome: str | None
    outcome_at: str | None
    recorded_by: str


def request_event_payload(request: SnpRequest) -> RequestPayload:
    """No patient identity and no free-text reason: events reach people who may not see them."""
    return {
        "request_id": str(request.id),
        "origin": request.origin.value,
        "urgency": request.urgency.value,
        "received_at": request.received_at.isoformat(),
        "outcome": request.outcome.value if request.outcome else None,
        "outcome_at": request.outcome_at.isoformat() if request.outcome_at else None,
        "recorded_by": str(request.recorded_by),
    }


_INSERT_PATIENT = insert_row(table_of(Patient))
_INSERT_REQUEST = insert_row(table_of(SnpRequest))


async def create_request(
    session: AsyncSession, clock: Clock, actor: Actor, draft: RequestDraft
) -> tuple[SnpRequest, Patient]:
    now = clock.now()
    check_instants(received_at=draft.received_at)
    received_at = draft.received_at or now
    if received_at > now + timedelta(minutes=1):
        raise Invalid(
            "received_at cannot be in the future",
            code="request_received_future",
            field="received_at",
        )
    if received_at < now - MAX_BACKDATE:
        raise Invalid(
            "received_at is more than 7 days ago",
            code="request_received_too_old",
            params={"days": MAX_BACKDATE.days},
            field="received_at",
        )
    if not draft.reason.strip():
        raise Invalid("reason must not be empty", code="field_empty", field="reason")
    # Two statements built once, no unit of work: the patient first, then the request that
    # references it; the objects returned are built from the same values, never flushed.
    patient_values = patient_row(actor.territory_id, checked(draft.patient, now), now)
    request_values: dict[str, object] = {
        "id": uuid.uuid4(),
        "territory_id": actor.territory_id,
        "origin": draft.origin,
        "received_at": received_at,
        "reason": draft.reason.strip(),
        "urgency": draft.urgency,
        "patient_id": patient_values["id"],
        "recorded_by": actor.account_id,
        "outcome": None,
        "outcome_at": None,
        "outcome_note": None,
        "booking_id": None,
        "consultation_at": None,
        "created_at": now,
    }
    await statements.execute(session, _INSERT_PATIENT, **patient_values)
    await statements.execute(session, _INSERT_REQUEST, **request_values)
    patient = Patient(**patient_values)
    request = SnpRequest(**request_values)
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.REQUEST_CREATED,
        actor=actor,
        subject_id=request.id,
        payload=request_event_payload(request),
    )
    return request, patient


async def get_request(session: AsyncSession, actor: Actor, request_id: uuid.UUID) -> SnpRequest:
    request = await session.scalar(
        select(SnpRequest).where(
            SnpRequest.id == request_id, SnpRequest.territory_id == actor.territory_id
        )
    )
    if request is None:
        raise NotFound("request not found", code="request_not_found")
    return request


async def close_request(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    request_id: uuid.UUID,
    outcome: Outcome,
    note: str | None = None,
) -> SnpRequest:
    """Close an open request with an outcome other than `booked` (booking closes it itself)."""
    await get_visible_request(session, actor, request_id)
    if outcome is Outcome.BOOKED:
        raise Invalid(
            "a request becomes booked by booking a slot with its request_id",
            code="request_booked_by_booking",
            field="outcome",
        )
    now = clock.now()
    closed: SnpRequest | None = await session.scalar(
        update(SnpRequest)
        .where(
            SnpRequest.id == request_id,
            SnpRequest.territory_id == actor.territory_id,
            SnpRequest.outcome.is_(None),
        )
        .values(outcome=outcome, outcome_at=now, outcome_note=note)
        .returning(SnpRequest)
    )
    if closed is None:
        current = await get_request(session, actor, request_id)
        raise Conflict(
            f"this request is already closed ({current.outcome})",
            code="request_closed",
            params={"outcome": str(current.outcome)},
            field="outcome",
        )
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.REQUEST_CLOSED,
        actor=actor,
        subject_id=closed.id,
        payload=request_event_payload(closed),
    )
    return closed


def sees_all_requests(actor: Actor) -> bool:
    """Staff and regulators work the territory's request board; others see what they recorded."""
    return actor.is_staff or actor.has_any(Role.REGULATOR)


_Id = TypeVar("_Id")  # an id as a UUID or as its string


def is_request_reader(sees_all: bool, account_id: _Id, recorded_by: _Id | None) -> bool:
    """The request board's staff and regulators (`sees_all_requests`), and whoever recorded
    the request; ids as UUIDs (a loaded request) or strings (an event, for live views)."""
    return sees_all or account_id == recorded_by


class _Recorded(Protocol):
    @property
    def recorded_by(self) -> uuid.UUID: ...


def may_read_request(actor: Actor, request: _Recorded) -> bool:
    return is_request_reader(sees_all_requests(actor), actor.account_id, request.recorded_by)


async def get_visible_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID
) -> SnpRequest:
    request = await get_request(session, actor, request_id)
    if not may_read_request(actor, request):
        raise NotFound("request not found", code="request_not_found")
    return request


async def list_requests(
    session: AsyncSession,
    actor: Actor,
    *,
    open_only: bool,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[SnpRequest]:
    """Newest first, keyset-paged on (received_at, id)."""
    stmt = select(SnpRequest).where(SnpRequest.territory_id == actor.territory_id)
    if not sees_all_requests(actor):
        stmt = stmt.where(SnpRequest.recorded_by == actor.account_id)
    if open_only:
        stmt = stmt.where(SnpRequest.outcome.is_(None))
    try:
        stmt = keyset(
            stmt,
            SnpRequest.received_at,
            SnpRequest.id,
            cursor,
            limit=limit,
            descending=True,
            parse=datetime.fromisoformat,
        )
    except BadCursor as exc:
        raise Invalid("cursor is not valid", code="cursor_invalid", field="cursor") from exc
    rows = list(await session.scalars(stmt))
    return page(rows, limit, lambda r: (r.received_at, r.id))


async def patients_for(
    session: AsyncSession, requests: list[SnpRequest]
) -> dict[uuid.UUID, Patient]:
    return await patients_by_id(session, (r.patient_id for r in requests))


async def requests_by_id(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, SnpRequest]:
    """The requests of the actor's territory among `ids` (for objects already access-checked
    that link to them: a GP's bookings)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(
        select(SnpRequest).where(
            SnpRequest.id.in_(wanted), SnpRequest.territory_id == actor.territory_id
        )
    )
    return {r.id: r for r in rows}


# The reads of requests by a person: each lists or loads what the actor may see, with the
# patients, and records each patient shown as read (`purpose` says where: "request list"…).


@dataclass(frozen=True, slots=True)
class RequestsRead:
    page: Page[SnpRequest]
    patients: dict[uuid.UUID, Patient]


async def read_requests(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    *,
    open_only: bool,
    cursor: str | None = None,
    limit: int = 100,
    purpose: str = "request list",
) -> RequestsRead:
    found = await list_requests(session, actor, open_only=open_only, cursor=cursor, limit=limit)
    patients = await patients_for(session, found.items)
    await record_reads(
        session, clock, actor, "snp_request", [(r.id, r.patient_id) for r in found.items], purpose
    )
    return RequestsRead(found, patients)


async def read_request(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    request_id: uuid.UUID,
    purpose: str = "request detail",
) -> tuple[SnpRequest, Patient]:
    request = await get_visible_request(session, actor, request_id)
    patient = await session.get(Patient, request.patient_id)
    assert patient is not None  # a request keeps its patient (purges anonymise, never delete)
    await record_reads(
        session, clock, actor, "snp_request", [(request.id, request.patient_id)], purpose
    )
    return request, patient


async def read_board(
    session: AsyncSession, clock: Clock, actor: Actor, shown: list[SnpRequest], purpose: str
) -> dict[uuid.UUID, Patient]:
    """The patients of requests a board shows, for who sees the whole board (staff and
    regulators; nobody else gets any), each recorded as read."""
    if not sees_all_requests(actor):
        return {}
    patients = await patients_for(session, shown)
    await record_reads(
        session, clock, actor, "snp_request", [(r.id, r.patient_id) for r in shown], purpose
    )
    return patients
